//! The operator's console: read-only pages served on `http.listen` beside
//! `/healthz` and `/metrics`, rendered on the server (askama templates in
//! `templates/`), usable without JavaScript.
//!
//! Pages: `/` (state, channels, rules and their hits, mutes), `/sources`,
//! `/alerts?channel=`, `/stories/{id}`, `/search?q=`, `/try` (what an item
//! would do) and `/backtest` (what an edit to a list or names file would
//! have done to the items of the last days). None changes anything.
//!
//! Safe by default: on a loopback address the console is open; on any
//! other it answers only to the console token (HTTP Basic password or
//! Bearer, compared in constant time), and is off when none is set. Every
//! piece of feed text is escaped by the templates; links other than
//! http(s) are not links; each answer carries a strict
//! Content-Security-Policy (no script at all).

mod pages;
mod view;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq;

use crate::config::{Config, Secret};
use crate::intake::Rules;
use crate::ops::Ops;

/// The config and rules running now (a reload replaces both).
pub trait Live: Send + Sync {
    fn config(&self) -> Config;
    fn rules(&self) -> Arc<Rules>;
}

/// Who may see the console.
#[derive(Clone)]
pub enum Access {
    /// Listening on loopback with no token set: anyone who can reach it.
    Open,
    /// Only requests carrying this token.
    Token(Arc<Secret>),
    /// Listening beyond loopback with no token: every page refuses.
    Off,
}

impl Access {
    /// Open on loopback; beyond it, the token when one is set, else off.
    /// A token set while on loopback is required there too.
    pub fn new(listen: SocketAddr, token: Option<Secret>) -> Self {
        match token {
            Some(t) => Access::Token(Arc::new(t)),
            None if listen.ip().is_loopback() => Access::Open,
            None => Access::Off,
        }
    }

    /// What the start-up log says of the console.
    pub fn describe(&self, listen: SocketAddr) -> String {
        match self {
            Access::Open => format!("console at http://{listen}/ (loopback only, no token)"),
            Access::Token(_) => format!(
                "console at http://{listen}/ asks for the console token (any user name, the token as password)"
            ),
            Access::Off => format!(
                "console off: http.listen {listen} is not a loopback address and no console token is set (VIGIA_CONSOLE_TOKEN, VIGIA_CONSOLE_TOKEN_FILE or http.console_token_file)"
            ),
        }
    }

    /// Whether `req` may see the console.
    fn admits(&self, req: &Request) -> bool {
        match self {
            Access::Open => true,
            Access::Off => false,
            Access::Token(token) => presented(req)
                .is_some_and(|given| bool::from(given.as_bytes().ct_eq(token.expose().as_bytes()))),
        }
    }
}

/// The token a request presents: a Bearer token, or a Basic password.
fn presented(req: &Request) -> Option<String> {
    use base64::Engine as _;
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        return text
            .split_once(':')
            .map(|(_, password)| password.to_string());
    }
    None
}

/// What the console's handlers read.
#[derive(Clone)]
pub struct Console {
    pub ops: Ops,
    pub live: Arc<dyn Live>,
}

/// The console's pages, behind `access`, each answer with its security
/// headers.
pub fn router(console: Console, access: Access) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/sources", get(pages::sources))
        .route("/alerts", get(pages::alerts))
        .route("/stories/{id}", get(pages::story))
        .route("/search", get(pages::search))
        .route("/try", get(pages::try_form).post(pages::try_item))
        .route("/backtest", get(pages::backtest_form).post(pages::backtest))
        .route("/console.css", get(css))
        // Browsers ask for it on every page; no icon, and no error either.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .with_state(console)
        .route_layer(middleware::from_fn_with_state(access, guard))
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../templates/console.css"),
    )
}

/// No script, no frames, nothing from elsewhere; forms post here only.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

async fn guard(State(access): State<Access>, req: Request, next: Next) -> Response {
    let mut response = if !access.admits(&req) {
        refused(&access)
    } else if req.method() == Method::POST && !same_origin(&req) {
        // Another site's page cannot make an operator's browser run a
        // backtest or fetch a URL through vigia.
        (
            StatusCode::FORBIDDEN,
            "a form of another site was sent to the console; use the console's own pages",
        )
            .into_response()
    } else {
        next.run(req).await
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refused(access: &Access) -> Response {
    match access {
        Access::Off => (
            StatusCode::FORBIDDEN,
            "the console is off: vigia listens beyond loopback and no console token is set \
             (VIGIA_CONSOLE_TOKEN, VIGIA_CONSOLE_TOKEN_FILE or http.console_token_file)",
        )
            .into_response(),
        _ => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"vigia console\", charset=\"UTF-8\"",
            )],
            "the console asks for its token: any user name, the console token as password",
        )
            .into_response(),
    }
}

/// A POST from the console's own pages: the browser says so in
/// `Sec-Fetch-Site`, or else its `Origin` is this host.
fn same_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = origin.to_str().ok().and_then(|o| o.split_once("://"));
    matches!((origin, host), (Some((_, o)), Some(h)) if o == h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_on_loopback_token_beyond_and_off_without_one() {
        let local: SocketAddr = "127.0.0.1:9187".parse().unwrap();
        let v6: SocketAddr = "[::1]:9187".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:9187".parse().unwrap();
        assert!(matches!(Access::new(local, None), Access::Open));
        assert!(matches!(Access::new(v6, None), Access::Open));
        assert!(matches!(Access::new(any, None), Access::Off));
        assert!(matches!(
            Access::new(any, Some(Secret::new("t"))),
            Access::Token(_)
        ));
        // A token set on loopback is asked for there too.
        assert!(matches!(
            Access::new(local, Some(Secret::new("t"))),
            Access::Token(_)
        ));
    }

    fn request(auth: &str) -> Request {
        Request::builder()
            .header(header::AUTHORIZATION, auth)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn the_token_is_taken_as_bearer_or_basic_password_and_nothing_else() {
        let access = Access::Token(Arc::new(Secret::new("s3cret")));
        assert!(access.admits(&request("Bearer s3cret")));
        // "anyone:s3cret", and a password holding a colon.
        assert!(access.admits(&request("Basic YW55b25lOnMzY3JldA==")));
        let colon = Access::Token(Arc::new(Secret::new("a:b")));
        assert!(colon.admits(&request("Basic dTphOmI=")));
        assert!(!access.admits(&request("Bearer s3cre")));
        assert!(!access.admits(&request("Bearer s3cret2")));
        // "s3cret" as the user name, no password.
        assert!(!access.admits(&request("Basic czNjcmV0Og==")));
        assert!(!access.admits(&request("s3cret")));
        assert!(!access.admits(&request("Basic !!!")));
    }
}
