//! Reading an item's symbols through the table: up to four streams walked
//! side by side, and the match states each one met.

use super::build::matches;
use super::words::ends_word;
use super::*;

/// Streams walked side by side: independent walks, so the processor
/// waits for several transitions at once.
pub(in crate::matching) const STREAMS: usize = 4;
/// Below this many symbols, one stream.
const SPLIT_MIN: usize = 512;

impl<T: Copy> Automaton<T> {
    /// (position, state) wherever `symbols` is in a match state, in order,
    /// into `found` (one list per part walked). A match state kept over a
    /// run of spaces or no-ops is there at each of its positions: one
    /// match. `longest` is the most words a pattern has.
    #[inline(never)] // one per item; and a symbol for profilers
    pub(in crate::matching) fn walk(&self, symbols: &[u8], longest: usize, found: &mut Found) {
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
pub(in crate::matching) struct Found {
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
    pub(in crate::matching) fn streams(&self) -> impl Iterator<Item = &[(usize, u32)]> {
        self.lists
            .iter()
            .zip(self.counts)
            .map(|(list, count)| &list[..count])
    }

    /// How many there are.
    pub(in crate::matching) fn len(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Heap bytes held.
    pub(in crate::matching) fn bytes(&self) -> usize {
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
