//! What the operator's console reads: alerts by channel with their items
//! and states, a story's reports, rule hit counts, chats, search over
//! stored items, and the items a backtest matches again. Nothing here
//! writes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::states::sql;
use super::{from_millis, millis, AlertState, Context, EntryKind, Store, StoreError};
use crate::matching::Explanation;

/// An item as stored, with where it stands in its story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub summary: String,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub found_at: DateTime<Utc>,
    pub story: Option<i64>,
    /// Why it alerted when it was found; `None` when no rule fired.
    pub explanation: Option<Explanation>,
}

/// One outbox entry of a channel, with its item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub id: i64,
    pub state: AlertState,
    pub kind: EntryKind,
    pub attempts: i64,
    /// Why the last attempt failed; for a failed entry, why it was given up.
    pub last_error: Option<String>,
    /// Set aside by this muted rule.
    pub muted_rule: Option<String>,
    /// Printed on standard output while no token was set.
    pub printed: bool,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub item: ItemRow,
}

/// What the store keeps of a chat: Telegram's pacing and refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRow {
    pub chat: String,
    pub not_before: Option<DateTime<Utc>>,
    pub held_since: Option<DateTime<Utc>>,
    pub held_reason: Option<String>,
    pub next_probe: Option<DateTime<Utc>>,
    pub migrated_to: Option<String>,
}

const ITEM_COLUMNS: &str = "i.id, i.source, i.title, i.summary, i.link, i.published_at, \
                            i.found_at, i.story_id, i.explanation";

fn item_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ItemRow> {
    let explanation: Option<String> = r.get(at + 8)?;
    Ok(ItemRow {
        id: r.get(at)?,
        source: r.get(at + 1)?,
        title: r.get(at + 2)?,
        summary: r.get(at + 3)?,
        link: r.get(at + 4)?,
        published: r.get::<_, Option<i64>>(at + 5)?.map(from_millis),
        found_at: from_millis(r.get(at + 6)?),
        story: r.get(at + 7)?,
        explanation: explanation.and_then(|e| serde_json::from_str(&e).ok()),
    })
}

impl Store {
    /// The newest `limit` entries queued for `channel` (alerts, edits and
    /// follow-ups), newest first.
    pub fn channel_alerts(&self, channel: &str, limit: usize) -> Result<Vec<AlertRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT a.id, a.state, a.kind, a.attempts, a.last_error, a.muted_rule, a.printed,
                        a.created_at, a.sent_at, {ITEM_COLUMNS}
                 FROM alerts a JOIN items i ON i.id = a.item_id
                 WHERE a.channel = ?1 ORDER BY a.id DESC LIMIT ?2"
            ))
            .context("prepare channel alerts")?;
        let rows = stmt
            .query_map(params![channel, limit as i64], |r| {
                Ok(AlertRow {
                    id: r.get(0)?,
                    state: r.get(1)?,
                    kind: r.get(2)?,
                    attempts: r.get(3)?,
                    last_error: r.get(4)?,
                    muted_rule: r.get(5)?,
                    printed: r.get::<_, i64>(6)? != 0,
                    created_at: from_millis(r.get(7)?),
                    sent_at: r.get::<_, Option<i64>>(8)?.map(from_millis),
                    item: item_row(r, 9)?,
                })
            })
            .context("query channel alerts")?;
        rows.collect::<Result<_, _>>()
            .context("read channel alerts")
    }

    /// A story's reports, in the order they were found; empty when there
    /// is no such story (or retention removed it).
    pub fn story(&self, story: i64) -> Result<Vec<ItemRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} FROM items i WHERE i.story_id = ?1 ORDER BY i.id"
            ))
            .context("prepare story")?;
        let rows = stmt
            .query_map([story], |r| item_row(r, 0))
            .context("query story")?;
        rows.collect::<Result<_, _>>().context("read story")
    }

    /// Items whose title or summary hold every word of `words` (accents and
    /// case aside), newest first, at most `limit`.
    pub fn search(&self, words: &str, limit: usize) -> Result<Vec<ItemRow>, StoreError> {
        // Each word quoted, so that nothing typed is read as FTS syntax.
        let query: Vec<String> = words
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} FROM items_fts f JOIN items i ON i.id = f.rowid
                 WHERE items_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?2"
            ))
            .context("prepare search")?;
        let rows = stmt
            .query_map(params![query.join(" "), limit as i64], |r| item_row(r, 0))
            .context("query search")?;
        rows.collect::<Result<_, _>>().context("read search")
    }

    /// How many items each rule fired on since each of `since` (for
    /// example a day and a week ago), counted from what was recorded.
    pub fn rule_hits<const N: usize>(
        &self,
        since: [DateTime<Utc>; N],
    ) -> Result<BTreeMap<String, [u64; N]>, StoreError> {
        let oldest = since.iter().min().copied().unwrap_or_else(Utc::now);
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT found_at, explanation FROM items
                 WHERE found_at >= ?1 AND explanation IS NOT NULL",
            )
            .context("prepare rule hits")?;
        let mut rows = stmt.query([millis(oldest)]).context("query rule hits")?;
        let mut hits: BTreeMap<String, [u64; N]> = BTreeMap::new();
        while let Some(row) = rows.next().context("read rule hits")? {
            let found = from_millis(row.get(0).context("read rule hits")?);
            let text: String = row.get(1).context("read rule hits")?;
            let Ok(e) = serde_json::from_str::<Explanation>(&text) else {
                continue;
            };
            for rule in e.rules {
                let counts = hits.entry(rule).or_insert([0; N]);
                for (n, from) in counts.iter_mut().zip(&since) {
                    *n += u64::from(found >= *from);
                }
            }
        }
        Ok(hits)
    }

    /// Items of each source sent as their own message (not as a report added
    /// to a story's message), to any channel.
    pub fn alerts_sent_by_source(&self) -> Result<HashMap<String, i64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(concat!(
                "SELECT i.source, COUNT(DISTINCT a.item_id) FROM alerts a
                 JOIN items i ON i.id = a.item_id
                 WHERE a.state = ",
                sql!(sent),
                " AND a.kind != ",
                sql!(edit),
                " GROUP BY i.source"
            ))
            .context("prepare alerts by source")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("query alerts by source")?;
        rows.collect::<Result<_, _>>()
            .context("read alerts by source")
    }

    /// Every chat Telegram has said something about.
    pub fn chats(&self) -> Result<Vec<ChatRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT chat, not_before, held_since, held_reason, next_probe_at, migrated_to
                 FROM chats ORDER BY chat",
            )
            .context("prepare chats")?;
        let rows = stmt
            .query_map([], |r| {
                let at = |i| r.get::<_, Option<i64>>(i).map(|t| t.map(from_millis));
                Ok(ChatRow {
                    chat: r.get(0)?,
                    not_before: at(1)?,
                    held_since: at(2)?,
                    held_reason: r.get(3)?,
                    next_probe: at(4)?,
                    migrated_to: r.get(5)?,
                })
            })
            .context("query chats")?;
        rows.collect::<Result<_, _>>().context("read chats")
    }

    /// Calls `each` with every item found since `since`, oldest first,
    /// without holding them all in memory: what a backtest matches again.
    pub fn each_item_since(
        &self,
        since: DateTime<Utc>,
        mut each: impl FnMut(ItemRow),
    ) -> Result<usize, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {ITEM_COLUMNS} FROM items i WHERE i.found_at >= ?1 ORDER BY i.found_at, i.id"
            ))
            .context("prepare items since")?;
        let mut rows = stmt.query([millis(since)]).context("query items since")?;
        let mut n = 0;
        while let Some(row) = rows.next().context("read items since")? {
            each(item_row(row, 0).context("read items since")?);
            n += 1;
        }
        Ok(n)
    }
}
