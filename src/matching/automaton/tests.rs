use super::build::{encode, matches};
use super::symbols::{high_bits, push_folded};
use super::words::{back_word_by_word, word_end, word_start};
use super::*;
use crate::matching::Field;

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

/// The symbols of `text` between its field's framing (FIELD, a space, and
/// the closing space).
fn inner(text: &str) -> Vec<u8> {
    let s = symbols_of(text);
    s.symbols[2..s.symbols.len() - 1].to_vec()
}

#[test]
fn a_two_byte_char_split_across_a_block_edge_reads_as_anywhere_else() {
    // Words with two-byte chars (Latin, Greek, Cyrillic), placed after
    // 0 to 40 bytes of ASCII: so at some offset a char's lead byte ends a
    // sixteen-byte block and its second byte starts the next, and at
    // others the char sits wholly inside, or in the short tail.
    for word in ["detención", "Ωμέγα", "прокурор", "ação"] {
        let alone = inner(word);
        for k in 0..40 {
            let before = "a".repeat(k);
            let text = format!("{before} {word}");
            let mut want = inner(&before);
            want.push(SPACE);
            want.extend_from_slice(&alone);
            assert_eq!(inner(&text), want, "{k} bytes before {word:?}");
            // The word's symbols map back to the word's bytes.
            let s = symbols_of(&text);
            let (first, last) = (2 + want.len() - alone.len(), 2 + want.len() - 1);
            assert_eq!(s.span(first, last, &mut 0), k + 1..text.len(), "{k} {word}");
        }
    }
}

mod arbitrary {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever bytes a feed sends (read as UTF-8 lossily, as feeds
        /// are): the symbols keep the field's framing and every symbol
        /// indexes a row, every position maps back inside the text on a
        /// char boundary, and a walk of the real automaton over them ends.
        #[test]
        fn any_text_reads_as_symbols_that_map_back(
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let s = symbols_of(&text);
            prop_assert_eq!(&s.symbols[..2], &[FIELD, SPACE]);
            prop_assert_eq!(s.symbols.last(), Some(&SPACE));
            prop_assert!(s.symbols[2..].iter().all(|&x| (x as usize) < WIDTH && x != FIELD));
            let mut brk = 0;
            for at in 2..s.symbols.len() {
                if is_word(s.symbols[at]) && !is_word(s.symbols[at - 1]) {
                    let span = s.span(at, at, &mut brk);
                    prop_assert!(span.start <= span.end && span.end <= text.len());
                    prop_assert!(text.is_char_boundary(span.start), "{:?}", span);
                    prop_assert!(text.is_char_boundary(span.end), "{:?}", span);
                }
            }
            let patterns = vec!["detencion".to_string(), "a".to_string(), "prision preventiva".to_string()];
            let names: Vec<Vec<u32>> = (0..patterns.len() as u32).map(|p| vec![p]).collect();
            let automaton = Automaton::new(&patterns, &names);
            let mut found = Found::default();
            automaton.walk(&s.symbols, 2, &mut found);
            prop_assert!(found.len() <= s.symbols.len());
        }
    }
}
