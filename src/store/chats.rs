//! What the store keeps per chat: Telegram's pacing (`not_before`), a
//! chat held because Telegram refused it, and a group that became a
//! supergroup.

use super::db::p;
use chrono::{DateTime, Utc};

use super::states::sql;
use super::{from_millis, millis, Context, Store, StoreError};

impl Store {
    /// Sends nothing to `chat` before `until` (a 429's `retry_after`).
    pub fn chat_not_before(&self, chat: &str, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO chats (chat, not_before) VALUES (?1, ?2)
                 ON CONFLICT(chat) DO UPDATE SET not_before =
                   CASE WHEN COALESCE(chats.not_before, 0) > ?2 THEN chats.not_before ELSE ?2 END",
                p![chat, millis(until)],
            )
            .context("chat retry_after")?;
        Ok(())
    }

    /// Holds a chat Telegram refused (entry `id` was the attempt): its open
    /// entries wait, held, until a probe succeeds. `next_probe` is given how
    /// long the chat has been held and says when to probe it next.
    /// Returns whether the chat was not held before.
    pub fn hold_chat(
        &self,
        id: i64,
        chat: &str,
        reason: &str,
        now: DateTime<Utc>,
        next_probe: impl FnOnce(std::time::Duration) -> DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin hold")?;
        let held_since: Option<i64> = tx
            .query_opt(
                "SELECT held_since FROM chats WHERE chat = ?1 AND held_since IS NOT NULL",
                p![chat],
                |r| r.get(0),
            )
            .context("read hold")?;
        let held_for = (now - from_millis(held_since.unwrap_or(millis(now))))
            .to_std()
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO chats (chat, held_since, held_reason, next_probe_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(chat) DO UPDATE SET held_since = COALESCE(chats.held_since, ?2),
               held_reason = ?3, next_probe_at = ?4",
            p![chat, millis(now), reason, millis(next_probe(held_for))],
        )
        .context("hold chat")?;
        tx.execute(
            "UPDATE alerts SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            p![id, reason],
        )
        .context("count held attempt")?;
        tx.execute(
            concat!(
                "UPDATE alerts SET state = ",
                sql!(held),
                " WHERE chat = ?1 AND state IN (",
                sql!(pending),
                ", ",
                sql!(sending),
                ")"
            ),
            p![chat],
        )
        .context("hold alerts")?;
        tx.commit().context("commit hold")?;
        Ok(held_since.is_none())
    }

    /// Makes the pending entries of `chats` due at `now` (Telegram answers
    /// again after failing: their backoff is over). Returns how many.
    pub fn due_now(&self, chats: &[String], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let mut n = 0;
        for chat in chats {
            n += conn
                .execute(
                    concat!(
                        "UPDATE alerts SET next_attempt_at = ?2
                         WHERE chat = ?1 AND state = ",
                        sql!(pending),
                        " AND next_attempt_at > ?2"
                    ),
                    p![chat, millis(now)],
                )
                .context("make due now")?;
        }
        Ok(n)
    }

    /// Follows a group that became a supergroup: its open entries, and any
    /// recorded later, go to `new`. Returns whether this is news.
    pub fn migrate_chat(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin migrate")?;
        let known: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM chats WHERE chat = ?1 AND migrated_to = ?2)",
                p![old, new],
                |r| r.get(0),
            )
            .context("read migration")?;
        tx.execute(
            "INSERT INTO chats (chat, migrated_to) VALUES (?1, ?2)
             ON CONFLICT(chat) DO UPDATE SET migrated_to = ?2",
            p![old, new],
        )
        .context("record migration")?;
        tx.execute(
            concat!(
                "UPDATE alerts SET chat = ?2, state = ",
                sql!(pending),
                " WHERE chat = ?1 AND state IN (",
                sql!(pending),
                ", ",
                sql!(sending),
                ")"
            ),
            p![old, new],
        )
        .context("retarget alerts")?;
        tx.commit().context("commit migrate")?;
        Ok(!known)
    }

    /// Held chats are probed now (a config reload). Returns how many.
    pub fn probe_held_now(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.conn()
            .execute(
                "UPDATE chats SET next_probe_at = ?1 WHERE held_since IS NOT NULL",
                p![millis(now)],
            )
            .context("probe held chats")
    }
}
