//! Delivery against the fake Bot API enforcing Telegram's limits (scaled
//! down twentyfold, so a minute-long window takes three seconds): floods,
//! 429 storms, 5xx, cut connections, refused and migrated chats, HTML
//! Telegram cannot parse, texts too long, alerts that must be given up.

use chrono::Duration;
use vigia::config::{Config, Secret};
use vigia::daemon::{self, Running};
use vigia::delivery::Sink;

use crate::support::{Entry, FakeBot, FakeLimits, Fault, FeedServer, Mode, TOKEN};

pub const ADMIN: &str = "42";

/// The chat of channel `i`: a channel id.
pub fn chat(i: usize) -> String {
    format!("-100{:010}", i + 1)
}

pub fn entry(channel: usize, n: usize) -> Entry {
    Entry::new(
        &format!("c{channel}-{n}"),
        &format!("Detienen a la persona {n} del canal {channel}"),
        "",
        // Oldest first, all within the backfill window.
        Duration::seconds(1800 - n as i64),
    )
}

/// Channels `ch0…`, each fed by its own feed through its own rule.
pub struct Flood {
    pub bot: FakeBot,
    pub feeds: Vec<FeedServer>,
    pub config: Config,
    _dir: tempfile::TempDir,
}

impl Flood {
    pub async fn start(&self) -> Running {
        let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&self.bot.url).unwrap());
        daemon::start(&self.config, sink).await.unwrap()
    }

    /// The number of each item that reached channel `i`, in arrival order.
    pub fn arrived(&self, i: usize) -> Vec<usize> {
        self.bot
            .texts_to(&chat(i))
            .iter()
            .map(|t| {
                let n = t
                    .split("la persona ")
                    .nth(1)
                    .expect("an alert of this test");
                n.split(' ').next().unwrap().parse().unwrap()
            })
            .collect()
    }

    pub fn to_admin(&self) -> Vec<String> {
        self.bot.texts_to(ADMIN)
    }
}

/// `items` entries for each of `channels` channels; `telegram` adds keys to
/// `[telegram]`; `chats` overrides channel chats by index.
pub async fn flood(
    channels: usize,
    items: usize,
    telegram: &str,
    chats: &[(usize, &str)],
) -> Flood {
    let limits = FakeLimits::scaled(20);
    let bot = FakeBot::start().await;
    bot.with(|st| st.limits = Some(limits));
    let mut feeds = Vec::new();
    for c in 0..channels {
        feeds.push(FeedServer::start((0..items).map(|n| entry(c, n)).collect()).await);
    }
    let mut toml = format!(
        "[telegram]\napi_url = \"{}\"\nadmins = [{ADMIN}]\n{telegram}\n{}\n[channels]\n",
        bot.url,
        limits.toml()
    );
    for c in 0..channels {
        let id = chats
            .iter()
            .find(|(i, _)| *i == c)
            .map_or(chat(c), |(_, id)| id.to_string());
        toml.push_str(&format!("ch{c} = {id}\n"));
    }
    toml.push_str(
        "[store]\npath = \"vigia.db\"\n[defaults]\ninterval = \"1h\"\nbackfill = \"1h\"\n\
         [lists]\ndetention = [\"detienen\"]\n",
    );
    for (c, feed) in feeds.iter().enumerate() {
        toml.push_str(&format!(
            "[[source]]\nname = \"feed {c}\"\nkind = \"feed\"\nurl = \"{}\"\ntags = [\"ch{c}\"]\n\
             [[rule]]\nname = \"rule {c}\"\ntags = [\"ch{c}\"]\nany = [\"detention\"]\nchannels = [\"ch{c}\"]\n",
            feed.url
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    Flood {
        bot,
        feeds,
        config,
        _dir: dir,
    }
}

pub fn no_early_calls(bot: &FakeBot) {
    let st = bot.state.lock().unwrap();
    assert_eq!(
        st.early_calls, 0,
        "a request came before its retry_after had passed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_reaches_every_channel_exactly_once_in_order_within_the_limits() {
    let f = flood(10, 30, "", &[]).await;
    let running = f.start().await;
    running.handle.poll_now().await;
    running.handle.delivered().await;
    for c in 0..10 {
        assert_eq!(f.arrived(c), (0..30).collect::<Vec<_>>(), "channel {c}");
    }
    let (sent, rate_limited) = f.bot.with(|st| (st.sent.len(), st.rate_limited));
    assert_eq!(sent, 300);
    assert_eq!(rate_limited, 0, "vigia kept within the limits on its own");
    no_early_calls(&f.bot);
    assert_eq!(running.handle.metrics().alerts_sent.get(), 300);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out_and_nothing_is_sent_before_retry_after() {
    let f = flood(3, 4, "", &[]).await;
    for _ in 0..6 {
        f.bot.fault(None, Fault::RetryAfter(1));
    }
    let running = f.start().await;
    running.handle.poll_now().await;
    running.handle.delivered().await;
    for c in 0..3 {
        assert_eq!(f.arrived(c), vec![0, 1, 2, 3], "channel {c}");
    }
    no_early_calls(&f.bot);
    assert_eq!(f.bot.state.lock().unwrap().rate_limited, 6);
    assert_eq!(running.handle.metrics().rate_limited.get(), 6);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_cut_connections_are_retried_until_delivered() {
    let f = flood(3, 2, "", &[]).await;
    f.bot.fault(Some(&chat(0)), Fault::BadGateway);
    f.bot.fault(Some(&chat(1)), Fault::Drop);
    f.bot.fault(Some(&chat(1)), Fault::Drop);
    f.bot.fault(Some(&chat(2)), Fault::ServerError);
    let running = f.start().await;
    running.handle.poll_now().await;
    running.handle.delivered().await;
    for c in 0..3 {
        assert_eq!(f.arrived(c), vec![0, 1], "channel {c}");
    }
    assert!(f.to_admin().is_empty(), "retries are not news");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_channel_is_held_admins_told_once_and_it_resumes_on_its_own() {
    let f = flood(3, 2, "recheck_held = \"1s\"", &[]).await;
    f.bot.with(|st| {
        st.refused.insert(
            chat(0),
            "Forbidden: bot was kicked from the channel chat".into(),
        );
        st.refused
            .insert(chat(1), "Bad Request: chat not found".into());
    });
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(
        f.arrived(2),
        vec![0, 1],
        "the working channel is not held up"
    );
    let counts = h.store().outbox_counts().unwrap();
    assert_eq!(counts.held, 4);
    // Later items for a held channel are held too; probes fail quietly.
    for (c, feed) in f.feeds.iter().enumerate() {
        feed.push(entry(c, 2));
    }
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(f.arrived(2), vec![0, 1, 2]);
    f.bot
        .wait_for("a probe of each held channel", |st| {
            (0..2).all(|c| st.calls.iter().filter(|(_, to)| *to == chat(c)).count() >= 2)
        })
        .await;
    f.bot
        .wait_for("the two notices", |st| {
            st.sent.iter().filter(|s| s.chat == ADMIN).count() >= 2
        })
        .await;
    let notices = f.to_admin();
    assert_eq!(notices.len(), 2, "one notice per channel: {notices:#?}");
    assert!(notices
        .iter()
        .any(|n| n.contains("channel ch0") && n.contains("kicked")));
    assert!(notices
        .iter()
        .any(|n| n.contains("channel ch1") && n.contains("chat not found")));
    assert!(notices.iter().all(|n| n.contains("held, not lost")));

    // The bot is added back: the next probe delivers everything, in order.
    f.bot.with(|st| st.refused.clear());
    f.bot
        .wait_for("the held alerts", |st| {
            (0..2).all(|c| st.sent.iter().filter(|s| s.chat == chat(c)).count() == 3)
        })
        .await;
    assert_eq!(f.arrived(0), vec![0, 1, 2]);
    assert_eq!(f.arrived(1), vec![0, 1, 2]);
    f.bot
        .wait_for("the all-clear", |st| {
            st.sent.iter().filter(|s| s.chat == ADMIN).count() == 4
        })
        .await;
    assert!(f.to_admin()[2..].iter().all(|n| n.contains("again")));
    assert_eq!(h.store().outbox_counts().unwrap().held, 0);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migrated_group_is_followed_recorded_and_admins_told_once() {
    let f = flood(1, 2, "", &[(0, "-4001")]).await;
    f.bot
        .with(|st| st.migrated.insert("-4001".into(), -1004001));
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    h.delivered().await;
    let to_new = |bot: &FakeBot| bot.texts_to("-1004001").len();
    assert_eq!(to_new(&f.bot), 2);
    f.feeds[0].push(entry(0, 2));
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(to_new(&f.bot), 3);
    let calls_to_old = f
        .bot
        .state
        .lock()
        .unwrap()
        .calls
        .iter()
        .filter(|(_, c)| c == "-4001")
        .count();
    assert_eq!(calls_to_old, 1, "the migration is remembered");
    f.bot
        .wait_for("the notice", |st| st.sent.iter().any(|s| s.chat == ADMIN))
        .await;
    let notices = f.to_admin();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].contains("ch0 = -1004001"), "{}", notices[0]);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unparsable_html_goes_as_plain_text_and_a_message_too_long_is_shortened() {
    let f = flood(2, 1, "", &[]).await;
    f.feeds[1].state.lock().unwrap().entries[0].description = "palabra ".repeat(700);
    f.bot.fault(Some(&chat(0)), Fault::CantParse);
    f.bot.fault(Some(&chat(1)), Fault::TooLong);
    let running = f.start().await;
    running.handle.poll_now().await;
    running.handle.delivered().await;
    let sent = f.bot.sent();
    let plain = sent.iter().find(|s| s.chat == chat(0)).unwrap();
    assert_eq!(plain.parse_mode, None);
    assert!(
        plain.text.starts_with("🚨 Detienen a la persona 0"),
        "{}",
        plain.text
    );
    let long = sent.iter().find(|s| s.chat == chat(1)).unwrap();
    assert_eq!(long.parse_mode.as_deref(), Some("HTML"));
    let len = long.text.encode_utf16().count();
    assert!((2800..=3072).contains(&len), "{len}");
    assert!(long.text.contains("palabra…"));
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_failing_past_give_up_after_is_failed_and_admins_told() {
    let f = flood(1, 1, "give_up_after = \"2s\"", &[]).await;
    for _ in 0..20 {
        f.bot.fault(Some(&chat(0)), Fault::Drop);
    }
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    f.bot
        .wait_for("the notice", |st| st.sent.iter().any(|s| s.chat == ADMIN))
        .await;
    let notice = &f.to_admin()[0];
    assert!(
        notice.contains("channel ch0")
            && notice.contains("given up")
            && notice.contains("la persona 0"),
        "{notice}"
    );
    let counts = h.store().outbox_counts().unwrap();
    assert_eq!((counts.failed, counts.pending), (1, 0));
    assert_eq!(h.metrics().alerts_failed.get(), 1);
    // The channel is not blocked behind it.
    f.bot.with(|st| st.faults.clear());
    f.feeds[0].push(entry(0, 1));
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(f.arrived(0), vec![1]);
    running.shutdown().await;
}

/// The fault mix of a bad half-minute, scaled down: 429 storms, JSON 500s,
/// cut connections, slow answers, a 502 page, a kicked channel that is
/// restored and a migrated group. Every alert arrives exactly once, in
/// order; the channels never refused within 10 s of the last fault, the
/// restored one within 30 s of its restoring; nothing inside a
/// `retry_after`; admins hear only of the real refusal and the migration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mix_of_faults_delays_alerts_by_seconds_and_holds_only_the_refused_channel() {
    use std::time::Instant;
    let kicked = 1;
    let f = flood(6, 9, "", &[(5, "-4001")]).await;
    f.bot.with(|st| {
        st.migrated.insert("-4001".into(), -1004001);
        st.refused.insert(
            chat(kicked),
            "Forbidden: bot was kicked from the channel chat".into(),
        );
        for _ in 0..8 {
            st.faults.push_back((None, Fault::RetryAfter(1)));
        }
    });
    let t0 = Instant::now();
    let at = |ms: u64| t0 + std::time::Duration::from_millis(ms);
    let running = f.start().await;
    let h = running.handle.clone();
    let poll = tokio::spawn({
        let h = h.clone();
        async move { h.poll_now().await }
    });
    // The scenario's clock: each fault starts at its moment.
    tokio::time::sleep_until(at(500).into()).await;
    f.bot
        .set_mode(Mode::FaultUntil(at(3000), Fault::InternalServerError));
    tokio::time::sleep_until(at(3000).into()).await;
    f.bot.with(|st| {
        for _ in 0..4 {
            st.faults.push_back((None, Fault::Drop));
        }
        st.answer_delay = Some(std::time::Duration::from_millis(700));
    });
    tokio::time::sleep_until(at(4500).into()).await;
    f.bot.with(|st| st.answer_delay = None);
    f.bot
        .set_mode(Mode::FaultUntil(at(6000), Fault::BadGateway));
    let last_fault = at(6000);
    // The kicked channel is added back once Telegram answers again, so
    // that it was refused, not only failing, for a while.
    f.bot
        .wait_for("the refusal", |st| {
            st.sent
                .iter()
                .any(|s| s.chat == ADMIN && s.text.contains("cannot post"))
        })
        .await;
    tokio::time::sleep_until(at(8000).into()).await;
    let restored = Instant::now();
    f.bot.with(|st| st.refused.clear());
    poll.await.unwrap();
    f.bot
        .wait_for_within(std::time::Duration::from_secs(40), "every alert", |st| {
            st.sent.iter().filter(|s| s.chat != ADMIN).count() >= 54
        })
        .await;
    h.delivered().await;
    let sent = f.bot.sent();
    for c in 0..6 {
        let to = if c == 5 {
            "-1004001".to_string()
        } else {
            chat(c)
        };
        let texts: Vec<&crate::support::bot::Sent> = sent.iter().filter(|s| s.chat == to).collect();
        assert_eq!(texts.len(), 9, "channel {c}: every alert exactly once");
        let last = texts.iter().map(|s| s.at).max().unwrap();
        if c == kicked {
            assert!(last.duration_since(restored) <= std::time::Duration::from_secs(30));
        } else {
            let late = last.saturating_duration_since(last_fault);
            assert!(
                late <= std::time::Duration::from_secs(10),
                "channel {c}: {late:?} after the last fault"
            );
        }
    }
    for c in 0..5 {
        assert_eq!(
            f.arrived(c),
            (0..9).collect::<Vec<_>>(),
            "channel {c} in order"
        );
    }
    no_early_calls(&f.bot);
    f.bot
        .wait_for("the notices", |st| {
            st.sent.iter().filter(|s| s.chat == ADMIN).count() >= 3
        })
        .await;
    let notices = f.to_admin();
    let refusals: Vec<&String> = notices
        .iter()
        .filter(|n| n.contains("cannot post"))
        .collect();
    assert_eq!(refusals.len(), 1, "{notices:#?}");
    assert!(refusals[0].contains(&format!("channel ch{kicked}")));
    assert_eq!(
        notices.iter().filter(|n| n.contains("supergroup")).count(),
        1
    );
    assert_eq!(
        notices.len(),
        3,
        "refused, restored, migrated: {notices:#?}"
    );
    running.shutdown().await;
}
