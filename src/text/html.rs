//! HTML to the plain text a reader sees.

/// Plain text from a feed field that holds HTML: parsed as browsers parse
/// it (html5ever, through scraper), so a `>` inside an attribute or a
/// comment never leaks; the text of every text node, with the contents of
/// `script`, `style` and the like dropped; words split only where a block
/// element or a line break separates them, never at an inline tag
/// (`Vene<b>zuela</b>` is one word); whitespace collapsed. A field with no
/// tag but escaped markup (`&lt;b&gt;`, `&amp;oacute;`), escaped once more
/// than it should be, is read a second time.
pub fn html_to_text(input: &str) -> String {
    if !input.contains(['<', '&']) {
        return collapse_whitespace(input);
    }
    let mut text = markup_text(input);
    // Escaped once more than it should be: the whole field is entities,
    // with no tag of its own. A field with tags is HTML already, and what
    // its text shows (a `<b>` in a code sample) is the text.
    if !input.contains('<') && looks_like_markup(&text) {
        text = markup_text(&text);
    }
    collapse_whitespace(&text)
}

/// Words separated by single spaces.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether text still holds a tag (`<b>`, `</p>`) or an entity (`&amp;`).
fn looks_like_markup(text: &str) -> bool {
    let tag = text.match_indices('<').any(|(at, _)| {
        let rest = &text[at + 1..];
        rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!')
            && rest.contains('>')
    });
    let entity = text.match_indices('&').any(|(at, _)| {
        let rest = &text[at + 1..];
        let name = rest
            .find(';')
            .map(|end| &rest[..end])
            .filter(|n| (1..=32).contains(&n.len()));
        name.is_some_and(|n| {
            n.chars().all(|c| c.is_ascii_alphanumeric())
                || n.strip_prefix('#').is_some_and(|d| {
                    d.chars().all(|c| c.is_ascii_digit())
                        || d.strip_prefix(['x', 'X'])
                            .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
                })
        })
    });
    tag || entity
}

/// The text of an HTML fragment: text nodes in order, a space where a block
/// element or a line break begins or ends, nothing from hidden elements.
fn markup_text(input: &str) -> String {
    use scraper::node::Node;
    let html = scraper::Html::parse_fragment(input);
    let mut out = String::with_capacity(input.len());
    let mut hidden = 0usize;
    for edge in html.tree.root().traverse() {
        let (node, open) = match edge {
            ego_tree::iter::Edge::Open(node) => (node, true),
            ego_tree::iter::Edge::Close(node) => (node, false),
        };
        match node.value() {
            Node::Text(text) if hidden == 0 && open => out.push_str(text),
            Node::Element(element) => {
                let name = element.name();
                if HIDDEN.contains(&name) {
                    if open {
                        hidden += 1;
                    } else {
                        hidden -= 1;
                    }
                } else if !INLINE.contains(&name) {
                    out.push(' ');
                }
            }
            _ => {}
        }
    }
    out
}

/// Elements whose contents are not text a reader sees.
const HIDDEN: &[&str] = &["script", "style", "noscript", "template", "head", "title"];

/// Elements that sit inside a line of text: no word break at their edges.
/// Every other element (p, div, li, br, td, h1…) separates words.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "u",
    "var", "html", "body",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_stripped_and_entities_decoded() {
        assert_eq!(
            html_to_text("<p>Detienen a <b>periodista</b>&nbsp;en Caracas</p>"),
            "Detienen a periodista en Caracas"
        );
        assert_eq!(html_to_text("detenci&amp;oacute;n"), "detención");
        assert_eq!(
            html_to_text("&lt;b&gt;SEBIN&lt;/b&gt; detiene"),
            "SEBIN detiene"
        );
        assert_eq!(html_to_text("a <script>alert(1)</script>b"), "a b");
        assert_eq!(html_to_text("3 < 4 and 5 > 2"), "3 < 4 and 5 > 2");
    }
}
