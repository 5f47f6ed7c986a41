//! Matching: which rules an item fires, and why.
//!
//! Every term of every list and every form of every watched person's name is
//! one pattern of one automaton (`automaton.rs`) over folded text (see
//! [`normalize`](mod@crate::text::normalize)), each with a space before it and, unless it
//! ends in `*`, a space after it. An item's fields are read by it as they
//! are, nearly: a run of separators reads as one space and each field starts
//! afresh, so every pattern found starts at a word start and, unless a stem,
//! ends at a word end: no second check. A long item is walked as four
//! streams side by side, so that the processor waits for four transitions
//! of the (large) automaton at once instead of one after another. Each hit
//! is credited to every list or person that pattern belongs to. Rules are
//! then decided from those hits, looking only at the rules that name a list
//! or names file that was hit, so the cost of matching an item grows with
//! what it matched, not with the number of lists or rules.

mod automaton;
pub mod eval;
mod explain;
pub use explain::field_spans;
mod hits;
pub mod learned;
use hits::within;
pub mod names;
pub mod why;

pub use crate::config::Lang;

/// The language of an item, from its title and summary (whatlang's
/// trigrams), when it is one of the three vigia's lists know.
pub fn language(item: &ItemText<'_>) -> Option<Lang> {
    let text = format!("{} {}", item.title, item.summary);
    if let Some(lang) = by_function_words(&text) {
        return Some(lang);
    }
    let allow = vec![
        whatlang::Lang::Eng,
        whatlang::Lang::Spa,
        whatlang::Lang::Por,
    ];
    let detector = whatlang::Detector::with_allowlist(allow);
    match detector.detect_lang(&text)? {
        whatlang::Lang::Eng => Some(Lang::En),
        whatlang::Lang::Spa => Some(Lang::Es),
        whatlang::Lang::Por => Some(Lang::Pt),
        _ => None,
    }
}

/// The language whose short function words a text uses clearly more than
/// the other two's ("the", "of"; "el", "tras"; "do", "após"), if one does.
/// whatlang reads many short headlines wrongly ("Venezuelan police seize
/// protest organisers in Valencia" as Spanish): a headline's few function
/// words tell its language better than its names do.
fn by_function_words(text: &str) -> Option<Lang> {
    const EN: &[&str] = &[
        "the", "of", "in", "after", "for", "with", "and", "to", "by", "at", "on", "from", "his",
        "her", "their", "is", "was", "were", "has", "have", "who", "over", "says", "said", "its",
        "an", "while", "during",
    ];
    const ES: &[&str] = &[
        "el", "la", "los", "las", "del", "en", "por", "con", "tras", "su", "sus", "fue", "una",
        "un", "al", "y", "se", "lo", "es", "son", "desde", "durante",
    ];
    const PT: &[&str] = &[
        "o", "os", "do", "da", "dos", "das", "na", "nos", "nas", "em", "pelo", "pela", "com",
        "apos", "seu", "sua", "foi", "uma", "um", "ao", "e", "sao", "diz",
    ];
    let mut counts = [0usize; 3];
    for word in fold(text).split(|c: char| !c.is_alphanumeric()) {
        for (i, list) in [EN, ES, PT].iter().enumerate() {
            if list.contains(&word) {
                counts[i] += 1;
            }
        }
    }
    let mut order = [0, 1, 2];
    order.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    let (first, second) = (counts[order[0]], counts[order[1]]);
    (first >= 2 && first >= second + 2).then(|| [Lang::En, Lang::Es, Lang::Pt][order[0]])
}

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

use crate::config::Config;
use crate::text::forms;
use crate::text::normalize::fold;
use automaton::{Automaton, Found, Symbols};

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

    /// What the learned model reads after the title: the summary, or the
    /// content when there is no summary.
    fn body(&self) -> &'a str {
        match self.summary.trim() {
            "" => self.content,
            _ => self.summary,
        }
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
    /// Where the match starts in what the automaton read of the item:
    /// in reading order across title, summary and content.
    #[serde(skip)]
    at: usize,
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
    /// The learned model's score, when a learned rule asked for it.
    pub learned: Option<f32>,
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
    /// Every pattern, found wherever it occurs in an item, with how many
    /// words it has and what it names.
    automaton: Automaton<(u32, Target)>,
    /// The most words in one pattern.
    longest: usize,
    /// Terms as written, per list.
    terms: Vec<Vec<String>>,
    /// Each term's language scope, per list (`None`: every language).
    term_langs: Vec<Vec<Option<Lang>>>,
    people: Vec<PersonInfo>,
    rules: Vec<crate::config::Rule>,
    /// Each rule's conditions as bit sets, in config order.
    needs: Vec<Needs>,
    /// Every tag some rule asks for: a tag's bit in [`Needs::tags`].
    tags: Vec<String>,
    /// Per list, the rules that require it (`all` or `any`), as a bit
    /// set over the rules.
    rules_by_list: Vec<Vec<u64>>,
    /// Per names file, the rules that name it, as a bit set.
    rules_by_names: Vec<Vec<u64>>,
    /// List names and names-file names, for [`Matcher::why`].
    list_names: Vec<String>,
    names_files: Vec<String>,
    /// What the examples taught, when a rule is `learned`.
    model: Option<learned::Model>,
    /// Where the examples are, for [`Matcher::why`].
    examples: Option<std::path::PathBuf>,
    /// The rules that are `learned`, as a bit set: candidates for every
    /// item, since they need no list hit.
    learned_rules: Vec<u64>,
}

/// What a rule needs to fire, as bit sets over lists, names files and
/// tags, so that a candidate rule is decided in a few word operations.
struct Needs {
    /// Tags of which the source must carry one (if any).
    tags: Option<Vec<u64>>,
    /// Lists that must all be hit.
    all: Vec<u64>,
    /// Lists of which one must be hit (if any).
    any: Option<Vec<u64>>,
    /// Lists none of which may be hit.
    none: Vec<u64>,
    /// Lists none of which may be hit in the title.
    none_in_title: Vec<u64>,
    /// Names files of which one must be hit (if any).
    names: Option<Vec<u64>>,
}

impl Needs {
    /// Whether the lists and names files hit (`title`: the lists hit in
    /// the title), and the tags the source carries, meet these needs (all
    /// but `near`).
    fn met(&self, lists: &[u64], title: &[u64], names: &[u64], tags: &[u64]) -> bool {
        let one_of =
            |set: &Option<Vec<u64>>, have: &[u64]| set.as_ref().is_none_or(|set| meet(set, have));
        one_of(&self.tags, tags)
            && self
                .all
                .iter()
                .zip(lists)
                .all(|(need, have)| need & !have == 0)
            && one_of(&self.any, lists)
            && !meet(&self.none, lists)
            && !meet(&self.none_in_title, title)
            && one_of(&self.names, names)
    }
}

/// A bit set of `len` bits with those of `members` set.
fn bits(len: usize, members: impl IntoIterator<Item = usize>) -> Vec<u64> {
    let mut set = vec![0; len.div_ceil(64)];
    for at in members {
        insert(&mut set, at);
    }
    set
}

/// Puts `at` in a bit set.
#[inline]
fn insert(set: &mut [u64], at: usize) {
    set[at / 64] |= 1 << (at % 64);
}

/// Calls `f` with each member of a bit set, in order, as its bits come.
#[inline]
fn each_one(set: &[u64], mut f: impl FnMut(usize)) {
    for (word, &bits) in set.iter().enumerate() {
        let mut bits = bits;
        while bits != 0 {
            f(word * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// Whether two bit sets share a member.
fn meet(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(a, b)| a & b != 0)
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
        let mut term_langs: Vec<Vec<Option<Lang>>> = Vec::new();
        for (l, list) in config.lists.iter().enumerate() {
            for (t, term) in list.terms.iter().enumerate() {
                let target = Target::Term {
                    list: l as u32,
                    term: t as u32,
                };
                match forms::expand(&term.text, term.lang) {
                    Some(Ok(phrases)) => {
                        for phrase in phrases {
                            add(phrase, false, target);
                        }
                    }
                    // `vigia check` refuses these; a config that has one never loads.
                    Some(Err(_)) => {}
                    None => add(
                        fold(term.text.trim_end_matches('*')),
                        term.text.ends_with('*'),
                        target,
                    ),
                }
            }
            terms.push(list.terms.iter().map(|t| t.text.clone()).collect());
            term_langs.push(list.terms.iter().map(|t| t.lang).collect());
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
        // The spaces in the patterns do the work of word-boundary checks.
        let names: Vec<Vec<(u32, Target)>> = patterns
            .iter()
            .map(|p| p.targets.iter().map(|&t| (p.words as u32, t)).collect())
            .collect();
        let automaton = Automaton::new(&texts, &names);
        let longest = patterns.iter().map(|p| p.words).max().unwrap_or(1);
        let mut tags: Vec<String> = Vec::new();
        for tag in config.rules.iter().flat_map(|r| &r.tags) {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        let (lists, files) = (config.lists.len(), config.names.len());
        let needs = config
            .rules
            .iter()
            .map(|rule| {
                let tag = |t: &String| tags.iter().position(|x| x == t).expect("collected above");
                let some = |set: Vec<u64>, given: bool| given.then_some(set);
                Needs {
                    tags: some(
                        bits(tags.len(), rule.tags.iter().map(tag)),
                        !rule.tags.is_empty(),
                    ),
                    all: bits(lists, rule.all.iter().copied()),
                    any: some(bits(lists, rule.any.iter().copied()), !rule.any.is_empty()),
                    none: bits(lists, rule.none.iter().copied()),
                    none_in_title: bits(lists, rule.none_in_title.iter().copied()),
                    names: some(
                        bits(files, rule.names.iter().copied()),
                        !rule.names.is_empty(),
                    ),
                }
            })
            .collect();
        let rule_set = || bits(config.rules.len(), []);
        let mut rules_by_list = vec![rule_set(); config.lists.len()];
        let mut rules_by_names = vec![rule_set(); config.names.len()];
        for (r, rule) in config.rules.iter().enumerate() {
            for &l in rule.all.iter().chain(&rule.any) {
                insert(&mut rules_by_list[l], r);
            }
            for &n in &rule.names {
                insert(&mut rules_by_names[n], r);
            }
        }
        let learned_rules = bits(
            config.rules.len(),
            config
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.learned)
                .map(|(i, _)| i),
        );
        let model = config
            .learned
            .as_ref()
            .filter(|_| config.rules.iter().any(|r| r.learned))
            .map(|examples| learned::Model::train(&examples.items));
        Self {
            automaton,
            longest,
            terms,
            term_langs,
            people,
            rules: config.rules.clone(),
            needs,
            tags,
            rules_by_list,
            rules_by_names,
            list_names: config.lists.iter().map(|l| l.name.clone()).collect(),
            names_files: config.names.iter().map(|n| n.name.clone()).collect(),
            examples: config.learned.as_ref().map(|l| l.path.clone()),
            model,
            learned_rules,
        }
    }

    /// The learned model, when a rule uses it.
    pub fn model(&self) -> Option<&learned::Model> {
        self.model.as_ref()
    }

    /// The learned model's score of an item (`None` without a model): its
    /// title and the start of its summary, or of its content when it has
    /// no summary.
    pub fn learned_score(&self, item: &ItemText<'_>) -> Option<f32> {
        self.model
            .as_ref()
            .map(|m| m.score(item.title, item.body()))
    }

    /// Heap bytes the automaton takes.
    pub fn automaton_bytes(&self) -> usize {
        self.automaton.memory_usage()
    }

    /// Matches one item from a source carrying `tags`, with every term
    /// whatever its language scope.
    pub fn check(&self, item: &ItemText<'_>, tags: &[String]) -> Verdict {
        self.check_in(item, tags, None)
    }

    /// Matches one item in language `lang` (when known): a term scoped to
    /// another language does not count.
    pub fn check_in(&self, item: &ItemText<'_>, tags: &[String], lang: Option<Lang>) -> Verdict {
        // Every field as the automaton reads it (see [`automaton`]).
        //
        // The buffers are this thread's, kept from item to item: most
        // items are alike in size, so after the first few nothing is
        // allocated here.
        SCRATCH.with_borrow_mut(|scratch| {
            let symbols = &mut scratch.symbols;
            symbols.clear();
            for (field, text) in item.fields() {
                if !text.is_empty() {
                    symbols.push_field(field, text);
                }
            }
            self.automaton
                .walk(&symbols.symbols, self.longest, &mut scratch.found);
            let mut hits = self.hits(&scratch.symbols, &scratch.found);
            if let Some(lang) = lang {
                hits.retain(|(target, _)| match *target {
                    Target::Term { list, term } => self.term_langs[list as usize][term as usize]
                        .is_none_or(|scope| scope == lang),
                    Target::Person { .. } => true,
                });
            }
            let verdict = self.decide(
                item,
                hits,
                tags,
                &scratch.symbols.symbols,
                &mut scratch.decide,
            );
            // A huge item's buffers are not kept: they would hold tens
            // of megabytes per thread for the rest of the run.
            if scratch.bytes() > KEEP_BYTES {
                *scratch = Scratch::default();
            }
            verdict
        })
    }

    /// Which rules the hits in `symbols` fire, for an item from a source
    /// carrying `tags`.
    fn decide(
        &self,
        item: &ItemText<'_>,
        hits: Vec<(Target, Hit)>,
        tags: &[String],
        symbols: &[u8],
        scratch: &mut Decide,
    ) -> Verdict {
        // The lists and names files hit, as bit sets, and the rules that
        // name one of them: only those can fire (each rule needs `all`,
        // `any` or `names`), so deciding costs what was found, not the
        // whole config.
        let Decide {
            lists,
            title,
            names,
            candidates,
            tags: carried,
        } = scratch;
        for (set, len) in [
            (&mut *lists, self.terms.len()),
            (&mut *title, self.terms.len()),
            (&mut *names, self.rules_by_names.len()),
            (&mut *candidates, self.rules.len()),
            (&mut *carried, self.tags.len()),
        ] {
            set.clear();
            set.resize(len.div_ceil(64), 0);
        }
        for (target, hit) in &hits {
            if let (Target::Term { list, .. }, Field::Title) = (*target, hit.field) {
                insert(title, list as usize);
            }
            let (set, at) = match *target {
                Target::Term { list, .. } => (&mut *lists, list as usize),
                Target::Person { person } => (&mut *names, self.people[person as usize].names_list),
            };
            insert(set, at);
        }
        for at in tags
            .iter()
            .filter_map(|t| self.tags.iter().position(|x| x == t))
        {
            insert(carried, at);
        }
        for (set, rules) in [
            (&*lists, &self.rules_by_list),
            (&*names, &self.rules_by_names),
        ] {
            // Only the lists hit (which they are is as random as the
            // text: no branch per list on it).
            each_one(set, |at| {
                for (candidate, &rules) in candidates.iter_mut().zip(&rules[at]) {
                    *candidate |= rules;
                }
            });
        }
        let mut verdict = Verdict {
            rules: Vec::new(),
            hits,
            learned: None,
        };
        // The candidates in config order, into room for all of them.
        let count = candidates.iter().map(|w| w.count_ones() as usize).sum();
        let mut rules = Vec::with_capacity(count);
        let met = |r: usize| {
            self.needs[r].met(lists, title, names, carried)
                && self.rules[r]
                    .near
                    .is_none_or(|near| within(&self.rules[r].all, &verdict, symbols, near))
        };
        each_one(candidates, |r| {
            if !self.rules[r].learned && met(r) {
                rules.push(r);
            }
        });
        // The learned rules only for an item no other rule alerts on: what
        // they add is the reports the lists miss, and scoring costs a few
        // microseconds an item. Their lists first, then the model's say.
        if rules.is_empty() {
            each_one(&self.learned_rules, |r| {
                if met(r) {
                    rules.push(r);
                }
            });
            if !rules.is_empty() {
                let score = self.learned_score(item).unwrap_or(f32::MIN);
                verdict.learned = Some(score);
                if score <= 0.0 {
                    rules.clear();
                }
            }
        }
        verdict.rules = rules;
        verdict
    }
}

/// What [`Matcher::check`] reuses from item to item.
#[derive(Default)]
struct Scratch {
    symbols: Symbols,
    /// Where the walk found match states.
    found: Found,
    decide: Decide,
}

/// What [`Matcher::decide`] reuses from item to item.
#[derive(Default)]
struct Decide {
    /// Bit sets of the lists and of the names files hit, and of the rules
    /// that name one of them.
    lists: Vec<u64>,
    /// The lists hit in the title.
    title: Vec<u64>,
    names: Vec<u64>,
    candidates: Vec<u64>,
    /// The tags of [`Matcher::tags`] the item's source carries.
    tags: Vec<u64>,
}

impl Scratch {
    /// Roughly what the buffers hold on to.
    fn bytes(&self) -> usize {
        self.symbols.symbols.capacity() + self.found.bytes()
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// The most a thread's buffers keep for the next item: news items are a
/// few KB, so this is room to spare.
const KEEP_BYTES: usize = 1 << 20;

#[cfg(test)]
mod tests;
