//! The delivery flood: 300 alerts for 10 channels at once, sent by the real
//! daemon through the real teloxide client to the fake Bot API, which
//! enforces Telegram's limits (1 message a second per chat, 20 a minute per
//! group or channel, 30 a second overall) with 429s. Reports the time from
//! the first message to the last against the shortest schedule the limits
//! allow, and the 429s.
//!
//! `cargo bench --bench flood` runs Telegram's limits scaled down tenfold
//! (about 7 s); `VIGIA_FLOOD_SCALE=1` runs them as they are (over a minute).

#[allow(dead_code, unused_imports)]
#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::Instant;

use chrono::Utc;
use support::{FakeBot, FakeLimits, TOKEN};
use vigia::config::{Config, Secret};
use vigia::delivery::pace::Pacer;
use vigia::delivery::Sink;
use vigia::store::{NewItem, Store};

const CHANNELS: usize = 10;
const PER_CHANNEL: usize = 30;

fn chat(i: usize) -> String {
    format!("-100{:010}", i + 1)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: u32 = std::env::var("VIGIA_FLOOD_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let limits = FakeLimits::scaled(scale);
    let bot = FakeBot::start().await;
    bot.with(|st| st.limits = Some(limits));

    let dir = tempfile::tempdir().unwrap();
    let mut toml = format!(
        "[telegram]\napi_url = \"{}\"\n{}\n[store]\npath = \"vigia.db\"\n[channels]\n",
        bot.url,
        limits.toml()
    );
    for c in 0..CHANNELS {
        toml.push_str(&format!("ch{c} = {}\n", chat(c)));
    }
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();

    // The flood, recorded as a poll would record it.
    let items: Vec<NewItem> = (0..PER_CHANNEL * CHANNELS)
        .map(|n| NewItem {
            key: vigia::sources::key_hash(&format!("item {n}")),
            aliases: Vec::new(),
            muted_rule: None,
            story: None,
            source: "bench".into(),
            title: format!("Detienen a la persona {n}"),
            link: Some(format!("https://example.org/{n}")),
            summary: "Fue llevada a una sede policial, según sus familiares.".into(),
            published: Some(Utc::now()),
            explanation: Some(Default::default()),
            alerts: vec![(format!("ch{}", n % CHANNELS), chat(n % CHANNELS))],
        })
        .collect();
    Store::open(&config.store_path)
        .unwrap()
        .record(&items, Utc::now())
        .unwrap();

    let started = Instant::now();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = vigia::daemon::start(&config, sink).await.unwrap();
    running.handle.delivered().await;
    let total = started.elapsed();
    running.shutdown().await;

    let (sent, first, last, rate_limited, early) = bot.with(|st| {
        (
            st.sent.len(),
            st.sent.first().map(|s| s.at).unwrap(),
            st.sent.last().map(|s| s.at).unwrap(),
            st.rate_limited,
            st.early_calls,
        )
    });
    let measured = last - first;
    let config_limits = config.telegram.limits;
    let minimum = Pacer::minimum_makespan(config_limits, &[PER_CHANNEL; CHANNELS]);
    println!(
        "flood: {sent} alerts to {CHANNELS} channels, Telegram's limits scaled 1/{scale}\n\
         first to last message: {:.2} s; shortest schedule the limits allow: {:.2} s; ratio {:.3}\n\
         429s: {rate_limited}; requests before retry_after: {early}; start to all delivered: {:.2} s",
        measured.as_secs_f64(),
        minimum.as_secs_f64(),
        measured.as_secs_f64() / minimum.as_secs_f64(),
        total.as_secs_f64(),
    );
    assert_eq!(sent, PER_CHANNEL * CHANNELS);
}
