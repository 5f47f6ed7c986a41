//! Operating the daemon: logging set-up, the `/healthz` and `/metrics`
//! endpoints and the client side of `vigia health`.

pub mod commands;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use tokio_util::sync::CancellationToken;

use crate::delivery::{TelegramHealth, TelegramState};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

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
    /// The last rejected config edit's errors, until an edit is applied.
    pub config_reload_error: Option<String>,
    /// On a store replicas share: what this replica holds now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<Replica>,
}

/// What one replica holds (see `store::leases`): another takes it over
/// when this one dies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Replica {
    /// Its name in the leases: host, process id, a random tag.
    pub holder: String,
    /// The chats it sends to.
    pub chats: Vec<String>,
    /// Sources it is polling this instant.
    pub polling: usize,
    /// Whether it reads Telegram's commands.
    pub reads_commands: bool,
}

/// Why the daemon would be degraded, one flag each, for `vigia_degraded`.
impl Health {
    pub fn flags(&self) -> [(&'static str, bool); 6] {
        [
            ("sources_failing", !self.sources_failing.is_empty()),
            ("channels_held", self.alerts_held > 0),
            ("telegram_failing", self.telegram.failing_since.is_some()),
            ("telegram_bot_refused", self.telegram.bot_refused.is_some()),
            (
                "outbox_backlog",
                self.reasons.iter().any(|r| r.starts_with("outbox backlog")),
            ),
            ("config_reload_failed", self.config_reload_error.is_some()),
        ]
    }
}

/// Reads the daemon's health from the store.
pub fn health(
    store: &Store,
    telegram: &TelegramHealth,
    reload_error: Option<&str>,
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
    if let Some(e) = reload_error {
        let first = e.lines().nth(1).unwrap_or(e);
        reasons.push(format!(
            "the last config edit was rejected (vigia runs on the previous one): {first}"
        ));
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
    let replica = if store.is_shared() {
        let held: Vec<(String, String, String)> = store
            .leases()?
            .into_iter()
            .filter(|l| l.2 == store.holder())
            .collect();
        let of = |kind: &'static str| held.iter().filter(move |l| l.0 == kind);
        Some(Replica {
            holder: store.holder().to_string(),
            chats: of("chat").map(|l| l.1.clone()).collect(),
            polling: of("source").count(),
            reads_commands: of("commands").next().is_some(),
        })
    } else {
        None
    };
    Ok(Health {
        status: if reasons.is_empty() { "ok" } else { "degraded" },
        reasons,
        alerts_pending: counts.pending + counts.sending,
        alerts_held: counts.held,
        alerts_failed: counts.failed,
        sources_failing: failing,
        last_successful_poll: sources.iter().filter_map(|s| s.last_success).max(),
        telegram: telegram.clone(),
        config_reload_error: reload_error.map(str::to_string),
        replica,
    })
}

/// Config reload attempts so far, and how the last one ended (the daemon's
/// reloader writes it; `/status` and `/metrics` show it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadStatus {
    pub applied: u64,
    pub rejected: u64,
    /// The last rejected config's errors, until a reload succeeds.
    pub last_error: Option<String>,
    /// When the last reload was applied.
    pub last_applied_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub use crate::delivery::Pulse;

/// A delivery loop silent this long is not working.
const PULSE_LIMIT: chrono::Duration = chrono::Duration::minutes(2);

/// What the endpoints read.
#[derive(Clone)]
pub struct Ops {
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    pub telegram: TelegramState,
    pub pulse: Pulse,
    pub reloads: tokio::sync::watch::Receiver<ReloadStatus>,
}

impl Ops {
    pub async fn health(&self) -> Result<Health, StoreError> {
        let telegram = self.telegram.health();
        let reload_error = self.reloads.borrow().last_error.clone();
        self.store
            .call(move |s| health(s, &telegram, reload_error.as_deref(), chrono::Utc::now()))
            .await
    }

    /// Why the daemon is not alive, if it is not: the store cannot be
    /// written, or the delivery loop has stopped going round. Failing
    /// sources, held channels and Telegram's state are not reasons: a
    /// restart would not mend them.
    async fn liveness(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        let now = chrono::Utc::now();
        if let Err(e) = self.store.call(move |s| s.heartbeat(now)).await {
            reasons.push(format!("the store cannot be written: {e}"));
        }
        let last = self.pulse.load(std::sync::atomic::Ordering::Relaxed);
        let silent = now - chrono::DateTime::from_timestamp_millis(last).unwrap_or_default();
        if silent > PULSE_LIMIT {
            reasons.push(format!(
                "the delivery loop has not gone round for {} s",
                silent.num_seconds()
            ));
        }
        reasons
    }
}

fn json(code: StatusCode, v: serde_json::Value) -> (StatusCode, Json<serde_json::Value>) {
    (code, Json(v))
}

/// Liveness, for a container's health check: 200 while the daemon works.
async fn healthz(State(ops): State<Ops>) -> (StatusCode, Json<serde_json::Value>) {
    let reasons = ops.liveness().await;
    // Telegram's state is shown, not judged: a restart would not mend it.
    let telegram = ops.telegram.health();
    if reasons.is_empty() {
        json(
            StatusCode::OK,
            serde_json::json!({ "status": "ok", "telegram": telegram }),
        )
    } else {
        tracing::error!(reasons = ?reasons, "vigia is not working");
        json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "unhealthy", "reasons": reasons, "telegram": telegram }),
        )
    }
}

/// The detailed state: always 200 when the store answers, `status` says
/// `ok` or `degraded` and why.
async fn status(State(ops): State<Ops>) -> (StatusCode, Json<serde_json::Value>) {
    match ops.health().await {
        Ok(h) => json(
            StatusCode::OK,
            serde_json::to_value(h).expect("health serializes"),
        ),
        Err(e) => json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "degraded", "reasons": [format!("store unreadable: {e}")] }),
        ),
    }
}

/// Readiness: 200 when nothing is degraded, 503 with the state otherwise.
async fn readyz(State(ops): State<Ops>) -> (StatusCode, Json<serde_json::Value>) {
    let (code, body) = status(State(ops)).await;
    let ok = code == StatusCode::OK && body.0["status"] == "ok";
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        body,
    )
}

async fn metrics(
    State(ops): State<Ops>,
) -> (
    StatusCode,
    [(axum::http::HeaderName, &'static str); 1],
    String,
) {
    let content_type = (
        axum::http::header::CONTENT_TYPE,
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    let rendered = match ops.health().await {
        Ok(health) => {
            let m = ops.metrics.clone();
            ops.store.call(move |s| m.render(s, &health.flags())).await
        }
        Err(e) => Err(e),
    };
    match rendered {
        Ok(text) => (StatusCode::OK, [content_type], text),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [content_type],
            format!("# store unreadable: {e}\n"),
        ),
    }
}

/// Serves `/healthz` (liveness), `/readyz`, `/status` and `/metrics`
/// until `shutdown`, beside `pages` (the console's, when it is served).
pub async fn serve_health(
    listener: tokio::net::TcpListener,
    ops: Ops,
    pages: Router,
    shutdown: CancellationToken,
) {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/status", get(status))
        .route("/metrics", get(metrics))
        .with_state(ops)
        .merge(pages);
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
