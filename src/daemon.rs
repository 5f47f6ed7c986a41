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

use chrono::{DateTime, Utc};
use tokio::sync::{oneshot, watch, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Source};
use crate::delivery::{self, Admins, Delivery, Sink, TelegramState};
use crate::metrics::Metrics;
use crate::sources::fetch::{Fetcher, Limits};
use crate::store::{Store, StoreError};

mod events;
mod poll;
pub mod reload;

use crate::intake::Rules;
use poll::poll_loop;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
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
    /// Polls past their fetch: see [`PARALLEL_POLLS`].
    polls: Arc<tokio::sync::Semaphore>,
    /// Polls answered 304 not yet written: (source, when, next poll).
    unchanged: std::sync::Mutex<Vec<crate::store::UnchangedPoll>>,
}

/// Polls whose request has left, up to the end of recording their items.
/// Fetching outpaces the one store, so without a bound every due source's
/// body and items would wait in memory at once (hundreds of MB at 10,000
/// feeds). A poll waiting for its host's turn holds none.
const PARALLEL_POLLS: usize = 32;

impl Shared {
    fn rules(&self) -> Arc<Rules> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Notes a poll answered 304 of a source that was not failing: when it
    /// succeeded and when it polls next. [`Shared::write_unchanged`] writes
    /// them, many in one transaction.
    fn unchanged(&self, source: &str, at: DateTime<Utc>, next: DateTime<Utc>) {
        self.unchanged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((source.to_string(), at, next));
    }

    async fn write_unchanged(&self) -> Result<(), StoreError> {
        let polls = std::mem::take(&mut *self.unchanged.lock().unwrap_or_else(|e| e.into_inner()));
        if polls.is_empty() {
            return Ok(());
        }
        self.store.call(move |s| s.polls_unchanged(&polls)).await
    }
}

/// Writes the unchanged polls noted meanwhile, every second and at shutdown:
/// a 304 otherwise costs a transaction of its own, and most polls are 304s.
async fn write_unchanged(shared: Arc<Shared>, cancel: CancellationToken) {
    loop {
        let stop = tokio::select! {
            _ = cancel.cancelled() => true,
            _ = tokio::time::sleep(Duration::from_secs(1)) => false,
        };
        if let Err(e) = shared.write_unchanged().await {
            tracing::warn!(error = %e, "could not record unchanged polls; will try again");
        }
        if stop {
            return;
        }
    }
}

/// What the console reads of the running daemon.
struct Live {
    shared: Arc<Shared>,
    reloader: Arc<reload::Reloader>,
}

impl crate::console::Live for Live {
    fn config(&self) -> Config {
        self.reloader.config()
    }

    fn rules(&self) -> Arc<Rules> {
        self.shared.rules()
    }
}

/// One source's polling task.
struct Poller {
    /// Shared with the task: 10,000 sources are not copied twice.
    source: Arc<Source>,
    cancel: CancellationToken,
    now: Arc<PollNow>,
}

/// Requests to poll a source now, each answered once a poll that began
/// after it is recorded. Lighter than a channel per source.
#[derive(Default)]
struct PollNow {
    wake: Notify,
    waiting: std::sync::Mutex<Vec<oneshot::Sender<()>>>,
}

impl PollNow {
    fn ask(&self) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        self.wake.notify_one();
        rx
    }

    /// The requests made so far, to answer after the poll that starts now.
    fn take(&self) -> Vec<oneshot::Sender<()>> {
        std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()))
    }
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
        let source = Arc::new(source);
        let now = Arc::new(PollNow::default());
        let cancel = self.root.child_token();
        self.tasks.spawn(poll_loop(
            source.clone(),
            self.shared.clone(),
            now.clone(),
            cancel.clone(),
        ));
        self.pollers.insert(
            source.name.clone(),
            Poller {
                source,
                cancel,
                now,
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
                Some(p) if *p.source == *source => {}
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
        let waits: Vec<oneshot::Receiver<()>> = {
            let sup = self.supervisor.lock().await;
            sup.pollers.values().map(|p| p.now.ask()).collect()
        };
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
        // Nothing is in flight now: other replicas take over at once.
        if let Err(e) = self.handle.store.call(|s| s.release_all()).await {
            tracing::warn!(error = %e, "cannot release this replica's leases; they run out");
        }
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

/// Keeps this replica's leases (sources being polled, chats being sent
/// to, the commands) from running out while it lives: renewed a third of
/// the way through, so two renewals may fail before another replica takes
/// over.
async fn renew_leases(store: Arc<Store>, lease: Duration, cancel: CancellationToken) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(lease / 3) => {}
        }
        if let Err(e) = store.call(|s| s.renew_leases()).await {
            tracing::warn!(error = %e, "cannot renew this replica's leases; another replica takes over if this lasts");
        }
    }
}

/// Opens the store and starts every task.
pub async fn start(config: &Config, sink: Sink) -> Result<Running, DaemonError> {
    let location = config.store_location()?;
    let store = Arc::new(
        tokio::task::spawn_blocking(move || Store::connect(&location))
            .await
            .expect("store open does not panic")?,
    );
    let recovered = store.call(|s| s.recover(Utc::now())).await?;
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
            let queued = store.call(|s| s.unprint(Utc::now())).await?;
            if queued > 0 {
                tracing::warn!(
                    alerts = queued,
                    "alerts printed while no token was set are sent to Telegram now"
                );
            }
        }
        Sink::Stdout => {
            let kept = store.call(|s| s.outbox_counts()).await?.printed;
            if kept > 0 {
                tracing::info!(alerts = kept, "alerts printed without a token are kept; they go to Telegram once a token is set");
            }
        }
    }
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();

    let metrics = Arc::new(Metrics::default());
    let telegram_state = TelegramState::default();
    let pulse: delivery::Pulse = Arc::new(Utc::now().timestamp_millis().into());
    // Read now, so a console token file named but missing stops the start.
    let console_token = config.console_token()?;
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
    if store.is_shared() {
        tasks.spawn(renew_leases(
            store.clone(),
            config.store_lease,
            cancel.clone(),
        ));
    }

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
        polls: Arc::new(tokio::sync::Semaphore::new(PARALLEL_POLLS)),
        unchanged: Default::default(),
    });
    tasks.spawn(write_unchanged(shared.clone(), cancel.clone()));
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
    // Set up before `start` returns: an edit saved from then on reloads.
    let watch = reload::Watch::start(reloader.clone());
    tasks.spawn(watch.run(reload::hangups(), cancel.clone()));
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
        let listen = listener
            .local_addr()
            .map_err(|source| DaemonError::Listen {
                addr: config.http_listen.unwrap_or(([0, 0, 0, 0], 0).into()),
                source,
            })?;
        let access = crate::console::Access::new(listen, console_token);
        match access {
            crate::console::Access::Off => tracing::warn!("{}", access.describe(listen)),
            _ => tracing::info!("{}", access.describe(listen)),
        }
        let console = crate::console::Console {
            ops: ops.clone(),
            live: Arc::new(Live {
                shared: shared.clone(),
                reloader: reloader.clone(),
            }),
        };
        let pages = crate::console::router(console, access);
        tasks.spawn(crate::ops::serve_health(
            listener,
            ops,
            pages,
            cancel.clone(),
        ));
    }
    tracing::info!(sources = config.sources.len(), rules = config.rules.len(), store = %config.store_location().map(|l| l.to_string()).unwrap_or_default(), "vigia started");
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

/// Queues a notice to the admins and wakes delivery.
async fn tell_admins(shared: &Shared, text: String) -> Result<(), StoreError> {
    delivery::tell_admins(&shared.store, &shared.admins, &shared.wake, text).await
}
