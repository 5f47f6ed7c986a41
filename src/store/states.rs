//! The outbox's entry states and kinds as Rust enums, each with one SQL
//! spelling. Code outside the store only ever sees the enums.
//!
//! Rust values go to and from SQLite and PostgreSQL through each driver's
//! `ToSql` and `FromSql` (an unknown stored value is an error, not a
//! guess). SQL text names a state
//! through [`sql!`], which expands to the quoted literal: SQLite uses a
//! partial index (`WHERE state = 'pending'`) only when the query spells the
//! same literal, never for a bound parameter. A test checks that the two
//! spellings agree and that every value round-trips through a real table
//! with the schema's CHECK constraint. Migrations keep their literals: they
//! are history.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// Where an outbox entry is on its way to Telegram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertState {
    /// Waiting for its turn (and for `next_attempt_at`).
    Pending,
    /// Handed to Telegram; a crash now leaves it in doubt, and it is sent
    /// again at start.
    Sending,
    /// Telegram accepted it (or it was printed with no token set).
    Sent,
    /// Its chat refused the bot; it waits until the chat takes messages.
    Held,
    /// Given up: refused for itself, or past `give_up_after`. Admins are told.
    Failed,
}

/// What an outbox entry does with Telegram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EntryKind {
    /// A message of its own.
    #[default]
    Alert,
    /// Edits the story's message to add this report to "Also reported by".
    Edit,
    /// A follow-up answering the story's message: this report fired a rule
    /// the story had not.
    Reply,
}

/// An outbox state or kind as a quoted SQL literal, for SQL text:
/// `concat!("... WHERE state = ", sql!(pending))`.
macro_rules! sql {
    (pending) => {
        "'pending'"
    };
    (sending) => {
        "'sending'"
    };
    (sent) => {
        "'sent'"
    };
    (held) => {
        "'held'"
    };
    (failed) => {
        "'failed'"
    };
    (alert) => {
        "'alert'"
    };
    (edit) => {
        "'edit'"
    };
    (reply) => {
        "'reply'"
    };
}
pub(crate) use sql;

/// SQL for the state an entry of `alerts` goes back to the queue in: held
/// if its chat is held, else pending.
macro_rules! requeued {
    () => {
        concat!(
            "CASE WHEN EXISTS (SELECT 1 FROM chats c WHERE c.chat = alerts.chat
                                 AND c.held_since IS NOT NULL) THEN ",
            sql!(held),
            " ELSE ",
            sql!(pending),
            " END"
        )
    };
}
pub(crate) use requeued;

impl AlertState {
    pub const ALL: [AlertState; 5] = [
        AlertState::Pending,
        AlertState::Sending,
        AlertState::Sent,
        AlertState::Held,
        AlertState::Failed,
    ];

    /// The value stored in `alerts.state`.
    pub const fn sql(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Sending => "sending",
            AlertState::Sent => "sent",
            AlertState::Held => "held",
            AlertState::Failed => "failed",
        }
    }

    pub fn from_sql_str(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.sql() == s)
    }
}

impl EntryKind {
    pub const ALL: [EntryKind; 3] = [EntryKind::Alert, EntryKind::Edit, EntryKind::Reply];

    /// The value stored in `alerts.kind`.
    pub const fn sql(self) -> &'static str {
        match self {
            EntryKind::Alert => "alert",
            EntryKind::Edit => "edit",
            EntryKind::Reply => "reply",
        }
    }

    pub fn from_sql_str(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.sql() == s)
    }
}

macro_rules! sql_conversions {
    ($t:ty) => {
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.sql()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                <$t>::from_sql_str(s).ok_or_else(|| {
                    FromSqlError::Other(format!("unknown {}: {s:?}", stringify!($t)).into())
                })
            }
        }

        impl postgres::types::ToSql for $t {
            fn to_sql(
                &self,
                ty: &postgres::types::Type,
                out: &mut postgres::types::private::BytesMut,
            ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
                postgres::types::ToSql::to_sql(&self.sql(), ty, out)
            }
            postgres::types::accepts!(TEXT, VARCHAR);
            postgres::types::to_sql_checked!();
        }

        impl<'a> postgres::types::FromSql<'a> for $t {
            fn from_sql(
                ty: &postgres::types::Type,
                raw: &'a [u8],
            ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
                let s = <&str as postgres::types::FromSql>::from_sql(ty, raw)?;
                <$t>::from_sql_str(s)
                    .ok_or_else(|| format!("unknown {}: {s:?}", stringify!($t)).into())
            }
            postgres::types::accepts!(TEXT, VARCHAR);
        }
    };
}
sql_conversions!(AlertState);
sql_conversions!(EntryKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_literals_in_sql_text_are_the_bound_values() {
        let states = [
            (AlertState::Pending, sql!(pending)),
            (AlertState::Sending, sql!(sending)),
            (AlertState::Sent, sql!(sent)),
            (AlertState::Held, sql!(held)),
            (AlertState::Failed, sql!(failed)),
        ];
        assert_eq!(states.len(), AlertState::ALL.len());
        for (state, literal) in states {
            assert_eq!(literal, format!("'{}'", state.sql()));
        }
        let kinds = [
            (EntryKind::Alert, sql!(alert)),
            (EntryKind::Edit, sql!(edit)),
            (EntryKind::Reply, sql!(reply)),
        ];
        assert_eq!(kinds.len(), EntryKind::ALL.len());
        for (kind, literal) in kinds {
            assert_eq!(literal, format!("'{}'", kind.sql()));
        }
    }

    #[test]
    fn every_state_and_kind_round_trips_through_the_schema() {
        use crate::store::db::p;
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(&dir.path().join("v.db")).unwrap();
        let mut conn = store.conn();
        // Every pair, written as the store writes them: the schema's CHECK
        // constraints accept each, and each reads back as itself.
        for state in AlertState::ALL {
            for kind in EntryKind::ALL {
                let (s, k): (AlertState, EntryKind) = conn
                    .query_one("SELECT ?1, ?2", p![state, kind], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .unwrap();
                assert_eq!((s, k), (state, kind));
                let id: i64 = conn
                    .query_one(
                        "INSERT INTO alerts (notice, channel, chat, state, kind, created_at,
                                             next_attempt_at)
                         VALUES ('n', 'c', '@c', ?1, ?2, 0, 0) RETURNING id",
                        p![state, kind],
                        |r| r.get(0),
                    )
                    .unwrap_or_else(|e| panic!("{state:?} {kind:?}: {e}"));
                let back: (AlertState, EntryKind) = conn
                    .query_one(
                        "SELECT state, kind FROM alerts WHERE id = ?1",
                        p![id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                assert_eq!(back, (state, kind));
            }
        }
        let unknown = conn.query_one("SELECT 'lost'", p![], |r| r.get::<AlertState>(0));
        assert!(unknown.is_err());
    }
}
