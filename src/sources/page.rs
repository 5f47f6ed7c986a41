//! Sources without a feed: an HTML page read with CSS selectors (`page`),
//! and a public Telegram channel's web preview (`telegram-channel`).
//!
//! Pages are decoded in the charset they declare (the `Content-Type`
//! header, else `<meta charset>`, else UTF-8) through encoding_rs, links are
//! resolved against the page's URL, and dates are read in the usual formats,
//! including Spanish and Portuguese ones ("2 de julio de 2024").

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use scraper::{ElementRef, Html, Selector};

use super::{Item, ParseError};
use crate::config::PageSelectors;

/// The entries of a page fetched from `base`, read with `selectors`. A
/// page where the `item` selector matches nothing is an error: its layout
/// has likely changed.
pub fn extract(
    selectors: &PageSelectors,
    body: &[u8],
    content_type: Option<&str>,
    base: &str,
) -> Result<Vec<Item>, ParseError> {
    let html = Html::parse_document(&decode(body, content_type));
    let base = url::Url::parse(base).ok();
    let mut items = Vec::new();
    for entry in html.select(&selectors.item) {
        let title = entry
            .select(&selectors.title)
            .next()
            .map(text)
            .unwrap_or_default();
        if title.is_empty() {
            continue;
        }
        let link_el = match &selectors.link {
            Some(s) => entry.select(s).next(),
            None => entry.select(&A_HREF).next(),
        };
        let link = link_el.and_then(|el| href(el, base.as_ref()));
        let published = selectors
            .date
            .as_ref()
            .and_then(|s| entry.select(s).next())
            .and_then(|el| {
                el.value()
                    .attr("datetime")
                    .and_then(parse_date)
                    .or_else(|| parse_date(&text(el)))
            });
        let summary = selectors
            .summary
            .as_ref()
            .and_then(|s| entry.select(s).next())
            .map(text)
            .unwrap_or_default();
        items.push(Item {
            guid: None,
            title,
            link,
            summary,
            content: String::new(),
            published,
            unread: None,
        });
    }
    if items.is_empty() {
        return Err(ParseError::NoItems);
    }
    Ok(items)
}

static A_HREF: std::sync::LazyLock<Selector> =
    std::sync::LazyLock::new(|| Selector::parse("a[href]").expect("constant selector"));

/// An element's text, whitespace folded.
fn text(el: ElementRef<'_>) -> String {
    el.text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The element's `href` (or that of the first link inside it), absolute.
fn href(el: ElementRef<'_>, base: Option<&url::Url>) -> Option<String> {
    let raw = el
        .value()
        .attr("href")
        .or_else(|| {
            el.select(&A_HREF)
                .next()
                .and_then(|a| a.value().attr("href"))
        })?
        .trim();
    let url = match base {
        Some(b) => b.join(raw).ok()?,
        None => url::Url::parse(raw).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.into())
}

/// Decodes a page in the charset it declares: the `Content-Type` header,
/// else a `<meta>` in its first kilobytes, else UTF-8 (a BOM wins over all).
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&body[..body.len().min(4096)]));
    let encoding = declared
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode(body).0.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">`.
fn meta_charset(head: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let rest = head[at..].trim_start_matches(['"', '\'', ' ']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string()).filter(|s| !s.is_empty())
}

const MONTHS: [&[&str]; 12] = [
    &["january", "jan", "enero", "ene", "janeiro"],
    &["february", "feb", "febrero", "fevereiro", "fev"],
    &["march", "mar", "marzo", "março", "marco"],
    &["april", "apr", "abril", "abr"],
    &["may", "mayo", "maio", "mai"],
    &["june", "jun", "junio", "junho"],
    &["july", "jul", "julio", "julho"],
    &["august", "aug", "agosto", "ago"],
    &[
        "september",
        "sep",
        "sept",
        "septiembre",
        "setiembre",
        "setembro",
        "set",
    ],
    &["october", "oct", "octubre", "outubro", "out"],
    &["november", "nov", "noviembre", "novembro"],
    &["december", "dec", "diciembre", "dic", "dezembro", "dez"],
];

fn month(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|names| names.contains(&w.as_str()))
        .map(|i| i as u32 + 1)
}

/// Reads a date in the formats pages use: RFC 3339, RFC 2822, ISO dates
/// with or without a time, day/month/year with `/`, `-` or `.`, and dates
/// written out in English, Spanish or Portuguese. Times without a zone are
/// taken as UTC.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.to_utc());
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.to_utc());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    let day = |d: NaiveDate| Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
    for f in ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return day(d);
        }
    }
    // Written out: "2 de julio de 2024", "July 2, 2024", "2 July 2024".
    let words: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && !matches!(w.to_lowercase().as_str(), "de" | "del" | "of"))
        .map(str::to_string)
        .collect();
    let number = |w: &String| w.trim_end_matches(['.', 'º', 'o']).parse::<u32>().ok();
    let (mut d, mut m, mut y) = (None, None, None);
    for w in words.iter().take(4) {
        if let Some(mm) = month(w) {
            m = m.or(Some(mm));
        } else if let Some(n) = number(w) {
            if n > 31 {
                y = y.or(Some(n as i32));
            } else {
                d = d.or(Some(n));
            }
        }
    }
    day(NaiveDate::from_ymd_opt(y?, m?, d?)?)
}

static TG_MESSAGE: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(|| {
    Selector::parse(".tgme_widget_message[data-post]").expect("constant selector")
});
static TG_TEXT: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(|| {
    Selector::parse(".tgme_widget_message_text").expect("constant selector")
});
static TG_TIME: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(|| {
    Selector::parse(".tgme_widget_message_date time[datetime]").expect("constant selector")
});

/// The posts of a public channel's web preview (`https://t.me/s/<channel>`):
/// each with its post id, date, text and link `https://t.me/<channel>/<id>`.
/// Posts without text (a photo alone) are skipped. The title is the text's
/// first line.
pub fn telegram_channel(body: &[u8]) -> Result<Vec<Item>, ParseError> {
    let html = Html::parse_document(&decode(body, Some("text/html; charset=utf-8")));
    let mut items = Vec::new();
    for post in html.select(&TG_MESSAGE) {
        let id = post.value().attr("data-post").unwrap_or_default().trim();
        let Some(el) = post.select(&TG_TEXT).next() else {
            continue;
        };
        // Line breaks are <br>: keep them as newlines to find the first line.
        let mut lines = Vec::new();
        let mut line = String::new();
        for node in el.descendants() {
            if let Some(t) = node.value().as_text() {
                line.push_str(t);
            } else if node.value().as_element().is_some_and(|e| e.name() == "br") {
                lines.push(std::mem::take(&mut line));
            }
        }
        lines.push(line);
        let lines: Vec<String> = lines
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        let Some(first) = lines.first() else { continue };
        let published = post
            .select(&TG_TIME)
            .next()
            .and_then(|t| t.value().attr("datetime"))
            .and_then(parse_date);
        items.push(Item {
            guid: Some(format!("https://t.me/{id}")),
            title: first.clone(),
            link: Some(format!("https://t.me/{id}")),
            summary: lines.join("\n"),
            content: String::new(),
            published,
            unread: None,
        });
    }
    if items.is_empty() {
        return Err(ParseError::NoItems);
    }
    // The preview lists the newest post last; sources list newest first.
    items.reverse();
    Ok(items)
}

#[cfg(test)]
mod tests;
