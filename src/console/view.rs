//! What the templates show: text cut into highlighted and plain runs,
//! links that are only links when they are http(s), items as a reader
//! sees them. The templates escape every piece.

use std::ops::Range;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::intake;
use crate::matching::{field_spans, Field, ItemText, Matcher};
use crate::store::ItemRow;

/// A run of text, highlighted or not.
pub struct Seg {
    pub text: String,
    pub hit: bool,
}

/// A link to an item: `href` only for an http(s) address (a feed's
/// `javascript:` link stays text).
pub struct Link {
    pub href: Option<String>,
    pub text: Vec<Seg>,
}

/// An item as the pages show it.
pub struct ItemView {
    pub title: Link,
    pub source: String,
    pub found_at: String,
    pub story: Option<i64>,
    /// The rules it fired when it was found (or, in a backtest, before → after).
    pub rules: Vec<String>,
    pub summary: Vec<Seg>,
    /// Terms and names it matched, as written in the config.
    pub matched: Vec<String>,
}

/// Characters of a summary shown on a page.
const SUMMARY_CHARS: usize = 600;

pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn when_opt(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "never".to_string(), when)
}

/// `text` cut at `spans` (byte ranges, sorted; overlaps skipped), at most
/// `limit` characters of it.
pub fn segments(text: &str, spans: &[Range<usize>], limit: usize) -> Vec<Seg> {
    let end = text
        .char_indices()
        .nth(limit)
        .map_or(text.len(), |(i, _)| i);
    let mut out = Vec::new();
    let mut at = 0;
    for s in spans {
        if s.start < at || s.end > end || !text.is_char_boundary(s.start) {
            continue;
        }
        if s.start > at {
            out.push(Seg {
                text: text[at..s.start].to_string(),
                hit: false,
            });
        }
        out.push(Seg {
            text: text[s.clone()].to_string(),
            hit: true,
        });
        at = s.end;
    }
    if at < end {
        out.push(Seg {
            text: text[at..end].to_string(),
            hit: false,
        });
    }
    if end < text.len() {
        out.push(Seg {
            text: "…".to_string(),
            hit: false,
        });
    }
    out
}

pub fn link(href: Option<&str>, text: Vec<Seg>) -> Link {
    let href = href
        .filter(|h| url::Url::parse(h).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
        .map(str::to_string);
    Link { href, text }
}

/// An item with what the running config highlights in it (the terms and
/// names of the rules it fires now) and the rules it fired when found.
pub fn item(row: &ItemRow, matcher: &Matcher, config: &Config) -> ItemView {
    let text = ItemText {
        title: &row.title,
        summary: &row.summary,
        content: "",
    };
    let judged = intake::judge(matcher, config.source(&row.source), &text);
    let spans = matcher.highlights(&judged.verdict);
    let (rules, matched) = match &row.explanation {
        Some(e) => {
            let mut matched = e.terms.clone();
            matched.extend(e.names.iter().cloned());
            (e.rules.clone(), matched)
        }
        None => (Vec::new(), Vec::new()),
    };
    ItemView {
        title: link(
            row.link.as_deref(),
            segments(&row.title, &field_spans(&spans, Field::Title), usize::MAX),
        ),
        source: row.source.clone(),
        found_at: when(row.found_at),
        story: row.story,
        rules,
        summary: segments(
            &row.summary,
            &field_spans(&spans, Field::Summary),
            SUMMARY_CHARS,
        ),
        matched,
    }
}

/// An item a backtest found changed, highlighted as the backtest matched it.
pub fn changed(c: &crate::backtest::Changed) -> ItemView {
    let mut matched = c.terms.clone();
    matched.extend(c.names.iter().cloned());
    let show = |rules: &[String]| {
        if rules.is_empty() {
            "none".to_string()
        } else {
            rules.join(", ")
        }
    };
    ItemView {
        title: link(
            c.link.as_deref(),
            segments(
                &c.title,
                &field_spans(&c.highlights, Field::Title),
                usize::MAX,
            ),
        ),
        source: c.source.clone(),
        found_at: when(c.found_at),
        story: None,
        rules: vec![format!("{} → {}", show(&c.before), show(&c.after))],
        summary: segments(
            &c.summary,
            &field_spans(&c.highlights, Field::Summary),
            SUMMARY_CHARS,
        ),
        matched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(segs: &[Seg]) -> String {
        segs.iter()
            .map(|s| {
                if s.hit {
                    format!("[{}]", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn segments_mark_spans_and_cut_long_text_on_a_character() {
        let text = "Detienen a periodista en Caracas";
        assert_eq!(
            shown(&segments(text, &[0..8, 11..21], usize::MAX)),
            "[Detienen] a [periodista] en Caracas"
        );
        // Cut after 10 characters: a span past the cut is not shown.
        assert_eq!(shown(&segments(text, &[0..8, 11..21], 10)), "[Detienen] a…");
        assert_eq!(shown(&segments("ñandú ñandú", &[], 3)), "ñan…");
    }

    #[test]
    fn only_http_links_are_links() {
        assert!(link(Some("https://e.org/a"), vec![]).href.is_some());
        assert!(link(Some("javascript:alert(1)"), vec![]).href.is_none());
        assert!(link(Some("data:text/html,x"), vec![]).href.is_none());
        assert!(link(None, vec![]).href.is_none());
    }
}
