//! Word edges: where a match starts (counting words back from its end),
//! and how many words lie before a position, read eight or sixteen symbols
//! at a time with bit tricks on the symbols' values (a word symbol is
//! `>= NOOP`).

use super::*;

/// Whether the symbol at `at` is the first after a word.
#[inline]
pub(super) fn ends_word(symbols: &[u8], at: usize) -> bool {
    is_word(symbols[at - 1]) && !is_word(symbols[at])
}

/// The high bits of a u64's eight lanes (all its other bits clear) as
/// eight bits, the first lane lowest: gathered into the top byte by a
/// multiply.
#[inline]
pub(super) fn lane_bits(high: u64) -> u64 {
    (high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// The start of the `words`th word, counting back, among the words that
/// start at or before `at` (0 when there are fewer).
pub(in crate::matching) fn back(symbols: &[u8], at: usize, words: usize) -> usize {
    let start = back_from_windows(symbols, at, words);
    // A word's first symbol (or the item's start), at or before `at`.
    debug_assert!(
        start <= at && (start == 0 || is_word(symbols[start]) && !is_word(symbols[start - 1])),
        "back({at}, {words}) = {start}"
    );
    start
}

/// [`back`], from bit sets of the word starts in windows of 16 and 64
/// symbols where they hold the answer.
#[inline]
fn back_from_windows(symbols: &[u8], at: usize, words: usize) -> usize {
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
pub(super) fn back_word_by_word(symbols: &[u8], mut at: usize, mut words: usize) -> usize {
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
pub(super) fn word_start(symbols: &[u8], mut end: usize) -> usize {
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
pub(super) fn word_end(symbols: &[u8], mut at: usize) -> usize {
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
pub(super) const WORD_LANES: u64 = 0x8080_8080_8080_8080;

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
pub(in crate::matching) struct WordCount {
    /// Symbols counted so far.
    upto: usize,
    /// Word starts among them.
    starts: usize,
}

impl WordCount {
    /// How many words start at or before `at`; `at` never goes back.
    pub(in crate::matching) fn through(&mut self, symbols: &[u8], at: usize) -> usize {
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
