//! Precision and recall of a config's rules on a labeled corpus (JSON lines
//! with `id, lang, source, title, summary, label`), used by
//! `cargo run --example eval` and by the test that guards the default lists.
//!
//! An item is matched as if it came from the configured source of the same
//! name (so that source's tags apply), else from an untagged source.
//! `borderline` items count in neither precision nor recall.

use std::collections::BTreeMap;

use super::{ItemText, Matcher};
use crate::config::Config;
use crate::text::html::html_to_text;

#[derive(serde::Deserialize)]
struct Row {
    id: String,
    lang: String,
    source: String,
    title: String,
    summary: String,
    label: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub by_lang: BTreeMap<String, Counts>,
    pub all: Counts,
    /// One line per wrong decision: id, source, title, rules and terms.
    pub errors: Vec<String>,
    /// Items whose language was detected (labelled items, borderline left
    /// out), and how many of those detections agree with the label.
    pub detected: usize,
    pub detected_right: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("corpus line {line}: {source}")]
pub struct CorpusError {
    line: usize,
    source: serde_json::Error,
}

pub fn evaluate(config: &Config, corpus: &str) -> Result<Report, CorpusError> {
    let matcher = Matcher::new(config);
    let mut report = Report::default();
    for (i, line) in corpus
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: Row = serde_json::from_str(line).map_err(|source| CorpusError {
            line: i + 1,
            source,
        })?;
        if row.label == "borderline" {
            continue;
        }
        let source = config.source(&row.source);
        let tags = source.map(|s| s.tags.clone()).unwrap_or_default();
        let (title, summary) = (html_to_text(&row.title), html_to_text(&row.summary));
        let text = ItemText {
            title: &title,
            summary: &summary,
            content: "",
        };
        // As the daemon does: the source's language, else the item's.
        let lang = source
            .and_then(|s| s.lang)
            .or_else(|| super::language(&text));
        let detected = super::language(&text);
        report.detected += 1;
        if detected.map(|l| serde_json::to_value(l).ok()) == Some(Some(row.lang.clone().into())) {
            report.detected_right += 1;
        }
        let verdict = matcher.check_in(&text, &tags, lang);
        let expected = row.label == "alert";
        let lang = report.by_lang.entry(row.lang.clone()).or_default();
        for c in [lang, &mut report.all] {
            match (expected, verdict.alerts()) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (false, false) => c.tn += 1,
            }
        }
        if expected != verdict.alerts() {
            let e = matcher.explain(&verdict);
            let kind = if expected { "missed" } else { "false alert" };
            report.errors.push(format!(
                "{kind}: {} [{}] {} | rules {:?} terms {:?}",
                row.id, row.source, row.title, e.rules, e.terms
            ));
        }
    }
    Ok(report)
}

/// Precision and recall of person detection on a names test set: lines of
/// `expected<TAB>text`, where `expected` lists the people's first aliases
/// separated by `|`, or is `-` for nobody. Counted per (line, person).
pub fn evaluate_names(
    config: &Config,
    cases: &str,
    variants: super::names::Variants,
) -> Result<Report, CorpusError> {
    let matcher = Matcher::with_variants(config, variants);
    let mut report = Report::default();
    for (i, line) in cases.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((expected, text)) = line.split_once('\t') else {
            let source = serde_json::Error::io(std::io::Error::other("expected `people<TAB>text`"));
            return Err(CorpusError {
                line: i + 1,
                source,
            });
        };
        let expected: Vec<&str> = expected
            .split('|')
            .map(str::trim)
            .filter(|e| *e != "-")
            .collect();
        let verdict = matcher.check(
            &ItemText {
                title: text,
                ..Default::default()
            },
            &[],
        );
        let found = matcher.explain(&verdict).names;
        let c = &mut report.all;
        for e in &expected {
            if found.iter().any(|f| f == e) {
                c.tp += 1;
            } else {
                c.fn_ += 1;
                report.errors.push(format!("missed {e}: {text}"));
            }
        }
        for f in &found {
            if !expected.contains(&f.as_str()) {
                c.fp += 1;
                report.errors.push(format!("wrongly named {f}: {text}"));
            }
        }
        if expected.is_empty() && found.is_empty() {
            c.tn += 1;
        }
    }
    Ok(report)
}
