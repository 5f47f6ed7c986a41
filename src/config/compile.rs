//! Compiling the raw config into the runtime one, section by section.
//! Each section reports every problem it finds into the [`Compiler`] and
//! goes on, so `vigia check` lists them all at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::raw::{RawChat, RawConfig, RawTelegram};
use super::*;

/// The shortest poll interval accepted; anything faster is impolite to publishers.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

pub(super) struct Compiler<'a> {
    pub(super) file: &'a Path,
    pub(super) dir: PathBuf,
    pub(super) src: &'a str,
    pub(super) errors: Vec<Diagnostic>,
    pub(super) warnings: Vec<Diagnostic>,
    /// A file read as this text instead of from disk: an edit being tried
    /// (`vigia backtest`, the console) before it is saved.
    pub(super) edit: Option<(&'a Path, &'a str)>,
}

impl Compiler<'_> {
    pub(super) fn line(&self, offset: usize) -> usize {
        self.src[..offset.min(self.src.len())].matches('\n').count() + 1
    }

    pub(super) fn error<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        let line = self.line(at.span().start);
        self.errors.push(Diagnostic::at(self.file, line, message));
    }

    pub(super) fn warn<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        let line = self.line(at.span().start);
        self.warnings.push(Diagnostic::at(self.file, line, message));
    }

    pub(super) fn duration(
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
    pub(super) fn interval(
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

    /// A source's or rule's name, trimmed; an empty one, or one that
    /// `taken` already holds, is reported.
    pub(super) fn name<'n>(
        &mut self,
        raw: &Spanned<String>,
        what: &str,
        mut taken: impl Iterator<Item = &'n str>,
    ) -> String {
        let name = raw.get_ref().trim().to_string();
        if name.is_empty() {
            self.error(raw, format!("a {what}'s name must not be empty"));
        } else if taken.any(|t| t == name) {
            let msg = format!("a second {what} is named {name:?}; names must be unique");
            self.error(raw, msg);
        }
        name
    }

    pub(super) fn resolve(&self, path: &str) -> PathBuf {
        self.dir.join(path)
    }

    /// A list or names file's text: the edit being tried, else the file.
    pub(super) fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.edit {
            Some((edited, text)) if same_file(edited, path) => Ok(text.to_string()),
            _ => std::fs::read_to_string(path),
        }
    }
}

/// Whether two paths name one file (as written, or once resolved).
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// The runtime config from the raw one: every section in turn.
pub(super) fn compile(c: &mut Compiler<'_>, raw: RawConfig) -> Config {
    let telegram = telegram(c, &raw.telegram);
    let channels = channels(c, &raw.channels);
    let store_path = c.resolve(
        raw.store
            .path
            .as_ref()
            .map_or("../data/vigia.db", |p| p.get_ref()),
    );
    let store_url = raw.store.url.as_ref().and_then(|u| store_url(c, u));
    if let (Some(_), Some(path)) = (&store_url, &raw.store.path) {
        c.error(
            path,
            "store.path and store.url are both set: a store is a SQLite file (path) or a PostgreSQL database (url), not both".to_string(),
        );
    }
    let store_lease = c.duration(&raw.store.lease, "store.lease", Duration::from_secs(15));
    if store_lease < Duration::from_secs(3) {
        if let Some(at) = &raw.store.lease {
            c.error(
                at,
                "store.lease must be at least \"3s\": a replica renews its leases a third of the way through".to_string(),
            );
        }
    }
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

    let (lists, shared) = super::lists::compile_lists(c, &raw.lists);
    let names = super::lists::compile_names(c, &raw.names);
    let sources = super::sources::compile_sources(c, &raw.sources, interval);
    let learned = raw
        .learned
        .as_ref()
        .and_then(|l| super::examples::compile_examples(c, &l.get_ref().examples));
    let rules = super::rules::compile_rules(
        c,
        &raw,
        &lists,
        &names,
        &channels,
        &sources,
        learned.is_some(),
    );
    super::lists::warn_shared_terms(c, &lists, &shared, &rules);
    // Hot reload watches the folders of the config files: a store in one
    // of them wakes the watcher on every write.
    let folder = |p: &Path| p.parent().map(Path::to_path_buf).unwrap_or_default();
    let store_dir = folder(&store_path);
    let watched = std::iter::once(c.file.to_path_buf())
        .chain(lists.iter().map(|l| l.file.clone()))
        .chain(names.iter().map(|n| n.file.clone()));
    if let Some(file) = watched.into_iter().find(|f| folder(f) == store_dir) {
        let line = raw.store.path.as_ref().map(|p| c.line(p.span().start));
        c.warnings.push(Diagnostic {
            file: c.file.to_path_buf(),
            line,
            message: format!(
                "store.path {} is in the folder of {}, which vigia watches for edits: every write to the store wakes the watcher; put the store in a folder of its own (the default is ../data/vigia.db)",
                store_path.display(),
                file.display()
            ),
        });
    }
    Config {
        path: c.file.to_path_buf(),
        telegram,
        channels,
        store_path,
        store_url,
        store_password_file: raw.store.password_file.as_deref().map(|p| c.resolve(p)),
        store_ca_file: raw.store.ca_file.as_deref().map(|p| c.resolve(p)),
        store_lease,
        retention,
        http_listen,
        console_token_file: raw.http.console_token_file.as_deref().map(|p| c.resolve(p)),
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
        learned,
        warnings: Vec::new(),
    }
}

/// `store.url`: a PostgreSQL URL without a password (it would show
/// wherever the URL does; it goes in `store.password_file` or
/// `VIGIA_STORE_PASSWORD`). Errors never repeat a password written in it.
fn store_url(c: &mut Compiler<'_>, at: &Spanned<String>) -> Option<String> {
    match crate::store::PostgresTarget::check_url(at.get_ref()) {
        Ok(()) => Some(at.get_ref().trim().to_string()),
        Err(problem) => {
            c.error(at, format!("store.url: {problem}"));
            None
        }
    }
}

/// `[telegram]`: where the Bot API is, who the admins are, how long to
/// wait on a failing chat, and the rate limits.
fn telegram(c: &mut Compiler<'_>, raw: &RawTelegram) -> TelegramConfig {
    let api_url = match &raw.api_url {
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
        chat: rate(&raw.limits.chat, "chat", defaults.chat),
        group: rate(&raw.limits.group, "group", defaults.group),
        overall: rate(&raw.limits.overall, "overall", defaults.overall),
    };
    TelegramConfig {
        api_url,
        token_file: raw.token_file.as_deref().map(|p| c.resolve(p)),
        admins: raw.admins.clone(),
        give_up_after: c.interval(
            &raw.give_up_after,
            "telegram.give_up_after",
            Duration::from_secs(24 * 3600),
        ),
        recheck_held: c.interval(
            &raw.recheck_held,
            "telegram.recheck_held",
            Duration::from_secs(300),
        ),
        down_after: c.interval(
            &raw.down_after,
            "telegram.down_after",
            Duration::from_secs(600),
        ),
        limits,
    }
}

/// `[channels]`: name → chat id or @username.
fn channels(
    c: &mut Compiler<'_>,
    raw: &BTreeMap<String, Spanned<RawChat>>,
) -> BTreeMap<String, ChatRef> {
    let mut channels = BTreeMap::new();
    for (name, chat) in raw {
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
    channels
}
