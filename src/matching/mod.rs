//! Matching: which rules an item fires, and why.
//!
//! Every term of every list and every form of every watched person's name is
//! compiled into one Aho-Corasick automaton over folded text (see
//! [`normalize`](mod@normalize)), each with a space before it and, unless it
//! ends in `*`, a space after it. An item's fields are folded into one
//! buffer with one space around every word, so every pattern found starts
//! at a word start and, unless a stem, ends at a word end: no second check.
//! A long item is walked as four streams side by side, each a quarter of
//! it, so that the processor waits for four transitions of the (large)
//! automaton at once instead of one after another. Each hit is credited
//! to every list or person that pattern belongs to. Rules
//! are then decided from those hits, looking only at the rules that name a
//! list or names file that was hit, so the cost of matching an item grows
//! with what it matched, not with the number of lists or rules.

pub mod eval;
pub mod names;
pub mod normalize;

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::{automaton::StateID, dfa::DFA, Anchored, MatchKind, StartKind};
use serde::Serialize;

use crate::config::Config;
use normalize::fold;

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
    Term { list: u32, term: u32 },
    Person { person: u32 },
}

/// One pattern of the automaton: a folded text with a space before it and,
/// unless it is a stem, a space after it, and what it names.
#[derive(Default)]
struct Pattern {
    /// How many words the text has.
    words: usize,
    targets: Vec<Target>,
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
    /// Every term or name found and where, in the order found (by where
    /// each ends).
    hits: Vec<(Target, Hit)>,
}

impl Verdict {
    pub fn alerts(&self) -> bool {
        !self.rules.is_empty()
    }

    /// Where each list term was found: ((list, term), hit), in text order.
    pub fn terms(&self) -> impl Iterator<Item = ((usize, usize), &Hit)> {
        self.hits.iter().filter_map(|(target, hit)| match *target {
            Target::Term { list, term } => Some(((list as usize, term as usize), hit)),
            Target::Person { .. } => None,
        })
    }

    /// Where each watched person was named: (person, hit), in text order.
    pub fn people(&self) -> impl Iterator<Item = (usize, &Hit)> {
        self.hits.iter().filter_map(|(target, hit)| match *target {
            Target::Person { person } => Some((person as usize, hit)),
            Target::Term { .. } => None,
        })
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
    /// Every pattern, read unanchored over the folded item (see [`Matcher::walk`]).
    automaton: DFA,
    patterns: Vec<Pattern>,
    /// The most words in one pattern.
    longest: usize,
    /// Terms as written, per list.
    terms: Vec<Vec<String>>,
    people: Vec<PersonInfo>,
    rules: Vec<crate::config::Rule>,
    /// Per list, the rules that require it (`all` or `any`).
    rules_by_list: Vec<Vec<usize>>,
    /// Per names file, the rules that name it.
    rules_by_names: Vec<Vec<usize>>,
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
            // Folded text is fed to the automaton with one space before and
            // after every word, so a leading space anchors a pattern at a
            // word start and a trailing one at a word end.
            let text = match stem {
                true => format!(" {folded}"),
                false => format!(" {folded} "),
            };
            let id = *index.entry(text.clone()).or_insert_with(|| {
                patterns.push(Pattern {
                    words: folded.split(' ').count(),
                    ..Pattern::default()
                });
                texts.push(text);
                patterns.len() - 1
            });
            let targets = &mut patterns[id].targets;
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
                    Target::Term {
                        list: l as u32,
                        term: t as u32,
                    },
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
                        add(form, false, Target::Person { person: id as u32 });
                    }
                }
            }
        }
        // Read unanchored over the folded item: the spaces in the
        // patterns do the work of word-boundary checks.
        let automaton = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .prefilter(false)
            .build(texts.iter().map(|t| encode(t)))
            .expect("folded patterns always build");
        let longest = patterns.iter().map(|p| p.words).max().unwrap_or(1);
        let mut rules_by_list = vec![Vec::new(); config.lists.len()];
        let mut rules_by_names = vec![Vec::new(); config.names.len()];
        for (r, rule) in config.rules.iter().enumerate() {
            for &l in rule.all.iter().chain(&rule.any) {
                if !rules_by_list[l].contains(&r) {
                    rules_by_list[l].push(r);
                }
            }
            for &n in &rule.names {
                if !rules_by_names[n].contains(&r) {
                    rules_by_names[n].push(r);
                }
            }
        }
        Self {
            automaton,
            patterns,
            longest,
            terms,
            people,
            rules: config.rules.clone(),
            rules_by_list,
            rules_by_names,
        }
    }

    /// Heap bytes the automaton takes.
    pub fn automaton_bytes(&self) -> usize {
        self.automaton.memory_usage()
    }

    /// Matches one item from a source carrying `tags`.
    pub fn check(&self, item: &ItemText<'_>, tags: &[String]) -> Verdict {
        // Fold every field into what the automaton reads: a space before
        // each field and after each word, so that between fields there
        // are two spaces, which no pattern holds: no match spans two.
        //
        // The buffers are this thread's, kept from item to item: most
        // items are alike in size, so after the first few nothing is
        // allocated here.
        let hits = SCRATCH.with_borrow_mut(|scratch| {
            let folded = &mut scratch.folded;
            folded.symbols.clear();
            folded.words.clear();
            folded.fields.clear();
            for (field, text) in item.fields() {
                if text.is_empty() {
                    continue;
                }
                folded.symbols.push(b' ');
                normalize::scan(text, folded);
                folded.fields.push((field, folded.words.len()));
            }
            let hits = self.walk(&scratch.folded, &mut scratch.found);
            // A huge item's buffers are not kept: they would hold tens
            // of megabytes per thread for the rest of the run.
            if scratch.folded.symbols.capacity() > KEEP_BYTES {
                scratch.folded = Folded::default();
            }
            hits
        });

        // The lists and names files hit, and the rules that name one of
        // them: only those can fire (each rule needs `all`, `any` or
        // `names`), so deciding costs what was found, not the whole config.
        let mut lists: Vec<usize> = Vec::new();
        let mut names: Vec<usize> = Vec::new();
        for (target, _) in &hits {
            match *target {
                Target::Term { list, .. } => lists.push(list as usize),
                Target::Person { person } => names.push(self.people[person as usize].names_list),
            }
        }
        for found in [&mut lists, &mut names] {
            found.sort_unstable();
            found.dedup();
        }
        let mut candidates: Vec<usize> = lists
            .iter()
            .flat_map(|&l| &self.rules_by_list[l])
            .chain(names.iter().flat_map(|&n| &self.rules_by_names[n]))
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let list_hit = |l: &usize| lists.binary_search(l).is_ok();
        let mut verdict = Verdict {
            rules: Vec::new(),
            hits,
        };
        verdict.rules = candidates
            .into_iter()
            .filter(|&r| {
                let rule = &self.rules[r];
                (rule.tags.is_empty() || rule.tags.iter().any(|t| tags.contains(t)))
                    && rule.all.iter().all(list_hit)
                    && (rule.any.is_empty() || rule.any.iter().any(list_hit))
                    && !rule.none.iter().any(list_hit)
                    && (rule.names.is_empty() || rule.names.iter().any(|n| names.contains(n)))
                    && rule
                        .near
                        .is_none_or(|near| within(&rule.all, &verdict, near))
            })
            .collect();
        verdict
    }

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
        let mut found: Vec<((usize, usize), usize)> = verdict
            .terms()
            .filter(|((list, _), _)| lists[*list])
            .map(|(key, hit)| (key, hit.word))
            .collect();
        found.sort_unstable();
        found.dedup_by_key(|(key, _)| *key);
        found.sort_unstable_by_key(|&(key, word)| (word, key));
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

/// What [`Matcher::check`] reuses from item to item.
#[derive(Default)]
struct Scratch {
    folded: Folded,
    /// Per stream, (position, state) of every match state reached.
    found: [Vec<(usize, StateID)>; STREAMS],
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// An item's fields as the automaton reads them, with the map back.
#[derive(Default)]
struct Folded {
    /// Symbols (see [`symbols`]): per field a space, then each word
    /// followed by a space.
    symbols: Vec<u8>,
    /// Per word: its original span, and where in `symbols` the space
    /// after it is.
    words: Vec<(Range<usize>, usize)>,
    /// Per field: which, and how many words there are up to its end.
    fields: Vec<(Field, usize)>,
}

impl normalize::FoldSink for Folded {
    #[inline]
    fn start(&mut self, at: usize) {
        self.words.push((at..0, 0));
    }

    #[inline]
    fn chunk(&mut self, folded: u64, len: usize) {
        // Letters stand for themselves; a digit (the only folded ASCII
        // byte without the 0x40 bit) is two symbols.
        let mask = u64::MAX >> (64 - 8 * len);
        if folded & mask & 0x4040_4040_4040_4040 == 0x4040_4040_4040_4040 & mask {
            let at = self.symbols.len();
            self.symbols.extend_from_slice(&folded.to_le_bytes());
            self.symbols.truncate(at + len);
        } else {
            self.bytes(&folded.to_le_bytes()[..len]);
        }
    }

    #[inline]
    fn bytes(&mut self, folded: &[u8]) {
        for &byte in folded {
            let (symbols, len) = symbols(byte);
            self.symbols.extend_from_slice(&symbols[..len]);
        }
    }

    #[inline]
    fn end(&mut self, at: usize) {
        let space = self.symbols.len();
        self.symbols.push(b' ');
        let word = self.words.last_mut().expect("a word ends after it starts");
        word.0.end = at;
        word.1 = space;
    }
}

/// Streams walked side by side: independent walks, so the processor
/// waits for several transitions at once.
const STREAMS: usize = 4;
/// Below this many symbols, one stream.
const SPLIT_MIN: usize = 1024;
/// The largest item (in symbols) whose buffers a thread keeps for the
/// next: news items are a few KB, so this is room to spare.
const KEEP_BYTES: usize = 1 << 20;

impl Matcher {
    /// Every (target, hit) in the folded item, in the order found.
    fn walk(
        &self,
        folded: &Folded,
        found: &mut [Vec<(usize, StateID)>; STREAMS],
    ) -> Vec<(Target, Hit)> {
        let text = &folded.symbols;
        // Cut the symbols at spaces between words into parts; each walk
        // starts as many words before its part as the longest pattern
        // has, so that every match ending in the part is found, and
        // keeps the matches that end in its part.
        let streams = match text.len() >= SPLIT_MIN && folded.words.len() > STREAMS * self.longest {
            true => STREAMS,
            false => 1,
        };
        // Per stream: (walk from, keep matches from, end).
        let mut parts = [(0usize, 0usize, text.len()); STREAMS];
        for k in 1..streams {
            let first = k * folded.words.len() / streams;
            parts[k].0 = folded.words[first - self.longest].1;
            parts[k].1 = folded.words[first].1;
            parts[k - 1].2 = parts[k].1;
        }
        let automaton = &self.automaton;
        let start = automaton
            .start_state(Anchored::No)
            .expect("the automaton is built for unanchored searches");
        // (position, state) of every match state reached, per stream.
        for list in found.iter_mut() {
            list.clear();
        }
        let mut states = [start; STREAMS];
        let mut walked = 0;
        if streams == STREAMS {
            // Side by side while every stream has symbols left.
            let common = parts.iter().map(|p| p.2 - p.0).min().unwrap_or(0);
            let [a, b, c, d] = parts.map(|p| &text[p.0..p.0 + common]);
            let [mut sa, mut sb, mut sc, mut sd] = states;
            for (i, (((&xa, &xb), &xc), &xd)) in a.iter().zip(b).zip(c).zip(d).enumerate() {
                sa = automaton.next_state(Anchored::No, sa, xa);
                sb = automaton.next_state(Anchored::No, sb, xb);
                sc = automaton.next_state(Anchored::No, sc, xc);
                sd = automaton.next_state(Anchored::No, sd, xd);
                if automaton.is_special(sa)
                    | automaton.is_special(sb)
                    | automaton.is_special(sc)
                    | automaton.is_special(sd)
                {
                    for (k, state) in [sa, sb, sc, sd].into_iter().enumerate() {
                        let at = parts[k].0 + i;
                        if automaton.is_special(state) && at >= parts[k].1 {
                            found[k].push((at, state));
                        }
                    }
                }
            }
            states = [sa, sb, sc, sd];
            walked = common;
        }
        // Then each stream to its end.
        for k in 0..streams {
            let mut state = states[k];
            let (from, keep, end) = parts[k];
            for (at, &symbol) in text.iter().enumerate().take(end).skip(from + walked) {
                state = automaton.next_state(Anchored::No, state, symbol);
                if automaton.is_special(state) && at >= keep {
                    found[k].push((at, state));
                }
            }
        }
        // Each match, for each pattern its state ends, for each target.
        // Matches come in text order (each stream keeps its own part, in
        // turn), so one cursor finds each one's word and field.
        let mut hits = Vec::with_capacity(2 * found.iter().map(Vec::len).sum::<usize>());
        let (mut last, mut field) = (0, 0);
        for &(p, state) in found.iter().take(streams).flatten() {
            while folded.words[last].1 < p {
                last += 1;
            }
            while folded.fields[field].1 <= last {
                field += 1;
            }
            for k in 0..automaton.match_len(state) {
                let pattern = &self.patterns[automaton.match_pattern(state, k).as_usize()];
                let first = last + 1 - pattern.words;
                for target in &pattern.targets {
                    hits.push((
                        *target,
                        Hit {
                            field: folded.fields[field].0,
                            span: folded.words[first].0.start..folded.words[last].0.end,
                            word: first,
                        },
                    ));
                }
            }
        }
        hits
    }
}

// Right after `z`, so that with the bytes never read the automaton sees
// 32 classes: [0x00-0x1F] [space] [0x21-0x60] [a]…[z] [DIGIT] [HIGH] [0x7D-].
const DIGIT: u8 = b'{';
const HIGH: u8 = b'|';

/// What the automaton reads for one folded byte (the first `len` of the
/// array). Letters and the space stand for themselves; a digit is [`DIGIT`]
/// and a letter, a byte of a non-ASCII letter [`HIGH`] and two letters.
/// That keeps the automaton's alphabet to 29 symbols and 32 byte classes:
/// its rows are 32 wide, not the 64 that the 38 classes of letters, digits
/// and space would take, which halves its memory. Every byte's symbols
/// begin with a symbol no other byte's do, so a pattern read from a word
/// start matches exactly where the folded text does.
#[inline]
fn symbols(byte: u8) -> ([u8; 3], usize) {
    match byte {
        b'0'..=b'9' => ([DIGIT, b'a' + (byte - b'0'), 0], 2),
        0x80.. => ([HIGH, b'a' + (byte >> 4), b'a' + (byte & 0x0F)], 3),
        _ => ([byte, 0, 0], 1),
    }
}

/// A folded text as the automaton reads it.
fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for byte in text.bytes() {
        let (symbols, len) = symbols(byte);
        out.extend_from_slice(&symbols[..len]);
    }
    out
}

/// Whether one hit of each list in `lists` lies within `near` words: the
/// smallest window over the merged, sorted hits that covers every list.
fn within(lists: &[usize], verdict: &Verdict, near: usize) -> bool {
    if lists.len() < 2 {
        return true;
    }
    let mut events: Vec<(usize, usize)> = verdict
        .terms()
        .filter_map(|((list, _), hit)| {
            lists
                .iter()
                .position(|&l| l == list)
                .map(|slot| (hit.word, slot))
        })
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
