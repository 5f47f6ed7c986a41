//! From the match states a walk found to hits: which term or person, in
//! which field, at which span; and `near`, the words between a rule's
//! `all` matches.

use super::automaton::{self, Found, Symbols};
use super::*;

impl Matcher {
    /// Every (target, hit) of the matches found, in the order found.
    pub(super) fn hits(&self, symbols: &Symbols, found: &Found) -> Vec<(Target, Hit)> {
        // Matches come in text order (each stream keeps its own part, in
        // turn), so cursors find each one's field and where its span is.
        let mut hits = Vec::with_capacity(2 * found.len());
        let (mut field, mut brk) = (0, 0);
        let mut last = None;
        for stream in found.streams() {
            for &(at, state) in stream {
                // A match state kept over a run of spaces or no-ops is one
                // match, there at each of its positions.
                let repeat = last == Some((at.wrapping_sub(1), state));
                last = Some((at, state));
                if repeat {
                    continue;
                }
                while symbols
                    .fields
                    .get(field + 1)
                    .is_some_and(|&(_, start)| start <= at)
                {
                    field += 1;
                }
                // A match state's names come pattern by pattern: one span
                // for each run with the same number of words.
                let mut span = (0, 0, 0..0);
                for &(words, target) in self.automaton.named(state) {
                    if words != span.0 {
                        let first = automaton::back(&symbols.symbols, at, words as usize);
                        span = (words, first, symbols.span(first, at, &mut brk));
                    }
                    hits.push((
                        target,
                        Hit {
                            field: symbols.fields[field].0,
                            span: span.2.clone(),
                            at: span.1,
                        },
                    ));
                }
            }
        }
        hits
    }
}

/// Whether one hit of each list in `lists` lies within `near` words: the
/// smallest window over the merged, sorted hits that covers every list.
/// Words are counted in `symbols` (what the automaton read) only here:
/// only a rule with `near` needs them.
pub(super) fn within(lists: &[usize], verdict: &Verdict, symbols: &[u8], near: usize) -> bool {
    if lists.len() < 2 {
        return true;
    }
    let mut events: Vec<(usize, usize)> = verdict
        .terms()
        .filter_map(|((list, _), hit)| {
            lists
                .iter()
                .position(|&l| l == list)
                .map(|slot| (hit.at, slot))
        })
        .collect();
    events.sort_unstable();
    // Each hit's start, as the index of its first word.
    let mut words = automaton::WordCount::default();
    for (at, _) in &mut events {
        *at = words.through(symbols, *at) - 1;
    }
    let mut counts = vec![0usize; lists.len()];
    let mut covered = 0;
    let mut left = 0;
    for right in 0..events.len() {
        let slot = events[right].1;
        if counts[slot] == 0 {
            covered += 1;
        }
        counts[slot] += 1;
        while covered == lists.len() {
            if events[right].0 - events[left].0 <= near {
                return true;
            }
            let s = events[left].1;
            counts[s] -= 1;
            if counts[s] == 0 {
                covered -= 1;
            }
            left += 1;
        }
    }
    false
}
