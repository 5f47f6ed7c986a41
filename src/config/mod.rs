//! Configuration: `vigia.toml` and the list and names files it names.
//!
//! Compiled in two stages, as Vector does: serde reads raw structs that keep
//! the byte span of every value (`raw.rs`), then [`Config::load`] validates
//! them into the runtime config, collecting *every* problem (file, line,
//! what is wrong) rather than stopping at the first. Paths inside
//! `vigia.toml` are relative to the file's own folder.
//!
//! This file holds the runtime types; `compile.rs` compiles section by
//! section: telegram and channels there, store, http and defaults there
//! too, `lists.rs` the lists and names files, `sources.rs` the sources and
//! their kinds, `rules.rs` the rules. A new key goes in `raw.rs` and in its
//! section.

mod compile;
pub mod examples;
pub mod lists;
pub mod opml;
mod page;
mod raw;
mod rules;
mod sources;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use compile::MIN_INTERVAL;
pub use lists::{Lang, Person, Term};
pub use page::{BadSelector, PageSelectors};
pub use sources::{
    gdelt_url, google_news_url, Source, SourceKind, GDELT_API, MIN_GOOGLE_NEWS_INTERVAL,
};

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
    #[error("cannot read the {what} from {path} ({origin}): {source}")]
    TokenFile {
        /// `bot token` or `console token`.
        what: &'static str,
        path: PathBuf,
        /// `telegram.token_file`, `TELEGRAM_BOT_TOKEN_FILE`, …
        origin: &'static str,
        source: std::io::Error,
    },
    #[error("the {what} file {path} ({origin}) is empty")]
    EmptyToken {
        what: &'static str,
        path: PathBuf,
        origin: &'static str,
    },
    #[error("{name}={value:?}: {problem}")]
    Env {
        name: &'static str,
        value: String,
        problem: String,
    },
}

/// A secret from the variable `var`, else the file named by `file_var`,
/// else the config's file; `None` when none is set. A file that is named but
/// missing or empty is an error: the operator meant to set it.
fn secret(
    what: &'static str,
    var: &'static str,
    file_var: &'static str,
    from_config: Option<(PathBuf, &'static str)>,
) -> Result<Option<Secret>, ConfigError> {
    if let Ok(value) = std::env::var(var) {
        if !value.trim().is_empty() {
            return Ok(Some(Secret::new(value.trim())));
        }
    }
    let from_env = std::env::var_os(file_var)
        .filter(|p| !p.is_empty())
        .map(|p| (PathBuf::from(p), file_var));
    let Some((path, origin)) = from_env.or(from_config) else {
        return Ok(None);
    };
    let value = std::fs::read_to_string(&path).map_err(|source| ConfigError::TokenFile {
        what,
        path: path.clone(),
        origin,
        source,
    })?;
    if value.trim().is_empty() {
        return Err(ConfigError::EmptyToken { what, path, origin });
    }
    Ok(Some(Secret::new(value.trim())))
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
    /// Lists none of which may be hit in the title: a word of theirs only
    /// in the summary does not veto.
    pub none_in_title: Vec<usize>,
    /// The `all` matches must lie within this many words of each other.
    pub near: Option<usize>,
    pub names: Vec<usize>,
    /// Fires only on items the learned model reads as reports like the
    /// alert examples (`learned = true`).
    pub learned: bool,
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
    /// A PostgreSQL store shared by replicas (`store.url`), instead of the
    /// SQLite file at `store_path`.
    pub store_url: Option<String>,
    /// Where its password is read from when `VIGIA_STORE_PASSWORD` is not set.
    pub store_password_file: Option<PathBuf>,
    /// A private CA's certificates for its TLS (`store.ca_file`).
    pub store_ca_file: Option<PathBuf>,
    /// How long a replica's hold on a source, a chat or Telegram's commands
    /// lasts unless renewed: how soon another replica takes over from one
    /// that died.
    pub store_lease: Duration,
    /// Items are kept this long (their keys for ever).
    pub retention: Duration,
    pub http_listen: Option<SocketAddr>,
    /// Where the console's token is read from when `VIGIA_CONSOLE_TOKEN` is
    /// not set (`http.console_token_file`).
    pub console_token_file: Option<PathBuf>,
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
    /// The labelled reports the learned rule learns from (`[learned]`).
    pub learned: Option<examples::Examples>,
    /// Things that are valid but probably not meant (a list no rule uses).
    pub warnings: Vec<Diagnostic>,
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

    /// Reads and validates the config at `path` as it would be with the
    /// list or names file `edited` holding `text`: an edit tried before it
    /// is saved. Errors name the edited file and line as `check` would.
    pub fn load_with_edit(path: &Path, edited: &Path, text: &str) -> Result<Config, ConfigError> {
        let src = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::parse_with(path, &src, Some((edited, text)))?;
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Validates `src` as if read from `path` (list files are read relative to it).
    pub fn parse(path: &Path, src: &str) -> Result<Config, ConfigError> {
        Self::parse_with(path, src, None)
    }

    fn parse_with(
        path: &Path,
        src: &str,
        edit: Option<(&Path, &str)>,
    ) -> Result<Config, ConfigError> {
        let raw: raw::RawConfig = match toml::from_str(src) {
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
        let mut c = compile::Compiler {
            file: path,
            dir,
            src,
            errors: Vec::new(),
            warnings: Vec::new(),
            edit,
        };
        let config = compile::compile(&mut c, raw);
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
        secret(
            "bot token",
            "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_BOT_TOKEN_FILE",
            self.telegram
                .token_file
                .clone()
                .map(|p| (p, "telegram.token_file")),
        )
    }

    /// Where the store is: the PostgreSQL database of `store.url` (its
    /// password from `VIGIA_STORE_PASSWORD`, else the file named by
    /// `VIGIA_STORE_PASSWORD_FILE`, else `store.password_file`), else the
    /// SQLite file of `store.path`.
    pub fn store_location(&self) -> Result<crate::store::Location, ConfigError> {
        let Some(url) = &self.store_url else {
            return Ok(crate::store::Location::Sqlite(self.store_path.clone()));
        };
        let password = secret(
            "store password",
            "VIGIA_STORE_PASSWORD",
            "VIGIA_STORE_PASSWORD_FILE",
            self.store_password_file
                .clone()
                .map(|p| (p, "store.password_file")),
        )?;
        Ok(crate::store::Location::Postgres(
            crate::store::PostgresTarget {
                url: url.clone(),
                password: password.map(|p| p.expose().to_string()),
                lease: self.store_lease,
                ca_file: self.store_ca_file.clone(),
            },
        ))
    }

    /// The token the console asks for: `VIGIA_CONSOLE_TOKEN`, else the file
    /// named by `VIGIA_CONSOLE_TOKEN_FILE`, else `http.console_token_file`.
    pub fn console_token(&self) -> Result<Option<Secret>, ConfigError> {
        secret(
            "console token",
            "VIGIA_CONSOLE_TOKEN",
            "VIGIA_CONSOLE_TOKEN_FILE",
            self.console_token_file
                .clone()
                .map(|p| (p, "http.console_token_file")),
        )
    }

    /// Settings a container sets from its environment, over the file's:
    /// `VIGIA_HTTP_LISTEN`, `VIGIA_STORE_PATH`, `VIGIA_STORE_URL`, `VIGIA_TELEGRAM_API_URL`,
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
        if let Some(v) = get("VIGIA_STORE_URL") {
            crate::store::PostgresTarget::check_url(&v).map_err(|problem| ConfigError::Env {
                name: "VIGIA_STORE_URL",
                value: crate::store::PostgresTarget::redacted(&v),
                problem,
            })?;
            self.store_url = Some(v.trim().to_string());
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
    fn learned_examples_are_checked_line_by_line_and_a_learned_rule_needs_them() {
        let dir = tempfile::tempdir().unwrap();
        let examples = dir.path().join("examples");
        std::fs::create_dir(&examples).unwrap();
        let learned = "[learned]\nexamples = \"examples\"\n\
                       [[rule]]\nname = \"l\"\nlearned = true\nchannels = [\"a\"]\n";
        let messages = |extra: &str| -> Vec<String> {
            match parse(dir.path(), extra) {
                Ok(c) => c.warnings.iter().map(|d| d.to_string()).collect(),
                Err(d) => d.iter().map(|d| d.to_string()).collect(),
            }
        };
        // A folder with no examples in it.
        let e = messages(learned);
        assert!(e[0].contains("holds no .jsonl file"), "{e:#?}");
        // A bad line is named by file and line; the others are read.
        std::fs::write(
            examples.join("ours.jsonl"),
            "{\"title\": \"Detienen a periodista\", \"label\": \"alert\"}\n\
             {\"title\": \"Sube el dólar\", \"label\": \"no\"}\n",
        )
        .unwrap();
        let e = messages(learned);
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(e[0].contains("ours.jsonl:2:"), "{e:#?}");
        assert!(e[0].contains("`label` \"no\""), "{e:#?}");
        // Only alerts: the rule could not tell them from anything.
        assert!(e[1].contains("no example is labelled \"ignore\""), "{e:#?}");
        std::fs::write(
            examples.join("ours.jsonl"),
            "{\"title\": \"Detienen a periodista\", \"label\": \"alert\"}\n\n\
             {\"title\": \"Sube el dólar\", \"label\": \"ignore\", \"id\": 7}\n",
        )
        .unwrap();
        let config = parse(dir.path(), learned).unwrap();
        assert_eq!(config.learned.unwrap().items.len(), 2);
        // A learned rule with nothing to learn from.
        let e = messages("[[rule]]\nname = \"l\"\nlearned = true\nchannels = [\"a\"]\n");
        assert!(e[0].contains("needs a [learned] section"), "{e:#?}");
        // Examples no rule learns from.
        let e = messages("[learned]\nexamples = \"examples/ours.jsonl\"\n");
        assert!(e[0].contains("not used by any rule"), "{e:#?}");
    }

    #[test]
    fn a_store_in_a_watched_config_folder_is_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let warned = |store: &str| {
            let c = parse(dir.path(), &format!("[store]\npath = {store:?}\n")).unwrap();
            c.warnings
                .iter()
                .any(|w| w.message.contains("which vigia watches for edits"))
        };
        assert!(warned("vigia.db"));
        assert!(!warned("data/vigia.db"));
        assert!(!warned("../data/vigia.db"));
    }

    #[test]
    fn a_postgres_store_is_checked_and_never_shows_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let errors = |store: &str| -> Vec<String> {
            parse(dir.path(), &format!("[store]\n{store}\n"))
                .unwrap_err()
                .iter()
                .map(|d| format!("{}: {}", d.line.unwrap_or(0), d.message))
                .collect()
        };
        let e = errors("url = \"postgres://vigia:hunter2@db/vigia\"");
        assert_eq!(e.len(), 1, "{e:#?}");
        // The config's first eight lines are the rule the tests share.
        assert!(e[0].starts_with("10: store.url"), "{e:#?}");
        assert!(e[0].contains("holds a password"), "{e:#?}");
        assert!(!e[0].contains("hunter2"), "{e:#?}");
        let e = errors("url = \"mysql://db/vigia\"");
        assert!(e[0].contains("not a postgres:// URL"), "{e:#?}");
        let e = errors("path = \"data/v.db\"\nurl = \"postgres://vigia@db/vigia\"");
        assert!(e[0].contains("not both"), "{e:#?}");
        let e = errors("url = \"postgres://vigia@db/vigia\"\nlease = \"1s\"");
        assert!(e[0].starts_with("11: store.lease"), "{e:#?}");

        std::fs::write(dir.path().join("pw"), "s3cret\n").unwrap();
        let c = parse(
            dir.path(),
            "[store]\nurl = \"postgres://vigia@db/vigia\"\npassword_file = \"pw\"\n",
        )
        .unwrap();
        assert_eq!(c.store_lease, Duration::from_secs(15));
        let crate::store::Location::Postgres(target) = c.store_location().unwrap() else {
            panic!("a PostgreSQL store")
        };
        assert_eq!(target.password.as_deref(), Some("s3cret"));
        assert!(!format!("{target:?} {c:?}").contains("s3cret"));
        let mut c = c;
        let bad = c
            .apply_env(|name| {
                (name == "VIGIA_STORE_URL").then(|| "postgres://vigia:hunter2@db/x".to_string())
            })
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("VIGIA_STORE_URL") && !bad.contains("hunter2"),
            "{bad}"
        );
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
            c.sources[0].page.as_deref(),
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
