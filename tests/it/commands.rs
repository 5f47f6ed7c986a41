//! Telegram commands through the fake Bot API's getUpdates: an admin gets
//! answers, a stranger gets a refusal, and alerts are not held up.

use chrono::Duration;
use vigia::config::{Config, Secret};
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{write_config, Entry, FakeBot, FeedServer, TOKEN};

const ADMIN: i64 = 42;
const STRANGER: i64 = 666;
const ALERTS: &str = "-1001234567890";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_get_answers_and_strangers_a_refusal() {
    let bot = FakeBot::start().await;
    let feed = FeedServer::start(vec![Entry::caracas_arrest("a")]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &feed.url, &bot.url, "");
    let toml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("[telegram]\n", &format!("[telegram]\nadmins = [{ADMIN}]\n"));
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    let h = running.handle.clone();
    h.poll_now().await;
    h.delivered().await;

    bot.wait_for("the commands registered", |st| st.commands.is_some())
        .await;
    let names: Vec<String> = bot.with(|st| {
        st.commands
            .as_ref()
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["command"].as_str().unwrap().to_string())
            .collect()
    });
    assert_eq!(
        names,
        vec!["status", "sources", "recent", "mute", "unmute", "why", "help"]
    );

    bot.message_from(ADMIN, "/status");
    bot.message_from(ADMIN, "/recent@vigia_test_bot 3");
    bot.message_from(ADMIN, "/sources");
    bot.message_from(STRANGER, "/status");
    bot.wait_for("four answers", |st| {
        st.sent
            .iter()
            .filter(|s| s.chat == ADMIN.to_string() || s.chat == STRANGER.to_string())
            .count()
            == 4
    })
    .await;
    let to_admin = bot.texts_to(&ADMIN.to_string());
    assert!(to_admin[0].starts_with("✅ vigia is ok"), "{}", to_admin[0]);
    assert!(
        to_admin[0].contains("Sources: 1 ok, 0 failing"),
        "{}",
        to_admin[0]
    );
    assert!(
        to_admin[0].contains("Last alert: Detienen a periodista en Caracas"),
        "{}",
        to_admin[0]
    );
    assert!(
        to_admin[1].contains("• Detienen a periodista en Caracas"),
        "{}",
        to_admin[1]
    );
    assert!(to_admin[1].contains("/news/a"), "{}", to_admin[1]);
    assert!(
        to_admin[2].starts_with("✅ Test feed: last polled"),
        "{}",
        to_admin[2]
    );
    let to_stranger = bot.texts_to(&STRANGER.to_string());
    assert_eq!(
        to_stranger,
        vec!["Sorry: only vigia's admins can use its commands."]
    );

    // Muting a rule keeps its alerts aside; unmuting sends them.
    let answers = |n: usize| {
        let bot = bot.clone();
        async move {
            bot.wait_for("the answer", |st| {
                st.sent
                    .iter()
                    .filter(|s| s.chat == ADMIN.to_string())
                    .count()
                    >= n
            })
            .await;
            bot.texts_to(&ADMIN.to_string())[n - 1].clone()
        }
    };
    bot.message_from(ADMIN, "/mute no such rule 2h");
    assert!(answers(4)
        .await
        .starts_with("No rule is named \"no such rule\""));
    bot.message_from(ADMIN, "/mute detentions in Venezuela 2h");
    assert!(answers(5)
        .await
        .starts_with("🔇 detentions in Venezuela is muted until"));
    feed.push(Entry::new(
        "b",
        "Detienen a otro periodista en Caracas",
        "",
        Duration::minutes(1),
    ));
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(
        bot.texts_to(ALERTS).len(),
        1,
        "the muted rule's alert is kept aside"
    );
    assert_eq!(h.store().outbox_counts().unwrap().muted, 1);
    bot.message_from(ADMIN, "/status");
    assert!(answers(6)
        .await
        .contains("Muted: detentions in Venezuela until"));
    bot.message_from(ADMIN, "/unmute detentions in Venezuela");
    assert!(answers(7)
        .await
        .contains("its 1 kept alert(s) are being sent"));
    bot.wait_for("the kept alert", |st| {
        st.sent.iter().filter(|s| s.chat == ALERTS).count() == 2
    })
    .await;
    assert!(bot.texts_to(ALERTS)[1].contains("Detienen a otro periodista"));
    running.shutdown().await;
}
