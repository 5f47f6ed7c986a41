//! Matching: which rules an item fires, and why.
//!
//! Every term of every list and every form of every watched person's name is
//! compiled into one Aho-Corasick automaton over folded text (see
//! [`normalize`](mod@normalize)). An item's fields are folded once; since every pattern
//! starts at a word start, the automaton is walked anchored from each word
//! start until it dies, and a pattern counts only where it ends at a word end
//! (a trailing `*` in a term lifts that check). Each hit is credited to every
//! list or person that pattern belongs to. Rules are then decided from those
//! per-list hits, so the cost of a scan does not grow with the number of
//! lists or rules.

pub mod eval;
pub mod names;
pub mod normalize;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa::DFA, Anchored, MatchKind, StartKind};
use serde::Serialize;

use crate::config::Config;
use normalize::{fold, normalize};

/// The parts of an item that are matched, as plain text (HTML already removed).
#[derive(Debug, Clone, Copy, Default)]
pub struct ItemText<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub content: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Summary,
    Content,
}

impl<'a> ItemText<'a> {
    fn fields(&self) -> [(Field, &'a str); 3] {
        [
            (Field::Title, self.title),
            (Field::Summary, self.summary),
            (Field::Content, self.content),
        ]
    }

    /// The text of one field.
    pub fn field(&self, field: Field) -> &'a str {
        match field {
            Field::Title => self.title,
            Field::Summary => self.summary,
            Field::Content => self.content,
        }
    }
}

/// One place a term or name was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub field: Field,
    /// Byte range in that field's plain text.
    pub span: Range<usize>,
    /// Position, in words, counted across title, summary and content in turn.
    #[serde(skip)]
    pub word: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Term { list: usize, term: usize },
    Person { person: usize },
}

/// One folded text, and what it names as a whole word or as a stem.
#[derive(Default)]
struct Pattern {
    /// Length of the folded text in bytes.
    len: usize,
    /// Found when the text ends at a word end.
    exact: Vec<Target>,
    /// Found also when the last word goes on (a trailing `*`).
    stem: Vec<Target>,
}

struct PersonInfo {
    names_list: usize,
    display: String,
}

/// What one item matched, and which rules fired.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Indexes of the rules that fired, in config order.
    pub rules: Vec<usize>,
    /// (list, term) → where it was found.
    pub terms: Vec<((usize, usize), Vec<Hit>)>,
    /// person → where they were named.
    pub people: Vec<(usize, Vec<Hit>)>,
}

impl Verdict {
    pub fn alerts(&self) -> bool {
        !self.rules.is_empty()
    }
}

/// Why an item alerts, in the words of the config: what alerts and
/// `replay --json` carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Explanation {
    /// Rules that fired.
    pub rules: Vec<String>,
    /// List terms that matched, as written in their lists.
    pub terms: Vec<String>,
    /// Watched people named, by their first alias.
    pub names: Vec<String>,
    /// Channel names the item goes to.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub channels: Vec<String>,
}

/// The compiled lists, names and rules of one config.
pub struct Matcher {
    /// Every pattern, walked anchored from each word start (see [`Matcher::check`]).
    automaton: DFA,
    patterns: Vec<Pattern>,
    /// Terms as written, per list.
    terms: Vec<Vec<String>>,
    people: Vec<PersonInfo>,
    rules: Vec<crate::config::Rule>,
}

impl Matcher {
    pub fn new(config: &Config) -> Self {
        Self::with_variants(config, names::Variants::default())
    }

    /// A matcher that generates only the given name variants (for measuring them).
    pub fn with_variants(config: &Config, variants: names::Variants) -> Self {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut add = |folded: String, stem: bool, target: Target| {
            if folded.is_empty() {
                return;
            }
            let id = *index.entry(folded.clone()).or_insert_with(|| {
                patterns.push(Pattern {
                    len: folded.len(),
                    ..Pattern::default()
                });
                texts.push(folded);
                patterns.len() - 1
            });
            let targets = match stem {
                true => &mut patterns[id].stem,
                false => &mut patterns[id].exact,
            };
            if !targets.contains(&target) {
                targets.push(target);
            }
        };
        let mut terms = Vec::new();
        for (l, list) in config.lists.iter().enumerate() {
            for (t, term) in list.terms.iter().enumerate() {
                let stem = term.text.ends_with('*');
                add(
                    fold(term.text.trim_end_matches('*')),
                    stem,
                    Target::Term { list: l, term: t },
                );
            }
            terms.push(list.terms.iter().map(|t| t.text.clone()).collect());
        }
        let mut people = Vec::new();
        for (n, names_list) in config.names.iter().enumerate() {
            for person in &names_list.people {
                let id = people.len();
                people.push(PersonInfo {
                    names_list: n,
                    display: person.display().to_string(),
                });
                for alias in &person.aliases {
                    for form in names::forms_with(alias, variants) {
                        add(form, false, Target::Person { person: id });
                    }
                }
            }
        }
        // Anchored only: every pattern starts at a word start, so the text is
        // walked from each word start until the automaton dies, instead of
        // being scanned unanchored with failure transitions at every byte.
        let automaton = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Anchored)
            .prefilter(false)
            .build(&texts)
            .expect("folded patterns always build");
        Self {
            automaton,
            patterns,
            terms,
            people,
            rules: config.rules.clone(),
        }
    }

    /// Matches one item from a source carrying `tags`.
    pub fn check(&self, item: &ItemText<'_>, tags: &[String]) -> Verdict {
        // Every (target, hit), grouped by sorting afterwards: cheaper than
        // maps for the handful of hits a typical item has.
        let mut found: Vec<(Target, Hit)> = Vec::new();
        let mut word_offset = 0;
        let start = self
            .automaton
            .start_state(Anchored::Yes)
            .expect("the automaton is built for anchored searches");
        for (field, text) in item.fields() {
            if text.is_empty() {
                continue;
            }
            let norm = normalize(text);
            let bytes = norm.text.as_bytes();
            for (first, word) in norm.words.iter().enumerate() {
                let mut sid = start;
                // The word the walk is in: a pattern may span several.
                let mut last = first;
                let mut pos = word.folded.start;
                while let Some(&byte) = bytes.get(pos) {
                    pos += 1;
                    sid = self.automaton.next_state(Anchored::Yes, sid, byte);
                    if byte == b' ' {
                        last += 1;
                    }
                    if !self.automaton.is_special(sid) {
                        continue;
                    }
                    if self.automaton.is_dead(sid) {
                        break;
                    }
                    let end = pos;
                    let ends_word = end == bytes.len() || bytes[end] == b' ';
                    // A match state also lists the patterns that end here but
                    // started later (its suffixes, listed after its own): only
                    // the one that started at this word counts.
                    let Some(pattern) = (0..self.automaton.match_len(sid))
                        .map(|k| &self.patterns[self.automaton.match_pattern(sid, k).as_usize()])
                        .find(|p| p.len == end - word.folded.start)
                    else {
                        continue;
                    };
                    let exact = if ends_word { &pattern.exact[..] } else { &[] };
                    for target in exact.iter().chain(&pattern.stem) {
                        found.push((
                            *target,
                            Hit {
                                field,
                                span: word.original.start..norm.words[last].original.end,
                                word: word_offset + first,
                            },
                        ));
                    }
                }
            }
            word_offset += norm.words.len();
        }
        found.sort_unstable_by_key(|(t, h)| (*t, h.word, h.span.end));

        let mut terms: Vec<((usize, usize), Vec<Hit>)> = Vec::new();
        let mut people: Vec<(usize, Vec<Hit>)> = Vec::new();
        let mut list_hit = vec![false; self.terms.len()];
        let mut names_hit: BTreeSet<usize> = BTreeSet::new();
        for (target, hit) in found {
            match target {
                Target::Term { list, term } => {
                    list_hit[list] = true;
                    match terms.last_mut() {
                        Some((key, hits)) if *key == (list, term) => hits.push(hit),
                        _ => terms.push(((list, term), vec![hit])),
                    }
                }
                Target::Person { person } => {
                    names_hit.insert(self.people[person].names_list);
                    match people.last_mut() {
                        Some((key, hits)) if *key == person => hits.push(hit),
                        _ => people.push((person, vec![hit])),
                    }
                }
            }
        }
        let rules = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| {
                (rule.tags.is_empty() || rule.tags.iter().any(|t| tags.contains(t)))
                    && rule.all.iter().all(|&l| list_hit[l])
                    && (rule.any.is_empty() || rule.any.iter().any(|&l| list_hit[l]))
                    && rule.none.iter().all(|&l| !list_hit[l])
                    && (rule.names.is_empty() || rule.names.iter().any(|n| names_hit.contains(n)))
                    && rule.near.is_none_or(|near| within(&rule.all, &terms, near))
            })
            .map(|(i, _)| i)
            .collect();
        Verdict {
            rules,
            terms,
            people,
        }
    }

    /// The verdict in the config's words: rules that fired, the terms of the
    /// lists those rules require (not those that only veto), the people
    /// named, and the channels to send to.
    pub fn explain(&self, verdict: &Verdict) -> Explanation {
        let (relevant_lists, relevant_names) = self.relevant(verdict);
        let mut channels = BTreeSet::new();
        let mut rules = Vec::new();
        for &r in &verdict.rules {
            let rule = &self.rules[r];
            channels.extend(rule.channels.iter().cloned());
            rules.push(rule.name.clone());
        }
        // Terms in the order a reader meets them.
        let mut found: Vec<_> = verdict.terms.iter().collect();
        found.sort_by_key(|(key, hits)| (hits.iter().map(|h| h.word).min(), *key));
        let mut terms = Vec::new();
        for ((list, term), _) in found {
            let text = &self.terms[*list][*term];
            if relevant_lists.contains(list) && !terms.contains(text) {
                terms.push(text.clone());
            }
        }
        let mut names = Vec::new();
        for (person, _) in &verdict.people {
            let info = &self.people[*person];
            if relevant_names.contains(&info.names_list) && !names.contains(&info.display) {
                names.push(info.display.clone());
            }
        }
        Explanation {
            rules,
            terms,
            names,
            channels: channels.into_iter().collect(),
        }
    }

    /// Every span that matched a term or name of a rule that fired, per field,
    /// sorted: what `replay` highlights.
    pub fn highlights(&self, verdict: &Verdict) -> Vec<(Field, Range<usize>)> {
        let (lists, names) = self.relevant(verdict);
        let mut spans: Vec<(Field, Range<usize>)> = verdict
            .terms
            .iter()
            .filter(|((list, _), _)| lists.contains(list))
            .flat_map(|(_, hits)| hits)
            .chain(
                verdict
                    .people
                    .iter()
                    .filter(|(person, _)| names.contains(&self.people[*person].names_list))
                    .flat_map(|(_, hits)| hits),
            )
            .map(|h| (h.field, h.span.clone()))
            .collect();
        spans.sort_by_key(|(f, s)| (*f, s.start, s.end));
        spans.dedup();
        spans
    }

    /// The lists (`all` and `any`, not `none`) and names files of the rules that fired.
    fn relevant(&self, verdict: &Verdict) -> (BTreeSet<usize>, BTreeSet<usize>) {
        let mut lists = BTreeSet::new();
        let mut names = BTreeSet::new();
        for &r in &verdict.rules {
            let rule = &self.rules[r];
            lists.extend(rule.all.iter().chain(&rule.any).copied());
            names.extend(rule.names.iter().copied());
        }
        (lists, names)
    }
}

/// Whether one hit of each list in `lists` lies within `near` words: the
/// smallest window over the merged, sorted hits that covers every list.
fn within(lists: &[usize], terms: &[((usize, usize), Vec<Hit>)], near: usize) -> bool {
    if lists.len() < 2 {
        return true;
    }
    let mut events: Vec<(usize, usize)> = terms
        .iter()
        .filter_map(|((list, _), hits)| {
            lists
                .iter()
                .position(|l| l == list)
                .map(|slot| (slot, hits))
        })
        .flat_map(|(slot, hits)| hits.iter().map(move |h| (h.word, slot)))
        .collect();
    events.sort_unstable();
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

#[cfg(test)]
mod tests;
