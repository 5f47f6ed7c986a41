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

mod dates;
mod decode;
mod known;
mod repair;

pub use dates::parse_date;
pub use decode::decode;
pub use known::Known;
pub use repair::repair;

use super::{Item, ParseError};
use crate::text::html::{collapse_whitespace, html_to_text};

/// What a feed document came to.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<Item>,
    /// How long the feed may be cached (`<ttl>`).
    pub ttl: Option<Duration>,
    /// Entries that could not be read, each as a short description (its
    /// title or first words), for the warning that names them.
    pub skipped: Vec<String>,
    /// This body's entries, for [`parse_new`] on the next one: empty when
    /// they cannot be told apart safely.
    pub known: Known,
}

/// Parses a feed fetched from `base` (to resolve relative links), served
/// with `content_type` (for its charset).
pub fn parse(
    body: &[u8],
    base: Option<&str>,
    content_type: Option<&str>,
) -> Result<Parsed, ParseError> {
    let mut parsed = parse_unread(body, base, content_type)?;
    parsed.items.iter_mut().for_each(Item::read_text);
    Ok(parsed)
}

/// [`parse`], with each item's summary and content left unread until
/// [`Item::read_text`].
pub fn parse_unread(
    body: &[u8],
    base: Option<&str>,
    content_type: Option<&str>,
) -> Result<Parsed, ParseError> {
    parse_text(&decode(body, content_type), base)
}

/// [`parse_unread`], leaving out the entries the last body also had
/// (`known`, from that body's [`Parsed::known`]): see [`Known`].
pub fn parse_new(
    body: &[u8],
    base: Option<&str>,
    content_type: Option<&str>,
    known: &Known,
) -> Result<Parsed, ParseError> {
    let text = decode(body, content_type);
    if !text.trim_start().starts_with('<') {
        return parse_text(&text, base);
    }
    let spans = entry_spans(&text);
    if spans.is_empty() || !known::side_by_side(&text, &spans) {
        return parse_text(&text, base);
    }
    let hashes: Vec<u64> = spans
        .iter()
        .map(|&(start, end)| known::entry_hash(&text[start..end]))
        .collect();
    if let Some(parsed) = only_new(&text, &spans, &hashes, known, base) {
        return Ok(parsed);
    }
    let mut parsed = parse_text(&text, base)?;
    if parsed.items.len() == hashes.len() && parsed.skipped.is_empty() {
        let links = parsed
            .items
            .iter()
            .map(|i| known::link_hash(i.link.as_deref()));
        parsed.known = Known::new(hashes.into_iter().zip(links));
    }
    Ok(parsed)
}

/// The entries of `text` that `known` does not list, parsed inside the
/// document's head and tail; `None` when the whole must be parsed.
fn only_new(
    text: &str,
    spans: &[(usize, usize)],
    hashes: &[u64],
    known: &Known,
    base: Option<&str>,
) -> Option<Parsed> {
    if known.is_empty() {
        return None;
    }
    let old: Vec<Option<u16>> = hashes.iter().map(|&h| known.link(h)).collect();
    let new = old.iter().filter(|l| l.is_none()).count();
    if new == spans.len() {
        return None;
    }
    let (first, last) = (spans[0].0, spans[spans.len() - 1].1);
    let mut document = String::with_capacity(first + text.len() - last + 1024);
    document.push_str(&text[..first]);
    for (&(start, end), link) in spans.iter().zip(&old) {
        if link.is_none() {
            document.push_str(&text[start..end]);
        }
    }
    document.push_str(&text[last..]);
    let mut parsed = parse_text(&document, base).ok()?;
    if parsed.items.len() != new || !parsed.skipped.is_empty() {
        return None;
    }
    let new_links: Vec<u16> = parsed
        .items
        .iter()
        .map(|i| known::link_hash(i.link.as_deref()))
        .collect();
    // A new entry sharing its link with a left-out one: the link is not
    // unique in the feed, which only the whole body shows to `item_keys`.
    let shared_link = new_links
        .iter()
        .any(|&link| link != 0 && old.contains(&Some(link)));
    if shared_link {
        return None;
    }
    let mut new_links = new_links.into_iter();
    let links = old
        .iter()
        .map(|l| l.or_else(|| new_links.next()).unwrap_or(0));
    parsed.known = Known::new(hashes.iter().copied().zip(links));
    Some(parsed)
}

/// A decoded feed document, repaired and parsed.
fn parse_text(text: &str, base: Option<&str>) -> Result<Parsed, ParseError> {
    let is_xml = text.trim_start().starts_with('<');
    let document: Cow<str> = if is_xml {
        Cow::Owned(repair(text))
    } else {
        Cow::Borrowed(text)
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
        known: Known::default(),
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
    let mut title = e.title.map(|t| text(t, atom)).unwrap_or_default();
    let mut media = e.media.into_iter();
    if title.is_empty() {
        if let Some(media) = media.clone().find_map(|m| m.title) {
            title = html_to_text(&media.content);
        }
    }
    Item {
        guid,
        title,
        link,
        summary: String::new(),
        content: String::new(),
        published: e.published.or(e.updated),
        unread: Some(Box::new(Unread {
            atom,
            summary: e.summary,
            // Media RSS and YouTube-style feeds put the description here.
            media_description: media.find_map(|m| m.description),
            content: e.content.and_then(|c| c.body),
        })),
    }
}

/// Markup is stripped only where the feed says the text is HTML; an Atom
/// `type="text"` title is kept as written, angle brackets and all. RSS
/// says nothing, and its titles and descriptions often carry markup.
fn text(t: feed_rs::model::Text, atom: bool) -> String {
    match (atom, t.content_type.to_string().as_str()) {
        (true, "text/plain") => collapse_whitespace(&t.content),
        _ => html_to_text(&t.content),
    }
}

/// An entry's summary and content as the feed wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    atom: bool,
    summary: Option<feed_rs::model::Text>,
    media_description: Option<feed_rs::model::Text>,
    content: Option<String>,
}

impl Unread {
    /// The summary and the content, as text.
    pub(super) fn read(self) -> (String, String) {
        let mut summary = self.summary.map(|t| text(t, self.atom)).unwrap_or_default();
        if summary.is_empty() {
            if let Some(desc) = self.media_description {
                summary = html_to_text(&desc.content);
            }
        }
        let content = self.content.map(|b| html_to_text(&b)).unwrap_or_default();
        (summary, content)
    }
}

#[cfg(test)]
mod tests {
    use super::repair::escape_bare_ampersands;
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

    fn rss(items: &[(&str, &str, &str)]) -> String {
        let items: String = items
            .iter()
            .map(|(guid, title, link)| {
                format!(
                    "<item><guid>{guid}</guid><title>{title}</title><link>{link}</link></item>\n"
                )
            })
            .collect();
        format!(
            "<rss version=\"2.0\"><channel><title>F</title><ttl>30</ttl>\n{items}</channel></rss>"
        )
    }

    fn titles(parsed: &Parsed) -> Vec<&str> {
        parsed.items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn entries_the_last_body_had_are_left_out_and_edited_ones_read_again() {
        let base = Some("https://e.example/");
        let first = rss(&[("b", "B", "/b"), ("a", "A", "/a")]);
        let first = parse_new(first.as_bytes(), base, None, &Known::default()).unwrap();
        assert_eq!(titles(&first), ["B", "A"]);
        assert_eq!(first.known.len(), 2);

        let next = rss(&[("c", "C", "/c"), ("b", "B edited", "/b"), ("a", "A", "/a")]);
        let next = parse_new(next.as_bytes(), base, None, &first.known).unwrap();
        assert_eq!(titles(&next), ["C", "B edited"]);
        assert_eq!(
            next.ttl,
            Some(Duration::from_secs(30 * 60)),
            "the head is read"
        );
        assert_eq!(next.known.len(), 3);

        // A body that changed outside its entries has nothing new.
        let same = rss(&[("c", "C", "/c"), ("b", "B edited", "/b"), ("a", "A", "/a")])
            .replace("<title>F</title>", "<title>F2</title>");
        let same = parse_new(same.as_bytes(), base, None, &next.known).unwrap();
        assert!(same.items.is_empty());
        assert_eq!(same.known, next.known);
    }

    #[test]
    fn a_new_entry_sharing_a_left_out_entrys_link_gets_the_whole_body_read() {
        let base = Some("https://e.example/");
        let first = rss(&[("a", "A", "/live?utm_source=rss")]);
        let first = parse_new(first.as_bytes(), base, None, &Known::default()).unwrap();
        // The same page, written otherwise: the same key.
        let next = rss(&[
            ("b", "B", "https://E.example/live"),
            ("a", "A", "/live?utm_source=rss"),
        ]);
        let next = parse_new(next.as_bytes(), base, None, &first.known).unwrap();
        assert_eq!(titles(&next), ["B", "A"]);
        assert_eq!(next.known.len(), 2);
    }

    #[test]
    fn entries_with_anything_between_them_are_all_read_every_time() {
        let doc = "<rss version=\"2.0\"><channel><title>F</title>\
                   <item><guid>a</guid><title>A</title></item><!-- ad -->\
                   <item><guid>b</guid><title>B</title></item></channel></rss>";
        let first = parse_new(doc.as_bytes(), None, None, &Known::default()).unwrap();
        assert_eq!(titles(&first), ["A", "B"]);
        assert!(first.known.is_empty());
        let again = parse_new(doc.as_bytes(), None, None, &first.known).unwrap();
        assert_eq!(titles(&again), ["A", "B"]);
    }

    #[test]
    fn atom_entries_are_left_out_too() {
        let atom = |entries: &[&str]| {
            let entries: String = entries
                .iter()
                .map(|id| {
                    format!("<entry><id>{id}</id><title>{id}</title><link href=\"/{id}\"/></entry>")
                })
                .collect();
            format!("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>F</title>{entries}</feed>")
        };
        let first = parse_new(atom(&["a"]).as_bytes(), None, None, &Known::default()).unwrap();
        let next = parse_new(atom(&["b", "a"]).as_bytes(), None, None, &first.known).unwrap();
        assert_eq!(titles(&next), ["b"]);
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
