//! Sources: fetching and parsing what a team watches into [`Item`]s.
//!
//! Only the `feed` kind exists so far: RSS 0.9/1.0/2.0, Atom and JSON Feed,
//! parsed by feed-rs. Each item gets a stable key (see [`Item::key`]) so it is
//! recorded, matched and alerted at most once, whatever its source does later.

pub mod feed;
pub mod fetch;
pub mod gdelt;
pub mod page;

use chrono::{DateTime, Utc};

use crate::matching::ItemText;
use crate::text::normalize::fold;

/// One entry of a source, in plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// The feed's own id (RSS guid, Atom id, JSON Feed id), when it has one.
    pub guid: Option<String>,
    pub title: String,
    /// The entry's link, absolute.
    pub link: Option<String>,
    pub summary: String,
    /// Full content when the feed carries it.
    pub content: String,
    pub published: Option<DateTime<Utc>>,
    /// The summary and content as a feed wrote them, until
    /// [`Item::read_text`] makes them text: a poll does that only for the
    /// items it has not seen. `None` once read.
    pub(crate) unread: Option<Box<feed::Unread>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed (RSS, Atom or JSON Feed): {0}")]
    NotAFeed(String),
    #[error(
        "no entries found: the `item` selector matches nothing (has the page's layout changed?)"
    )]
    NoItems,
    #[error("the feed has entries but none of them can be read")]
    NoReadableEntries,
}

impl ParseError {
    /// A short, stable name for the kind of failure (source health).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotAFeed(_) => "not-a-feed",
            Self::NoItems => "no-items",
            Self::NoReadableEntries => "no-readable-entries",
        }
    }
}

/// Parses what `source` fetched from `base` (where the body came from,
/// after redirects: relative links resolve against it) into items, newest
/// first as feeds list them, with the feed's `<ttl>` and the entries it
/// had to skip.
pub fn parse_source(
    source: &crate::config::Source,
    body: &[u8],
    content_type: Option<&str>,
    base: &str,
) -> Result<feed::Parsed, ParseError> {
    let mut parsed = parse_source_new(source, body, content_type, base, &feed::Known::default())?;
    parsed.items.iter_mut().for_each(Item::read_text);
    Ok(parsed)
}

/// [`parse_source`] as a poller reads a source: a feed's entries that its
/// last body also had (`known`) are left out (see [`feed::parse_new`]),
/// and each item's summary and content are left as the feed wrote them
/// until [`Item::read_text`]: most items of a changed feed were seen
/// before, and turning their HTML into text is wasted on them.
pub fn parse_source_new(
    source: &crate::config::Source,
    body: &[u8],
    content_type: Option<&str>,
    base: &str,
    known: &feed::Known,
) -> Result<feed::Parsed, ParseError> {
    use crate::config::SourceKind;
    let items = |items| feed::Parsed {
        items,
        ..Default::default()
    };
    match (&source.kind, &source.page) {
        (SourceKind::Page, Some(selectors)) => {
            Ok(items(page::extract(selectors, body, content_type, base)?))
        }
        (SourceKind::TelegramChannel, _) => Ok(items(page::telegram_channel(body)?)),
        (SourceKind::Gdelt, _) => Ok(items(gdelt::parse(body)?)),
        _ => feed::parse_new(body, Some(base), content_type, known),
    }
}

/// Parses a feed document fetched from `base` (used to resolve relative
/// links). Entries that cannot be read are left out; see [`feed::parse`]
/// for which they were.
pub fn parse_feed(body: &[u8], base: Option<&str>) -> Result<Vec<Item>, ParseError> {
    feed::parse(body, base, None).map(|p| p.items)
}

impl Item {
    /// Makes the summary and content text, if a feed left them unread.
    pub fn read_text(&mut self) {
        if let Some(unread) = self.unread.take() {
            (self.summary, self.content) = unread.read();
        }
    }

    /// The fields matching looks at.
    pub fn text(&self) -> ItemText<'_> {
        ItemText {
            title: &self.title,
            summary: &self.summary,
            content: if self.content == self.summary {
                ""
            } else {
                &self.content
            },
        }
    }

    /// The stable identity of this item: the feed's id, else its canonical
    /// link, else its folded title. An id that is a URL or URN is taken as
    /// global (the same story seen in two feeds is one item); a bare id like
    /// `"42"` is only unique within its source, so it is scoped by source name.
    pub fn key(&self, source: &str) -> String {
        if let Some(guid) = &self.guid {
            if guid.contains("://") || guid.starts_with("urn:") || guid.starts_with("tag:") {
                return format!("id:{guid}");
            }
            return format!("id:{source}\n{guid}");
        }
        if let Some(link) = &self.link {
            return format!("link:{}", canonical_link(link));
        }
        format!("title:{source}\n{}", fold(&self.title))
    }
}

/// Every key each item of one fetch is known by: [`Item::key`] first, then
/// its canonical link's when the item has an id and no other item of the
/// fetch has that link. A feed whose ids change on every fetch while links
/// stay then repeats nothing; a feed that gives every item the same link
/// loses none.
///
/// A link's key under the canonical form of earlier versions is listed too
/// where it differs, so an item recorded before an upgrade is still known
/// after it. Each link is parsed once.
pub fn item_keys(source: &str, items: &[Item]) -> Vec<Vec<String>> {
    let forms: Vec<Option<(String, String)>> = items
        .iter()
        .map(|i| i.link.as_deref().map(link_forms))
        .collect();
    let mut counts = std::collections::HashMap::new();
    for (canonical, _) in forms.iter().flatten() {
        *counts.entry(canonical.as_str()).or_insert(0) += 1;
    }
    items
        .iter()
        .zip(&forms)
        .map(|(item, forms)| {
            // `Item::key`, with the link's parse already done.
            let mut keys = vec![match forms {
                Some((canonical, _)) if item.guid.is_none() => format!("link:{canonical}"),
                _ => item.key(source),
            }];
            if let Some((canonical, legacy)) = forms {
                if item.guid.is_none() || counts[canonical.as_str()] == 1 {
                    for form in [canonical, legacy] {
                        let key = format!("link:{form}");
                        if !keys.contains(&key) {
                            keys.push(key);
                        }
                    }
                }
            }
            keys
        })
        .collect()
}

/// A 128-bit hash of a key, fixed by the XXH3 specification (so the same on
/// every platform and Rust version, unlike `DefaultHasher`).
pub fn key_hash(key: &str) -> [u8; 16] {
    xxhash_rust::xxh3::xxh3_128(key.as_bytes()).to_be_bytes()
}

/// Query parameters that only say where a reader came from.
fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || k.starts_with("_hs")
        || matches!(
            k.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "gbraid"
                | "wbraid"
                | "msclkid"
                | "yclid"
                | "twclid"
                | "igshid"
                | "mc_cid"
                | "mc_eid"
                | "ocid"
                | "mkt_tok"
                | "cmpid"
                | "smid"
                | "ref_src"
                | "amp"
                | "outputtype"
        )
}

/// A link reduced to what identifies the page, so that one report reached
/// by different links is one item: lower-case scheme and host, no default
/// port (the url crate's parsing), no fragment, no tracking parameters, the
/// rest of the query sorted, AMP versions folded into the page they copy
/// (`amp.` hosts, `/amp` path segments, a `.amp` suffix, `?amp`, Google's
/// AMP cache), and no trailing slash. A link that is not a URL stays as it
/// is, trimmed.
pub fn canonical_link(link: &str) -> String {
    match url::Url::parse(link.trim()) {
        Ok(url) => canonical(url),
        Err(_) => link.trim().to_string(),
    }
}

/// A link's [`canonical_link`] and its legacy form, from one parse.
fn link_forms(link: &str) -> (String, String) {
    match url::Url::parse(link.trim()) {
        Ok(url) => (canonical(url.clone()), legacy_canonical(url)),
        Err(_) => (link.trim().to_string(), link.trim().to_string()),
    }
}

fn canonical(mut url: url::Url) -> String {
    if let Some(origin) = amp_cache_origin(&url) {
        url = origin;
    }
    url.set_fragment(None);
    if let Some(host) = url.host_str().and_then(|h| h.strip_prefix("amp.")) {
        if host.contains('.') {
            let host = host.to_string();
            // Cannot fail: a suffix of a valid host is a valid host.
            let _ = url.set_host(Some(&host));
        }
    }
    if url.query().is_some() {
        let mut kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        kept.sort();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    if let Some(segments) = url.path_segments() {
        let mut segments: Vec<String> = segments
            .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("amp"))
            .map(str::to_string)
            .collect();
        if let Some(last) = segments.last_mut() {
            if let Some(stem) = last.strip_suffix(".amp") {
                *last = stem.to_string();
            } else if let Some(stem) = last.strip_suffix(".amp.html") {
                *last = format!("{stem}.html");
            }
        }
        let path = format!("/{}", segments.join("/"));
        url.set_path(&path);
    }
    let mut out = url.to_string();
    // The root's slash is part of the URL's serialization: drop it too, so
    // `https://a.org` and `https://a.org/` meet.
    if url.path() == "/" && url.query().is_none() && out.ends_with('/') {
        out.pop();
    }
    out
}

/// The page a Google AMP cache URL copies:
/// `https://www-example-org.cdn.ampproject.org/c/s/www.example.org/a` is
/// `https://www.example.org/a`.
fn amp_cache_origin(url: &url::Url) -> Option<url::Url> {
    if !url.host_str()?.ends_with(".cdn.ampproject.org") {
        return None;
    }
    let path = url.path();
    let (scheme, rest) = if let Some(rest) = path.strip_prefix("/c/s/") {
        ("https", rest)
    } else {
        ("http", path.strip_prefix("/c/")?)
    };
    let mut origin = url::Url::parse(&format!("{scheme}://{rest}")).ok()?;
    origin.set_query(url.query());
    Some(origin)
}

/// The canonical form vigia used before AMP folding, sorting and trailing
/// slashes, kept so that items recorded under it are still known.
fn legacy_canonical(mut url: url::Url) -> String {
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                !(k.starts_with("utm_")
                    || matches!(
                        k.as_str(),
                        "fbclid" | "gclid" | "mc_cid" | "mc_eid" | "ocid"
                    ))
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>T</title><link>https://example.org/</link>
<item><title>Detienen a &lt;b&gt;periodista&lt;/b&gt; &amp; activista</title>
<link>https://example.org/a?utm_source=x#top</link><guid isPermaLink="false">42</guid>
<description>&lt;p&gt;Texto &amp;amp; m&amp;aacute;s&lt;/p&gt;</description>
<pubDate>Tue, 02 Jul 2024 14:58:44 -0400</pubDate></item>
<item><title>Sin guid</title><link>https://example.org/b?utm_medium=y&amp;id=7</link></item>
<item><title>Ni guid ni link</title></item>
</channel></rss>"#;

    #[test]
    fn parses_rss_items_to_plain_text() {
        let items = parse_feed(RSS.as_bytes(), Some("https://example.org/feed")).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].title, "Detienen a periodista & activista");
        assert_eq!(items[0].summary, "Texto & más");
        assert_eq!(items[0].guid.as_deref(), Some("42"));
        assert_eq!(
            items[0].published.unwrap().to_rfc3339(),
            "2024-07-02T18:58:44+00:00"
        );
        assert_eq!(items[1].guid, None);
    }

    #[test]
    fn text_left_unread_by_a_poll_reads_as_a_full_parse_gives_it() {
        let media = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
<item><title>Video</title><link>https://example.org/v</link>
<media:group><media:description>Detenido &lt;b&gt;en&lt;/b&gt; Caracas</media:description></media:group>
</item></channel></rss>"#;
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>
<entry><id>urn:1</id><title>A</title><summary type="text">a &lt;b&gt; stays</summary>
<content type="html">&lt;p&gt;Full&lt;/p&gt;</content></entry></feed>"#;
        for doc in [RSS, media, atom] {
            let full = feed::parse(doc.as_bytes(), None, None).unwrap().items;
            let mut unread = feed::parse_unread(doc.as_bytes(), None, None)
                .unwrap()
                .items;
            assert!(unread.iter().all(|i| i.summary.is_empty()));
            unread.iter_mut().for_each(Item::read_text);
            assert_eq!(unread, full);
            assert!(!full[0].summary.is_empty(), "{doc}");
        }
        let atom = feed::parse(atom.as_bytes(), None, None).unwrap().items;
        assert_eq!(atom[0].summary, "a <b> stays");
        assert_eq!(atom[0].content, "Full");
    }

    #[test]
    fn keys_fall_back_from_guid_to_link_to_title() {
        let items = parse_feed(RSS.as_bytes(), None).unwrap();
        assert_eq!(items[0].key("S"), "id:S\n42");
        assert_eq!(items[1].key("S"), "link:https://example.org/b?id=7");
        assert_eq!(items[2].key("S"), "title:S\nni guid ni link");
        let global = Item {
            guid: Some("https://x.org/?p=1".into()),
            ..items[2].clone()
        };
        assert_eq!(global.key("A"), global.key("B"));
    }

    #[test]
    fn key_hash_is_fixed() {
        // XXH3-128 of "id:x", as the algorithm's specification defines it;
        // a change here would re-alert every stored item.
        assert_eq!(key_hash("id:x"), key_hash("id:x"));
        assert_ne!(key_hash("id:x"), key_hash("id:y"));
        assert_eq!(
            u128::from_be_bytes(key_hash("")),
            0x99aa06d3014798d86001c324468d497f
        );
    }

    #[test]
    fn canonical_links_fold_what_does_not_identify_the_page() {
        let table = [
            // scheme and host case, fragment, tracking parameters
            (
                "HTTPS://Example.ORG/a?utm_source=x&b=2&fbclid=z#frag",
                "https://example.org/a?b=2",
            ),
            (
                "https://example.org/a?gclid=1&mc_cid=2&mc_eid=3&ocid=4",
                "https://example.org/a",
            ),
            (
                "https://example.org/a?utm_medium=rss&utm_campaign=x",
                "https://example.org/a",
            ),
            // default ports
            ("https://example.org:443/a", "https://example.org/a"),
            ("http://example.org:80/a", "http://example.org/a"),
            ("https://example.org:8443/a", "https://example.org:8443/a"),
            // the rest of the query kept, in one order
            (
                "https://example.org/a?p=2&id=7",
                "https://example.org/a?id=7&p=2",
            ),
            (
                "https://example.org/a?id=7&p=2",
                "https://example.org/a?id=7&p=2",
            ),
            // trailing slashes
            ("https://example.org/a/b/", "https://example.org/a/b"),
            ("https://example.org/", "https://example.org"),
            ("https://example.org", "https://example.org"),
            // AMP versions
            (
                "https://example.org/2024/07/detienen/amp/",
                "https://example.org/2024/07/detienen",
            ),
            (
                "https://example.org/amp/2024/07/detienen",
                "https://example.org/2024/07/detienen",
            ),
            (
                "https://example.org/detienen?amp",
                "https://example.org/detienen",
            ),
            (
                "https://example.org/detienen?amp=1&id=3",
                "https://example.org/detienen?id=3",
            ),
            (
                "https://example.org/detienen?outputType=amp",
                "https://example.org/detienen",
            ),
            (
                "https://amp.example.org/detienen",
                "https://example.org/detienen",
            ),
            (
                "https://www.bbc.com/mundo/articles/c123.amp",
                "https://www.bbc.com/mundo/articles/c123",
            ),
            (
                "https://example.org/nota.amp.html",
                "https://example.org/nota.html",
            ),
            (
                "https://www-example-org.cdn.ampproject.org/c/s/www.example.org/nota/amp/",
                "https://www.example.org/nota",
            ),
            // what is not AMP stays
            (
                "https://example.org/ampliacion",
                "https://example.org/ampliacion",
            ),
            ("https://amp.org/a", "https://amp.org/a"),
            (
                "https://example.org/a?lamp=1",
                "https://example.org/a?lamp=1",
            ),
            // not a URL
            ("  not a url ", "not a url"),
        ];
        for (link, canonical) in table {
            assert_eq!(canonical_link(link), canonical, "{link}");
            assert_eq!(canonical_link(canonical), canonical, "twice: {link}");
        }
    }

    #[test]
    fn parses_atom_json_feed_and_rss_1() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2024-07-02T18:58:44Z</updated>
<entry><title type="html">Detenido &lt;em&gt;en&lt;/em&gt; Caracas</title><id>urn:uuid:1</id>
<link rel="alternate" href="/n/1"/><updated>2024-07-02T18:58:44Z</updated>
<content type="html">&lt;p&gt;Texto completo&lt;/p&gt;</content></entry></feed>"#;
        let items = parse_feed(atom.as_bytes(), Some("https://example.org/feed")).unwrap();
        assert_eq!(items[0].title, "Detenido en Caracas");
        assert_eq!(items[0].link.as_deref(), Some("https://example.org/n/1"));
        assert_eq!(items[0].content, "Texto completo");
        assert_eq!(items[0].key("S"), "id:urn:uuid:1");

        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
            "items": [{"id": "7", "url": "https://example.org/7", "title": "Liberan a preso",
                       "content_html": "<p>Hoy</p>", "summary": "Resumen",
                       "date_published": "2024-07-02T18:58:44Z"}]}"#;
        let items = parse_feed(json.as_bytes(), None).unwrap();
        assert_eq!(items[0].title, "Liberan a preso");
        assert_eq!(items[0].summary, "Resumen");
        assert_eq!(items[0].content, "Hoy");
        assert_eq!(items[0].key("S"), "id:S\n7");

        let rss1 = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.org/"><title>R</title><link>https://example.org/</link><description>d</description></channel>
<item rdf:about="https://example.org/r1"><title>Preso político</title><link>https://example.org/r1</link></item>
</rdf:RDF>"#;
        let items = parse_feed(rss1.as_bytes(), None).unwrap();
        assert_eq!(items[0].title, "Preso político");
        assert_eq!(items[0].link.as_deref(), Some("https://example.org/r1"));
    }

    #[test]
    fn non_feeds_are_reported() {
        assert!(matches!(
            parse_feed(b"<html><body>Error</body></html>", None),
            Err(ParseError::NotAFeed(_))
        ));
    }

    #[test]
    fn a_link_is_a_second_key_only_when_no_other_item_shares_it() {
        let item = |guid: &str, link: &str| Item {
            guid: Some(guid.into()),
            title: "t".into(),
            link: Some(link.into()),
            summary: String::new(),
            content: String::new(),
            published: None,
            unread: None,
        };
        // Every statement links to the same page: each keeps only its id.
        let items = [
            item("1", "https://gov.example/press"),
            item("2", "https://gov.example/press?utm_source=rss"),
            item("3", "https://gov.example/news/3"),
        ];
        assert_eq!(
            item_keys("S", &items),
            vec![
                vec!["id:S\n1".to_string()],
                vec!["id:S\n2".to_string()],
                vec!["id:S\n3".into(), "link:https://gov.example/news/3".into()],
            ]
        );
    }
}
