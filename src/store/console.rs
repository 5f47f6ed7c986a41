//! What the operator's console reads: alerts by channel with their items
//! and states, a story's reports, rule hit counts, chats, search over
//! stored items, and the items a backtest matches again. Nothing here
//! writes.

use std::collections::{BTreeMap, HashMap};

use super::db::{p, Db, DbError, Param, Row};
use chrono::{DateTime, Utc};

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

fn item_row(r: &Row<'_>, at: usize) -> Result<ItemRow, DbError> {
    let explanation: Option<String> = r.get(at + 8)?;
    Ok(ItemRow {
        id: r.get(at)?,
        source: r.get(at + 1)?,
        title: r.get(at + 2)?,
        summary: r.get(at + 3)?,
        link: r.get(at + 4)?,
        published: r.get::<Option<i64>>(at + 5)?.map(from_millis),
        found_at: from_millis(r.get(at + 6)?),
        story: r.get(at + 7)?,
        explanation: explanation.and_then(|e| serde_json::from_str(&e).ok()),
    })
}

impl Store {
    /// The newest `limit` entries queued for `channel` (alerts, edits and
    /// follow-ups), newest first.
    pub fn channel_alerts(&self, channel: &str, limit: usize) -> Result<Vec<AlertRow>, StoreError> {
        self.conn()
            .query_all(
                &format!(
                    "SELECT a.id, a.state, a.kind, a.attempts, a.last_error, a.muted_rule, a.printed,
                            a.created_at, a.sent_at, {ITEM_COLUMNS}
                     FROM alerts a JOIN items i ON i.id = a.item_id
                     WHERE a.channel = ?1 ORDER BY a.id DESC LIMIT ?2"
                ),
                p![channel, limit as i64],
                |r| {
                    Ok(AlertRow {
                        id: r.get(0)?,
                        state: r.get(1)?,
                        kind: r.get(2)?,
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                        muted_rule: r.get(5)?,
                        printed: r.get(6)?,
                        created_at: from_millis(r.get(7)?),
                        sent_at: r.get::<Option<i64>>(8)?.map(from_millis),
                        item: item_row(r, 9)?,
                    })
                },
            )
            .context("read channel alerts")
    }

    /// A story's reports, in the order they were found; empty when there
    /// is no such story (or retention removed it).
    pub fn story(&self, story: i64) -> Result<Vec<ItemRow>, StoreError> {
        self.conn()
            .query_all(
                &format!("SELECT {ITEM_COLUMNS} FROM items i WHERE i.story_id = ?1 ORDER BY i.id"),
                p![story],
                |r| item_row(r, 0),
            )
            .context("read story")
    }

    /// Items whose title or summary hold every word of `words` (accents and
    /// case aside), newest first, at most `limit`.
    pub fn search(&self, words: &str, limit: usize) -> Result<Vec<ItemRow>, StoreError> {
        let words: Vec<&str> = words
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn();
        if conn.is_postgres() {
            return search_postgres(&mut conn, &words, limit);
        }
        // Each word quoted, so that nothing typed is read as FTS syntax.
        let query: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
        conn.query_all(
            &format!(
                "SELECT {ITEM_COLUMNS} FROM items_fts f JOIN items i ON i.id = f.rowid
                 WHERE items_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?2"
            ),
            p![query.join(" "), limit as i64],
            |r| item_row(r, 0),
        )
        .context("read search")
    }

    /// How many items each rule fired on since each of `since` (for
    /// example a day and a week ago), counted from what was recorded.
    pub fn rule_hits<const N: usize>(
        &self,
        since: [DateTime<Utc>; N],
    ) -> Result<BTreeMap<String, [u64; N]>, StoreError> {
        let oldest = since.iter().min().copied().unwrap_or_else(Utc::now);
        let mut hits: BTreeMap<String, [u64; N]> = BTreeMap::new();
        self.conn()
            .for_each(
                "SELECT found_at, explanation FROM items
                 WHERE found_at >= ?1 AND explanation IS NOT NULL",
                p![millis(oldest)],
                |row| {
                    let found = from_millis(row.get(0)?);
                    let text: String = row.get(1)?;
                    let Ok(e) = serde_json::from_str::<Explanation>(&text) else {
                        return Ok(());
                    };
                    for rule in e.rules {
                        let counts = hits.entry(rule).or_insert([0; N]);
                        for (n, from) in counts.iter_mut().zip(&since) {
                            *n += u64::from(found >= *from);
                        }
                    }
                    Ok(())
                },
            )
            .context("read rule hits")?;
        Ok(hits)
    }

    /// Items of each source sent as their own message (not as a report added
    /// to a story's message), to any channel.
    pub fn alerts_sent_by_source(&self) -> Result<HashMap<String, i64>, StoreError> {
        let rows: Vec<(String, i64)> = self
            .conn()
            .query_all(
                concat!(
                    "SELECT i.source, COUNT(DISTINCT a.item_id) FROM alerts a
                     JOIN items i ON i.id = a.item_id
                     WHERE a.state = ",
                    sql!(sent),
                    " AND a.kind != ",
                    sql!(edit),
                    " GROUP BY i.source"
                ),
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .context("read alerts by source")?;
        Ok(rows.into_iter().collect())
    }

    /// Every chat Telegram has said something about.
    pub fn chats(&self) -> Result<Vec<ChatRow>, StoreError> {
        self.conn()
            .query_all(
                "SELECT chat, not_before, held_since, held_reason, next_probe_at, migrated_to
                 FROM chats ORDER BY chat",
                p![],
                |r| {
                    let at = |i| r.get::<Option<i64>>(i).map(|t| t.map(from_millis));
                    Ok(ChatRow {
                        chat: r.get(0)?,
                        not_before: at(1)?,
                        held_since: at(2)?,
                        held_reason: r.get(3)?,
                        next_probe: at(4)?,
                        migrated_to: r.get(5)?,
                    })
                },
            )
            .context("read chats")
    }

    /// Calls `each` with every item found since `since`, oldest first,
    /// without holding them all in memory: what a backtest matches again.
    pub fn each_item_since(
        &self,
        since: DateTime<Utc>,
        mut each: impl FnMut(ItemRow),
    ) -> Result<usize, StoreError> {
        let mut n = 0;
        self.conn()
            .for_each(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM items i WHERE i.found_at >= ?1 ORDER BY i.found_at, i.id"
                ),
                p![millis(since)],
                |row| {
                    each(item_row(row, 0)?);
                    n += 1;
                    Ok(())
                },
            )
            .context("read items since")?;
        Ok(n)
    }
}

/// PostgreSQL has no index like SQLite's FTS5 table here: each word is
/// looked for whole, case and accents folded on both sides, in every
/// item's title and summary.
fn search_postgres(
    conn: &mut Db,
    words: &[&str],
    limit: usize,
) -> Result<Vec<ItemRow>, StoreError> {
    let patterns: Vec<String> = words
        .iter()
        .map(|w| format!("\\m{}\\M", crate::text::normalize::fold(w)))
        .collect();
    let mut sql = format!("SELECT {ITEM_COLUMNS} FROM items i WHERE TRUE");
    for i in 0..patterns.len() {
        sql.push_str(&format!(
            " AND translate(lower(i.title || ' ' || i.summary), '{ACCENTED}', '{PLAIN}') ~ ?{}",
            i + 2
        ));
    }
    sql.push_str(" ORDER BY i.id DESC LIMIT ?1");
    let limit = limit as i64;
    let mut params: Vec<&dyn Param> = vec![&limit];
    params.extend(patterns.iter().map(|p| p as &dyn Param));
    conn.query_all(&sql, &params, |r| item_row(r, 0))
        .context("read search")
}

/// The accented letters of English, Spanish and Portuguese, and each one
/// without its accent, for PostgreSQL's `translate`.
const ACCENTED: &str = "áàâãäéèêëíìîïóòôõöúùûüçñ";
const PLAIN: &str = "aaaaaeeeeiiiiooooouuuucn";
