//! The fetcher's limits against misbehaving servers on 127.0.0.1.

use std::io::Write;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{header, HeaderMap, Response, StatusCode};
use axum::routing::get;
use axum::Router;
use vigia::sources::fetch::{FetchError, Fetched, Fetcher, Limits, Validators, USER_AGENT};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// 64 MiB of zeros, a few dozen KiB on the wire: compressed once, before
/// any clock starts (compressing it takes seconds in a debug build).
fn bomb() -> Bytes {
    static BOMB: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| Bytes::from(gzip(&vec![0u8; 64 * 1024 * 1024])))
        .clone()
}

fn limits() -> Limits {
    Limits {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(2),
        max_redirects: 3,
        max_body: 1024 * 1024,
        host_gap: Duration::ZERO,
    }
}

async fn hostile() -> String {
    let app = Router::new()
        .route(
            "/bomb",
            get(|| async {
                let body = bomb();
                Response::builder()
                    .header(header::CONTENT_ENCODING, "gzip")
                    .body(Body::from(body))
                    .unwrap()
            }),
        )
        .route(
            "/gzipped",
            get(|| async {
                Response::builder()
                    .header(header::CONTENT_ENCODING, "gzip")
                    .body(Body::from(gzip(
                        b"<rss version=\"2.0\"><channel></channel></rss>",
                    )))
                    .unwrap()
            }),
        )
        .route(
            "/big-chunked",
            get(|| async {
                // No Content-Length: the cap must hold while streaming.
                let chunks = futures_util::stream::iter(
                    (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024])),
                );
                Response::new(Body::from_stream(chunks))
            }),
        )
        .route(
            "/drip",
            get(|| async {
                let chunks = futures_util::stream::unfold(0u32, |n| async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    (n < 1000).then(|| (Ok::<_, std::io::Error>(vec![b'<']), n + 1))
                });
                Response::new(Body::from_stream(chunks))
            }),
        )
        .route(
            "/loop/{n}",
            get(|Path(n): Path<u32>| async move {
                Response::builder()
                    .status(StatusCode::FOUND)
                    .header(header::LOCATION, format!("/loop/{}", n + 1))
                    .body(Body::empty())
                    .unwrap()
            }),
        )
        .route(
            "/ua",
            get(|headers: HeaderMap| async move {
                headers
                    .get(header::USER_AGENT)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string()
            }),
        );
    format!("http://{}", crate::support::serve(app).await)
}

#[tokio::test]
async fn a_gzip_bomb_is_cut_off_counted_after_decompression() {
    let base = hostile().await;
    bomb();
    let started = Instant::now();
    let r = Fetcher::new(limits())
        .get(&format!("{base}/bomb"), &Validators::default())
        .await;
    assert!(
        matches!(r, Err(FetchError::TooLarge { limit: 1048576, .. })),
        "{r:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "cut off early, not after inflating it all"
    );
    // A well-behaved gzipped feed arrives decompressed.
    match Fetcher::new(limits())
        .get(&format!("{base}/gzipped"), &Validators::default())
        .await
    {
        Ok(Fetched::Body { body, .. }) => assert!(body.starts_with(b"<rss")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_body_without_length_is_capped_while_streaming() {
    let base = hostile().await;
    let r = Fetcher::new(limits())
        .get(&format!("{base}/big-chunked"), &Validators::default())
        .await;
    assert!(matches!(r, Err(FetchError::TooLarge { .. })), "{r:?}");
}

#[tokio::test]
async fn a_dripping_server_is_cut_off_by_the_total_timeout() {
    let base = hostile().await;
    let started = Instant::now();
    let r = Fetcher::new(limits())
        .get(&format!("{base}/drip"), &Validators::default())
        .await;
    assert!(matches!(r, Err(FetchError::Timeout { .. })), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn redirect_loops_stop_after_a_few_hops() {
    let base = hostile().await;
    let r = Fetcher::new(limits())
        .get(&format!("{base}/loop/0"), &Validators::default())
        .await;
    assert!(matches!(r, Err(FetchError::Redirects { .. })), "{r:?}");
}

#[tokio::test]
async fn requests_say_who_is_asking() {
    let base = hostile().await;
    match Fetcher::new(limits())
        .get(&format!("{base}/ua"), &Validators::default())
        .await
    {
        Ok(Fetched::Body { body, .. }) => assert_eq!(String::from_utf8(body).unwrap(), USER_AGENT),
        other => panic!("{other:?}"),
    }
    assert!(USER_AGENT.starts_with("vigia/"));
}
