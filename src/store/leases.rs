//! Replicas on one PostgreSQL store share the work through leases: one
//! replica at a time polls a source, sends to a chat, or reads Telegram's
//! commands. A lease lasts `store.lease` unless its holder renews it
//! ([`Store::renew_leases`], a third of the way through); a holder that
//! dies loses its leases when they run out, and another replica takes
//! them. Times are the database's, so replicas' clocks need not agree. A
//! lease row is read `FOR UPDATE SKIP LOCKED`: a replica never waits on
//! another that is deciding on the same lease; it finds it busy.
//!
//! A chat's outbox entries are not claimed one by one: the chat's lease
//! makes them all one replica's, which keeps them in order and paced as
//! Telegram wants a chat's messages.
//!
//! A replica keeps a chat's lease while it lives (its pacer knows what it
//! sent there), and gives all its leases up when it stops cleanly. A
//! chat's lease taken from a holder that did not release it means the
//! holder stopped mid-send: the chat's entries in flight are in doubt and
//! are sent again, the one repeat per chat a crash may cost.
//!
//! A SQLite store has one process: every lease is its own, always.

use std::time::Duration;

use super::db::{p, Db};
use super::states::{requeued, sql};
use super::{Context, Store, StoreError};

/// What a lease is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseKind {
    Source,
    Chat,
    Commands,
}

impl LeaseKind {
    const fn sql(self) -> &'static str {
        match self {
            LeaseKind::Source => "source",
            LeaseKind::Chat => "chat",
            LeaseKind::Commands => "commands",
        }
    }
}

/// What asking for a lease gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Held now: it was ours, free, or released by its last holder.
    Held,
    /// Held now, taken from a holder that never released it (it died or
    /// lost the database). For a chat, `in_doubt` entries were being sent
    /// and will be sent again.
    TakenOver { in_doubt: usize },
    /// Another replica holds it for this long yet.
    Busy(Duration),
}

impl Lease {
    pub fn held(self) -> bool {
        !matches!(self, Lease::Busy(_))
    }
}

/// Whether a replica polls a source now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollClaim {
    /// Poll it; the source's lease is held until [`Store::release`].
    Poll,
    /// Not now: another replica is polling it, or polled it and it is due
    /// again in this long.
    Wait(Duration),
}

/// How long to wait before asking again for a lease another replica was
/// deciding on when asked.
const BEING_DECIDED: Duration = Duration::from_millis(500);

/// Now, in unix milliseconds, by the database's clock.
const DB_NOW: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

fn until_ms(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

impl Store {
    /// This replica's name in the leases it holds.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    fn lease_ms(&self) -> i64 {
        match &self.location {
            super::Location::Postgres(t) => t.lease.as_millis() as i64,
            super::Location::Sqlite(_) => 0,
        }
    }

    /// Takes or renews the lease on `kind`/`name`.
    pub fn lease(&self, kind: LeaseKind, name: &str) -> Result<Lease, StoreError> {
        if !self.is_shared() {
            return Ok(Lease::Held);
        }
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin lease")?;
        let lease = take(&mut tx, kind, name, &self.holder, self.lease_ms())?;
        let lease = match lease {
            Lease::TakenOver { .. } if kind == LeaseKind::Chat => {
                // Sent, or not, by a replica that is gone: sent again.
                let in_doubt = tx
                    .execute(
                        concat!(
                            "UPDATE alerts SET state = ",
                            requeued!(),
                            " WHERE chat = ?1 AND state = ",
                            sql!(sending)
                        ),
                        p![name],
                    )
                    .context("recover a chat's alerts in flight")?;
                Lease::TakenOver { in_doubt }
            }
            other => other,
        };
        tx.commit().context("commit lease")?;
        Ok(lease)
    }

    /// Claims a source for a poll if it is due and no other replica is
    /// polling it.
    pub fn claim_poll(&self, source: &str) -> Result<PollClaim, StoreError> {
        if !self.is_shared() {
            return Ok(PollClaim::Poll);
        }
        let mut conn = self.conn();
        let mut tx = conn.transaction().context("begin poll claim")?;
        // Locked first, so that two replicas never both find it due; a
        // replica that finds it locked leaves it to the other.
        tx.execute(
            "INSERT INTO leases (kind, name, holder, until) VALUES ('source', ?1, '', 0)
             ON CONFLICT DO NOTHING",
            p![source],
        )
        .context("add source lease")?;
        let locked = tx
            .exists(
                "SELECT 1 FROM leases WHERE kind = 'source' AND name = ?1
                 FOR UPDATE SKIP LOCKED",
                p![source],
            )
            .context("lock source lease")?;
        if !locked {
            return Ok(PollClaim::Wait(BEING_DECIDED));
        }
        let due_in: Option<i64> = tx
            .query_opt(
                &format!("SELECT next_poll_at - {DB_NOW} FROM sources WHERE name = ?1"),
                p![source],
                |r| r.get(0),
            )
            .context("read next poll")?
            .flatten();
        // A little early is still due: replicas' timers differ.
        if let Some(ms) = due_in.filter(|ms| *ms > 1000) {
            return Ok(PollClaim::Wait(until_ms(ms)));
        }
        let claim = match take(
            &mut tx,
            LeaseKind::Source,
            source,
            &self.holder,
            self.lease_ms(),
        )? {
            Lease::Busy(wait) => PollClaim::Wait(wait),
            Lease::Held | Lease::TakenOver { .. } => PollClaim::Poll,
        };
        tx.commit().context("commit poll claim")?;
        Ok(claim)
    }

    /// Gives a lease up: the next holder takes it without doubt.
    pub fn release(&self, kind: LeaseKind, name: &str) -> Result<(), StoreError> {
        if !self.is_shared() {
            return Ok(());
        }
        self.conn()
            .execute(
                "UPDATE leases SET holder = '', until = 0
                 WHERE kind = ?1 AND name = ?2 AND holder = ?3",
                p![kind.sql(), name, self.holder],
            )
            .context("release lease")?;
        Ok(())
    }

    /// Gives up every lease this replica holds (it is stopping, with
    /// nothing in flight).
    pub fn release_all(&self) -> Result<(), StoreError> {
        if !self.is_shared() {
            return Ok(());
        }
        self.conn()
            .execute(
                "UPDATE leases SET holder = '', until = 0 WHERE holder = ?1",
                p![self.holder],
            )
            .context("release leases")?;
        Ok(())
    }

    /// Extends every lease this replica holds. Returns how many.
    pub fn renew_leases(&self) -> Result<usize, StoreError> {
        if !self.is_shared() {
            return Ok(0);
        }
        let ms = self.lease_ms();
        self.conn()
            .execute(
                &format!(
                    "UPDATE leases SET until = {DB_NOW} + ?2 WHERE holder = ?1 AND until >= {DB_NOW}"
                ),
                p![self.holder, ms],
            )
            .context("renew leases")
    }

    /// Every lease held now: (kind, name, holder), for tests and `/status`.
    pub fn leases(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        if !self.is_shared() {
            return Ok(Vec::new());
        }
        self.conn()
            .query_all(
                &format!(
                    "SELECT kind, name, holder FROM leases
                     WHERE holder <> '' AND until >= {DB_NOW} ORDER BY kind, name"
                ),
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .context("read leases")
    }
}

/// Takes or renews a lease inside a transaction.
fn take(
    tx: &mut Db,
    kind: LeaseKind,
    name: &str,
    holder: &str,
    lease_ms: i64,
) -> Result<Lease, StoreError> {
    tx.execute(
        "INSERT INTO leases (kind, name, holder, until) VALUES (?1, ?2, '', 0)
         ON CONFLICT DO NOTHING",
        p![kind.sql(), name],
    )
    .context("add lease")?;
    // Another replica deciding on this lease right now has it locked: it
    // is theirs to take, and this one moves on rather than wait.
    let row: Option<(String, i64)> = tx
        .query_opt(
            &format!(
                "SELECT holder, until - {DB_NOW} FROM leases WHERE kind = ?1 AND name = ?2
                 FOR UPDATE SKIP LOCKED"
            ),
            p![kind.sql(), name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .context("read lease")?;
    let Some((was, left)) = row else {
        return Ok(Lease::Busy(BEING_DECIDED));
    };
    let lease = if was.is_empty() || was == holder {
        Lease::Held
    } else if left >= 0 {
        return Ok(Lease::Busy(until_ms(left)));
    } else {
        Lease::TakenOver { in_doubt: 0 }
    };
    tx.execute(
        &format!(
            "UPDATE leases SET holder = ?3, until = {DB_NOW} + ?4 WHERE kind = ?1 AND name = ?2"
        ),
        p![kind.sql(), name, holder, lease_ms],
    )
    .context("take lease")?;
    Ok(lease)
}
