//! The store: one SQLite file (WAL), or a PostgreSQL database shared by
//! replicas, holding every item seen, what it matched, the alert outbox,
//! and each source's polling state.
//!
//! The guarantee that no alert is lost rests on two rules kept here:
//! an item and its pending alerts are written in the same transaction (so an
//! item is never "seen" without its alerts existing), and an alert leaves the
//! pending state only when [`Store::mark_sent`] is called, after Telegram's ok.
//!
//! The connection sits behind a mutex; every call is a short transaction, so
//! async callers run them on tokio's blocking pool ([`Store::call`]): both
//! drivers block. `db.rs` runs one SQL text on either engine; `pg.rs` is
//! PostgreSQL's schema and connection, `leases.rs` how replicas share the
//! work, `copy.rs` `vigia migrate-store`.
//!
//! This file opens the store and keeps each source's state; `items.rs`
//! records items and stories, `outbox.rs` moves alerts through their
//! states (`states.rs` spells them for SQL), `chats.rs` keeps what
//! Telegram said of each chat, `mutes.rs` the muted rules, `console.rs` what the
//! operator's console reads, and `migrations.rs` the schema's history.

mod chats;
mod console;
mod copy;
pub(crate) mod db;
mod items;
mod leases;
mod migrations;
mod mutes;
mod outbox;
mod pg;
mod states;

pub use console::{AlertRow, ChatRow, ItemRow};
pub use leases::{Lease, LeaseKind, PollClaim};
pub use outbox::{ChatDue, Delivered, OutboxCounts, RecentAlert, Recovered, StoredItem};
pub use pg::Target as PostgresTarget;
pub use states::{AlertState, EntryKind};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use db::{p, Db, DbError};

use crate::matching::Explanation;
use crate::sources::fetch::Validators;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store's folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the store {store}: {source}")]
    Open { store: String, source: DbError },
    #[error("the store {store} has schema version {found}, newer than this vigia knows ({known}); upgrade vigia")]
    TooNew {
        store: String,
        found: i64,
        known: i64,
    },
    #[error("{path} already exists; a backup never overwrites a file")]
    BackupExists { path: PathBuf },
    #[error("cannot write the backup {path}: {source}")]
    Backup {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot read the store's CA certificates from {path} (store.ca_file): {problem}")]
    CaFile { path: PathBuf, problem: String },
    #[error("the PostgreSQL store already holds {rows} items and alerts; migrate-store copies into an empty one")]
    NotEmpty { rows: i64 },
    #[error("migrate-store copies a SQLite store into a PostgreSQL one; between two PostgreSQL stores use pg_dump")]
    MigrateDirection,
    #[error("{what} works on a SQLite store only; for PostgreSQL use {instead}")]
    NotSqlite {
        what: &'static str,
        instead: &'static str,
    },
    #[error("store query failed ({context}): {source}")]
    Query {
        context: &'static str,
        source: DbError,
    },
}

trait Context<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T, E: Into<DbError>> Context<T> for Result<T, E> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::Query {
            context,
            source: e.into(),
        })
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

/// A poll answered 304: (source, when, when it polls next).
pub type UnchangedPoll = (String, DateTime<Utc>, DateTime<Utc>);

/// What the store knows of a source's health.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceHealth {
    pub name: String,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// `timeout`, `http-status`, `too-large`, `redirects`, `transport`, `not-a-feed`, …
    pub error_kind: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: i64,
    pub failing_since: Option<DateTime<Utc>>,
    /// New items recorded from this source, ever.
    pub items_seen: i64,
    pub next_poll: Option<DateTime<Utc>>,
    /// Entries of the last poll that could not be read and were skipped.
    pub entries_skipped: i64,
}

/// An item to record, with what it matched and where it must be sent.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub key: [u8; 16],
    /// Other keys the item is known by (its link's, beside its id's).
    pub aliases: Vec<[u8; 16]>,
    pub source: String,
    pub title: String,
    pub link: Option<String>,
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    /// Why it alerts; `None` when no rule fired.
    pub explanation: Option<Explanation>,
    /// (channel name, chat) pairs; empty when the item is only recorded.
    pub alerts: Vec<(String, String)>,
    /// Every rule that fired is muted: the alerts are set aside for this one.
    pub muted_rule: Option<String>,
    /// For an alerting item: what it is compared on to join a story, and
    /// how recently an earlier item of that story must have been found.
    pub story: Option<(crate::stories::Words, std::time::Duration)>,
}

/// A later report of a story, as its message's footer names it: a wrong
/// join is then visible to the reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlsoReport {
    pub source: String,
    pub title: String,
    pub link: Option<String>,
}

/// An entry of the outbox, with what is needed to render it: an alert, or
/// an admin notice (`notice` holds its text; the item fields are empty).
#[derive(Debug, Clone, PartialEq, Default)]
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
    pub notice: Option<String>,
    /// Send without HTML: Telegram could not parse it.
    pub plain: bool,
    /// A shorter limit than Telegram's documented one: it found it too long.
    pub max_len: Option<usize>,
    /// What the entry does: a message of its own, or, for a later item of a
    /// story, an edit or a reply to the story's message.
    pub kind: EntryKind,
    /// For an edit or reply: the outbox entry of the story's first alert
    /// in this channel.
    pub root_id: Option<i64>,
    /// For an edit or reply: the story's message in this chat (none when
    /// it was printed rather than sent).
    pub root_message: Option<i32>,
    /// For an edit: the other reports of the story so far. The item fields
    /// are then the story's first item, as first sent.
    pub also: Vec<AlsoReport>,
}

/// Where the store is: a SQLite file (one vigia), or a PostgreSQL
/// database (any number of replicas).
#[derive(Debug, Clone)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(PostgresTarget),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(target) => f.write_str(&target.url),
        }
    }
}

pub struct Store {
    conn: Mutex<Db>,
    /// Where it is, for [`Store::reader`].
    location: Location,
    /// Async callers on the blocking pool at once (see [`Store::call`]).
    callers: tokio::sync::Semaphore,
    /// Recent story items, parsed (see `items::Recent`).
    recent: Mutex<items::Recent>,
    /// This process's name in the leases it holds (see `leases`).
    holder: String,
}

/// Store calls sent to tokio's blocking pool at once. They take turns on
/// one connection anyway; without a bound, 10,000 pollers starting
/// together would each hold a blocking thread (and its stack) waiting.
const CALLERS: usize = 2;

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
        let open_err = |source: rusqlite::Error| StoreError::Open {
            store: path.display().to_string(),
            source: source.into(),
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        let mut db = Db::Lite(conn);
        migrations::apply(&mut db, &path.display().to_string())?;
        Ok(Self::with(db, Location::Sqlite(path.to_path_buf())))
    }

    /// Opens the store wherever it is, migrating it.
    pub fn connect(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Sqlite(path) => Self::open(path),
            Location::Postgres(target) => {
                let mut db = pg::connect(target, false)?;
                migrations::apply(&mut db, &target.url)?;
                Ok(Self::with(db, location.clone()))
            }
        }
    }

    /// Whether replicas may share this store (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.location, Location::Postgres(_))
    }

    fn with(db: Db, location: Location) -> Self {
        Self {
            conn: Mutex::new(db),
            location,
            callers: tokio::sync::Semaphore::new(CALLERS),
            recent: Mutex::default(),
            holder: format!(
                "{}:{}:{:08x}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "vigia".into()),
                std::process::id(),
                fastrand::u32(..)
            ),
        }
    }

    /// A second, read-only connection to the same file, for a long read
    /// (a backtest over a month of items) that must not hold up polling
    /// and delivery on the main one: WAL lets it read while they write.
    /// On PostgreSQL, a second connection.
    pub fn reader(&self) -> Result<Self, StoreError> {
        let path = match &self.location {
            Location::Sqlite(path) => path,
            Location::Postgres(target) => {
                return Ok(Self::with(
                    pg::connect(target, true)?,
                    self.location.clone(),
                ))
            }
        };
        let open_err = |source: rusqlite::Error| StoreError::Open {
            store: path.display().to_string(),
            source: source.into(),
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        Ok(Self::with(Db::Lite(conn), self.location.clone()))
    }

    /// Runs a store call on tokio's blocking pool (SQLite calls block),
    /// for async callers holding the store in an `Arc`.
    pub async fn call<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let _turn = self.callers.acquire().await.expect("never closed");
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .expect("store calls do not panic")
    }

    /// Writes a consistent copy of the store to `to` (SQLite's `VACUUM
    /// INTO`), safe while the daemon runs: it reads one snapshot, and the
    /// daemon's writes go on meanwhile.
    pub fn backup(&self, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::BackupExists {
                path: to.to_path_buf(),
            });
        }
        let target = to.to_str().ok_or_else(|| StoreError::Backup {
            path: to.to_path_buf(),
            source: rusqlite::Error::InvalidPath(to.to_path_buf()),
        })?;
        let db = self.conn();
        let conn = db.sqlite().ok_or(StoreError::NotSqlite {
            what: "vigia backup",
            instead: "pg_dump",
        })?;
        conn.execute("VACUUM INTO ?1", [target])
            .map_err(|source| StoreError::Backup {
                path: to.to_path_buf(),
                source,
            })?;
        Ok(())
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Db> {
        // A panic while holding the lock cannot leave the store inconsistent
        // (transactions roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn source_state(&self, source: &str) -> Result<SourceState, StoreError> {
        let state = self
            .conn()
            .query_opt(
                "SELECT etag, last_modified, last_success_at IS NOT NULL, consecutive_failures, last_error
                 FROM sources WHERE name = ?1",
                p![source],
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
            .context("read source state")?;
        Ok(state.unwrap_or_default())
    }

    /// Records a successful poll that found `new_items`; `validators` are
    /// replaced when the server sent a new body (on 304 they are kept).
    /// Returns since when the source had been failing, if the admins were
    /// told it was down (they are to be told it is back).
    pub fn poll_succeeded(
        &self,
        source: &str,
        validators: Option<&Validators>,
        new_items: usize,
        skipped: Option<usize>,
        now: DateTime<Utc>,
        next_poll: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin poll success")?;
        let was_down: Option<i64> = tx
            .query_opt(
                "SELECT failing_since FROM sources WHERE name = ?1 AND down_notified",
                p![source],
                |r| r.get(0),
            )
            .context("read source health")?
            .flatten();
        tx.execute(
            "INSERT INTO sources (name, last_success_at, consecutive_failures, items_seen, next_poll_at)
             VALUES (?1, ?2, 0, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET last_success_at = ?2, consecutive_failures = 0,
               last_error = NULL, error_kind = NULL, failing_since = NULL, down_notified = FALSE,
               items_seen = sources.items_seen + ?3, next_poll_at = ?4",
            p![source, millis(now), new_items as i64, millis(next_poll)],
        )
        .context("record poll success")?;
        // A 304 says nothing new about the entries: the last count stands.
        if let Some(skipped) = skipped {
            tx.execute(
                "UPDATE sources SET entries_skipped = ?2 WHERE name = ?1",
                p![source, skipped as i64],
            )
            .context("record skipped entries")?;
        }
        if let Some(v) = validators {
            tx.execute(
                "UPDATE sources SET etag = ?2, last_modified = ?3 WHERE name = ?1",
                p![source, v.etag, v.last_modified],
            )
            .context("record validators")?;
        }
        tx.commit().context("commit poll success")?;
        Ok(was_down.map(from_millis))
    }

    /// Records polls answered 304 of sources that were not failing, many
    /// in one transaction: only when they succeeded and when each polls
    /// next change.
    pub fn polls_unchanged(&self, polls: &[UnchangedPoll]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin unchanged polls")?;
        for (name, at, next) in polls {
            tx.execute(
                "UPDATE sources SET last_success_at = ?2, next_poll_at = ?3 WHERE name = ?1",
                p![name, millis(*at), millis(*next)],
            )
            .context("record unchanged poll")?;
        }
        tx.commit().context("commit unchanged polls")
    }

    /// Records a failed poll. Returns since when the source has been
    /// failing if it has now failed for `down_after` and the admins were
    /// not told yet (they are to be told; this marks them told).
    pub fn poll_failed(
        &self,
        source: &str,
        kind: &str,
        error: &str,
        now: DateTime<Utc>,
        next_poll: DateTime<Utc>,
        down_after: std::time::Duration,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin poll failure")?;
        tx.execute(
            "INSERT INTO sources (name, last_error, error_kind, last_error_at, consecutive_failures,
                                  failing_since, next_poll_at)
             VALUES (?1, ?2, ?3, ?4, 1, ?4, ?5)
             ON CONFLICT(name) DO UPDATE SET last_error = ?2, error_kind = ?3, last_error_at = ?4,
               consecutive_failures = sources.consecutive_failures + 1,
               failing_since = COALESCE(sources.failing_since, ?4), next_poll_at = ?5",
            p![source, error, kind, millis(now), millis(next_poll)],
        )
        .context("record poll failure")?;
        let down_ms = down_after.as_millis() as i64;
        let since: Option<i64> = tx
            .query_opt(
                "UPDATE sources SET down_notified = TRUE
                 WHERE name = ?1 AND NOT down_notified AND failing_since + ?3 <= ?2
                 RETURNING failing_since",
                p![source, millis(now), down_ms],
                |r| r.get(0),
            )
            .context("mark source down")?;
        tx.commit().context("commit poll failure")?;
        Ok(since.map(from_millis))
    }

    /// Every source's health, as recorded.
    pub fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        self.conn()
            .query_all(
                "SELECT name, last_success_at, last_error, error_kind, last_error_at,
                        consecutive_failures, failing_since, items_seen, next_poll_at,
                        entries_skipped
                 FROM sources ORDER BY name",
                p![],
                |r| {
                    let at = |i| r.get::<Option<i64>>(i).map(|t| t.map(from_millis));
                    Ok(SourceHealth {
                        name: r.get(0)?,
                        last_success: at(1)?,
                        last_error: r.get(2)?,
                        error_kind: r.get(3)?,
                        last_error_at: at(4)?,
                        consecutive_failures: r.get(5)?,
                        failing_since: at(6)?,
                        items_seen: r.get(7)?,
                        next_poll: at(8)?,
                        entries_skipped: r.get(9)?,
                    })
                },
            )
            .context("read source health")
    }
}

#[cfg(test)]
mod tests;
