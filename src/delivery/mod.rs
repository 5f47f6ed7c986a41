//! Delivery: the outbox worker that sends pending alerts and marks them sent
//! only after the sink's ok.
//!
//! Alerts leave the outbox in the order they were found; when an alert to a
//! chat fails, later alerts to that chat wait for it, so a channel never sees
//! them out of order. Failures are classified on teloxide's typed errors:
//! a 429 holds the whole chat for its `retry_after`, a migrated group is
//! followed to its new id, anything else is retried with exponential backoff
//! and jitter, for as long as it takes.

pub mod format;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use teloxide::payloads::SendMessageSetters;
use teloxide::requests::Requester;
use teloxide::types::{ChatId, LinkPreviewOptions, ParseMode, Recipient};
use teloxide::{ApiError, Bot, RequestError};
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use crate::config::{ChatRef, Secret};
use crate::store::{PendingAlert, Store, StoreError};
use format::Mode;

/// Longest wait between two attempts at one alert.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// Alerts fetched from the outbox per pass.
const BATCH: usize = 100;

/// Why a send did not succeed, decided on teloxide's typed errors. Messages
/// never contain the bot token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("Telegram asked to wait {0:?} (429)")]
    RetryAfter(Duration),
    #[error("the group was migrated to supergroup {0}")]
    Migrated(i64),
    #[error("Telegram refused the message: {0}")]
    Refused(String),
    #[error("could not reach Telegram: {0}")]
    Network(String),
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

    /// Sends one alert; `Ok` carries Telegram's message id.
    pub async fn send(&self, alert: &PendingAlert) -> Result<Option<i32>, SendError> {
        match self {
            Sink::Stdout => {
                use std::io::Write;
                let text = format::render(alert, Mode::Plain);
                let mut out = std::io::stdout().lock();
                let _ = writeln!(
                    out,
                    "──── alert for channel {} ────\n{text}\n",
                    alert.channel
                );
                let _ = out.flush();
                Ok(None)
            }
            Sink::Telegram { bot, token } => {
                let chat = ChatRef::parse(&alert.chat)
                    .ok_or_else(|| SendError::Refused(format!("invalid chat {:?}", alert.chat)))?;
                let recipient = match chat {
                    ChatRef::Id(id) => Recipient::Id(ChatId(id)),
                    ChatRef::Username(name) => Recipient::ChannelUsername(name),
                };
                let text = format::render(alert, Mode::Html);
                bot.send_message(recipient, text)
                    .parse_mode(ParseMode::Html)
                    .link_preview_options(LinkPreviewOptions {
                        is_disabled: false,
                        url: None,
                        prefer_small_media: true,
                        prefer_large_media: false,
                        show_above_text: false,
                    })
                    .await
                    .map(|m| Some(m.id.0))
                    .map_err(|e| classify(e, token))
            }
        }
    }
}

/// Maps teloxide's error to ours, removing the token from any message
/// (reqwest's errors carry the request URL, which contains it).
pub fn classify(e: RequestError, token: &Secret) -> SendError {
    let redact = |s: String| s.replace(token.expose(), "<token>");
    match e {
        RequestError::RetryAfter(s) => SendError::RetryAfter(s.duration()),
        RequestError::MigrateToChatId(ChatId(id)) => SendError::Migrated(id),
        RequestError::Api(api) => SendError::Refused(redact(api_message(&api))),
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

/// The outbox worker.
pub struct Delivery {
    pub store: Arc<Store>,
    pub sink: Sink,
    /// Poked when new alerts are recorded.
    pub wake: Arc<Notify>,
    /// Bumped after every pass, so observers can re-check the outbox.
    pub passes: watch::Sender<u64>,
}

impl Delivery {
    /// Sends until `shutdown`; an alert in flight when it fires is finished
    /// (and recorded), the rest stay pending for the next start.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let failed = self.pass(&shutdown).await.err();
            if let Some(e) = &failed {
                tracing::error!(error = %e, "delivery pass failed; retrying shortly");
            }
            self.passes.send_modify(|n| *n += 1);
            let next = self.store.call(|s| s.next_due()).await.ok().flatten();
            let mut sleep = match next {
                Some(at) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO),
                None => Duration::from_secs(3600),
            };
            if failed.is_some() {
                // A store that fails now will likely fail at once again.
                sleep = sleep.max(Duration::from_secs(1));
            }
            if sleep.is_zero() && !shutdown.is_cancelled() {
                continue;
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(sleep.max(Duration::from_millis(10))) => {}
            }
        }
        tracing::debug!("delivery stopped");
    }

    /// Sends what is due: chats in parallel, so a slow or failing chat
    /// does not hold up the others; within a chat, in order.
    async fn pass(&self, shutdown: &CancellationToken) -> Result<(), StoreError> {
        let due = self.store.call(|s| s.due_alerts(Utc::now(), BATCH)).await?;
        let mut by_chat: Vec<Vec<PendingAlert>> = Vec::new();
        for alert in due {
            match by_chat.iter_mut().find(|q| q[0].chat == alert.chat) {
                Some(queue) => queue.push(alert),
                None => by_chat.push(vec![alert]),
            }
        }
        let sends = by_chat
            .into_iter()
            .map(|queue| self.send_queue(queue, shutdown));
        futures_util::future::join_all(sends)
            .await
            .into_iter()
            .collect()
    }

    /// Sends one chat's due alerts in order, stopping at the first that fails
    /// (the rest wait behind it, as the outbox query keeps them).
    async fn send_queue(
        &self,
        queue: Vec<PendingAlert>,
        shutdown: &CancellationToken,
    ) -> Result<(), StoreError> {
        for alert in queue {
            if shutdown.is_cancelled() {
                break;
            }
            let result = self.sink.send(&alert).await;
            let now = Utc::now();
            let (id, chat) = (alert.id, alert.chat.clone());
            match result {
                Ok(message_id) => {
                    let latency = (now - alert.created_at).num_milliseconds();
                    tracing::info!(alert = id, channel = %alert.channel, latency_ms = latency, "alert delivered");
                    self.store
                        .call(move |s| s.mark_sent(id, message_id, now))
                        .await?;
                }
                Err(SendError::RetryAfter(wait)) => {
                    tracing::warn!(channel = %alert.channel, wait_s = wait.as_secs(), "Telegram rate limit; holding the chat");
                    let until = now + chrono::Duration::from_std(wait).unwrap_or_default();
                    return self.store.call(move |s| s.defer_chat(&chat, until)).await;
                }
                Err(SendError::Migrated(new)) => {
                    tracing::warn!(channel = %alert.channel, old = %chat, new, "group migrated to a supergroup; update [channels] in the config");
                    let new = new.to_string();
                    // The retargeted alerts are due now: the next pass sends them.
                    return self.store.call(move |s| s.retarget_chat(&chat, &new)).await;
                }
                Err(e) => {
                    let wait = backoff(alert.attempts);
                    tracing::warn!(channel = %alert.channel, alert = id, attempts = alert.attempts + 1,
                        retry_in_s = wait.as_secs(), error = %e, "alert not delivered; will retry");
                    let until = now + chrono::Duration::from_std(wait).unwrap_or_default();
                    let msg = e.to_string();
                    return self.store.call(move |s| s.defer(id, until, &msg)).await;
                }
            }
        }
        Ok(())
    }
}

/// The alert `vigia send-test` sends: it reads like a real one.
pub fn test_alert(channel: &str, chat: &str) -> PendingAlert {
    PendingAlert {
        id: 0,
        channel: channel.to_string(),
        chat: chat.to_string(),
        attempts: 0,
        created_at: Utc::now(),
        source: "vigia".into(),
        title: "Test alert: vigia can post to this channel".into(),
        link: None,
        summary: "If you can read this, alerts will arrive here.".into(),
        published: Some(Utc::now()),
        explanation: crate::matching::Explanation {
            rules: vec!["send-test".into()],
            ..Default::default()
        },
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
