//! One story, one alert: three sources report one detention; the channel
//! gets one message, then edits listing the other two; a later report naming
//! a watched person for the first time sends one reply.

use chrono::Duration;
use vigia::config::{Config, Secret};
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{write_config, Entry, FakeBot, Fault, FeedServer, TOKEN};

const ALERTS: &str = "-1001234567890";
const CASES: &str = "@vigia_cases";

fn source(name: &str, url: &str) -> String {
    format!("\n[[source]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n")
}

#[tokio::test]
async fn three_reports_of_one_story_are_one_message_then_edits_and_a_new_name_a_reply() {
    let bot = FakeBot::start().await;
    let first = FeedServer::start(vec![Entry::new(
        "a1",
        "Detienen al periodista Juan Pérez en Caracas",
        "Funcionarios del SEBIN detuvieron al periodista Juan Pérez en su casa de Caracas, denunció el sindicato de prensa.",
        Duration::minutes(30),
    )])
    .await;
    let second = FeedServer::start(vec![]).await;
    let third = FeedServer::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let extra = source("Second outlet", &second.url) + &source("Third outlet", &third.url);
    let config = Config::load(&write_config(dir.path(), &first.url, &bot.url, &extra)).unwrap();
    let running = daemon::start(
        &config,
        Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap()),
    )
    .await
    .unwrap();
    let h = running.handle.clone();

    h.poll_now().await;
    h.delivered().await;
    assert_eq!(bot.texts_to(ALERTS).len(), 1);

    // Two more outlets, other words, other links: the same story.
    second.push(Entry::new(
        "b1",
        "SEBIN detiene al periodista Juan Pérez en Caracas",
        "El periodista Juan Pérez fue detenido en su casa de Caracas por funcionarios del SEBIN, según el sindicato de prensa.",
        Duration::minutes(20),
    ));
    third.push(Entry::new(
        "c1",
        "Sindicato de prensa denuncia detención del periodista Juan Pérez en Caracas",
        "Funcionarios del SEBIN detuvieron en Caracas al periodista Juan Pérez, denunció el sindicato.",
        Duration::minutes(10),
    ));
    // The first edit's connection is cut, the second's answer is a 429:
    // both are retried as edits, never sent as new messages.
    bot.with(|st| {
        st.edit_faults.push_back(Fault::Drop);
        st.edit_faults.push_back(Fault::RetryAfter(1));
    });
    // A different detention the same day, told alike: its own alert.
    third.push(Entry::new(
        "c2",
        "Detienen a la periodista María Gómez en Caracas",
        "Funcionarios del SEBIN detuvieron a la periodista María Gómez en su casa de Caracas, denunció el sindicato de prensa.",
        Duration::minutes(9),
    ));
    h.poll_now().await;
    h.delivered().await;
    let sent = bot.sent();
    let to_alerts: Vec<_> = sent.iter().filter(|s| s.chat == ALERTS).collect();
    assert_eq!(to_alerts.len(), 2, "{to_alerts:#?}");
    assert!(to_alerts[0].text.contains("Juan Pérez"));
    assert!(to_alerts[1].text.contains("María Gómez"));
    let (edits, edit_calls) = bot.with(|st| (st.edits.clone(), st.edit_calls));
    assert_eq!(edits.len(), 2, "{edits:#?}");
    assert_eq!(edit_calls, 4, "two refused, then both accepted");
    assert!(edits.iter().all(|e| e.chat == ALERTS && e.message_id == 1));
    let last = &edits[1].text;
    assert!(last.starts_with(&to_alerts[0].text), "{last}");
    // Each added report with its outlet and its own headline, linked (the
    // two outlets were polled at once: either may come first).
    let also = last.rsplit("📣 Also reported by:\n").next().unwrap();
    let mut lines: Vec<&str> = also.lines().collect();
    lines.sort();
    assert_eq!(lines.len(), 2, "{also}");
    assert!(
        lines[0].starts_with("• Second outlet: <a href=\"")
            && lines[0]
                .contains("/news/b1\">SEBIN detiene al periodista Juan Pérez en Caracas</a>"),
        "{also}"
    );
    assert!(
        lines[1].starts_with("• Third outlet: <a href=\"")
            && lines[1].contains(
                "/news/c1\">Sindicato de prensa denuncia detención del periodista Juan Pérez en Caracas</a>"
            ),
        "{also}"
    );

    // A later report names a watched person for the first time: a reply to
    // the story's message there, and a first alert where that rule sends.
    first.push(Entry::new(
        "a2",
        "Detienen al periodista Juan Pérez en Caracas junto a Rocío San Miguel",
        "Funcionarios del SEBIN detuvieron al periodista Juan Pérez y a la activista Rocío San Miguel en Caracas, denunció el sindicato de prensa.",
        Duration::minutes(1),
    ));
    h.poll_now().await;
    h.delivered().await;
    let sent = bot.sent();
    let replies: Vec<_> = sent.iter().filter(|s| s.reply_to.is_some()).collect();
    assert_eq!(replies.len(), 1, "{sent:#?}");
    assert_eq!(
        (replies[0].chat.as_str(), replies[0].reply_to),
        (ALERTS, Some(1))
    );
    assert!(
        replies[0].text.starts_with("🆕 Update:"),
        "{}",
        replies[0].text
    );
    assert!(replies[0].text.contains("Rocío San Miguel"));
    assert_eq!(
        bot.texts_to(CASES).len(),
        1,
        "the first alert in that channel"
    );
    assert_eq!(
        bot.texts_to(ALERTS).len(),
        3,
        "no new message for the story"
    );
    assert_eq!(bot.with(|st| st.edits.len()), 2);

    running.shutdown().await;
}

/// Through the store's word index: an English report of a detention joins
/// the Spanish one naming the same person (few words in common), and a
/// second person detained alike the same day gets an alert of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_joins_across_languages_and_another_person_is_a_story_of_its_own() {
    let feed = FeedServer::start(vec![
        Entry::new(
            "es",
            "Detienen a concejal de Caracas tras sesión del concejo",
            "El concejal opositor Ramón Figueroa fue detenido por funcionarios del SEBIN al salir de la sesión del concejo municipal en Caracas.",
            Duration::minutes(30),
        ),
        Entry::new(
            "other",
            "Detienen a concejal de Caracas al salir de la sesión del concejo",
            "La concejala Yelitza Márquez fue detenida por funcionarios del SEBIN al salir de la sesión del concejo municipal en Caracas.",
            Duration::minutes(20),
        ),
        Entry::new(
            "en",
            "Opposition councilman arrested in Venezuela's capital",
            "Ramón Figueroa, an opposition city councilman, was arrested by SEBIN agents in Caracas as he left a council session, colleagues said.",
            Duration::minutes(10),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(&write_config(
        dir.path(),
        &feed.url,
        "http://127.0.0.1:9",
        "",
    ))
    .unwrap();
    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    running.handle.poll_now().await;
    let members = running.handle.store().story_members().unwrap();
    let story_of = |needle: &str| {
        members
            .iter()
            .find(|(_, t)| t.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {members:#?}"))
            .0
    };
    assert_eq!(members.len(), 3, "{members:#?}");
    assert_eq!(
        story_of("tras sesión"),
        story_of("councilman"),
        "{members:#?}"
    );
    assert_ne!(
        story_of("tras sesión"),
        story_of("al salir"),
        "{members:#?}"
    );
    running.shutdown().await;
}
