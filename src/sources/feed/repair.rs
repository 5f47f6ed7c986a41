//! Repairs of a decoded XML feed that make feed-rs accept what feed readers
//! accept: bare ampersands, odd RSS versions and namespaces, Atom 0.3, MIME
//! text types, and stand-ins for a missing title or date.

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
pub(super) fn escape_bare_ampersands(xml: &str) -> String {
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
    let spans = super::entry_spans(&xml);
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
    for (from, to) in [
        ("\"\"", "\"text\""),
        ("\"text/plain\"", "\"text\""),
        ("\"text/html\"", "\"html\""),
        ("\"application/xhtml+xml\"", "\"xhtml\""),
    ] {
        // Most Atom feeds have none of these: one scan each, not one per
        // element.
        if !out.contains(&format!("type={from}")) {
            continue;
        }
        for element in ["title", "subtitle", "summary", "rights", "content"] {
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
    let spans = super::entry_spans(&xml);
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
