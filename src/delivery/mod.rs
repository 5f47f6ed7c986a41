//! Delivery: the outbox worker that sends alerts (and admin notices) and
//! marks them sent only after Telegram's ok.
//!
//! This file is the dispatcher and the chat workers; `telegram.rs` is the
//! Telegram edge (sending, editing and replying, reading Telegram's answer,
//! deciding what it means), `settle.rs` what each outcome does, `pace.rs`
//! Telegram's rate limits, `format.rs` the message, `admins.rs` who is told.
//!
//! One task per chat with something due, so a slow or refused chat never
//! holds up the others; within a chat, one message at a time, in the order
//! the items were found. Sends are paced within Telegram's limits
//! ([`pace`]). Failures are decided on Telegram's `error_code` (see
//! [`telegram`] for why not on teloxide's error names):
//!
//! | Telegram says | vigia does |
//! |---|---|
//! | 429 `retry_after` | nothing to that chat until it has passed |
//! | 400 `migrate_to_chat_id` | follows the supergroup, records it, tells admins |
//! | 400 can't parse entities | resends that alert as plain text |
//! | 400 message is too long | resends it shorter |
//! | any other 400 about the message | resends it as plain text; refused again, fails that alert alone and tells admins what was lost; the chat goes on |
//! | 403 (kicked, blocked, not a member), 400 chat not found or no right to post | holds the chat's alerts, tells admins once, probes after 10 s, then waits as long as it has been held, up to `recheck_held`, and at each start |
//! | 401 (token refused) | sends nothing anywhere, says so in the log, `/healthz` and `vigia_telegram_bot_refused`; tries again on the held chats' schedule; nothing is given up |
//! | 5xx, a page that is not JSON, no answer, anything else | retries with backoff (1 s doubling to 10 min, jittered, but at most a tenth of the time the chat has been failing); the first success ends the spell and retries the rest at once; failing every send for `down_after` tells admins, and again when it works; after `give_up_after`, fails the alert and tells admins |
//!
//! # Why a crash loses nothing, and repeats at most one message per chat
//!
//! 1. An item is recorded in the same transaction as its alerts
//!    ([`Store::record`]), and the feed's validators are saved only after
//!    it. A crash before that commit leaves the item unseen: the next poll
//!    finds it again. After it, the alerts exist, `pending`.
//! 2. An alert leaves the open states (`pending`, `sending`, `held`) only by
//!    [`Store::mark_sent`], called after Telegram's ok, or by
//!    [`Store::fail`], which tells the admins. No other code path closes one.
//! 3. Before its request leaves, an alert is marked `sending` (committed). At
//!    start-up, [`Store::recover`] returns every `sending` alert to the queue.
//!    So a crash at any instant leaves each alert open (sent again) or sent.
//!    With replicas on PostgreSQL, one replica sends to a chat at a time
//!    (its lease, checked before each send), and the replica that takes a
//!    chat from one that died returns that chat's `sending` alerts to the
//!    queue instead (`store::leases`); a start leaves other replicas'
//!    sends alone.
//! 4. The one repeat: Telegram accepted the request, and the crash came
//!    before `mark_sent` committed. Only the alert in flight can be in that
//!    window, and a chat has at most one in flight: at most one repeated
//!    message per chat per crash (one per crash with one channel). Telegram
//!    offers no idempotency key that would close this window. The same
//!    holds without a crash when Telegram accepts a message but its answer
//!    is lost (a timeout, a cut connection): vigia cannot tell that from a
//!    failure, and sends it again rather than risk losing it.
//! 5. SQLite runs in WAL mode with `synchronous = NORMAL`: a committed
//!    transaction survives a process crash (SIGKILL). A power cut may roll
//!    back the last commits; by 1–3 that can only make an item be found
//!    again or an alert be sent again, never lose one. (PostgreSQL's commits
//!    are durable as its server is configured.)

mod admins;
pub mod format;
pub mod pace;
mod settle;
pub mod telegram;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{Secret, TelegramConfig};
use crate::metrics::Metrics;
use crate::store::{EntryKind, Lease, LeaseKind, PendingAlert, Store, StoreError};
pub use admins::{tell_admins, Admins};
use format::Mode;
use pace::{Pacer, Ticket};
use settle::Next;
pub use telegram::{SendError, Telegram};

/// Longest wait between two attempts at one alert.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// Below this, "too long" is not about length: the alert fails.
const MIN_LEN: usize = 256;
/// The first probe of a held chat (or of a refused token); each later one
/// waits as long as the chat has been held, up to `telegram.recheck_held`.
const FIRST_PROBE: Duration = Duration::from_secs(10);

/// The delivery loop's last round, in unix ms: it goes round at least every
/// [`PULSE`], so an old one means the loop is stuck or gone (`/healthz`).
pub type Pulse = Arc<std::sync::atomic::AtomicI64>;

/// The dispatcher goes round at least this often, and says so in its
/// pulse, so that liveness can tell a quiet loop from a stuck one.
pub const PULSE: Duration = Duration::from_secs(30);

/// How long a chat whose worker sent nothing is left be: the schedule and
/// the worker disagreed, and must not spin.
const NOTHING_SENT: Duration = Duration::from_secs(1);

/// Where alerts go.
pub enum Sink {
    Telegram(Telegram),
    /// No token: alerts are printed on standard output.
    Stdout,
}

impl Sink {
    pub fn telegram(token: Secret, api_url: url::Url) -> Self {
        Sink::Telegram(Telegram::new(token, api_url))
    }

    /// Sends one alert or notice; `Ok` carries Telegram's message id.
    pub async fn send(&self, alert: &PendingAlert) -> Result<Option<i32>, SendError> {
        let terminal = matches!(self, Sink::Stdout);
        let mode = if terminal || alert.plain || alert.notice.is_some() {
            Mode::Plain
        } else {
            Mode::Html
        };
        let text = match (&alert.notice, alert.kind) {
            (Some(notice), _) => notice.clone(),
            (None, EntryKind::Alert) => format::render(alert, mode),
            (None, EntryKind::Edit) => format::render_edit(alert, mode),
            (None, EntryKind::Reply) => format::render_reply(alert, mode),
        };
        match self {
            Sink::Stdout => {
                use std::io::Write;
                let what = match (&alert.notice, alert.kind) {
                    (Some(_), _) => "notice for admins".to_string(),
                    (None, EntryKind::Alert) => format!("alert for channel {}", alert.channel),
                    (None, EntryKind::Edit) => {
                        format!("update of an earlier alert for channel {}", alert.channel)
                    }
                    (None, EntryKind::Reply) => {
                        format!(
                            "follow-up to an earlier alert for channel {}",
                            alert.channel
                        )
                    }
                };
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "──── {what} ────\n{text}\n");
                let _ = out.flush();
                Ok(None)
            }
            Sink::Telegram(telegram) => telegram.send_alert(alert, text, mode).await,
        }
    }
}

/// What vigia knows of Telegram as a whole, for `/healthz` and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TelegramHealth {
    /// Every send has failed (5xx, no answer) since then.
    pub failing_since: Option<DateTime<Utc>>,
    /// Telegram refuses the bot's token (401): nothing can be sent.
    pub bot_refused: Option<String>,
}

/// Telegram's state as delivery sees it, shared with the health endpoint.
#[derive(Clone, Default)]
pub struct TelegramState(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    health: TelegramHealth,
    /// The admins were told Telegram has been failing for `down_after`.
    told_down: bool,
    /// Chats whose sends fail for passing reasons, since when.
    chats_failing: HashMap<String, DateTime<Utc>>,
    /// Nothing is sent before this (the token was refused).
    paused_until: Option<tokio::time::Instant>,
    /// Since when the token has been refused.
    bot_refused_since: Option<DateTime<Utc>>,
}

impl TelegramState {
    pub fn health(&self) -> TelegramHealth {
        self.lock().health.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The outbox worker.
pub struct Delivery {
    inner: Arc<Inner>,
    passes: watch::Sender<u64>,
    pulse: Pulse,
}

struct Inner {
    store: Arc<Store>,
    sink: Sink,
    admins: Admins,
    give_up_after: Duration,
    recheck_held: Duration,
    /// Telegram failing every send this long tells the admins.
    down_after: Duration,
    state: TelegramState,
    pacer: Mutex<Pacer>,
    /// Poked when a send is answered: a pacing slot may have opened.
    answered: Notify,
    /// Poked when alerts are recorded or made due.
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    /// Bumped after every attempt, so observers can re-check the outbox.
    passes: watch::Sender<u64>,
}

/// What delivery is handed by the daemon.
pub struct Parts {
    pub store: Arc<Store>,
    pub sink: Sink,
    pub admins: Admins,
    /// Shared with the health endpoint.
    pub state: TelegramState,
    /// Poked when alerts are recorded.
    pub wake: Arc<Notify>,
    /// Bumped after each attempt and each scheduling round.
    pub passes: watch::Sender<u64>,
    pub metrics: Arc<Metrics>,
    /// Set to the time of each scheduling round.
    pub pulse: Pulse,
}

impl Delivery {
    pub fn new(parts: Parts, telegram: &TelegramConfig) -> Self {
        let passes = parts.passes.clone();
        let inner = Inner {
            store: parts.store,
            sink: parts.sink,
            admins: parts.admins,
            give_up_after: telegram.give_up_after,
            recheck_held: telegram.recheck_held,
            down_after: telegram.down_after,
            state: parts.state,
            pacer: Mutex::new(Pacer::new(telegram.limits)),
            answered: Notify::new(),
            wake: parts.wake,
            metrics: parts.metrics,
            passes: parts.passes,
        };
        Delivery {
            inner: Arc::new(inner),
            passes,
            pulse: parts.pulse,
        }
    }

    /// Sends until `shutdown`; alerts in flight when it fires are finished
    /// (and recorded), the rest stay pending for the next start.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut workers: JoinSet<(String, Option<Duration>)> = JoinSet::new();
        let mut active: HashSet<String> = HashSet::new();
        // Chats whose worker found nothing to send although the schedule
        // said otherwise: not restarted before this time, so a disagreement
        // between the two can never spin.
        let mut cooldown: HashMap<String, tokio::time::Instant> = HashMap::new();
        loop {
            let now = Utc::now();
            self.pulse
                .store(now.timestamp_millis(), std::sync::atomic::Ordering::Relaxed);
            let mut sleep = PULSE;
            cooldown.retain(|_, until| *until > tokio::time::Instant::now());
            // Mutes that ran out release their alerts; wake at the next end.
            match self.inner.store.call(move |s| s.expire_mutes(now)).await {
                Ok(Some(end)) => {
                    sleep = sleep.min(
                        (end - now)
                            .to_std()
                            .unwrap_or_default()
                            .max(Duration::from_millis(10)),
                    );
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "cannot read mutes"),
            }
            let paused = self
                .inner
                .state
                .lock()
                .paused_until
                .filter(|t| *t > tokio::time::Instant::now());
            match paused {
                // The token is refused: nothing is sent until the next try.
                Some(until) => sleep = sleep.min(until - tokio::time::Instant::now()),
                None => match self.inner.store.call(|s| s.schedule()).await {
                    Ok(schedule) => {
                        for due in schedule {
                            if active.contains(&due.chat) {
                                continue;
                            }
                            if let Some(until) = cooldown.get(&due.chat) {
                                sleep =
                                    sleep.min(until.duration_since(tokio::time::Instant::now()));
                                continue;
                            }
                            match (due.at - now).to_std() {
                                Ok(wait) if !wait.is_zero() => sleep = sleep.min(wait),
                                _ => {
                                    active.insert(due.chat.clone());
                                    let inner = self.inner.clone();
                                    workers.spawn(inner.chat_worker(due.chat, shutdown.clone()));
                                }
                            }
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the outbox; retrying shortly");
                        sleep = Duration::from_secs(1);
                    }
                },
            }
            self.passes.send_modify(|n| *n += 1);
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.inner.wake.notified() => {}
                Some(done) = workers.join_next() => {
                    match done {
                        Ok((chat, rest)) => {
                            active.remove(&chat);
                            if let Some(rest) = rest {
                                cooldown.insert(chat, tokio::time::Instant::now() + rest);
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "a delivery task failed");
                            active.clear();
                        }
                    }
                }
                _ = tokio::time::sleep(sleep) => {}
            }
        }
        while workers.join_next().await.is_some() {}
        tracing::debug!("delivery stopped");
    }
}

impl Inner {
    /// Sends `chat`'s due alerts in order until none is due, or one must wait.
    /// Returns the chat, and how long to leave it be when nothing was
    /// attempted: a second, or while another replica holds it.
    async fn chat_worker(
        self: Arc<Self>,
        chat: String,
        shutdown: CancellationToken,
    ) -> (String, Option<Duration>) {
        let mut attempted = false;
        // On a shared store, one replica sends to a chat at a time: order,
        // pacing and Telegram's retry_after hold across replicas.
        match self.lease(&chat).await {
            Some(Lease::Held | Lease::TakenOver { in_doubt: 0 }) => {}
            Some(Lease::TakenOver { in_doubt }) => tracing::warn!(
                chat = %chat,
                alerts = in_doubt,
                "took over a chat from a replica that stopped while sending; those alerts are sent again (Telegram may show them twice)"
            ),
            // Another replica's (until it dies and its lease runs out).
            Some(Lease::Busy(wait)) => return (chat, Some(wait.max(NOTHING_SENT))),
            None => return (chat, Some(NOTHING_SENT)),
        }
        loop {
            if shutdown.is_cancelled() || self.paused() {
                break;
            }
            let head = {
                let chat = chat.clone();
                self.store.call(move |s| s.head(&chat, Utc::now())).await
            };
            let (alert, probe) = match head {
                Ok(Some(head)) => head,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, chat = %chat, "cannot read the outbox");
                    break;
                }
            };
            let Some(ticket) = self.pace(&chat, &shutdown).await else {
                break;
            };
            // Still this replica's chat (a stall may have cost the lease).
            if !self.lease(&chat).await.is_some_and(Lease::held) {
                self.answered(ticket);
                break;
            }
            let id = alert.id;
            if let Err(e) = self.store.call(move |s| s.mark_sending(id)).await {
                self.answered(ticket);
                tracing::error!(error = %e, "cannot mark an alert as sending");
                break;
            }
            attempted = true;
            let result = self.sink.send(&alert).await;
            self.answered(ticket);
            let next = self.settle(&alert, probe, result).await;
            self.passes.send_modify(|n| *n += 1);
            match next {
                Ok(Next::Continue) => {}
                Ok(Next::Stop) => break,
                Err(e) => {
                    tracing::error!(error = %e, chat = %chat, "cannot record a delivery outcome");
                    break;
                }
            }
        }
        // The chat's lease is kept: this replica's pacer knows what it sent
        // there. It goes when this replica stops, or dies and it runs out.
        (chat, (!attempted).then_some(NOTHING_SENT))
    }

    /// Takes or renews this replica's lease on `chat`; `None` when the
    /// store cannot say.
    async fn lease(&self, chat: &str) -> Option<Lease> {
        if !self.store.is_shared() {
            return Some(Lease::Held);
        }
        let chat = chat.to_string();
        match self
            .store
            .call(move |s| s.lease(LeaseKind::Chat, &chat))
            .await
        {
            Ok(lease) => Some(lease),
            Err(e) => {
                tracing::error!(error = %e, "cannot take a chat's lease");
                None
            }
        }
    }

    fn paused(&self) -> bool {
        self.state
            .lock()
            .paused_until
            .is_some_and(|t| t > tokio::time::Instant::now())
    }

    /// Waits for a pacing slot; `None` on shutdown.
    async fn pace(&self, chat: &str, shutdown: &CancellationToken) -> Option<Ticket> {
        loop {
            let answered = self.answered.notified();
            let now = tokio::time::Instant::now();
            let wait = match self.pacer.lock().unwrap().reserve(chat, now) {
                Ok(ticket) => return Some(ticket),
                Err(wait) => wait,
            };
            tokio::select! {
                _ = shutdown.cancelled() => return None,
                _ = answered => {}
                _ = async {
                    match wait {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {}
            }
        }
    }

    fn answered(&self, ticket: Ticket) {
        self.pacer
            .lock()
            .unwrap()
            .done(ticket, tokio::time::Instant::now());
        self.answered.notify_waiters();
    }

    async fn tell_admins(&self, text: String) -> Result<(), StoreError> {
        tell_admins(&self.store, &self.admins, &self.wake, text).await
    }
}

/// The alert `vigia send-test` sends: it reads like a real one.
pub fn test_alert(channel: &str, chat: &str) -> PendingAlert {
    PendingAlert {
        channel: channel.to_string(),
        chat: chat.to_string(),
        created_at: Utc::now(),
        source: "vigia".into(),
        title: "Test alert: vigia can post to this channel".into(),
        summary: "If you can read this, alerts will arrive here.".into(),
        published: Some(Utc::now()),
        explanation: crate::matching::Explanation {
            rules: vec!["send-test".into()],
            ..Default::default()
        },
        ..Default::default()
    }
}
