//! How an alert reads in Telegram (HTML parse mode) and on a terminal.
//!
//! Everything that comes from a feed is escaped; only the tags written here
//! are markup. Telegram refuses texts over 4096 characters, so the summary
//! (and, in extreme cases, the title) is shortened to fit; the link never is.

use chrono::{DateTime, Utc};

use crate::store::PendingAlert;

/// Telegram's limit on a message's text.
pub const MAX_MESSAGE: usize = 4096;
/// A title longer than this is cut: a headline is never that long.
const MAX_TITLE: usize = 600;
/// Terms or names listed in one alert, at most.
const MAX_LISTED: usize = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Telegram's HTML parse mode.
    Html,
    /// Plain text, for standard output.
    Plain,
}

/// Escapes text for Telegram's HTML: the four entities it accepts.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Length as Telegram counts it (UTF-16 code units).
fn tg_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The longest prefix of `text`, cut at a word where possible, whose escaped
/// form plus an ellipsis fits in `budget`.
fn shorten(text: &str, budget: usize, mode: Mode) -> String {
    let esc = |s: &str| {
        if mode == Mode::Html {
            escape(s)
        } else {
            s.to_string()
        }
    };
    let full = esc(text);
    if tg_len(&full) <= budget {
        return full;
    }
    let budget = budget.saturating_sub(1); // the ellipsis
    let mut used = 0;
    let mut cut = 0;
    for (i, c) in text.char_indices() {
        let width = match c {
            '&' if mode == Mode::Html => 5,
            '<' | '>' if mode == Mode::Html => 4,
            '"' if mode == Mode::Html => 6,
            c => c.len_utf16(),
        };
        if used + width > budget {
            break;
        }
        used += width;
        cut = i + c.len_utf8();
    }
    let prefix = &text[..cut];
    let prefix = match prefix.rfind(char::is_whitespace) {
        Some(space) if space > cut / 2 => &prefix[..space],
        _ => prefix,
    };
    format!("{}…", esc(prefix.trim_end()))
}

fn list(items: &[String]) -> String {
    let mut shown: Vec<&str> = items.iter().take(MAX_LISTED).map(String::as_str).collect();
    let more = items.len().saturating_sub(MAX_LISTED);
    let extra = format!("+{more} more");
    if more > 0 {
        shown.push(&extra);
    }
    shown.join(", ")
}

fn when(published: Option<DateTime<Utc>>) -> String {
    published
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "date unknown".into())
}

/// The link's host, as the visible text of the link.
fn link_label(link: &str) -> String {
    url::Url::parse(link)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .unwrap_or_else(|| "link".into())
}

/// Renders one alert.
pub fn render(alert: &PendingAlert, mode: Mode) -> String {
    let html = mode == Mode::Html;
    let esc = |s: &str| if html { escape(s) } else { s.to_string() };
    let e = &alert.explanation;
    let title = if alert.title.trim().is_empty() {
        "(no title)"
    } else {
        alert.title.as_str()
    };
    // Telegram's limit, or less where Telegram found the message too long.
    let limit = alert.max_len.unwrap_or(MAX_MESSAGE).min(MAX_MESSAGE);
    let title = shorten(title, MAX_TITLE.min(limit / 4), mode);
    let mut head = if html {
        format!("🚨 <b>{title}</b>\n")
    } else {
        format!("🚨 {title}\n")
    };
    let mut tail = String::from("\n");
    if let Some(link) = alert
        .link
        .as_deref()
        .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
    {
        if html {
            tail.push_str(&format!(
                "🔗 <a href=\"{}\">{}</a>\n",
                escape(link),
                escape(&link_label(link))
            ));
        } else {
            tail.push_str(&format!("🔗 {link}\n"));
        }
    }
    tail.push_str(&format!(
        "📰 {} · 🕒 {}\n",
        esc(&alert.source),
        when(alert.published)
    ));
    tail.push_str(&format!("⚖️ {}", esc(&list(&e.rules))));
    if !e.terms.is_empty() {
        tail.push_str(&format!("\n🔎 {}", esc(&list(&e.terms))));
    }
    if !e.names.is_empty() {
        tail.push_str(&format!("\n👤 {}", esc(&list(&e.names))));
    }
    let summary = alert.summary.trim();
    if !summary.is_empty() {
        let budget = limit.saturating_sub(tg_len(&head) + tg_len(&tail) + 1);
        head.push('\n');
        head.push_str(&shorten(summary, budget, mode));
        head.push('\n');
    }
    head + &tail
}

/// Most outlets an edit names one by one; the rest are counted.
const MAX_ALSO: usize = 15;

/// Characters of each added report's headline shown in the footer.
const ALSO_TITLE: usize = 120;

/// Renders the story's message with the later reports in "Also reported
/// by", each with its outlet and its own headline (so that a report joined
/// to the wrong story shows as such), within Telegram's limit (the summary
/// gives way first).
pub fn render_edit(alert: &PendingAlert, mode: Mode) -> String {
    let html = mode == Mode::Html;
    let shown: Vec<String> = alert
        .also
        .iter()
        .take(MAX_ALSO)
        .map(|r| {
            let title = shorten(&r.title, ALSO_TITLE, Mode::Plain);
            match r.link.as_deref().filter(|l| l.starts_with("http")) {
                Some(link) if html => format!(
                    "• {}: <a href=\"{}\">{}</a>",
                    escape(&r.source),
                    escape(link),
                    escape(&title)
                ),
                Some(link) => format!("• {}: {title} ({link})", r.source),
                None if html => format!("• {}: {}", escape(&r.source), escape(&title)),
                None => format!("• {}: {title}", r.source),
            }
        })
        .collect();
    let mut footer = format!("\n\n📣 Also reported by:\n{}", shown.join("\n"));
    if alert.also.len() > MAX_ALSO {
        footer.push_str(&format!("\nand {} more", alert.also.len() - MAX_ALSO));
    }
    let limit = alert.max_len.unwrap_or(MAX_MESSAGE).min(MAX_MESSAGE);
    let mut first = alert.clone();
    first.max_len = Some(limit.saturating_sub(tg_len(&footer)).max(256));
    render(&first, mode) + &footer
}

/// Renders a follow-up to a story's message: this report fired a rule the
/// story had not. Short: the new report's title, link, source and why.
pub fn render_reply(alert: &PendingAlert, mode: Mode) -> String {
    let mut short = alert.clone();
    short.summary.clear();
    let text = render(&short, mode);
    match text.strip_prefix("🚨") {
        Some(rest) => format!("🆕 Update:{rest}"),
        None => text,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn intake_keeps_as_much_summary_as_a_message_shows() {
        assert_eq!(crate::intake::MAX_STORED_SUMMARY, MAX_MESSAGE);
    }

    use super::*;
    use crate::matching::Explanation;

    fn alert(title: &str, summary: &str, link: &str) -> PendingAlert {
        PendingAlert {
            id: 1,
            channel: "alerts".into(),
            chat: "-100".into(),
            attempts: 0,
            created_at: Utc::now(),
            source: "El <Pitazo>".into(),
            title: title.into(),
            link: Some(link.into()),
            summary: summary.into(),
            published: DateTime::parse_from_rfc3339("2024-07-02T18:58:44Z")
                .ok()
                .map(|t| t.to_utc()),
            explanation: Explanation {
                rules: vec!["detentions".into()],
                terms: vec!["detenido*".into(), "SEBIN".into()],
                names: vec!["Rocío San Miguel".into()],
                channels: vec![],
            },
            ..Default::default()
        }
    }

    #[test]
    fn html_escapes_everything_from_the_feed() {
        let text = render(
            &alert("A <b>& \"B\"", "x < y", "https://e.org/a?b=1&c=\"2\""),
            Mode::Html,
        );
        assert_eq!(
            text,
            "🚨 <b>A &lt;b&gt;&amp; &quot;B&quot;</b>\n\nx &lt; y\n\n\
             🔗 <a href=\"https://e.org/a?b=1&amp;c=&quot;2&quot;\">e.org</a>\n\
             📰 El &lt;Pitazo&gt; · 🕒 2024-07-02 18:58 UTC\n\
             ⚖️ detentions\n🔎 detenido*, SEBIN\n👤 Rocío San Miguel"
        );
    }

    #[test]
    fn long_summaries_are_cut_never_the_link() {
        let link = format!("https://e.org/{}", "x".repeat(300));
        let summary = "palabra & otra ".repeat(1000);
        let text = render(&alert("T", &summary, &link), Mode::Html);
        assert!(tg_len(&text) <= MAX_MESSAGE, "{}", tg_len(&text));
        assert!(tg_len(&text) > MAX_MESSAGE - 20);
        assert!(text.contains(&format!("href=\"{link}\"")));
        assert!(text.contains("…"));
        // No entity is cut in half.
        let body = text.split('\n').nth(2).unwrap();
        assert!(
            body.ends_with("&amp; otra…") || body.ends_with("palabra…") || body.ends_with("&amp;…"),
            "{body}"
        );
    }

    #[test]
    fn a_lower_limit_shortens_the_summary() {
        let summary = "palabra ".repeat(1000);
        let mut a = alert("T", &summary, "https://e.org/a");
        a.max_len = Some(1000);
        let text = render(&a, Mode::Html);
        assert!(tg_len(&text) <= 1000, "{}", tg_len(&text));
        assert!(tg_len(&text) > 900);
        assert!(text.contains("href=\"https://e.org/a\""));
    }

    #[test]
    fn plain_mode_shows_the_link_itself() {
        let text = render(&alert("A & B", "", "https://e.org/a"), Mode::Plain);
        assert!(text.starts_with("🚨 A & B\n"));
        assert!(text.contains("🔗 https://e.org/a\n"));
        let no_link = render(&alert("A", "", "javascript:alert(1)"), Mode::Html);
        assert!(!no_link.contains("href"));
    }
}
