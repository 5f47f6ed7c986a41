//! The outbox: every alert and admin notice, from the moment its item is
//! recorded until Telegram accepts it.
//!
//! An entry's states:
//!
//! ```text
//!   pending ──▶ sending ──▶ sent
//!      ▲  │        │
//!      │  │        ├──▶ pending  (retry later: network, 5xx, 429, HTML or length fallback)
//!      │  │        ├──▶ failed   (still failing after `give_up_after`; admins told)
//!      │  ▼        ▼
//!      └── held ◀──┘            (Telegram refused the chat itself; probed now and then)
//! ```
//!
//! A chat's entries leave in id order, which is the order their items were
//! found: only a chat's first open entry is ever handed out ([`Store::head`]).
//! Per chat, the `chats` table keeps what Telegram said about it: a 429's
//! `retry_after` (`not_before`), a hold, and a group's migration.

use super::db::{p, Db, DbError, Row};
use super::states::{requeued, sql};
use super::{from_millis, millis, AlertState, Context, EntryKind, PendingAlert, Store, StoreError};
use chrono::{DateTime, Utc};

/// When a chat's first open entry may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatDue {
    pub chat: String,
    pub at: DateTime<Utc>,
}

/// Entries per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sending: i64,
    pub held: i64,
    pub sent: i64,
    /// Printed on standard output without a token; sent once there is one.
    pub printed: i64,
    pub failed: i64,
    /// Set aside by a muted rule.
    pub muted: i64,
}

/// An alert delivered, for `/recent` and `/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentAlert {
    pub title: String,
    pub link: Option<String>,
    pub channels: String,
    pub sent_at: DateTime<Utc>,
}

/// An item as stored: what `vigia why` matches again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub source: String,
    pub title: String,
    pub summary: String,
    pub found_at: DateTime<Utc>,
}

/// What [`Store::recover`] found at start-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Entries that were being sent when the last run stopped: Telegram may
    /// have accepted them, and they are sent again.
    pub in_doubt: usize,
    /// Pending entries made due now.
    pub rescheduled: usize,
    /// Held chats to be tried again now.
    pub held_chats: usize,
}

/// What [`Store::mark_sent`] changed besides the entry itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The chat was held and works again: its held entries are pending now.
    pub resumed: Option<usize>,
}

const SELECT_ENTRY: &str =
    "SELECT a.id, a.channel, a.chat, a.attempts, a.created_at, i.source, i.title, i.link,
            i.summary, i.published_at, i.explanation, a.notice, a.plain, a.max_len, a.state,
            a.kind, a.root_id
     FROM alerts a LEFT JOIN items i ON i.id = a.item_id";

fn read_entry(r: &Row<'_>) -> Result<PendingAlert, DbError> {
    let explanation: Option<String> = r.get(10)?;
    Ok(PendingAlert {
        id: r.get(0)?,
        channel: r.get(1)?,
        chat: r.get(2)?,
        attempts: r.get(3)?,
        created_at: from_millis(r.get(4)?),
        source: r.get::<Option<String>>(5)?.unwrap_or_default(),
        title: r.get::<Option<String>>(6)?.unwrap_or_default(),
        link: r.get(7)?,
        summary: r.get::<Option<String>>(8)?.unwrap_or_default(),
        published: r.get::<Option<i64>>(9)?.map(from_millis),
        explanation: explanation
            .and_then(|e| serde_json::from_str(&e).ok())
            .unwrap_or_default(),
        notice: r.get(11)?,
        plain: r.get(12)?,
        max_len: r.get::<Option<i64>>(13)?.map(|n| n.max(0) as usize),
        kind: r.get(15)?,
        root_id: r.get(16)?,
        ..Default::default()
    })
}

/// Fills in what an edit or reply needs: the story's message, and for an
/// edit the first item and the reports since. An entry whose story message
/// was never delivered (given up, or kept aside by a mute) becomes an alert
/// of its own: a report is never lost behind a message that does not exist.
fn story_entry(conn: &mut Db, entry: &mut PendingAlert) -> Result<(), StoreError> {
    let (EntryKind::Edit | EntryKind::Reply, Some(root)) = (entry.kind, entry.root_id) else {
        entry.kind = EntryKind::Alert;
        return Ok(());
    };
    let (root_state, root_message): (AlertState, Option<i32>) = conn
        .query_one(
            "SELECT state, message_id FROM alerts WHERE id = ?1",
            p![root],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .context("read story root")?;
    if root_state != AlertState::Sent {
        conn.execute(
            concat!(
                "UPDATE alerts SET kind = ",
                sql!(alert),
                ", root_id = NULL WHERE id = ?1"
            ),
            p![entry.id],
        )
        .context("make entry an alert")?;
        entry.kind = EntryKind::Alert;
        entry.root_id = None;
        return Ok(());
    }
    entry.root_message = root_message;
    if entry.kind == EntryKind::Reply {
        return Ok(());
    }
    let first = conn
        .query_one(
            &format!("{SELECT_ENTRY} WHERE a.id = ?1"),
            p![root],
            read_entry,
        )
        .context("read story's first alert")?;
    entry.source = first.source;
    entry.title = first.title;
    entry.link = first.link;
    entry.summary = first.summary;
    entry.published = first.published;
    entry.explanation = first.explanation;
    entry.also = conn
        .query_all(
            "SELECT i.source, i.title, i.link FROM alerts a JOIN items i ON i.id = a.item_id
             WHERE a.root_id = ?1 AND a.id <= ?2 ORDER BY a.id",
            p![root, entry.id],
            |r| {
                Ok(super::AlsoReport {
                    source: r.get(0)?,
                    title: r.get(1)?,
                    link: r.get(2)?,
                })
            },
        )
        .context("read story reports")?;
    Ok(())
}

impl Store {
    /// Every chat with entries to send or to probe, and when its first one
    /// may go: the later of its own next attempt and the chat's
    /// `retry_after`; for a held chat, its next probe.
    pub fn schedule(&self) -> Result<Vec<ChatDue>, StoreError> {
        self.conn()
            .query_all(
                concat!(
                "SELECT h.chat,
                        CASE WHEN c.held_since IS NOT NULL THEN COALESCE(c.next_probe_at, 0)
                             WHEN a.next_attempt_at > COALESCE(c.not_before, 0) THEN a.next_attempt_at
                             ELSE COALESCE(c.not_before, 0) END
                 FROM (SELECT chat, MIN(id) AS id FROM alerts
                       WHERE state IN (",
                sql!(pending),
                ", ",
                sql!(held),
                ") AND muted_rule IS NULL
                       GROUP BY chat) h
                 JOIN alerts a ON a.id = h.id
                 LEFT JOIN chats c ON c.chat = h.chat"
            ),
                p![],
                |r| {
                    Ok(ChatDue {
                        chat: r.get(0)?,
                        at: from_millis(r.get(1)?),
                    })
                },
            )
            .context("read schedule")
    }

    /// The chat's first open entry if it may be sent at `now`, and whether
    /// sending it is a probe of a held chat.
    pub fn head(
        &self,
        chat: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(PendingAlert, bool)>, StoreError> {
        let mut conn = self.conn();
        let (held, probe_at, not_before): (bool, Option<i64>, Option<i64>) = conn
            .query_opt(
                "SELECT held_since IS NOT NULL, next_probe_at, not_before FROM chats WHERE chat = ?1",
                p![chat],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .context("read chat")?
            .unwrap_or((false, None, None));
        let now = millis(now);
        if held && probe_at.unwrap_or(0) > now || !held && not_before.unwrap_or(0) > now {
            return Ok(None);
        }
        let state = if held {
            AlertState::Held
        } else {
            AlertState::Pending
        };
        let head = conn
            .query_opt(
                &format!(
                    "{SELECT_ENTRY} WHERE a.id = (SELECT MIN(id) FROM alerts
                                     WHERE chat = ?1 AND state = ?2 AND muted_rule IS NULL)
                       AND (?3 OR a.next_attempt_at <= ?4)"
                ),
                p![chat, state, held, now],
                read_entry,
            )
            .context("read head")?;
        let Some(mut head) = head else {
            return Ok(None);
        };
        story_entry(&mut conn, &mut head)?;
        Ok(Some((head, held)))
    }

    /// Marks an entry as in flight, just before the request leaves.
    pub fn mark_sending(&self, id: i64) -> Result<(), StoreError> {
        self.conn()
            .execute(
                concat!(
                    "UPDATE alerts SET state = ",
                    sql!(sending),
                    " WHERE id = ?1"
                ),
                p![id],
            )
            .context("mark sending")?;
        Ok(())
    }

    /// Marks an entry delivered: call only after Telegram's ok. A held chat
    /// that accepted it works again, and its held entries become pending.
    pub fn mark_sent(
        &self,
        id: i64,
        message_id: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<Delivered, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin mark sent")?;
        tx.execute(
            concat!(
                "UPDATE alerts SET state = ",
                sql!(sent),
                ", sent_at = ?2, message_id = ?3, attempts = attempts + 1,
               last_error = NULL WHERE id = ?1"
            ),
            p![id, millis(now), message_id],
        )
        .context("mark alert sent")?;
        let chat: String = tx
            .query_one("SELECT chat FROM alerts WHERE id = ?1", p![id], |r| {
                r.get(0)
            })
            .context("read sent chat")?;
        let released = tx
            .execute(
                "UPDATE chats SET held_since = NULL, held_reason = NULL, next_probe_at = NULL
                 WHERE chat = ?1 AND held_since IS NOT NULL",
                p![&chat],
            )
            .context("release chat")?;
        let mut delivered = Delivered::default();
        if released > 0 {
            let n = tx
                .execute(
                    concat!(
                        "UPDATE alerts SET state = ",
                        sql!(pending),
                        ", next_attempt_at = ?2
                     WHERE chat = ?1 AND state = ",
                        sql!(held)
                    ),
                    p![chat, millis(now)],
                )
                .context("release held alerts")?;
            delivered.resumed = Some(n);
        }
        tx.commit().context("commit mark sent")?;
        Ok(delivered)
    }

    /// Writes the time: the liveness check's proof that the store takes writes.
    pub fn heartbeat(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO heartbeat (id, at) VALUES (1, ?1)
                 ON CONFLICT(id) DO UPDATE SET at = excluded.at",
                p![millis(now)],
            )
            .context("write heartbeat")?;
        Ok(())
    }

    /// Marks an entry printed on standard output (no token is set): done
    /// for now, and sent to Telegram by [`Store::unprint`] once there is a
    /// token. Never counts as delivered.
    pub fn mark_printed(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .execute(
                concat!(
                    "UPDATE alerts SET state = ",
                    sql!(sent),
                    ", printed = TRUE, sent_at = ?2 WHERE id = ?1"
                ),
                p![id, millis(now)],
            )
            .context("mark printed")?;
        Ok(())
    }

    /// With a token at last: the alerts printed without one are queued for
    /// Telegram, due now, in the order they were found. Returns how many.
    pub fn unprint(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.conn()
            .execute(
                concat!(
                    "UPDATE alerts SET state = ",
                    sql!(pending),
                    ", printed = FALSE, sent_at = NULL, next_attempt_at = ?1
                 WHERE printed AND state = ",
                    sql!(sent)
                ),
                p![millis(now)],
            )
            .context("queue printed alerts")
    }

    /// Counts a failed attempt and schedules the next one (a probe, if the
    /// chat is held).
    pub fn retry_at(&self, id: i64, until: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                concat!("UPDATE alerts SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3,
                   state = ", requeued!(), "
                 WHERE id = ?1"),
                p![id, millis(until), error],
            )
            .context("retry alert")?;
        Ok(())
    }

    /// Gives up on an entry, with the reason; the chat's next entry goes on.
    pub fn fail(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                concat!(
                    "UPDATE alerts SET state = ",
                    sql!(failed),
                    ", attempts = attempts + 1, last_error = ?2 WHERE id = ?1"
                ),
                p![id, reason],
            )
            .context("fail alert")?;
        Ok(())
    }

    /// Sends the entry again at once, as plain text (Telegram could not
    /// parse its HTML) or within `max_len` (it found it too long).
    pub fn resend_as(
        &self,
        id: i64,
        plain: bool,
        max_len: Option<usize>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                concat!(
                    "UPDATE alerts SET attempts = attempts + 1, last_error = ?4,
                   plain = plain OR ?2, max_len = COALESCE(?3, max_len),
                   state = ",
                    requeued!(),
                    "
                 WHERE id = ?1"
                ),
                p![id, plain, max_len.map(|n| n as i64), error],
            )
            .context("resend alert")?;
        Ok(())
    }

    /// Queues a notice to each admin (by user id). Returns how many.
    pub fn notice(
        &self,
        admins: &[i64],
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        for admin in admins {
            conn.execute(
                concat!(
                    "INSERT INTO alerts (notice, channel, chat, state, next_attempt_at, created_at)
                     VALUES (?1, 'admins', ?2, ",
                    sql!(pending),
                    ", ?3, ?3)"
                ),
                p![text, admin.to_string(), millis(now)],
            )
            .context("queue notice")?;
        }
        Ok(admins.len())
    }

    /// At start-up: entries caught in flight by a stop or a crash are sent
    /// again (held again, if their chat is held), pending ones are due now,
    /// and held chats are probed now. On a shared store the entries in
    /// flight may be another replica's: they are left to the chat's lease
    /// (see `leases`).
    pub fn recover(&self, now: DateTime<Utc>) -> Result<Recovered, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin recover")?;
        let now = millis(now);
        let in_doubt = if self.is_shared() {
            0
        } else {
            tx.execute(
                concat!(
                    "UPDATE alerts SET state = ",
                    requeued!(),
                    "
                 WHERE state = ",
                    sql!(sending)
                ),
                p![],
            )
            .context("recover in-flight alerts")?
        };
        let rescheduled = tx
            .execute(
                concat!(
                    "UPDATE alerts SET next_attempt_at = ?1 WHERE state = ",
                    sql!(pending),
                    " AND next_attempt_at > ?1"
                ),
                p![now],
            )
            .context("reschedule pending")?;
        let held_chats = tx
            .execute(
                "UPDATE chats SET next_probe_at = ?1 WHERE held_since IS NOT NULL",
                p![now],
            )
            .context("probe held chats")?;
        tx.commit().context("commit recover")?;
        Ok(Recovered {
            in_doubt,
            rescheduled,
            held_chats,
        })
    }

    /// When the oldest alert still waiting to be sent was found.
    pub fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let oldest: Option<i64> = self
            .conn()
            .query_one(
                concat!(
                    "SELECT MIN(created_at) FROM alerts
                 WHERE state IN (",
                    sql!(pending),
                    ", ",
                    sql!(sending),
                    ") AND muted_rule IS NULL"
                ),
                p![],
                |r| r.get(0),
            )
            .context("oldest pending")?;
        Ok(oldest.map(from_millis))
    }

    /// Entries not yet sent nor held: pending or in flight.
    pub fn pending_count(&self) -> Result<i64, StoreError> {
        self.conn()
            .query_one(
                concat!(
                    "SELECT COUNT(*) FROM alerts WHERE state IN (",
                    sql!(pending),
                    ", ",
                    sql!(sending),
                    ") AND muted_rule IS NULL"
                ),
                p![],
                |r| r.get(0),
            )
            .context("count pending")
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let rows = self
            .conn()
            .query_all(
                concat!(
                    "SELECT CASE WHEN muted_rule IS NOT NULL AND state = ",
                    sql!(pending),
                    " THEN 'muted'
                             WHEN printed AND state = ",
                    sql!(sent),
                    " THEN 'printed' ELSE state END,
                        COUNT(*) FROM alerts GROUP BY 1"
                ),
                p![],
                |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)),
            )
            .context("count outbox")?;
        let mut counts = OutboxCounts::default();
        for (state, n) in rows {
            // Two labels are not states: muted (pending behind a mute) and
            // printed (sent to standard output, kept for Telegram).
            match (state.as_str(), AlertState::from_sql_str(&state)) {
                ("muted", _) => counts.muted = n,
                ("printed", _) => counts.printed = n,
                (_, Some(AlertState::Pending)) => counts.pending = n,
                (_, Some(AlertState::Sending)) => counts.sending = n,
                (_, Some(AlertState::Held)) => counts.held = n,
                (_, Some(AlertState::Sent)) => counts.sent = n,
                (_, Some(AlertState::Failed) | None) => counts.failed = n,
            }
        }
        Ok(counts)
    }

    /// One entry, whatever its state (for tests and tools).
    pub fn entry(&self, id: i64) -> Result<Option<(PendingAlert, AlertState)>, StoreError> {
        self.conn()
            .query_opt(&format!("{SELECT_ENTRY} WHERE a.id = ?1"), p![id], |r| {
                Ok((read_entry(r)?, r.get(14)?))
            })
            .context("read entry")
    }
}
