//! Feeds (RSS 0.9x to 2.0, RDF, Atom 0.3 and 1.0, JSON Feed) read as feed
//! readers read them: leniently. feed-rs parses; this module gets the
//! document into a shape it accepts first, and reads entry by entry when
//! the whole still fails, so that one odd entry never hides the others.
//!
//! Before feed-rs sees an XML feed:
//! 1. **Bytes to text** ([`decode`]): a BOM (UTF-8, UTF-16, UTF-32) wins;
//!    else the HTTP `charset` (RFC 7303: it overrides the XML declaration);
//!    else the declaration's `encoding`; else UTF-8 when the bytes are
//!    UTF-8, else windows-1252 (what Latin-1 feeds really send). The
//!    declaration is then rewritten to say UTF-8.
//! 2. **Repairs** ([`repair`]): a bare `&` (`Q&A`, `?a=1&b=2`) is escaped;
//!    an `<rss>` with no version or one feed-rs does not know (0.93, 0.94,
//!    2.01) reads as 2.0, and RSS 0.9x items right under `<rss>` get their
//!    `<channel>`; Atom 0.3 reads as Atom 1.0 (`issued` is `published`); a
//!    text construct's empty or MIME `type` becomes `text`, `html` or
//!    `xhtml`; an item's `dc:title` or `media:title` stands in for a missing
//!    title, and `dcterms:issued`, `created` or `modified` for a missing
//!    date.
//! 3. **Entry by entry**: if feed-rs still refuses the document, each entry
//!    is parsed alone, inside the document's own head; an entry that still
//!    fails is skipped and named, and the feed fails only when none can be
//!    read.
//!
//! Dates are read by feed-rs's own lenient parser, then as the forms feeds
//! also use: a date with no time, zone names (`ET`, `VET`), `2004-07-08
//! 23:56:58`, C's asctime.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::{Item, ParseError};
use crate::text::normalize::{collapse_whitespace, html_to_text};

/// What a feed document came to.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<Item>,
    /// How long the feed may be cached (`<ttl>`).
    pub ttl: Option<Duration>,
    /// Entries that could not be read, each as a short description (its
    /// title or first words), for the warning that names them.
    pub skipped: Vec<String>,
}

/// Parses a feed fetched from `base` (to resolve relative links), served
/// with `content_type` (for its charset).
pub fn parse(
    body: &[u8],
    base: Option<&str>,
    content_type: Option<&str>,
) -> Result<Parsed, ParseError> {
    let text = decode(body, content_type);
    let is_xml = text.trim_start().starts_with('<');
    let document: Cow<str> = if is_xml {
        Cow::Owned(repair(&text))
    } else {
        Cow::Borrowed(&text)
    };
    match read(document.as_bytes(), base) {
        Ok(feed) if !(feed.entries.is_empty() && is_xml && has_entries(&document)) => {
            Ok(parsed(feed, Vec::new()))
        }
        whole => entry_by_entry(&document, base).ok_or_else(|| match whole {
            Err(e) => ParseError::NotAFeed(e.to_string()),
            Ok(_) => ParseError::NoReadableEntries,
        }),
    }
}

fn read(
    document: &[u8],
    base: Option<&str>,
) -> Result<feed_rs::model::Feed, feed_rs::parser::ParseFeedError> {
    feed_rs::parser::Builder::new()
        .base_uri(base)
        // An empty id marks an entry without one: the key then falls back
        // to the link or title (feed-rs's generated ids are not stable).
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(parse_date)
        .build()
        .parse(document)
}

fn parsed(feed: feed_rs::model::Feed, skipped: Vec<String>) -> Parsed {
    let atom = feed.feed_type == feed_rs::model::FeedType::Atom;
    Parsed {
        ttl: feed
            .ttl
            .map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        items: feed
            .entries
            .into_iter()
            .map(|e| item_from_entry(e, atom))
            .collect(),
        skipped,
    }
}

/// Each entry parsed alone inside the document's head and tail; `None`
/// when there are no entries or none can be read.
fn entry_by_entry(document: &str, base: Option<&str>) -> Option<Parsed> {
    let spans = entry_spans(document);
    let (first, last) = (spans.first()?.0, spans.last()?.1);
    let (head, tail) = (&document[..first], &document[last..]);
    let mut out = Parsed::default();
    for &(start, end) in &spans {
        let entry = &document[start..end];
        match read(format!("{head}{entry}{tail}").as_bytes(), base) {
            Ok(feed) => {
                let one = parsed(feed, Vec::new());
                out.ttl = out.ttl.or(one.ttl);
                out.items.extend(one.items);
            }
            Err(_) => out.skipped.push(describe_entry(entry)),
        }
    }
    (!out.items.is_empty()).then_some(out)
}

/// Where each `<item>` or `<entry>` element is, start tag to end tag.
fn entry_spans(document: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for name in ["item", "entry"] {
        let (open, close) = (format!("<{name}"), format!("</{name}>"));
        let mut at = 0;
        while let Some(found) = document[at..].find(&open) {
            let start = at + found;
            let after = document[start + open.len()..].chars().next();
            if !after.is_some_and(|c| c == '>' || c == '/' || c.is_whitespace()) {
                at = start + open.len();
                continue;
            }
            let Some(len) = document[start..].find(&close) else {
                break;
            };
            let end = start + len + close.len();
            spans.push((start, end));
            at = end;
        }
        if !spans.is_empty() {
            break;
        }
    }
    spans
}

fn has_entries(document: &str) -> bool {
    !entry_spans(document).is_empty()
}

/// An entry as a warning names it: its title, else its first words.
fn describe_entry(entry: &str) -> String {
    let title = entry
        .find("<title")
        .and_then(|at| entry[at..].find('>').map(|gt| at + gt + 1))
        .and_then(|from| {
            entry[from..]
                .find("</title>")
                .map(|len| &entry[from..from + len])
        });
    let text = html_to_text(title.unwrap_or(entry));
    let mut words: String = text.chars().take(80).collect();
    if words.is_empty() {
        words = collapse_whitespace(&entry.chars().take(80).collect::<String>());
    }
    words
}

fn item_from_entry(e: feed_rs::model::Entry, atom: bool) -> Item {
    // Markup is stripped only where the feed says the text is HTML; an Atom
    // `type="text"` title is kept as written, angle brackets and all. RSS
    // says nothing, and its titles and descriptions often carry markup.
    let text = |t: Option<feed_rs::model::Text>| {
        t.map(|t| match (atom, t.content_type.to_string().as_str()) {
            (true, "text/plain") => collapse_whitespace(&t.content),
            _ => html_to_text(&t.content),
        })
        .unwrap_or_default()
    };
    let guid = Some(e.id.trim().to_string()).filter(|id| !id.is_empty());
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(e.links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|l| !l.is_empty())
        // RSS's `<guid>` is a permalink unless it says otherwise: with no
        // `<link>`, a guid that is a web address is the item's link.
        .or_else(|| {
            guid.clone().filter(|g| {
                url::Url::parse(g).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            })
        });
    let mut title = text(e.title);
    if title.is_empty() {
        if let Some(media) = e.media.iter().find_map(|m| m.title.clone()) {
            title = html_to_text(&media.content);
        }
    }
    let mut summary = text(e.summary);
    if summary.is_empty() {
        // Media RSS and YouTube-style feeds put the description here.
        if let Some(desc) = e.media.iter().find_map(|m| m.description.clone()) {
            summary = html_to_text(&desc.content);
        }
    }
    let content = e
        .content
        .and_then(|c| c.body)
        .map(|b| html_to_text(&b))
        .unwrap_or_default();
    Item {
        guid,
        title,
        link,
        summary,
        content,
        published: e.published.or(e.updated),
    }
}

/// The feed's bytes as text (see the module doc for the order of evidence),
/// with the XML declaration made to say UTF-8.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let (text, from_bytes) = if let Some(text) = utf32(body) {
        (text, true)
    } else if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(body) {
        (
            encoding
                .decode_without_bom_handling(&body[bom..])
                .0
                .into_owned(),
            true,
        )
    } else if let Some(encoding) = content_type
        .and_then(charset_param)
        .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
    {
        (
            encoding.decode_without_bom_handling(body).0.into_owned(),
            true,
        )
    } else if let Some(encoding) = utf16_without_bom(body) {
        (
            encoding.decode_without_bom_handling(body).0.into_owned(),
            true,
        )
    } else if let Some(encoding) = declared_encoding(body)
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8)
    {
        (
            encoding.decode_without_bom_handling(body).0.into_owned(),
            true,
        )
    } else {
        match std::str::from_utf8(body) {
            Ok(text) => (text.to_string(), false),
            Err(_) => (
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(body)
                    .0
                    .into_owned(),
                true,
            ),
        }
    };
    if from_bytes {
        declare_utf8(text)
    } else {
        text
    }
}

/// The charset parameter of a Content-Type.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_ascii_lowercase())
    })
}

/// The `encoding` of an XML declaration read as ASCII.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(300)];
    let head = String::from_utf8_lossy(head);
    let decl = head.trim_start().strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let value = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    Some(value[..value.find(quote)?].trim().to_ascii_lowercase())
}

/// UTF-16 without a BOM, told by `<` and `?` with a zero byte beside each.
fn utf16_without_bom(body: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    match body.get(..4)? {
        [b'<', 0, b'?', 0] => Some(encoding_rs::UTF_16LE),
        [0, b'<', 0, b'?'] => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// UTF-32 (which encoding_rs does not read), told by its BOM or by `<`
/// padded to four bytes.
fn utf32(body: &[u8]) -> Option<String> {
    let (big, skip) = match body.get(..4)? {
        [0, 0, 0xFE, 0xFF] => (true, 4),
        [0xFF, 0xFE, 0, 0] => (false, 4),
        [0, 0, 0, b'<'] => (true, 0),
        [b'<', 0, 0, 0] => (false, 0),
        _ => return None,
    };
    Some(
        body[skip..]
            .chunks_exact(4)
            .map(|c| {
                let n = if big {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
    )
}

/// The XML declaration rewritten to say what the text now is.
fn declare_utf8(text: String) -> String {
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    if !rest.starts_with("<?xml") {
        return text;
    }
    let Some(end) = rest.find("?>") else {
        return text;
    };
    let decl = &rest[..end];
    let Some(at) = decl.find("encoding") else {
        return text;
    };
    let after = &decl[at..];
    let Some(q1) = after.find(['"', '\'']) else {
        return text;
    };
    let quote = &after[q1..=q1];
    let Some(q2) = after[q1 + 1..].find(quote) else {
        return text;
    };
    let (from, to) = (start + at, start + at + q1 + 1 + q2 + 1);
    format!("{}encoding=\"UTF-8\"{}", &text[..from], &text[to..])
}

/// The repairs of the module doc's step 2, on a decoded XML feed.
pub fn repair(xml: &str) -> String {
    let mut out = escape_bare_ampersands(xml);
    out = namespaces(out);
    out = rss_version(out);
    out = rdf_links(out);
    out = atom_03(out);
    out = text_types(out);
    out = stand_ins(out);
    out
}

/// `&` that starts no character or entity reference becomes `&amp;`,
/// outside CDATA sections and comments.
fn escape_bare_ampersands(xml: &str) -> String {
    if !xml.contains('&') {
        return xml.to_string();
    }
    let mut out = String::with_capacity(xml.len() + 16);
    let mut i = 0;
    while let Some(found) = xml[i..].find(['&', '<']) {
        let at = i + found;
        out.push_str(&xml[i..at]);
        let here = &xml[at..];
        let verbatim = [("<![CDATA[", "]]>"), ("<!--", "-->")]
            .into_iter()
            .find(|(open, _)| here.starts_with(open));
        if let Some((_, close)) = verbatim {
            let end = here.find(close).map_or(here.len(), |e| e + close.len());
            out.push_str(&here[..end]);
            i = at + end;
            continue;
        }
        if here.starts_with('&') && !starts_reference(&here[1..]) {
            out.push_str("&amp;");
        } else {
            out.push_str(&here[..1]);
        }
        i = at + 1;
    }
    out.push_str(&xml[i..]);
    out
}

/// Whether text right after a `&` is a reference: `name;`, `#123;`,
/// `#x1F;`.
fn starts_reference(after: &str) -> bool {
    // Within 40 bytes (the longest entity name is 31), by bytes: a cut
    // there may fall inside a char.
    let Some(end) = after.bytes().take(40).position(|b| b == b';') else {
        return false;
    };
    let name = &after[..end];
    if let Some(num) = name.strip_prefix('#') {
        return match num.strip_prefix(['x', 'X']) {
            Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
            None => !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()),
        };
    }
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The start tag of the document's root element, as (start, end) offsets.
fn root_tag(xml: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    loop {
        let start = at + xml[at..].find('<')?;
        let next = xml[start + 1..].chars().next()?;
        if next == '?' || next == '!' {
            let close = if xml[start..].starts_with("<!--") {
                "-->"
            } else {
                ">"
            };
            at = start + xml[start..].find(close)? + close.len();
            continue;
        }
        let end = start + xml[start..].find('>')? + 1;
        return Some((start, end));
    }
}

/// An `<rss>` of a version feed-rs does not know reads as 2.0; items right
/// under it get a `<channel>`.
fn rss_version(xml: String) -> String {
    let Some((start, end)) = root_tag(&xml) else {
        return xml;
    };
    let tag = &xml[start..end];
    if !(tag.starts_with("<rss ") || tag.starts_with("<rss>") || tag.starts_with("<rss\n")) {
        return xml;
    }
    let version = attr(tag, "version");
    let mut tag = tag.to_string();
    if !matches!(version.as_deref(), Some("2.0" | "0.91" | "0.92")) {
        tag = match &version {
            Some(v) => tag.replacen(&format!("\"{v}\""), "\"2.0\"", 1).replacen(
                &format!("'{v}'"),
                "'2.0'",
                1,
            ),
            None => tag.replacen("<rss", "<rss version=\"2.0\"", 1),
        };
    }
    let mut out = format!("{}{}{}", &xml[..start], tag, &xml[end..]);
    if !out.contains("<channel") {
        let body_start = start + tag.len();
        if let Some(close) = out.rfind("</rss>") {
            out = format!(
                "{}<channel>{}</channel>{}",
                &out[..body_start],
                &out[body_start..close],
                &out[close..]
            );
        }
    }
    out
}

/// RSS in a namespace feed-rs does not know: RSS 0.90's read as RSS 1.0's,
/// and a default namespace on `<rss>` (which RSS 2.0 has none of) dropped.
fn namespaces(xml: String) -> String {
    const RSS_090: &str = "http://my.netscape.com/rdf/simple/0.9/";
    let mut out = match xml.contains(RSS_090) {
        true => xml.replace(RSS_090, "http://purl.org/rss/1.0/"),
        false => xml,
    };
    let Some((start, end)) = root_tag(&out) else {
        return out;
    };
    let tag = &out[start..end];
    if tag.starts_with("<rss") {
        if let Some(ns) = attr(tag, "xmlns") {
            let tag = tag.replacen(&format!("xmlns=\"{ns}\""), "", 1).replacen(
                &format!("xmlns='{ns}'"),
                "",
                1,
            );
            out = format!("{}{}{}", &out[..start], tag, &out[end..]);
        }
    }
    out
}

/// RSS 1.0 items with no `<link>` (which feed-rs drops) get their
/// `rdf:about`, the item's address, as their link.
fn rdf_links(xml: String) -> String {
    if !xml.contains("rdf:about") {
        return xml;
    }
    let spans = entry_spans(&xml);
    let mut out = String::with_capacity(xml.len());
    let mut last = 0;
    for (start, end) in spans {
        let entry = &xml[start..end];
        let Some(gt) = entry.find('>') else { continue };
        let about = attr(&entry[..gt], "rdf:about");
        match about {
            Some(about) if !entry.contains("<link") => {
                out.push_str(&xml[last..start + gt + 1]);
                out.push_str(&format!("<link>{about}</link>"));
                last = start + gt + 1;
            }
            _ => {}
        }
    }
    out.push_str(&xml[last..]);
    out
}

/// An attribute's value in a start tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let mut at = 0;
    while let Some(found) = tag[at..].find(name) {
        let start = at + found;
        at = start + name.len();
        let before = tag[..start].chars().last();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let value = tag[at..].trim_start().strip_prefix('=')?.trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &value[1..];
        return Some(value[..value.find(quote)?].to_string());
    }
    None
}

/// Atom 0.3 (`xmlns="http://purl.org/atom/ns#"`) read as Atom 1.0.
fn atom_03(xml: String) -> String {
    const OLD: &str = "http://purl.org/atom/ns#";
    if !xml.contains(OLD) {
        return xml;
    }
    xml.replace(OLD, "http://www.w3.org/2005/Atom")
        .replace("<issued>", "<published>")
        .replace("</issued>", "</published>")
        .replace("<modified>", "<updated>")
        .replace("</modified>", "</updated>")
        .replace("<created>", "<published>")
        .replace("</created>", "</published>")
        .replace("<tagline", "<subtitle")
        .replace("</tagline>", "</subtitle>")
}

/// Atom text constructs whose `type` is empty or a MIME type: as `text`,
/// `html` or `xhtml`, which feed-rs reads.
fn text_types(xml: String) -> String {
    if !xml.contains("type=") {
        return xml;
    }
    let mut out = xml;
    for element in ["title", "subtitle", "summary", "rights", "content"] {
        for (from, to) in [
            ("\"\"", "\"text\""),
            ("\"text/plain\"", "\"text\""),
            ("\"text/html\"", "\"html\""),
            ("\"application/xhtml+xml\"", "\"xhtml\""),
        ] {
            let odd = format!("<{element} type={from}");
            if out.contains(&odd) {
                out = out.replace(&odd, &format!("<{element} type={to}"));
            }
        }
    }
    out
}

/// Within each item: `dc:title` or `media:title` for a missing title, and
/// `dcterms:issued`, `created`, `modified` or `date` for a missing date.
fn stand_ins(xml: String) -> String {
    if !xml.contains("dc:title") && !xml.contains("media:title") && !xml.contains("<dcterms:") {
        return xml;
    }
    let spans = entry_spans(&xml);
    if spans.is_empty() {
        return xml;
    }
    let atom = xml[..spans[0].0].contains("<feed");
    let mut out = String::with_capacity(xml.len());
    let mut last = 0;
    for (start, end) in spans {
        out.push_str(&xml[last..start]);
        let mut entry = xml[start..end].to_string();
        if !entry.contains("<title") {
            for prefix in ["dc", "media"] {
                let open = format!("<{prefix}:title");
                if entry.contains(&open) {
                    entry = entry.replacen(&open, "<title", 1).replacen(
                        &format!("</{prefix}:title>"),
                        "</title>",
                        1,
                    );
                    break;
                }
            }
        }
        let dated = ["<pubDate", "<dc:date", "<published", "<updated"]
            .iter()
            .any(|t| entry.contains(t));
        if !dated {
            let to = if atom { "published" } else { "pubDate" };
            for term in ["issued", "created", "modified", "date"] {
                let open = format!("<dcterms:{term}>");
                if entry.contains(&open) {
                    entry = entry.replacen(&open, &format!("<{to}>"), 1).replacen(
                        &format!("</dcterms:{term}>"),
                        &format!("</{to}>"),
                        1,
                    );
                    break;
                }
            }
        }
        out.push_str(&entry);
        last = end;
    }
    out.push_str(&xml[last..]);
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_kept_and_bare_ampersands_escaped_next_to_any_char() {
        let xml = "<t>a&amp;b &#233; &#xE9; &oacute; Q&A p\u{e1}rrafo&lt;/p&gt; \
                   <![CDATA[x & y]]> <!-- & --> ?a=1&b=2 & &; &#; &#x;</t>";
        assert_eq!(
            escape_bare_ampersands(xml),
            "<t>a&amp;b &#233; &#xE9; &oacute; Q&amp;A p\u{e1}rrafo&lt;/p&gt; \
             <![CDATA[x & y]]> <!-- & --> ?a=1&amp;b=2 &amp; &amp;; &amp;#; &amp;#x;</t>"
        );
        // A reference right after two-byte chars, its `;` 40 bytes on.
        let long = format!("{}&gt;", "\u{e1}".repeat(30));
        assert_eq!(escape_bare_ampersands(&long), long);
    }

    #[test]
    fn a_well_formed_feed_is_left_as_it_is() {
        let doc = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>a &amp; b</title>\
                   <item><title>T\u{ed}tulo &lt;b&gt;</title><link>https://e.example/?a=1&amp;b=2</link>\
                   </item></channel></rss>";
        assert_eq!(repair(doc), doc);
    }

    #[test]
    fn the_http_charset_wins_over_the_declaration() {
        let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>M\xe9rida</t>";
        let text = decode(body, Some("text/xml; charset=\"iso-8859-1\""));
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>M\u{e9}rida</t>"
        );
    }
}
