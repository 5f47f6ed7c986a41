//! Muted rules (`/mute`): their alerts are set aside until the mute ends,
//! then sent or, if an admin unmutes with `drop`, failed on purpose.

use super::db::p;
use chrono::{DateTime, Utc};

use super::states::sql;
use super::{from_millis, millis, Context, Store, StoreError};

impl Store {
    /// Mutes `rule` until `until`: its alerts are recorded and set aside.
    pub fn mute(
        &self,
        rule: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO mutes (rule, until, muted_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(rule) DO UPDATE SET until = ?2, muted_at = ?3",
                p![rule, millis(until), millis(now)],
            )
            .context("mute")?;
        Ok(())
    }

    /// Rules muted at `now`.
    pub fn muted_rules(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        self.conn()
            .query_all(
                "SELECT rule, until FROM mutes WHERE until > ?1 ORDER BY rule",
                p![millis(now)],
                |r| Ok((r.get(0)?, from_millis(r.get(1)?))),
            )
            .context("read mutes")
    }

    /// Ends the mute of `rule`: its set-aside alerts are delivered now, or
    /// dropped (marked failed, with the reason). Returns how many, or `None`
    /// if the rule was not muted.
    pub fn unmute(
        &self,
        rule: &str,
        deliver: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin unmute")?;
        if tx
            .execute("DELETE FROM mutes WHERE rule = ?1", p![rule])
            .context("unmute")?
            == 0
        {
            return Ok(None);
        }
        let n = if deliver {
            tx.execute(
                concat!(
                    "UPDATE alerts SET muted_rule = NULL, next_attempt_at = ?2
                 WHERE muted_rule = ?1 AND state IN (",
                    sql!(pending),
                    ", ",
                    sql!(held),
                    ")"
                ),
                p![rule, millis(now)],
            )
        } else {
            tx.execute(
                concat!(
                    "UPDATE alerts SET muted_rule = NULL, state = ",
                    sql!(failed),
                    ",
                   last_error = 'dropped when its rule was unmuted'
                 WHERE muted_rule = ?1 AND state IN (",
                    sql!(pending),
                    ", ",
                    sql!(held),
                    ")"
                ),
                p![rule],
            )
        }
        .context("release muted alerts")?;
        tx.commit().context("commit unmute")?;
        Ok(Some(n))
    }

    /// Mutes that ran out by `now` end, their alerts delivered; returns the
    /// next mute's end, if any.
    pub fn expire_mutes(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let expired: Vec<String> = {
            self.conn()
                .query_all(
                    "SELECT rule FROM mutes WHERE until <= ?1",
                    p![millis(now)],
                    |r| r.get(0),
                )
                .context("read expired mutes")?
        };
        for rule in expired {
            self.unmute(&rule, true, now)?;
        }
        let next: Option<i64> = self
            .conn()
            .query_one("SELECT MIN(until) FROM mutes", p![], |r| r.get(0))
            .context("next mute end")?;
        Ok(next.map(from_millis))
    }
}
