//! Items: which keys are new, recording a poll's items with their alerts
//! in one transaction, joining an alerting item to its story, pruning old
//! items, and reading stored items back for `/why` and `/recent`.

use chrono::{DateTime, Utc};

use super::db::{p, Db};
use super::states::sql;
use super::*;

/// The PostgreSQL advisory lock replicas take, in turn, to join stories.
const STORY_LOCK: i64 = 0x7669_6769_6101;

impl Store {
    /// For each item (its keys), whether none of its keys was ever recorded.
    pub fn unseen(&self, items: &[Vec<[u8; 16]>]) -> Result<Vec<bool>, StoreError> {
        let mut conn = self.conn();
        // One read transaction: each statement outside one would take and
        // drop SQLite's shared lock again.
        let mut tx = conn.transaction().context("begin seen check")?;
        let mut out = Vec::with_capacity(items.len());
        for keys in items {
            let mut seen = false;
            for k in keys {
                if tx
                    .exists("SELECT 1 FROM item_keys WHERE key = ?1", p![&k[..]])
                    .context("check seen")?
                {
                    seen = true;
                    break;
                }
            }
            out.push(!seen);
        }
        tx.commit().context("end seen check")?;
        Ok(out)
    }

    /// Records new items, their matches and their pending alerts in one
    /// transaction. An item already present (recorded meanwhile by another
    /// source with the same key) is skipped with its alerts. Returns the
    /// number of alerts queued.
    pub fn record(&self, items: &[NewItem], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let recorded = self.record_in_one_transaction(items, now);
        if recorded.is_err() {
            // The transaction rolled back: the ids of its items may be given
            // again, so what was kept of them must go.
            self.recent().clear();
        }
        recorded
    }

    fn record_in_one_transaction(
        &self,
        items: &[NewItem],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let shared = conn.is_postgres();
        let mut tx = conn.transaction().context("begin record")?;
        if shared && items.iter().any(|i| i.story.is_some()) {
            // Replicas join stories one at a time: two reports of one
            // detention recorded at once would each begin a story.
            tx.execute("SELECT pg_advisory_xact_lock(?1)", p![STORY_LOCK])
                .context("wait for the story lock")?;
        }
        let mut queued = 0;
        for item in items {
            // Seen since the poll looked (another source's poll, running
            // beside this one, recorded the same report by its link):
            // one report, one item.
            let mut seen = false;
            for key in std::iter::once(&item.key).chain(&item.aliases) {
                if tx
                    .exists("SELECT 1 FROM item_keys WHERE key = ?1", p![&key[..]])
                    .context("look up item keys")?
                {
                    seen = true;
                    break;
                }
            }
            if seen {
                continue;
            }
            let explanation = item
                .explanation
                .as_ref()
                .map(|e| serde_json::to_string(e).expect("explanations serialize"));
            let inserted: Option<i64> = tx
                .query_opt(
                    "INSERT INTO items (key, source, title, link, summary, published_at, found_at, explanation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT DO NOTHING RETURNING id",
                    p![
                        &item.key[..],
                        item.source,
                        item.title,
                        item.link,
                        item.summary,
                        item.published.map(millis),
                        millis(now),
                        explanation
                    ],
                    |r| r.get(0),
                )
                .context("insert item")?;
            let Some(item_id) = inserted else {
                continue;
            };
            for key in std::iter::once(&item.key).chain(&item.aliases) {
                tx.execute(
                    "INSERT INTO item_keys (key, item_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    p![&key[..], item_id],
                )
                .context("insert item key")?;
            }
            let joined = match (&item.story, &item.explanation) {
                (Some((words, window)), Some(explanation)) => {
                    // Only a store with one writer may trust what it kept
                    // in memory: replicas read every join afresh.
                    let mut scratch = Recent::default();
                    let mut kept = (!shared).then(|| self.recent());
                    let recent = kept.as_deref_mut().unwrap_or(&mut scratch);
                    let found = StoryItem {
                        found_at: millis(now),
                        words,
                    };
                    Some(join_story(
                        &mut tx,
                        recent,
                        item_id,
                        found,
                        explanation,
                        *window,
                    )?)
                }
                _ => None,
            };
            for (channel, chat) in &item.alerts {
                // A migrated group's alerts go to its supergroup; a held
                // chat's alerts wait, held, behind the ones already held.
                let alert: Option<i64> = tx
                    .query_opt(
                        concat!("INSERT INTO alerts (item_id, channel, chat, muted_rule, state,
                                                   next_attempt_at, created_at)
                         SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), t.chat, CAST(?5 AS TEXT),
                                CASE WHEN EXISTS (SELECT 1 FROM chats h WHERE h.chat = t.chat
                                                    AND h.held_since IS NOT NULL)
                                     THEN ", sql!(held), " ELSE ", sql!(pending), " END,
                                CAST(?4 AS BIGINT), CAST(?4 AS BIGINT)
                         FROM (SELECT COALESCE((SELECT migrated_to FROM chats WHERE chat = ?3), ?3) AS chat) t
                         WHERE TRUE
                         ON CONFLICT DO NOTHING RETURNING id"),
                        p![item_id, channel, chat, millis(now), item.muted_rule],
                        |r| r.get(0),
                    )
                    .context("insert alert")?;
                let Some(alert) = alert else {
                    continue;
                };
                queued += 1;
                // A later item of a story, where the story already has a
                // message: it edits or answers that message instead.
                if let Some(joined) = &joined {
                    if let Some(root) = joined.root(&mut tx, channel)? {
                        tx.execute(
                            "UPDATE alerts SET kind = ?2, root_id = ?3 WHERE id = ?1",
                            p![alert, joined.kind, root],
                        )
                        .context("link alert to its story")?;
                    }
                }
            }
        }
        tx.commit().context("commit record")?;
        Ok(queued)
    }

    /// Items recorded with their story: (story id, title), oldest first.
    pub fn story_members(&self) -> Result<Vec<(i64, String)>, StoreError> {
        self.conn()
            .query_all(
                "SELECT story_id, title FROM items WHERE story_id IS NOT NULL ORDER BY id",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .context("read story members")
    }

    /// Deletes items found before `before`, with their alerts and story
    /// words, and stories left empty. Items with an alert still open
    /// (pending, sending, held, muted) are kept. Their keys stay, so a
    /// pruned item that a feed still lists never alerts again. Returns the
    /// number of items deleted.
    pub fn prune(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin prune")?;
        let before = millis(before);
        tx.batch(
            "CREATE TEMP TABLE IF NOT EXISTS pruned (id BIGINT PRIMARY KEY); DELETE FROM pruned;",
        )
        .context("prepare prune")?;
        tx.execute(
            concat!(
                "INSERT INTO pruned SELECT i.id FROM items i WHERE i.found_at < ?1
             AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.item_id = i.id
                             AND (a.state IN (",
                sql!(pending),
                ", ",
                sql!(sending),
                ", ",
                sql!(held),
                ") OR a.muted_rule IS NOT NULL))"
            ),
            p![before],
        )
        .context("choose pruned items")?;
        tx.batch(
            "UPDATE item_keys SET item_id = NULL WHERE item_id IN (SELECT id FROM pruned);
             UPDATE alerts SET root_id = NULL WHERE root_id IN
                 (SELECT a.id FROM alerts a JOIN pruned p ON p.id = a.item_id);
             DELETE FROM alerts WHERE item_id IN (SELECT id FROM pruned);
             DELETE FROM story_terms WHERE item_id IN (SELECT id FROM pruned);",
        )
        .context("prune alerts and keys")?;
        let n = tx
            .execute(
                "DELETE FROM items WHERE id IN (SELECT id FROM pruned)",
                p![],
            )
            .context("prune items")?;
        tx.execute(
            "DELETE FROM stories WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.story_id = stories.id)",
            p![],
        )
        .context("prune stories")?;
        tx.commit().context("commit prune")?;
        Ok(n)
    }

    pub fn item_count(&self) -> Result<i64, StoreError> {
        self.conn()
            .query_one("SELECT COUNT(*) FROM items", p![], |r| r.get(0))
            .context("count items")
    }

    /// The newest stored item with this link (as the feed gave it, or
    /// canonical), for `vigia why` and `/why`.
    pub fn item_by_link(&self, link: &str) -> Result<Option<StoredItem>, StoreError> {
        let canonical = crate::sources::canonical_link(link);
        self.conn()
            .query_opt(
                "SELECT source, title, summary, found_at FROM items
                 WHERE link = ?1 OR link = ?2 ORDER BY id DESC LIMIT 1",
                p![link, canonical],
                |r| {
                    Ok(StoredItem {
                        source: r.get(0)?,
                        title: r.get(1)?,
                        summary: r.get(2)?,
                        found_at: from_millis(r.get(3)?),
                    })
                },
            )
            .context("find item by link")
    }

    /// The last `n` items delivered as messages (alerts and follow-ups, not
    /// the reports added to a story's message), newest first: title, link,
    /// the channels it went to, and when.
    pub fn recent_alerts(&self, n: usize) -> Result<Vec<RecentAlert>, StoreError> {
        self.conn()
            .query_all(
                concat!(
                    "SELECT i.title, i.link, string_agg(a.channel, ', '), MAX(a.sent_at)
                 FROM alerts a JOIN items i ON i.id = a.item_id
                 WHERE a.state = ",
                    sql!(sent),
                    " AND NOT a.printed AND a.kind != ",
                    sql!(edit),
                    "
                 GROUP BY a.item_id, i.title, i.link
                 ORDER BY MAX(a.sent_at) DESC, a.item_id DESC LIMIT ?1"
                ),
                p![n as i64],
                |r| {
                    Ok(RecentAlert {
                        title: r.get(0)?,
                        link: r.get(1)?,
                        channels: r.get(2)?,
                        sent_at: from_millis(r.get(3)?),
                    })
                },
            )
            .context("read recent alerts")
    }
}

/// A story's first alert in a channel. CROSS JOIN keeps the story's few
/// items as the outer loop: otherwise SQLite may walk the channel's every
/// alert in id order (index `alerts_channel`) looking for one of them.
pub(super) const STORY_ROOT: &str = concat!(
    "SELECT a.id FROM items i CROSS JOIN alerts a
     WHERE a.item_id = i.id AND i.story_id = ?1 AND a.channel = ?2 AND a.kind = ",
    sql!(alert),
    " ORDER BY a.id LIMIT 1"
);

/// The story an item joined (or began), and how its alerts relate to it.
struct Joined {
    story: i64,
    /// `edit` when the item fires no rule the story had not fired, else `reply`.
    kind: EntryKind,
    /// Whether the story existed before this item.
    existed: bool,
}

impl Joined {
    /// The story's first alert in `channel`, if it has one (and this item
    /// is not it).
    fn root(&self, tx: &mut Db, channel: &str) -> Result<Option<i64>, StoreError> {
        if !self.existed {
            return Ok(None);
        }
        tx.query_opt(STORY_ROOT, p![self.story, channel], |r| r.get(0))
            .context("find story root")
    }
}

/// The earlier story items an alerting item is compared with, parsed once:
/// each alerting item is compared with every recent item that shares
/// enough of its words (hundreds, when a country's news is told in the
/// same words), and an item's story and words never change once written.
/// Items older than the story window are swept as they age out.
///
/// The story index's rows are kept too, by term, read through on a term's
/// first use: finding the earlier items that share a new item's words
/// reads thousands of rows, and only this store writes them.
#[derive(Default)]
pub(super) struct Recent {
    pub(super) items: std::collections::BTreeMap<i64, std::sync::Arc<Earlier>>,
    terms: std::collections::HashMap<String, TermRows>,
    /// Joins since items and terms were last swept of what the window left.
    joins: u32,
}

/// One term's rows in the story index: (item, its word count, found at),
/// all those found since `since`.
struct TermRows {
    since: i64,
    rows: Vec<(i64, usize, i64)>,
}

impl Recent {
    /// Forgets everything: after a rollback, item ids may be given again.
    pub(super) fn clear(&mut self) {
        *self = Recent::default();
    }

    /// Whether nothing is kept.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty() && self.terms.is_empty()
    }
}

impl Store {
    pub(super) fn recent(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One earlier item, as the join compares it.
pub(super) struct Earlier {
    story: i64,
    found_at: i64,
    words: crate::stories::Words,
    /// The watched people it named.
    names: Vec<String>,
}

/// The new item: when it was found and its words.
struct StoryItem<'a> {
    found_at: i64,
    words: &'a crate::stories::Words,
}

/// Puts an alerting item in the story it tells (see [`crate::stories`]):
/// that of an item found within `window` that reports the same detention,
/// else a new one.
fn join_story(
    tx: &mut Db,
    recent: &mut Recent,
    item_id: i64,
    item: StoryItem<'_>,
    explanation: &Explanation,
    window: std::time::Duration,
) -> Result<Joined, StoreError> {
    let words = item.words;
    let since = item.found_at - i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    // Rows older than the window are never read (they are filtered by
    // `since` below), so what they point to is swept now and then.
    recent.joins += 1;
    if recent.joins.is_multiple_of(256) {
        recent.items.retain(|_, e| e.found_at >= since);
        recent.terms.retain(|_, t| {
            t.rows.retain(|r| r.2 >= since);
            t.since = t.since.max(since);
            !t.rows.is_empty()
        });
    }
    // Earlier story items within the window that share what a join needs
    // (see `stories::may_join`), counted from the story index, so that
    // only those that can pass are compared.
    let terms = crate::stories::index_terms(words, &explanation.names);
    // (item, its word count, the shared term), sorted and counted per
    // item: cheaper than a map over thousands of rows.
    let mut rows: Vec<(i64, usize, &str)> = Vec::new();
    for term in &terms {
        let kept = recent
            .terms
            .get(term.as_str())
            .is_some_and(|t| t.since <= since);
        if !kept {
            let read = tx
                .query_all(
                    "SELECT item_id, words, found_at FROM story_terms
                     WHERE term = ?1 AND found_at >= ?2",
                    p![term, since],
                    |r| {
                        Ok((
                            r.get::<i64>(0)?,
                            r.get::<i64>(1)?.max(0) as usize,
                            r.get::<i64>(2)?,
                        ))
                    },
                )
                .context("read story terms")?;
            recent
                .terms
                .insert(term.clone(), TermRows { since, rows: read });
        }
        let t = &recent.terms[term.as_str()];
        rows.extend(
            t.rows
                .iter()
                .filter(|r| r.2 >= since)
                .map(|r| (r.0, r.1, term.as_str())),
        );
    }
    rows.sort_unstable_by_key(|r| r.0);
    let person_words = words.person_words();
    let ids: Vec<i64> = rows
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| {
            let shared =
                crate::stories::Shared::from_terms(&person_words, same.iter().map(|r| r.2));
            crate::stories::may_join(&shared, words.words.len().min(same[0].1))
        })
        .map(|same| same[0].0)
        .collect();
    let mut candidates = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(earlier) = recent.items.get(&id) {
            candidates.push(earlier.clone());
            continue;
        }
        type Row = (Option<i64>, Option<String>, Option<String>, i64);
        let (story, stored, explanation, found_at): Row = tx
            .query_one(
                "SELECT story_id, story_words, explanation, found_at FROM items WHERE id = ?1",
                p![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .context("read story candidate")?;
        let (Some(story), Some(stored)) = (story, stored) else {
            continue;
        };
        let names = explanation
            .and_then(|e| serde_json::from_str::<Explanation>(&e).ok())
            .map(|e| e.names)
            .unwrap_or_default();
        let earlier = std::sync::Arc::new(Earlier {
            story,
            found_at,
            words: crate::stories::from_stored(&stored),
            names,
        });
        recent.items.insert(id, earlier.clone());
        candidates.push(earlier);
    }
    let found = crate::stories::best_story(
        words,
        &explanation.names,
        candidates.iter().map(|e| (e.story, &e.words, &e.names[..])),
    );
    let (story, kind, existed) = match found {
        Some(story) => {
            let rules: String = tx
                .query_one("SELECT rules FROM stories WHERE id = ?1", p![story], |r| {
                    r.get(0)
                })
                .context("read story rules")?;
            let mut rules: Vec<String> = serde_json::from_str(&rules).unwrap_or_default();
            let new_rule = explanation.rules.iter().any(|r| !rules.contains(r));
            for r in &explanation.rules {
                if !rules.contains(r) {
                    rules.push(r.clone());
                }
            }
            tx.execute(
                "UPDATE stories SET rules = ?2 WHERE id = ?1",
                p![
                    story,
                    serde_json::to_string(&rules).expect("strings serialize")
                ],
            )
            .context("update story")?;
            let kind = if new_rule {
                EntryKind::Reply
            } else {
                EntryKind::Edit
            };
            (story, kind, true)
        }
        None => {
            let story = tx
                .query_one(
                    "INSERT INTO stories (created_at, rules) VALUES (?1, ?2) RETURNING id",
                    p![
                        item.found_at,
                        serde_json::to_string(&explanation.rules).expect("strings serialize")
                    ],
                    |r| r.get(0),
                )
                .context("insert story")?;
            (story, EntryKind::Edit, false)
        }
    };
    tx.execute(
        "UPDATE items SET story_id = ?2, story_words = ?3 WHERE id = ?1",
        p![item_id, story, crate::stories::to_stored(words)],
    )
    .context("put item in its story")?;
    for term in &terms {
        tx.execute(
            "INSERT INTO story_terms (term, found_at, item_id, words) VALUES (?1, ?2, ?3, ?4)",
            p![term, item.found_at, item_id, words.words.len() as i64],
        )
        .context("insert story term")?;
        if let Some(t) = recent.terms.get_mut(term.as_str()) {
            t.rows.push((item_id, words.words.len(), item.found_at));
        }
    }
    Ok(Joined {
        story,
        kind,
        existed,
    })
}
