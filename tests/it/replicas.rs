//! Replicas on one PostgreSQL store, with the real binary: two `vigia run`
//! processes share a throwaway PostgreSQL, five loopback feeds of fifty
//! reports (300 messages: 250 alerts, 50 to the cases channel) and the
//! fake Bot API, its limits a twentieth of Telegram's; random replicas are SIGKILLed and
//! restarted during delivery. Every alert must arrive, with at most one
//! repeat per chat per kill, none inside a `retry_after`, no source polled
//! by two replicas at once, and never two `getUpdates` at once.

use std::time::Duration;

use crate::support::bot::Sent;
use crate::support::postgres::{self, PASSWORD};
use crate::support::{
    arrived, assert_all_arrived, numbered_title as title, write_fast_config, Entry, FakeBot,
    FakeLimits, FeedServer, TOKEN,
};

const ALERTS: &str = "-1001234567890";
const CASES: &str = "@vigia_cases";
const FEEDS: usize = 5;
const PER_FEED: usize = 50;

/// `vigia run` as a replica, its output written to `log` (read at the
/// end: a pipe nobody reads would fill and stall it).
fn spawn_replica(config: &std::path::Path, log: &std::path::Path) -> tokio::process::Child {
    let out = std::fs::File::create(log).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["run", "--config", config.to_str().unwrap()])
        .env("TELEGRAM_BOT_TOKEN", TOKEN)
        .env("VIGIA_STORE_PASSWORD", PASSWORD)
        .env("RUST_LOG", "info")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_lose_nothing_when_random_ones_are_killed() {
    let bot = FakeBot::start().await;
    bot.with(|st| {
        st.limits = Some(FakeLimits::scaled(20));
        // The window in which a kill makes a repeat.
        st.answer_delay = Some(Duration::from_millis(40));
    });
    let mut feeds = Vec::new();
    for f in 0..FEEDS {
        let entries = (0..PER_FEED)
            .map(|i| {
                let n = f * PER_FEED + i;
                Entry::new(
                    &format!("k{n}"),
                    &title(n),
                    "",
                    chrono::Duration::seconds(1800 - i as i64),
                )
            })
            .collect();
        let feed = FeedServer::start(entries).await;
        // Slow answers: two replicas polling one source at once would overlap.
        feed.state.lock().unwrap().delay = Some(Duration::from_millis(150));
        feeds.push(feed);
    }
    let target = tokio::task::spawn_blocking(postgres::database)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_fast_config(dir.path(), &feeds[0].url, &bot.url);
    let mut toml = std::fs::read_to_string(&config)
        .unwrap()
        .replace(
            "path = \"data/vigia.db\"",
            &format!(
                "url = \"{}\"\nlease = \"3s\"\nca_file = {:?}",
                target.url,
                postgres::ca_file()
            ),
        )
        .replace(
            &FakeLimits::scaled(10).toml(),
            &FakeLimits::scaled(20).toml(),
        );
    for (f, feed) in feeds.iter().enumerate().skip(1) {
        toml.push_str(&format!(
            "\n[[source]]\nname = \"Feed {f}\"\nkind = \"feed\"\nurl = \"{}\"\ntags = [\"test\"]\n",
            feed.url
        ));
    }
    std::fs::write(&config, toml).unwrap();
    // Telegram says "slow down" now and then: never sent to inside it.
    bot.with(|st| {
        for _ in 0..3 {
            st.faults.push_back((
                Some(ALERTS.to_string()),
                crate::support::Fault::RetryAfter(1),
            ));
        }
    });

    let all: Vec<usize> = (0..FEEDS * PER_FEED).collect();
    let cases: Vec<usize> = all
        .iter()
        .copied()
        .filter(|n| n.is_multiple_of(5))
        .collect();
    let kills = 5;
    let log = |n: usize| dir.path().join(format!("replica-{n}.log"));
    let mut started = 2;
    let mut replicas = [
        spawn_replica(&config, &log(0)),
        spawn_replica(&config, &log(1)),
    ];
    for _ in 0..kills {
        let before = bot.sent().len();
        bot.wait_for("delivery under way", |st| st.sent.len() > before + 10)
            .await;
        tokio::time::sleep(Duration::from_millis(fastrand::u64(0..300))).await;
        let victim = fastrand::usize(0..replicas.len());
        let mut dead =
            std::mem::replace(&mut replicas[victim], spawn_replica(&config, &log(started)));
        started += 1;
        dead.kill().await.unwrap(); // SIGKILL
    }
    let distinct = |sent: &[Sent], chat| {
        let mut got = arrived(sent, chat);
        got.sort();
        got.dedup();
        got.len()
    };
    let everything = async {
        loop {
            let changed = bot.changed.notified();
            let sent = bot.sent();
            if distinct(&sent, ALERTS) == all.len() && distinct(&sent, CASES) == cases.len() {
                return;
            }
            changed.await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(120), everything)
        .await
        .is_err()
    {
        let sent = bot.sent();
        let tails: String = (0..started)
            .map(|n| {
                let log = std::fs::read_to_string(log(n)).unwrap();
                let lines: Vec<&str> = log.lines().collect();
                format!(
                    "--- replica {n}:\n{}\n",
                    lines[lines.len().saturating_sub(15)..].join("\n")
                )
            })
            .collect();
        panic!(
            "after 120 s, {} of {} alerts and {} of {} cases arrived\n{tails}",
            distinct(&sent, ALERTS),
            all.len(),
            distinct(&sent, CASES),
            cases.len()
        );
    }
    for replica in replicas {
        let status = crate::support::terminate(replica).await;
        if !status.success() {
            let panics: Vec<String> = (0..started)
                .flat_map(|n| {
                    let log = std::fs::read_to_string(log(n)).unwrap();
                    let lines: Vec<String> = log.lines().map(str::to_string).collect();
                    lines
                        .iter()
                        .position(|l| l.contains("panicked"))
                        .map(|i| lines[i..(i + 3).min(lines.len())].to_vec())
                        .unwrap_or_default()
                })
                .collect();
            panic!("a replica did not stop cleanly on SIGTERM ({status}): {panics:#?}");
        }
    }

    let sent = bot.sent();
    for (chat, expected) in [(ALERTS, &all), (CASES, &cases)] {
        let got = arrived(&sent, chat);
        let repeats = assert_all_arrived(&got, expected, chat, kills);
        // Each feed's reports arrive in the order they were found (a
        // repeat aside, sent again first thing).
        for f in 0..FEEDS {
            let mut of_feed: Vec<usize> =
                got.iter().copied().filter(|n| n / PER_FEED == f).collect();
            of_feed.dedup();
            let mut sorted = of_feed.clone();
            sorted.sort();
            assert_eq!(of_feed, sorted, "order of feed {f} to {chat}");
        }
        eprintln!("{chat}: {} messages, {repeats} repeated", got.len());
    }
    let (early, limited, conflicts) =
        bot.with(|st| (st.early_calls, st.rate_limited, st.get_updates_conflicts));
    assert_eq!(
        early, 0,
        "no send inside a retry_after ({limited} 429s answered)"
    );
    assert!(limited >= 3, "the 429s were met");
    assert_eq!(conflicts, 0, "one replica at a time reads the commands");
    for (f, feed) in feeds.iter().enumerate() {
        let st = feed.state.lock().unwrap();
        assert_eq!(
            st.most_in_flight, 1,
            "feed {f} was polled by two replicas at once"
        );
        assert!(st.full >= 1);
    }
    let logs: String = (0..started)
        .map(|n| std::fs::read_to_string(log(n)).unwrap())
        .collect();
    assert!(
        !logs.contains(PASSWORD),
        "the store's password is never logged"
    );
    assert!(!logs.contains(TOKEN), "the bot token is never logged");
}
