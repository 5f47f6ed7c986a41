//! `vigia migrate-store`: a SQLite store's rows copied into an empty
//! PostgreSQL store, table by table, keeping every id, so that a team moving
//! to replicas keeps its seen items (nothing alerts again), its outbox and
//! its stories.

use super::db::{p, Db, Param};
use super::{Context, Store, StoreError};

/// How a column is bound in PostgreSQL, whose types are strict.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    /// INTEGER (a Telegram message id).
    Int4,
    Bool,
    Text,
    Blob,
}

use Kind::*;

/// Every table, parents first, with its columns (SQLite's full-text index
/// is not copied: PostgreSQL searches otherwise).
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "sources",
        &[
            ("name", Text),
            ("etag", Text),
            ("last_modified", Text),
            ("last_success_at", Int),
            ("last_error", Text),
            ("last_error_at", Int),
            ("consecutive_failures", Int),
            ("error_kind", Text),
            ("failing_since", Int),
            ("down_notified", Bool),
            ("items_seen", Int),
            ("next_poll_at", Int),
            ("entries_skipped", Int),
        ],
    ),
    (
        "stories",
        &[("id", Int), ("created_at", Int), ("rules", Text)],
    ),
    (
        "items",
        &[
            ("id", Int),
            ("key", Blob),
            ("source", Text),
            ("title", Text),
            ("link", Text),
            ("summary", Text),
            ("published_at", Int),
            ("found_at", Int),
            ("explanation", Text),
            ("story_id", Int),
            ("story_words", Text),
        ],
    ),
    ("item_keys", &[("key", Blob), ("item_id", Int)]),
    (
        "alerts",
        &[
            ("id", Int),
            ("item_id", Int),
            ("notice", Text),
            ("channel", Text),
            ("chat", Text),
            ("state", Text),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("last_error", Text),
            ("created_at", Int),
            ("sent_at", Int),
            ("message_id", Int4),
            ("plain", Bool),
            ("max_len", Int),
            ("muted_rule", Text),
            ("kind", Text),
            ("root_id", Int),
            ("printed", Bool),
        ],
    ),
    (
        "chats",
        &[
            ("chat", Text),
            ("not_before", Int),
            ("held_since", Int),
            ("held_reason", Text),
            ("next_probe_at", Int),
            ("migrated_to", Text),
        ],
    ),
    (
        "mutes",
        &[("rule", Text), ("until", Int), ("muted_at", Int)],
    ),
    (
        "story_terms",
        &[
            ("term", Text),
            ("found_at", Int),
            ("item_id", Int),
            ("words", Int),
        ],
    ),
    ("heartbeat", &[("id", Int), ("at", Int)]),
];

/// Tables whose ids PostgreSQL hands out: its counters start after the copy.
const IDENTITIES: &[&str] = &["stories", "items", "alerts"];

/// One value read from SQLite, typed as PostgreSQL wants it.
enum Cell {
    Int(Option<i64>),
    Int4(Option<i32>),
    Bool(Option<bool>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

impl Cell {
    fn param(&self) -> &dyn Param {
        match self {
            Cell::Int(v) => v,
            Cell::Int4(v) => v,
            Cell::Bool(v) => v,
            Cell::Text(v) => v,
            Cell::Blob(v) => v,
        }
    }
}

impl Store {
    /// Copies every row of `from`, a SQLite store, into this store, an
    /// empty PostgreSQL one, in one transaction. Returns the rows copied
    /// per table.
    pub fn copy_from(&self, from: &Store) -> Result<Vec<(&'static str, usize)>, StoreError> {
        if !self.is_shared() || from.is_shared() {
            return Err(StoreError::MigrateDirection);
        }
        let mut to = self.conn();
        let mut tx = to.transaction().context("begin copy")?;
        let held: i64 = tx
            .query_one(
                "SELECT (SELECT COUNT(*) FROM items) + (SELECT COUNT(*) FROM alerts)",
                p![],
                |r| r.get(0),
            )
            .context("count the target's rows")?;
        if held > 0 {
            return Err(StoreError::NotEmpty { rows: held });
        }
        let mut source = from.conn();
        let mut copied = Vec::new();
        for (table, columns) in TABLES {
            let n = copy_table(&mut source, &mut tx, table, columns)?;
            copied.push((*table, n));
        }
        for table in IDENTITIES {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                   COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ),
                p![],
            )
            .context("move an id counter past the copied rows")?;
        }
        tx.commit().context("commit copy")?;
        Ok(copied)
    }
}

fn copy_table(
    from: &mut Db,
    to: &mut Db,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<usize, StoreError> {
    let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let select = format!("SELECT {} FROM {table}", names.join(", "));
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    );
    let mut n = 0;
    let mut failed = None;
    from.for_each(&select, p![], |row| {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, (_, kind)) in columns.iter().enumerate() {
            cells.push(match kind {
                Int => Cell::Int(row.get(i)?),
                Int4 => Cell::Int4(row.get(i)?),
                Bool => Cell::Bool(row.get(i)?),
                Text => Cell::Text(row.get(i)?),
                Blob => Cell::Blob(row.get(i)?),
            });
        }
        let params: Vec<&dyn Param> = cells.iter().map(Cell::param).collect();
        if let Err(e) = to.execute(&insert, &params) {
            failed.get_or_insert(e);
        } else {
            n += 1;
        }
        Ok(())
    })
    .context("read the SQLite store")?;
    match failed {
        Some(e) => Err(e).context("write to the PostgreSQL store"),
        None => Ok(n),
    }
}
