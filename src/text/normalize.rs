//! Text normalization shared by list terms, names and item text.
//!
//! Matching happens on a *folded* form of the text: lower case, accents removed
//! (NFD, combining marks dropped, plus the Latin letters that do not decompose
//! such as `ß`, `æ`, `ø`, `ł`), and every run of characters that are not letters
//! or digits collapsed to one space. Terms go through the very same function, so
//! `Detención`, `detencion` and `DETENCIÓN` meet as `detencion`, and
//! `Heath's` becomes `heath s`, which still contains the whole words `heath`.
//!
//! Every folded word remembers the byte range it came from in the original
//! text, so a match can be shown highlighted where the reader saw it.

use std::ops::Range;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// One word of folded text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the word inside [`Normalized::text`].
    pub folded: Range<usize>,
    /// Byte range of the same word inside the original text.
    pub original: Range<usize>,
}

/// Folded text: words separated by single spaces, with the map back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The folded words joined by one space; no leading or trailing space.
    pub text: String,
    /// One entry per word, in order.
    pub words: Vec<Word>,
}

/// What each byte is on the fast path: an ASCII letter or digit maps to its
/// folded self (lower case), other ASCII to [`SEPARATOR`], and every byte of
/// a multi-byte char to [`NON_ASCII`], which takes the Unicode path.
const BYTE_CLASS: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else if c.is_ascii_uppercase() {
            c + 32
        } else {
            SEPARATOR
        };
        b += 1;
    }
    t
};
const SEPARATOR: u8 = 0;
const NON_ASCII: u8 = 0x80;

/// The high bit of each byte of a u64.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const LOW_BITS: u64 = 0x0101_0101_0101_0101;

/// Which bytes of `chunk` are ASCII letters or digits, and which letters:
/// the high bit of each such byte set, the rest clear.
#[inline]
fn ascii_alnum(chunk: u64) -> (u64, u64) {
    // With the high bits cleared no byte carries into the next, so `x + c`
    // sets a byte's high bit exactly when that byte is at least `0x80 - c`.
    let at_least = |x: u64, lo: u8| x.wrapping_add(LOW_BITS * u64::from(0x80 - lo));
    let above = |x: u64, hi: u8| x.wrapping_add(LOW_BITS * u64::from(0x7F - hi));
    let x = chunk & !HIGH_BITS;
    // Setting 0x20 lower-cases letters and leaves digits as they are.
    let lower = x | (LOW_BITS * 0x20);
    let letters = at_least(lower, b'a') & !above(lower, b'z');
    let digits = at_least(x, b'0') & !above(x, b'9');
    // Bytes that were not ASCII are neither.
    let ascii = !chunk & HIGH_BITS;
    ((letters | digits) & ascii, letters & ascii)
}

/// How one non-ASCII char folds.
pub(crate) enum CharFold<'a> {
    /// Letters or digits, folded (UTF-8).
    Letters(&'a [u8]),
    /// A combining mark: nothing, and it stays part of its word.
    Mark,
    /// Anything else separates words.
    Separator,
}

/// Folds the non-ASCII char starting at byte `i`; returns its length too.
#[inline]
fn fold_at<'a>(
    text: &str,
    i: usize,
    table: &'static [FoldEntry],
    scratch: &'a mut String,
) -> (usize, CharFold<'a>) {
    let bytes = text.as_bytes();
    // Two-byte chars (U+0080 to U+07FF: accented Latin, Greek, Cyrillic)
    // are decoded here; `text` is a str, so the sequence is whole.
    let (len, ch) = match bytes[i] {
        lead @ 0xC0..=0xDF => (
            2,
            (u32::from(lead & 0x1F) << 6) | u32::from(bytes[i + 1] & 0x3F),
        ),
        _ => {
            let ch = text[i..].chars().next().expect("i is on a char boundary");
            (ch.len_utf8(), ch as u32)
        }
    };
    if let Some(fold) = table_fold(table, ch) {
        return (len, fold);
    }
    let ch = char::from_u32(ch).expect("decoded from a str");
    // Neither a letter, a digit nor a mark (emoji, most symbols): its
    // fold is a space, found without a trip through Unicode's tables.
    if !ch.is_alphanumeric() && !is_combining_mark(ch) {
        return (len, CharFold::Separator);
    }
    scratch.clear();
    fold_char(ch, scratch);
    let fold = if scratch.is_empty() {
        CharFold::Mark
    } else if scratch.chars().all(char::is_alphanumeric) {
        CharFold::Letters(scratch.as_bytes())
    } else {
        CharFold::Separator
    };
    (len, fold)
}

/// Folds the non-ASCII char starting at byte `i` of `text` (on a char
/// boundary); returns its length in bytes too. `scratch` holds the fold
/// of a char beyond the table.
#[inline]
pub(crate) fn fold_non_ascii<'a>(
    text: &str,
    i: usize,
    scratch: &'a mut String,
) -> (usize, CharFold<'a>) {
    fold_at(text, i, fold_table(), scratch)
}

/// Folds `text` for matching and keeps the map back to it: the one
/// definition of folding. The matcher reads items through the same char
/// folds (see `automaton`), and property tests hold the two to agree.
///
/// ASCII, most of any Latin-script news text, goes eight bytes at a time
/// while it is letters and digits, and through a byte table between words;
/// other characters through a table of how U+0080 to U+2FFF fold, then
/// Unicode lower-casing and decomposition.
pub fn normalize(text: &str) -> Normalized {
    let mut out: Vec<u8> = Vec::with_capacity(text.len() + 8);
    let mut words: Vec<Word> = Vec::with_capacity(text.len() / 6 + 1);
    let bytes = text.as_bytes();
    let table = fold_table();
    let mut scratch = String::new();
    let mut i = 0;
    while i < bytes.len() {
        // Between words: skip what separates them.
        let class = BYTE_CLASS[bytes[i] as usize];
        if class == SEPARATOR {
            i += 1;
            continue;
        }
        if class == NON_ASCII {
            let (len, fold) = fold_at(text, i, table, &mut scratch);
            if !matches!(fold, CharFold::Letters(_)) {
                // A separator, or a mark with no letter to belong to.
                i += len;
                continue;
            }
        }
        if !out.is_empty() {
            out.push(b' ');
        }
        let folded_start = out.len();
        let original_start = i;
        // In a word: up to the first separator.
        let mut end = bytes.len();
        while i < bytes.len() {
            // Eight bytes at a time while they are ASCII letters and digits.
            if let Some(chunk) = bytes.get(i..i + 8) {
                let chunk = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
                let (alnum, letters) = ascii_alnum(chunk);
                // Lanes are in text order from the lowest byte up.
                let run = ((!alnum & HIGH_BITS).trailing_zeros() / 8) as usize;
                if run > 0 {
                    // Upper-case letters get their 0x20 bit; the rest keep it.
                    out.extend_from_slice(&(chunk | (letters >> 2)).to_le_bytes()[..run]);
                }
                if run == 8 {
                    i += 8;
                    continue;
                }
                if (chunk >> (8 * run)) & 0x80 == 0 {
                    // An ASCII byte that is no letter or digit ends the
                    // word, and so do the ones after it in this chunk:
                    // skip to the first letter, digit or non-ASCII byte.
                    end = i + run;
                    let after = ((alnum | (chunk & HIGH_BITS)) >> (8 * run)) >> 8;
                    i += run
                        + 1
                        + match after {
                            0 => 7 - run,
                            lanes => (lanes.trailing_zeros() / 8) as usize,
                        };
                    break;
                }
                i += run;
            }
            let class = BYTE_CLASS[bytes[i] as usize];
            if class == SEPARATOR {
                end = i;
                i += 1;
                break;
            }
            if class != NON_ASCII {
                out.push(class);
                i += 1;
                continue;
            }
            let (len, fold) = fold_at(text, i, table, &mut scratch);
            match fold {
                CharFold::Letters(letters) => out.extend_from_slice(letters),
                CharFold::Mark => {}
                CharFold::Separator => {
                    end = i;
                    i += len;
                    break;
                }
            }
            i += len;
        }
        words.push(Word {
            folded: folded_start..out.len(),
            original: original_start..end,
        });
    }
    Normalized {
        text: String::from_utf8(out).expect("folded text is built from whole UTF-8 chars"),
        words,
    }
}

/// The folded form of `text` alone, for terms and names.
pub fn fold(text: &str) -> String {
    normalize(text).text
}

/// A char's fold in [`fold_table`]: `len` folded bytes, or a mark
/// (`len == 0`), a separator (`len == SEP`), or too long for the table
/// (`len == SLOW`).
#[derive(Clone, Copy)]
struct FoldEntry {
    len: u8,
    bytes: [u8; 6],
}
const SEP: u8 = u8::MAX;
const SLOW: u8 = u8::MAX - 1;
const TABLE_FIRST: u32 = 0x80;
const TABLE_END: u32 = 0x3000;

/// How the chars U+0080 to U+2FFF fold, computed once from [`fold_char`]:
/// accented Latin, Greek, Cyrillic and the other alphabets, general
/// punctuation and symbols, folded without a trip through Unicode tables.
/// Emoji and CJK (beyond the table) take the general path.
fn fold_table() -> &'static [FoldEntry] {
    static TABLE: std::sync::OnceLock<Vec<FoldEntry>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (TABLE_FIRST..TABLE_END)
            .map(|c| {
                let mut entry = FoldEntry {
                    len: SLOW,
                    bytes: [0; 6],
                };
                let Some(c) = char::from_u32(c) else {
                    return entry;
                };
                let mut s = String::new();
                fold_char(c, &mut s);
                if s.is_empty() {
                    entry.len = 0;
                } else if !s.chars().all(char::is_alphanumeric) {
                    entry.len = SEP;
                } else if s.len() <= entry.bytes.len() {
                    entry.bytes[..s.len()].copy_from_slice(s.as_bytes());
                    entry.len = s.len() as u8;
                }
                entry
            })
            .collect()
    })
}

/// The fold of `ch` from the table, if the table has it.
#[inline]
fn table_fold(table: &'static [FoldEntry], ch: u32) -> Option<CharFold<'static>> {
    let entry = table.get(ch.checked_sub(TABLE_FIRST)? as usize)?;
    match entry.len {
        0 => Some(CharFold::Mark),
        SEP => Some(CharFold::Separator),
        SLOW => None,
        len => Some(CharFold::Letters(&entry.bytes[..usize::from(len)])),
    }
}

/// Appends the folded form of one character: lower case, no accents.
/// A character that is not a letter or digit folds to a space; a
/// combining mark folds to nothing.
fn fold_char(ch: char, out: &mut String) {
    if ch.is_ascii() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(' ');
        }
        return;
    }
    for lower in ch.to_lowercase() {
        if let Some(s) = undecomposable(lower) {
            out.push_str(s);
            continue;
        }
        decompose_canonical(lower, |c| {
            if is_combining_mark(c) {
                return;
            }
            if c.is_alphanumeric() {
                out.push(c);
            } else if !out.ends_with(' ') {
                out.push(' ');
            }
        });
    }
}

/// Latin letters with no canonical decomposition, spelled the way the
/// press writes them without the special letter.
fn undecomposable(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŀ' => "l",
        'ŧ' => "t",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_beyond_the_table_fold_as_unicode_says() {
        // `fold_at` calls a char that is neither a letter, a digit nor a
        // mark a separator without folding it: every such char Unicode
        // has must fold to no letters, and every other the same as before.
        let (mut scratch, mut folded) = (String::new(), String::new());
        for ch in (TABLE_END..=0x10FFFF).filter_map(char::from_u32) {
            folded.clear();
            fold_char(ch, &mut folded);
            let text = ch.to_string();
            let (len, fold) = fold_at(&text, 0, fold_table(), &mut scratch);
            assert_eq!(len, text.len());
            match fold {
                CharFold::Mark => assert!(folded.is_empty(), "{ch:?}"),
                CharFold::Letters(letters) => assert_eq!(letters, folded.as_bytes(), "{ch:?}"),
                CharFold::Separator => assert!(
                    !folded.is_empty() && !folded.chars().all(char::is_alphanumeric),
                    "{ch:?} folds to {folded:?}"
                ),
            }
        }
    }

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(fold("DETENCIÓN arbitraria"), "detencion arbitraria");
        assert_eq!(fold("  Rocío   del\tCarmen\n"), "rocio del carmen");
        assert_eq!(fold("Heath's"), "heath s");
        assert_eq!(fold("Gallo, Nahuel"), "gallo nahuel");
        assert_eq!(fold("Straße Łódź Ærø"), "strasse lodz aero");
        assert_eq!(fold("libertação"), "libertacao");
        assert_eq!(fold("¡¿—!?"), "");
    }

    #[test]
    fn maps_words_back_to_the_original() {
        let text = "¡Liberan a Rocío 🕊️ San Miguel!";
        let n = normalize(text);
        assert_eq!(n.text, "liberan a rocio san miguel");
        // Words 2 to 4, as a match of "rocio san miguel" reports them.
        let span = n.words[2].original.start..n.words[4].original.end;
        assert_eq!(&text[span], "Rocío 🕊️ San Miguel");
    }

    #[test]
    fn mixed_scripts_keep_their_offsets() {
        let text = "Москва: ВСТРЕЧА 北京 — Café «Ñandú»";
        let n = normalize(text);
        assert_eq!(n.text, "москва встреча 北京 cafe nandu");
        let originals: Vec<&str> = n.words.iter().map(|w| &text[w.original.clone()]).collect();
        assert_eq!(
            originals,
            vec!["Москва", "ВСТРЕЧА", "北京", "Café", "Ñandú"]
        );
    }

    #[test]
    fn decomposed_input_matches_composed() {
        let decomposed = "detenc\u{0069}\u{0301}on"; // i + combining acute
        assert_eq!(fold(decomposed), "detencion");
        let n = normalize(decomposed);
        assert_eq!(n.words[0].original, 0..decomposed.len());
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Text mixing ASCII, accented Latin, other scripts, emoji, markup
        /// and combining marks.
        fn text() -> impl Strategy<Value = String> {
            prop::collection::vec(
                prop_oneof![
                    "[a-zA-Z0-9 ,.;:!?'\"()-]{1,8}",
                    // Long ASCII runs, with the bytes around the letter and
                    // digit ranges, for the eight-at-a-time path.
                    "[a-zA-Z0-9@\\[`{/:]{8,24}",
                    "[áéíóúñüçãõÁÉÍÓÚÑÇßæøłĐœ]{1,3}",
                    "[а-яА-Я]{1,4}",
                    "[\\u{0300}-\\u{036F}]",
                    Just("🕊️".to_string()),
                    Just("\n\t".to_string()),
                    any::<char>().prop_map(|c| c.to_string()),
                ],
                0..20,
            )
            .prop_map(|parts| parts.concat())
        }

        /// Folding char by char, the slow and obvious way.
        fn fold_slowly(s: &str) -> String {
            let mut out = String::new();
            for ch in s.chars() {
                let mut f = String::new();
                fold_char(ch, &mut f);
                if f.chars().all(char::is_alphanumeric) {
                    out.push_str(&f); // letters, or nothing for a mark
                } else {
                    out.push(' ');
                }
            }
            out.split_whitespace().collect::<Vec<_>>().join(" ")
        }

        proptest! {
            #[test]
            fn folding_agrees_with_folding_char_by_char(s in text()) {
                prop_assert_eq!(fold(&s), fold_slowly(&s));
            }

            #[test]
            fn normalizing_twice_changes_nothing(s in text()) {
                let once = fold(&s);
                prop_assert_eq!(fold(&once), once);
            }

            #[test]
            fn every_word_maps_to_a_real_substring(s in text()) {
                let n = normalize(&s);
                for w in &n.words {
                    prop_assert!(s.get(w.original.clone()).is_some(), "not on char boundaries: {:?}", w);
                    let original = &s[w.original.clone()];
                    // The original span folds to exactly that word.
                    prop_assert_eq!(fold(original), &n.text[w.folded.clone()]);
                }
                let joined: Vec<&str> = n.words.iter().map(|w| &n.text[w.folded.clone()]).collect();
                prop_assert_eq!(joined.join(" "), n.text.clone());
            }

            #[test]
            fn spans_of_any_word_range_are_substrings(s in text(), a in 0usize..20, b in 0usize..20) {
                let n = normalize(&s);
                if n.words.is_empty() {
                    return Ok(());
                }
                let (a, b) = (a % n.words.len(), b % n.words.len());
                let (first, last) = (a.min(b), a.max(b));
                let span = n.words[first].original.start..n.words[last].original.end;
                prop_assert!(s.get(span.clone()).is_some());
                prop_assert_eq!(fold(&s[span]), &n.text[n.words[first].folded.start..n.words[last].folded.end]);
            }
        }
    }
}
