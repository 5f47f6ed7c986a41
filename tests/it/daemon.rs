//! The daemon end to end: feed server → match → store → fake Bot API.

use chrono::Duration;
use vigia::config::{Config, Secret};
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{
    arrived, numbered_title, write_config, Entry, FakeBot, FeedServer, Mode, TOKEN,
};

fn sink(bot: &FakeBot) -> Sink {
    Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap())
}

/// A fake Bot API answering in `mode`, a feed server with `entries`, and a
/// config for both in a temp dir (kept as long as the setup lives).
struct Setup {
    bot: FakeBot,
    feed: FeedServer,
    config: Config,
    _dir: tempfile::TempDir,
}

async fn setup(mode: Mode, entries: Vec<Entry>) -> Setup {
    let bot = FakeBot::start().await;
    bot.set_mode(mode);
    let feed = FeedServer::start(entries).await;
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(&write_config(dir.path(), &feed.url, &bot.url, "")).unwrap();
    Setup {
        bot,
        feed,
        config,
        _dir: dir,
    }
}

#[tokio::test]
async fn every_matching_item_reaches_its_channels_once_escaped() {
    let Setup {
        bot,
        feed,
        config,
        _dir,
    } = setup(
        Mode::Ok,
        vec![
            // Older than the backfill window on the first poll: recorded silently.
            Entry::new(
                "old",
                "Detenido en Caracas hace días",
                "",
                Duration::days(2),
            ),
            Entry::new(
                "a",
                "Detienen a periodista en Caracas",
                "Fue llevado al SEBIN; está detenido.",
                Duration::minutes(5),
            ),
            Entry::new(
                "b",
                "Festival de salsa en Caracas",
                "Nada que ver.",
                Duration::minutes(4),
            ),
        ],
    )
    .await;
    let running = daemon::start(&config, sink(&bot)).await.unwrap();
    let h = running.handle.clone();

    h.poll_now().await;
    h.delivered().await;
    let sent = bot.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].chat, "-1001234567890");
    assert_eq!(sent[0].parse_mode.as_deref(), Some("HTML"));
    assert!(
        sent[0]
            .text
            .starts_with("🚨 <b>Detienen a periodista en Caracas</b>\n"),
        "{}",
        sent[0].text
    );

    // New items over time: markup in a title, a watched person, noise.
    feed.push(Entry::new(
        "c",
        "Preso político <b>trasladado</b> & \"aislado\" en Venezuela <2024>",
        "<p>Su familia &amp; abogados</p>",
        Duration::minutes(1),
    ));
    feed.push(Entry::new(
        "d",
        "GALLO, NAHUEL: un año sin fe de vida",
        "",
        Duration::minutes(1),
    ));
    feed.push(Entry::new(
        "e",
        "Venezuela: cardiac arrest of a detained man's father",
        "",
        Duration::minutes(1),
    ));
    h.poll_now().await;
    h.delivered().await;

    // Chats are served in parallel: order is promised per chat.
    let alerts = bot.texts_to("-1001234567890");
    let cases = bot.texts_to("@vigia_cases");
    assert_eq!(
        (alerts.len(), cases.len()),
        (3, 1),
        "{alerts:#?} {cases:#?}"
    );
    let c = &alerts[1];
    let link = format!("{}/news/c", feed.url.trim_end_matches("/feed.xml"));
    assert!(
        c.starts_with(&format!(
            "🚨 <b>Preso político trasladado &amp; &quot;aislado&quot; en Venezuela &lt;2024&gt;</b>\n\n\
             Su familia &amp; abogados\n\n🔗 <a href=\"{link}\">127.0.0.1</a>\n📰 Test feed · 🕒 "
        )),
        "{c}"
    );
    assert!(
        c.ends_with(" UTC\n⚖️ detentions in Venezuela\n🔎 preso político, Venezuela"),
        "{c}"
    );
    // The watched person goes to both channels of the names rule.
    assert!(
        alerts[2].contains("⚖️ watched people\n👤 Nahuel Gallo"),
        "{}",
        alerts[2]
    );
    assert_eq!(alerts[2], cases[0]);

    // Polling again sends nothing more, and is a conditional GET answered 304.
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(bot.sent().len(), 4);
    {
        let st = feed.state.lock().unwrap();
        assert!(st.saw_if_none_match && st.saw_if_modified_since);
        assert_eq!((st.full, st.not_modified), (2, 1));
    }
    running.shutdown().await;
}

/// A poller parses only the entries its feed's last body did not have;
/// what is new still alerts, and so does a new report linking to the page
/// an earlier one links to (the link is then no longer unique in the feed,
/// which changes the new item's keys: only the whole body shows it).
#[tokio::test]
async fn new_entries_of_a_changed_feed_alert_even_when_they_share_a_known_link() {
    let page = "https://news.example/live/detentions";
    let report = |n: usize, age: i64| {
        Entry::new(
            &n.to_string(),
            &numbered_title(n),
            "",
            Duration::minutes(age),
        )
    };
    let Setup {
        bot,
        feed,
        config,
        _dir,
    } = setup(Mode::Ok, vec![report(1, 9).linking_to(page), report(2, 8)]).await;
    let running = daemon::start(&config, sink(&bot)).await.unwrap();
    let h = running.handle.clone();
    let alerts = "-1001234567890";

    h.poll_now().await;
    h.delivered().await;
    assert_eq!(arrived(&bot.sent(), alerts), vec![1, 2]);
    feed.push(report(3, 3));
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(arrived(&bot.sent(), alerts), vec![1, 2, 3]);
    feed.push(report(4, 2).linking_to(page));
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(arrived(&bot.sent(), alerts), vec![1, 2, 3, 4]);
    running.shutdown().await;
}

#[tokio::test]
async fn pending_alerts_survive_a_restart_and_arrive_exactly_once() {
    let Setup {
        bot,
        feed: _,
        config,
        _dir,
    } = setup(
        Mode::Failing,
        vec![
            Entry::new(
                "a",
                "Detienen a activista en Caracas",
                "",
                Duration::minutes(3),
            ),
            Entry::new(
                "b",
                "Rocío San Miguel sigue detenida en Venezuela",
                "",
                Duration::minutes(2),
            ),
        ],
    )
    .await;

    let running = daemon::start(&config, sink(&bot)).await.unwrap();
    running.handle.poll_now().await;
    bot.wait_for("a failed attempt", |st| !st.calls.is_empty())
        .await;
    let store = running.handle.store().clone();
    running.shutdown().await;
    assert_eq!(
        store.pending_count().unwrap(),
        3,
        "a: alerts; b: alerts and cases"
    );
    assert!(bot.sent().is_empty());
    drop(store);

    bot.set_mode(Mode::Ok);
    let running = daemon::start(&config, sink(&bot)).await.unwrap();
    running.handle.delivered().await;
    running.handle.poll_now().await;
    running.handle.delivered().await;
    let first_lines = |chat: &str| -> Vec<String> {
        bot.texts_to(chat)
            .iter()
            .map(|t| t.lines().next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        first_lines("-1001234567890"),
        vec![
            "🚨 <b>Detienen a activista en Caracas</b>",
            "🚨 <b>Rocío San Miguel sigue detenida en Venezuela</b>",
        ]
    );
    assert_eq!(
        first_lines("@vigia_cases"),
        vec!["🚨 <b>Rocío San Miguel sigue detenida en Venezuela</b>"]
    );
    assert_eq!(bot.sent().len(), 3);
    assert_eq!(running.handle.store().pending_count().unwrap(), 0);
    running.shutdown().await;
}

#[tokio::test]
async fn a_429_holds_the_chat_for_its_retry_after() {
    let Setup {
        bot,
        feed: _,
        config,
        _dir,
    } = setup(
        Mode::RetryAfterOnce(1),
        vec![
            Entry::new(
                "a",
                "Detienen a activista en Caracas",
                "",
                Duration::minutes(3),
            ),
            Entry::new(
                "b",
                "Detienen a periodista en Caracas",
                "",
                Duration::minutes(2),
            ),
        ],
    )
    .await;
    let running = daemon::start(&config, sink(&bot)).await.unwrap();
    running.handle.poll_now().await;
    running.handle.delivered().await;
    let sent = bot.sent();
    assert_eq!(sent.len(), 2);
    assert!(
        sent[0].text.contains("activista") && sent[1].text.contains("periodista"),
        "order kept"
    );
    {
        let st = bot.state.lock().unwrap();
        assert_eq!(st.calls.len(), 3, "one refused, then each alert once");
        assert_eq!(st.early_calls, 0, "nothing sent before retry_after passed");
    }
    running.shutdown().await;
}

#[tokio::test]
async fn a_broken_feed_is_recorded_and_the_daemon_keeps_running() {
    let bot = FakeBot::start().await;
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this port: every poll fails.
    let dead = crate::support::unused_addr();
    let config = Config::load(&write_config(
        dir.path(),
        &format!("http://{dead}/feed.xml"),
        &bot.url,
        "",
    ))
    .unwrap();
    let running = daemon::start(&config, sink(&bot)).await.unwrap();
    running.handle.poll_now().await;
    running.handle.poll_now().await;
    let state = running.handle.store().source_state("Test feed").unwrap();
    assert_eq!(state.consecutive_failures, 2);
    assert!(state.last_error.unwrap().contains(&dead.to_string()));
    assert!(!state.polled_before);
    running.shutdown().await;
}

#[tokio::test]
async fn a_slow_chat_does_not_hold_up_the_others() {
    let Setup {
        bot,
        feed: _,
        config,
        _dir,
    } = setup(
        Mode::Ok,
        vec![Entry::new(
            "a",
            "Nahuel Gallo cumple un año detenido en Caracas",
            "",
            Duration::minutes(1),
        )],
    )
    .await;
    // The item goes to "alerts" first, then "cases"; "alerts" hangs.
    bot.state.lock().unwrap().hold_chat = Some("-1001234567890".into());
    let running = daemon::start(&config, sink(&bot)).await.unwrap();
    running.handle.poll_now().await;
    // Well before the held request could time out (17 s).
    bot.wait_for_within(
        std::time::Duration::from_secs(5),
        "the other channel's alert",
        |st| st.sent.iter().any(|s| s.chat == "@vigia_cases"),
    )
    .await;
    assert_eq!(bot.sent().len(), 1, "the held chat has not answered yet");
    bot.release.add_permits(1);
    running.handle.delivered().await;
    let chats: Vec<String> = bot.sent().into_iter().map(|s| s.chat).collect();
    assert_eq!(chats, vec!["@vigia_cases", "-1001234567890"]);
    running.shutdown().await;
}
