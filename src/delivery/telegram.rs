//! The Telegram edge: sending and editing a message, and deciding what
//! Telegram's answer means for the message, the chat and the bot.
//!
//! Requests are teloxide's own payloads (`SendMessage`, `EditMessageText`),
//! serialized by teloxide and sent on the bot's one reqwest client; answers
//! are read into teloxide's types. The one thing done here rather than by
//! teloxide's request layer is reading the answer's envelope: teloxide drops
//! Telegram's `error_code`, and maps every description it does not know to
//! `ApiError::Unknown`, which says nothing about whether the chat, the
//! message or Telegram itself was at fault. vigia decides on the code first
//! ([`classify`]); the description only refines a 400 or a 401 into the
//! cases teloxide names. teloxide's layer would also sleep ten seconds on
//! every 5xx before answering, which holds the chat's worker for nothing.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use teloxide::requests::Payload;
use teloxide::{ApiError, Bot};

use teloxide::payloads::{
    EditMessageText, EditMessageTextSetters, SendMessage, SendMessageSetters,
};
use teloxide::types::{
    ChatId, LinkPreviewOptions, MessageId, ParseMode, Recipient, ReplyParameters,
};

use super::format::Mode;
use crate::config::{ChatRef, Secret};
use crate::store::{EntryKind, PendingAlert};

/// What Telegram (or the way to it) answered when a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// Telegram's JSON error: `{"ok": false, "error_code", "description", "parameters"}`.
    #[error("Telegram answered {code}: {description}")]
    Api {
        code: u16,
        description: String,
        retry_after: Option<Duration>,
        migrate_to: Option<i64>,
    },
    /// No answer: connection refused or cut, timeout, TLS.
    #[error("could not reach Telegram: {0}")]
    Network(String),
    /// An answer that is not the Bot API's JSON (a proxy's 502 page).
    #[error("unexpected answer from the Bot API (HTTP {status}): {body}")]
    Unreadable { status: u16, body: String },
}

/// What a failed send means, and so what delivery does about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// 429: nothing to that chat until it has passed.
    #[error("Telegram asked to wait {0:?} (429)")]
    RetryAfter(Duration),
    /// The group became a supergroup with this id.
    #[error("the group was migrated to supergroup {0}")]
    Migrated(i64),
    /// 400 can't parse entities: send it again as plain text.
    #[error("Telegram could not parse the message's HTML: {0}")]
    Unparsable(String),
    /// 400 message is too long: send it again shorter.
    #[error("Telegram found the message too long")]
    TooLong,
    /// 400 message is not modified: an edit sent twice has done its job.
    #[error("the message already reads so")]
    Unchanged,
    /// Any other 400 about this message: it alone is retried plain, then
    /// failed; the chat goes on.
    #[error("Telegram refused the message: {0}")]
    MessageRefused(String),
    /// The chat refused the bot (kicked, blocked, not found, no right to
    /// post): the chat is held and probed.
    #[error("Telegram refused the chat: {0}")]
    ChatRefused(String),
    /// 401 (or 404 on the bot's URL): the token is wrong or revoked, and
    /// nothing can be sent anywhere.
    #[error("Telegram refused the bot's token: {0}")]
    BotRefused(String),
    /// 5xx, a page that is not the Bot API's, no answer, or anything else:
    /// retried with backoff; says nothing about the chat.
    #[error("Telegram failed for now: {0}")]
    Passing(String),
}

impl SendError {
    /// The outcome's name, for logs and the `vigia_telegram_answers` metric.
    pub fn kind(&self) -> &'static str {
        match self {
            SendError::RetryAfter(_) => "rate-limited",
            SendError::Migrated(_) => "migrated",
            SendError::Unparsable(_) | SendError::TooLong | SendError::MessageRefused(_) => {
                "message-refused"
            }
            SendError::Unchanged => "unchanged",
            SendError::ChatRefused(_) => "chat-refused",
            SendError::BotRefused(_) => "bot-refused",
            SendError::Passing(_) => "passing",
        }
    }
}

/// Decides on Telegram's `error_code`. The description is read only to
/// tell the 400s teloxide names apart (can't parse, too long, chat not
/// found) and to keep a 401 about one chat from stopping the whole bot.
pub fn classify(error: CallError) -> SendError {
    let (code, description, retry_after, migrate_to) = match error {
        CallError::Network(e) => return SendError::Passing(e),
        CallError::Unreadable { status, body } => {
            return SendError::Passing(format!("HTTP {status}: {body}"))
        }
        CallError::Api {
            code,
            description,
            retry_after,
            migrate_to,
        } => (code, description, retry_after, migrate_to),
    };
    if let Some(wait) = retry_after {
        return SendError::RetryAfter(wait);
    }
    if let Some(to) = migrate_to {
        return SendError::Migrated(to);
    }
    let named: Option<ApiError> =
        serde_json::from_value(serde_json::Value::String(description.clone())).ok();
    match (code, named) {
        // A 429 without `retry_after`: wait as one usually asks.
        (429, _) => SendError::RetryAfter(Duration::from_secs(5)),
        (401, Some(ApiError::BotKicked | ApiError::CantInitiateConversation))
        | (401, Some(ApiError::CantTalkWithBots)) => SendError::ChatRefused(description),
        (401 | 404, _) => SendError::BotRefused(description),
        (403, _) => SendError::ChatRefused(description),
        (400, Some(ApiError::CantParseEntities(_))) => SendError::Unparsable(description),
        (400, Some(ApiError::MessageIsTooLong | ApiError::EditedMessageIsTooLong)) => {
            SendError::TooLong
        }
        (400, Some(ApiError::MessageNotModified)) => SendError::Unchanged,
        (400, Some(named)) if refuses_chat(&named) => SendError::ChatRefused(description),
        (400, _) if refuses_chat_unnamed(&description) => SendError::ChatRefused(description),
        (400, _) => SendError::MessageRefused(description),
        _ => SendError::Passing(format!("{code}: {description}")),
    }
}

/// The 400s teloxide names that are about the chat, not the message.
fn refuses_chat(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::ChatNotFound
            | ApiError::UserNotFound
            | ApiError::GroupDeactivated
            | ApiError::NotEnoughRightsToPostMessages
    )
}

/// 400s Telegram sends about a chat that teloxide does not name (seen from
/// the Bot API: a bot that lost the right to post, a private channel).
fn refuses_chat_unnamed(description: &str) -> bool {
    let d = description.to_ascii_lowercase();
    [
        "not enough rights to send",
        "have no rights to send",
        "chat_write_forbidden",
        "chat_restricted",
        "channel_private",
        "peer_id_invalid",
        "bot is not a member",
    ]
    .iter()
    .any(|s| d.contains(s))
}

/// The Bot API's envelope, every field optional so that any JSON reads.
#[derive(Deserialize)]
struct Envelope<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

/// The bot, for the requests delivery makes.
#[derive(Clone)]
pub struct Telegram {
    bot: Bot,
    token: Secret,
}

impl Telegram {
    /// A bot on `api_url` with the one reqwest client (rustls, vigia's
    /// user agent, teloxide's timeouts).
    pub fn new(token: Secret, api_url: url::Url) -> Self {
        let client = teloxide::net::default_reqwest_settings()
            .user_agent(crate::sources::fetch::USER_AGENT)
            .build()
            .expect("the Telegram client's settings are valid");
        let bot = Bot::with_client(token.expose(), client).set_api_url(api_url);
        Telegram { bot, token }
    }

    /// The teloxide bot, for the command loop (long polling, replies).
    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// Removes the token from a message (reqwest's errors carry the URL).
    pub fn redact(&self, message: impl Into<String>) -> String {
        redact(message.into(), &self.token)
    }

    /// Sends an alert's rendered `text` to its chat: a message of its own,
    /// a reply to its story's message, or an edit of it. `Ok` carries the
    /// message's id.
    pub async fn send_alert(
        &self,
        alert: &PendingAlert,
        text: String,
        mode: Mode,
    ) -> Result<Option<i32>, SendError> {
        let telegram = self;
        let chat = ChatRef::parse(&alert.chat)
            .ok_or_else(|| SendError::ChatRefused(format!("{:?} is not a chat id", alert.chat)))?;
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
            return match telegram.call(&request).await.map_err(classify) {
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
            .map_err(classify)
    }

    /// Calls the Bot API method of `payload` and reads its answer.
    pub async fn call<P>(&self, payload: &P) -> Result<P::Output, CallError>
    where
        P: Payload + Serialize,
        P::Output: DeserializeOwned,
    {
        let mut url = self.bot.api_url();
        url.path_segments_mut()
            .map_err(|()| CallError::Network("telegram.api_url cannot take a path".into()))?
            .push(&format!("bot{}", self.token.expose()))
            .push(P::NAME);
        let body = serde_json::to_vec(payload).expect("teloxide's payloads serialize");
        let network = |e: reqwest::Error| CallError::Network(self.redact(chain(&e.without_url())));
        let response = self
            .bot
            .client()
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(network)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(network)?;
        let unreadable = || CallError::Unreadable {
            status,
            body: self.redact(text.chars().take(200).collect::<String>()),
        };
        let envelope: Envelope<P::Output> =
            serde_json::from_str(&text).map_err(|_| unreadable())?;
        match envelope {
            Envelope {
                ok: true,
                result: Some(result),
                ..
            } => Ok(result),
            Envelope { ok: true, .. } => Err(unreadable()),
            Envelope {
                error_code,
                description,
                parameters,
                ..
            } => Err(CallError::Api {
                code: error_code.unwrap_or(status),
                description: self.redact(description.unwrap_or_default()),
                retry_after: parameters
                    .as_ref()
                    .and_then(|p| p.retry_after)
                    .map(Duration::from_secs),
                migrate_to: parameters.and_then(|p| p.migrate_to_chat_id),
            }),
        }
    }
}

/// An error and its sources, as one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn redact(message: String, token: &Secret) -> String {
    message.replace(token.expose(), "<token>")
}

/// A teloxide error from the command loop, as one line without the token.
pub fn describe(e: &teloxide::RequestError, token: &Secret) -> String {
    redact(chain(e), token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, description: &str) -> CallError {
        CallError::Api {
            code,
            description: description.into(),
            retry_after: None,
            migrate_to: None,
        }
    }

    #[test]
    fn the_code_decides_and_the_description_only_refines() {
        let cases = [
            (api(500, "Internal Server Error"), "passing"),
            (api(502, "Bad Gateway"), "passing"),
            (api(420, "FLOOD_WAIT_X"), "passing"),
            (api(401, "Unauthorized"), "bot-refused"),
            (api(404, "Not Found"), "bot-refused"),
            (
                api(403, "Forbidden: bot was kicked from the channel chat"),
                "chat-refused",
            ),
            (api(403, "Forbidden: something new"), "chat-refused"),
            (api(400, "Bad Request: chat not found"), "chat-refused"),
            (
                api(
                    400,
                    "Bad Request: need administrator rights in the channel chat",
                ),
                "chat-refused",
            ),
            (
                api(
                    400,
                    "Bad Request: not enough rights to send text messages to the chat",
                ),
                "chat-refused",
            ),
            (
                api(400, "Bad Request: message text is empty"),
                "message-refused",
            ),
            (api(400, "Bad Request: something new"), "message-refused"),
            (api(429, "Too Many Requests"), "rate-limited"),
            (CallError::Network("reset".into()), "passing"),
            (
                CallError::Unreadable {
                    status: 504,
                    body: "<html>".into(),
                },
                "passing",
            ),
        ];
        for (error, kind) in cases {
            assert_eq!(classify(error.clone()).kind(), kind, "{error}");
        }
        assert_eq!(
            classify(api(400, "Bad Request: can't parse entities: x")),
            SendError::Unparsable("Bad Request: can't parse entities: x".into())
        );
        assert_eq!(
            classify(api(400, "Bad Request: message is too long")),
            SendError::TooLong
        );
        assert_eq!(
            classify(CallError::Api {
                code: 400,
                description: "Bad Request: group chat was upgraded to a supergroup chat".into(),
                retry_after: None,
                migrate_to: Some(-100_042),
            }),
            SendError::Migrated(-100_042)
        );
        assert_eq!(
            classify(CallError::Api {
                code: 429,
                description: "Too Many Requests: retry after 7".into(),
                retry_after: Some(Duration::from_secs(7)),
                migrate_to: None,
            }),
            SendError::RetryAfter(Duration::from_secs(7))
        );
    }
}
