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
//!
//! The code is split by concern:
//! - this file: the symbols and what each means;
//! - `build.rs`: the table from the patterns, and which states match;
//! - `walk.rs`: reading an item's symbols through the table, four streams
//!   side by side, and where matches were found;
//! - `symbols.rs`: turning an item's text into symbols, sixteen bytes at a
//!   time, and mapping positions back to the text;
//! - `words.rs`: word edges, found eight or sixteen symbols at a time, for
//!   a match's start and for `near`.
//!
//! Invariants, checked by `debug_assert!`s in debug builds and the tests:
//! - every symbol is below [`WIDTH`], and [`FIELD`] and [`SPACE`] never
//!   stand for a letter;
//! - a state is a row's start, and it is even exactly when it ends a
//!   pattern;
//! - a field's symbols start with [`FIELD`] then [`SPACE`], and end with
//!   [`SPACE`], so every pattern found starts and ends at a word edge.
//!
//! Adding a symbol (a new class of byte):
//! 1. give it a constant below and keep [`WIDTH`] the count of symbols;
//! 2. say what it reads as in [`representative`] (the byte the NFA is
//!    asked about), and in `ascii_symbol` or the two-byte table if bytes
//!    map to it;
//! 3. decide in [`is_word`] whether it is part of a word, which the word
//!    edge tricks in `words.rs` read from the symbol's value (`>= NOOP`);
//! 4. run the tests: they compare every byte's symbols with the patterns'
//!    folding, and the proptests in `matching/tests.rs` the automaton's
//!    matches with a slow word-by-word comparison.

mod build;
mod symbols;
mod walk;
mod words;

pub(super) use build::Automaton;
pub(super) use symbols::Symbols;
pub(super) use walk::Found;
pub(super) use words::{back, WordCount};

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

/// Whether a symbol is part of a word.
#[inline]
fn is_word(symbol: u8) -> bool {
    symbol >= NOOP
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

#[cfg(test)]
mod tests;
