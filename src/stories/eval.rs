//! Scoring the join on a labelled story set (`tests/fixtures/stories*.tsv`):
//! what `cargo run --example stories` prints and the corpus test asserts.

use super::{story_among, words, Words};

/// Pairwise precision and recall of a grouping against the truth: over
/// every pair of items, whether both put them in one group.
pub fn pairwise(truth: &[&str], grouped: &[i64]) -> (usize, usize, usize) {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            match (truth[i] == truth[j], grouped[i] == grouped[j]) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => {}
            }
        }
    }
    (tp, fp, fn_)
}

/// What grouping a labeled set of story clusters gave.
#[derive(Debug, Default)]
pub struct StoryReport {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    /// (item, the story it joined) for every item, as `cluster: title`.
    pub grouping: Vec<(String, String)>,
    /// Pair counts (tp, fp, fn) by the two items' languages: `es`, `en`,
    /// `pt`, or `cross` when they differ.
    pub by_lang: std::collections::BTreeMap<String, (usize, usize, usize)>,
    /// Items put in the story of another cluster: `cluster: title` → the
    /// story's first report.
    pub wrong: Vec<(String, String)>,
}

impl StoryReport {
    /// Wrong joins of different people: a report put in the story of a
    /// cluster that is not its own nor one of the same people's (by the
    /// story sets' naming: `gallo-free` is a later event of `gallo`).
    pub fn different_people(&self) -> Vec<&(String, String)> {
        let cluster = |s: &str| s.split(": ").next().unwrap_or_default().to_string();
        self.wrong
            .iter()
            .filter(|(item, story)| {
                let (a, b) = (cluster(item), cluster(story));
                !a.starts_with(&format!("{b}-")) && !b.starts_with(&format!("{a}-"))
            })
            .collect()
    }

    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

/// Groups the items of a story set (`tests/fixtures/stories.tsv`: cluster,
/// hours, source, title, summary), in time order, the way the store does,
/// with the people the config's matcher finds in each, and scores the
/// grouping pairwise.
pub fn evaluate(config: &crate::config::Config, tsv: &str, window_hours: f64) -> StoryReport {
    let matcher = crate::matching::Matcher::new(config);
    let mut rows: Vec<(f64, &str, &str, &str)> = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let hours = f[1].parse().expect("hours is a number");
            (hours, f[0], f[3], f.get(4).copied().unwrap_or(""))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut seen: Vec<(f64, i64, Words, Vec<String>, String)> = Vec::new();
    let mut truth = Vec::new();
    let mut grouped = Vec::new();
    let mut langs = Vec::new();
    let mut report = StoryReport::default();
    for (hours, cluster, title, summary) in rows {
        let text = crate::matching::ItemText {
            title,
            summary,
            content: "",
        };
        let explanation = matcher.explain(&matcher.check(&text, &[]));
        langs.push(crate::matching::language(&text).map_or("?", |l| l.code()));
        let w = words(title, summary);
        let earlier = seen
            .iter()
            .filter(|(h, ..)| hours - h <= window_hours)
            .map(|(_, story, w, n, _)| (*story, w, &n[..]));
        let story = story_among(&w, &explanation.names, earlier).unwrap_or(seen.len() as i64);
        let root = seen
            .iter()
            .find(|s| s.1 == story)
            .map(|s| s.4.clone())
            .unwrap_or_else(|| format!("{cluster}: {title}"));
        if !root.starts_with(&format!("{cluster}: ")) {
            report
                .wrong
                .push((format!("{cluster}: {title}"), root.clone()));
        }
        report.grouping.push((format!("{cluster}: {title}"), root));
        seen.push((
            hours,
            story,
            w,
            explanation.names,
            format!("{cluster}: {title}"),
        ));
        truth.push(cluster);
        grouped.push(story);
    }
    (report.tp, report.fp, report.fn_) = pairwise(&truth, &grouped);
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            let bucket = if langs[i] == langs[j] {
                langs[i].to_string()
            } else {
                "cross".to_string()
            };
            let counts = report.by_lang.entry(bucket).or_default();
            match (truth[i] == truth[j], grouped[i] == grouped[j]) {
                (true, true) => counts.0 += 1,
                (false, true) => counts.1 += 1,
                (true, false) => counts.2 += 1,
                (false, false) => {}
            }
        }
    }
    report
}
