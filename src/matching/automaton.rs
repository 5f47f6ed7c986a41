//! The automaton every pattern is compiled into, and how an item is read.
//!
//! aho-corasick builds the trie of the patterns and its failure links (its
//! noncontiguous NFA); from that this module makes its own dense table over
//! *symbols*, shaped so that an item is read with almost no folding first:
//!
//! - An ASCII byte is one symbol: a letter in either case the same, a digit
//!   itself, anything else a space.
//! - A run of spaces reads as one: a state entered on a space stays where it
//!   is on the next. So `detención,  arbitraria` needs no collapsing to meet
//!   the pattern ` detencion arbitraria `.
//! - A non-ASCII char is folded (see [`normalize`](super::normalize)) and, if
//!   its fold is shorter than the char, padded with [`NOOP`], on which every
//!   state stays: `ó` is `o` then a no-op. So in Latin-script text symbol `i`
//!   of a field is byte `i` of that field, and a position maps back to the
//!   original by adding nothing. Only chars that fold longer (a byte above
//!   ASCII is three symbols) leave a [`Symbols::breaks`] entry behind.
//! - A field starts with [`FIELD`], which sends every state back to the
//!   start, so no match spans two fields.
//!
//! A state is named by where its row starts, which is even for a match
//! state and odd for any other: so whether any of four states matches is
//! one AND of the four. Rows are in the trie's depth-first order, so a
//! word read down the trie goes from row to nearby row.

use std::ops::Range;

use aho_corasick::automaton::Automaton as _;
use aho_corasick::{nfa::noncontiguous, Anchored, MatchKind};

use super::Field;
use crate::text::normalize::{self, CharFold};

/// Starts a field: every state goes back to the start.
const FIELD: u8 = 0;
/// Anything that is not a letter or digit.
const SPACE: u8 = 1;
/// Part of the char before it: every state stays.
const NOOP: u8 = 2;
/// `a` to `z`: 3 to 28.
const LETTERS: u8 = 3;
/// `0` to `9`: 29 to 38.
const DIGITS: u8 = LETTERS + 26;
/// A folded byte above ASCII: then its two halves, as the letters `a`..`p`.
const HIGH: u8 = DIGITS + 10;
/// Symbols, and so next states per state.
const WIDTH: usize = HIGH as usize + 1;

/// The symbol of each ASCII byte; [`NON_ASCII`] above.
const SYMBOL: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = ascii_symbol(b as u8);
        b += 1;
    }
    t
};
const NON_ASCII: u8 = u8::MAX;

/// The symbol of an ASCII byte: a letter in either case the same, a digit
/// itself, anything else a space. Plain arithmetic, so a compiler can do
/// sixteen bytes at a time.
#[inline]
const fn ascii_symbol(byte: u8) -> u8 {
    let lower = byte | 0x20;
    let letter = lower.wrapping_sub(b'a');
    let digit = byte.wrapping_sub(b'0');
    let symbol = if digit < 10 { digit + DIGITS } else { SPACE };
    if letter < 26 {
        letter + LETTERS
    } else {
        symbol
    }
}

/// One bit per byte of `block` above ASCII, the first byte lowest.
#[inline]
fn high_bits(block: &[u8; 16]) -> u32 {
    let half = |bytes: &[u8]| {
        let x = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        lane_bits(x & WORD_LANES) as u32
    };
    half(&block[..8]) | half(&block[8..]) << 8
}

/// The high bits of a u64's eight lanes (all its other bits clear) as
/// eight bits, the first lane lowest: gathered into the top byte by a
/// multiply.
#[inline]
fn lane_bits(high: u64) -> u64 {
    (high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Whether a symbol is part of a word.
#[inline]
fn is_word(symbol: u8) -> bool {
    symbol >= NOOP
}

/// Whether the symbol at `at` is the first after a word.
#[inline]
fn ends_word(symbols: &[u8], at: usize) -> bool {
    is_word(symbols[at - 1]) && !is_word(symbols[at])
}

/// The byte the NFA is asked about for each symbol (patterns are folded
/// text with the bytes above ASCII spelled as [`encode`] does).
fn representative(symbol: u8) -> u8 {
    match symbol {
        SPACE => b' ',
        s if s >= HIGH => b'|',
        s if s >= DIGITS => b'0' + (s - DIGITS),
        s => b'a' + (s - LETTERS),
    }
}

/// A pattern (folded text) as the NFA is built from it: a byte above
/// ASCII is `|` and two letters, as an item's symbols have it.
fn encode(text: &str) -> Vec<u8> {
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
pub(super) struct Automaton<T> {
    /// Per state, [`WIDTH`] next states in a row of [`STRIDE`] slots;
    /// each state is named by where its row starts.
    table: Vec<u32>,
    start: u32,
    /// Per row, where what the patterns of its state name is in `named`.
    offsets: Vec<u32>,
    /// What the patterns of each match state name, one state after the
    /// other: read where the state is reached, so kept in one place.
    named: Vec<T>,
}

impl<T: Copy> Automaton<T> {
    /// Every pattern (folded text), found wherever it occurs in the symbols
    /// of an item; `names[p]` is what pattern `p` names.
    pub(super) fn new(patterns: &[String], names: &[Vec<T>]) -> Self {
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
        Self {
            table,
            start: number[0],
            offsets,
            named,
        }
    }

    /// Heap bytes the table and what its patterns name take.
    pub(super) fn memory_usage(&self) -> usize {
        (self.table.len() + self.offsets.len()) * size_of::<u32>()
            + self.named.len() * size_of::<T>()
    }

    /// What the patterns a match state ends name.
    pub(super) fn named(&self, state: u32) -> &[T] {
        let state = state as usize / STRIDE;
        &self.named[self.offsets[state] as usize..self.offsets[state + 1] as usize]
    }

    /// (position, state) wherever `symbols` is in a match state, in order,
    /// into `found` (one list per part walked). A match state kept over a
    /// run of spaces or no-ops is there at each of its positions: one
    /// match. `longest` is the most words a pattern has.
    #[inline(never)] // one per item; and a symbol for profilers
    pub(super) fn walk(&self, symbols: &[u8], longest: usize, found: &mut Found) {
        // Cut the symbols at spaces after words into parts; each stream
        // starts as many words before its part as the longest pattern has
        // (so every match ending in the part is found) and keeps the
        // matches that end in its part. All walk as far, the most any
        // needs (a walk started earlier or ended later finds more, which it
        // does not keep): so all four go side by side to the end.
        let len = symbols.len();
        found.counts = [0; STREAMS];
        let table = &self.table[..];
        if len < SPLIT_MIN {
            found.room(0, len);
            let mut state = self.start;
            for (at, &symbol) in symbols.iter().enumerate() {
                state = table[state as usize + symbol as usize];
                found.put(0, (at, state), matches(state));
            }
            return;
        }
        // Per stream: (walk from, keep matches from, to).
        let mut parts = [(0usize, 0usize, len); STREAMS];
        for k in 1..STREAMS {
            let mut keep = (k * len / STREAMS).max(parts[k - 1].1 + 1).min(len);
            while keep < len && !ends_word(symbols, keep) {
                keep += 1;
            }
            let from = if keep < len {
                back(symbols, keep - 1, longest + 1)
            } else {
                len
            };
            parts[k] = (from, keep, len);
            parts[k - 1].2 = keep;
        }
        let walk = parts.iter().map(|p| p.2 - p.0).max().unwrap_or(0);
        for part in &mut parts {
            part.0 = part.0.min(len - walk);
        }
        // Per stream, which steps of its walk it keeps: from, how many.
        let kept = parts.map(|(from, keep, to)| (keep - from, to - keep));
        // The four streams' symbols side by side, step by step: one
        // pointer for the walk to advance, not four.
        let [a, b, c, d] = parts.map(|p| &symbols[p.0..p.0 + walk]);
        // (Room kept from item to item, each written before it is read: so
        // neither these nor the marks are cleared for each item.)
        let mut steps = std::mem::take(&mut found.steps);
        if steps.len() < walk {
            steps.resize(walk, 0);
        }
        let steps_now = &mut steps[..walk];
        for ((((step, &xa), &xb), &xc), &xd) in steps_now.iter_mut().zip(a).zip(b).zip(c).zip(d) {
            *step = u32::from_le_bytes([xa, xb, xc, xd]);
        }
        for (k, &(_, many)) in kept.iter().enumerate() {
            found.room(k, many);
        }
        let start = self.start as usize;
        let [mut sa, mut sb, mut sc, mut sd] = [start; STREAMS];
        // Four independent walks, so the processor waits on four
        // transitions of the (large) table at once. Each step is written
        // down, and kept (by counting it) if one of the four is in a match
        // state: which steps those are is as random as the text, and a
        // branch on it mispredicts.
        let mut marks = std::mem::take(&mut found.marks);
        if marks.len() < walk {
            marks.resize(walk, (0, [0; STREAMS]));
        }
        let mut n = 0;
        for (i, &step) in steps[..walk].iter().enumerate() {
            let [xa, xb, xc, xd] = step.to_le_bytes();
            sa = table[sa + xa as usize] as usize;
            sb = table[sb + xb as usize] as usize;
            sc = table[sc + xc as usize] as usize;
            sd = table[sd + xd as usize] as usize;
            marks[n] = (i, [sa as u32, sb as u32, sc as u32, sd as u32]);
            n += usize::from(matches((sa & sb & sc & sd) as u32));
        }
        for &(i, states) in &marks[..n] {
            // Which of the four it is, is as random as the text too: as
            // bits, one per stream, and the streams kept taken from them.
            let mut keep = 0u32;
            for (k, &state) in states.iter().enumerate() {
                let mine = i.wrapping_sub(kept[k].0) < kept[k].1;
                keep |= u32::from(matches(state) & mine) << k;
            }
            while keep != 0 {
                let k = keep.trailing_zeros() as usize;
                keep &= keep - 1;
                found.put(k, (parts[k].0 + i, states[k]), true);
            }
        }
        found.marks = marks;
        found.steps = steps;
    }
}

/// Where a walk found match states: per stream walked, (position,
/// state), in order.
#[derive(Default)]
pub(super) struct Found {
    /// Per stream, room for what it finds, kept from item to item (so not
    /// cleared or filled again for each): only the first `counts[k]` of
    /// `lists[k]` are this item's.
    lists: [Vec<(usize, u32)>; STREAMS],
    counts: [usize; STREAMS],
    /// The symbols of the streams, side by side.
    steps: Vec<u32>,
    /// Steps where a stream was in a match state: (step, states).
    marks: Vec<(usize, [u32; STREAMS])>,
}

impl Found {
    /// Every match state found, in order: stream after stream.
    pub(super) fn streams(&self) -> impl Iterator<Item = &[(usize, u32)]> {
        self.lists
            .iter()
            .zip(self.counts)
            .map(|(list, count)| &list[..count])
    }

    /// How many there are.
    pub(super) fn len(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Heap bytes held.
    pub(super) fn bytes(&self) -> usize {
        self.lists.iter().map(Vec::len).sum::<usize>() * size_of::<(usize, u32)>()
            + self.steps.len() * size_of::<u32>()
            + self.marks.len() * size_of::<(usize, [u32; STREAMS])>()
    }

    /// Writes `found` next in stream `k`'s list, and keeps it there if
    /// `keep` (else the next write takes its place): no branch on `keep`.
    /// [`Found::room`] must have made room.
    #[inline]
    fn put(&mut self, k: usize, found: (usize, u32), keep: bool) {
        let n = self.counts[k];
        self.lists[k][n] = found;
        self.counts[k] = n + usize::from(keep);
    }

    /// Room in stream `k`'s list for `more` beyond what it has, and one
    /// more to write to without keeping.
    fn room(&mut self, k: usize, more: usize) {
        let need = self.counts[k] + more + 1;
        if self.lists[k].len() < need {
            self.lists[k].resize(need, (0, 0));
        }
    }
}

/// Slots per row of the table: room for a row starting at its first or
/// its second, so that a state's number is even or odd (see [`matches`]).
const STRIDE: usize = WIDTH + 2;

/// Whether a state (where its row starts in the table) is a match state:
/// its number is even. Of the numbers of several states AND-ed together,
/// whether one of them is.
#[inline]
fn matches(state: u32) -> bool {
    state & 1 == 0
}

/// Streams walked side by side: independent walks, so the processor
/// waits for several transitions at once.
pub(super) const STREAMS: usize = 4;
/// Below this many symbols, one stream.
const SPLIT_MIN: usize = 512;

/// An item's fields as the automaton reads them, with the map back.
#[derive(Default)]
pub(super) struct Symbols {
    /// Per field [`FIELD`], a space, the field's symbols and a space.
    pub(super) symbols: Vec<u8>,
    /// Per field: which, and where its text starts in `symbols`.
    pub(super) fields: Vec<(Field, usize)>,
    /// (position in `symbols`, byte in its field) from which positions
    /// map one to one: every field's start, and after every char whose
    /// fold is longer than the char.
    breaks: Vec<(usize, usize)>,
    /// A char's fold beyond the fold table.
    scratch: String,
}

impl Symbols {
    pub(super) fn clear(&mut self) {
        self.symbols.clear();
        self.fields.clear();
        self.breaks.clear();
    }

    /// Appends one field.
    #[inline(never)] // one per field; and a symbol for profilers
    pub(super) fn push_field(&mut self, field: Field, text: &str) {
        let out = &mut self.symbols;
        out.extend_from_slice(&[FIELD, SPACE]);
        self.fields.push((field, out.len()));
        self.breaks.push((out.len(), 0));
        let bytes = text.as_bytes();
        out.reserve(bytes.len() + 1);
        let two_bytes = two_byte_symbols();
        let mut i = 0;
        while i < bytes.len() {
            // Sixteen bytes at a time: all sixteen mapped as ASCII (a few
            // vector instructions), the two-byte chars among them put
            // right from a table, and the symbols from the first other
            // non-ASCII byte on taken back.
            if let Some(block) = bytes.get(i..i + 16) {
                let block: [u8; 16] = block.try_into().expect("sixteen bytes");
                let mut symbols = [0; 18];
                for (symbol, &byte) in symbols.iter_mut().zip(&block) {
                    *symbol = ascii_symbol(byte);
                }
                // A copy of known length (no call to memcpy), two more
                // symbols than the block to write to when there is nothing
                // to put right; then the two-byte chars put right where
                // they were copied (not in `symbols`, which would then be
                // read back whole just after a narrower write: a stall),
                // then a cut.
                let at = out.len();
                out.extend_from_slice(&symbols);
                let mut run = 16;
                let mut high = high_bits(&block);
                // The first with no branch on whether there is one: how
                // many a block has is as random as the text, and a branch
                // mispredicted costs more than a read of a small table.
                // With none, `j` is 32 and the pair written is that of an
                // `à` past the block, which the cut drops. Any others in a
                // loop: fewer blocks have a second, so it mispredicts less.
                let mut past = [0xC3; 18];
                past[..16].copy_from_slice(&block);
                past[17] = 0xA0;
                let j = high.trailing_zeros() as usize;
                let k = j.min(16);
                let pair = two_byte(two_bytes, past[k], past[k + 1]);
                if (j == 15) | (pair[0] == BY_FOLD) {
                    run = j;
                    high = 0;
                } else {
                    out[at + k..at + k + 2].copy_from_slice(&pair);
                    high &= !(0b11u32.wrapping_shl(j as u32));
                }
                while high != 0 {
                    let j = high.trailing_zeros() as usize;
                    let pair = match block.get(j..j + 2) {
                        Some(&[lead, next]) => two_byte(two_bytes, lead, next),
                        _ => [BY_FOLD; 2],
                    };
                    if pair[0] == BY_FOLD {
                        run = j;
                        break;
                    }
                    out[at + j..at + j + 2].copy_from_slice(&pair);
                    high &= !(0b11 << j);
                }
                out.truncate(at + run);
                i += run;
                if run == 16 {
                    continue;
                }
            } else if bytes[i] < 0x80 {
                out.push(SYMBOL[bytes[i] as usize]);
                i += 1;
                continue;
            }
            // Accented Latin and the other two-byte chars, from a table;
            // those of other alphabets, which read as more, from another.
            if let [lead, next, ..] = bytes[i..] {
                let pair = two_byte(two_bytes, lead, next);
                if pair[0] != BY_FOLD {
                    out.extend_from_slice(&pair);
                    i += 2;
                    continue;
                }
                if let Some(long) = long_two_byte(lead, next) {
                    out.extend_from_slice(long);
                    i += 2;
                    self.breaks.push((out.len(), i));
                    continue;
                }
            }
            let (len, fold) = normalize::fold_non_ascii(text, i, &mut self.scratch);
            let at = out.len();
            let fill = match fold {
                CharFold::Letters(folded) => {
                    for &byte in folded {
                        push_folded(out, byte);
                    }
                    NOOP
                }
                // A mark is part of the word before it; with none, it
                // separates like a space.
                CharFold::Mark if out.last().is_some_and(|&s| is_word(s)) => NOOP,
                CharFold::Mark | CharFold::Separator => SPACE,
            };
            i += len;
            if out.len() <= at + len {
                out.resize(at + len, fill);
            } else {
                self.breaks.push((out.len(), i));
            }
        }
        out.push(SPACE);
    }

    /// The span in its field of the words from the one starting at `first`
    /// to the one `last` is in or right after. `brk` is where the last
    /// call left off in [`Symbols::breaks`]: `last` never goes back.
    #[inline]
    pub(super) fn span(&self, first: usize, last: usize, brk: &mut usize) -> Range<usize> {
        let end = word_end(&self.symbols, last);
        while self.breaks.get(*brk + 1).is_some_and(|&(at, _)| at <= end) {
            *brk += 1;
        }
        // The byte in its field that a position stands for.
        let original = |position: usize| {
            let b = match self.breaks[*brk].0 <= position {
                true => *brk,
                false => self.breaks.partition_point(|&(at, _)| at <= position) - 1,
            };
            let (at, byte) = self.breaks[b];
            byte + (position - at)
        };
        original(first)..original(end)
    }
}

/// In [`two_byte_symbols`], a char read through its fold.
const BY_FOLD: u8 = u8::MAX;

/// The symbols each char from U+0080 to U+07FF (two bytes of UTF-8:
/// accented Latin, Greek, Cyrillic…) reads as, if it is a letter or a
/// separator; `None` for a combining mark, which reads as what comes
/// before it.
fn two_byte_chars() -> impl Iterator<Item = Option<Vec<u8>>> {
    let mut scratch = String::new();
    (0x80..0x800u32).map(move |c| {
        let c = char::from_u32(c).expect("no surrogates below U+0800");
        match normalize::fold_non_ascii(c.encode_utf8(&mut [0; 4]), 0, &mut scratch).1 {
            CharFold::Letters(folded) => {
                let mut symbols = Vec::new();
                for &byte in folded {
                    push_folded(&mut symbols, byte);
                }
                Some(symbols)
            }
            CharFold::Separator => Some(vec![SPACE]),
            CharFold::Mark => None,
        }
    })
}

/// The code point of the char that starts with `lead` then `next`, if
/// `lead` starts a two-byte char; below U+0800 whatever the bytes are, so
/// it indexes the tables of two-byte chars with no check.
#[inline]
fn two_byte_point(lead: u8, next: u8) -> usize {
    usize::from(lead & 0x1F) << 6 | usize::from(next & 0x3F)
}

/// Whether `lead` starts a two-byte char.
#[inline]
fn leads_two_bytes(lead: u8) -> bool {
    lead.wrapping_sub(0xC2) < 0x1E
}

/// How each two-byte char reads, by its code point (below U+0080,
/// [`BY_FOLD`]): its symbols, padded to two with [`NOOP`] (a separator
/// with [`SPACE`]), or [`BY_FOLD`] where it reads as more (other
/// alphabets) or as what comes before it (a combining mark).
fn two_byte_symbols() -> &'static [[u8; 2]; 0x800] {
    static TABLE: std::sync::OnceLock<[[u8; 2]; 0x800]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [[BY_FOLD; 2]; 0x800];
        for (entry, symbols) in table[0x80..].iter_mut().zip(two_byte_chars()) {
            *entry = match symbols.as_deref() {
                Some(&[SPACE]) => [SPACE; 2],
                Some(&[one]) => [one, NOOP],
                Some(&[one, two]) => [one, two],
                _ => [BY_FOLD; 2],
            };
        }
        table
    })
}

/// The symbols of the char that starts with `lead` then `next`, from
/// [`two_byte_symbols`]; [`BY_FOLD`] first if it is no two-byte char
/// there. With no branch: the block loop of [`Symbols::push_field`] asks
/// about bytes that start no char at all.
#[inline]
fn two_byte(table: &[[u8; 2]; 0x800], lead: u8, next: u8) -> [u8; 2] {
    let [first, second] = table[two_byte_point(lead, next)];
    let leads = u8::from(leads_two_bytes(lead)).wrapping_neg();
    [(first & leads) | (BY_FOLD & !leads), second]
}

/// The symbols of the two-byte char `lead` then `next` if it reads as
/// more than two (a letter of another alphabet, whose folded bytes are
/// three symbols each); `None` if it does not, or reads as what comes
/// before it (a combining mark).
#[inline]
fn long_two_byte(lead: u8, next: u8) -> Option<&'static [u8]> {
    /// Per char, by its code point: how many symbols (0 if not more than
    /// two), then them.
    static TABLE: std::sync::OnceLock<[[u8; 8]; 0x800]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [[0; 8]; 0x800];
        for (entry, symbols) in table[0x80..].iter_mut().zip(two_byte_chars()) {
            if let Some(symbols) = symbols.filter(|s| (3..8).contains(&s.len())) {
                entry[0] = symbols.len() as u8;
                entry[1..=symbols.len()].copy_from_slice(&symbols);
            }
        }
        table
    });
    if !leads_two_bytes(lead) {
        return None;
    }
    let entry = &table[two_byte_point(lead, next)];
    (entry[0] > 0).then(|| &entry[1..=usize::from(entry[0])])
}

/// Appends the symbols of one folded byte: as [`encode`] spells it, in
/// symbols.
#[inline]
fn push_folded(out: &mut Vec<u8>, byte: u8) {
    match SYMBOL[byte as usize] {
        NON_ASCII => out.extend_from_slice(&[HIGH, LETTERS + (byte >> 4), LETTERS + (byte & 0x0F)]),
        symbol => out.push(symbol),
    }
}

/// The start of the `words`th word, counting back, among the words that
/// start at or before `at` (0 when there are fewer).
pub(super) fn back(symbols: &[u8], at: usize, words: usize) -> usize {
    // One word (most terms) that starts within the 16 symbols that end
    // at `at`: from a bit set of the word starts there.
    let window = at.checked_sub(15).and_then(|from| symbols.get(from..=at));
    if let (Some(window), 1) = (window.and_then(|w| w.try_into().ok()), words) {
        let starts = word_starts::<16>(window);
        if starts != 0 {
            return at - 15 + (63 - starts.leading_zeros() as usize);
        }
    }
    // Up to three words back within the 64 symbols that end at `at`
    // (most patterns' words): from a bit set of the word starts there,
    // with no branch on how long the words are or how many they are, as
    // random as the text.
    let from = (at + 1).saturating_sub(64);
    let window = symbols.get(from..from + 64).and_then(|w| w.try_into().ok());
    if let (Some(window), 1..=3) = (window, words) {
        // At an item's start, the window's first is a field's start,
        // which starts no word.
        let starts = word_starts::<64>(window) & (u64::MAX >> (63 - (at - from)));
        // The latest three, the latest first; 0 where there are fewer.
        let latest = |starts: u64| 63 - (starts | 1).leading_zeros() as usize;
        let first = latest(starts);
        let second = latest(starts & !(1 << first));
        let third = latest(starts & !(1 << first) & !(1 << second));
        let start = [first, second, third][words - 1];
        if start > 0 {
            return from + start;
        }
        if from == 0 {
            return 0;
        }
    }
    back_word_by_word(symbols, at, words)
}

/// The word starts among a window's symbols (at most 64), one bit each,
/// the first lowest; never the first symbol, as what comes before the
/// window is not known.
#[inline]
fn word_starts<const N: usize>(window: &[u8; N]) -> u64 {
    let word = window
        .chunks_exact(8)
        .enumerate()
        .fold(0, |bits, (lane, eight)| {
            bits | lane_bits(word_lanes(eight)) << (8 * lane)
        });
    word & !(word << 1 | 1)
}

/// [`back`] a word at a time, as far back as need be.
fn back_word_by_word(symbols: &[u8], mut at: usize, mut words: usize) -> usize {
    loop {
        // Back over what separates words, to the last symbol of one.
        while !is_word(symbols[at]) {
            if at == 0 {
                return 0;
            }
            at -= 1;
        }
        // Back over that word, to its start.
        at = word_start(symbols, at + 1);
        words -= 1;
        if words == 0 || at == 0 {
            return at;
        }
        at -= 1;
    }
}

/// Where the run of word symbols that ends before `end` starts: back
/// eight symbols at a time.
#[inline]
fn word_start(symbols: &[u8], mut end: usize) -> usize {
    while end >= 8 {
        // The last of the eight that is not part of a word, if any, is
        // just before the word.
        let others = !word_lanes(&symbols[end - 8..end]) & WORD_LANES;
        if others != 0 {
            return end - (others.leading_zeros() / 8) as usize;
        }
        end -= 8;
    }
    while end > 0 && is_word(symbols[end - 1]) {
        end -= 1;
    }
    end
}

/// Where the run of word symbols from `at` ends (`at` itself if none
/// starts there): eight symbols at a time, so a stem's end costs one
/// branch, as a whole word's does, whatever its length.
#[inline]
fn word_end(symbols: &[u8], mut at: usize) -> usize {
    while let Some(eight) = symbols.get(at..at + 8) {
        // The first of the eight that is not part of a word, if any, is
        // just after the word.
        let others = !word_lanes(eight) & WORD_LANES;
        if others != 0 {
            return at + (others.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < symbols.len() && is_word(symbols[at]) {
        at += 1;
    }
    at
}

/// The high bit of each lane of a u64.
const WORD_LANES: u64 = 0x8080_8080_8080_8080;

/// Eight symbols as the lanes of a u64, the first lowest, each lane's
/// high bit set where the symbol is part of a word (at least [`NOOP`];
/// symbols are below 0x80, so adding carries out of no lane) and every
/// other bit clear.
#[inline]
fn word_lanes(eight: &[u8]) -> u64 {
    let eight = u64::from_le_bytes(eight.try_into().expect("eight symbols"));
    eight.wrapping_add(0x7E7E_7E7E_7E7E_7E7E) & WORD_LANES
}

/// Counts words as their starts go by: the index of the word a position
/// is in or right after.
#[derive(Default)]
pub(super) struct WordCount {
    /// Symbols counted so far.
    upto: usize,
    /// Word starts among them.
    starts: usize,
}

impl WordCount {
    /// How many words start at or before `at`; `at` never goes back.
    pub(super) fn through(&mut self, symbols: &[u8], at: usize) -> usize {
        let to = at + 1;
        // Whole runs of eight are counted once; the rest of the way to
        // `at`, each time it is asked.
        let mut i = self.upto.max(1);
        while i + 8 <= to {
            self.starts += starts(symbols, i, 8);
            i += 8;
        }
        self.upto = i;
        let rest = match i + 8 <= symbols.len() {
            true => starts(symbols, i, to - i),
            false => (i..to)
                .filter(|&i| is_word(symbols[i]) && !is_word(symbols[i - 1]))
                .count(),
        };
        self.starts + rest
    }
}

/// How many of the `lanes` (0 to 8) symbols from `i` start a word; eight
/// symbols from `i` are read, and the one before.
#[inline]
fn starts(symbols: &[u8], i: usize, lanes: usize) -> usize {
    // The lanes part of a word whose lane before is not.
    let words = word_lanes(&symbols[i..i + 8]);
    let before = u64::from(is_word(symbols[i - 1])) << 7;
    let mask = u64::MAX.checked_shr(64 - 8 * lanes as u32).unwrap_or(0);
    let starts = ((words & !((words << 8) | before)) & mask) >> 7;
    // One per lane that starts a word, summed into the top lane
    // (count_ones is no single instruction on the base x86-64).
    (starts.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_spells_every_folded_byte_as_its_patterns_do() {
        // Folded text holds lower-case letters, digits, bytes of other
        // alphabets and the space between words. An item's symbols for each
        // must be what the NFA reads for the pattern's spelling, and no
        // byte's spelling may begin another's, or a pattern could match
        // out of step with the text.
        let folded: Vec<u8> = (b'a'..=b'z')
            .chain(b'0'..=b'9')
            .chain(0x80..=0xFF)
            .chain([b' '])
            .collect();
        let mut spellings = Vec::new();
        for &byte in &folded {
            let mut symbols = Vec::new();
            push_folded(&mut symbols, byte);
            let read: Vec<u8> = symbols.iter().map(|&s| representative(s)).collect();
            let spelled = encode(std::str::from_utf8(&[byte]).unwrap_or_default());
            if byte.is_ascii() {
                assert_eq!(read, spelled, "{byte:#x}");
            } else {
                // A lone byte above ASCII is no str: spell it by hand.
                assert_eq!(
                    read,
                    [b'|', b'a' + (byte >> 4), b'a' + (byte & 0x0F)],
                    "{byte:#x}"
                );
            }
            assert!(symbols
                .iter()
                .all(|&s| s != NOOP && s != FIELD && (s < WIDTH as u8)));
            spellings.push(read);
        }
        for (a, spelled_a) in folded.iter().zip(&spellings) {
            for (b, spelled_b) in folded.iter().zip(&spellings) {
                assert!(
                    a == b || !spelled_b.starts_with(spelled_a),
                    "{a:#x} and {b:#x}"
                );
            }
        }
    }

    #[test]
    fn a_state_is_even_exactly_when_it_ends_a_pattern() {
        // Patterns as the matcher writes them: a space before, and after
        // unless a stem; one sharing a prefix, one inside another.
        let patterns: Vec<String> = [" detenido ", " detenida ", " deten", " ido ", " 28j "]
            .map(String::from)
            .to_vec();
        let names: Vec<Vec<usize>> = (0..patterns.len()).map(|p| vec![p]).collect();
        let automaton = Automaton::new(&patterns, &names);
        // Every state reachable from the start, through every symbol.
        let mut seen = std::collections::BTreeSet::from([automaton.start]);
        let mut todo = vec![automaton.start];
        while let Some(state) = todo.pop() {
            for symbol in 0..WIDTH as u8 {
                let next = automaton.table[state as usize + symbol as usize];
                if seen.insert(next) {
                    todo.push(next);
                }
            }
        }
        let ends: Vec<usize> = seen
            .iter()
            .filter(|&&state| matches(state))
            .flat_map(|&state| automaton.named(state).to_vec())
            .collect();
        // Each pattern is ended by at least one even state…
        for (p, pattern) in patterns.iter().enumerate() {
            assert!(ends.contains(&p), "{pattern:?}");
        }
        // …and an odd state ends none.
        for &state in &seen {
            assert_eq!(
                matches(state),
                !automaton.named(state).is_empty(),
                "{state}"
            );
        }
    }

    fn symbols_of(text: &str) -> Symbols {
        let mut symbols = Symbols::default();
        symbols.push_field(Field::Summary, text);
        symbols
    }

    #[test]
    fn high_bits_are_one_per_byte_above_ascii() {
        let mut block = [b'a'; 16];
        assert_eq!(high_bits(&block), 0);
        for (k, byte) in [(0, 0x80), (5, 0xC3), (8, 0xFF), (15, 0x90)] {
            block[k] = byte;
        }
        assert_eq!(high_bits(&block), 1 | 1 << 5 | 1 << 8 | 1 << 15);
    }

    #[test]
    fn ascii_bytes_are_letters_in_either_case_digits_or_spaces() {
        for byte in 0..=0xFFu8 {
            let want = match byte {
                b'a'..=b'z' => LETTERS + (byte - b'a'),
                b'A'..=b'Z' => LETTERS + (byte - b'A'),
                b'0'..=b'9' => DIGITS + (byte - b'0'),
                0x80.. => NON_ASCII,
                _ => SPACE,
            };
            assert_eq!(SYMBOL[byte as usize], want, "{byte:#x}");
        }
    }

    #[test]
    fn latin_text_keeps_its_positions_and_other_scripts_leave_a_break() {
        let latin = symbols_of("Detención, Ñandú");
        // FIELD and a space, then one symbol per byte, then a space.
        assert_eq!(latin.symbols.len(), 2 + "Detención, Ñandú".len() + 1);
        assert_eq!(latin.breaks, vec![(2, 0)]);
        let cyrillic = symbols_of("Москва 28J");
        // Six letters of two bytes, each byte three symbols.
        assert_eq!(cyrillic.symbols.len(), 2 + 36 + 4 + 1);
        assert_eq!(cyrillic.span(2, 2, &mut 0), 0.."Москва".len());
        assert_eq!(cyrillic.span(2 + 37, 2 + 37, &mut 0), 13..16);
    }

    #[test]
    fn a_mark_with_no_letter_before_it_separates() {
        let symbols = symbols_of("a \u{301}b");
        assert_eq!(
            symbols.symbols[2..],
            [LETTERS, SPACE, SPACE, SPACE, LETTERS + 1, SPACE]
        );
        let symbols = symbols_of("e\u{301}b");
        assert_eq!(
            symbols.symbols[2..],
            [LETTERS + 4, NOOP, NOOP, LETTERS + 1, SPACE]
        );
    }

    #[test]
    fn word_edges_are_found_eight_symbols_at_a_time_as_one_by_one() {
        let text = "a bb detenciones  arbitrarias, Москва inconstitucionalmente 28J x";
        let symbols = symbols_of(text);
        let s = &symbols.symbols;
        let mut runs = 0;
        for at in 0..=s.len() {
            let (mut start, mut end) = (at, at);
            while start > 0 && is_word(s[start - 1]) {
                start -= 1;
            }
            while end < s.len() && is_word(s[end]) {
                end += 1;
            }
            assert_eq!(word_start(s, at), start, "start before {at}");
            assert_eq!(word_end(s, at), end, "end from {at}");
            runs += usize::from(start + 8 < at) + usize::from(at + 8 < end);
        }
        // Runs longer than eight symbols were among them, both ways.
        assert!(runs > 40);
    }

    #[test]
    fn words_are_counted_back_from_a_bit_set_as_one_by_one() {
        // Long words, runs of separators, other alphabets, marks, and
        // more than sixty-four symbols, so that words cross the window.
        let text = "a bb detenciones  arbitrarias, Москва inconstitucionalmente 28J x \
                    e\u{301}b ; ;  cc dd ee ff gg hh ii jj kk ll mm nn oo pp qq rr ss";
        let symbols = symbols_of(text);
        let s = &symbols.symbols;
        assert!(s.len() > 128);
        let starts: Vec<usize> = (1..s.len())
            .filter(|&i| is_word(s[i]) && !is_word(s[i - 1]))
            .collect();
        for at in 0..s.len() {
            // The starts at or before `at`, the latest first.
            let before: Vec<usize> = starts.iter().rev().copied().filter(|&i| i <= at).collect();
            for words in 1..=5 {
                let slow = before.get(words - 1).copied().unwrap_or(0);
                assert_eq!(back(s, at, words), slow, "{words} back from {at}");
                assert_eq!(
                    back_word_by_word(s, at, words),
                    slow,
                    "{words} back from {at}"
                );
            }
        }
    }

    #[test]
    fn words_are_counted_eight_symbols_at_a_time_as_one_by_one() {
        let text = "uno dos, tres   cuatro cinco-seis siete ocho nueve diez once doce trece";
        let symbols = symbols_of(text);
        let s = &symbols.symbols;
        let mut count = WordCount::default();
        let mut slow = 0;
        for at in 0..s.len() {
            if at > 0 && is_word(s[at]) && !is_word(s[at - 1]) {
                slow += 1;
            }
            if at % 3 == 0 {
                assert_eq!(count.through(s, at), slow, "at {at}");
            }
        }
        assert_eq!(slow, 13);
    }
}
