//! `vigia backtest` and the console's backtest page: a candidate config
//! (edited lists, names or rules) run over the items stored in the last
//! days, beside the config running now. Per rule and per channel it finds
//! the items that would newly alert and those that would no longer alert.
//! Nothing is sent or stored.
//!
//! Both configs judge each item as the daemon does ([`intake::judge`]),
//! each with its own source settings; the language is detected once.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Config, Lang};
use crate::intake;
use crate::matching::{field_spans, Field, ItemText, Matcher};
use crate::store::{ItemRow, Store, StoreError};

/// An item the two configs judge differently.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub summary: String,
    pub link: Option<String>,
    pub found_at: DateTime<Utc>,
    /// Rules that fire on it with the config running now, and with the candidate.
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub channels_before: Vec<String>,
    pub channels_after: Vec<String>,
    /// Terms and names that matched (under the candidate when it alerts
    /// there, else under the running config), as written in the config.
    pub terms: Vec<String>,
    pub names: Vec<String>,
    /// The spans those terms and names cover, to highlight.
    #[serde(skip)]
    pub highlights: Vec<(Field, Range<usize>)>,
}

/// One rule's or channel's difference.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    pub name: String,
    /// Items it alerts on with the running config, and with the candidate.
    pub before: usize,
    pub after: usize,
    /// Indexes into [`Report::changed`]: items that would newly alert here,
    /// and those that would no longer.
    pub gained: Vec<usize>,
    pub lost: Vec<usize>,
}

/// What a backtest found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub since: DateTime<Utc>,
    /// Items stored since then, each judged by both configs.
    pub items: usize,
    pub alerting_before: usize,
    pub alerting_after: usize,
    pub changed: Vec<Changed>,
    /// Every rule of either config, in the candidate's order, then removed ones.
    pub rules: Vec<Group>,
    /// Every channel of either config.
    pub channels: Vec<Group>,
}

impl Report {
    /// Whether the candidate alerts on exactly the same items, for the same
    /// rules, in the same channels.
    pub fn unchanged(&self) -> bool {
        self.changed.is_empty()
    }
}

/// Runs `candidate` and `current` over every item stored since `since`.
pub fn backtest(
    store: &Store,
    current: &Config,
    candidate: &Config,
    since: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let before = Matcher::new(current);
    let after = Matcher::new(candidate);
    let mut rules = Groups::new(
        candidate
            .rules
            .iter()
            .chain(&current.rules)
            .map(|r| &r.name),
    );
    let mut channels = Groups::new(candidate.channels.keys().chain(current.channels.keys()));
    let (mut alerting_before, mut alerting_after) = (0, 0);
    let mut changed = Vec::new();
    let items = store.each_item_since(since, |item: ItemRow| {
        let text = ItemText {
            title: &item.title,
            summary: &item.summary,
            content: "",
        };
        let detected: OnceCell<Option<Lang>> = OnceCell::new();
        let detect = || *detected.get_or_init(|| crate::matching::language(&text));
        let old = intake::judge_detected(&before, current.source(&item.source), &text, detect);
        let new = intake::judge_detected(&after, candidate.source(&item.source), &text, detect);
        let old_e = before.explain(&old.verdict);
        let new_e = after.explain(&new.verdict);
        alerting_before += usize::from(old.verdict.alerts());
        alerting_after += usize::from(new.verdict.alerts());
        let differs = old_e.rules != new_e.rules || old_e.channels != new_e.channels;
        let at = changed.len();
        rules.tally(&old_e.rules, &new_e.rules, differs.then_some(at));
        channels.tally(&old_e.channels, &new_e.channels, differs.then_some(at));
        if differs {
            let (shown, matcher, verdict) = if new.verdict.alerts() {
                (&new_e, &after, &new.verdict)
            } else {
                (&old_e, &before, &old.verdict)
            };
            changed.push(Changed {
                terms: shown.terms.clone(),
                names: shown.names.clone(),
                highlights: matcher.highlights(verdict),
                before: old_e.rules,
                after: new_e.rules,
                channels_before: old_e.channels,
                channels_after: new_e.channels,
                id: item.id,
                source: item.source,
                title: item.title,
                summary: item.summary,
                link: item.link,
                found_at: item.found_at,
            });
        }
    })?;
    Ok(Report {
        since,
        items,
        alerting_before,
        alerting_after,
        changed,
        rules: rules.list,
        channels: channels.list,
    })
}

/// Groups by name, in the order first given.
#[derive(Default)]
struct Groups {
    list: Vec<Group>,
    index: HashMap<String, usize>,
}

impl Groups {
    fn new<'a>(names: impl Iterator<Item = &'a String>) -> Self {
        let mut g = Groups::default();
        for name in names {
            if !g.index.contains_key(name) {
                g.index.insert(name.clone(), g.list.len());
                g.list.push(Group {
                    name: name.clone(),
                    ..Group::default()
                });
            }
        }
        g
    }

    /// Counts one item that fires `before` and `after` (rule or channel
    /// names); `changed` is its index when the two configs differ on it.
    fn tally(&mut self, before: &[String], after: &[String], changed: Option<usize>) {
        for (names, others, gained) in [(before, after, false), (after, before, true)] {
            for name in names {
                let Some(&i) = self.index.get(name) else {
                    continue;
                };
                let g = &mut self.list[i];
                if gained {
                    g.after += 1;
                } else {
                    g.before += 1;
                }
                if let (false, Some(at)) = (others.contains(name), changed) {
                    if gained {
                        g.gained.push(at);
                    } else {
                        g.lost.push(at);
                    }
                }
            }
        }
    }
}

/// Items listed per group in text; the counts are always whole.
const SHOWN: usize = 20;

/// The report as text, for the terminal.
pub fn render(report: &Report, days: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "backtest over {} item(s) found in the last {days} day(s) (since {})",
        report.items,
        report.since.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(
        out,
        "alerting with the running config: {}; with the candidate: {}",
        report.alerting_before, report.alerting_after
    );
    if report.unchanged() {
        out.push_str("no item would alert differently\n");
        return out;
    }
    for (what, groups) in [("rule", &report.rules), ("channel", &report.channels)] {
        for g in groups {
            if g.gained.is_empty() && g.lost.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "\n{what} {:?}: {} → {} item(s), {} new, {} no longer",
                g.name,
                g.before,
                g.after,
                g.gained.len(),
                g.lost.len()
            );
            for (sign, list) in [("+", &g.gained), ("-", &g.lost)] {
                for &i in list.iter().take(SHOWN) {
                    let c = &report.changed[i];
                    let spans = field_spans(&c.highlights, Field::Title);
                    let title = crate::replay::highlight(&c.title, &spans, false);
                    let _ = writeln!(out, "  {sign} {title}");
                    let _ = writeln!(
                        out,
                        "      {} · {} · {}",
                        c.source,
                        c.found_at.format("%Y-%m-%d"),
                        c.link.as_deref().unwrap_or("(no link)")
                    );
                    if !c.terms.is_empty() || !c.names.is_empty() {
                        let mut matched = c.terms.clone();
                        matched.extend(c.names.iter().cloned());
                        let _ = writeln!(out, "      matched: {}", matched.join(", "));
                    }
                }
                if list.len() > SHOWN {
                    let _ = writeln!(out, "  {sign} … and {} more", list.len() - SHOWN);
                }
            }
        }
    }
    out
}
