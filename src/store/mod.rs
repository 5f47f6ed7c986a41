//! The store: one SQLite file (WAL) holding every item seen, what it matched,
//! the alert outbox, and each source's polling state.
//!
//! The guarantee that no alert is lost rests on two rules kept here:
//! an item and its pending alerts are written in the same transaction (so an
//! item is never "seen" without its alerts existing), and an alert leaves the
//! pending state only when [`Store::mark_sent`] is called, after Telegram's ok.
//!
//! The connection sits behind a mutex; every call is a short transaction, so
//! async callers run them on tokio's blocking pool (see `daemon`).

mod migrations;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::matching::Explanation;
use crate::sources::fetch::Validators;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store's folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the store {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the store {path} has schema version {found}, newer than this vigia knows ({known}); upgrade vigia")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("store query failed ({context}): {source}")]
    Query {
        context: &'static str,
        source: rusqlite::Error,
    },
}

trait Context<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query { context, source })
    }
}

/// What the store remembers of a source between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    pub validators: Validators,
    /// Whether a poll of this source ever succeeded: the first one backfills.
    pub polled_before: bool,
    pub consecutive_failures: i64,
    pub last_error: Option<String>,
}

/// An item to record, with what it matched and where it must be sent.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub key: [u8; 16],
    pub source: String,
    pub title: String,
    pub link: Option<String>,
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    /// Why it alerts; `None` when no rule fired.
    pub explanation: Option<Explanation>,
    /// (channel name, chat) pairs; empty when the item is only recorded.
    pub alerts: Vec<(String, String)>,
}

/// An alert waiting in the outbox, with what is needed to render it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAlert {
    pub id: i64,
    pub channel: String,
    pub chat: String,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub source: String,
    pub title: String,
    pub link: Option<String>,
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    pub explanation: Explanation,
}

pub struct Store {
    conn: Mutex<Connection>,
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Store {
    /// Opens (creating when missing, with its folder) and migrates the store.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        migrations::apply(&mut conn, path)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Runs a store call on tokio's blocking pool (SQLite calls block),
    /// for async callers holding the store in an `Arc`.
    pub async fn call<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .expect("store calls do not panic")
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn source_state(&self, source: &str) -> Result<SourceState, StoreError> {
        let conn = self.conn();
        let state = conn
            .query_row(
                "SELECT etag, last_modified, last_success_at IS NOT NULL, consecutive_failures, last_error
                 FROM sources WHERE name = ?1",
                [source],
                |r| {
                    Ok(SourceState {
                        validators: Validators {
                            etag: r.get(0)?,
                            last_modified: r.get(1)?,
                        },
                        polled_before: r.get(2)?,
                        consecutive_failures: r.get(3)?,
                        last_error: r.get(4)?,
                    })
                },
            )
            .optional()
            .context("read source state")?;
        Ok(state.unwrap_or_default())
    }

    /// Records a successful poll; `validators` are replaced when the
    /// server sent a new body (on 304 they are kept).
    pub fn poll_succeeded(
        &self,
        source: &str,
        validators: Option<&Validators>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO sources (name, last_success_at, consecutive_failures) VALUES (?1, ?2, 0)
             ON CONFLICT(name) DO UPDATE SET last_success_at = ?2, consecutive_failures = 0, last_error = NULL",
            params![source, millis(now)],
        )
        .context("record poll success")?;
        if let Some(v) = validators {
            conn.execute(
                "UPDATE sources SET etag = ?2, last_modified = ?3 WHERE name = ?1",
                params![source, v.etag, v.last_modified],
            )
            .context("record validators")?;
        }
        Ok(())
    }

    pub fn poll_failed(
        &self,
        source: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO sources (name, last_error, last_error_at, consecutive_failures) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT(name) DO UPDATE SET last_error = ?2, last_error_at = ?3,
                   consecutive_failures = consecutive_failures + 1",
                params![source, error, millis(now)],
            )
            .context("record poll failure")?;
        Ok(())
    }

    /// For each key, whether it has never been recorded.
    pub fn unseen(&self, keys: &[[u8; 16]]) -> Result<Vec<bool>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT 1 FROM items WHERE key = ?1")
            .context("prepare seen check")?;
        keys.iter()
            .map(|k| {
                stmt.exists([&k[..]])
                    .map(|seen| !seen)
                    .context("check seen")
            })
            .collect()
    }

    /// Records new items, their matches and their pending alerts in one
    /// transaction. An item already present (recorded meanwhile by another
    /// source with the same key) is skipped with its alerts. Returns the
    /// number of alerts queued.
    pub fn record(&self, items: &[NewItem], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("begin record")?;
        let mut queued = 0;
        {
            let mut insert_item = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO items (key, source, title, link, summary, published_at, found_at, explanation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .context("prepare item insert")?;
            let mut insert_alert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO alerts (item_id, channel, chat, state, next_attempt_at, created_at)
                     VALUES (?1, ?2, ?3, 'pending', ?4, ?4)",
                )
                .context("prepare alert insert")?;
            for item in items {
                let explanation = item
                    .explanation
                    .as_ref()
                    .map(|e| serde_json::to_string(e).expect("explanations serialize"));
                let inserted = insert_item
                    .execute(params![
                        &item.key[..],
                        item.source,
                        item.title,
                        item.link,
                        item.summary,
                        item.published.map(millis),
                        millis(now),
                        explanation
                    ])
                    .context("insert item")?;
                if inserted == 0 {
                    continue;
                }
                let item_id = tx.last_insert_rowid();
                for (channel, chat) in &item.alerts {
                    queued += insert_alert
                        .execute(params![item_id, channel, chat, millis(now)])
                        .context("insert alert")?;
                }
            }
        }
        tx.commit().context("commit record")?;
        Ok(queued)
    }

    /// Pending alerts whose next attempt is due, oldest first, leaving out any
    /// alert queued behind an earlier one to the same chat that is not due.
    pub fn due_alerts(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingAlert>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT a.id, a.channel, a.chat, a.attempts, a.created_at,
                        i.source, i.title, i.link, i.summary, i.published_at, i.explanation
                 FROM alerts a JOIN items i ON i.id = a.item_id
                 WHERE a.state = 'pending' AND a.next_attempt_at <= ?1
                   -- per-chat order: never overtake an earlier alert still waiting
                   AND NOT EXISTS (SELECT 1 FROM alerts b
                                   WHERE b.state = 'pending' AND b.chat = a.chat AND b.id < a.id
                                     AND b.next_attempt_at > ?1)
                 ORDER BY a.id LIMIT ?2",
            )
            .context("prepare due alerts")?;
        let rows = stmt
            .query_map(params![millis(now), limit as i64], |r| {
                let explanation: Option<String> = r.get(10)?;
                Ok(PendingAlert {
                    id: r.get(0)?,
                    channel: r.get(1)?,
                    chat: r.get(2)?,
                    attempts: r.get(3)?,
                    created_at: from_millis(r.get(4)?),
                    source: r.get(5)?,
                    title: r.get(6)?,
                    link: r.get(7)?,
                    summary: r.get(8)?,
                    published: r.get::<_, Option<i64>>(9)?.map(from_millis),
                    explanation: explanation
                        .and_then(|e| serde_json::from_str(&e).ok())
                        .unwrap_or_default(),
                })
            })
            .context("query due alerts")?;
        rows.collect::<Result<_, _>>().context("read due alerts")
    }

    /// When the next alert can be sent, if any is pending: the earliest due
    /// time among the first pending alerts of each chat (the others wait
    /// behind them, whatever their own due time).
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let conn = self.conn();
        let next: Option<i64> = conn
            .query_row(
                "SELECT MIN(a.next_attempt_at) FROM alerts a
                 WHERE a.state = 'pending'
                   AND NOT EXISTS (SELECT 1 FROM alerts b
                                   WHERE b.state = 'pending' AND b.chat = a.chat AND b.id < a.id)",
                [],
                |r| r.get(0),
            )
            .context("next due alert")?;
        Ok(next.map(from_millis))
    }

    /// Marks an alert delivered: call only after Telegram's ok.
    pub fn mark_sent(
        &self,
        id: i64,
        message_id: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE alerts SET state = 'sent', sent_at = ?2, message_id = ?3, attempts = attempts + 1,
                   last_error = NULL WHERE id = ?1",
                params![id, millis(now), message_id],
            )
            .context("mark alert sent")?;
        Ok(())
    }

    /// Counts a failed attempt and schedules the next one.
    pub fn defer(&self, id: i64, until: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE alerts SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
                params![id, millis(until), error],
            )
            .context("defer alert")?;
        Ok(())
    }

    /// Holds every pending alert to `chat` until at least `until` (a 429's retry_after).
    pub fn defer_chat(&self, chat: &str, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE alerts SET next_attempt_at = MAX(next_attempt_at, ?2) WHERE state = 'pending' AND chat = ?1",
                params![chat, millis(until)],
            )
            .context("defer chat")?;
        Ok(())
    }

    /// Points pending alerts for `old` at `new` (a group migrated to a supergroup).
    pub fn retarget_chat(&self, old: &str, new: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE alerts SET chat = ?2 WHERE state = 'pending' AND chat = ?1",
                params![old, new],
            )
            .context("retarget chat")?;
        Ok(())
    }

    /// Makes every pending alert due now: a restart is a natural time to retry.
    pub fn retry_pending_now(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.conn()
            .execute(
                "UPDATE alerts SET next_attempt_at = ?1 WHERE state = 'pending' AND next_attempt_at > ?1",
                params![millis(now)],
            )
            .context("reschedule pending")
    }

    pub fn pending_count(&self) -> Result<i64, StoreError> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM alerts WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )
            .context("count pending")
    }

    pub fn item_count(&self) -> Result<i64, StoreError> {
        self.conn()
            .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))
            .context("count items")
    }
}

#[cfg(test)]
mod tests;
