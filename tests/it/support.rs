//! Real servers on 127.0.0.1 for the tests: a fake Telegram Bot API that the
//! real teloxide client talks to, and a feed server with conditional GET.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Response, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Notify;

pub const TOKEN: &str = "123456:TEST-token-never-logged";

/// Serves `app` on a free port of 127.0.0.1 until the test ends.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// An address on 127.0.0.1 where nothing listens (bound, then released).
pub fn unused_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// How the fake answers the next sendMessage calls.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Ok,
    /// Every call fails with a 500 and an HTML body, as a bad gateway does.
    Failing,
    /// The next call gets a 429 with this retry_after, then calls succeed.
    RetryAfterOnce(u32),
}

/// One message the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub chat: String,
    pub text: String,
    pub parse_mode: Option<String>,
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
    /// Requests to this chat wait for [`FakeBot::release`] before answering.
    pub hold_chat: Option<String>,
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

async fn bot_method(
    State(bot): State<FakeBot>,
    Path((bot_token, method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response<Body> {
    let reply = |status: StatusCode, v: Value| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap()
    };
    if bot_token != format!("bot{TOKEN}") {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
        );
    }
    if !method.eq_ignore_ascii_case("sendMessage") {
        return reply(
            StatusCode::NOT_FOUND,
            json!({"ok": false, "error_code": 404, "description": "Not Found"}),
        );
    }
    let chat = chat_string(&body["chat_id"]);
    let text = body["text"].as_str().unwrap_or_default().to_string();
    let held = bot.state.lock().unwrap().hold_chat.as_deref() == Some(chat.as_str());
    if held {
        bot.release.acquire().await.unwrap().forget();
    }
    let now = Instant::now();
    let mut st = bot.state.lock().unwrap();
    st.calls.push((now, chat.clone()));
    if st
        .retry_not_before
        .iter()
        .any(|(c, t)| *c == chat && now < *t)
    {
        st.early_calls += 1;
    }
    let response = match st.mode.clone() {
        Mode::Failing => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from(
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ))
            .unwrap(),
        Mode::RetryAfterOnce(secs) => {
            st.mode = Mode::Ok;
            st.retry_not_before
                .push((chat.clone(), now + Duration::from_secs(secs.into())));
            reply(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"ok": false, "error_code": 429,
                       "description": format!("Too Many Requests: retry after {secs}"),
                       "parameters": {"retry_after": secs}}),
            )
        }
        Mode::Ok => {
            if let Some(description) =
                telegram_html_error(&text).filter(|_| body["parse_mode"] == "HTML")
            {
                reply(
                    StatusCode::BAD_REQUEST,
                    json!({"ok": false, "error_code": 400, "description": description}),
                )
            } else {
                st.sent.push(Sent {
                    chat: chat.clone(),
                    text: text.clone(),
                    parse_mode: body["parse_mode"].as_str().map(str::to_string),
                });
                let id = st.sent.len();
                let chat_id: i64 = chat.parse().unwrap_or(-1009999999999);
                let chat_obj = json!({"id": chat_id, "title": "Alerts", "type": "channel"});
                reply(
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
        }
    };
    drop(st);
    bot.changed.notify_waiters();
    response
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
                hold_chat: None,
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

/// One entry of the test feed.
#[derive(Debug, Clone)]
pub struct Entry {
    pub guid: String,
    pub title: String,
    pub description: String,
    pub published: chrono::DateTime<chrono::Utc>,
}

impl Entry {
    pub fn new(guid: &str, title: &str, description: &str, age: chrono::Duration) -> Self {
        Entry {
            guid: guid.into(),
            title: title.into(),
            description: description.into(),
            published: chrono::Utc::now() - age,
        }
    }
}

#[derive(Debug, Default)]
pub struct FeedState {
    pub entries: Vec<Entry>,
    /// Bodies served (200) and 304s answered.
    pub full: usize,
    pub not_modified: usize,
    /// Conditional headers seen on requests.
    pub saw_if_none_match: bool,
    pub saw_if_modified_since: bool,
}

#[derive(Clone)]
pub struct FeedServer {
    pub url: String,
    pub state: Arc<Mutex<FeedState>>,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// RSS 2.0 for `entries`, newest first as feeds publish.
pub fn rss(base: &str, entries: &[Entry]) -> String {
    let mut items = String::new();
    for e in entries.iter().rev() {
        items.push_str(&format!(
            "<item><title>{}</title><link>{base}/news/{}</link><guid isPermaLink=\"false\">{}</guid>\
             <description>{}</description><pubDate>{}</pubDate></item>\n",
            xml_escape(&e.title),
            e.guid,
            e.guid,
            xml_escape(&e.description),
            e.published.to_rfc2822()
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Test feed</title>\
         <link>{base}/</link><description>t</description>\n{items}</channel></rss>"
    )
}

async fn feed(State(server): State<FeedServer>, headers: HeaderMap) -> Response<Body> {
    let mut st = server.state.lock().unwrap();
    let base = server.url.trim_end_matches("/feed.xml").to_string();
    let body = rss(&base, &st.entries);
    let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(body.as_bytes()));
    let last_modified = "Wed, 21 Oct 2026 07:28:00 GMT";
    st.saw_if_none_match |= headers.contains_key(header::IF_NONE_MATCH);
    st.saw_if_modified_since |= headers.contains_key(header::IF_MODIFIED_SINCE);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        st.not_modified += 1;
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap();
    }
    st.full += 1;
    Response::builder()
        .header(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")
        .header(header::ETAG, etag)
        .header(header::LAST_MODIFIED, last_modified)
        .body(Body::from(body))
        .unwrap()
}

impl FeedServer {
    pub async fn start(entries: Vec<Entry>) -> Self {
        let mut server = FeedServer {
            url: String::new(),
            state: Arc::new(Mutex::new(FeedState {
                entries,
                ..Default::default()
            })),
        };
        let app = Router::new()
            .route("/feed.xml", get(feed))
            .with_state(server.clone());
        server.url = format!("http://{}/feed.xml", serve(app).await);
        server
    }

    pub fn push(&self, entry: Entry) {
        self.state.lock().unwrap().entries.push(entry);
    }
}

/// A config directory in a temp dir: `vigia.toml` pointing at `feed_url`,
/// the given Bot API URL, a names file, and the store inside it.
pub fn write_config(
    dir: &std::path::Path,
    feed_url: &str,
    api_url: &str,
    extra: &str,
) -> std::path::PathBuf {
    std::fs::write(
        dir.join("names.txt"),
        "Nahuel Gallo | Nahuel Agustín Gallo\nRocío San Miguel\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("detention.txt"),
        "# detention terms\ndetenid*\ndetienen\ndetención\narrested\npreso político\npresos políticos\n",
    )
    .unwrap();
    let toml = format!(
        r#"
[telegram]
api_url = "{api_url}"

[channels]
alerts = -1001234567890
cases = "@vigia_cases"

[store]
path = "data/vigia.db"

[defaults]
interval = "1h"
backfill = "1h"

[lists]
detention = "detention.txt"
venezuela = ["Venezuela", "Caracas", "SEBIN"]
noise = ["cardiac arrest"]

[names]
watch = "names.txt"

[[source]]
name = "Test feed"
kind = "feed"
url = "{feed_url}"
tags = ["test"]

[[rule]]
name = "detentions in Venezuela"
all = ["detention", "venezuela"]
none = ["noise"]
channels = ["alerts"]

[[rule]]
name = "watched people"
names = ["watch"]
channels = ["alerts", "cases"]
{extra}
"#
    );
    let path = dir.join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// `write_config`, polling every second: for tests that run the binary.
pub fn write_fast_config(
    dir: &std::path::Path,
    feed_url: &str,
    api_url: &str,
) -> std::path::PathBuf {
    let path = write_config(dir, feed_url, api_url, "");
    let toml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("interval = \"1h\"", "interval = \"1s\"");
    std::fs::write(&path, toml).unwrap();
    path
}

/// `vigia run --config CONFIG` as a child process, with `TELEGRAM_BOT_TOKEN`
/// set to `token` (or unset) and `RUST_LOG=log`.
pub fn spawn_run(
    config: &std::path::Path,
    token: Option<&str>,
    log: &str,
) -> tokio::process::Child {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_vigia"));
    cmd.args(["run", "--config", config.to_str().unwrap()])
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env("RUST_LOG", log)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if let Some(token) = token {
        cmd.env("TELEGRAM_BOT_TOKEN", token);
    }
    cmd.spawn().unwrap()
}

/// Lines of a child's output, read as they come.
pub struct Lines(
    tokio::io::Lines<tokio::io::BufReader<Box<dyn tokio::io::AsyncRead + Unpin + Send>>>,
);

impl Lines {
    pub fn new(stream: impl tokio::io::AsyncRead + Unpin + Send + 'static) -> Self {
        let stream: Box<dyn tokio::io::AsyncRead + Unpin + Send> = Box::new(stream);
        Lines(tokio::io::AsyncBufReadExt::lines(
            tokio::io::BufReader::new(stream),
        ))
    }

    /// Every line up to and including the first containing `needle`; panics
    /// after 30 s or at the end of the output without it.
    pub async fn until(&mut self, needle: &str) -> Vec<String> {
        let read = async {
            let mut seen = Vec::new();
            while let Some(line) = self.0.next_line().await.unwrap() {
                let done = line.contains(needle);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            panic!("output ended without {needle:?}:\n{}", seen.join("\n"));
        };
        tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .unwrap_or_else(|_| panic!("no line with {needle:?} within 30 s"))
    }

    /// The remaining lines, to the end of the output.
    pub async fn rest(mut self) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some(line) = self.0.next_line().await.unwrap() {
            seen.push(line);
        }
        seen
    }
}

/// Sends SIGTERM and waits (20 s at most) for the exit status.
pub async fn terminate(mut child: tokio::process::Child) -> std::process::ExitStatus {
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("vigia stops promptly on SIGTERM")
        .unwrap()
}
