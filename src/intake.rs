//! Intake: what vigia makes of one source's parsed items. It sits between
//! fetching ([`crate::sources`]) and recording ([`crate::store`]).
//!
//! For each item of a poll it decides, in this order:
//! 1. whether the item is new: none of its keys (its id, its link) is in the
//!    store;
//! 2. whether it may alert: on a source's first poll only items published
//!    within `defaults.backfill` may, the rest are recorded silently;
//! 3. what the rules make of it ([`judge`]: its language, then the matcher);
//! 4. where its alerts go (channel name → chat), whether every rule that
//!    fired is muted, and what it is compared on to join a story.
//!
//! [`take`] does all of this and returns a [`PollOutcome`], which the poller
//! records in one transaction (`Store::record`): an item and its alerts are
//! stored together or not at all. `vigia replay` and `vigia why` call
//! [`judge`] alone and store nothing, so an item is judged the same way
//! everywhere.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{ChatRef, Config, Lang, Source};
use crate::matching::{Explanation, ItemText, Matcher, Verdict};
use crate::sources::{item_keys, key_hash, Item};
use crate::store::{NewItem, Store, StoreError};

/// Characters of summary kept for an alert: Telegram's message limit, so
/// more never shows (a test in `delivery::format` keeps the two equal).
pub const MAX_STORED_SUMMARY: usize = 4096;

/// The part of the config that applies to items as they are found. A
/// reload builds a new one; a poll reads the one current at its start.
pub struct Rules {
    pub matcher: Matcher,
    /// Channel name → chat, to queue alerts.
    pub channels: BTreeMap<String, ChatRef>,
    /// How far back a source's first poll may alert.
    pub backfill: Duration,
    /// How recently a story's last item must have been found to join it.
    pub story_window: Duration,
    /// How long a source fails before the admins are told.
    pub source_down_after: Duration,
    /// Rule names, for `/mute`.
    pub names: Vec<String>,
}

impl Rules {
    pub fn new(config: &Config) -> Self {
        Rules {
            matcher: Matcher::new(config),
            channels: config.channels.clone(),
            backfill: config.backfill,
            story_window: config.story_window,
            source_down_after: config.source_down_after,
            names: config.rules.iter().map(|r| r.name.clone()).collect(),
        }
    }
}

/// An item's language and what the rules made of it.
pub struct Judged {
    pub lang: Option<Lang>,
    pub verdict: Verdict,
}

/// Judges one item as coming from `source` (its tags and `lang`; `None` for
/// an item read from a file that no configured source names). The language
/// is the source's, else detected from the text.
pub fn judge(matcher: &Matcher, source: Option<&Source>, text: &ItemText) -> Judged {
    judge_detected(matcher, source, text, || crate::matching::language(text))
}

/// [`judge`], with the detected language from `detect` (called only when
/// the source sets none): a backtest judges each item twice and detects
/// its language once.
pub fn judge_detected(
    matcher: &Matcher,
    source: Option<&Source>,
    text: &ItemText,
    detect: impl FnOnce() -> Option<Lang>,
) -> Judged {
    let lang = source.and_then(|s| s.lang).or_else(detect);
    let tags: &[String] = source.map_or(&[], |s| &s.tags);
    Judged {
        lang,
        verdict: matcher.check_in(text, tags, lang),
    }
}

/// What one poll's items come to.
#[derive(Debug, Default)]
pub struct PollOutcome {
    /// The new items, oldest first, each with its alerts: recorded together.
    pub items: Vec<NewItem>,
    /// New items recorded without alerting: too old for the first poll.
    pub backfilled: usize,
    /// The name of each rule that fired, once per item it fired on.
    pub fired: Vec<String>,
}

/// Takes one poll's items (as parsed, newest first, their text unread or
/// not) from `source`.
/// `first_poll` is true until a poll of the source has succeeded.
pub async fn take(
    store: &std::sync::Arc<Store>,
    rules: &Rules,
    source: &Source,
    first_poll: bool,
    mut items: Vec<Item>,
    now: DateTime<Utc>,
) -> Result<PollOutcome, StoreError> {
    // Feeds list newest first; record (and alert) oldest first.
    items.reverse();
    let keys = keys(&source.name, &items);
    let (keys, unseen, muted) = store
        .call(move |s| {
            let unseen = s.unseen(&keys)?;
            Ok((keys, unseen, s.muted_rules(now)?))
        })
        .await?;
    let muted: HashSet<String> = muted.into_iter().map(|(rule, _)| rule).collect();
    let backfill_from = now - chrono::Duration::from_std(rules.backfill).unwrap_or_default();
    let mut outcome = PollOutcome::default();
    for ((mut item, keys), new) in items.into_iter().zip(keys).zip(unseen) {
        if !new {
            continue;
        }
        let too_old = first_poll && item.published.is_none_or(|p| p < backfill_from);
        let explanation = if too_old {
            outcome.backfilled += 1;
            None
        } else {
            item.read_text();
            let judged = judge(&rules.matcher, Some(source), &item.text());
            judged
                .verdict
                .alerts()
                .then(|| rules.matcher.explain(&judged.verdict))
        };
        if let Some(e) = &explanation {
            outcome.fired.extend(e.rules.iter().cloned());
        }
        outcome
            .items
            .push(record(rules, &source.name, item, keys, explanation, &muted));
    }
    Ok(outcome)
}

/// Each item's keys, hashed: its own first, then the others it is known by
/// (its link's, when the link is unique in the feed).
fn keys(source: &str, items: &[Item]) -> Vec<Vec<[u8; 16]>> {
    item_keys(source, items)
        .iter()
        .map(|keys| keys.iter().map(|k| key_hash(k)).collect())
        .collect()
}

/// What is stored of a new item: everything needed to render its alerts
/// later, so delivery never reads the feed again.
fn record(
    rules: &Rules,
    source: &str,
    item: Item,
    keys: Vec<[u8; 16]>,
    explanation: Option<Explanation>,
    muted: &HashSet<String>,
) -> NewItem {
    let alerts: Vec<(String, String)> = explanation.as_ref().map_or(Vec::new(), |e| {
        e.channels
            .iter()
            .filter_map(|c| {
                rules
                    .channels
                    .get(c)
                    .map(|chat| (c.clone(), chat.to_string()))
            })
            .collect()
    });
    // The summary is only needed to render alerts, and a message shows at
    // most 4096 characters: seen-only items keep their key and title.
    let summary: String = if alerts.is_empty() {
        String::new()
    } else if item.summary.is_empty() {
        item.content.chars().take(MAX_STORED_SUMMARY).collect()
    } else {
        item.summary.chars().take(MAX_STORED_SUMMARY).collect()
    };
    let story = (!alerts.is_empty()).then(|| {
        (
            crate::stories::words(&item.title, &summary),
            rules.story_window,
        )
    });
    // Alerts of an item whose every rule is muted are set aside.
    let muted_rule = explanation
        .as_ref()
        .filter(|e| !e.rules.is_empty() && e.rules.iter().all(|r| muted.contains(r)))
        .map(|e| e.rules[0].clone());
    let (key, aliases) = keys.split_first().expect("an item has a key");
    NewItem {
        story,
        muted_rule,
        key: *key,
        aliases: aliases.to_vec(),
        source: source.to_string(),
        title: item.title,
        link: item.link,
        summary,
        published: item.published,
        explanation,
        alerts,
    }
}
