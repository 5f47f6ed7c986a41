//! OPML, the file feed readers export and import their subscriptions in:
//! `vigia import-opml` turns one into `[[source]]` entries, `vigia
//! export-opml` writes the configured feeds as one.
//!
//! An outline with an `xmlUrl` is a feed; the outlines around it are
//! folders, and their names become the source's tags (lowercased, spaces as
//! dashes), so a reader's "Venezuela" folder can be required by a rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{Config, SourceKind};

#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not valid OPML: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no feed in it (no <outline> with an xmlUrl)")]
    Empty { path: PathBuf },
}

/// One subscription of an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub name: String,
    pub url: String,
    /// The folders it sits in, as tags.
    pub tags: Vec<String>,
}

/// The feeds of the OPML file at `path`, in file order.
pub fn read(path: &Path) -> Result<Vec<Feed>, OpmlError> {
    let text = std::fs::read_to_string(path).map_err(|source| OpmlError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// [`read`], from text already read.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Feed>, OpmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let invalid = |pos: u64, message: String| OpmlError::Invalid {
        path: path.to_path_buf(),
        line: text[..(pos as usize).min(text.len())].matches('\n').count() + 1,
        message,
    };
    let mut feeds = Vec::new();
    // The folder names of the outlines open around the current one (None
    // for an outline that is a feed, or has no name).
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut saw_opml = false;
    loop {
        let start = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| invalid(reader.error_position().max(start), e.to_string()))?;
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.name().as_ref() == b"outline" {
                    folders.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().as_ref() {
            b"opml" => saw_opml = true,
            b"outline" => {
                let attr = |name: &[u8]| -> Result<Option<String>, OpmlError> {
                    for a in e.attributes() {
                        let a = a.map_err(|err| invalid(start, err.to_string()))?;
                        if a.key.as_ref().eq_ignore_ascii_case(name) {
                            let v = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map_err(|err| invalid(start, err.to_string()))?;
                            let v = v.trim().to_string();
                            return Ok((!v.is_empty()).then_some(v));
                        }
                    }
                    Ok(None)
                };
                let url = attr(b"xmlUrl")?;
                let title = attr(b"title")?.or(attr(b"text")?);
                if let Some(url) = url {
                    let tags = folders.iter().flatten().map(|f| tag(f)).collect();
                    feeds.push(Feed {
                        name: title.unwrap_or_else(|| url.clone()),
                        url,
                        tags,
                    });
                    if !empty {
                        folders.push(None);
                    }
                } else if !empty {
                    folders.push(title);
                }
            }
            _ => {}
        }
    }
    if !saw_opml {
        return Err(invalid(0, "no <opml> element".into()));
    }
    if feeds.is_empty() {
        return Err(OpmlError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(feeds)
}

fn tag(folder: &str) -> String {
    folder
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

/// `[[source]]` entries for `feeds`, to append to `vigia.toml`. Feeds whose
/// URL `config` already polls are left out, with a comment saying so; names
/// already taken get a number.
pub fn to_sources(feeds: &[Feed], config: Option<&Config>) -> String {
    let mut names: BTreeSet<String> = config
        .map(|c| c.sources.iter().map(|s| s.name.clone()).collect())
        .unwrap_or_default();
    let mut urls: BTreeSet<String> = config
        .map(|c| c.sources.iter().map(|s| s.url.clone()).collect())
        .unwrap_or_default();
    let mut out = String::new();
    for feed in feeds {
        if !urls.insert(feed.url.clone()) {
            out.push_str(&format!(
                "# already polled, left out: {} <{}>\n",
                feed.name, feed.url
            ));
            continue;
        }
        let mut name = feed.name.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{} ({n})", feed.name);
            n += 1;
        }
        let mut table = toml::Table::new();
        table.insert("name".into(), name.into());
        table.insert("kind".into(), "feed".into());
        table.insert("url".into(), feed.url.clone().into());
        if !feed.tags.is_empty() {
            table.insert(
                "tags".into(),
                toml::Value::Array(feed.tags.iter().cloned().map(Into::into).collect()),
            );
        }
        out.push_str("\n[[source]]\n");
        out.push_str(&toml::to_string(&table).expect("a table of strings serializes"));
    }
    out
}

/// The config's feeds (and Google News searches, by their URL) as OPML 2.0.
pub fn export(config: &Config) -> String {
    use quick_xml::escape::escape;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head><title>vigia sources</title></head>\n  <body>\n",
    );
    for s in &config.sources {
        if !matches!(s.kind, SourceKind::Feed | SourceKind::GoogleNews) {
            continue;
        }
        let category = if s.tags.is_empty() {
            String::new()
        } else {
            format!(" category=\"{}\"", escape(s.tags.join(",")))
        };
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{url}\"{category}/>\n",
            name = escape(s.name.as_str()),
            url = escape(s.url.as_str()),
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_become_tags_and_bad_opml_names_its_line() {
        let text = r#"<?xml version="1.0"?>
<opml version="1.0"><head/><body>
  <outline text="Venezuela News">
    <outline text="El Pitazo" type="rss" xmlUrl="https://elpitazo.net/feed/"/>
  </outline>
  <outline title="Loose" xmlUrl="https://example.org/a?x=1&amp;y=2"/>
</body></opml>"#;
        let feeds = parse(Path::new("f.opml"), text).unwrap();
        assert_eq!(
            feeds,
            vec![
                Feed {
                    name: "El Pitazo".into(),
                    url: "https://elpitazo.net/feed/".into(),
                    tags: vec!["venezuela-news".into()],
                },
                Feed {
                    name: "Loose".into(),
                    url: "https://example.org/a?x=1&y=2".into(),
                    tags: vec![],
                },
            ]
        );
        let broken = "<opml>\n<body>\n<outline text=\"a\" xmlUrl=\"u\">\n</body>\n</opml>";
        let e = parse(Path::new("f.opml"), broken).unwrap_err().to_string();
        assert!(e.starts_with("f.opml:4: not valid OPML"), "{e}");
        let e = parse(Path::new("f.opml"), "<opml><body/></opml>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no feed in it"), "{e}");
    }
}
