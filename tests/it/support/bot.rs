//! A fake Telegram Bot API on 127.0.0.1, answering real Bot API JSON to the
//! real teloxide client. It enforces Telegram's rate limits with 429 and
//! `retry_after` (and counts requests that came before a `retry_after` had
//! passed), and injects faults on demand: 429 storms, 5xx with an HTML body,
//! dropped connections, slow answers, refused (kicked) chats, migrated
//! groups, HTML Telegram cannot parse, texts over 4096 characters.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, Response, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::{serve, TOKEN};

/// How the fake answers every sendMessage call.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Ok,
    /// Every call fails with a 502 and an HTML body, as a bad gateway does.
    Failing,
    /// The next call gets a 429 with this retry_after, then calls succeed.
    RetryAfterOnce(u32),
    /// Every call gets this fault until the instant passes, then calls succeed.
    FaultUntil(Instant, Fault),
    /// Every call is answered 401 Unauthorized, as for a revoked token.
    Unauthorized,
}

/// A one-off fault for the next call (to one chat, or any).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 with this `retry_after`.
    RetryAfter(u32),
    /// 500 with an HTML body.
    ServerError,
    /// 500 with Telegram's own JSON body.
    InternalServerError,
    /// 504 with an HTML body, as a proxy in front of the Bot API answers.
    GatewayTimeout,
    /// Any JSON error Telegram may answer: code and description.
    Api(u16, String),
    /// 502 with an HTML body.
    BadGateway,
    /// The connection is cut before an answer; the message is not accepted.
    Drop,
    /// 400: can't parse entities.
    CantParse,
    /// 400: message is too long.
    TooLong,
}

/// Telegram's limits, as (count, window): per chat, per group or channel,
/// overall. Calls beyond them get a 429.
#[derive(Debug, Clone, Copy)]
pub struct FakeLimits {
    pub chat: (usize, Duration),
    pub group: (usize, Duration),
    pub overall: (usize, Duration),
}

impl FakeLimits {
    /// Telegram's limits with every window divided by `scale`.
    pub fn scaled(scale: u32) -> Self {
        FakeLimits {
            chat: (1, Duration::from_secs(1) / scale),
            group: (20, Duration::from_secs(60) / scale),
            overall: (30, Duration::from_secs(1) / scale),
        }
    }

    /// The same limits in vigia's config.
    pub fn toml(&self) -> String {
        let rate = |(n, per): (usize, Duration)| format!("\"{n}/{}ms\"", per.as_millis());
        format!(
            "[telegram.limits]\nchat = {}\ngroup = {}\noverall = {}\n",
            rate(self.chat),
            rate(self.group),
            rate(self.overall)
        )
    }
}

/// One message the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub chat: String,
    pub text: String,
    pub parse_mode: Option<String>,
    pub at: Instant,
    /// The message this one answers (`reply_parameters.message_id`).
    pub reply_to: Option<i64>,
}

/// One editMessageText the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub chat: String,
    pub message_id: i64,
    pub text: String,
}

#[derive(Debug)]
pub struct BotState {
    pub mode: Mode,
    pub sent: Vec<Sent>,
    /// Every sendMessage call, accepted or not: (when, chat).
    pub calls: Vec<(Instant, String)>,
    /// When a chat may be sent to again, after a 429.
    pub retry_not_before: Vec<(String, Instant)>,
    /// Calls that came before their chat's retry_after had passed.
    pub early_calls: usize,
    /// 429s answered.
    pub rate_limited: usize,
    /// Requests to this chat wait for [`FakeBot::release`] before answering.
    pub hold_chat: Option<String>,
    /// Faults for the next calls: (chat or any, fault), first match wins.
    pub faults: VecDeque<(Option<String>, Fault)>,
    /// Chats that refuse the bot, with Telegram's description.
    pub refused: HashMap<String, String>,
    /// Groups that became supergroups.
    pub migrated: HashMap<String, i64>,
    pub limits: Option<FakeLimits>,
    /// Accepted messages are answered this late (the crash window).
    pub answer_delay: Option<Duration>,
    /// Updates for getUpdates.
    pub updates: Vec<Value>,
    /// What setMyCommands registered.
    pub commands: Option<Value>,
    /// Accepted editMessageText calls, in order.
    pub edits: Vec<Edit>,
    /// Every editMessageText call, accepted or not.
    pub edit_calls: usize,
    /// Faults for the next editMessageText calls (a cut connection, a 429).
    pub edit_faults: VecDeque<Fault>,
    /// getUpdates calls being answered now.
    pub get_updates_open: usize,
    /// getUpdates calls refused with 409 because another was open, as
    /// Telegram refuses a second bot instance reading updates.
    pub get_updates_conflicts: usize,
}

#[derive(Clone)]
pub struct FakeBot {
    pub url: String,
    pub state: Arc<Mutex<BotState>>,
    pub changed: Arc<Notify>,
    /// Lets held requests answer (one permit each).
    pub release: Arc<tokio::sync::Semaphore>,
}

/// Telegram's HTML parse mode accepts a few tags and four named entities;
/// anything else fails the whole message. The fake checks the same.
fn telegram_html_error(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('&') {
            let ok = ["lt;", "gt;", "amp;", "quot;"]
                .iter()
                .any(|e| after.starts_with(e));
            if !ok {
                let near: String = tail.chars().take(10).collect();
                return Some(format!(
                    "Bad Request: can't parse entities: unsupported entity at {near:?}"
                ));
            }
            rest = after;
        } else {
            let end = tail.find('>')?;
            let tag = &tail[1..end];
            let name = tag
                .trim_start_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or("");
            if !["b", "i", "a", "u", "s", "code", "pre", "blockquote"].contains(&name) {
                return Some(format!(
                    "Bad Request: can't parse entities: unsupported start tag {name:?}"
                ));
            }
            rest = &tail[end + 1..];
        }
    }
    None
}

fn chat_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json_reply(status: StatusCode, v: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(v.to_string()))
        .unwrap()
}

fn api_error(status: StatusCode, description: &str) -> Response<Body> {
    json_reply(
        status,
        json!({"ok": false, "error_code": status.as_u16(), "description": description}),
    )
}

fn html_error(status: StatusCode) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html")
        .body(Body::from(format!(
            "<html><body><h1>{status}</h1></body></html>"
        )))
        .unwrap()
}

fn too_many(st: &mut BotState, chat: &str, now: Instant, wait: Duration) -> Response<Body> {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    st.rate_limited += 1;
    st.retry_not_before
        .push((chat.to_string(), now + Duration::from_secs(secs)));
    json_reply(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"ok": false, "error_code": 429,
               "description": format!("Too Many Requests: retry after {secs}"),
               "parameters": {"retry_after": secs}}),
    )
}

/// How long until a call to `chat` at `now` would be within the limits.
fn over_limits(st: &BotState, chat: &str, now: Instant) -> Option<Duration> {
    let limits = st.limits?;
    let wait = |(count, per): (usize, Duration), times: &mut dyn Iterator<Item = Instant>| {
        let recent: Vec<Instant> = times.filter(|t| now.duration_since(*t) < per).collect();
        (recent.len() >= count).then(|| per - now.duration_since(recent[recent.len() - count]))
    };
    let to_chat = || st.sent.iter().filter(|s| s.chat == chat).map(|s| s.at);
    let group = chat.starts_with('-') || chat.starts_with('@');
    [
        wait(limits.chat, &mut to_chat()),
        group.then(|| wait(limits.group, &mut to_chat())).flatten(),
        wait(limits.overall, &mut st.sent.iter().map(|s| s.at)),
    ]
    .into_iter()
    .flatten()
    .max()
}

async fn bot_method(
    State(bot): State<FakeBot>,
    Path((bot_token, method)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    // Some methods (getMe) come without a JSON body.
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if bot_token != format!("bot{TOKEN}") {
        return api_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    if method.eq_ignore_ascii_case("getMe") {
        return json_reply(
            StatusCode::OK,
            json!({"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "vigia",
                   "username": "vigia_test_bot", "can_join_groups": true,
                   "can_read_all_group_messages": false, "supports_inline_queries": false,
                   "can_connect_to_business": false, "has_main_web_app": false}}),
        );
    }
    if method.eq_ignore_ascii_case("setMyCommands") {
        bot.with(|st| st.commands = Some(body["commands"].clone()));
        return json_reply(StatusCode::OK, json!({"ok": true, "result": true}));
    }
    if method.eq_ignore_ascii_case("getUpdates") {
        return get_updates(&bot, &body).await;
    }
    if method.eq_ignore_ascii_case("editMessageText") {
        return edit_message(&bot, &body);
    }
    if !method.eq_ignore_ascii_case("sendMessage") {
        return api_error(StatusCode::NOT_FOUND, "Not Found");
    }
    let chat = chat_string(&body["chat_id"]);
    let text = body["text"].as_str().unwrap_or_default().to_string();
    let held = bot.state.lock().unwrap().hold_chat.as_deref() == Some(chat.as_str());
    if held {
        bot.release.acquire().await.unwrap().forget();
    }
    let now = Instant::now();
    let (response, delay) = {
        let mut st = bot.state.lock().unwrap();
        let response = answer(&mut st, &chat, &text, &body, now);
        let accepted = response.status() == StatusCode::OK;
        (response, st.answer_delay.filter(|_| accepted))
    };
    bot.changed.notify_waiters();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

/// editMessageText: the message must exist in that chat; the same text
/// again is refused as Telegram does ("message is not modified").
fn edit_message(bot: &FakeBot, body: &Value) -> Response<Body> {
    let chat = chat_string(&body["chat_id"]);
    let text = body["text"].as_str().unwrap_or_default().to_string();
    let Some(message_id) = body["message_id"].as_i64() else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message identifier is not specified",
        );
    };
    if body["parse_mode"] == "HTML" {
        if let Some(description) = telegram_html_error(&text) {
            return api_error(StatusCode::BAD_REQUEST, &description);
        }
    }
    let mut st = bot.state.lock().unwrap();
    st.edit_calls += 1;
    match st.edit_faults.pop_front() {
        Some(Fault::Drop) => return cut_connection(),
        Some(Fault::RetryAfter(secs)) => {
            return too_many(
                &mut st,
                &chat,
                Instant::now(),
                Duration::from_secs(secs.into()),
            )
        }
        Some(other) => panic!("edits do not fake {other:?}"),
        None => {}
    }
    let exists = usize::try_from(message_id)
        .ok()
        .and_then(|i| st.sent.get(i.wrapping_sub(1)))
        .is_some_and(|m| m.chat == chat);
    if !exists {
        return api_error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message to edit not found",
        );
    }
    let current = st
        .edits
        .iter()
        .rev()
        .find(|e| e.message_id == message_id)
        .map(|e| e.text.clone())
        .unwrap_or_else(|| st.sent[message_id as usize - 1].text.clone());
    if current == text {
        return api_error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
    }
    if text.encode_utf16().count() > 4096 {
        return api_error(StatusCode::BAD_REQUEST, "Bad Request: MESSAGE_TOO_LONG");
    }
    st.edits.push(Edit {
        chat: chat.clone(),
        message_id,
        text: text.clone(),
    });
    drop(st);
    bot.changed.notify_waiters();
    let chat_id: i64 = chat.parse().unwrap_or(-1009999999999);
    let chat_obj = json!({"id": chat_id, "title": "Alerts", "type": "channel"});
    json_reply(
        StatusCode::OK,
        json!({"ok": true, "result": {
            "message_id": message_id,
            "sender_chat": chat_obj,
            "chat": chat_obj,
            "date": 1_732_233_600,
            "edit_date": 1_732_233_700,
            "text": text,
        }}),
    )
}

/// Long polling: the updates from `offset` on, waiting a moment for some.
/// Counts a getUpdates call as open until it is answered or its
/// connection goes.
struct OpenUpdates(FakeBot);

impl Drop for OpenUpdates {
    fn drop(&mut self) {
        self.0.state.lock().unwrap().get_updates_open -= 1;
    }
}

async fn get_updates(bot: &FakeBot, body: &Value) -> Response<Body> {
    let conflict = {
        let mut st = bot.state.lock().unwrap();
        st.get_updates_conflicts += usize::from(st.get_updates_open > 0);
        st.get_updates_open += 1;
        st.get_updates_open > 1
    };
    let _open = OpenUpdates(bot.clone());
    if conflict {
        return api_error(
            StatusCode::CONFLICT,
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        );
    }
    let offset = body["offset"].as_i64().unwrap_or(0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        let notified = bot.changed.notified();
        // Read without `with`, which would wake this very loop again: it
        // spun on a worker thread for the whole long poll, holding up
        // every other request the fake answered.
        let ready: Vec<Value> = bot
            .state
            .lock()
            .unwrap()
            .updates
            .iter()
            .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
            .cloned()
            .collect();
        if !ready.is_empty() || tokio::time::Instant::now() >= deadline {
            return json_reply(StatusCode::OK, json!({"ok": true, "result": ready}));
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

/// The first fault queued for `chat` (or for any chat), taken.
fn take_fault(st: &mut BotState, chat: &str) -> Option<Fault> {
    st.faults
        .iter()
        .position(|(c, _)| c.as_deref().is_none_or(|c| c == chat))
        .and_then(|i| st.faults.remove(i))
        .map(|(_, f)| f)
}

/// Headers, then the body breaks off: the client sees a cut connection.
fn cut_connection() -> Response<Body> {
    let broken = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection reset"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1000")
        .body(Body::from_stream(broken))
        .unwrap()
}

fn answer(st: &mut BotState, chat: &str, text: &str, body: &Value, now: Instant) -> Response<Body> {
    st.calls.push((now, chat.to_string()));
    if st
        .retry_not_before
        .iter()
        .any(|(c, t)| c == chat && now < *t)
    {
        st.early_calls += 1;
    }
    let fault = match st.mode.clone() {
        Mode::FaultUntil(until, fault) if now < until => Some(fault),
        Mode::FaultUntil(..) => {
            st.mode = Mode::Ok;
            take_fault(st, chat)
        }
        Mode::Unauthorized => return api_error(StatusCode::UNAUTHORIZED, "Unauthorized"),
        _ => take_fault(st, chat),
    };
    match fault {
        Some(Fault::RetryAfter(secs)) => {
            return too_many(st, chat, now, Duration::from_secs(secs.into()))
        }
        Some(Fault::ServerError) => return html_error(StatusCode::INTERNAL_SERVER_ERROR),
        Some(Fault::BadGateway) => return html_error(StatusCode::BAD_GATEWAY),
        Some(Fault::InternalServerError) => {
            return api_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
        Some(Fault::GatewayTimeout) => return html_error(StatusCode::GATEWAY_TIMEOUT),
        Some(Fault::Api(code, description)) => {
            return api_error(StatusCode::from_u16(code).unwrap(), &description)
        }
        Some(Fault::Drop) => return cut_connection(),
        Some(Fault::CantParse) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3",
            )
        }
        Some(Fault::TooLong) => {
            return api_error(StatusCode::BAD_REQUEST, "Bad Request: message is too long")
        }
        None => {}
    }
    match st.mode.clone() {
        Mode::Failing => return html_error(StatusCode::BAD_GATEWAY),
        Mode::RetryAfterOnce(secs) => {
            st.mode = Mode::Ok;
            return too_many(st, chat, now, Duration::from_secs(secs.into()));
        }
        Mode::Ok | Mode::FaultUntil(..) | Mode::Unauthorized => {}
    }
    if let Some(description) = st.refused.get(chat) {
        let status = if description.starts_with("Forbidden") {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        return api_error(status, &description.clone());
    }
    if let Some(new) = st.migrated.get(chat) {
        return json_reply(
            StatusCode::BAD_REQUEST,
            json!({"ok": false, "error_code": 400,
                   "description": "Bad Request: group chat was upgraded to a supergroup chat",
                   "parameters": {"migrate_to_chat_id": new}}),
        );
    }
    if let Some(wait) = over_limits(st, chat, now) {
        return too_many(st, chat, now, wait);
    }
    if body["parse_mode"] == "HTML" {
        if let Some(description) = telegram_html_error(text) {
            return api_error(StatusCode::BAD_REQUEST, &description);
        }
    }
    if text.encode_utf16().count() > 4096 {
        return api_error(StatusCode::BAD_REQUEST, "Bad Request: message is too long");
    }
    st.sent.push(Sent {
        chat: chat.to_string(),
        text: text.to_string(),
        parse_mode: body["parse_mode"].as_str().map(str::to_string),
        at: now,
        reply_to: body["reply_parameters"]["message_id"].as_i64(),
    });
    let id = st.sent.len();
    let chat_id: i64 = chat.parse().unwrap_or(-1009999999999);
    let kind = if chat_id > 0 { "private" } else { "channel" };
    let chat_obj = json!({"id": chat_id, "title": "Alerts", "first_name": "Admin", "type": kind});
    json_reply(
        StatusCode::OK,
        json!({"ok": true, "result": {
            "message_id": id,
            "sender_chat": chat_obj,
            "chat": chat_obj,
            "date": 1_732_233_600,
            "text": text,
        }}),
    )
}

impl FakeBot {
    pub async fn start() -> Self {
        let mut bot = FakeBot {
            url: String::new(),
            state: Arc::new(Mutex::new(BotState {
                mode: Mode::Ok,
                sent: Vec::new(),
                calls: Vec::new(),
                retry_not_before: Vec::new(),
                early_calls: 0,
                rate_limited: 0,
                hold_chat: None,
                faults: VecDeque::new(),
                refused: HashMap::new(),
                migrated: HashMap::new(),
                limits: None,
                answer_delay: None,
                updates: Vec::new(),
                commands: None,
                edits: Vec::new(),
                edit_calls: 0,
                edit_faults: VecDeque::new(),
                get_updates_open: 0,
                get_updates_conflicts: 0,
            })),
            changed: Arc::new(Notify::new()),
            release: Arc::new(tokio::sync::Semaphore::new(0)),
        };
        let app = Router::new()
            .route("/{bot}/{method}", post(bot_method))
            .with_state(bot.clone());
        bot.url = format!("http://{}", serve(app).await);
        bot
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    /// Runs `f` on the fake's state (to set faults, refuse a chat, …).
    pub fn with<T>(&self, f: impl FnOnce(&mut BotState) -> T) -> T {
        let out = f(&mut self.state.lock().unwrap());
        self.changed.notify_waiters();
        out
    }

    /// Queues a fault for the next call to `chat` (or any chat).
    pub fn fault(&self, chat: Option<&str>, fault: Fault) {
        self.with(|st| st.faults.push_back((chat.map(str::to_string), fault)));
    }

    /// Queues a private message from user `from` for getUpdates.
    pub fn message_from(&self, from: i64, text: &str) {
        self.with(|st| {
            let id = st.updates.len() as i64 + 1;
            let len = text.split_whitespace().next().unwrap_or("").len();
            st.updates.push(json!({"update_id": id, "message": {
                "message_id": id, "date": 1_732_233_600,
                "chat": {"id": from, "type": "private", "first_name": "Ana"},
                "from": {"id": from, "is_bot": false, "first_name": "Ana"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len}],
            }}));
        });
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().unwrap().sent.clone()
    }

    /// The texts accepted for one chat, in the order they came.
    pub fn texts_to(&self, chat: &str) -> Vec<String> {
        self.sent()
            .into_iter()
            .filter(|s| s.chat == chat)
            .map(|s| s.text)
            .collect()
    }

    /// Waits (without polling the clock) until `cond` holds, at most 30 s.
    pub async fn wait_for(&self, what: &str, cond: impl Fn(&BotState) -> bool) {
        self.wait_for_within(Duration::from_secs(30), what, cond)
            .await
    }

    /// [`FakeBot::wait_for`], at most `limit`.
    pub async fn wait_for_within(
        &self,
        limit: Duration,
        what: &str,
        cond: impl Fn(&BotState) -> bool,
    ) {
        let wait = async {
            loop {
                let notified = self.changed.notified();
                if cond(&self.state.lock().unwrap()) {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(limit, wait)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for the fake Bot API: {what}"));
    }
}
