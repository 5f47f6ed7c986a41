//! Operating the daemon: logging set-up, the `/healthz` and `/metrics`
//! endpoints and the client side of `vigia health`.

pub mod commands;
pub mod metrics;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use tokio_util::sync::CancellationToken;

use crate::delivery::{TelegramHealth, TelegramState};
use crate::store::{Store, StoreError};
use metrics::Metrics;

/// Logs go to standard error (standard output carries alerts when no token
/// is set); `RUST_LOG` filters, `info` by default. Until the config is read
/// they are human-readable; [`set_log_format`] then switches to JSON if the
/// config asks.
pub fn init_logging() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let human = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(tracing_subscriber::filter::filter_fn(|_| !json_logs()));
    let json = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_writer(std::io::stderr)
        .with_filter(tracing_subscriber::filter::filter_fn(|_| json_logs()));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(human)
        .with(json)
        .try_init();
}

static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn json_logs() -> bool {
    JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Switches log lines to the config's `[log] format`.
pub fn set_log_format(format: crate::config::LogFormat) {
    JSON_LOGS.store(
        format == crate::config::LogFormat::Json,
        std::sync::atomic::Ordering::Relaxed,
    );
}

/// An alert waiting longer than this makes the daemon degraded.
const BACKLOG_AGE: chrono::Duration = chrono::Duration::minutes(15);

/// What `/healthz` says: `ok`, or `degraded` with the reasons.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Health {
    pub status: &'static str,
    pub reasons: Vec<String>,
    pub alerts_pending: i64,
    pub alerts_held: i64,
    pub alerts_failed: i64,
    pub sources_failing: Vec<String>,
    pub last_successful_poll: Option<chrono::DateTime<chrono::Utc>>,
    pub telegram: TelegramHealth,
}

/// Reads the daemon's health from the store.
pub fn health(
    store: &Store,
    telegram: &TelegramHealth,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Health, StoreError> {
    let counts = store.outbox_counts()?;
    let sources = store.source_health()?;
    let failing: Vec<String> = sources
        .iter()
        .filter(|s| s.consecutive_failures > 0)
        .map(|s| s.name.clone())
        .collect();
    let mut reasons = Vec::new();
    if let Some(why) = &telegram.bot_refused {
        reasons.push(format!(
            "Telegram refuses the bot's token, nothing can be sent: {why}"
        ));
    }
    if let Some(since) = telegram.failing_since {
        reasons.push(format!(
            "Telegram has failed every send since {}",
            since.format("%Y-%m-%d %H:%M:%S UTC")
        ));
    }
    if !failing.is_empty() {
        reasons.push(format!("sources failing: {}", failing.join(", ")));
    }
    if counts.held > 0 {
        reasons.push(format!(
            "{} alert(s) held: a channel refuses the bot",
            counts.held
        ));
    }
    if let Some(oldest) = store.oldest_pending()?.filter(|t| now - *t > BACKLOG_AGE) {
        reasons.push(format!(
            "outbox backlog: {} alert(s) waiting, the oldest since {}",
            counts.pending + counts.sending,
            oldest.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    Ok(Health {
        status: if reasons.is_empty() { "ok" } else { "degraded" },
        reasons,
        alerts_pending: counts.pending + counts.sending,
        alerts_held: counts.held,
        alerts_failed: counts.failed,
        sources_failing: failing,
        last_successful_poll: sources.iter().filter_map(|s| s.last_success).max(),
        telegram: telegram.clone(),
    })
}

#[derive(Clone)]
struct Ops {
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    telegram: TelegramState,
}

async fn healthz(State(ops): State<Ops>) -> (StatusCode, Json<serde_json::Value>) {
    let telegram = ops.telegram.health();
    match ops
        .store
        .call(move |s| health(s, &telegram, chrono::Utc::now()))
        .await
    {
        Ok(h) => {
            let code = if h.status == "ok" {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (
                code,
                Json(serde_json::to_value(h).expect("health serializes")),
            )
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                serde_json::json!({ "status": "degraded", "reasons": [format!("store unreadable: {e}")] }),
            ),
        ),
    }
}

async fn metrics(
    State(ops): State<Ops>,
) -> (
    StatusCode,
    [(axum::http::HeaderName, &'static str); 1],
    String,
) {
    let m = ops.metrics.clone();
    let content_type = (
        axum::http::header::CONTENT_TYPE,
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    match ops.store.call(move |s| m.render(s)).await {
        Ok(text) => (StatusCode::OK, [content_type], text),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [content_type],
            format!("# store unreadable: {e}\n"),
        ),
    }
}

/// Serves `/healthz` and `/metrics` until `shutdown`.
pub async fn serve_health(
    listener: tokio::net::TcpListener,
    store: Arc<Store>,
    metrics_: Arc<Metrics>,
    telegram: TelegramState,
    shutdown: CancellationToken,
) {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(Ops {
            store,
            metrics: metrics_,
            telegram,
        });
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "health endpoint failed");
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("no http.listen in the config: the daemon has no health endpoint")]
    NotConfigured,
    #[error("health endpoint {url} unreachable: {message}")]
    Unreachable { url: String, message: String },
    #[error("health endpoint {url} answered {status}: {body}")]
    Unhealthy {
        url: String,
        status: u16,
        body: String,
    },
}

/// Asks the running daemon's `/healthz`; Ok when it answers 200.
pub async fn check_health(listen: Option<SocketAddr>) -> Result<String, HealthError> {
    let mut addr = listen.ok_or(HealthError::NotConfigured)?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let url = format!("http://{addr}/healthz");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client settings are valid");
    let resp = client
        .get(&url)
        .send()
        .await
        .map_err(|e| HealthError::Unreachable {
            url: url.clone(),
            message: e.without_url().to_string(),
        })?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if status.is_success() {
        Ok(body)
    } else {
        Err(HealthError::Unhealthy {
            url,
            status: status.as_u16(),
            body,
        })
    }
}
