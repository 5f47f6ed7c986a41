//! The console's cost on a full store, served for real on 127.0.0.1 and
//! asked over HTTP as a browser would.
//!
//! 1. Pages: a store of 100,000 items (`VIGIA_CONSOLE_ITEMS`) from 1,000
//!    sources (added to a copy of the shipped config) over 30 days, judged
//!    by the shipped config (about half of the
//!    labelled reports they are drawn from alert; each alerting item has a
//!    sent alert, the last 2,000 a story). Each page is asked 21 times;
//!    the median and the slowest are printed.
//! 2. Backtest: 1,000 sources × 30 days × 10 items a day
//!    (`VIGIA_BACKTEST_ITEMS`, 300,000 by default) run through the shipped
//!    config and a candidate without the terms of `detention.txt` that
//!    start with "det" (an edit that loses many alerts).
//!
//! `cargo bench --bench console`. Item texts are the labelled reports of
//! `tests/fixtures/*.jsonl`, each numbered so that no two are the same.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use vigia::config::Config;
use vigia::console::{Access, Console, Live};
use vigia::intake::Rules;
use vigia::matching::{Explanation, ItemText, Matcher};
use vigia::store::{NewItem, Store};

const SOURCES: usize = 1000;
const DAYS: i64 = 30;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// (title, summary) of every labelled report in the fixtures.
fn texts() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/examples");
    let mut out = Vec::new();
    for f in ["dev", "holdout", "holdout2", "holdout3", "holdout4"] {
        let text = std::fs::read_to_string(format!("{dir}/{f}.jsonl")).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            out.push((
                v["title"].as_str().unwrap_or_default().to_string(),
                v["summary"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out
}

/// Fills `store` with `n` items spread evenly over the last 30 days, each
/// text judged once by `config`; alerting items get a sent alert, and the
/// last `stories` of them join stories.
fn seed(store: &Store, config: &Config, n: usize, stories: usize) {
    let matcher = Matcher::new(config);
    let texts = texts();
    let judged: Vec<Option<Explanation>> = texts
        .iter()
        .map(|(title, summary)| {
            let text = ItemText {
                title,
                summary,
                content: "",
            };
            let j = vigia::intake::judge(&matcher, None, &text);
            j.verdict.alerts().then(|| matcher.explain(&j.verdict))
        })
        .collect();
    let start = Utc::now() - chrono::Duration::days(DAYS);
    let step = chrono::Duration::days(DAYS).num_milliseconds() / n as i64;
    let started = Instant::now();
    const BATCH: usize = 500;
    let mut sent = 0;
    for batch in 0..n.div_ceil(BATCH) {
        let first = batch * BATCH;
        let items: Vec<NewItem> = (first..(first + BATCH).min(n))
            .map(|i| {
                let t = i % texts.len();
                let (title, summary) = &texts[t];
                let explanation = judged[t].clone();
                let title = format!("{title} ({i})");
                let story = (explanation.is_some() && i + stories * 2 >= n).then(|| {
                    (
                        vigia::stories::words(&title, summary),
                        Duration::from_secs(72 * 3600),
                    )
                });
                NewItem {
                    key: vigia::sources::key_hash(&format!("console bench {i}")),
                    aliases: Vec::new(),
                    source: format!("source {:04}", i % SOURCES),
                    link: Some(format!("https://example.org/{i}")),
                    summary: summary.clone(),
                    published: None,
                    alerts: if explanation.is_some() {
                        vec![("alerts".into(), "-1001234567890".into())]
                    } else {
                        Vec::new()
                    },
                    explanation,
                    muted_rule: None,
                    story,
                    title,
                }
            })
            .collect();
        let at = start + chrono::Duration::milliseconds(step * first as i64);
        store.record(&items, at).unwrap();
        sent += items.iter().filter(|i| !i.alerts.is_empty()).count();
    }
    // Every alert sent, as a daemon that kept up would have.
    for id in 1..=sent as i64 {
        store.mark_sent(id, Some(id as i32), Utc::now()).unwrap();
    }
    eprintln!(
        "seeded {n} items ({sent} alerting) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

struct Fixed {
    config: Config,
    rules: Arc<Rules>,
}

impl Live for Fixed {
    fn config(&self) -> Config {
        self.config.clone()
    }
    fn rules(&self) -> Arc<Rules> {
        self.rules.clone()
    }
}

/// The shipped config, copied into `dir` with 1,000 more feeds.
fn shipped(dir: &std::path::Path) -> Config {
    let from = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"));
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    for entry in ["vigia.toml", "names.txt", "names-context.txt"]
        .iter()
        .map(|f| f.to_string())
        .chain(
            std::fs::read_dir(from.join("lists"))
                .unwrap()
                .map(|e| format!("lists/{}", e.unwrap().file_name().to_string_lossy())),
        )
    {
        std::fs::copy(from.join(&entry), dir.join(&entry)).unwrap();
    }
    let mut toml = std::fs::read_to_string(dir.join("vigia.toml")).unwrap();
    for n in 0..SOURCES {
        toml.push_str(&format!(
            "\n[[source]]\nname = \"source {n:04}\"\nurl = \"https://feeds{}.example.org/{n}.xml\"\ntags = [\"bench\"]\n",
            n % 20
        ));
    }
    std::fs::write(dir.join("vigia.toml"), toml).unwrap();
    Config::load(&dir.join("vigia.toml")).unwrap()
}

/// Median and slowest of 21 answers to `req`.
async fn time(req: impl Fn() -> reqwest::RequestBuilder) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..21 {
        let t = Instant::now();
        let resp = req().send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        size = resp.bytes().await.unwrap().len();
        times.push(t.elapsed());
    }
    times.sort();
    (times[10], times[20], size)
}

async fn pages(items: usize) {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped(&dir.path().join("config"));
    let store = Arc::new(Store::open(&dir.path().join("vigia.db")).unwrap());
    seed(&store, &config, items, 2000);
    let story = store
        .story_members()
        .unwrap()
        .last()
        .map(|(s, _)| *s)
        .unwrap();
    let (_, reloads) = tokio::sync::watch::channel(Default::default());
    let ops = vigia::ops::Ops {
        store: store.clone(),
        metrics: Default::default(),
        telegram: Default::default(),
        pulse: Arc::new(Utc::now().timestamp_millis().into()),
        reloads,
    };
    let live = Arc::new(Fixed {
        rules: Arc::new(Rules::new(&config)),
        config,
    });
    let app = vigia::console::router(Console { ops, live }, Access::Open);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    println!("\npages, {items} items stored (median / slowest of 21, page size):");
    let gets = [
        "/".to_string(),
        "/sources".into(),
        "/alerts?channel=alerts".into(),
        format!("/stories/{story}"),
        "/search?q=detenido".into(),
        "/search?q=sebin+periodista".into(),
        "/try".into(),
        "/backtest?file=detention".into(),
    ];
    for path in gets {
        let (median, max, size) = time(|| client.get(format!("{base}{path}"))).await;
        println!(
            "  GET  {path:<28} {:>7.1} ms {:>7.1} ms {:>7} bytes",
            ms(median),
            ms(max),
            size
        );
    }
    let (median, max, size) = time(|| {
        client.post(format!("{base}/try")).form(&[
            (
                "text",
                "Detienen a dirigente sindical en Caracas\nLo llevó el SEBIN.",
            ),
            ("url", ""),
        ])
    })
    .await;
    println!(
        "  POST {:<28} {:>7.1} ms {:>7.1} ms {:>7} bytes",
        "/try",
        ms(median),
        ms(max),
        size
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn backtest(items: usize) {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped(&dir.path().join("config"));
    let store = Store::open(&dir.path().join("vigia.db")).unwrap();
    seed(&store, &config, items, 0);
    let list = config.lists.iter().find(|l| l.name == "detention").unwrap();
    let text = std::fs::read_to_string(&list.file).unwrap();
    let edited: String = text
        .lines()
        .filter(|l| !l.trim().starts_with("det"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(edited.len(), text.len(), "the edit removes terms");
    let started = Instant::now();
    let candidate = Config::load_with_edit(&config.path, &list.file, &edited).unwrap();
    // An hour more than the seeded span, so every item is in.
    let since = Utc::now() - chrono::Duration::days(DAYS) - chrono::Duration::hours(1);
    let report = vigia::backtest::backtest(&store, &config, &candidate, since).unwrap();
    let took = started.elapsed();
    println!(
        "\nbacktest, {} items of {SOURCES} sources over {DAYS} days: {:.2} s ({:.1} µs an item); \
         {} alerting before, {} after, {} changed",
        report.items,
        took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / report.items as f64,
        report.alerting_before,
        report.alerting_after,
        report.changed.len()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(pages(env("VIGIA_CONSOLE_ITEMS", 100_000)));
    backtest(env("VIGIA_BACKTEST_ITEMS", SOURCES * DAYS as usize * 10));
}
