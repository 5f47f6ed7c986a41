//! One HTTP client for every source, with the limits that hold against a
//! misbehaving server: connect and total timeouts, a few redirects at most,
//! and a cap on the body counted after decompression (the body is streamed
//! and dropped as soon as it passes the cap, never buffered whole first).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;

/// What identifies vigia to the servers it polls.
pub const USER_AGENT: &str = concat!(
    "vigia/",
    env!("CARGO_PKG_VERSION"),
    " (feed monitor for detention reports; polite polling, conditional GET)"
);

/// Limits of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_redirects: usize,
    /// Largest body accepted, in bytes after decompression.
    pub max_body: usize,
    /// Least time between the end of one request to a host and the start
    /// of the next (requests to one host also never overlap).
    pub host_gap: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_redirects: 5,
            max_body: 10 * 1024 * 1024,
            host_gap: Duration::from_secs(1),
        }
    }
}

/// Validators from the last successful fetch, sent back for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators were issued.
    NotModified { max_age: Option<Duration> },
    Body {
        body: Vec<u8>,
        validators: Validators,
        /// `Cache-Control: max-age`: the server asks not to be asked sooner.
        max_age: Option<Duration>,
        /// The `Content-Type` header (a page's charset may be in it).
        content_type: Option<String>,
        /// Where the body came from after redirects: relative links in it
        /// resolve against this.
        url: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: server answered HTTP {status}")]
    Status {
        url: String,
        status: StatusCode,
        /// `Retry-After` on a 429 or 503.
        retry_after: Option<Duration>,
    },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: too many redirects")]
    Redirects { url: String },
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("cannot read {path}: {message}")]
    File { path: String, message: String },
}

impl FetchError {
    /// A short, stable name for the kind of failure (source health, metrics).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Status { .. } => "http-status",
            Self::Timeout { .. } => "timeout",
            Self::Redirects { .. } => "redirects",
            Self::TooLarge { .. } => "too-large",
            Self::Transport { .. } => "transport",
            Self::File { .. } => "file",
        }
    }

    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    fn from_reqwest(url: &str, e: reqwest::Error) -> Self {
        let url = url.to_string();
        if e.is_timeout() {
            Self::Timeout { url }
        } else if e.is_redirect() {
            Self::Redirects { url }
        } else {
            // Walk the source chain: reqwest's top-level message alone is vague.
            let e = e.without_url();
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message.push_str(": ");
                message.push_str(&s.to_string());
                source = s.source();
            }
            Self::Transport { url, message }
        }
    }
}

/// When the last request to a host (`host:port`) ended; held while one runs.
type HostSlot = Arc<tokio::sync::Mutex<Option<tokio::time::Instant>>>;

/// A request's turn to leave, from [`Fetcher::turn`]: what it reads, and a
/// permit.
pub struct Turn {
    to: Target,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

enum Target {
    File(std::path::PathBuf),
    /// The host's slot, held until the request is done.
    Host(tokio::sync::OwnedMutexGuard<Option<tokio::time::Instant>>),
}

#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: Limits,
    hosts: Arc<Mutex<HashMap<String, HostSlot>>>,
}

impl Fetcher {
    pub fn new(limits: Limits) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .redirect(reqwest::redirect::Policy::limited(limits.max_redirects))
            .gzip(true)
            .brotli(true)
            .build()
            .expect("the HTTP client's settings are valid");
        Self {
            client,
            limits,
            hosts: Arc::default(),
        }
    }

    /// GETs `url`, conditionally when `validators` are given; a `file://`
    /// URL is read from disk, within the same size limit.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let turn = self.turn(url, None).await;
        self.get_in_turn(turn, url, validators).await.0
    }

    /// Waits for `url`'s turn: its host's (one request at a time per host,
    /// `host_gap` apart), then one of `work`'s permits, so that waiting for
    /// a busy host never holds one. Apart from the request so that a poller
    /// waits in a small future: thousands of them wait at once.
    pub async fn turn(&self, url: &str, work: Option<&Arc<tokio::sync::Semaphore>>) -> Turn {
        let parsed = url::Url::parse(url).ok();
        let file = parsed
            .as_ref()
            .filter(|u| u.scheme() == "file")
            .and_then(|u| u.to_file_path().ok());
        let to = match file {
            Some(path) => Target::File(path),
            None => {
                let host = parsed
                    .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
                    .unwrap_or_default();
                let slot = self
                    .hosts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(host)
                    .or_default()
                    .clone();
                let last = slot.lock_owned().await;
                if let Some(at) = *last {
                    tokio::time::sleep_until(at + self.limits.host_gap).await;
                }
                Target::Host(last)
            }
        };
        let permit = match work {
            Some(w) => w.clone().acquire_owned().await.ok(),
            None => None,
        };
        Turn { to, permit }
    }

    /// Fetches `url` in its [`Turn`], and gives back the turn's permit: the
    /// caller holds it until it is done with what came back, so that bodies
    /// and their items in memory at once are bounded by the permits.
    pub async fn get_in_turn(
        &self,
        turn: Turn,
        url: &str,
        validators: &Validators,
    ) -> (
        Result<Fetched, FetchError>,
        Option<tokio::sync::OwnedSemaphorePermit>,
    ) {
        let Turn { to, permit } = turn;
        let result = match to {
            Target::File(path) => self.read_file(&path).await,
            Target::Host(mut last) => {
                let result = self.get_http(url, validators).await;
                *last = Some(tokio::time::Instant::now());
                result
            }
        };
        (result, permit)
    }

    async fn get_http(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            ),
        );
        if let Some(v) = validators
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = validators
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_MODIFIED_SINCE, v);
        }
        let mut resp = self
            .client
            .get(url)
            .headers(headers)
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(url, e))?;
        let status = resp.status();
        let max_age = max_age(resp.headers());
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { max_age });
        }
        if !status.is_success() {
            let retry_after = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
            .then(|| retry_after(resp.headers()))
            .flatten();
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
                retry_after,
            });
        }
        let header_str = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header_str(header::ETAG),
            last_modified: header_str(header::LAST_MODIFIED),
        };
        let content_type = header_str(header::CONTENT_TYPE);
        let final_url = resp.url().to_string();
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit: self.limits.max_body,
        };
        if resp
            .content_length()
            .is_some_and(|n| n as usize > self.limits.max_body)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| FetchError::from_reqwest(url, e))?
        {
            if body.len() + chunk.len() > self.limits.max_body {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            body,
            validators,
            max_age,
            content_type,
            url: final_url,
        })
    }
}

impl Fetcher {
    async fn read_file(&self, path: &std::path::Path) -> Result<Fetched, FetchError> {
        use tokio::io::AsyncReadExt;
        let err = |e: std::io::Error| FetchError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let file = tokio::fs::File::open(path).await.map_err(err)?;
        let mut body = Vec::new();
        let limit = self.limits.max_body as u64;
        file.take(limit + 1)
            .read_to_end(&mut body)
            .await
            .map_err(err)?;
        if body.len() as u64 > limit {
            return Err(FetchError::TooLarge {
                url: path.display().to_string(),
                limit: self.limits.max_body,
            });
        }
        Ok(Fetched::Body {
            body,
            validators: Validators::default(),
            max_age: None,
            content_type: None,
            url: url::Url::from_file_path(path)
                .map_or_else(|()| path.display().to_string(), String::from),
        })
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.to_utc() - chrono::Utc::now()).to_std().ok()
}

/// `Cache-Control: max-age=N` (`no-cache` and friends say nothing useful here).
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    value.split(',').find_map(|d| {
        let (k, v) = d.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_and_max_age_are_read() {
        assert_eq!(
            retry_after(&headers(header::RETRY_AFTER, "120")),
            Some(Duration::from_secs(120))
        );
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        let d = retry_after(&headers(header::RETRY_AFTER, &soon)).unwrap();
        assert!(
            d > Duration::from_secs(80) && d <= Duration::from_secs(90),
            "{d:?}"
        );
        assert_eq!(retry_after(&headers(header::RETRY_AFTER, "soon")), None);
        assert_eq!(
            max_age(&headers(
                header::CACHE_CONTROL,
                "public, max-age=300, must-revalidate"
            )),
            Some(Duration::from_secs(300))
        );
        assert_eq!(max_age(&headers(header::CACHE_CONTROL, "no-cache")), None);
    }
}
