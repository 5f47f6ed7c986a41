//! The console's pages: each reads the store and the running config, and
//! renders its template.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::view::{self, when, when_opt, ItemView};
use super::Console;
use crate::store::{AlertState, EntryKind, StoreError};

/// Alerts listed per channel, search results per query.
const ALERTS_SHOWN: usize = 50;
const SEARCH_SHOWN: usize = 50;
/// Items listed per rule or channel in a backtest; the counts are whole.
const BACKTEST_SHOWN: usize = 50;

fn page(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => failure(format!("the page could not be rendered: {e}")),
    }
}

fn failure(message: String) -> Response {
    tracing::error!(error = %message, "console page failed");
    (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
}

fn store_failure(e: StoreError) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("store unreadable: {e}"),
    )
        .into_response()
}

// ---- overview ------------------------------------------------------------

struct ChatView {
    channel: String,
    chat: String,
    state: String,
}

struct RuleView {
    name: String,
    day: u64,
    week: u64,
    channels: String,
    muted: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    status: &'static str,
    reasons: Vec<String>,
    telegram: String,
    pending: i64,
    held: i64,
    failed: i64,
    muted: i64,
    chats: Vec<ChatView>,
    rules: Vec<RuleView>,
    mutes: Vec<String>,
    config: String,
}

pub(super) async fn overview(State(c): State<Console>) -> Response {
    let health = match c.ops.health().await {
        Ok(h) => h,
        Err(e) => return store_failure(e),
    };
    let now = chrono::Utc::now();
    let read = c
        .ops
        .store
        .call(move |s| {
            Ok((
                s.outbox_counts()?,
                s.chats()?,
                s.muted_rules(now)?,
                s.rule_hits([
                    now - chrono::Duration::days(1),
                    now - chrono::Duration::days(7),
                ])?,
            ))
        })
        .await;
    let (counts, chat_rows, mutes, hits) = match read {
        Ok(r) => r,
        Err(e) => return store_failure(e),
    };
    let config = c.live.config();
    let telegram = if let Some(why) = &health.telegram.bot_refused {
        format!("Telegram refuses the bot's token: nothing can be sent ({why})")
    } else if let Some(since) = health.telegram.failing_since {
        format!("every send has failed since {}", when(since))
    } else {
        "sending normally".to_string()
    };
    let chats = config
        .channels
        .iter()
        .map(|(channel, chat)| {
            let chat = chat.to_string();
            let row = chat_rows.iter().find(|r| r.chat == chat);
            let state = match row {
                Some(r) if r.held_since.is_some() => format!(
                    "held since {}: {}",
                    when_opt(r.held_since),
                    r.held_reason.as_deref().unwrap_or("refused by Telegram")
                ),
                Some(r) if r.migrated_to.is_some() => format!(
                    "became the supergroup {}",
                    r.migrated_to.as_deref().unwrap_or_default()
                ),
                Some(r) if r.not_before.is_some_and(|t| t > now) => {
                    format!("Telegram asked to wait until {}", when_opt(r.not_before))
                }
                _ => "taking messages".to_string(),
            };
            ChatView {
                channel: channel.clone(),
                chat,
                state,
            }
        })
        .collect();
    let muted: HashMap<&str, _> = mutes.iter().map(|(r, t)| (r.as_str(), *t)).collect();
    let rules = config
        .rules
        .iter()
        .map(|r| {
            let [day, week] = hits.get(&r.name).copied().unwrap_or_default();
            RuleView {
                name: r.name.clone(),
                day,
                week,
                channels: r.channels.join(", "),
                muted: muted
                    .get(r.name.as_str())
                    .map(|t| format!("until {}", when(*t)))
                    .unwrap_or_default(),
            }
        })
        .collect();
    page(Overview {
        status: health.status,
        reasons: health.reasons,
        telegram,
        pending: counts.pending + counts.sending,
        held: counts.held,
        failed: counts.failed,
        muted: counts.muted,
        chats,
        rules,
        mutes: mutes
            .iter()
            .map(|(r, t)| format!("{r} until {}", when(*t)))
            .collect(),
        config: format!(
            "{}: {} sources, {} lists, {} names files, {} rules; {}",
            config.path.display(),
            config.sources.len(),
            config.lists.len(),
            config.names.len(),
            config.rules.len(),
            reloaded(&c.ops.reloads.borrow())
        ),
    })
}

/// What became of the last edit to the config, so that an operator who
/// saved one sees here whether it applied.
fn reloaded(status: &crate::ops::ReloadStatus) -> String {
    match (&status.last_error, status.last_applied_at) {
        (Some(e), _) => format!(
            "the last edit was rejected, vigia runs on the previous config: {}",
            e.lines().nth(1).unwrap_or(e).trim()
        ),
        (None, Some(at)) => format!("the last edit was applied at {}", when(at)),
        (None, None) => "running as started".to_string(),
    }
}

// ---- sources -------------------------------------------------------------

struct SourceView {
    name: String,
    url: String,
    kind: String,
    tags: String,
    last_success: String,
    last_error: Option<String>,
    error_kind: String,
    failing_since: String,
    failing: bool,
    skipped: i64,
    items: i64,
    sent: i64,
}

#[derive(Template)]
#[template(path = "sources.html")]
struct Sources {
    sources: Vec<SourceView>,
    failing: usize,
}

pub(super) async fn sources(State(c): State<Console>) -> Response {
    let read = c
        .ops
        .store
        .call(|s| Ok((s.source_health()?, s.alerts_sent_by_source()?)))
        .await;
    let (health, sent) = match read {
        Ok(r) => r,
        Err(e) => return store_failure(e),
    };
    let config = c.live.config();
    let sources: Vec<SourceView> = config
        .sources
        .iter()
        .map(|s| {
            let h = health.iter().find(|h| h.name == s.name);
            SourceView {
                name: s.name.clone(),
                url: s.url.clone(),
                kind: format!("{:?}", s.kind).to_lowercase(),
                tags: s.tags.join(", "),
                last_success: when_opt(h.and_then(|h| h.last_success)),
                last_error: h
                    .filter(|h| h.consecutive_failures > 0)
                    .and_then(|h| h.last_error.clone()),
                error_kind: h.and_then(|h| h.error_kind.clone()).unwrap_or_default(),
                failing_since: h
                    .and_then(|h| h.failing_since)
                    .map(when)
                    .unwrap_or_default(),
                failing: h.is_some_and(|h| h.consecutive_failures > 0),
                skipped: h.map_or(0, |h| h.entries_skipped),
                items: h.map_or(0, |h| h.items_seen),
                sent: sent.get(&s.name).copied().unwrap_or(0),
            }
        })
        .collect();
    page(Sources {
        failing: sources.iter().filter(|s| s.failing).count(),
        sources,
    })
}

// ---- alerts --------------------------------------------------------------

struct AlertView {
    state: &'static str,
    state_class: &'static str,
    kind: &'static str,
    why: Option<String>,
    sent_at: Option<String>,
    item: ItemView,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct Alerts {
    channel: Option<String>,
    channels: Vec<String>,
    alerts: Vec<AlertView>,
}

#[derive(Deserialize)]
pub(super) struct ChannelQuery {
    channel: Option<String>,
}

pub(super) async fn alerts(State(c): State<Console>, Query(q): Query<ChannelQuery>) -> Response {
    let config = c.live.config();
    let channels: Vec<String> = config.channels.keys().cloned().collect();
    let Some(channel) = q.channel.or_else(|| channels.first().cloned()) else {
        return page(Alerts {
            channel: None,
            channels,
            alerts: Vec::new(),
        });
    };
    let name = channel.clone();
    let rows = match c
        .ops
        .store
        .call(move |s| s.channel_alerts(&name, ALERTS_SHOWN))
        .await
    {
        Ok(r) => r,
        Err(e) => return store_failure(e),
    };
    let rules = c.live.rules();
    let alerts = rows
        .iter()
        .map(|a| {
            let (state, state_class, why) = match (a.state, &a.muted_rule) {
                (AlertState::Pending, Some(rule)) => (
                    "muted",
                    "muted",
                    Some(format!("set aside while {rule:?} is muted")),
                ),
                (AlertState::Pending, None) => (
                    "pending",
                    "pending",
                    a.last_error
                        .as_ref()
                        .map(|e| format!("{} attempt(s); last: {e}", a.attempts)),
                ),
                (AlertState::Sending, _) => ("sending", "sending", None),
                (AlertState::Sent, _) if a.printed => (
                    "printed",
                    "pending",
                    Some("printed without a token; sent once a token is set".to_string()),
                ),
                (AlertState::Sent, _) => ("sent", "sent", None),
                (AlertState::Held, _) => (
                    "held",
                    "held",
                    Some(
                        a.last_error
                            .clone()
                            .unwrap_or_else(|| "the channel refuses the bot".to_string()),
                    ),
                ),
                (AlertState::Failed, _) => (
                    "failed",
                    "failed",
                    Some(a.last_error.clone().unwrap_or_default()),
                ),
            };
            AlertView {
                state,
                state_class,
                kind: match a.kind {
                    EntryKind::Alert => "alert",
                    EntryKind::Edit => "added to its story's alert",
                    EntryKind::Reply => "follow-up to its story's alert",
                },
                why,
                sent_at: a.sent_at.map(when),
                item: view::item(&a.item, &rules.matcher, &config),
            }
        })
        .collect();
    page(Alerts {
        channel: Some(channel),
        channels,
        alerts,
    })
}

// ---- a story ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "story.html")]
struct Story {
    id: i64,
    items: Vec<ItemView>,
}

pub(super) async fn story(State(c): State<Console>, Path(id): Path<i64>) -> Response {
    let rows = match c.ops.store.call(move |s| s.story(id)).await {
        Ok(r) => r,
        Err(e) => return store_failure(e),
    };
    let config = c.live.config();
    let rules = c.live.rules();
    let items = rows
        .iter()
        .map(|r| view::item(r, &rules.matcher, &config))
        .collect();
    page(Story { id, items })
}

// ---- search ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "search.html")]
struct Search {
    q: String,
    limit: usize,
    results: Vec<ItemView>,
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub(super) async fn search(State(c): State<Console>, Query(q): Query<SearchQuery>) -> Response {
    let words = q.q.trim().to_string();
    let query = words.clone();
    let rows = match c
        .ops
        .store
        .call(move |s| s.search(&query, SEARCH_SHOWN))
        .await
    {
        Ok(r) => r,
        Err(e) => return store_failure(e),
    };
    let config = c.live.config();
    let rules = c.live.rules();
    page(Search {
        q: words,
        limit: SEARCH_SHOWN,
        results: rows
            .iter()
            .map(|r| view::item(r, &rules.matcher, &config))
            .collect(),
    })
}

// ---- try -------------------------------------------------------------------

struct Tried {
    alerts: bool,
    channels: Vec<String>,
    item: ItemView,
    why: String,
}

#[derive(Template)]
#[template(path = "try.html")]
struct Try {
    text: String,
    url: String,
    error: Option<String>,
    results: Vec<Tried>,
}

pub(super) async fn try_form() -> Response {
    page(Try {
        text: String::new(),
        url: String::new(),
        error: None,
        results: Vec::new(),
    })
}

#[derive(Deserialize)]
pub(super) struct TryForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    url: String,
}

pub(super) async fn try_item(State(c): State<Console>, Form(f): Form<TryForm>) -> Response {
    let config = c.live.config();
    let rules = c.live.rules();
    let url = f.url.trim().to_string();
    // A configured source's URL is read and judged as that source.
    let source = config.sources.iter().find(|s| s.url == url);
    let (items, error) = if !url.is_empty() {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            (
                Vec::new(),
                Some(format!("{url:?} is not an http(s) address")),
            )
        } else {
            let fetcher = crate::sources::fetch::Fetcher::new(Default::default());
            match crate::replay::read_items(&url, source, &fetcher).await {
                Ok(items) if items.is_empty() => (Vec::new(), Some(format!("{url} holds no item"))),
                Ok(items) => (items, None),
                Err(e) => (Vec::new(), Some(format!("{url} cannot be read: {e}"))),
            }
        }
    } else if !f.text.trim().is_empty() {
        let text = f.text.replace("\r\n", "\n");
        let (title, summary) = text.trim().split_once('\n').unwrap_or((text.trim(), ""));
        let item = crate::sources::Item {
            title: title.trim().to_string(),
            summary: summary.trim().to_string(),
            ..Default::default()
        };
        (vec![item], None)
    } else {
        (
            Vec::new(),
            Some("paste a report, or give a URL".to_string()),
        )
    };
    let results = items
        .iter()
        .map(|item| {
            let tags: &[String] = source.map_or(&[], |s| &s.tags);
            let judged = crate::intake::judge(&rules.matcher, source, &item.text());
            let e = rules.matcher.explain(&judged.verdict);
            let spans = rules.matcher.highlights(&judged.verdict);
            let why = rules
                .matcher
                .why(&item.text(), &judged.verdict, tags, judged.lang)
                .render();
            let mut matched = e.terms.clone();
            matched.extend(e.names.iter().cloned());
            let field = |f| crate::matching::field_spans(&spans, f);
            Tried {
                alerts: judged.verdict.alerts(),
                channels: e.channels.clone(),
                why,
                item: ItemView {
                    title: view::link(
                        item.link.as_deref(),
                        view::segments(
                            &item.title,
                            &field(crate::matching::Field::Title),
                            usize::MAX,
                        ),
                    ),
                    source: String::new(),
                    found_at: String::new(),
                    story: None,
                    rules: e.rules,
                    summary: view::segments(
                        &item.summary,
                        &field(crate::matching::Field::Summary),
                        2000,
                    ),
                    matched,
                },
            }
        })
        .collect();
    page(Try {
        text: f.text,
        url,
        error,
        results,
    })
}

// ---- backtest --------------------------------------------------------------

struct FileChoice {
    name: String,
    path: String,
}

struct GroupView {
    what: &'static str,
    name: String,
    before: usize,
    after: usize,
    gained_count: usize,
    lost_count: usize,
    gained: Vec<ItemView>,
    lost: Vec<ItemView>,
}

struct ReportView {
    items: usize,
    since: String,
    before: usize,
    after: usize,
    unchanged: bool,
    /// The edit's lines: `+ added`, `- removed`.
    edits: Vec<String>,
    groups: Vec<GroupView>,
}

#[derive(Template)]
#[template(path = "backtest.html")]
struct Backtest {
    files: Vec<FileChoice>,
    file: String,
    path: String,
    text: String,
    days: u32,
    errors: Vec<String>,
    report: Option<ReportView>,
}

/// The list and names files an operator may edit: (entry name, file).
fn editable(config: &crate::config::Config) -> Vec<(String, std::path::PathBuf)> {
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    let lists = config.lists.iter().map(|l| (&l.name, &l.file));
    let names = config.names.iter().map(|n| (&n.name, &n.file));
    for (name, file) in lists.chain(names) {
        // Inline lists live in vigia.toml itself: not edited here.
        if *file != config.path && !files.iter().any(|(_, f)| f == file) {
            files.push((name.clone(), file.clone()));
        }
    }
    files
}

#[derive(Deserialize)]
pub(super) struct BacktestQuery {
    #[serde(default)]
    file: String,
}

const DEFAULT_DAYS: u32 = 30;

pub(super) async fn backtest_form(
    State(c): State<Console>,
    Query(q): Query<BacktestQuery>,
) -> Response {
    let config = c.live.config();
    let files = editable(&config);
    let chosen = files.iter().find(|(name, _)| *name == q.file);
    let (path, text, errors) = match chosen {
        Some((_, path)) => match std::fs::read_to_string(path) {
            Ok(text) => (path.display().to_string(), text, Vec::new()),
            Err(e) => (
                path.display().to_string(),
                String::new(),
                vec![format!("cannot read {}: {e}", path.display())],
            ),
        },
        None if q.file.is_empty() => (String::new(), String::new(), Vec::new()),
        None => (
            String::new(),
            String::new(),
            vec![format!("no list or names file named {:?}", q.file)],
        ),
    };
    page(Backtest {
        files: choices(&files),
        file: if chosen.is_some() {
            q.file
        } else {
            String::new()
        },
        path,
        text,
        days: DEFAULT_DAYS,
        errors,
        report: None,
    })
}

fn choices(files: &[(String, std::path::PathBuf)]) -> Vec<FileChoice> {
    files
        .iter()
        .map(|(name, path)| FileChoice {
            name: name.clone(),
            path: path.display().to_string(),
        })
        .collect()
}

#[derive(Deserialize)]
pub(super) struct BacktestForm {
    file: String,
    #[serde(default)]
    text: String,
    days: Option<u32>,
}

pub(super) async fn backtest(State(c): State<Console>, Form(f): Form<BacktestForm>) -> Response {
    let current = c.live.config();
    let files = editable(&current);
    let days = f.days.unwrap_or(DEFAULT_DAYS).clamp(1, 3650);
    let text = f.text.replace("\r\n", "\n");
    let Some((_, path)) = files.iter().find(|(name, _)| *name == f.file).cloned() else {
        return page(Backtest {
            files: choices(&files),
            file: String::new(),
            path: String::new(),
            text: String::new(),
            days,
            errors: vec![format!("no list or names file named {:?}", f.file)],
            report: None,
        });
    };
    let saved = std::fs::read_to_string(&path).unwrap_or_default();
    let store = c.ops.store.clone();
    let (edited, edit_text) = (path.clone(), text.clone());
    let result = tokio::task::spawn_blocking(move || {
        let candidate = crate::config::Config::load_with_edit(&current.path, &edited, &edit_text)?;
        let since = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
        // On a connection of its own: a month of items takes seconds to
        // read, and polling and delivery go on meanwhile.
        let reader = store.reader()?;
        Ok::<_, BacktestError>(crate::backtest::backtest(
            &reader, &current, &candidate, since,
        )?)
    })
    .await
    .unwrap_or_else(|e| Err(BacktestError::Panicked(e.to_string())));
    let (errors, report) = match result {
        Ok(r) => (Vec::new(), Some(report_view(&r, edits(&saved, &text)))),
        Err(BacktestError::Config(crate::config::ConfigError::Invalid(diags))) => {
            (diags.iter().map(|d| d.to_string()).collect(), None)
        }
        Err(e) => (vec![e.to_string()], None),
    };
    page(Backtest {
        files: choices(&files),
        file: f.file,
        path: path.display().to_string(),
        text,
        days,
        errors,
        report,
    })
}

#[derive(Debug, thiserror::Error)]
enum BacktestError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the backtest stopped: {0}")]
    Panicked(String),
}

/// Lines the edit adds and removes, as `+ line` and `- line`.
fn edits(saved: &str, edited: &str) -> Vec<String> {
    let old: std::collections::HashSet<&str> = saved.lines().map(str::trim).collect();
    let new: std::collections::HashSet<&str> = edited.lines().map(str::trim).collect();
    let removed = saved
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !new.contains(l))
        .map(|l| format!("- {l}"));
    let added = edited
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !old.contains(l))
        .map(|l| format!("+ {l}"));
    removed.chain(added).collect()
}

fn report_view(r: &crate::backtest::Report, edits: Vec<String>) -> ReportView {
    let shown = |list: &[usize]| {
        list.iter()
            .take(BACKTEST_SHOWN)
            .map(|&i| view::changed(&r.changed[i]))
            .collect()
    };
    let groups = [("Rule", &r.rules), ("Channel", &r.channels)]
        .into_iter()
        .flat_map(|(what, groups)| groups.iter().map(move |g| (what, g)))
        .filter(|(_, g)| !g.gained.is_empty() || !g.lost.is_empty())
        .map(|(what, g)| GroupView {
            what,
            name: g.name.clone(),
            before: g.before,
            after: g.after,
            gained_count: g.gained.len(),
            lost_count: g.lost.len(),
            gained: shown(&g.gained),
            lost: shown(&g.lost),
        })
        .collect();
    ReportView {
        items: r.items,
        since: when(r.since),
        before: r.alerting_before,
        after: r.alerting_after,
        unchanged: r.unchanged(),
        edits,
        groups,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_edit_shows_the_lines_it_removes_and_adds() {
        let saved = "# detention\ndetienen\narrested\n\n";
        let edited = "# detention\narrested\ndetenido\n";
        assert_eq!(super::edits(saved, edited), ["- detienen", "+ detenido"]);
        assert!(super::edits(saved, saved).is_empty());
    }
}
