//! A `page` source's CSS selectors, compiled once when the config is
//! loaded: a typo is reported with its line, and a poll never parses them
//! again.

use scraper::Selector;

/// A `page` source's selectors: `item` matches once per entry, the others
/// are looked up inside it.
#[derive(Debug, Clone)]
pub struct PageSelectors {
    pub item: Selector,
    pub title: Selector,
    /// The element whose `href` (or whose first link's) is the entry's link;
    /// by default the entry's first link.
    pub link: Option<Selector>,
    /// `datetime` attribute, else text.
    pub date: Option<Selector>,
    pub summary: Option<Selector>,
    /// The selectors as written, in the order above: two configs are the
    /// same source when these are (a reload restarts a changed one).
    written: [Option<String>; 5],
}

impl PartialEq for PageSelectors {
    fn eq(&self, other: &Self) -> bool {
        self.written == other.written
    }
}

impl Eq for PageSelectors {}

/// A selector that does not parse: which key, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSelector {
    pub key: &'static str,
    pub message: String,
}

fn selector(key: &'static str, css: &str) -> Result<Selector, BadSelector> {
    Selector::parse(css).map_err(|e| BadSelector {
        key,
        message: format!("{css:?} is not a CSS selector ({e})"),
    })
}

impl PageSelectors {
    pub fn parse(
        item: &str,
        title: &str,
        link: Option<&str>,
        date: Option<&str>,
        summary: Option<&str>,
    ) -> Result<Self, BadSelector> {
        let optional = |key, css: Option<&str>| css.map(|c| selector(key, c)).transpose();
        Ok(PageSelectors {
            item: selector("item", item)?,
            title: selector("title", title)?,
            link: optional("link", link)?,
            date: optional("date", date)?,
            summary: optional("summary", summary)?,
            written: [
                Some(item.to_string()),
                Some(title.to_string()),
                link.map(str::to_string),
                date.map(str::to_string),
                summary.map(str::to_string),
            ],
        })
    }
}
