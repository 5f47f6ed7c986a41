//! A feed's dates: feed-rs's own lenient reading, then the other forms
//! feeds use (no time, zone names, a space for `T`, asctime).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// A feed's date: feed-rs's own lenient reading (RFC 3339, 2822 and 1123
/// with their usual slips), then the other forms feeds use.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc2822(text))
        .map(|d| d.to_utc())
        .ok()
        .or_else(|| feed_rs_date(text))
        .or_else(|| other_date(text))
}

/// feed-rs's lenient date reading, which it does not export: through a
/// one-item feed.
fn feed_rs_date(text: &str) -> Option<DateTime<Utc>> {
    if text.contains(['<', '&']) {
        return None;
    }
    let doc = format!(
        "<rss version=\"2.0\"><channel><item><pubDate>{text}</pubDate></item></channel></rss>"
    );
    feed_rs::parser::parse(doc.as_bytes())
        .ok()?
        .entries
        .first()?
        .published
}

/// Zone names feeds write, as offsets in hours.
const ZONES: &[(&str, i32)] = &[
    ("UT", 0),
    ("UTC", 0),
    ("GMT", 0),
    ("Z", 0),
    ("ET", -5),
    ("EST", -5),
    ("EDT", -4),
    ("CT", -6),
    ("CST", -6),
    ("CDT", -5),
    ("MT", -7),
    ("MST", -7),
    ("MDT", -6),
    ("PT", -8),
    ("PST", -8),
    ("PDT", -7),
    ("AST", -4),
    ("VET", -4),
    ("ART", -3),
    ("BRT", -3),
    ("CLT", -4),
    ("COT", -5),
    ("WET", 0),
    ("BST", 1),
    ("CET", 1),
    ("CEST", 2),
];

fn other_date(text: &str) -> Option<DateTime<Utc>> {
    // A trailing zone name, as an offset.
    let (body, offset) = match text.rsplit_once(' ') {
        Some((body, zone)) => match ZONES.iter().find(|(z, _)| zone.eq_ignore_ascii_case(z)) {
            Some(&(_, hours)) => (body.trim(), hours * 3600),
            None => (text, 0),
        },
        None => (text, 0),
    };
    let zone = chrono::FixedOffset::east_opt(offset)?;
    let local = |naive: NaiveDateTime| {
        zone.from_local_datetime(&naive)
            .single()
            .map(|d| d.to_utc())
    };
    for format in [
        "%a, %d %b %Y %H:%M:%S",
        "%a, %d %b %Y %H:%M",
        "%d %b %Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%a %b %e %H:%M:%S %Y",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(body, format) {
            return local(naive);
        }
    }
    for format in ["%a, %d %b %Y", "%d %b %Y", "%Y-%m-%d"] {
        if let Ok(date) = NaiveDate::parse_from_str(body, format) {
            return local(date.and_hms_opt(0, 0, 0)?);
        }
    }
    // `2004-07-08 23:56:58 -0400` and the like.
    DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z")
        .map(|d| d.to_utc())
        .ok()
}
