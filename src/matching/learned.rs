//! The learned rule: how much an item reads like the reports labelled
//! `alert` in `[learned]`'s examples rather than those labelled `ignore`.
//!
//! A naive Bayes model over the words of the title and the start of the
//! summary: each word, each pair of words in a row, and each word's first
//! four, five and six letters (which stand for its other forms: "detid"
//! for detido, detida, detidos). Every feature an item has counts once.
//! Training counts the features of each kind of example; an item's score
//! is the log of how much likelier its features are in alert examples
//! than in ignored ones, plus the log of the two kinds' ratio. It alerts
//! above 0. Features no example had count for nothing.
//!
//! The lists find what their words say; this finds reports worded as no
//! list has it, as long as they read like the examples. A report it
//! misses is taught by adding it to the examples (`vigia why` prints the
//! line).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::config::examples::Example;
use crate::text::normalize::normalize;

/// How much of the summary is read: examples are a title and a line or
/// two (all but 0.3% of them shorter than this), and a long summary would
/// outweigh its title.
const SUMMARY_CHARS: usize = 200;

/// A feature fewer examples than this had is left out: it tells little,
/// and the weights stay small enough to stay in the processor's cache.
const LEAST_EXAMPLES: u32 = 2;

/// Laplace smoothing: what a feature never seen in one kind counts as.
const ALPHA: f64 = 0.1;

/// The weights of one set of examples.
pub struct Model {
    weights: HashMap<u64, f32, BuildHasherDefault<Hashed>>,
    prior: f32,
}

/// Keys are already hashes: used as they are.
#[derive(Default)]
struct Hashed(u64);

impl Hasher for Hashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One feature of an item, as its text reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feature<'a> {
    Word(&'a str),
    Pair(&'a str, &'a str),
    Prefix(&'a str),
}

impl Feature<'_> {
    /// How an explanation shows it.
    fn show(self) -> String {
        match self {
            Feature::Word(w) => w.to_string(),
            Feature::Pair(a, b) => format!("{a} {b}"),
            Feature::Prefix(p) => format!("{p}…"),
        }
    }
}

/// FNV-1a over a word's bytes, as they come: a prefix's hash is the state
/// where it ends, so one pass hashes a word and its starts.
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// A feature's hash from the FNV state of its text and its kind: mixed
/// (splitmix64's finish) so that the map can use its bits as they are.
fn mix(state: u64, kind: u64) -> u64 {
    let mut z = state ^ kind.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const WORD: u64 = 1;
const PREFIX: u64 = 2;
const PAIR: u64 = 3;

/// Calls `f` with every feature of an item and its hash, in text order (a
/// feature may come more than once).
fn each_feature(title: &str, summary: &str, mut f: impl FnMut(u64, Feature<'_>)) {
    let summary = match summary.char_indices().nth(SUMMARY_CHARS) {
        Some((at, _)) => &summary[..at],
        None => summary,
    };
    for field in [title, summary] {
        let folded = normalize(field);
        let mut previous: Option<(&str, u64)> = None;
        for word in folded.words.iter().map(|w| &folded.text[w.folded.clone()]) {
            let mut state = FNV_START;
            let mut chars = 0;
            for (at, &byte) in word.as_bytes().iter().enumerate() {
                // A char starts here: the text before it is a prefix of
                // `chars` chars. Only a word longer than the prefix has
                // it (the word itself is a feature of its own).
                if byte & 0xc0 != 0x80 {
                    if (4..=6).contains(&chars) {
                        f(mix(state, PREFIX), Feature::Prefix(&word[..at]));
                    }
                    chars += 1;
                }
                state = (state ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
            }
            let hash = mix(state, WORD);
            f(hash, Feature::Word(word));
            if let Some((before, before_hash)) = previous {
                f(
                    mix(before_hash.rotate_left(21) ^ hash, PAIR),
                    Feature::Pair(before, word),
                );
            }
            previous = Some((word, hash));
        }
    }
}

/// Calls `f` once with the hash of each distinct feature of an item.
fn each_distinct(title: &str, summary: &str, mut f: impl FnMut(u64)) {
    SEEN.with_borrow_mut(|seen| {
        seen.clear();
        each_feature(title, summary, |hash, _| {
            if seen.insert(hash) {
                f(hash)
            }
        });
    })
}

/// The feature hashes an item has had so far.
type Seen = HashSet<u64, BuildHasherDefault<Hashed>>;

thread_local! {
    /// [`each_distinct`]'s set, kept from item to item.
    static SEEN: std::cell::RefCell<Seen> = std::cell::RefCell::default();
}

impl Model {
    /// Learns from labelled examples (both kinds must be there: `vigia
    /// check` sees to it).
    pub fn train(examples: &[Example]) -> Model {
        let mut counts: HashMap<u64, [u32; 2], BuildHasherDefault<Hashed>> = HashMap::default();
        let mut totals = [0u64; 2];
        let mut docs = [0u64; 2];
        for example in examples {
            let kind = usize::from(example.alert);
            docs[kind] += 1;
            each_distinct(&example.title, &example.summary, |hash| {
                counts.entry(hash).or_default()[kind] += 1;
                totals[kind] += 1;
            });
        }
        let vocabulary = counts.len() as f64;
        let log_share = |count: u32, kind: usize| {
            ((f64::from(count) + ALPHA) / (totals[kind] as f64 + ALPHA * vocabulary)).ln()
        };
        let weights = counts
            .into_iter()
            .filter(|(_, [ignore, alert])| ignore + alert >= LEAST_EXAMPLES)
            .map(|(hash, [ignore, alert])| {
                (hash, (log_share(alert, 1) - log_share(ignore, 0)) as f32)
            })
            .collect();
        let prior = ((docs[1].max(1) as f64) / (docs[0].max(1) as f64)).ln() as f32;
        Model { weights, prior }
    }

    /// How much more an item reads like the alert examples than the
    /// ignored ones: above 0, more.
    pub fn score(&self, title: &str, summary: &str) -> f32 {
        let mut score = self.prior;
        each_distinct(title, summary, |hash| {
            score += self.weights.get(&hash).copied().unwrap_or(0.0)
        });
        score
    }

    /// The features that weigh most, each with its weight: toward alert
    /// (positive) when `toward_alert`, else toward ignore; `n` at most.
    pub fn reasons(
        &self,
        title: &str,
        summary: &str,
        toward_alert: bool,
        n: usize,
    ) -> Vec<(String, f32)> {
        let mut seen = Seen::default();
        let mut words = Vec::new();
        each_feature(title, summary, |hash, f| {
            if let (true, Some(w)) = (seen.insert(hash), self.weights.get(&hash).copied()) {
                if (w > 0.0) == toward_alert {
                    words.push((f.show(), w, matches!(f, Feature::Prefix(_))));
                }
            }
        });
        // The weightiest first; of equal ones, words before word starts.
        words.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.2.cmp(&b.2)));
        // A word's start says nothing its whole word does not, when that
        // weighs the same way; nor does a longer start after a shorter one.
        let whole: Vec<String> = words
            .iter()
            .filter(|(_, _, prefix)| !prefix)
            .flat_map(|(text, _, _)| text.split(' ').map(String::from).collect::<Vec<_>>())
            .collect();
        let mut shown: Vec<(String, f32)> = Vec::new();
        for (text, w, prefix) in words {
            let start = text.trim_end_matches('…');
            let told = whole.iter().any(|word| word.starts_with(start))
                || shown.iter().any(|(s, _)| {
                    let s = s.trim_end_matches('…');
                    s.starts_with(start) || start.starts_with(s)
                });
            if prefix && told {
                continue;
            }
            shown.push((text, w));
            if shown.len() == n {
                break;
            }
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(title: &str, alert: bool) -> Example {
        Example {
            title: title.into(),
            summary: String::new(),
            alert,
        }
    }

    #[test]
    fn features_are_words_pairs_and_the_starts_of_long_words() {
        let mut seen = Vec::new();
        each_feature("Detidos em Caracas", "", |_, f| seen.push(f.show()));
        assert_eq!(
            seen,
            [
                "deti…",
                "detid…",
                "detido…",
                "detidos",
                "em",
                "detidos em",
                "cara…",
                "carac…",
                "caraca…",
                "caracas",
                "em caracas",
            ]
        );
    }

    #[test]
    fn an_item_worded_like_the_alerts_scores_above_zero_and_says_why() {
        // Every feature must be in two examples to count.
        let model = Model::train(&[
            ex("Detienen a periodista en Caracas", true),
            ex("Periodista detenido por el Sebin", true),
            ex("Detienen al activista sindical", true),
            ex("Bolsa de Caracas cierra en alza", false),
            ex("La bolsa cierra en baja", false),
            ex("Lluvias en Caracas dejan calles anegadas", false),
        ]);
        assert!(model.score("Periodista detenida por el Sebin", "") > 0.0);
        assert!(model.score("Caracas: la bolsa cierra en baja", "") < 0.0);
        let why = model.reasons("Periodista detenida por el Sebin", "", true, 3);
        assert!(why.iter().any(|(f, _)| f == "periodista"), "{why:?}");
    }
}
