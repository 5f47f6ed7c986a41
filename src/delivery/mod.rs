//! Delivery: the outbox worker that sends alerts (and admin notices) and
//! marks them sent only after Telegram's ok.
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
//! 1. An item is recorded in the same SQLite transaction as its alerts
//!    ([`Store::record`]), and the feed's validators are saved only after
//!    it. A crash before that commit leaves the item unseen: the next poll
//!    finds it again. After it, the alerts exist, `pending`.
//! 2. An alert leaves the open states (`pending`, `sending`, `held`) only by
//!    [`Store::mark_sent`], called after Telegram's ok, or by
//!    [`Store::fail`], which tells the admins. No other code path closes one.
//! 3. Before its request leaves, an alert is marked `sending` (committed). At
//!    start-up, [`Store::recover`] returns every `sending` alert to the queue.
//!    So a crash at any instant leaves each alert open (sent again) or sent.
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
//!    again or an alert be sent again, never lose one.

pub mod format;
pub mod pace;
pub mod telegram;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use teloxide::payloads::{EditMessageText, SendMessage};
use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::types::{
    ChatId, LinkPreviewOptions, MessageId, ParseMode, Recipient, ReplyParameters,
};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{ChatRef, Secret, TelegramConfig};
use crate::metrics::Metrics;
use crate::store::{EntryKind, PendingAlert, Store, StoreError};
use format::Mode;
use pace::{Pacer, Ticket};
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
            Sink::Telegram(telegram) => {
                let chat = ChatRef::parse(&alert.chat).ok_or_else(|| {
                    SendError::ChatRefused(format!("{:?} is not a chat id", alert.chat))
                })?;
                let recipient = match chat {
                    ChatRef::Id(id) => Recipient::Id(ChatId(id)),
                    ChatRef::Username(name) => Recipient::ChannelUsername(name),
                };
                let preview = LinkPreviewOptions {
                    is_disabled: alert.notice.is_some(),
                    url: None,
                    prefer_small_media: true,
                    prefer_large_media: false,
                    show_above_text: false,
                };
                if let (EntryKind::Edit, Some(root)) = (alert.kind, alert.root_message) {
                    let mut request = EditMessageText::new(recipient, MessageId(root), text)
                        .link_preview_options(preview);
                    if mode == Mode::Html {
                        request = request.parse_mode(ParseMode::Html);
                    }
                    return match telegram.call(&request).await.map_err(telegram::classify) {
                        // An edit that changes nothing (sent twice after a
                        // crash) has done its job.
                        Ok(_) | Err(SendError::Unchanged) => Ok(Some(root)),
                        Err(e) => Err(e),
                    };
                }
                let mut request = SendMessage::new(recipient, text).link_preview_options(preview);
                if mode == Mode::Html {
                    request = request.parse_mode(ParseMode::Html);
                }
                if let (EntryKind::Reply, Some(root)) = (alert.kind, alert.root_message) {
                    request = request.reply_parameters(
                        ReplyParameters::new(MessageId(root)).allow_sending_without_reply(),
                    );
                }
                telegram
                    .call(&request)
                    .await
                    .map(|m| Some(m.id.0))
                    .map_err(telegram::classify)
            }
        }
    }
}

/// Who the admins are: one list, replaced by a config reload, read by the
/// notices and by the command loop's authorisation alike.
#[derive(Clone, Default)]
pub struct Admins(Arc<RwLock<Vec<i64>>>);

impl Admins {
    pub fn new(ids: Vec<i64>) -> Self {
        Admins(Arc::new(RwLock::new(ids)))
    }

    pub fn get(&self) -> Vec<i64> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, ids: Vec<i64>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = ids;
    }

    pub fn contains(&self, id: i64) -> bool {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    }
}

/// Queues a notice to the current admins and wakes delivery; without
/// admins, logs it. The one way anything tells the admins.
pub async fn tell_admins(
    store: &Arc<Store>,
    admins: &Admins,
    wake: &Notify,
    text: String,
) -> Result<(), StoreError> {
    let admins = admins.get();
    if admins.is_empty() {
        tracing::warn!(notice = %text, "no telegram.admins to tell");
        return Ok(());
    }
    store
        .call(move |s| s.notice(&admins, &text, Utc::now()))
        .await?;
    wake.notify_one();
    Ok(())
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

/// Wait before attempt `attempts + 1`: 1 s doubling to 10 min, ±20% jitter.
fn backoff(attempts: i64) -> Duration {
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 10)).min(MAX_BACKOFF);
    base.mul_f64(0.8 + fastrand::f64() * 0.4)
}

/// The wait before retrying after a passing failure: the alert's backoff,
/// but never more than a tenth of the time its chat has been failing, so a
/// short outage is noticed over within seconds of its end.
fn passing_wait(attempts: i64, failing_for: Duration) -> Duration {
    backoff(attempts).min((failing_for / 10).max(Duration::from_secs(1)))
}

/// When a held chat is probed next: as long after now as it has been held
/// (so the waits double), from [`FIRST_PROBE`] up to `recheck_held`.
fn next_probe(now: DateTime<Utc>, held_for: Duration, recheck_held: Duration) -> DateTime<Utc> {
    after(now, probe_wait(held_for, recheck_held))
}

fn probe_wait(refused_for: Duration, recheck_held: Duration) -> Duration {
    refused_for.max(FIRST_PROBE).min(recheck_held)
}

fn after(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or_default()
}

/// What a settled attempt means for the chat's worker.
enum Next {
    /// Send the chat's next alert.
    Continue,
    /// Stop; the dispatcher wakes the chat again when it is due.
    Stop,
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
        let mut workers: JoinSet<(String, bool)> = JoinSet::new();
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
                        Ok((chat, attempted)) => {
                            active.remove(&chat);
                            if !attempted {
                                cooldown.insert(chat, tokio::time::Instant::now() + Duration::from_secs(1));
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
    /// Returns the chat, and whether anything was attempted.
    async fn chat_worker(
        self: Arc<Self>,
        chat: String,
        shutdown: CancellationToken,
    ) -> (String, bool) {
        let mut attempted = false;
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
        (chat, attempted)
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

    /// Telegram accepted a message to `chat`: it works. Ends a refused
    /// token and a failing spell; the chats that failed during the spell
    /// are due again now rather than at the end of their backoff.
    async fn worked(&self, chat: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (token_back, spell, told, flush) = {
            let mut st = self.state.lock();
            let token_back = st.health.bot_refused.take().is_some();
            st.paused_until = None;
            st.bot_refused_since = None;
            let spell = st.health.failing_since.take();
            let told = std::mem::take(&mut st.told_down);
            st.chats_failing.remove(chat);
            let mut flush = Vec::new();
            if let Some(since) = spell {
                st.chats_failing.retain(|c, failing| {
                    let in_spell = *failing >= since;
                    if in_spell {
                        flush.push(c.clone());
                    }
                    !in_spell
                });
            }
            (token_back, spell, told, flush)
        };
        self.metrics.telegram_bot_refused.set(0);
        self.metrics.telegram_failing.set(0);
        if token_back {
            tracing::info!("Telegram accepts the bot's token again");
        }
        if !flush.is_empty() {
            let n = self.store.call(move |s| s.due_now(&flush, now)).await?;
            if n > 0 {
                tracing::info!(
                    alerts = n,
                    "Telegram answers again; retrying the alerts that were waiting"
                );
                self.wake.notify_one();
            }
        }
        if let (Some(since), true) = (spell, told) {
            tracing::info!(since = %since, "Telegram works again");
            self.tell_admins(format!(
                "✅ Telegram works again (every send had failed since {}). \
                 The alerts that waited are being delivered, in order.",
                since.format("%Y-%m-%d %H:%M:%S UTC")
            ))
            .await?;
        }
        Ok(())
    }

    /// A passing failure for `chat`: returns how long the chat has been
    /// failing, and tells the admins once Telegram has failed every send
    /// for `down_after`.
    async fn failed_passing(
        &self,
        chat: &str,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<Duration, StoreError> {
        let (failing_for, newly_down) = {
            let mut st = self.state.lock();
            let since = *st.chats_failing.entry(chat.to_string()).or_insert(now);
            let spell = *st.health.failing_since.get_or_insert(now);
            let newly_down =
                !st.told_down && (now - spell).to_std().unwrap_or_default() >= self.down_after;
            st.told_down |= newly_down;
            (
                (now - since).to_std().unwrap_or_default(),
                newly_down.then_some(spell),
            )
        };
        self.metrics.telegram_failing.set(1);
        if let Some(spell) = newly_down {
            tracing::error!(since = %spell, error = %error, "Telegram has failed every send for a long time; alerts wait and are retried");
            self.tell_admins(format!(
                "⚠️ Telegram has failed every send since {} ({}). Last error: {error}\n\
                 Alerts wait and are retried, none is lost; vigia will say when it works again.",
                spell.format("%Y-%m-%d %H:%M:%S UTC"),
                humantime::format_duration(self.down_after)
            ))
            .await?;
        }
        Ok(failing_for)
    }

    /// Records what Telegram said about `alert`, and says whether the chat
    /// goes on.
    async fn settle(
        &self,
        alert: &PendingAlert,
        probe: bool,
        result: Result<Option<i32>, SendError>,
    ) -> Result<Next, StoreError> {
        let now = Utc::now();
        let (id, chat, channel) = (alert.id, alert.chat.clone(), alert.channel.clone());
        let notice = alert.notice.is_some();
        let error = match result {
            Ok(_) if matches!(self.sink, Sink::Stdout) => {
                // Printed is not delivered: the alert waits for a token.
                if !notice {
                    self.metrics.alerts_printed.inc();
                }
                self.store.call(move |s| s.mark_printed(id, now)).await?;
                return Ok(Next::Continue);
            }
            Ok(message_id) => {
                self.metrics.telegram_answer("ok");
                if !notice {
                    // Counted as soon as Telegram accepted it, before it is
                    // recorded: whoever sees the outbox empty sees the count.
                    let latency = (now - alert.created_at).to_std().unwrap_or_default();
                    self.metrics.alerts_sent.inc();
                    self.metrics.delivery_seconds.observe(latency.as_secs_f64());
                    tracing::info!(alert = id, channel = %channel, latency_ms = latency.as_millis() as u64, "alert delivered");
                }
                let delivered = self
                    .store
                    .call(move |s| s.mark_sent(id, message_id, now))
                    .await?;
                self.worked(&alert.chat, now).await?;
                if let Some(released) = delivered.resumed {
                    tracing::info!(channel = %channel, released, "channel works again; delivering its held alerts");
                    if !notice {
                        self.tell_admins(format!(
                            "✅ vigia can post to channel {channel} again. Its {} held alert(s) are being delivered, in order.",
                            released + 1
                        ))
                        .await?;
                    }
                }
                return Ok(Next::Continue);
            }
            Err(e) => e,
        };
        self.metrics.telegram_answer(error.kind());
        let message = error.to_string();
        let edit = alert.kind == EntryKind::Edit && alert.root_message.is_some();
        // Plain text is tried for HTML Telegram cannot parse, and for a
        // message refused for a reason it does not name (not for an edit:
        // the message it edits is already there).
        let try_plain = !alert.plain
            && !notice
            && (matches!(error, SendError::Unparsable(_))
                || matches!(error, SendError::MessageRefused(_)) && !edit);
        let recheck_held = self.recheck_held;
        match error {
            SendError::RetryAfter(wait) => {
                self.metrics.rate_limited.inc();
                tracing::warn!(channel = %channel, wait_s = wait.as_secs(), "Telegram rate limit; holding the chat");
                let until = after(now, wait);
                self.store
                    .call(move |s| {
                        s.chat_not_before(&chat, until)?;
                        if probe {
                            s.hold_chat(id, &chat, &message, now, |held_for| {
                                next_probe(now, held_for, recheck_held).max(until)
                            })?;
                            Ok(())
                        } else {
                            s.retry_at(id, now, &message)
                        }
                    })
                    .await?;
                Ok(Next::Stop)
            }
            SendError::Migrated(new) => {
                let new = new.to_string();
                let (old, to) = (chat.clone(), new.clone());
                let news = self.store.call(move |s| s.migrate_chat(&old, &to)).await?;
                if news {
                    tracing::warn!(channel = %channel, old = %chat, new = %new, "group migrated to a supergroup; alerts follow it");
                    self.tell_admins(format!(
                        "ℹ️ The group of channel {channel} became a supergroup: alerts now go to {new}. \
                         Set `{channel} = {new}` under [channels] in the config."
                    ))
                    .await?;
                }
                Ok(Next::Stop)
            }
            SendError::Unchanged => {
                // Only an edit can be unchanged, and it is handled as sent
                // in `Sink::send`; anything else saying so is a message
                // refused.
                self.give_up(alert, &message).await?;
                Ok(Next::Continue)
            }
            SendError::Unparsable(_) | SendError::MessageRefused(_) if try_plain => {
                tracing::warn!(channel = %channel, alert = id, error = %message, "Telegram refused the message; resending it as plain text");
                self.store
                    .call(move |s| s.resend_as(id, true, None, &message))
                    .await?;
                Ok(Next::Continue)
            }
            SendError::TooLong
                if alert.max_len.unwrap_or(format::MAX_MESSAGE) * 3 / 4 >= MIN_LEN =>
            {
                let shorter = alert.max_len.unwrap_or(format::MAX_MESSAGE) * 3 / 4;
                tracing::warn!(channel = %channel, alert = id, max_len = shorter, "Telegram found the alert too long; shortening it");
                self.store
                    .call(move |s| s.resend_as(id, false, Some(shorter), &message))
                    .await?;
                Ok(Next::Continue)
            }
            SendError::Unparsable(_) | SendError::TooLong | SendError::MessageRefused(_)
                if edit =>
            {
                tracing::warn!(channel = %channel, error = %message,
                    "could not add a report to its story's message; the report stays recorded");
                self.store.call(move |s| s.fail(id, &message)).await?;
                Ok(Next::Continue)
            }
            SendError::Unparsable(_) | SendError::TooLong | SendError::MessageRefused(_) => {
                // Refused as plain text too, or still "too long" at a
                // fraction of the limit: not this alert's markup or length.
                // Give it up, loudly, and go on with the chat.
                self.give_up(alert, &message).await?;
                Ok(Next::Continue)
            }
            SendError::ChatRefused(_) if notice => {
                tracing::error!(admin = %chat, error = %message,
                    "cannot message this admin; they must open a chat with the bot and press Start");
                self.store.call(move |s| s.fail(id, &message)).await?;
                Ok(Next::Continue)
            }
            SendError::ChatRefused(_) => {
                let reason = message.clone();
                let newly = self
                    .store
                    .call(move |s| {
                        s.hold_chat(id, &chat, &reason, now, |held_for| {
                            next_probe(now, held_for, recheck_held)
                        })
                    })
                    .await?;
                if newly {
                    tracing::error!(channel = %channel, error = %message, "channel refused; holding its alerts");
                    self.tell_admins(format!(
                        "⚠️ vigia cannot post to channel {channel} ({}): {message}\n\
                         Its alerts are held, not lost: they will be sent as soon as it works again \
                         (tried after {}, then less often, at least every {}, and at each restart).",
                        alert.chat,
                        humantime::format_duration(FIRST_PROBE.min(recheck_held)),
                        humantime::format_duration(recheck_held)
                    ))
                    .await?;
                } else {
                    tracing::debug!(channel = %channel, error = %message, "held channel still refused");
                }
                Ok(Next::Stop)
            }
            SendError::BotRefused(_) => {
                let newly = {
                    let mut st = self.state.lock();
                    let since = *st.bot_refused_since.get_or_insert(now);
                    let refused_for = (now - since).to_std().unwrap_or_default();
                    st.paused_until =
                        Some(tokio::time::Instant::now() + probe_wait(refused_for, recheck_held));
                    st.health.bot_refused.replace(message.clone()).is_none()
                };
                self.metrics.telegram_bot_refused.set(1);
                if newly {
                    tracing::error!(error = %message,
                        "Telegram refuses the bot's token: nothing can be sent; check TELEGRAM_BOT_TOKEN or telegram.token_file (alerts wait, none is lost)");
                }
                // Not an attempt at this alert: it waits, whatever its age.
                self.store
                    .call(move |s| s.retry_at(id, now, &message))
                    .await?;
                self.wake.notify_one();
                Ok(Next::Stop)
            }
            SendError::Passing(_) if probe => {
                tracing::debug!(channel = %channel, error = %message, "probe of a held channel failed");
                self.store
                    .call(move |s| {
                        s.hold_chat(id, &chat, &message, now, |held_for| {
                            next_probe(now, held_for, recheck_held)
                        })
                        .map(drop)
                    })
                    .await?;
                Ok(Next::Stop)
            }
            SendError::Passing(_) => {
                let age = (now - alert.created_at).to_std().unwrap_or_default();
                if age >= self.give_up_after {
                    self.give_up(alert, &message).await?;
                    return Ok(Next::Continue);
                }
                let failing_for = self.failed_passing(&chat, now, &message).await?;
                let wait = passing_wait(alert.attempts, failing_for);
                tracing::warn!(channel = %channel, alert = id, attempts = alert.attempts + 1,
                    retry_in_ms = wait.as_millis() as u64, error = %message, "alert not delivered; will retry");
                let until = after(now, wait);
                self.store
                    .call(move |s| s.retry_at(id, until, &message))
                    .await?;
                Ok(Next::Stop)
            }
        }
    }

    /// Marks an alert failed and tells the admins what was lost.
    async fn give_up(&self, alert: &PendingAlert, reason: &str) -> Result<(), StoreError> {
        let id = alert.id;
        let why = reason.to_string();
        self.store.call(move |s| s.fail(id, &why)).await?;
        if alert.notice.is_some() {
            tracing::error!(admin = %alert.chat, error = %reason, "gave up on an admin notice");
            return Ok(());
        }
        self.metrics.alerts_failed.inc();
        tracing::error!(channel = %alert.channel, alert = id, error = %reason, "gave up on an alert");
        let link = alert.link.as_deref().unwrap_or("(no link)");
        self.tell_admins(format!(
            "❌ An alert for channel {} could not be delivered and was given up after {} attempt(s): {reason}\n\n{}\n{link}",
            alert.channel,
            alert.attempts + 1,
            alert.title
        ))
        .await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(1200));
        assert!(backoff(3) >= Duration::from_millis(6400));
        assert!(backoff(60) <= MAX_BACKOFF.mul_f64(1.2));
    }
}
