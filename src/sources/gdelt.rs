//! GDELT's DOC 2.0 article list (`mode=ArtList&format=json`): each article
//! as an item with its link, title and the time GDELT saw it. GDELT gives
//! no summary; the item says where the article comes from instead.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::{Item, ParseError};

#[derive(Deserialize)]
struct ArticleList {
    #[serde(default)]
    articles: Vec<Article>,
}

#[derive(Deserialize)]
struct Article {
    url: String,
    #[serde(default)]
    title: String,
    /// `20241212T123000Z`.
    #[serde(default)]
    seendate: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    sourcecountry: String,
}

/// The articles of a GDELT answer, newest first as GDELT sorts them. GDELT
/// answers a refusal (too many requests, a bad query) in plain text: that
/// is an error naming what it said.
pub fn parse(body: &[u8]) -> Result<Vec<Item>, ParseError> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    // No article matched: GDELT answers `{}`.
    if text.is_empty() || text == "{}" {
        return Ok(Vec::new());
    }
    let list: ArticleList = serde_json::from_str(text).map_err(|_| {
        let said: String = text.chars().take(160).collect();
        ParseError::NotAFeed(format!("GDELT answered: {said}"))
    })?;
    Ok(list
        .articles
        .into_iter()
        .filter(|a| !a.url.trim().is_empty())
        .map(|a| {
            let from = [a.domain.trim(), a.sourcecountry.trim()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            Item {
                guid: None,
                title: crate::text::html::html_to_text(&a.title),
                link: Some(a.url.trim().to_string()),
                summary: if from.is_empty() {
                    String::new()
                } else {
                    format!("({from})")
                },
                content: String::new(),
                published: seen(&a.seendate),
                unread: None,
            }
        })
        .collect())
}

fn seen(date: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(date.trim(), "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|d| d.and_utc())
}
