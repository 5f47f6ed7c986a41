//! `vigia run`: one task per source polling on its own interval, one outbox
//! worker delivering, and the health endpoint, all stopped by one
//! cancellation token.
//!
//! [`start`] returns a [`Running`] daemon whose [`Handle`] can trigger a poll
//! of every source and wait until the outbox is empty: tests drive the daemon
//! through it instead of sleeping, and operators will through commands.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::{ChatRef, Config, Source};
use crate::delivery::{self, Admins, Delivery, Sink, TelegramState};
use crate::matching::Matcher;
use crate::ops::metrics::{Metrics, RuleLabel, SourceLabel};
use crate::sources::fetch::Validators;
use crate::sources::fetch::{Fetched, Fetcher, Limits};
use crate::sources::{key_hash, parse_source, unique_links};
use crate::store::{NewItem, Store, StoreError};

pub mod reload;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr} (http.listen): {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// What every poller shares.
struct Shared {
    store: Arc<Store>,
    fetcher: Fetcher,
    /// What a reload replaces, read once at the start of each poll.
    rules: std::sync::RwLock<Arc<Rules>>,
    /// Wakes the delivery worker when alerts are queued.
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    /// Who is told when a source goes down or comes back; a reload
    /// replaces the list for delivery and commands too.
    admins: Admins,
}

/// The part of the config that applies to items as they are found.
struct Rules {
    matcher: Matcher,
    /// Channel name → chat, to queue alerts.
    channels: BTreeMap<String, ChatRef>,
    backfill: Duration,
    story_window: Duration,
    source_down_after: Duration,
    /// Rule names, for `/mute`.
    names: Vec<String>,
}

impl Rules {
    fn new(config: &Config) -> Self {
        Rules {
            matcher: Matcher::new(config),
            channels: config.channels.clone(),
            backfill: config.backfill,
            story_window: config.story_window,
            source_down_after: config.source_down_after,
            names: config.rules.iter().map(|r| r.name.clone()).collect(),
        }
    }
}

impl Shared {
    fn rules(&self) -> Arc<Rules> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// One source's polling task.
struct Poller {
    source: Source,
    cancel: CancellationToken,
    requests: mpsc::Sender<PollRequest>,
}

/// The polling tasks, by source name; a reload adds, stops and restarts them.
struct Supervisor {
    pollers: BTreeMap<String, Poller>,
    tasks: JoinSet<()>,
    /// Cancelled at shutdown; every poller's token is a child of it.
    root: CancellationToken,
    shared: Arc<Shared>,
}

impl Supervisor {
    fn spawn(&mut self, source: Source) {
        let (tx, rx) = mpsc::channel(4);
        let cancel = self.root.child_token();
        self.tasks.spawn(poll_loop(
            source.clone(),
            self.shared.clone(),
            rx,
            cancel.clone(),
        ));
        self.pollers.insert(
            source.name.clone(),
            Poller {
                source,
                cancel,
                requests: tx,
            },
        );
    }

    /// Makes the running pollers match `sources`: new ones start (their
    /// first poll under the backfill rule), removed ones stop, changed ones
    /// restart. Returns (added, removed, restarted).
    fn apply(&mut self, sources: &[Source]) -> (usize, usize, usize) {
        let (mut added, mut removed, mut restarted) = (0, 0, 0);
        let names: std::collections::BTreeSet<&str> =
            sources.iter().map(|s| s.name.as_str()).collect();
        self.pollers.retain(|name, p| {
            let keep = names.contains(name.as_str());
            if !keep {
                p.cancel.cancel();
                removed += 1;
            }
            keep
        });
        for source in sources {
            match self.pollers.get(&source.name) {
                Some(p) if p.source == *source => {}
                Some(p) => {
                    p.cancel.cancel();
                    restarted += 1;
                    self.spawn(source.clone());
                }
                None => {
                    added += 1;
                    self.spawn(source.clone());
                }
            }
        }
        (added, removed, restarted)
    }
}

/// Characters of summary kept for an alert; more never fits in a message.
const MAX_STORED_SUMMARY: usize = crate::delivery::format::MAX_MESSAGE;

/// A request to poll now, answered when the poll's items are recorded.
type PollRequest = oneshot::Sender<()>;

/// Controls a running daemon.
#[derive(Clone)]
pub struct Handle {
    supervisor: Arc<tokio::sync::Mutex<Supervisor>>,
    store: Arc<Store>,
    passes: watch::Receiver<u64>,
    metrics: Arc<Metrics>,
    reloader: Arc<reload::Reloader>,
    telegram: TelegramState,
}

impl Handle {
    /// What delivery knows of Telegram as a whole (as `/healthz` shows it).
    pub fn telegram(&self) -> delivery::TelegramHealth {
        self.telegram.health()
    }

    /// Polls every source now and returns when all of them are done.
    pub async fn poll_now(&self) {
        let senders: Vec<mpsc::Sender<PollRequest>> = {
            let sup = self.supervisor.lock().await;
            sup.pollers.values().map(|p| p.requests.clone()).collect()
        };
        let mut waits = Vec::new();
        for p in senders {
            let (tx, rx) = oneshot::channel();
            if p.send(tx).await.is_ok() {
                waits.push(rx);
            }
        }
        for w in waits {
            let _ = w.await;
        }
    }

    /// Returns once no alert is pending (delivered, or there were none).
    pub async fn delivered(&self) {
        let mut passes = self.passes.clone();
        loop {
            passes.borrow_and_update();
            let pending = self.store.call(|s| s.pending_count()).await;
            if matches!(pending, Ok(0)) || passes.changed().await.is_err() {
                return;
            }
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The daemon's metrics (fetches, matches, deliveries, 429s, reloads).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Reads the config again and applies it if it is valid; otherwise
    /// keeps the running one, logs every error and tells the admins.
    pub async fn reload(&self) -> Result<reload::Applied, crate::config::ConfigError> {
        self.reloader.reload().await
    }

    /// Reload attempts so far and the last outcome, to wait on.
    pub fn reloads(&self) -> watch::Receiver<reload::Status> {
        self.reloader.status()
    }

    /// The names of the sources being polled.
    pub async fn sources(&self) -> Vec<String> {
        self.supervisor
            .lock()
            .await
            .pollers
            .keys()
            .cloned()
            .collect()
    }
}

/// A started daemon.
pub struct Running {
    pub handle: Handle,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
}

impl Running {
    /// Stops polling, lets an in-flight send finish, waits for every task.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        while self.tasks.join_next().await.is_some() {}
        let mut sup = self.handle.supervisor.lock().await;
        while sup.tasks.join_next().await.is_some() {}
        tracing::info!("vigia stopped");
    }
}

/// Deletes items older than `keep` (their keys stay, so nothing alerts
/// again), at start and every hour.
async fn retention(store: Arc<Store>, keep: Duration, cancel: CancellationToken) {
    loop {
        // A retention longer than time can count keeps everything.
        let before = chrono::Duration::from_std(keep)
            .ok()
            .and_then(|keep| Utc::now().checked_sub_signed(keep));
        let pruned = match before {
            Some(before) => store.call(move |s| s.prune(before)).await,
            None => Ok(0),
        };
        match pruned {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "old items deleted (their keys are kept)"),
            Err(e) => tracing::warn!(error = %e, "could not delete old items; will try again"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

/// Opens the store and starts every task.
pub async fn start(config: &Config, sink: Sink) -> Result<Running, DaemonError> {
    let store_path = config.store_path.clone();
    let store = Arc::new(
        tokio::task::spawn_blocking(move || Store::open(&store_path))
            .await
            .expect("store open does not panic")?,
    );
    let recovered = store.recover(Utc::now())?;
    if recovered.in_doubt > 0 {
        tracing::warn!(
            alerts = recovered.in_doubt,
            "the last run stopped while sending; those alerts are sent again (Telegram may show them twice)"
        );
    }
    if recovered.rescheduled > 0 || recovered.held_chats > 0 {
        tracing::info!(
            alerts = recovered.rescheduled,
            held_chats = recovered.held_chats,
            "retrying what the last run left undelivered"
        );
    }
    match &sink {
        Sink::Telegram(_) => {
            let queued = store.unprint(Utc::now())?;
            if queued > 0 {
                tracing::warn!(
                    alerts = queued,
                    "alerts printed while no token was set are sent to Telegram now"
                );
            }
        }
        Sink::Stdout => {
            let kept = store.outbox_counts()?.printed;
            if kept > 0 {
                tracing::info!(alerts = kept, "alerts printed without a token are kept; they go to Telegram once a token is set");
            }
        }
    }
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();

    let metrics = Arc::new(Metrics::default());
    let telegram_state = TelegramState::default();
    let pulse: crate::ops::Pulse = Arc::new(Utc::now().timestamp_millis().into());
    // Bound now, so a taken port stops the start; served once all is running.
    let listener = match config.http_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| DaemonError::Listen { addr, source })?,
        ),
        None => None,
    };

    let wake = Arc::new(Notify::new());
    let (passes_tx, passes_rx) = watch::channel(0);
    let admins = Admins::new(config.telegram.admins.clone());
    // The bot, for commands (the sink itself goes to delivery).
    let telegram = match &sink {
        Sink::Telegram(telegram) => Some(telegram.clone()),
        Sink::Stdout => None,
    };
    let delivery = Delivery::new(
        delivery::Parts {
            store: store.clone(),
            sink,
            admins: admins.clone(),
            state: telegram_state.clone(),
            wake: wake.clone(),
            passes: passes_tx,
            metrics: metrics.clone(),
            pulse: pulse.clone(),
        },
        &config.telegram,
    );
    tasks.spawn(delivery.run(cancel.clone()));
    tasks.spawn(retention(store.clone(), config.retention, cancel.clone()));

    let shared = Arc::new(Shared {
        store: store.clone(),
        fetcher: Fetcher::new(Limits {
            host_gap: config.host_gap,
            ..Limits::default()
        }),
        rules: std::sync::RwLock::new(Arc::new(Rules::new(config))),
        wake,
        metrics: metrics.clone(),
        admins: admins.clone(),
    });
    let mut supervisor = Supervisor {
        pollers: BTreeMap::new(),
        tasks: JoinSet::new(),
        root: cancel.clone(),
        shared: shared.clone(),
    };
    supervisor.apply(&config.sources);
    let supervisor = Arc::new(tokio::sync::Mutex::new(supervisor));
    let reloader = Arc::new(reload::Reloader::new(
        config.clone(),
        supervisor.clone(),
        shared.clone(),
    ));
    tasks.spawn(reload::watch(
        reloader.clone(),
        reload::hangups(),
        cancel.clone(),
    ));
    if let Some(telegram) = telegram {
        let rules = shared.clone();
        let (why_shared, why_config) = (shared.clone(), reloader.clone());
        let explain: crate::ops::commands::Explain = Arc::new(move |link: String| {
            let (shared, reloader) = (why_shared.clone(), why_config.clone());
            Box::pin(async move {
                let config = reloader.config();
                let mut out = String::new();
                let matcher = &shared.rules().matcher;
                match crate::replay::why(&config, matcher, Some(&shared.store), &link, &mut out)
                    .await
                {
                    Ok(_) => out,
                    Err(e) => format!(
                        "{link} is not the link of a report vigia has stored, and it cannot be read: {e}"
                    ),
                }
            })
        });
        tasks.spawn(crate::ops::commands::serve(
            telegram,
            store.clone(),
            admins,
            Arc::new(move || rules.rules().names.clone()),
            explain,
            shared.wake.clone(),
            cancel.clone(),
        ));
    }
    if let Some(listener) = listener {
        let ops = crate::ops::Ops {
            store: store.clone(),
            metrics: metrics.clone(),
            telegram: telegram_state.clone(),
            pulse,
            reloads: reloader.status(),
        };
        tasks.spawn(crate::ops::serve_health(listener, ops, cancel.clone()));
    }
    tracing::info!(sources = config.sources.len(), rules = config.rules.len(), store = %config.store_path.display(), "vigia started");
    Ok(Running {
        handle: Handle {
            supervisor,
            store,
            passes: passes_rx,
            metrics,
            reloader,
            telegram: telegram_state,
        },
        cancel,
        tasks,
    })
}

/// Runs until `shutdown` completes, then stops cleanly.
pub async fn run(
    config: &Config,
    sink: Sink,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    let running = start(config, sink).await?;
    shutdown.await;
    tracing::info!("shutting down: polling stops, in-flight sends finish");
    running.shutdown().await;
    Ok(())
}

/// `interval` ± 10%, so sources started together drift apart.
fn jittered(interval: Duration) -> Duration {
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

async fn poll_loop(
    source: Source,
    shared: Arc<Shared>,
    mut requests: mpsc::Receiver<PollRequest>,
    cancel: CancellationToken,
) {
    // Spread the first polls over a few seconds rather than all at once.
    let mut next = Instant::now()
        + Duration::from_secs(10)
            .min(source.interval)
            .mul_f64(fastrand::f64());
    loop {
        let reply = tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep_until(next) => None,
            Some(reply) = requests.recv() => Some(reply),
        };
        let delay = tokio::select! {
            _ = cancel.cancelled() => break,
            delay = poll_once(&source, &shared) => delay,
        };
        if let Some(reply) = reply {
            let _ = reply.send(());
        }
        next = Instant::now() + delay;
    }
}

/// Polls once; returns the wait before the next poll.
async fn poll_once(source: &Source, shared: &Arc<Shared>) -> Duration {
    match try_poll(source, shared).await {
        Ok(delay) => delay,
        Err(e) => {
            tracing::error!(source = %source.name, error = %e, "store failure while polling");
            jittered(source.interval)
        }
    }
}

/// Queues a notice to the admins and wakes delivery.
async fn tell_admins(shared: &Shared, text: String) -> Result<(), StoreError> {
    delivery::tell_admins(&shared.store, &shared.admins, &shared.wake, text).await
}

async fn try_poll(source: &Source, shared: &Arc<Shared>) -> Result<Duration, StoreError> {
    let name = source.name.clone();
    // Lists and rules as they are now: a reload applies from the next poll.
    let rules = shared.rules();
    let state = {
        let name = name.clone();
        shared.store.call(move |s| s.source_state(&name)).await?
    };
    let started = Instant::now();
    let fetched = shared.fetcher.get(&source.url, &state.validators).await;
    shared
        .metrics
        .fetch_seconds
        .observe(started.elapsed().as_secs_f64());
    let failed = |kind: &'static str, error: String, retry_after: Option<Duration>| {
        let name = name.clone();
        let failures = state.consecutive_failures + 1;
        let delay = failure_delay(source.interval, failures, retry_after);
        let down_after = rules.source_down_after;
        async move {
            shared.metrics.fetch(&name, kind);
            tracing::warn!(source = %name, kind, failures, retry_in_s = delay.as_secs(), error = %error, "poll failed");
            let now = Utc::now();
            let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
            let (n, e) = (name.clone(), error.clone());
            let down = shared
                .store
                .call(move |s| s.poll_failed(&n, kind, &e, now, next, down_after))
                .await?;
            if let Some(since) = down {
                tracing::error!(source = %name, since = %since, "source has been failing for a long time");
                tell_admins(
                    shared,
                    format!(
                    "⚠️ Source {name} has been failing since {} ({failures} failures in a row). \
                     Last error: {error}\nvigia keeps trying, and will say when it works again.",
                    since.format("%Y-%m-%d %H:%M UTC")
                ),
                )
                .await?;
            }
            Ok(delay)
        }
    };
    let succeeded = |validators: Option<Validators>, new_items: usize, hint: Option<Duration>| {
        let name = name.clone();
        let delay = success_delay(source.interval, hint);
        async move {
            let now = Utc::now();
            let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
            let n = name.clone();
            let back = shared
                .store
                .call(move |s| s.poll_succeeded(&n, validators.as_ref(), new_items, now, next))
                .await?;
            if let Some(since) = back {
                tracing::info!(source = %name, "source works again");
                tell_admins(
                    shared,
                    format!(
                        "✅ Source {name} works again (it had been failing since {}).",
                        since.format("%Y-%m-%d %H:%M UTC")
                    ),
                )
                .await?;
            }
            Ok(delay)
        }
    };
    let (body, validators, max_age, content_type) = match fetched {
        Err(e) => return failed(e.kind(), e.to_string(), e.retry_after()).await,
        Ok(Fetched::NotModified { max_age }) => {
            shared.metrics.fetch(&name, "not-modified");
            tracing::debug!(source = %name, elapsed_ms = started.elapsed().as_millis() as u64, "not modified");
            return succeeded(None, 0, max_age).await;
        }
        Ok(Fetched::Body {
            body,
            validators,
            max_age,
            content_type,
        }) => (body, validators, max_age, content_type),
    };
    let (mut items, ttl) = match parse_source(source, &body, content_type.as_deref()) {
        Ok(parsed) => parsed,
        Err(e) => return failed(e.kind(), format!("{}: {e}", source.url), None).await,
    };
    // Feeds list newest first; record (and alert) oldest first.
    items.reverse();
    let keys: Vec<Vec<[u8; 16]>> = items
        .iter()
        .zip(unique_links(&items))
        .map(|(i, unique)| i.keys(&name, unique).iter().map(|k| key_hash(k)).collect())
        .collect();
    let unseen = {
        let keys = keys.clone();
        shared.store.call(move |s| s.unseen(&keys)).await?
    };

    let now = Utc::now();
    let muted: std::collections::HashSet<String> = shared
        .store
        .call(move |s| s.muted_rules(now))
        .await?
        .into_iter()
        .map(|(rule, _)| rule)
        .collect();
    let backfill_from = now - chrono::Duration::from_std(rules.backfill).unwrap_or_default();
    let mut batch = Vec::new();
    let mut silent = 0;
    for ((item, key), new) in items.into_iter().zip(keys).zip(unseen) {
        if !new {
            continue;
        }
        let too_old = !state.polled_before && item.published.is_none_or(|p| p < backfill_from);
        let (explanation, alerts) = if too_old {
            silent += 1;
            (None, Vec::new())
        } else {
            let text = item.text();
            let lang = source.lang.or_else(|| crate::matching::language(&text));
            let verdict = rules.matcher.check_in(&text, &source.tags, lang);
            if verdict.alerts() {
                let e = rules.matcher.explain(&verdict);
                for rule in &e.rules {
                    shared
                        .metrics
                        .matches
                        .get_or_create(&RuleLabel { rule: rule.clone() })
                        .inc();
                }
                let alerts = e
                    .channels
                    .iter()
                    .filter_map(|c| {
                        rules
                            .channels
                            .get(c)
                            .map(|chat| (c.clone(), chat.to_string()))
                    })
                    .collect();
                (Some(e), alerts)
            } else {
                (None, Vec::new())
            }
        };
        // The summary is only needed to render alerts, and a message shows
        // at most 4096 characters: seen-only items keep their key and title.
        let summary = if alerts.is_empty() {
            String::new()
        } else {
            let text = if item.summary.is_empty() {
                item.content
            } else {
                item.summary
            };
            text.chars().take(MAX_STORED_SUMMARY).collect()
        };
        let story = (!alerts.is_empty()).then(|| {
            (
                crate::stories::words(&item.title, &summary),
                rules.story_window,
            )
        });
        let (key, aliases) = key.split_first().expect("an item has a key");
        // Alerts of an item whose every rule is muted are set aside.
        let muted_rule = explanation
            .as_ref()
            .filter(|e| !e.rules.is_empty() && e.rules.iter().all(|r| muted.contains(r)))
            .map(|e| e.rules[0].clone());
        batch.push(NewItem {
            story,
            muted_rule,
            key: *key,
            aliases: aliases.to_vec(),
            source: name.clone(),
            title: item.title,
            link: item.link,
            summary,
            published: item.published,
            explanation,
            alerts,
        });
    }
    let new_items = batch.len();
    shared.metrics.fetch(&name, "ok");
    shared
        .metrics
        .items_seen
        .get_or_create(&SourceLabel {
            source: name.clone(),
        })
        .inc_by(new_items as u64);
    let queued = {
        let batch = batch;
        shared.store.call(move |s| s.record(&batch, now)).await?
    };
    if queued > 0 {
        shared
            .metrics
            .alerts_queued
            .get_or_create(&SourceLabel {
                source: name.clone(),
            })
            .inc_by(queued as u64);
        shared.wake.notify_one();
    }
    tracing::debug!(source = %name, new_items, backfilled = silent, alerts = queued,
        elapsed_ms = started.elapsed().as_millis() as u64, "polled");
    if queued > 0 {
        tracing::info!(source = %name, alerts = queued, "alerts queued");
    }
    // Validators are saved only now, after the items: a crash in between
    // refetches the body rather than hiding its items behind a 304.
    succeeded(Some(validators), new_items, max_age.max(ttl)).await
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
