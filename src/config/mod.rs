//! Configuration: `vigia.toml` and the list and names files it names.
//!
//! Compiled in two stages, as Vector does: serde reads raw structs that keep
//! the byte span of every value, then [`Config::load`] validates them into the
//! runtime config, collecting *every* problem (file, line, what is wrong)
//! rather than stopping at the first. Paths inside `vigia.toml` are relative
//! to the file's own folder.

pub mod lists;
pub mod opml;
mod page;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

pub use lists::{Lang, Person, Term};
pub use page::{BadSelector, PageSelectors};

/// Where the config is looked for when neither `--config` nor `$VIGIA_CONFIG` says.
pub const DEFAULT_PATH: &str = "config/vigia.toml";

/// One problem (or warning) found in the config, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong, in an operator's words.
    pub message: String,
}

impl Diagnostic {
    pub fn at(file: &Path, line: usize, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: Some(line),
            message: message.into(),
        }
    }

    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} error(s) in the config:\n{}", .0.len(), join_lines(.0))]
    Invalid(Vec<Diagnostic>),
    #[error("cannot read the bot token from {path} ({origin}): {source}")]
    TokenFile {
        path: PathBuf,
        /// `telegram.token_file` or `TELEGRAM_BOT_TOKEN_FILE`.
        origin: &'static str,
        source: std::io::Error,
    },
    #[error("the bot token file {path} ({origin}) is empty")]
    EmptyToken { path: PathBuf, origin: &'static str },
    #[error("{name}={value:?}: {problem}")]
    Env {
        name: &'static str,
        value: String,
        problem: String,
    },
}

fn join_lines(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bot token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The token itself, for the one place that needs it: the Telegram client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A Telegram chat: a numeric id, or a public `@channelusername`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChatRef {
    Id(i64),
    Username(String),
}

impl ChatRef {
    /// Parses the form the store keeps: an integer, or `@name`.
    pub fn parse(s: &str) -> Option<Self> {
        if let Ok(id) = s.parse() {
            return Some(Self::Id(id));
        }
        let name = s.strip_prefix('@')?;
        let valid = name.len() >= 4 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        valid.then(|| Self::Username(s.to_string()))
    }
}

impl fmt::Display for ChatRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Username(name) => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TelegramConfig {
    /// Bot API base URL: Telegram's, a local Bot API server, or a test fake.
    pub api_url: url::Url,
    /// Where the token is read from when `TELEGRAM_BOT_TOKEN` is not set.
    pub token_file: Option<PathBuf>,
    /// User ids allowed to run admin commands; they get operational notices.
    pub admins: Vec<i64>,
    /// An alert that still cannot be delivered this long after it was found
    /// (network down, Telegram failing) is marked failed and admins are told.
    pub give_up_after: Duration,
    /// How often a channel Telegram refused (bot removed, chat not found) is
    /// tried again; its alerts are held meanwhile.
    pub recheck_held: Duration,
    /// Telegram failing every send (5xx, no answer) this long tells the
    /// admins, and again when it works.
    pub down_after: Duration,
    /// How fast vigia sends, to stay within Telegram's limits.
    pub limits: RateLimits,
}

/// How log lines are written (to standard error).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// At most `count` messages in any window of `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn new(count: u32, per: Duration) -> Self {
        Rate { count, per }
    }

    /// Parses `"20/1m"`: a count, a slash, a duration.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (count, per) = s
            .split_once('/')
            .ok_or_else(|| "write it as a count and a duration, like \"20/1m\"".to_string())?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{:?} is not a positive count", count.trim()))?;
        let per = humantime::parse_duration(per.trim())
            .map_err(|e| format!("{:?} is not a duration ({e})", per.trim()))?;
        if per.is_zero() {
            return Err("the duration must not be zero".into());
        }
        Ok(Rate { count, per })
    }
}

/// Telegram's limits for bots, as the Bot API FAQ states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Any one chat: about one message per second.
    pub chat: Rate,
    /// A group or channel: 20 messages per minute.
    pub group: Rate,
    /// All chats together: 30 messages per second.
    pub overall: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            chat: Rate::new(1, Duration::from_secs(1)),
            group: Rate::new(20, Duration::from_secs(60)),
            overall: Rate::new(30, Duration::from_secs(1)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// RSS, Atom or JSON Feed, over HTTP or from a local file.
    Feed,
    /// A Google News search, read as its RSS feed.
    GoogleNews,
    /// An HTML page without a feed, read with CSS selectors.
    Page,
    /// A public Telegram channel's web preview, `https://t.me/s/<channel>`.
    TelegramChannel,
}

/// Google News' search feed for `query` in `lang` (en, es, pt), with the
/// interface language, country and edition that go together.
pub fn google_news_url(query: &str, lang: &str) -> Option<String> {
    let (hl, gl, ceid) = match lang {
        "en" => ("en-US", "US", "US:en"),
        "es" => ("es-419", "MX", "MX:es-419"),
        "pt" => ("pt-BR", "BR", "BR:pt-419"),
        _ => return None,
    };
    let mut url = url::Url::parse("https://news.google.com/rss/search").expect("constant URL");
    url.query_pairs_mut()
        .append_pair("q", query)
        .append_pair("hl", hl)
        .append_pair("gl", gl)
        .append_pair("ceid", ceid);
    Some(url.into())
}

/// Google News asks for no more than this.
pub const MIN_GOOGLE_NEWS_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Unique name: shown in alerts, and the key of the source's state in the store.
    pub name: String,
    pub kind: SourceKind,
    /// What is fetched: an http(s) URL, or a `file://` URL for a local feed.
    pub url: String,
    /// A `page` source's selectors.
    pub page: Option<PageSelectors>,
    pub interval: Duration,
    /// Labels that rules can require.
    pub tags: Vec<String>,
    /// The language of its items (`lang`), else detected per item.
    pub lang: Option<Lang>,
}

/// A term list: its name and terms as written.
#[derive(Debug, Clone)]
pub struct TermList {
    pub name: String,
    /// The file the terms came from (`vigia.toml` for inline lists).
    pub file: PathBuf,
    pub terms: Vec<Term>,
}

/// A names file: the people it watches.
#[derive(Debug, Clone)]
pub struct NamesList {
    pub name: String,
    pub file: PathBuf,
    pub people: Vec<Person>,
}

/// A rule, with lists and names resolved to indexes into [`Config::lists`]
/// and [`Config::names`].
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// Items must come from a source carrying one of these tags (when non-empty).
    pub tags: Vec<String>,
    pub all: Vec<usize>,
    pub any: Vec<usize>,
    pub none: Vec<usize>,
    /// The `all` matches must lie within this many words of each other.
    pub near: Option<usize>,
    pub names: Vec<usize>,
    /// Channel names (keys of [`Config::channels`]).
    pub channels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The main file, as given.
    pub path: PathBuf,
    pub telegram: TelegramConfig,
    pub channels: BTreeMap<String, ChatRef>,
    pub store_path: PathBuf,
    /// Items are kept this long (their keys for ever).
    pub retention: Duration,
    pub http_listen: Option<SocketAddr>,
    pub interval: Duration,
    pub backfill: Duration,
    /// A source failing this long is reported to the admins (once, and
    /// again when it recovers).
    pub source_down_after: Duration,
    /// Least time between two requests to one host (they never overlap).
    pub host_gap: Duration,
    /// An alerting item joins a story last reported within this long.
    pub story_window: Duration,
    pub log_format: LogFormat,
    pub lists: Vec<TermList>,
    pub names: Vec<NamesList>,
    pub sources: Vec<Source>,
    pub rules: Vec<Rule>,
    /// Things that are valid but probably not meant (a list no rule uses).
    pub warnings: Vec<Diagnostic>,
}

// ---- raw, as serde reads it ----------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    telegram: RawTelegram,
    #[serde(default)]
    channels: BTreeMap<String, Spanned<RawChat>>,
    #[serde(default)]
    store: RawStore,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    log: RawLog,
    #[serde(default)]
    lists: BTreeMap<Spanned<String>, Spanned<RawList>>,
    #[serde(default)]
    names: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default, rename = "source")]
    sources: Vec<Spanned<RawSource>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLog {
    format: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTelegram {
    api_url: Option<Spanned<String>>,
    token_file: Option<String>,
    #[serde(default)]
    admins: Vec<i64>,
    give_up_after: Option<Spanned<String>>,
    recheck_held: Option<Spanned<String>>,
    down_after: Option<Spanned<String>>,
    #[serde(default)]
    limits: RawLimits,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    chat: Option<Spanned<String>>,
    group: Option<Spanned<String>>,
    overall: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawChat {
    Id(i64),
    Name(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<String>,
    retention: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    listen: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    interval: Option<Spanned<String>>,
    backfill: Option<Spanned<String>>,
    source_down_after: Option<Spanned<String>>,
    host_gap: Option<Spanned<String>>,
    story_window: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawList {
    File(String),
    Inline(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    kind: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    // google-news
    query: Option<Spanned<String>>,
    lang: Option<Spanned<String>>,
    // telegram-channel
    channel: Option<Spanned<String>>,
    interval: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    // page
    item: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    all: Vec<Spanned<String>>,
    #[serde(default)]
    any: Vec<Spanned<String>>,
    #[serde(default)]
    none: Vec<Spanned<String>>,
    near: Option<Spanned<i64>>,
    #[serde(default)]
    names: Vec<Spanned<String>>,
    #[serde(default)]
    channels: Vec<Spanned<String>>,
}

// ---- compiling ------------------------------------------------------------

/// The shortest poll interval accepted; anything faster is impolite to publishers.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

struct Compiler<'a> {
    file: &'a Path,
    dir: PathBuf,
    src: &'a str,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Compiler<'_> {
    fn line(&self, offset: usize) -> usize {
        self.src[..offset.min(self.src.len())].matches('\n').count() + 1
    }

    fn error<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        let line = self.line(at.span().start);
        self.errors.push(Diagnostic::at(self.file, line, message));
    }

    fn warn<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        let line = self.line(at.span().start);
        self.warnings.push(Diagnostic::at(self.file, line, message));
    }

    fn duration(
        &mut self,
        raw: &Option<Spanned<String>>,
        key: &str,
        default: Duration,
    ) -> Duration {
        let Some(raw) = raw else { return default };
        match humantime::parse_duration(raw.get_ref().trim()) {
            Ok(d) => d,
            Err(e) => {
                let msg = format!(
                    "`{key}` = {:?} is not a duration ({e}); write it like \"90s\", \"5m\" or \"1h30m\"",
                    raw.get_ref()
                );
                self.error(raw, msg);
                default
            }
        }
    }

    /// A poll interval: a duration of at least [`MIN_INTERVAL`].
    fn interval(
        &mut self,
        raw: &Option<Spanned<String>>,
        key: &str,
        default: Duration,
    ) -> Duration {
        let interval = self.duration(raw, key, default);
        if let Some(raw) = raw {
            if interval < MIN_INTERVAL {
                self.error(raw, format!("`{key}` must be at least 1s"));
            }
        }
        interval
    }

    fn resolve(&self, path: &str) -> PathBuf {
        self.dir.join(path)
    }
}

impl Config {
    /// Reads and validates the config at `path` and every file it names.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let src = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::parse(path, &src)?;
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Validates `src` as if read from `path` (list files are read relative to it).
    pub fn parse(path: &Path, src: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = match toml::from_str(src) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| src[..s.start.min(src.len())].matches('\n').count() + 1);
                return Err(ConfigError::Invalid(vec![Diagnostic {
                    file: path.to_path_buf(),
                    line,
                    message: e.message().to_string(),
                }]));
            }
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let mut c = Compiler {
            file: path,
            dir,
            src,
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let config = compile(&mut c, raw);
        if c.errors.is_empty() {
            Ok(Config {
                warnings: c.warnings,
                ..config
            })
        } else {
            Err(ConfigError::Invalid(c.errors))
        }
    }

    /// The bot token: `TELEGRAM_BOT_TOKEN`, else the file named by
    /// `TELEGRAM_BOT_TOKEN_FILE` (the container convention), else
    /// `telegram.token_file`; `None` when none is set (alerts are then
    /// printed, and kept for Telegram). A file that is named but missing or
    /// empty is an error: the operator meant to send.
    pub fn telegram_token(&self) -> Result<Option<Secret>, ConfigError> {
        if let Ok(token) = std::env::var("TELEGRAM_BOT_TOKEN") {
            if !token.trim().is_empty() {
                return Ok(Some(Secret::new(token.trim())));
            }
        }
        let from_env = std::env::var_os("TELEGRAM_BOT_TOKEN_FILE")
            .filter(|p| !p.is_empty())
            .map(|p| (PathBuf::from(p), "TELEGRAM_BOT_TOKEN_FILE"));
        let from_config = || {
            self.telegram
                .token_file
                .clone()
                .map(|p| (p, "telegram.token_file"))
        };
        let Some((path, origin)) = from_env.or_else(from_config) else {
            return Ok(None);
        };
        let token = std::fs::read_to_string(&path).map_err(|source| ConfigError::TokenFile {
            path: path.clone(),
            origin,
            source,
        })?;
        if token.trim().is_empty() {
            return Err(ConfigError::EmptyToken { path, origin });
        }
        Ok(Some(Secret::new(token.trim())))
    }

    /// Settings a container sets from its environment, over the file's:
    /// `VIGIA_HTTP_LISTEN`, `VIGIA_STORE_PATH`, `VIGIA_TELEGRAM_API_URL`,
    /// `VIGIA_LOG_FORMAT`. An empty variable is ignored.
    pub fn apply_env(
        &mut self,
        var: impl Fn(&'static str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let get = |name| var(name).filter(|v| !v.trim().is_empty());
        let bad = |name, value: &str, problem: &str| ConfigError::Env {
            name,
            value: value.to_string(),
            problem: problem.to_string(),
        };
        if let Some(v) = get("VIGIA_HTTP_LISTEN") {
            self.http_listen = Some(v.trim().parse().map_err(|_| {
                bad(
                    "VIGIA_HTTP_LISTEN",
                    &v,
                    "not an address like \"0.0.0.0:9187\"",
                )
            })?);
        }
        if let Some(v) = get("VIGIA_STORE_PATH") {
            self.store_path = PathBuf::from(v.trim());
        }
        if let Some(v) = get("VIGIA_TELEGRAM_API_URL") {
            self.telegram.api_url = url::Url::parse(v.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| bad("VIGIA_TELEGRAM_API_URL", &v, "not an http(s) URL"))?;
        }
        if let Some(v) = get("VIGIA_LOG_FORMAT") {
            self.log_format = match v.trim() {
                "human" => LogFormat::Human,
                "json" => LogFormat::Json,
                _ => return Err(bad("VIGIA_LOG_FORMAT", &v, "must be \"human\" or \"json\"")),
            };
        }
        Ok(())
    }

    /// The source with this name.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// A `page` source's selectors: `item` and `title` required, each one
/// parsed, so a typo is reported with its line before it is deployed.
fn page_selectors(
    c: &mut Compiler<'_>,
    name: &str,
    at: &Spanned<RawSource>,
    src: &RawSource,
) -> Option<PageSelectors> {
    let get = |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.get_ref().trim().to_string());
    let (Some(item), Some(title)) = (get(&src.item), get(&src.title)) else {
        c.error(
            at,
            format!("source {name:?}: a page needs the selectors `item` and `title`"),
        );
        return None;
    };
    let parsed = PageSelectors::parse(
        &item,
        &title,
        get(&src.link).as_deref(),
        get(&src.date).as_deref(),
        get(&src.summary).as_deref(),
    );
    let selectors = match parsed {
        Ok(selectors) => selectors,
        Err(e) => {
            let key = match e.key {
                "item" => &src.item,
                "title" => &src.title,
                "link" => &src.link,
                "date" => &src.date,
                _ => &src.summary,
            };
            let msg = format!("source {name:?}: selector `{}` = {}", e.key, e.message);
            match key {
                Some(k) => c.error(k, msg),
                None => c.error(at, msg),
            }
            return None;
        }
    };
    Some(selectors)
}

/// A feed's `url`: an http(s) URL, or a local file (relative to the config's
/// folder), returned as a `file://` URL.
fn feed_location(c: &mut Compiler<'_>, name: &str, raw: &Spanned<String>) -> String {
    let given = raw.get_ref().trim();
    match url::Url::parse(given) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => return given.to_string(),
        Ok(u) if u.scheme() == "file" => return given.to_string(),
        // A Windows drive letter parses as a scheme; anything else with a
        // scheme is a mistake.
        Ok(u) if u.scheme().len() > 1 => {
            c.error(
                raw,
                format!("source {name:?}: url {given:?} is neither an http(s) URL nor a file path"),
            );
            return String::new();
        }
        _ => {}
    }
    let path = c.resolve(given);
    if !path.is_file() {
        c.error(
            raw,
            format!(
                "source {name:?}: {} is not an http(s) URL, and no such file exists",
                path.display()
            ),
        );
        return String::new();
    }
    let path = path.canonicalize().unwrap_or(path);
    url::Url::from_file_path(&path)
        .map(String::from)
        .unwrap_or_default()
}

fn compile(c: &mut Compiler<'_>, raw: RawConfig) -> Config {
    // telegram
    let api_url = match &raw.telegram.api_url {
        None => url::Url::parse("https://api.telegram.org").expect("constant URL"),
        Some(s) => match url::Url::parse(s.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => {
                let msg = format!("telegram.api_url {:?} is not an http(s) URL", s.get_ref());
                c.error(s, msg);
                url::Url::parse("https://api.telegram.org").expect("constant URL")
            }
        },
    };
    let defaults = RateLimits::default();
    let mut rate = |raw: &Option<Spanned<String>>, key: &str, default: Rate| match raw {
        None => default,
        Some(s) => Rate::parse(s.get_ref()).unwrap_or_else(|e| {
            c.error(
                s,
                format!("`telegram.limits.{key}` = {:?}: {e}", s.get_ref()),
            );
            default
        }),
    };
    let limits = RateLimits {
        chat: rate(&raw.telegram.limits.chat, "chat", defaults.chat),
        group: rate(&raw.telegram.limits.group, "group", defaults.group),
        overall: rate(&raw.telegram.limits.overall, "overall", defaults.overall),
    };
    let telegram = TelegramConfig {
        api_url,
        token_file: raw.telegram.token_file.as_deref().map(|p| c.resolve(p)),
        admins: raw.telegram.admins.clone(),
        give_up_after: c.interval(
            &raw.telegram.give_up_after,
            "telegram.give_up_after",
            Duration::from_secs(24 * 3600),
        ),
        recheck_held: c.interval(
            &raw.telegram.recheck_held,
            "telegram.recheck_held",
            Duration::from_secs(300),
        ),
        down_after: c.interval(
            &raw.telegram.down_after,
            "telegram.down_after",
            Duration::from_secs(600),
        ),
        limits,
    };

    // channels
    let mut channels = BTreeMap::new();
    for (name, chat) in &raw.channels {
        let parsed = match chat.get_ref() {
            RawChat::Id(id) => Some(ChatRef::Id(*id)),
            RawChat::Name(s) => ChatRef::parse(s.trim()),
        };
        match parsed {
            Some(chat) => {
                channels.insert(name.clone(), chat);
            }
            None => c.error(
                chat,
                format!("channel `{name}` must be a numeric chat id (like -1001234567890) or \"@channelusername\""),
            ),
        }
    }

    let store_path = c.resolve(raw.store.path.as_deref().unwrap_or("../data/vigia.db"));
    let http_listen = raw
        .http
        .listen
        .as_ref()
        .and_then(|l| match l.get_ref().parse() {
            Ok(addr) => Some(addr),
            Err(_) => {
                let msg = format!(
                    "http.listen {:?} is not an address like \"127.0.0.1:9187\"",
                    l.get_ref()
                );
                c.error(l, msg);
                None
            }
        });
    let interval = c.interval(
        &raw.defaults.interval,
        "defaults.interval",
        Duration::from_secs(600),
    );
    let backfill = c.duration(&raw.defaults.backfill, "defaults.backfill", Duration::ZERO);
    let host_gap = c.duration(
        &raw.defaults.host_gap,
        "defaults.host_gap",
        Duration::from_secs(1),
    );
    let log_format = match raw.log.format.as_ref().map(|f| (f, f.get_ref().as_str())) {
        None | Some((_, "human")) => LogFormat::Human,
        Some((_, "json")) => LogFormat::Json,
        Some((at, other)) => {
            c.error(
                at,
                format!("`log.format` = {other:?}: write \"human\" or \"json\""),
            );
            LogFormat::Human
        }
    };
    let source_down_after = c.duration(
        &raw.defaults.source_down_after,
        "defaults.source_down_after",
        Duration::from_secs(6 * 3600),
    );
    let retention = c.duration(
        &raw.store.retention,
        "store.retention",
        Duration::from_secs(90 * 24 * 3600),
    );
    let story_window = c.duration(
        &raw.defaults.story_window,
        "defaults.story_window",
        Duration::from_secs(72 * 3600),
    );

    // lists
    let mut lists = Vec::new();
    for (name, list) in &raw.lists {
        let (file, terms) = match list.get_ref() {
            RawList::Inline(terms) => {
                let line = c.line(list.span().start);
                let terms = terms
                    .iter()
                    .map(|t| Term {
                        text: t.trim().to_string(),
                        line,
                        lang: None,
                    })
                    .collect();
                (c.file.to_path_buf(), terms)
            }
            RawList::File(rel) => {
                let path = c.resolve(rel);
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        let terms = lists::parse_list(&text, &path, &mut c.errors);
                        (path, terms)
                    }
                    Err(e) => {
                        let msg = format!(
                            "list `{}`: cannot read {}: {e}",
                            name.get_ref(),
                            path.display()
                        );
                        c.error(list, msg);
                        continue;
                    }
                }
            }
        };
        for term in &terms {
            if let Some(Err(e)) = crate::text::forms::expand(&term.text, term.lang) {
                c.errors.push(Diagnostic::at(
                    &file,
                    term.line,
                    format!("term {:?}: {e}", term.text),
                ));
                continue;
            }
            // Only a term's last word may be a stem; a `*` inside is read as
            // nothing and the term would never match.
            if term.text.trim_end_matches('*').contains('*') {
                c.errors.push(Diagnostic::at(
                    &file,
                    term.line,
                    format!(
                        "term {:?}: `*` may only end a term; write the words in full, \
                         or mark a word's forms with `+`",
                        term.text
                    ),
                ));
                continue;
            }
            if crate::text::normalize::fold(term.text.trim_end_matches('*')).is_empty() {
                c.warnings.push(Diagnostic::at(
                    &file,
                    term.line,
                    format!(
                        "term {:?} has no letters or digits and can never match",
                        term.text
                    ),
                ));
            }
        }
        lists.push(TermList {
            name: name.get_ref().clone(),
            file,
            terms,
        });
    }

    // Each term as the matcher reads it: folded, whether a stem, whether
    // it stands for its word forms, and its language.
    type Key = (String, bool, bool, Option<Lang>);
    let folded: Vec<Vec<Key>> = lists
        .iter()
        .map(|list| {
            let fold = |t: &Term| crate::text::normalize::fold(t.text.trim_end_matches('*'));
            list.terms
                .iter()
                .map(|t| {
                    let forms = t.text.split_whitespace().any(|w| w.ends_with('+'));
                    (fold(t), t.text.ends_with('*'), forms, t.lang)
                })
                .collect()
        })
        .collect();

    // The same term twice, in one list or two: a term in both `detention`
    // and `noise` vetoes itself; one in two lists a rule requires together
    // satisfies both at once.
    let mut first_seen: BTreeMap<&Key, (usize, usize)> = BTreeMap::new();
    for (l, (list, folded)) in lists.iter().zip(&folded).enumerate() {
        for (t, (term, key)) in list.terms.iter().zip(folded).enumerate() {
            if key.0.is_empty() {
                continue;
            }
            match first_seen.get(key) {
                None => {
                    first_seen.insert(key, (l, t));
                }
                Some(&(l0, t0)) => {
                    let (other, at) = (&lists[l0], &lists[l0].terms[t0]);
                    let place = if l0 == l {
                        "earlier in the same list".to_string()
                    } else {
                        format!("in list `{}`", other.name)
                    };
                    c.warnings.push(Diagnostic::at(
                        &list.file,
                        term.line,
                        format!(
                            "term {:?} is also {place} ({}:{}, as {:?})",
                            term.text,
                            other.file.display(),
                            at.line,
                            at.text
                        ),
                    ));
                }
            }
        }
    }

    // A term a stem of its own list already matches (`activista*` beside
    // `activist*`): the list hits the same either way, and an alert would
    // name both for one word.
    for (list, folded) in lists.iter().zip(&folded) {
        let stems: HashMap<&str, usize> = folded
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, (text, stem, _, _))| *stem && !text.is_empty())
            .map(|(t, (text, ..))| (text.as_str(), t))
            .collect();
        for (term, (text, stem, _, lang)) in list.terms.iter().zip(folded) {
            // Its own text as a stem is the same term (or one listed
            // twice, warned about above), not a shorter one. A stem scoped
            // to a language covers only terms of that language.
            let covering = text
                .char_indices()
                .map(|(at, _)| at)
                .skip(1)
                .chain((!stem).then_some(text.len()))
                .filter_map(|end| stems.get(&text[..end]))
                .find(|&&s| list.terms[s].lang.is_none_or(|l| Some(l) == *lang));
            if let Some(&s) = covering {
                let by = &list.terms[s];
                c.warnings.push(Diagnostic::at(
                    &list.file,
                    term.line,
                    format!(
                        "term {:?} is redundant: {:?} (line {}) already matches it",
                        term.text, by.text, by.line
                    ),
                ));
            }
        }
    }

    // names
    let mut names = Vec::new();
    for (name, rel) in &raw.names {
        let path = c.resolve(rel.get_ref());
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let people = lists::parse_names(&text, &path, &mut c.errors);
                names.push(NamesList {
                    name: name.get_ref().clone(),
                    file: path,
                    people,
                });
            }
            Err(e) => {
                let msg = format!(
                    "names `{}`: cannot read {}: {e}",
                    name.get_ref(),
                    path.display()
                );
                c.error(rel, msg);
            }
        }
    }

    // sources
    let mut sources: Vec<Source> = Vec::new();
    for s in &raw.sources {
        let src = s.get_ref();
        let name = src.name.get_ref().trim().to_string();
        if name.is_empty() {
            c.error(&src.name, "a source's name must not be empty");
        } else if sources.iter().any(|o| o.name == name) {
            c.error(
                &src.name,
                format!("a second source is named {name:?}; names must be unique"),
            );
        }
        let kind = match src.kind.as_ref().map(|k| k.get_ref().as_str()) {
            None | Some("feed") => SourceKind::Feed,
            Some("google-news") => SourceKind::GoogleNews,
            Some("page") => SourceKind::Page,
            Some("telegram-channel") => SourceKind::TelegramChannel,
            Some(other) => {
                let k = src.kind.as_ref().expect("matched Some");
                c.error(
                    k,
                    format!("source {name:?}: unknown kind {other:?} (known: \"feed\", \"page\", \"telegram-channel\", \"google-news\")"),
                );
                SourceKind::Feed
            }
        };
        let has_selectors = [&src.item, &src.title, &src.link, &src.date, &src.summary]
            .iter()
            .any(|s| s.is_some());
        if has_selectors && kind != SourceKind::Page {
            c.warn(s, format!("source {name:?}: selectors (item, title, link, date, summary) are only for kind \"page\"; ignored"));
        }
        if src.channel.is_some() && kind != SourceKind::TelegramChannel {
            c.warn(
                s,
                format!(
                    "source {name:?}: `channel` is only for kind \"telegram-channel\"; ignored"
                ),
            );
        }
        let page = (kind == SourceKind::Page).then(|| page_selectors(c, &name, s, src));
        let mut interval = c.interval(&src.interval, "interval", interval);
        let url = match kind {
            SourceKind::Page => match &src.url {
                Some(raw) => {
                    let url = raw.get_ref().trim().to_string();
                    if !url::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                    {
                        c.error(
                            raw,
                            format!("source {name:?}: url {url:?} is not an http(s) URL"),
                        );
                    }
                    url
                }
                None => {
                    c.error(s, format!("source {name:?}: a page needs a `url`"));
                    String::new()
                }
            },
            SourceKind::TelegramChannel => {
                if let Some(u) = &src.url {
                    c.error(u, format!("source {name:?}: a telegram-channel source is built from `channel`; remove `url`"));
                }
                match &src.channel {
                    Some(ch) => {
                        let handle = ch.get_ref().trim().trim_start_matches('@');
                        let valid = handle.len() >= 4
                            && handle
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_');
                        if !valid {
                            c.error(ch, format!("source {name:?}: channel {:?} is not a public channel's username (like \"@elpitazotv\")", ch.get_ref()));
                        }
                        format!("https://t.me/s/{handle}")
                    }
                    None => {
                        c.error(s, format!("source {name:?}: a telegram-channel source needs `channel` (its public @username)"));
                        String::new()
                    }
                }
            }
            SourceKind::Feed => {
                if src.query.is_some() {
                    c.warn(
                        s,
                        format!(
                            "source {name:?}: `query` is only for kind \"google-news\"; ignored"
                        ),
                    );
                }
                match &src.url {
                    None => {
                        c.error(
                            s,
                            format!("source {name:?}: a feed needs a `url` (or a local file path)"),
                        );
                        String::new()
                    }
                    Some(raw) => feed_location(c, &name, raw),
                }
            }
            SourceKind::GoogleNews => {
                if let Some(u) = &src.url {
                    c.error(u, format!("source {name:?}: a google-news source is built from `query` and `lang`; remove `url`"));
                }
                let lang = src.lang.as_ref().map(|l| l.get_ref().trim().to_string());
                let query = src.query.as_ref().map(|q| q.get_ref().trim().to_string());
                match (query.filter(|q| !q.is_empty()), lang) {
                    (None, _) => {
                        c.error(
                            s,
                            format!(
                                "source {name:?}: a google-news source needs a non-empty `query`"
                            ),
                        );
                        String::new()
                    }
                    (Some(q), lang) => {
                        let lang = lang.unwrap_or_else(|| "en".into());
                        google_news_url(&q, &lang).unwrap_or_else(|| {
                            let at = src.lang.as_ref().expect("only a given lang can be unknown");
                            c.error(at, format!("source {name:?}: lang {lang:?} is not one of \"en\", \"es\", \"pt\""));
                            String::new()
                        })
                    }
                }
            }
        };
        if kind == SourceKind::GoogleNews && interval < MIN_GOOGLE_NEWS_INTERVAL {
            match &src.interval {
                Some(at) => c.error(
                    at,
                    format!(
                        "source {name:?}: a google-news source is polled at most once a minute"
                    ),
                ),
                None => interval = MIN_GOOGLE_NEWS_INTERVAL,
            }
        }
        let lang = src.lang.as_ref().and_then(|l| {
            let parsed = Lang::parse(l.get_ref());
            if parsed.is_none() && kind != SourceKind::GoogleNews {
                c.error(
                    l,
                    format!(
                        "source {name:?}: lang {:?} is not one of \"en\", \"es\", \"pt\"",
                        l.get_ref()
                    ),
                );
            }
            parsed
        });
        let lang = lang.or((kind == SourceKind::GoogleNews).then_some(Lang::En));
        sources.push(Source {
            name,
            kind,
            url,
            page: page.flatten(),
            interval,
            tags: src.tags.clone(),
            lang,
        });
    }

    // rules
    let list_index = |n: &str| lists.iter().position(|l| l.name == n);
    let names_index = |n: &str| names.iter().position(|l| l.name == n);
    let mut rules: Vec<Rule> = Vec::new();
    let mut used_lists = BTreeSet::new();
    let mut used_names = BTreeSet::new();
    let known_tags: BTreeSet<&str> = sources
        .iter()
        .flat_map(|s| s.tags.iter().map(String::as_str))
        .collect();
    for r in &raw.rules {
        let raw_rule = r.get_ref();
        let name = raw_rule.name.get_ref().trim().to_string();
        if name.is_empty() {
            c.error(&raw_rule.name, "a rule's name must not be empty");
        } else if rules.iter().any(|o| o.name == name) {
            c.error(
                &raw_rule.name,
                format!("a second rule is named {name:?}; names must be unique"),
            );
        }
        let mut resolve_lists = |c: &mut Compiler<'_>, key: &str, refs: &[Spanned<String>]| {
            let mut out = Vec::new();
            for l in refs {
                match list_index(l.get_ref()) {
                    Some(i) => {
                        used_lists.insert(i);
                        out.push(i);
                    }
                    None => {
                        let hint = if names_index(l.get_ref()).is_some() {
                            format!(" (`{}` is a names file: use `names = [...]`)", l.get_ref())
                        } else {
                            String::new()
                        };
                        c.error(l, format!("rule {name:?}: `{key}` names a list {:?} that [lists] does not define{hint}", l.get_ref()));
                    }
                }
            }
            out
        };
        let all = resolve_lists(c, "all", &raw_rule.all);
        let any = resolve_lists(c, "any", &raw_rule.any);
        let none = resolve_lists(c, "none", &raw_rule.none);
        let mut rule_names = Vec::new();
        for n in &raw_rule.names {
            match names_index(n.get_ref()) {
                Some(i) => {
                    used_names.insert(i);
                    rule_names.push(i);
                }
                None => c.error(
                    n,
                    format!(
                        "rule {name:?}: `names` names {:?}, which [names] does not define",
                        n.get_ref()
                    ),
                ),
            }
        }
        if raw_rule.all.is_empty() && raw_rule.any.is_empty() && raw_rule.names.is_empty() {
            c.error(
                r,
                format!("rule {name:?} needs at least one of `all`, `any` or `names`"),
            );
        }
        let near = match &raw_rule.near {
            None => None,
            Some(n) if *n.get_ref() >= 1 => Some(*n.get_ref() as usize),
            Some(n) => {
                c.error(
                    n,
                    format!("rule {name:?}: `near` must be a positive number of words"),
                );
                None
            }
        };
        let mut rule_channels = Vec::new();
        for ch in &raw_rule.channels {
            if channels.contains_key(ch.get_ref()) {
                rule_channels.push(ch.get_ref().clone());
            } else if raw.channels.contains_key(ch.get_ref()) {
                // Defined but invalid: already reported at the definition.
            } else {
                c.error(
                    ch,
                    format!(
                        "rule {name:?} sends to channel {:?}, which [channels] does not define",
                        ch.get_ref()
                    ),
                );
            }
        }
        if raw_rule.channels.is_empty() {
            c.error(r, format!("rule {name:?} has no `channels` to send to"));
        }
        for tag in &raw_rule.tags {
            if !known_tags.contains(tag.as_str()) {
                c.warn(
                    r,
                    format!("rule {name:?} requires tag {tag:?}, which no source carries"),
                );
            }
        }
        rules.push(Rule {
            name,
            tags: raw_rule.tags.clone(),
            all,
            any,
            none,
            near,
            names: rule_names,
            channels: rule_channels,
        });
    }
    for (i, list) in lists.iter().enumerate() {
        if !used_lists.contains(&i) {
            if let Some((key, _)) = raw.lists.iter().find(|(k, _)| k.get_ref() == &list.name) {
                c.warn(key, format!("list `{}` is not used by any rule", list.name));
            }
        }
    }
    for (i, n) in names.iter().enumerate() {
        if !used_names.contains(&i) {
            if let Some((key, _)) = raw.names.iter().find(|(k, _)| k.get_ref() == &n.name) {
                c.warn(key, format!("names `{}` is not used by any rule", n.name));
            }
        }
    }

    Config {
        path: c.file.to_path_buf(),
        telegram,
        channels,
        store_path,
        retention,
        http_listen,
        interval,
        backfill,
        source_down_after,
        host_gap,
        story_window,
        log_format,
        lists,
        names,
        sources,
        rules,
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "[lists]\nd = [\"detenido\"]\n[channels]\na = -100\n\
                        [[rule]]\nname = \"r\"\nany = [\"d\"]\nchannels = [\"a\"]\n";

    fn parse(dir: &Path, sources: &str) -> Result<Config, Vec<Diagnostic>> {
        let path = dir.join("vigia.toml");
        match Config::parse(&path, &format!("{RULE}{sources}")) {
            Ok(c) => Ok(c),
            Err(ConfigError::Invalid(d)) => Err(d),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn google_news_sources_build_their_url_and_keep_to_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let c = parse(
            dir.path(),
            "[[source]]\nname = \"g\"\nkind = \"google-news\"\nquery = \"Venezuela presos políticos\"\nlang = \"es\"\n",
        )
        .unwrap();
        assert_eq!(
            c.sources[0].url,
            "https://news.google.com/rss/search?q=Venezuela+presos+pol%C3%ADticos&hl=es-419&gl=MX&ceid=MX%3Aes-419"
        );
        let errors = parse(
            dir.path(),
            "[[source]]\nname = \"g\"\nkind = \"google-news\"\nquery = \"x\"\nlang = \"fr\"\ninterval = \"30s\"\n",
        )
        .unwrap_err();
        let messages: Vec<String> = errors
            .iter()
            .map(|d| format!("{}: {}", d.line.unwrap_or(0), d.message))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(
            messages[0].contains("lang \"fr\" is not one of"),
            "{messages:#?}"
        );
        assert!(
            messages[1].contains("at most once a minute"),
            "{messages:#?}"
        );
        assert!(
            messages.iter().all(|m| !m.starts_with("0:")),
            "each has a line"
        );
    }

    #[test]
    fn a_feed_can_be_a_local_file_and_a_missing_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("statements.xml"), "<rss/>").unwrap();
        let c = parse(
            dir.path(),
            "[[source]]\nname = \"f\"\nurl = \"statements.xml\"\n",
        )
        .unwrap();
        assert!(
            c.sources[0].url.starts_with("file:///"),
            "{}",
            c.sources[0].url
        );
        assert!(c.sources[0].url.ends_with("/statements.xml"));
        let errors = parse(
            dir.path(),
            "[[source]]\nname = \"f\"\nurl = \"missing.xml\"\n",
        )
        .unwrap_err();
        assert!(
            errors[0].message.contains("no such file exists"),
            "{errors:?}"
        );
        let errors = parse(
            dir.path(),
            "[[source]]\nname = \"f\"\nurl = \"ftp://x/feed\"\n",
        )
        .unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("neither an http(s) URL nor a file path"),
            "{errors:?}"
        );
    }

    #[test]
    fn page_selectors_are_checked_with_their_line_and_channels_build_their_url() {
        let dir = tempfile::tempdir().unwrap();
        let errors = parse(
            dir.path(),
            "[[source]]\nname = \"p\"\nkind = \"page\"\nurl = \"https://e.org/\"\nitem = \"article\"\ntitle = \"h2[\"\n\
             [[source]]\nname = \"q\"\nkind = \"page\"\nurl = \"https://e.org/\"\nitem = \"article\"\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert_eq!(errors[0].line, Some(14), "the `title` line: {errors:#?}");
        assert!(
            errors[0]
                .message
                .contains("selector `title` = \"h2[\" is not a CSS selector"),
            "{errors:#?}"
        );
        assert!(
            errors[1]
                .message
                .contains("needs the selectors `item` and `title`"),
            "{errors:#?}"
        );
        let c = parse(
            dir.path(),
            "[[source]]\nname = \"p\"\nkind = \"page\"\nurl = \"https://e.org/\"\nitem = \"article\"\ntitle = \"h2\"\n\
             [[source]]\nname = \"t\"\nkind = \"telegram-channel\"\nchannel = \"@elpitazotv\"\n",
        )
        .unwrap();
        assert_eq!(
            c.sources[0].page.as_ref(),
            Some(&PageSelectors::parse("article", "h2", None, None, None).unwrap())
        );
        assert_eq!(c.sources[1].url, "https://t.me/s/elpitazotv");
        let errors = parse(
            dir.path(),
            "[[source]]\nname = \"t\"\nkind = \"telegram-channel\"\nchannel = \"no spaces\"\n",
        )
        .unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("is not a public channel's username"),
            "{errors:#?}"
        );
    }
}
