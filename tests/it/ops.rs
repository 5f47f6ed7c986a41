//! The ops endpoints on a running daemon: `/healthz` turns degraded when a
//! source fails and back when it recovers; `/metrics` parses as Prometheus
//! text and counts what happened.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::Duration;
use vigia::config::Config;
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{rss, serve, unused_addr, Entry};

async fn flaky(State(fixed): State<Arc<AtomicBool>>) -> axum::response::Response {
    use axum::response::IntoResponse;
    if fixed.load(Ordering::SeqCst) {
        let entries = [Entry::new(
            "a",
            "Detienen a periodista en Caracas",
            "",
            Duration::minutes(5),
        )];
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
async fn healthz_degrades_with_a_failing_source_and_metrics_parse() {
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

    let (code, body) = get_text(&healthz).await;
    assert_eq!(code, 200, "{body}");
    h.poll_now().await;
    let (code, body) = get_text(&healthz).await;
    assert_eq!(code, 503, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "degraded");
    assert_eq!(json["reasons"][0], "sources failing: flaky");

    fixed.store(true, Ordering::SeqCst);
    h.poll_now().await;
    h.delivered().await;
    let (code, body) = get_text(&healthz).await;
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
    assert_eq!(value("vigia_alerts", &[("state", "sent")]), 1.0);
    assert_eq!(value("vigia_alerts", &[("state", "pending")]), 0.0);
    assert_eq!(value("vigia_sources_failing", &[]), 0.0);
    assert!(text.contains("vigia_delivery_seconds_bucket"), "{text}");
    running.shutdown().await;
}
