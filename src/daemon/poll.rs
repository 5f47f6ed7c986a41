//! One source's polling task: when to poll, fetching, backoff and the
//! source's health. What the items come to is [`crate::intake`]'s.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::events::{Fetched, NotModified, PollFailed, Polled, SourceBack, SourceDown};
use super::{tell_admins, PollNow, Shared};
use crate::config::Source;
use crate::intake::{self, Rules};
use crate::sources::feed::Known;
use crate::sources::fetch::{self, Validators};
use crate::sources::{parse_source_new, Item};
use crate::store::{LeaseKind, PollClaim, SourceState, StoreError};

pub(super) async fn poll_loop(
    source: Arc<Source>,
    shared: Arc<Shared>,
    now: Arc<PollNow>,
    cancel: CancellationToken,
) {
    // Spread the first polls over a few seconds rather than all at once.
    let mut next = Instant::now()
        + Duration::from_secs(10)
            .min(source.interval)
            .mul_f64(fastrand::f64());
    // The source's state as the store has it: read at the first poll, then
    // kept as each poll writes it (this task is its only writer), so a poll
    // does not read it back. `None` again after a store failure.
    let mut state: Option<SourceState> = None;
    // The entries of the last body whose items are recorded: the next
    // body's are parsed only where they differ.
    let mut known = Known::default();
    loop {
        let replies = tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep_until(next) => Vec::new(),
            _ = now.wake.notified() => now.take(),
        };
        let replicas = shared.store.is_shared();
        if replicas {
            // One replica polls a source at a time, and only when it is
            // due: another may have polled it meanwhile, so its state is
            // read afresh.
            match claim(&source, &shared).await {
                Some(wait) => {
                    for reply in replies {
                        let _ = reply.send(());
                    }
                    next = Instant::now() + wait;
                    continue;
                }
                None => state = None,
            }
        }
        // Boxed: a poll's future is many kilobytes, and a task sized for it
        // would keep them while it sleeps (10,000 sources sleep at once).
        let delay = tokio::select! {
            _ = cancel.cancelled() => break,
            delay = async {
                // Waiting for the host's turn and a permit in a small box
                // of its own: every source may wait at once (a poll-now).
                let turn = Box::pin(shared.fetcher.turn(&source.url, Some(&shared.polls))).await;
                Box::pin(poll_once(&source, &shared, &mut state, &mut known, turn)).await
            } => delay,
        };
        if replicas {
            // Its next poll is written before another replica may look.
            if let Err(e) = shared.write_unchanged().await {
                tracing::error!(error = %e, "store failure recording unchanged polls");
            }
            let name = source.name.clone();
            let released = shared
                .store
                .call(move |s| s.release(LeaseKind::Source, &name))
                .await;
            if let Err(e) = released {
                tracing::warn!(source = %source.name, error = %e, "cannot release a source's lease; it runs out");
            }
        }
        if !replies.is_empty() {
            // Asked for: answered once everything the poll did is written.
            if let Err(e) = shared.write_unchanged().await {
                tracing::error!(error = %e, "store failure recording unchanged polls");
            }
            for reply in replies {
                let _ = reply.send(());
            }
        }
        next = Instant::now() + delay;
    }
}

/// Claims the source for a poll on a shared store; the wait before asking
/// again when another replica has it or has just polled it.
async fn claim(source: &Source, shared: &Arc<Shared>) -> Option<Duration> {
    let name = source.name.clone();
    match shared.store.call(move |s| s.claim_poll(&name)).await {
        Ok(PollClaim::Poll) => None,
        // Not before a moment: the other replica's poll is being written.
        Ok(PollClaim::Wait(wait)) => Some(wait.max(Duration::from_millis(500))),
        Err(e) => {
            tracing::error!(source = %source.name, error = %e, "store failure claiming a poll");
            Some(Duration::from_secs(5).min(source.interval))
        }
    }
}

/// Polls once; returns the wait before the next poll.
async fn poll_once(
    source: &Source,
    shared: &Arc<Shared>,
    state: &mut Option<SourceState>,
    known: &mut Known,
    turn: fetch::Turn,
) -> Duration {
    match try_poll(source, shared, state, known, turn).await {
        Ok(delay) => delay,
        Err(e) => {
            tracing::error!(source = %source.name, error = %e, "store failure while polling");
            *state = None;
            jittered(source.interval)
        }
    }
}

/// Fetches, reads and takes one poll's items; returns the wait before the
/// next poll. `cached` is the source's state, updated as it is written;
/// `known` the entries of the last body whose items are recorded.
async fn try_poll(
    source: &Source,
    shared: &Arc<Shared>,
    cached: &mut Option<SourceState>,
    known: &mut Known,
    turn: fetch::Turn,
) -> Result<Duration, StoreError> {
    // Lists and rules as they are now: a reload applies from the next poll.
    let rules = shared.rules();
    let state = match cached.take() {
        Some(state) => state,
        None => {
            let name = source.name.clone();
            shared.store.call(move |s| s.source_state(&name)).await?
        }
    };
    let started = Instant::now();
    // Held until this poll's items are recorded: see `PARALLEL_POLLS`.
    let (read, _permit) = read(source, shared, turn, &state, known, started).await;
    let (items, skipped, validators, hint, entries) = match read {
        Read::Failed(failure) => {
            let error = failure.1.clone();
            let delay = failed(source, shared, &rules, &state, failure).await?;
            *cached = Some(SourceState {
                consecutive_failures: state.consecutive_failures + 1,
                last_error: Some(error),
                ..state
            });
            return Ok(delay);
        }
        Read::NotModified { hint } if state.consecutive_failures == 0 => {
            // Nothing changed and nothing to tell: written with the other
            // unchanged polls, in one transaction a second.
            let delay = success_delay(source.interval, hint);
            let next = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
            shared.unchanged(&source.name, Utc::now(), next);
            *cached = Some(state);
            return Ok(delay);
        }
        Read::NotModified { hint } => {
            let delay = not_modified_after_failures(source, shared, hint).await?;
            *cached = Some(SourceState {
                polled_before: true,
                consecutive_failures: 0,
                last_error: None,
                ..state
            });
            return Ok(delay);
        }
        Read::Items {
            items,
            skipped,
            validators,
            hint,
            known,
        } => (items, skipped, validators, hint, known),
    };
    let now = Utc::now();
    let first_poll = !state.polled_before;
    let outcome = intake::take(&shared.store, &rules, source, first_poll, items, now).await?;
    let new_items = outcome.items.len();
    let delay = success_delay(source.interval, hint);
    let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
    let (name, v, skipped_n) = (source.name.clone(), validators.clone(), skipped.len());
    let (queued, outcome, back) = shared
        .store
        .call(move |s| {
            let queued = s.record(&outcome.items, now)?;
            // Validators are saved only after the items: a crash in between
            // refetches the body rather than hiding its items behind a 304.
            let back = s.poll_succeeded(&name, Some(&v), new_items, Some(skipped_n), now, next)?;
            Ok((queued, outcome, back))
        })
        .await?;
    *known = entries;
    if queued > 0 {
        shared.wake.notify_one();
    }
    Polled {
        source: &source.name,
        outcome: &outcome,
        skipped: &skipped,
        queued,
        elapsed: started.elapsed(),
    }
    .emit(&shared.metrics);
    source_back(source, shared, back).await?;
    *cached = Some(SourceState {
        validators,
        polled_before: true,
        consecutive_failures: 0,
        last_error: None,
    });
    Ok(delay)
}

/// What a fetch and its parse gave.
enum Read {
    Items {
        items: Vec<Item>,
        /// Entries the feed had that could not be read, named.
        skipped: Vec<String>,
        validators: Validators,
        /// The longest wait the server asked for (`max-age`, `<ttl>`).
        hint: Option<Duration>,
        /// The body's entries, for the next poll.
        known: Known,
    },
    NotModified {
        hint: Option<Duration>,
    },
    /// A failure's kind, its message and the server's `Retry-After`.
    Failed(Failure),
}

type Failure = (&'static str, String, Option<Duration>);

/// Fetches the source (conditionally, with the stored validators) and
/// parses what came back.
async fn read(
    source: &Source,
    shared: &Shared,
    turn: fetch::Turn,
    state: &SourceState,
    known: &Known,
    started: Instant,
) -> (Read, Option<tokio::sync::OwnedSemaphorePermit>) {
    let (fetched, permit) = shared
        .fetcher
        .get_in_turn(turn, &source.url, &state.validators)
        .await;
    (parse(source, shared, fetched, known, started), permit)
}

fn parse(
    source: &Source,
    shared: &Shared,
    fetched: Result<fetch::Fetched, fetch::FetchError>,
    known: &Known,
    started: Instant,
) -> Read {
    Fetched {
        elapsed: started.elapsed(),
    }
    .emit(&shared.metrics);
    let (body, validators, max_age, content_type, url) = match fetched {
        Err(e) => return Read::Failed((e.kind(), e.to_string(), e.retry_after())),
        Ok(fetch::Fetched::NotModified { max_age }) => {
            NotModified {
                source: &source.name,
                elapsed: started.elapsed(),
            }
            .emit(&shared.metrics);
            return Read::NotModified { hint: max_age };
        }
        Ok(fetch::Fetched::Body {
            body,
            validators,
            max_age,
            content_type,
            url,
        }) => (body, validators, max_age, content_type, url),
    };
    match parse_source_new(source, &body, content_type.as_deref(), &url, known) {
        Ok(parsed) => Read::Items {
            items: parsed.items,
            skipped: parsed.skipped,
            validators,
            hint: max_age.max(parsed.ttl),
            known: parsed.known,
        },
        Err(e) => Read::Failed((e.kind(), format!("{}: {e}", source.url), None)),
    }
}

/// Records a failed poll (kind, error, the server's `Retry-After`) and
/// tells the admins once the source has been failing for long.
async fn failed(
    source: &Source,
    shared: &Shared,
    rules: &Rules,
    state: &SourceState,
    (kind, error, retry_after): Failure,
) -> Result<Duration, StoreError> {
    let name = source.name.clone();
    let failures = state.consecutive_failures + 1;
    let delay = failure_delay(source.interval, failures, retry_after);
    PollFailed {
        source: &name,
        kind,
        failures,
        retry_in: delay,
        error: &error,
    }
    .emit(&shared.metrics);
    let now = Utc::now();
    let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
    let down_after = rules.source_down_after;
    let (n, e) = (name.clone(), error.clone());
    let down = shared
        .store
        .call(move |s| s.poll_failed(&n, kind, &e, now, next, down_after))
        .await?;
    if let Some(since) = down {
        SourceDown {
            source: &name,
            since,
        }
        .emit();
        let text = format!(
            "⚠️ Source {name} has been failing since {} ({failures} failures in a row). \
             Last error: {error}\nvigia keeps trying, and will say when it works again.",
            since.format("%Y-%m-%d %H:%M UTC")
        );
        tell_admins(shared, text).await?;
    }
    Ok(delay)
}

/// Records a 304 of a source that had been failing, and tells the admins
/// if it had been down.
async fn not_modified_after_failures(
    source: &Source,
    shared: &Shared,
    hint: Option<Duration>,
) -> Result<Duration, StoreError> {
    let name = source.name.clone();
    let delay = success_delay(source.interval, hint);
    let now = Utc::now();
    let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
    let back = shared
        .store
        .call(move |s| s.poll_succeeded(&name, None, 0, None, now, next))
        .await?;
    source_back(source, shared, back).await?;
    Ok(delay)
}

/// Tells the admins a source that was down works again (`back`: since
/// when it had failed).
async fn source_back(
    source: &Source,
    shared: &Shared,
    back: Option<chrono::DateTime<Utc>>,
) -> Result<(), StoreError> {
    let name = &source.name;
    if let Some(since) = back {
        SourceBack { source: name }.emit();
        let text = format!(
            "✅ Source {name} works again (it had been failing since {}).",
            since.format("%Y-%m-%d %H:%M UTC")
        );
        tell_admins(shared, text).await?;
    }
    Ok(())
}

/// `interval` ± 10%, so sources started together drift apart.
pub(super) fn jittered(interval: Duration) -> Duration {
    interval.mul_f64(0.9 + fastrand::f64() * 0.2)
}

/// The longest a server's hint (`Cache-Control`, `<ttl>`, `Retry-After`)
/// or a failing source's backoff can push the next poll.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// The wait after a successful poll: the interval, or longer if the server
/// asked (`Cache-Control: max-age`, the feed's `<ttl>`), within reason.
fn success_delay(interval: Duration, hint: Option<Duration>) -> Duration {
    jittered(interval).max(hint.unwrap_or_default().min(MAX_WAIT.max(interval)))
}

/// The wait after the `failures`-th failure in a row: the interval doubling
/// with each failure, up to an hour (or the interval, if longer), never
/// sooner than the server's `Retry-After`.
fn failure_delay(interval: Duration, failures: i64, retry_after: Option<Duration>) -> Duration {
    let cap = MAX_WAIT.max(interval);
    let backoff = interval
        .saturating_mul(1u32 << (failures - 1).clamp(0, 16))
        .min(cap);
    jittered(backoff).max(retry_after.unwrap_or_default().min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn within(d: Duration, expected: Duration) -> bool {
        d >= expected.mul_f64(0.9) && d <= expected.mul_f64(1.1)
    }

    #[test]
    fn failures_back_off_to_an_hour_and_honour_retry_after() {
        assert!(within(failure_delay(10 * MIN, 1, None), 10 * MIN));
        assert!(within(failure_delay(10 * MIN, 3, None), 40 * MIN));
        assert!(within(failure_delay(10 * MIN, 30, None), 60 * MIN));
        // A server's Retry-After is a floor, within the same cap.
        assert_eq!(failure_delay(10 * MIN, 1, Some(50 * MIN)), 50 * MIN);
        assert_eq!(failure_delay(10 * MIN, 1, Some(600 * MIN)), 60 * MIN);
        // A source polled less often than hourly is never polled more often.
        assert!(within(failure_delay(120 * MIN, 5, None), 120 * MIN));
    }

    #[test]
    fn cache_hints_are_floors_within_reason() {
        assert!(within(success_delay(10 * MIN, None), 10 * MIN));
        assert_eq!(success_delay(10 * MIN, Some(30 * MIN)), 30 * MIN);
        assert_eq!(success_delay(10 * MIN, Some(24 * 60 * MIN)), 60 * MIN);
        assert!(within(success_delay(10 * MIN, Some(MIN)), 10 * MIN));
    }
}
