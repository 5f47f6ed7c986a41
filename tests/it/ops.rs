//! The ops endpoints on a running daemon: `/healthz` (liveness) stays ok
//! while a source fails, and fails when the store cannot be written or the
//! delivery loop stops; `/status` and `/readyz` say degraded while a source
//! fails and ok when it recovers; `/metrics` parses as Prometheus text and
//! counts what happened.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use vigia::config::Config;
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{rss, serve, unused_addr, Entry};

async fn flaky(State(fixed): State<Arc<AtomicBool>>) -> axum::response::Response {
    use axum::response::IntoResponse;
    if fixed.load(Ordering::SeqCst) {
        let entries = [Entry::caracas_arrest("a")];
        (
            [("content-type", "application/rss+xml")],
            rss("http://x", &entries),
        )
            .into_response()
    } else {
        (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down").into_response()
    }
}

async fn get_text(url: &str) -> (u16, String) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_leaves_healthz_ok_degrades_status_and_metrics_parse() {
    let fixed = Arc::new(AtomicBool::new(false));
    let app = Router::new()
        .route("/feed.xml", get(flaky))
        .with_state(fixed.clone());
    let feed = format!("http://{}/feed.xml", serve(app).await);
    let listen = unused_addr();
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[channels]\nalerts = -100\n[store]\npath = \"vigia.db\"\n[http]\nlisten = \"{listen}\"\n\
         [defaults]\nbackfill = \"1h\"\n[lists]\nd = [\"detienen\"]\n\
         [[rule]]\nname = \"detentions\"\nany = [\"d\"]\nchannels = [\"alerts\"]\n\
         [[source]]\nname = \"flaky\"\nurl = \"{feed}\"\n"
    );
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    let h = running.handle.clone();
    let healthz = format!("http://{listen}/healthz");
    let status = format!("http://{listen}/status");
    let readyz = format!("http://{listen}/readyz");

    let (code, body) = get_text(&healthz).await;
    assert_eq!(code, 200, "{body}");
    h.poll_now().await;
    let (code, body) = get_text(&healthz).await;
    assert_eq!(
        code, 200,
        "a failing source leaves the daemon alive: {body}"
    );
    let (code, body) = get_text(&readyz).await;
    assert_eq!(code, 503, "{body}");
    let (code, body) = get_text(&status).await;
    assert_eq!(code, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "degraded");
    assert_eq!(json["reasons"][0], "sources failing: flaky");
    let (_, text) = get_text(&format!("http://{listen}/metrics")).await;
    assert!(
        text.contains("vigia_degraded{reason=\"sources_failing\"} 1"),
        "{text}"
    );

    fixed.store(true, Ordering::SeqCst);
    h.poll_now().await;
    h.delivered().await;
    let (code, body) = get_text(&readyz).await;
    assert_eq!(code, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert!(json["last_successful_poll"].is_string(), "{json}");

    let (code, text) = get_text(&format!("http://{listen}/metrics")).await;
    assert_eq!(code, 200);
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let sample = scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .unwrap_or_else(|| panic!("no {name} {labels:?} in:\n{text}"));
        match sample.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            ref other => panic!("{name}: {other:?}"),
        }
    };
    assert_eq!(
        value(
            "vigia_fetches_total",
            &[("source", "flaky"), ("outcome", "http-status")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "vigia_fetches_total",
            &[("source", "flaky"), ("outcome", "ok")]
        ),
        1.0
    );
    assert_eq!(value("vigia_items_seen_total", &[("source", "flaky")]), 1.0);
    assert_eq!(value("vigia_matches_total", &[("rule", "detentions")]), 1.0);
    // Without a token the alert is printed, not sent: it waits for one.
    assert_eq!(value("vigia_alerts", &[("state", "printed")]), 1.0);
    assert_eq!(value("vigia_alerts", &[("state", "sent")]), 0.0);
    assert_eq!(value("vigia_alerts", &[("state", "pending")]), 0.0);
    assert_eq!(value("vigia_alerts_printed_total", &[]), 1.0);
    assert_eq!(value("vigia_sources_failing", &[]), 0.0);
    assert_eq!(
        value("vigia_source_alerts_total", &[("source", "flaky")]),
        1.0
    );
    assert_eq!(value("vigia_source_items", &[("source", "flaky")]), 1.0);
    assert_eq!(
        value("vigia_source_consecutive_failures", &[("source", "flaky")]),
        0.0
    );
    let last = value(
        "vigia_source_last_success_timestamp_seconds",
        &[("source", "flaky")],
    );
    assert!((chrono::Utc::now().timestamp() as f64 - last).abs() < 60.0);
    assert_eq!(
        value(
            "vigia_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    assert_eq!(value("vigia_config_last_reload_success", &[]), 1.0);
    assert_eq!(
        value("vigia_degraded", &[("reason", "sources_failing")]),
        0.0
    );
    assert_eq!(value("vigia_telegram_bot_refused", &[]), 0.0);
    assert!(text.contains("vigia_delivery_seconds_bucket"), "{text}");
    running.shutdown().await;
}

/// A config for a daemon with the ops endpoints on `listen` and nothing to poll.
fn quiet_config(dir: &std::path::Path, listen: std::net::SocketAddr) -> Config {
    let toml = format!(
        "[channels]\nalerts = -100\n[store]\npath = \"vigia.db\"\n[http]\nlisten = \"{listen}\"\n\
         [lists]\nd = [\"detienen\"]\n\
         [[rule]]\nname = \"detentions\"\nany = [\"d\"]\nchannels = [\"alerts\"]\n"
    );
    let path = dir.join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    Config::load(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_fails_while_the_store_cannot_be_written() {
    let listen = unused_addr();
    let dir = tempfile::tempdir().unwrap();
    let config = quiet_config(dir.path(), listen);
    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    let healthz = format!("http://{listen}/healthz");
    assert_eq!(get_text(&healthz).await.0, 200);
    // Another process holds the write lock (as a stuck backup tool would).
    let other = rusqlite::Connection::open(dir.path().join("vigia.db")).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (code, body) = get_text(&healthz).await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("the store cannot be written"), "{body}");
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(get_text(&healthz).await.0, 200);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_fails_when_the_delivery_loop_stops_going_round() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(vigia::store::Store::open(&dir.path().join("v.db")).unwrap());
    let stale = chrono::Utc::now() - chrono::Duration::minutes(5);
    let pulse: vigia::ops::Pulse = Arc::new(stale.timestamp_millis().into());
    let (_status, reloads) = tokio::sync::watch::channel(Default::default());
    let ops = vigia::ops::Ops {
        store,
        metrics: Arc::new(Default::default()),
        telegram: Default::default(),
        pulse: pulse.clone(),
        reloads,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(vigia::ops::serve_health(
        listener,
        ops,
        axum::Router::new(),
        stop.clone(),
    ));
    let healthz = format!("http://{addr}/healthz");
    let (code, body) = get_text(&healthz).await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("delivery loop"), "{body}");
    assert!(
        body.contains("\"telegram\":{"),
        "Telegram's state is shown: {body}"
    );
    pulse.store(
        chrono::Utc::now().timestamp_millis(),
        std::sync::atomic::Ordering::Relaxed,
    );
    assert_eq!(get_text(&healthz).await.0, 200);
    stop.cancel();
}
