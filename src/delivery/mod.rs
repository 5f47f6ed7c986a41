//! Delivery: the outbox worker that sends alerts (and admin notices) and
//! marks them sent only after Telegram's ok.
//!
//! One task per chat with something due, so a slow or refused chat never
//! holds up the others; within a chat, one message at a time, in the order
//! the items were found. Sends are paced within Telegram's limits
//! ([`pace`]). Failures are decided on teloxide's typed errors:
//!
//! | Telegram says                         | vigia does                                          |
//! |---------------------------------------|-----------------------------------------------------|
//! | 429 `retry_after`                     | nothing to that chat until it has passed            |
//! | `migrate_to_chat_id`                  | follows the supergroup, records it, tells admins    |
//! | can't parse entities                  | resends that alert as plain text                    |
//! | message is too long                   | resends it shorter                                  |
//! | the chat itself refused (blocked, kicked, not found, no rights, anything teloxide cannot name) | holds the chat's alerts, tells admins once, probes it every `recheck_held` and at start |
//! | network, timeout, 5xx                 | retries with backoff (1 s to 10 min, jittered); after `give_up_after`, fails it and tells admins |
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

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use teloxide::payloads::EditMessageTextSetters;
use teloxide::payloads::SendMessageSetters;
use teloxide::requests::Requester;
use teloxide::types::{
    ChatId, LinkPreviewOptions, MessageId, ParseMode, Recipient, ReplyParameters,
};
use teloxide::{ApiError, Bot, RequestError};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{ChatRef, Secret, TelegramConfig};
use crate::ops::metrics::Metrics;
use crate::store::{EntryKind, PendingAlert, Store, StoreError};
use format::Mode;
use pace::{Pacer, Ticket};

/// Longest wait between two attempts at one alert.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// Below this, "too long" is not about length: the alert fails.
const MIN_LEN: usize = 256;

/// Why a send did not succeed, decided on teloxide's typed errors. Messages
/// never contain the bot token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("Telegram asked to wait {0:?} (429)")]
    RetryAfter(Duration),
    #[error("the group was migrated to supergroup {0}")]
    Migrated(i64),
    #[error("Telegram could not parse the message's HTML: {0}")]
    Unparsable(String),
    #[error("Telegram found the message too long")]
    TooLong,
    #[error("Telegram refused the chat: {0}")]
    ChatRefused(String),
    #[error("could not reach Telegram: {0}")]
    Network(String),
    #[error("Telegram refused to edit the story's message: {0}")]
    EditRefused(String),
}

/// Where alerts go.
pub enum Sink {
    Telegram {
        bot: Bot,
        token: Secret,
    },
    /// No token: alerts are printed on standard output.
    Stdout,
}

impl Sink {
    pub fn telegram(token: Secret, api_url: url::Url) -> Self {
        let client = teloxide::net::default_reqwest_settings()
            .user_agent(crate::sources::fetch::USER_AGENT)
            .build()
            .expect("the Telegram client's settings are valid");
        let bot = Bot::with_client(token.expose(), client).set_api_url(api_url);
        Sink::Telegram { bot, token }
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
            Sink::Telegram { bot, token } => {
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
                    let mut request = bot
                        .edit_message_text(recipient, MessageId(root), text)
                        .link_preview_options(preview);
                    if mode == Mode::Html {
                        request = request.parse_mode(ParseMode::Html);
                    }
                    return match request.await {
                        // An edit that changes nothing (sent twice after a
                        // crash) has done its job.
                        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => {
                            Ok(Some(root))
                        }
                        Err(e) => Err(classify_edit(e, token)),
                    };
                }
                let mut request = bot
                    .send_message(recipient, text)
                    .link_preview_options(preview);
                if mode == Mode::Html {
                    request = request.parse_mode(ParseMode::Html);
                }
                if let (EntryKind::Reply, Some(root)) = (alert.kind, alert.root_message) {
                    request = request.reply_parameters(
                        ReplyParameters::new(MessageId(root)).allow_sending_without_reply(),
                    );
                }
                request
                    .await
                    .map(|m| Some(m.id.0))
                    .map_err(|e| classify(e, token))
            }
        }
    }
}

/// Like [`classify`], for an edit: Telegram refusing to edit the message
/// (deleted, too old, not the bot's) says nothing about the chat, so it
/// fails that edit alone instead of holding the channel.
fn classify_edit(e: RequestError, token: &Secret) -> SendError {
    match classify(e, token) {
        SendError::ChatRefused(reason) => SendError::EditRefused(reason),
        other => other,
    }
}

/// Maps teloxide's error to what delivery does about it, removing the token
/// from any message (reqwest's errors carry the request URL, which holds it).
pub fn classify(e: RequestError, token: &Secret) -> SendError {
    let redact = |s: String| s.replace(token.expose(), "<token>");
    match e {
        RequestError::RetryAfter(s) => SendError::RetryAfter(s.duration()),
        RequestError::MigrateToChatId(ChatId(id)) => SendError::Migrated(id),
        RequestError::Api(ApiError::CantParseEntities(msg)) => SendError::Unparsable(redact(msg)),
        RequestError::Api(ApiError::MessageIsTooLong | ApiError::EditedMessageIsTooLong) => {
            SendError::TooLong
        }
        // Every other refusal of a sendMessage is about the chat: the bot
        // was blocked, kicked or never added, the chat does not exist, the
        // bot may not post, the token is wrong. What teloxide cannot name
        // is treated the same: held, and shown to the admins, never lost.
        RequestError::Api(api) => SendError::ChatRefused(redact(api_message(&api))),
        RequestError::Network(e) => {
            let mut msg = e.to_string();
            let mut source = std::error::Error::source(&*e);
            while let Some(s) = source {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                source = s.source();
            }
            SendError::Network(redact(msg))
        }
        RequestError::InvalidJson { raw, .. } => {
            let raw: String = raw.chars().take(200).collect();
            SendError::Network(redact(format!("unexpected answer from the Bot API: {raw}")))
        }
        RequestError::Io(e) => SendError::Network(redact(e.to_string())),
    }
}

fn api_message(api: &ApiError) -> String {
    match api {
        ApiError::Unknown(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Wait before attempt `attempts + 1`: 1 s doubling to 10 min, ±20% jitter.
fn backoff(attempts: i64) -> Duration {
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 10)).min(MAX_BACKOFF);
    base.mul_f64(0.8 + fastrand::f64() * 0.4)
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
    wake: Arc<Notify>,
    passes: watch::Sender<u64>,
}

struct Inner {
    store: Arc<Store>,
    sink: Sink,
    admins: Vec<i64>,
    give_up_after: Duration,
    recheck_held: Duration,
    pacer: Mutex<Pacer>,
    /// Poked when a send is answered: a pacing slot may have opened.
    answered: Notify,
    metrics: Arc<Metrics>,
    /// Bumped after every attempt, so observers can re-check the outbox.
    passes: watch::Sender<u64>,
}

impl Delivery {
    /// `wake` is poked when alerts are recorded; `passes` is bumped after
    /// each attempt and each scheduling round.
    pub fn new(
        store: Arc<Store>,
        sink: Sink,
        telegram: &TelegramConfig,
        wake: Arc<Notify>,
        passes: watch::Sender<u64>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let inner = Inner {
            store,
            sink,
            admins: telegram.admins.clone(),
            give_up_after: telegram.give_up_after,
            recheck_held: telegram.recheck_held,
            pacer: Mutex::new(Pacer::new(telegram.limits)),
            answered: Notify::new(),
            metrics,
            passes: passes.clone(),
        };
        Delivery {
            inner: Arc::new(inner),
            wake,
            passes,
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
            let mut sleep = Duration::from_secs(3600);
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
            match self.inner.store.call(|s| s.schedule()).await {
                Ok(schedule) => {
                    for due in schedule {
                        if active.contains(&due.chat) {
                            continue;
                        }
                        if let Some(until) = cooldown.get(&due.chat) {
                            sleep = sleep.min(until.duration_since(tokio::time::Instant::now()));
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
            }
            self.passes.send_modify(|n| *n += 1);
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.wake.notified() => {}
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
            if shutdown.is_cancelled() {
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

    /// Queues a notice to the admins, or logs why none can be sent.
    async fn tell_admins(&self, text: String) -> Result<(), StoreError> {
        if self.admins.is_empty() {
            tracing::warn!(notice = %text, "no telegram.admins to tell");
            return Ok(());
        }
        let admins = self.admins.clone();
        self.store
            .call(move |s| s.notice(&admins, &text, Utc::now()))
            .await?;
        Ok(())
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
            Ok(message_id) => {
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
        let message = error.to_string();
        match error {
            SendError::RetryAfter(wait) => {
                self.metrics.rate_limited.inc();
                tracing::warn!(channel = %channel, wait_s = wait.as_secs(), "Telegram rate limit; holding the chat");
                let until = now + chrono::Duration::from_std(wait).unwrap_or_default();
                self.store
                    .call(move |s| {
                        s.chat_not_before(&chat, until)?;
                        if probe {
                            s.hold_chat(id, &chat, &message, now, until)?;
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
            SendError::Unparsable(_) if !alert.plain => {
                tracing::warn!(channel = %channel, alert = id, error = %message, "resending as plain text");
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
            SendError::Unparsable(_) | SendError::TooLong => {
                // Plain text that cannot be parsed, or a message still "too
                // long" at a fraction of the limit: not this alert's length
                // or markup. Give it up, loudly, and go on with the chat.
                self.give_up(alert, &message).await?;
                Ok(Next::Continue)
            }
            SendError::EditRefused(_) => {
                tracing::warn!(channel = %channel, error = %message,
                    "could not add a report to its story's message; the report stays recorded");
                self.store.call(move |s| s.fail(id, &message)).await?;
                Ok(Next::Continue)
            }
            SendError::ChatRefused(_) if notice => {
                tracing::error!(admin = %chat, error = %message,
                    "cannot message this admin; they must open a chat with the bot and press Start");
                self.store.call(move |s| s.fail(id, &message)).await?;
                Ok(Next::Continue)
            }
            SendError::ChatRefused(_) => {
                let probe_at =
                    now + chrono::Duration::from_std(self.recheck_held).unwrap_or_default();
                let reason = message.clone();
                let newly = self
                    .store
                    .call(move |s| s.hold_chat(id, &chat, &reason, now, probe_at))
                    .await?;
                if newly {
                    tracing::error!(channel = %channel, error = %message, "channel refused; holding its alerts");
                    self.tell_admins(format!(
                        "⚠️ vigia cannot post to channel {channel} ({}): {message}\n\
                         Its alerts are held, not lost: they will be sent as soon as it works again \
                         (tried every {}, and at each restart).",
                        alert.chat,
                        humantime::format_duration(self.recheck_held)
                    ))
                    .await?;
                } else {
                    tracing::debug!(channel = %channel, error = %message, "held channel still refused");
                }
                Ok(Next::Stop)
            }
            SendError::Network(_) if probe => {
                let probe_at =
                    now + chrono::Duration::from_std(self.recheck_held).unwrap_or_default();
                tracing::debug!(channel = %channel, error = %message, "probe of a held channel failed");
                self.store
                    .call(move |s| s.hold_chat(id, &chat, &message, now, probe_at).map(drop))
                    .await?;
                Ok(Next::Stop)
            }
            SendError::Network(_) => {
                let age = (now - alert.created_at).to_std().unwrap_or_default();
                if age >= self.give_up_after {
                    self.give_up(alert, &message).await?;
                    return Ok(Next::Continue);
                }
                let wait = backoff(alert.attempts);
                tracing::warn!(channel = %channel, alert = id, attempts = alert.attempts + 1,
                    retry_in_s = wait.as_secs(), error = %message, "alert not delivered; will retry");
                let until = now + chrono::Duration::from_std(wait).unwrap_or_default();
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
