//! Why an item did or did not alert, for `vigia why` and `/why`: every list
//! and names file with what it matched, and each rule with what it lacked,
//! the closest first, so that a team that finds a missed report can see
//! which list to extend.

use std::fmt::Write as _;

use super::{ItemText, Matcher, Verdict};

/// One rule, and what kept it from firing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleWhy {
    pub rule: String,
    pub fired: bool,
    /// Unmet conditions, each a clause ("needs a term of list `venezuela`");
    /// empty when the rule fired.
    pub lacks: Vec<String>,
}

/// The whole answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Why {
    /// Each list, with the terms (as written) that matched.
    pub lists: Vec<(String, Vec<String>)>,
    /// Each names file, with the people named.
    pub names: Vec<(String, Vec<String>)>,
    /// Rules that fired first, then the others by how little they lacked.
    pub rules: Vec<RuleWhy>,
    /// The language the item was matched in (`None`: not known, every term applies).
    pub lang: Option<super::Lang>,
    /// What the learned model made of it, when a rule is `learned`.
    pub learned: Option<LearnedWhy>,
}

/// The learned model's reading of an item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LearnedWhy {
    /// Above 0: reads more like the alert examples than the ignored ones.
    pub score: f32,
    /// The words that weigh most toward an alert, and toward none.
    pub toward_alert: Vec<String>,
    pub toward_ignore: Vec<String>,
    /// Where examples go, and the item as an example line: labelled the
    /// other way from what vigia decided, for a team that finds it wrong.
    pub examples: String,
    pub example: String,
    /// The learned rule closest to firing, and what it lacks besides the
    /// model's say (a detention term, a veto) when it did not fire: no
    /// example changes that.
    pub gate: Option<(String, Vec<String>)>,
}

/// An example as a line of a `.jsonl` file, its keys in the order a
/// person reads them.
fn example_line(title: &str, summary: &str, label: &str) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        title: &'a str,
        summary: &'a str,
        label: &'a str,
    }
    serde_json::to_string(&Line {
        title,
        summary,
        label,
    })
    .expect("strings serialize")
}

/// How many words [`LearnedWhy`] names each way.
const REASONS: usize = 5;

impl Matcher {
    /// Explains `verdict` (of an item in `lang` from a source carrying
    /// `tags`) rule by rule.
    pub fn why(
        &self,
        item: &ItemText<'_>,
        verdict: &Verdict,
        tags: &[String],
        lang: Option<super::Lang>,
    ) -> Why {
        let mut learned = self.learned_why(item, verdict);
        // What the learned rule closest to firing needs besides the model:
        // an example cannot give it that.
        let mut gate: Option<(String, Vec<String>)> = None;
        let mut lists: Vec<(String, Vec<String>)> = self
            .list_names
            .iter()
            .map(|n| (n.clone(), Vec::new()))
            .collect();
        for ((list, term), _) in verdict.terms() {
            // A term scoped to a language says so.
            let text = match self.term_langs[list][term] {
                Some(scope) => format!("{} [{}]", self.terms[list][term], scope.code()),
                None => self.terms[list][term].clone(),
            };
            if !lists[list].1.contains(&text) {
                lists[list].1.push(text);
            }
        }
        let mut names: Vec<(String, Vec<String>)> = self
            .names_files
            .iter()
            .map(|n| (n.clone(), Vec::new()))
            .collect();
        for (person, _) in verdict.people() {
            let p = &self.people[person];
            if !names[p.names_list].1.contains(&p.display) {
                names[p.names_list].1.push(p.display.clone());
            }
        }
        let hit = |l: usize| !lists[l].1.is_empty();
        // Each list's terms as written where the title has them.
        let mut in_title: Vec<Vec<&str>> = vec![Vec::new(); self.list_names.len()];
        for ((list, term), at) in verdict.terms() {
            let text = self.terms[list][term].as_str();
            if at.field == super::Field::Title && !in_title[list].contains(&text) {
                in_title[list].push(text);
            }
        }
        let mut rules: Vec<RuleWhy> = self
            .rules
            .iter()
            .enumerate()
            .map(|(r, rule)| {
                let fired = verdict.rules.contains(&r);
                let mut lacks = Vec::new();
                if !fired {
                    if !rule.tags.is_empty() && !rule.tags.iter().any(|t| tags.contains(t)) {
                        lacks.push(format!(
                            "needs a source tagged one of [{}]",
                            rule.tags.join(", ")
                        ));
                    }
                    for &l in rule.all.iter().filter(|&&l| !hit(l)) {
                        lacks.push(format!("needs a term of list `{}`", self.list_names[l]));
                    }
                    if !rule.any.is_empty() && !rule.any.iter().any(|&l| hit(l)) {
                        let any: Vec<String> = rule
                            .any
                            .iter()
                            .map(|&l| format!("`{}`", self.list_names[l]))
                            .collect();
                        lacks.push(format!("needs a term of any of {}", any.join(", ")));
                    }
                    for &l in rule.none.iter().filter(|&&l| hit(l)) {
                        lacks.push(format!(
                            "is vetoed by list `{}` ({})",
                            self.list_names[l],
                            lists[l].1.join(", ")
                        ));
                    }
                    for &l in rule
                        .none_in_title
                        .iter()
                        .filter(|&&l| !in_title[l].is_empty())
                    {
                        lacks.push(format!(
                            "is vetoed by list `{}` in its title ({})",
                            self.list_names[l],
                            in_title[l].join(", ")
                        ));
                    }
                    if !rule.names.is_empty() && !rule.names.iter().any(|&n| !names[n].1.is_empty())
                    {
                        let files: Vec<String> = rule
                            .names
                            .iter()
                            .map(|&n| format!("`{}`", self.names_files[n]))
                            .collect();
                        lacks.push(format!("needs someone from {} named", files.join(", ")));
                    }
                    if rule.learned && gate.as_ref().is_none_or(|(_, g)| lacks.len() < g.len()) {
                        gate = Some((rule.name.clone(), lacks.clone()));
                    }
                    if let Some(l) = learned.as_ref().filter(|l| rule.learned && l.score <= 0.0) {
                        lacks.push(format!(
                            "reads more like the examples labelled \"ignore\" (score {:.1})",
                            l.score
                        ));
                    }
                    if lacks.is_empty() {
                        // Everything else was met: the `all` terms were too far apart.
                        lacks.push(format!(
                            "needs its `all` terms within {} words of each other",
                            rule.near.unwrap_or_default()
                        ));
                    }
                }
                RuleWhy {
                    rule: rule.name.clone(),
                    fired,
                    lacks,
                }
            })
            .collect();
        rules.sort_by_key(|r| (!r.fired, r.lacks.len()));
        if let Some(l) = learned.as_mut() {
            l.gate = gate;
        }
        Why {
            lists,
            names,
            rules,
            lang,
            learned,
        }
    }

    fn learned_why(&self, item: &ItemText<'_>, verdict: &Verdict) -> Option<LearnedWhy> {
        let model = self.model.as_ref()?;
        let body = item.body();
        let words = |toward| {
            model
                .reasons(item.title, body, toward, REASONS)
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        let summary: String = body.chars().take(400).collect();
        let label = if verdict.alerts() { "ignore" } else { "alert" };
        Some(LearnedWhy {
            score: model.score(item.title, body),
            toward_alert: words(true),
            toward_ignore: words(false),
            examples: self
                .examples
                .as_ref()
                .map_or_else(String::new, |p| p.display().to_string()),
            example: example_line(item.title.trim(), summary.trim(), label),
            gate: None,
        })
    }
}

impl Why {
    /// Whether any rule fired.
    pub fn alerts(&self) -> bool {
        self.rules.iter().any(|r| r.fired)
    }

    /// The answer as a person reads it (the terminal, or Telegram as plain text).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let fired: Vec<&str> = self
            .rules
            .iter()
            .filter(|r| r.fired)
            .map(|r| r.rule.as_str())
            .collect();
        if fired.is_empty() {
            out.push_str("Would not alert.\n");
            if let Some(closest) = self.rules.first() {
                let _ = writeln!(
                    out,
                    "Closest rule: {}: it {}.",
                    closest.rule,
                    closest.lacks.join("; ")
                );
            }
        } else {
            let _ = writeln!(out, "Would alert: {}.", fired.join(", "));
        }
        match self.lang {
            Some(lang) => {
                let _ = writeln!(out, "Language: {}.", lang.code());
            }
            None => out.push_str("Language: not known (every term applies).\n"),
        }
        out.push_str("Lists:\n");
        for (list, terms) in &self.lists {
            match terms.is_empty() {
                true => {
                    let _ = writeln!(out, "  {list}: nothing");
                }
                false => {
                    let _ = writeln!(out, "  {list}: {}", terms.join(", "));
                }
            }
        }
        for (file, people) in &self.names {
            let said = if people.is_empty() {
                "no one".to_string()
            } else {
                people.join(", ")
            };
            let _ = writeln!(out, "  names {file}: {said}");
        }
        out.push_str("Rules:\n");
        for r in &self.rules {
            if r.fired {
                let _ = writeln!(out, "  {}: fires", r.rule);
            } else {
                let _ = writeln!(out, "  {}: {}", r.rule, r.lacks.join("; "));
            }
        }
        if let Some(l) = &self.learned {
            let list = |words: &[String]| match words.is_empty() {
                true => "nothing".to_string(),
                false => words.join(", "),
            };
            let _ = writeln!(
                out,
                "Learned from the examples: score {:.1} (above 0 alerts).\n  toward an alert: {}\n  toward none: {}",
                l.score,
                list(&l.toward_alert),
                list(&l.toward_ignore)
            );
            let (wrong, label) = match self.alerts() {
                true => ("should not alert", "ignore"),
                false => ("should alert", "alert"),
            };
            let gate = l.gate.as_ref().filter(|(_, lacks)| !lacks.is_empty());
            if let Some((rule, lacks)) = gate.filter(|_| !self.alerts()) {
                let _ = writeln!(
                    out,
                    "No example would make it alert: the learned rule {rule:?} also {}.",
                    lacks.join("; ")
                );
            } else {
                let _ = writeln!(
                    out,
                    "If it {wrong}, teach vigia: add this line, labelled \"{label}\", to a .jsonl file in {}:\n{}",
                    l.examples, l.example
                );
            }
        }
        out
    }
}
