//! `vigia replay`: match feed files or URLs as the daemon would, without
//! storing or sending anything, and show why each item would alert.

use std::io::{IsTerminal, Write};
use std::ops::Range;

use serde::Serialize;

use crate::config::{Config, Source};
use crate::intake;
use crate::matching::{Field, ItemText, Matcher};
use crate::sources::fetch::{Fetched, Fetcher, Limits, Validators};
use crate::sources::{parse_feed, parse_source, Item};
use crate::stories::{self, Words};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no source named {0:?} in the config")]
    UnknownSource(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Fetch(#[from] crate::sources::fetch::FetchError),
    #[error(transparent)]
    Store(crate::store::StoreError),
    #[error("{input}: {source}")]
    Parse {
        input: String,
        source: crate::sources::ParseError,
    },
}

impl ReplayError {
    /// Usage errors exit 2, like config errors; the rest are runtime failures.
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::UnknownSource(_))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub source: Option<String>,
    pub json: bool,
    pub all: bool,
    /// Colour highlights; defaults to whether standard output is a terminal.
    pub color: Option<bool>,
}

/// One line of `replay --json`, as the interface specifies.
#[derive(Debug, Serialize)]
struct JsonLine<'a> {
    input: &'a str,
    source: &'a str,
    id: String,
    title: &'a str,
    link: Option<&'a str>,
    published: Option<String>,
    alert: bool,
    rules: Vec<String>,
    terms: Vec<String>,
    names: Vec<String>,
    channels: Vec<String>,
    matches: Vec<JsonMatch<'a>>,
    /// The story an alerting item joins, numbered from 1 in the order read.
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<usize>,
}

#[derive(Debug, Serialize)]
struct JsonMatch<'a> {
    field: Field,
    text: &'a str,
    start: usize,
    end: usize,
}

/// The items of a file or URL. A known source's kind decides how it is read
/// (a saved page with its selectors, a channel preview); anything else is
/// a feed.
pub async fn read_items(
    input: &str,
    source: Option<&Source>,
    fetcher: &Fetcher,
) -> Result<Vec<Item>, ReplayError> {
    let (body, content_type, fetched_from) = read_input(input, fetcher).await?;
    let parsed = match source {
        Some(s) => {
            let base = fetched_from.as_deref().unwrap_or(&s.url);
            parse_source(s, &body, content_type.as_deref(), base).map(|p| p.items)
        }
        None => parse_feed(&body, fetched_from.as_deref()),
    };
    parsed.map_err(|source| ReplayError::Parse {
        input: input.to_string(),
        source,
    })
}

/// The input's bytes, its `Content-Type` and where it came from after
/// redirects, when fetched.
async fn read_input(
    input: &str,
    fetcher: &Fetcher,
) -> Result<(Vec<u8>, Option<String>, Option<String>), ReplayError> {
    if input.starts_with("http://") || input.starts_with("https://") {
        match fetcher.get(input, &Validators::default()).await? {
            Fetched::Body {
                body,
                content_type,
                url,
                ..
            } => Ok((body, content_type, Some(url))),
            Fetched::NotModified { .. } => Ok((Vec::new(), None, None)),
        }
    } else {
        let body = std::fs::read(input).map_err(|source| ReplayError::Read {
            path: input.to_string(),
            source,
        })?;
        Ok((body, None, None))
    }
}

/// Replays `inputs`, writing to `out`. Returns how many items would alert.
pub async fn replay(
    config: &Config,
    inputs: &[String],
    opts: &Options,
    out: &mut impl Write,
) -> Result<usize, ReplayError> {
    let forced: Option<&Source> = match &opts.source {
        Some(name) => Some(
            config
                .source(name)
                .ok_or_else(|| ReplayError::UnknownSource(name.clone()))?,
        ),
        None => None,
    };
    let color = opts
        .color
        .unwrap_or_else(|| std::io::stdout().is_terminal());
    let matcher = Matcher::new(config);
    let fetcher = Fetcher::new(Limits::default());
    let mut alerting = 0;
    // Alerting items read so far: (story, words, people, title), to show
    // which report joins which story as the daemon would group them.
    let mut seen: Vec<(usize, Words, Vec<String>, String)> = Vec::new();
    let mut story_count = 0;
    for input in inputs {
        let source = forced.or_else(|| config.sources.iter().find(|s| s.url == *input));
        let items = read_items(input, source, &fetcher).await?;
        let source_name = source.map_or(input.as_str(), |s| s.name.as_str());
        for item in &items {
            let verdict = intake::judge(&matcher, source, &item.text()).verdict;
            if !verdict.alerts() && !opts.all {
                continue;
            }
            alerting += usize::from(verdict.alerts());
            let e = matcher.explain(&verdict);
            let spans = matcher.highlights(&verdict);
            let story = verdict.alerts().then(|| {
                let words = stories::words(&item.title, &item.summary);
                let earlier = seen.iter().map(|(n, w, p, _)| (*n as i64, w, &p[..]));
                let joined = stories::story_among(&words, &e.names, earlier).map(|n| n as usize);
                let n = joined.unwrap_or_else(|| {
                    story_count += 1;
                    story_count
                });
                let first = seen.iter().find(|s| s.0 == n).map(|s| s.3.clone());
                seen.push((n, words, e.names.clone(), item.title.clone()));
                (n, first)
            });
            let _ = if opts.json {
                let text = item.text();
                let line = JsonLine {
                    input,
                    source: source_name,
                    id: item.guid.clone().unwrap_or_else(|| item.key(source_name)),
                    title: &item.title,
                    link: item.link.as_deref(),
                    published: item.published.map(|p| p.to_rfc3339()),
                    alert: verdict.alerts(),
                    rules: e.rules,
                    terms: e.terms,
                    names: e.names,
                    channels: e.channels,
                    matches: spans
                        .iter()
                        .map(|(f, s)| JsonMatch {
                            field: *f,
                            text: &text.field(*f)[s.clone()],
                            start: s.start,
                            end: s.end,
                        })
                        .collect(),
                    story: story.as_ref().map(|(n, _)| *n),
                };
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&line).expect("serializable")
                )
            } else {
                write_human(out, item, source_name, &e, &spans, story.as_ref(), color)
            };
        }
    }
    Ok(alerting)
}

/// `text` with `spans` marked: in colour, or in `[brackets]`.
pub(crate) fn highlight(text: &str, spans: &[Range<usize>], color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    let mut out = String::with_capacity(text.len() + spans.len() * 8);
    let mut at = 0;
    for s in spans {
        if s.start < at {
            continue; // overlapping spans: the first one shown wins
        }
        out.push_str(&text[at..s.start]);
        out.push_str(open);
        out.push_str(&text[s.clone()]);
        out.push_str(close);
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

fn write_human(
    out: &mut impl Write,
    item: &Item,
    source: &str,
    e: &crate::matching::Explanation,
    spans: &[(Field, Range<usize>)],
    story: Option<&(usize, Option<String>)>,
    color: bool,
) -> std::io::Result<()> {
    let alert = story.is_some();
    let text: ItemText<'_> = item.text();
    let field_spans = |f: Field| crate::matching::field_spans(spans, f);
    writeln!(
        out,
        "{} {}",
        if alert { "ALERT " } else { "-     " },
        highlight(text.title, &field_spans(Field::Title), color)
    )?;
    if let Some(link) = &item.link {
        writeln!(out, "  link:      {link}")?;
    }
    let published = item
        .published
        .map_or("unknown".to_string(), |p| p.to_rfc3339());
    writeln!(out, "  source:    {source} · published {published}")?;
    if alert {
        writeln!(out, "  rules:     {}", e.rules.join(", "))?;
        if !e.terms.is_empty() {
            writeln!(out, "  terms:     {}", e.terms.join(", "))?;
        }
        if !e.names.is_empty() {
            writeln!(out, "  names:     {}", e.names.join(", "))?;
        }
        writeln!(out, "  channels:  {}", e.channels.join(", "))?;
    }
    match story {
        Some((n, None)) => writeln!(out, "  story:     {n} (new)")?,
        Some((n, Some(first))) => writeln!(
            out,
            "  story:     {n}, with \"{first}\" (added to its alert)"
        )?,
        None => {}
    }
    for field in [Field::Summary, Field::Content] {
        let s = field_spans(field);
        if !s.is_empty() {
            writeln!(
                out,
                "  {:<10} {}",
                format!("{field:?}:").to_lowercase(),
                highlight(text.field(field), &s, color)
            )?;
        }
    }
    writeln!(out)
}

/// `vigia why INPUT` and `/why LINK`: for the stored item with this link,
/// or else each item of a feed file, page or URL, which lists and names it
/// matched and which rule came closest and what it lacked. Writes the
/// answer to `out`; returns how many items were explained.
pub async fn why(
    config: &Config,
    matcher: &Matcher,
    store: Option<&std::sync::Arc<crate::store::Store>>,
    input: &str,
    out: &mut String,
) -> Result<usize, ReplayError> {
    use std::fmt::Write as _;
    if let Some(store) = store {
        let link = input.to_string();
        let stored = store
            .call(move |s| s.item_by_link(&link))
            .await
            .map_err(ReplayError::Store)?;
        if let Some(item) = stored {
            let source = config.source(&item.source);
            let tags: &[String] = source.map_or(&[], |s| &s.tags);
            let text = crate::matching::ItemText {
                title: &item.title,
                summary: &item.summary,
                content: "",
            };
            let intake::Judged { lang, verdict } = intake::judge(matcher, source, &text);
            let _ = writeln!(
                out,
                "{}\n(stored: from {}, found {})",
                item.title,
                item.source,
                item.found_at.format("%Y-%m-%d %H:%M UTC")
            );
            out.push_str(&matcher.why(&text, &verdict, tags, lang).render());
            return Ok(1);
        }
    }
    let source = config.sources.iter().find(|s| s.url == input);
    let items = read_items(input, source, &Fetcher::new(Limits::default())).await?;
    let tags: &[String] = source.map_or(&[], |s| &s.tags);
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let text = item.text();
        let intake::Judged { lang, verdict } = intake::judge(matcher, source, &text);
        let _ = writeln!(out, "{}", item.title);
        out.push_str(&matcher.why(&text, &verdict, tags, lang).render());
    }
    Ok(items.len())
}
