//! Real servers on 127.0.0.1 for the tests: a fake Telegram Bot API that the
//! real teloxide client talks to ([`bot`]), and a feed server with
//! conditional GET; and helpers to run the real binary.

pub mod bot;
pub mod postgres;

use vigia::store as vigia_store;

pub use bot::{FakeBot, FakeLimits, Fault, Mode};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Response, StatusCode};
use axum::routing::get;
use axum::Router;

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

/// One entry of the test feed.
#[derive(Debug, Clone)]
pub struct Entry {
    pub guid: String,
    pub title: String,
    pub description: String,
    pub published: chrono::DateTime<chrono::Utc>,
    /// The item's link; by default a page of its own, `/news/{guid}`.
    pub link: Option<String>,
}

impl Entry {
    /// The test item most tests poll: a detention in Caracas, published
    /// five minutes ago, which every test config's detention rule alerts on.
    pub fn caracas_arrest(guid: &str) -> Self {
        Entry::new(
            guid,
            "Detienen a periodista en Caracas",
            "",
            chrono::Duration::minutes(5),
        )
    }

    pub fn new(guid: &str, title: &str, description: &str, age: chrono::Duration) -> Self {
        Entry {
            guid: guid.into(),
            title: title.into(),
            description: description.into(),
            published: chrono::Utc::now() - age,
            link: None,
        }
    }

    /// The entry, linking to `link`.
    pub fn linking_to(self, link: &str) -> Self {
        Entry {
            link: Some(link.into()),
            ..self
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
    /// Requests being answered now, and the most at once.
    pub in_flight: usize,
    pub most_in_flight: usize,
    /// Every answer waits this long: overlapping polls then show.
    pub delay: Option<Duration>,
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
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid>\
             <description>{}</description><pubDate>{}</pubDate></item>\n",
            xml_escape(&e.title),
            xml_escape(
                &e.link
                    .clone()
                    .unwrap_or_else(|| format!("{base}/news/{}", e.guid))
            ),
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
    let delay = {
        let mut st = server.state.lock().unwrap();
        st.in_flight += 1;
        st.most_in_flight = st.most_in_flight.max(st.in_flight);
        st.delay
    };
    let _done = InFlight(server.clone());
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    feed_body(&server, &headers)
}

/// Ends a request's count, however it ends (a poller killed mid-request).
struct InFlight(FeedServer);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.state.lock().unwrap().in_flight -= 1;
    }
}

fn feed_body(server: &FeedServer, headers: &HeaderMap) -> Response<Body> {
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

/// Report `n`'s title: a journalist's detention, or every fifth a day of a
/// watched person's (which also goes to the cases channel). Each tells a
/// story of its own: their numbers differ.
pub fn numbered_title(n: usize) -> String {
    if n.is_multiple_of(5) {
        format!("Nahuel Gallo: día {n} de su detención")
    } else {
        format!("Detienen al periodista {n} en Caracas")
    }
}

/// The report number of each message to `chat`, in arrival order.
pub fn arrived(sent: &[bot::Sent], chat: &str) -> Vec<usize> {
    sent.iter()
        .filter(|s| s.chat == chat)
        .map(|s| {
            let first = s.text.lines().next().unwrap();
            first
                .split(|c: char| !c.is_ascii_digit())
                .find(|s| !s.is_empty())
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

/// A report to record straight into a store: "Detienen a un periodista en
/// Caracas" at `https://example.org/KEY`, alerting rule `r` to each
/// (channel, chat) of `alerts` (recorded only, when there is none).
pub fn stored_report(key: &str, alerts: &[(&str, &str)]) -> vigia::store::NewItem {
    vigia::store::NewItem {
        key: vigia::sources::key_hash(key),
        aliases: Vec::new(),
        source: "S".into(),
        title: "Detienen a un periodista en Caracas".into(),
        link: Some(format!("https://example.org/{key}")),
        summary: String::new(),
        published: None,
        explanation: (!alerts.is_empty()).then(|| vigia::matching::Explanation {
            rules: vec!["r".into()],
            ..Default::default()
        }),
        alerts: alerts
            .iter()
            .map(|(channel, chat)| (channel.to_string(), chat.to_string()))
            .collect(),
        muted_rule: None,
        story: None,
    }
}

/// Checks the reports that arrived to `chat` (`got`, in arrival order):
/// every one of `expected` (sorted), and at most `kills` repeats, one per
/// crash. Returns how many repeated.
pub fn assert_all_arrived(got: &[usize], expected: &[usize], chat: &str, kills: usize) -> usize {
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    for n in got {
        *counts.entry(*n).or_default() += 1;
    }
    let keys: Vec<usize> = counts.keys().copied().collect();
    assert_eq!(keys, expected, "every alert to {chat} arrived");
    let repeats: usize = counts.values().map(|c| c - 1).sum();
    assert!(
        repeats <= kills,
        "{repeats} repeats to {chat} after {kills} kills: {got:?}"
    );
    repeats
}

/// Saves `text` as `path` the way many editors do: a temporary file in the
/// same folder, renamed over the original.
pub fn save_by_rename(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A config directory in a temp dir: `vigia.toml` pointing at `feed_url`,
/// the given Bot API URL, a names file, and the store inside it. Telegram's
/// limits are scaled down tenfold ([`FakeLimits::scaled`]).
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
{limits}"#,
        limits = FakeLimits::scaled(10).toml()
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
