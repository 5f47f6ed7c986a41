//! Source kinds and how each `[[source]]` is compiled: its kind, where it
//! is fetched from (a feed's URL or local file, a page with its selectors,
//! a Telegram channel's preview, a Google News search), its interval, tags
//! and language.

use std::time::Duration;

use toml::Spanned;

use super::compile::Compiler;
use super::raw::RawSource;
use super::{Lang, PageSelectors};

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
    /// A search of GDELT's DOC 2.0 API (articles from news sites worldwide,
    /// as JSON): wide and noisy, for discovery beyond the listed outlets.
    Gdelt,
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

/// Google News asks for no more than this; GDELT for a request every
/// five seconds from one address, so a minute leaves room for several.
pub const MIN_GOOGLE_NEWS_INTERVAL: Duration = Duration::from_secs(60);

/// GDELT's DOC 2.0 API.
pub const GDELT_API: &str = "https://api.gdeltproject.org/api/v2/doc/doc";

/// A GDELT article search for `query` at `endpoint`, in `languages` (all
/// when empty): the newest 250 articles of the last day, as JSON.
pub fn gdelt_url(endpoint: &str, query: &str, languages: &[Lang]) -> Option<String> {
    let mut q = query.trim().to_string();
    if !languages.is_empty() {
        let names: Vec<String> = languages
            .iter()
            .map(|l| {
                let name = match l {
                    Lang::En => "english",
                    Lang::Es => "spanish",
                    Lang::Pt => "portuguese",
                };
                format!("sourcelang:{name}")
            })
            .collect();
        q = match names.len() {
            1 => format!("{q} {}", names[0]),
            _ => format!("{q} ({})", names.join(" OR ")),
        };
    }
    let mut url = url::Url::parse(endpoint).ok()?;
    url.query_pairs_mut()
        .append_pair("query", &q)
        .append_pair("mode", "ArtList")
        .append_pair("format", "json")
        .append_pair("timespan", "1d")
        .append_pair("maxrecords", "250")
        .append_pair("sort", "DateDesc");
    Some(url.into())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Unique name: shown in alerts, and the key of the source's state in the store.
    pub name: String,
    pub kind: SourceKind,
    /// What is fetched: an http(s) URL, or a `file://` URL for a local feed.
    pub url: String,
    /// A `page` source's selectors (boxed: most sources are feeds, and
    /// 10,000 of them should not each carry room for selectors).
    pub page: Option<Box<PageSelectors>>,
    pub interval: Duration,
    /// Labels that rules can require.
    pub tags: Vec<String>,
    /// The language of its items (`lang`), else detected per item.
    pub lang: Option<Lang>,
}

/// Every `[[source]]`, in order; `interval` is `defaults.interval`.
pub(super) fn compile_sources(
    c: &mut Compiler<'_>,
    raw: &[Spanned<RawSource>],
    interval: Duration,
) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    for s in raw {
        let src = s.get_ref();
        let name = c.name(&src.name, "source", sources.iter().map(|s| s.name.as_str()));
        let kind = match src.kind.as_ref().map(|k| k.get_ref().as_str()) {
            None | Some("feed") => SourceKind::Feed,
            Some("google-news") => SourceKind::GoogleNews,
            Some("page") => SourceKind::Page,
            Some("telegram-channel") => SourceKind::TelegramChannel,
            Some("gdelt") => SourceKind::Gdelt,
            Some(other) => {
                let k = src.kind.as_ref().expect("matched Some");
                c.error(
                    k,
                    format!("source {name:?}: unknown kind {other:?} (known: \"feed\", \"page\", \"telegram-channel\", \"google-news\", \"gdelt\")"),
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
        if !src.languages.is_empty() && kind != SourceKind::Gdelt {
            c.warn(
                s,
                format!("source {name:?}: `languages` is only for kind \"gdelt\"; ignored"),
            );
        }
        let page = (kind == SourceKind::Page).then(|| page_selectors(c, &name, s, src));
        let languages: Vec<Lang> = src
            .languages
            .iter()
            .filter_map(|l| {
                let parsed = Lang::parse(l.get_ref());
                if parsed.is_none() {
                    c.error(
                        l,
                        format!(
                            "source {name:?}: language {:?} is not one of \"en\", \"es\", \"pt\"",
                            l.get_ref()
                        ),
                    );
                }
                parsed
            })
            .collect();
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
                            "source {name:?}: `query` is only for kinds \"google-news\" and \"gdelt\"; ignored"
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
            SourceKind::Gdelt => {
                // `url` may point at a GDELT-compatible endpoint (a mirror,
                // or a test server); the search is built onto it.
                let endpoint = match &src.url {
                    Some(raw) => {
                        let url = raw.get_ref().trim().to_string();
                        if !url::Url::parse(&url)
                            .is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                        {
                            c.error(
                                raw,
                                format!("source {name:?}: url {url:?} is not an http(s) URL"),
                            );
                        }
                        url
                    }
                    None => GDELT_API.to_string(),
                };
                match src
                    .query
                    .as_ref()
                    .map(|q| q.get_ref().trim())
                    .filter(|q| !q.is_empty())
                {
                    None => {
                        c.error(
                            s,
                            format!("source {name:?}: a gdelt source needs a non-empty `query`"),
                        );
                        String::new()
                    }
                    Some(q) => gdelt_url(&endpoint, q, &languages).unwrap_or_default(),
                }
            }
        };
        let searched = matches!(kind, SourceKind::GoogleNews | SourceKind::Gdelt);
        if searched && interval < MIN_GOOGLE_NEWS_INTERVAL {
            match &src.interval {
                Some(at) => c.error(
                    at,
                    format!(
                        "source {name:?}: a google-news or gdelt source is polled at most once a minute"
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
        // A GDELT search in one language: its items are in it.
        let lang = lang.or(match languages[..] {
            [one] if kind == SourceKind::Gdelt => Some(one),
            _ => None,
        });
        sources.push(Source {
            name,
            kind,
            url,
            page: page.flatten().map(Box::new),
            interval,
            tags: src.tags.clone(),
            lang,
        });
    }
    sources
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
