//! Operating the daemon: logging set-up, the `/healthz` endpoint and the
//! client side of `vigia health`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// Logs go to standard error (standard output carries alerts when no token
/// is set); `RUST_LOG` filters, `info` by default.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn healthz(State(store): State<Arc<Store>>) -> (StatusCode, Json<serde_json::Value>) {
    match store.call(|s| s.outbox_counts()).await {
        Ok(c) => (
            StatusCode::OK,
            Json(serde_json::json!({
                "status": "ok",
                "alerts_pending": c.pending + c.sending,
                "alerts_held": c.held,
                "alerts_failed": c.failed,
            })),
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "degraded", "reasons": ["store unreadable"] })),
        ),
    }
}

/// Serves `/healthz` until `shutdown`.
pub async fn serve_health(
    listener: tokio::net::TcpListener,
    store: Arc<Store>,
    shutdown: CancellationToken,
) {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .with_state(store);
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
