//! An item's text as symbols: sixteen bytes at a time where they are
//! ASCII or two-byte chars, folded char by char where not; and the map
//! from a symbol's position back to the byte of the text.

use std::ops::Range;

use super::words::{lane_bits, word_end, WORD_LANES};
use super::*;
use crate::matching::Field;
use crate::text::normalize::{self, CharFold};

/// An item's fields as the automaton reads them, with the map back.
#[derive(Default)]
pub(in crate::matching) struct Symbols {
    /// Per field [`FIELD`], a space, the field's symbols and a space.
    pub(in crate::matching) symbols: Vec<u8>,
    /// Per field: which, and where its text starts in `symbols`.
    pub(in crate::matching) fields: Vec<(Field, usize)>,
    /// (position in `symbols`, byte in its field) from which positions
    /// map one to one: every field's start, and after every char whose
    /// fold is longer than the char.
    pub(super) breaks: Vec<(usize, usize)>,
    /// A char's fold beyond the fold table.
    scratch: String,
}

impl Symbols {
    pub(in crate::matching) fn clear(&mut self) {
        self.symbols.clear();
        self.fields.clear();
        self.breaks.clear();
    }

    /// Appends one field.
    #[inline(never)] // one per field; and a symbol for profilers
    pub(in crate::matching) fn push_field(&mut self, field: Field, text: &str) {
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
        // Every symbol indexes a row; a field starts with FIELD and a space
        // and ends with a space, so a pattern found starts and ends at a
        // word edge.
        debug_assert!({
            let start = self.fields.last().expect("pushed above").1;
            let field = &self.symbols[start - 2..];
            field[..2] == [FIELD, SPACE]
                && field.last() == Some(&SPACE)
                && field[2..]
                    .iter()
                    .all(|&s| (s as usize) < WIDTH && s != FIELD)
        });
    }

    /// The span in its field of the words from the one starting at `first`
    /// to the one `last` is in or right after. `brk` is where the last
    /// call left off in [`Symbols::breaks`]: `last` never goes back.
    #[inline]
    pub(in crate::matching) fn span(
        &self,
        first: usize,
        last: usize,
        brk: &mut usize,
    ) -> Range<usize> {
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

/// One bit per byte of `block` above ASCII, the first byte lowest.
#[inline]
pub(super) fn high_bits(block: &[u8; 16]) -> u32 {
    let half = |bytes: &[u8]| {
        let x = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        lane_bits(x & WORD_LANES) as u32
    };
    half(&block[..8]) | half(&block[8..]) << 8
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
pub(super) fn push_folded(out: &mut Vec<u8>, byte: u8) {
    match SYMBOL[byte as usize] {
        NON_ASCII => out.extend_from_slice(&[HIGH, LETTERS + (byte >> 4), LETTERS + (byte & 0x0F)]),
        symbol => out.push(symbol),
    }
}
