//! The dense table: built from aho-corasick's trie and failure links,
//! one row of next states per state, over symbols.

use aho_corasick::automaton::Automaton as _;
use aho_corasick::{nfa::noncontiguous, Anchored, MatchKind};

use super::*;

/// A pattern (folded text) as the NFA is built from it: a byte above
/// ASCII is `|` and two letters, as an item's symbols have it.
pub(super) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for byte in text.bytes() {
        if byte >= 0x80 {
            out.extend_from_slice(&[b'|', b'a' + (byte >> 4), b'a' + (byte & 0x0F)]);
        } else {
            out.push(byte);
        }
    }
    out
}

/// The patterns as one dense table over symbols, and what each names.
pub(in crate::matching) struct Automaton<T> {
    /// Per state, [`WIDTH`] next states in a row of [`STRIDE`] slots;
    /// each state is named by where its row starts.
    pub(super) table: Vec<u32>,
    pub(super) start: u32,
    /// Per row, where what the patterns of its state name is in `named`.
    pub(super) offsets: Vec<u32>,
    /// What the patterns of each match state name, one state after the
    /// other: read where the state is reached, so kept in one place.
    pub(super) named: Vec<T>,
}

impl<T: Copy> Automaton<T> {
    /// Every pattern (folded text), found wherever it occurs in the symbols
    /// of an item; `names[p]` is what pattern `p` names.
    pub(in crate::matching) fn new(patterns: &[String], names: &[Vec<T>]) -> Self {
        let nfa = noncontiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(patterns.iter().map(|p| encode(p)))
            .expect("folded patterns always build");
        let nfa_start = nfa
            .start_state(Anchored::No)
            .expect("the NFA is built for unanchored searches");
        // Every state reachable from the start, by breadth: their rows in
        // order of discovery, each next state as that order's index.
        let mut index: Vec<u32> = Vec::new();
        let mut states = Vec::new();
        let mut rows: Vec<u32> = Vec::new();
        let mut find = |sid: aho_corasick::automaton::StateID, states: &mut Vec<_>| {
            let at = sid.as_usize();
            if index.len() <= at {
                index.resize(at + 1, u32::MAX);
            }
            if index[at] == u32::MAX {
                index[at] = states.len() as u32;
                states.push(sid);
            }
            index[at]
        };
        // The start is state 0 in this order.
        find(nfa_start, &mut states);
        // Which state each was first reached from: the trie, as breadth
        // first reaches every state by its shortest path, its label.
        let mut parents = vec![0u32];
        let mut s = 0;
        while s < states.len() {
            let sid = states[s];
            for symbol in 0..WIDTH as u8 {
                let next = match symbol {
                    FIELD => 0,
                    NOOP => s as u32,
                    _ => find(
                        nfa.next_state(Anchored::No, sid, representative(symbol)),
                        &mut states,
                    ),
                };
                if parents.len() < states.len() {
                    parents.push(s as u32);
                }
                rows.push(next);
            }
            s += 1;
        }
        // States are named by where their row starts, in a u32.
        assert!(
            states.len() * STRIDE <= u32::MAX as usize,
            "{} automaton states are more than a table can name",
            states.len()
        );
        // A state entered on a space stays on the next: no pattern holds
        // two spaces running, so this reads a run of them as one.
        for s in 0..states.len() {
            let on_space = rows[s * WIDTH + SPACE as usize] as usize;
            rows[on_space * WIDTH + SPACE as usize] = on_space as u32;
        }
        // Rows in the trie's depth-first order: a word read deeper and
        // deeper into the trie goes from row to next row, which the
        // processor fetches ahead. Each row has [`STRIDE`] slots; a match
        // state's row starts at its first, any other's at its second, so
        // a state's number (where its row starts) is even exactly when it
        // matches (see [`matches`]).
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); states.len()];
        for (s, &parent) in parents.iter().enumerate().skip(1) {
            children[parent as usize].push(s as u32);
        }
        let mut number = vec![0u32; states.len()];
        let mut stack = vec![0u32];
        let mut slot = 0;
        while let Some(s) = stack.pop() {
            let odd = u32::from(!nfa.is_match(states[s as usize]));
            number[s as usize] = slot * STRIDE as u32 + odd;
            slot += 1;
            stack.extend(children[s as usize].iter().rev());
        }
        let mut table = vec![0u32; states.len() * STRIDE];
        for (s, row) in rows.chunks_exact(WIDTH).enumerate() {
            let at = number[s] as usize;
            for (entry, &next) in table[at..at + WIDTH].iter_mut().zip(row) {
                *entry = number[next as usize];
            }
        }
        // Per slot, the patterns its state ends.
        let mut by_slot: Vec<Vec<usize>> = vec![Vec::new(); states.len()];
        for (s, &sid) in states.iter().enumerate() {
            // A state's number says whether it matches: even exactly then.
            debug_assert_eq!(matches(number[s]), nfa.is_match(sid), "state {s}");
            if nfa.is_match(sid) {
                by_slot[number[s] as usize / STRIDE] = (0..nfa.match_len(sid))
                    .map(|k| nfa.match_pattern(sid, k).as_usize())
                    .collect();
            }
        }
        let mut offsets = vec![0u32; states.len() + 1];
        let mut named = Vec::new();
        for (state, found) in by_slot.into_iter().enumerate() {
            for p in found {
                named.extend_from_slice(&names[p]);
            }
            offsets[state + 1] = u32::try_from(named.len()).expect("fewer than 2^32 names");
        }
        // Every next state is a row's start.
        debug_assert!(table.iter().all(|&next| {
            let slot = next as usize % STRIDE;
            slot < 2 && next as usize + WIDTH <= table.len()
        }));
        Self {
            table,
            start: number[0],
            offsets,
            named,
        }
    }

    /// Heap bytes the table and what its patterns name take.
    pub(in crate::matching) fn memory_usage(&self) -> usize {
        (self.table.len() + self.offsets.len()) * size_of::<u32>()
            + self.named.len() * size_of::<T>()
    }

    /// What the patterns a match state ends name.
    pub(in crate::matching) fn named(&self, state: u32) -> &[T] {
        let state = state as usize / STRIDE;
        &self.named[self.offsets[state] as usize..self.offsets[state + 1] as usize]
    }
}

/// Slots per row of the table: room for a row starting at its first or
/// its second, so that a state's number is even or odd (see [`matches`]).
pub(super) const STRIDE: usize = WIDTH + 2;

/// Whether a state (where its row starts in the table) is a match state:
/// its number is even. Of the numbers of several states AND-ed together,
/// whether one of them is.
#[inline]
pub(super) fn matches(state: u32) -> bool {
    state & 1 == 0
}
