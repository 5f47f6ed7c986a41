//! Crash safety, with the real binary: SIGKILL at random moments during
//! delivery, restart, and check that every alert arrived, in order, with at
//! most one repeat per kill per chat (the message Telegram accepted just
//! before the kill; see `vigia::delivery`).

use std::time::Duration;

use crate::support::{
    arrived, assert_all_arrived, numbered_title as title, spawn_run, terminate, write_fast_config,
    Entry, FakeBot, FakeLimits, FeedServer, TOKEN,
};

const ALERTS: &str = "-1001234567890";
const CASES: &str = "@vigia_cases";
const ITEMS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_delivery_loses_nothing_and_repeats_at_most_one_per_kill_per_chat() {
    let bot = FakeBot::start().await;
    bot.with(|st| {
        st.limits = Some(FakeLimits::scaled(10));
        // Telegram keeps each accepted message a moment before answering:
        // the window in which a kill makes a repeat.
        st.answer_delay = Some(Duration::from_millis(40));
    });
    let entries = (0..ITEMS)
        .map(|n| {
            Entry::new(
                &format!("k{n}"),
                &title(n),
                "",
                chrono::Duration::seconds(1800 - n as i64),
            )
        })
        .collect();
    let feed = FeedServer::start(entries).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_fast_config(dir.path(), &feed.url, &bot.url);
    let expected_alerts: Vec<usize> = (0..ITEMS).collect();
    let expected_cases: Vec<usize> = (0..ITEMS).filter(|n| n.is_multiple_of(5)).collect();

    let kills = 5;
    let mut child = spawn_run(&config, Some(TOKEN), "warn");
    for _ in 0..kills {
        let before = bot.sent().len();
        bot.wait_for("delivery under way", |st| st.sent.len() > before)
            .await;
        // A random moment within the next few sends.
        tokio::time::sleep(Duration::from_millis(fastrand::u64(0..300))).await;
        child.kill().await.unwrap(); // SIGKILL
        child = spawn_run(&config, Some(TOKEN), "warn");
    }
    bot.wait_for_within(Duration::from_secs(60), "every alert", |st| {
        let distinct = |chat| {
            let mut got = arrived(&st.sent, chat);
            got.sort();
            got.dedup();
            got.len()
        };
        distinct(ALERTS) == expected_alerts.len() && distinct(CASES) == expected_cases.len()
    })
    .await;
    let status = terminate(child).await;
    assert!(status.success(), "{status}");

    for (chat, expected) in [(ALERTS, &expected_alerts), (CASES, &expected_cases)] {
        let got = arrived(&bot.sent(), chat);
        let repeats = assert_all_arrived(&got, expected, chat, kills);
        // A repeat is the message in flight, sent again first thing: apart
        // from it, the order is the order found.
        let mut dedup = got.clone();
        dedup.dedup();
        assert_eq!(&dedup, expected, "order to {chat}: {got:?}");
        eprintln!("{chat}: {} messages, {repeats} repeated", got.len());
    }
}
