//! Explaining a verdict in the config's words: the rules that fired, the
//! terms and people they needed, and the spans to highlight.

use std::ops::Range;

use super::{Explanation, Field, Matcher, Verdict};

impl Matcher {
    /// The verdict in the config's words: rules that fired, the terms of the
    /// lists those rules require (not those that only veto), the people
    /// named, and the channels to send to.
    pub fn explain(&self, verdict: &Verdict) -> Explanation {
        let (lists, names_files) = self.relevant(verdict);
        let rules = verdict
            .rules
            .iter()
            .map(|&r| self.rules[r].name.clone())
            .collect();
        let mut channels: Vec<&String> = verdict
            .rules
            .iter()
            .flat_map(|&r| &self.rules[r].channels)
            .collect();
        channels.sort_unstable();
        channels.dedup();
        // Terms in the order a reader meets them: each at its first word.
        // Where several terms of one list match the same words (`detienen`
        // beside `detener+`), the list's first names them: one word, one term.
        let mut spans: Vec<((usize, usize, usize), usize)> = verdict
            .terms()
            .filter(|((list, _), _)| lists[*list])
            .map(|((list, term), hit)| ((list, hit.at, hit.span.end), term))
            .collect();
        spans.sort_unstable();
        spans.dedup_by_key(|(span, _)| *span);
        let mut found: Vec<((usize, usize), usize)> = spans
            .into_iter()
            .map(|((list, at, _), term)| ((list, term), at))
            .collect();
        found.sort_unstable();
        found.dedup_by_key(|(key, _)| *key);
        found.sort_unstable_by_key(|&(key, at)| (at, key));
        let mut terms: Vec<String> = Vec::with_capacity(found.len());
        for ((list, term), _) in found {
            let text = &self.terms[list][term];
            if !terms.contains(text) {
                terms.push(text.clone());
            }
        }
        let mut people: Vec<usize> = verdict
            .people()
            .map(|(person, _)| person)
            .filter(|&person| names_files[self.people[person].names_list])
            .collect();
        people.sort_unstable();
        people.dedup();
        let mut names: Vec<String> = Vec::with_capacity(people.len());
        for person in people {
            let display = &self.people[person].display;
            if !names.contains(display) {
                names.push(display.clone());
            }
        }
        Explanation {
            rules,
            terms,
            names,
            channels: channels.into_iter().cloned().collect(),
        }
    }

    /// Every span that matched a term or name of a rule that fired, per field,
    /// sorted: what `replay` highlights.
    pub fn highlights(&self, verdict: &Verdict) -> Vec<(Field, Range<usize>)> {
        let (lists, names) = self.relevant(verdict);
        let mut spans: Vec<(Field, Range<usize>)> = verdict
            .terms()
            .filter(|((list, _), _)| lists[*list])
            .map(|(_, hit)| hit)
            .chain(
                verdict
                    .people()
                    .filter(|(person, _)| names[self.people[*person].names_list])
                    .map(|(_, hit)| hit),
            )
            .map(|h| (h.field, h.span.clone()))
            .collect();
        spans.sort_by_key(|(f, s)| (*f, s.start, s.end));
        spans.dedup();
        spans
    }

    /// The lists (`all` and `any`, not `none`) and names files of the rules
    /// that fired, as flags by index.
    fn relevant(&self, verdict: &Verdict) -> (Vec<bool>, Vec<bool>) {
        let mut lists = vec![false; self.terms.len()];
        let mut names = vec![false; self.rules_by_names.len()];
        for &r in &verdict.rules {
            let rule = &self.rules[r];
            for &l in rule.all.iter().chain(&rule.any) {
                lists[l] = true;
            }
            for &n in &rule.names {
                names[n] = true;
            }
        }
        (lists, names)
    }
}

/// The spans of one field, out of [`Matcher::highlights`]' list.
pub fn field_spans(spans: &[(Field, Range<usize>)], field: Field) -> Vec<Range<usize>> {
    spans
        .iter()
        .filter(|(f, _)| *f == field)
        .map(|(_, s)| s.clone())
        .collect()
}
