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

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::config::examples::Example;
use crate::text::normalize::fold;

/// How much of the summary is read: examples are a title and a line or
/// two, and a long summary would outweigh its title.
const SUMMARY_CHARS: usize = 400;

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
    fn hash(self) -> u64 {
        match self {
            Feature::Word(w) => xxh3_64_with_seed(w.as_bytes(), 1),
            Feature::Prefix(p) => xxh3_64_with_seed(p.as_bytes(), 2),
            Feature::Pair(a, b) => xxh3_64_with_seed(b.as_bytes(), xxh3_64_with_seed(a.as_bytes(), 3)),
        }
    }

    /// How an explanation shows it.
    fn show(self) -> String {
        match self {
            Feature::Word(w) => w.to_string(),
            Feature::Pair(a, b) => format!("{a} {b}"),
            Feature::Prefix(p) => format!("{p}…"),
        }
    }
}

/// Calls `f` with every feature of an item, in text order (a feature may
/// come more than once).
fn each_feature(title: &str, summary: &str, mut f: impl FnMut(Feature<'_>)) {
    let summary = match summary.char_indices().nth(SUMMARY_CHARS) {
        Some((at, _)) => &summary[..at],
        None => summary,
    };
    for field in [title, summary] {
        let folded = fold(field);
        let mut previous: Option<&str> = None;
        for word in folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            f(Feature::Word(word));
            if let Some(previous) = previous {
                f(Feature::Pair(previous, word));
            }
            let ends: Vec<usize> = word.char_indices().map(|(at, _)| at).collect();
            for n in 4..=6 {
                // Only a word longer than the prefix: the word itself is
                // already a feature.
                if let Some(&end) = ends.get(n) {
                    f(Feature::Prefix(&word[..end]));
                }
            }
            previous = Some(word);
        }
    }
}

/// The distinct feature hashes of an item.
fn features(title: &str, summary: &str) -> Vec<u64> {
    let mut hashes = Vec::with_capacity(64);
    each_feature(title, summary, |f| hashes.push(f.hash()));
    hashes.sort_unstable();
    hashes.dedup();
    hashes
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
            for hash in features(&example.title, &example.summary) {
                counts.entry(hash).or_default()[kind] += 1;
                totals[kind] += 1;
            }
        }
        let vocabulary = counts.len() as f64;
        let log_share = |count: u32, kind: usize| {
            ((f64::from(count) + ALPHA) / (totals[kind] as f64 + ALPHA * vocabulary)).ln()
        };
        let weights = counts
            .into_iter()
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
        self.prior
            + features(title, summary)
                .iter()
                .filter_map(|h| self.weights.get(h))
                .sum::<f32>()
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
        let mut seen = std::collections::HashSet::new();
        let mut weighed = Vec::new();
        each_feature(title, summary, |f| {
            let hash = f.hash();
            if let (true, Some(&w)) = (seen.insert(hash), self.weights.get(&hash)) {
                if (w > 0.0) == toward_alert {
                    weighed.push((f.show(), w));
                }
            }
        });
        weighed.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        weighed.truncate(n);
        weighed
    }

    /// How many features the model knows.
    pub fn features(&self) -> usize {
        self.weights.len()
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
        each_feature("Detidos em Caracas", "", |f| seen.push(f.show()));
        assert_eq!(
            seen,
            [
                "detidos", "deti…", "detid…", "detido…", "em", "detidos em", "caracas",
                "em caracas", "cara…", "carac…", "caraca…",
            ]
        );
    }

    #[test]
    fn an_item_worded_like_the_alerts_scores_above_zero_and_says_why() {
        let model = Model::train(&[
            ex("Detienen a periodista en Caracas", true),
            ex("Detienen al activista sindical", true),
            ex("Bolsa de Caracas cierra en alza", false),
            ex("Lluvias en Caracas dejan calles anegadas", false),
        ]);
        assert!(model.score("Periodista detenida por el Sebin", "") > 0.0);
        assert!(model.score("Caracas: la bolsa cierra en baja", "") < 0.0);
        let why = model.reasons("Periodista detenida por el Sebin", "", true, 3);
        assert!(why.iter().any(|(f, _)| f == "periodista"), "{why:?}");
    }
}
