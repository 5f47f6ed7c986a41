//! Hostile and broken sources, end to end: each fault on its own source next
//! to good ones. The daemon keeps running, good sources keep alerting, no
//! junk alerts, each failure shows in source health, and admins hear of a
//! failing source once, and again when it is back.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Duration, Utc};
use vigia::config::{Config, Secret};
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{rss, serve, Entry, FakeBot, TOKEN};

const ADMIN: &str = "42";

/// What the hostile server answers on each path.
#[derive(Default)]
struct Hostile {
    base: String,
    /// Fetches of /churn so far: its guids change on each one.
    churn: usize,
    /// Fetches of /edited so far.
    edits: usize,
    /// /flaky fails until this is set.
    flaky_fixed: bool,
}

fn entry(guid: &str, title: &str) -> Entry {
    Entry::new(guid, title, "", Duration::minutes(5))
}

fn ok_xml(body: impl Into<Body>) -> Response<Body> {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/rss+xml")
        .body(body.into())
        .unwrap()
}

async fn hostile(
    State(st): State<Arc<Mutex<Hostile>>>,
    Path(path): Path<String>,
) -> Response<Body> {
    let mut st = st.lock().unwrap();
    let base = st.base.clone();
    let status = |code: u16, extra: Option<(&str, &str)>| {
        let mut r = Response::builder().status(code);
        if let Some((k, v)) = extra {
            r = r.header(k, v);
        }
        r.body(Body::from("<html><body>error</body></html>"))
            .unwrap()
    };
    match path.as_str() {
        "good.xml" => ok_xml(rss(&base, &[entry("g1", "Detienen a dirigente sindical en Caracas")])),
        "500.xml" => status(500, None),
        "503.xml" => status(503, Some(("retry-after", "120"))),
        "429.xml" => status(429, Some(("retry-after", "60"))),
        "html.xml" => Response::builder()
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from("<!doctype html><html><head><title>Detenido en Caracas</title></head><body><p>Detienen a periodista en Caracas</p></body></html>"))
            .unwrap(),
        "truncated.xml" => {
            let full = rss(&base, &[entry("t1", "Detienen a activista en Caracas")]);
            ok_xml(full[..full.len() / 2].to_string())
        }
        "laughs.xml" => ok_xml(format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY a \"detenido en Caracas \">\n\
             <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n\
             <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n]>\n\
             <rss version=\"2.0\"><channel><title>x</title><link>{base}/</link><description>x</description>\
             <item><title>&e;</title><guid isPermaLink=\"false\">l1</guid><link>{base}/l1</link></item></channel></rss>"
        )),
        "cp1252.xml" => {
            let text = format!(
                "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<rss version=\"2.0\"><channel><title>x</title>\
                 <link>{base}/</link><description>x</description><item><title>Detenci\u{f3}n de l\u{ed}der \
                 sindical en Caracas</title><guid isPermaLink=\"false\">w1</guid><link>{base}/w1</link>\
                 <pubDate>{}</pubDate></item></channel></rss>",
                (Utc::now() - Duration::minutes(5)).to_rfc2822()
            );
            // Every character here is Latin-1, which Windows-1252 encodes byte for byte.
            let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
            ok_xml(bytes)
        }
        "reset.xml" => {
            let start = rss(&base, &[entry("r1", "Detienen a activista en Caracas")]);
            let head = Bytes::from(start[..start.len() / 2].to_string());
            let stream = futures_util::stream::iter(vec![
                Ok(head),
                Err(std::io::Error::other("connection reset")),
            ]);
            Response::builder()
                .header(header::CONTENT_TYPE, "application/rss+xml")
                .header(header::CONTENT_LENGTH, start.len().to_string())
                .body(Body::from_stream(stream))
                .unwrap()
        }
        "chain.xml" => status(301, Some(("location", "/chain2.xml"))),
        "chain2.xml" => status(302, Some(("location", "/chain-end.xml"))),
        "chain-end.xml" => ok_xml(rss(&base, &[entry("c1", "Detienen a defensora de derechos humanos en Caracas")])),
        "churn.xml" => {
            st.churn += 1;
            let mut e = entry(&format!("churn-{}", st.churn), "Detienen a estudiante en Caracas");
            e.guid = format!("churn-{}", st.churn);
            // The link stays: the test feed builds it from the guid, so write it by hand.
            let body = rss(&base, &[e]).replace(&format!("/news/churn-{}", st.churn), "/news/churn");
            ok_xml(body)
        }
        "noguid.xml" => ok_xml(format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title><link>{base}/</link>\
             <description>x</description><item><title>Detienen a sacerdote en Caracas</title>\
             <pubDate>{}</pubDate></item></channel></rss>",
            (Utc::now() - Duration::minutes(5)).to_rfc2822()
        )),
        "page.html" => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=UTF-8")
            // Published minutes ago, within the backfill window.
            .body(Body::from(
                include_str!("../fixtures/pages/ngo-news.html").replace(
                    "2024-07-02T18:58:44-04:00",
                    &(Utc::now() - Duration::minutes(5)).to_rfc3339(),
                ),
            ))
            .unwrap(),
        "huge.xml" | "huge-chunked.xml" => {
            // 60 MB of feed-looking text, announced or not.
            let mb = Bytes::from(vec![b' '; 1 << 20]);
            let chunks = std::iter::once(Bytes::from_static(b"<?xml version=\"1.0\"?><rss><channel>"))
                .chain(std::iter::repeat_n(mb, 60))
                .map(Ok::<_, std::io::Error>);
            let mut r = Response::builder().header(header::CONTENT_TYPE, "application/rss+xml");
            if path == "huge.xml" {
                r = r.header(header::CONTENT_LENGTH, (60 << 20) + 36);
            }
            r.body(Body::from_stream(futures_util::stream::iter(chunks))).unwrap()
        }
        "edited.xml" => {
            // The same item, its title corrected on the second fetch.
            st.edits += 1;
            let title = if st.edits == 1 {
                "Detienen a concejal en Caracas"
            } else {
                "Detienen a concejal en Caracas: lo trasladan al Helicoide"
            };
            ok_xml(rss(&base, &[entry("e1", title)]))
        }
        "flaky.xml" if st.flaky_fixed => ok_xml(rss(&base, &[])),
        "flaky.xml" => status(500, None),
        _ => status(404, None),
    }
}

const SOURCES: &[&str] = &[
    "good",
    "500",
    "503",
    "429",
    "html",
    "truncated",
    "laughs",
    "cp1252",
    "reset",
    "chain",
    "churn",
    "noguid",
    "flaky",
    "huge",
    "huge-chunked",
    "edited",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_and_hostile_sources_never_stop_good_ones_nor_alert_junk() {
    let state = Arc::new(Mutex::new(Hostile::default()));
    let app = Router::new()
        .route("/{path}", get(hostile))
        .with_state(state.clone());
    let base = format!("http://{}", serve(app).await);
    state.lock().unwrap().base = base.clone();
    let bot = FakeBot::start().await;

    let mut toml = format!(
        "[telegram]\napi_url = \"{}\"\nadmins = [{ADMIN}]\n[channels]\nalerts = -1001\n\
         [store]\npath = \"vigia.db\"\n[defaults]\ninterval = \"1h\"\nbackfill = \"1h\"\nsource_down_after = \"0s\"\nhost_gap = \"0s\"\n\
         [lists]\ndetention = [\"detienen\", \"detenido\", \"detención\"]\nplace = [\"Caracas\"]\n\
         [[rule]]\nname = \"r\"\nall = [\"detention\", \"place\"]\nchannels = [\"alerts\"]\n",
        bot.url
    );
    for s in SOURCES {
        toml.push_str(&format!(
            "[[source]]\nname = \"{s}\"\nurl = \"{base}/{s}.xml\"\n"
        ));
    }
    // A page read with selectors, and one whose layout "changed".
    toml.push_str(&format!(
        "[[source]]\nname = \"page\"\nkind = \"page\"\nurl = \"{base}/page.html\"\n\
         item = \"article\"\ntitle = \".entry-title\"\ndate = \"time\"\n\
         [[source]]\nname = \"page-changed\"\nkind = \"page\"\nurl = \"{base}/page.html\"\n\
         item = \"div.post\"\ntitle = \"h2\"\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    let h = running.handle.clone();
    h.poll_now().await;
    h.poll_now().await;
    h.delivered().await;

    let mut alerts: Vec<String> = bot
        .texts_to("-1001")
        .iter()
        .map(|t| t.lines().next().unwrap().to_string())
        .collect();
    alerts.sort();
    assert_eq!(
        alerts,
        vec![
            "🚨 <b>Detención de líder sindical en Caracas</b>",
            "🚨 <b>Detienen a concejal en Caracas</b>",
            "🚨 <b>Detienen a defensora de derechos humanos en Caracas</b>",
            "🚨 <b>Detienen a dirigente sindical en Caracas</b>",
            "🚨 <b>Detienen a estudiante en Caracas</b>",
            "🚨 <b>Detienen a sacerdote en Caracas</b>",
        ],
        "good, Windows-1252, a redirect chain, GUID churn, no guid and an edited title each alert once; nothing else"
    );
    // The page reports the redirect chain's story (same headline): it is
    // added to that message, not sent again.
    let edits = bot.with(|st| st.edits.clone());
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert!(edits[0]
        .text
        .starts_with("🚨 <b>Detienen a defensora de derechos humanos en Caracas</b>"));
    assert!(
        edits[0].text.contains("📣 Also reported by:\n• "),
        "{}",
        edits[0].text
    );

    let health = h.store().source_health().unwrap();
    let kind = |name: &str| {
        let s = health.iter().find(|s| s.name == name).unwrap();
        (s.error_kind.clone(), s.consecutive_failures)
    };
    for ok in [
        "good", "cp1252", "chain", "churn", "noguid", "page", "edited",
    ] {
        assert_eq!(kind(ok), (None, 0), "{ok}");
    }
    for (name, expected) in [
        ("500", "http-status"),
        ("503", "http-status"),
        ("429", "http-status"),
        ("html", "not-a-feed"),
        ("truncated", "not-a-feed"),
        ("reset", "transport"),
        ("flaky", "http-status"),
        ("page-changed", "no-items"),
        ("huge", "too-large"),
        ("huge-chunked", "too-large"),
    ] {
        assert_eq!(kind(name), (Some(expected.to_string()), 2), "{name}");
    }
    // Retry-After is a floor on the next poll.
    let next = |name: &str| {
        health
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .next_poll
            .unwrap()
    };
    assert!(next("503") - Utc::now() > Duration::seconds(110));
    // Billion laughs: no expansion, no alert, no crash; whatever the parser
    // made of it is recorded as health.
    assert!(health.iter().any(|s| s.name == "laughs"));

    // Admins hear once per failing source (source_down_after = 0s).
    bot.wait_for("the notices", |st| {
        st.sent.iter().filter(|s| s.chat == ADMIN).count() >= 7
    })
    .await;
    let notices = bot.texts_to(ADMIN);
    for name in [
        "500",
        "503",
        "429",
        "html",
        "truncated",
        "reset",
        "flaky",
        "page-changed",
        "huge",
        "huge-chunked",
    ] {
        let n = notices
            .iter()
            .filter(|t| t.starts_with(&format!("⚠️ Source {name} has been failing")))
            .count();
        assert_eq!(n, 1, "{name}: {notices:#?}");
    }

    // A source that works again says so.
    state.lock().unwrap().flaky_fixed = true;
    h.poll_now().await;
    bot.wait_for("the all-clear", |st| {
        st.sent
            .iter()
            .any(|s| s.chat == ADMIN && s.text.starts_with("✅ Source flaky works again"))
    })
    .await;
    running.shutdown().await;
}

#[tokio::test]
async fn a_feed_read_from_a_local_file_alerts() {
    let bot = FakeBot::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("statements.xml"),
        rss(
            "https://gov.example",
            &[entry("s1", "Detienen a alcalde en Caracas")],
        ),
    )
    .unwrap();
    let toml = format!(
        "[telegram]\napi_url = \"{}\"\n[channels]\nalerts = -1001\n[store]\npath = \"vigia.db\"\n\
         [defaults]\nbackfill = \"1h\"\n[lists]\nd = [\"detienen\"]\n\
         [[rule]]\nname = \"r\"\nany = [\"d\"]\nchannels = [\"alerts\"]\n\
         [[source]]\nname = \"statements\"\nurl = \"statements.xml\"\n",
        bot.url
    );
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    running.handle.poll_now().await;
    running.handle.delivered().await;
    let sent = bot.texts_to("-1001");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("Detienen a alcalde en Caracas"));
    assert!(sent[0].contains("https://gov.example/news/s1"));
    running.shutdown().await;
}

#[derive(Default)]
struct Visits {
    in_flight: usize,
    overlapped: bool,
    /// (start, end) of each request.
    spans: Vec<(std::time::Instant, std::time::Instant)>,
}

async fn slow_feed(State(v): State<Arc<Mutex<Visits>>>) -> Response<Body> {
    let start = std::time::Instant::now();
    {
        let mut v = v.lock().unwrap();
        v.in_flight += 1;
        v.overlapped |= v.in_flight > 1;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut v = v.lock().unwrap();
    v.in_flight -= 1;
    v.spans.push((start, std::time::Instant::now()));
    ok_xml(rss("http://x", &[]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_one_host_never_overlap_and_keep_their_gap() {
    let visits = Arc::new(Mutex::new(Visits::default()));
    let app = Router::new()
        .route("/{path}", get(slow_feed))
        .with_state(visits.clone());
    let base = format!("http://{}", serve(app).await);
    let bot = FakeBot::start().await;
    let mut toml = format!(
        "[telegram]\napi_url = \"{}\"\n[channels]\nalerts = -1001\n[store]\npath = \"vigia.db\"\n\
         [defaults]\nhost_gap = \"200ms\"\n[lists]\nd = [\"detienen\"]\n\
         [[rule]]\nname = \"r\"\nany = [\"d\"]\nchannels = [\"alerts\"]\n",
        bot.url
    );
    for i in 0..3 {
        toml.push_str(&format!(
            "[[source]]\nname = \"s{i}\"\nurl = \"{base}/{i}.xml\"\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    running.handle.poll_now().await;
    running.shutdown().await;
    let v = visits.lock().unwrap();
    assert!(!v.overlapped, "two requests to one host at once");
    let mut spans = v.spans.clone();
    spans.sort();
    assert_eq!(spans.len(), 3);
    for pair in spans.windows(2) {
        let gap = pair[1].0.duration_since(pair[0].1);
        assert!(gap >= std::time::Duration::from_millis(200), "gap {gap:?}");
    }
}

/// A daemon printing its alerts, polling `sources` hourly (polls come from
/// `poll_now`) with one rule: "detienen" and "Caracas".
async fn start_printing(sources: &str) -> (tempfile::TempDir, daemon::Running) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(
        &path,
        format!(
            "[channels]\nalerts = -1001\n[store]\npath = \"vigia.db\"\n\
             [defaults]\ninterval = \"1h\"\nbackfill = \"1h\"\nhost_gap = \"0s\"\n\
             [lists]\nd = [\"detienen\"]\nv = [\"Caracas\"]\n\
             [[rule]]\nname = \"r\"\nall = [\"d\", \"v\"]\nchannels = [\"alerts\"]\n{sources}"
        ),
    )
    .unwrap();
    let config = Config::load(&path).unwrap();
    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    (dir, running)
}

/// One entry a reader cannot read, in a feed behind a redirect whose links
/// are relative: the others alert, their links resolve against where the
/// feed really is, and the skipped entry shows in the store (`/sources`),
/// in the metrics and in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_with_an_unreadable_entry_alerts_the_rest_and_counts_the_skip() {
    let published = (Utc::now() - Duration::minutes(5)).to_rfc3339();
    let feed = format!(
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>urn:f</id>\
         <entry><title>Detienen a activista en Caracas</title><id>urn:1</id>\
         <link href=\"story/1\"/><updated>{published}</updated></entry>\
         <entry><title type=\"image/png\">iVBORw0KGgo</title><id>urn:2</id>\
         <link href=\"story/2\"/><updated>{published}</updated></entry></feed>"
    );
    let app = Router::new()
        .route(
            "/old/feed.xml",
            get(|| async {
                Response::builder()
                    .status(301)
                    .header(header::LOCATION, "/news/feed.xml")
                    .body(Body::empty())
                    .unwrap()
            }),
        )
        .route(
            "/news/feed.xml",
            get(move || {
                let feed = feed.clone();
                async move {
                    Response::builder()
                        .header(header::CONTENT_TYPE, "application/atom+xml")
                        .body(Body::from(feed))
                        .unwrap()
                }
            }),
        );
    let base = format!("http://{}", serve(app).await);
    let (_dir, running) = start_printing(&format!(
        "[[source]]\nname = \"odd\"\nurl = \"{base}/old/feed.xml\"\n"
    ))
    .await;
    let h = running.handle.clone();
    h.poll_now().await;

    let link = format!("{base}/news/story/1");
    let stored = h.store().item_by_link(&link).unwrap();
    assert!(
        stored.is_some(),
        "the readable entry, linked where the feed is"
    );
    let health = h.store().source_health().unwrap();
    let odd = health.iter().find(|s| s.name == "odd").unwrap();
    assert_eq!((odd.consecutive_failures, odd.entries_skipped), (0, 1));
    let metrics = h.metrics().render(h.store(), &[]).unwrap();
    assert!(
        metrics.contains("vigia_feed_entries_skipped_total{source=\"odd\"} 1"),
        "{metrics}"
    );
    running.shutdown().await;
}

/// A GDELT search: its URL is built from `query` and `languages`, its JSON
/// articles become items, a refusal in plain text is a failure naming what
/// GDELT said, and bad keys are named with their line.
#[test]
fn a_gdelt_source_builds_its_search_and_reads_its_articles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.toml");
    let write = |sources: &str| {
        std::fs::write(
            &path,
            format!(
                "[channels]\na = -100\n[lists]\nd = [\"detienen\"]\n\
                 [[rule]]\nname = \"r\"\nall = [\"d\"]\nchannels = [\"a\"]\n{sources}"
            ),
        )
        .unwrap();
    };
    write(
        "[[source]]\nname = \"g\"\nkind = \"gdelt\"\nquery = 'venezuela detenidos'\n\
         languages = [\"es\", \"pt\"]\n",
    );
    let config = Config::load(&path).unwrap();
    let g = &config.sources[0];
    let url = url::Url::parse(&g.url).unwrap();
    assert_eq!(url.host_str(), Some("api.gdeltproject.org"));
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(
        query["query"],
        "venezuela detenidos (sourcelang:spanish OR sourcelang:portuguese)"
    );
    assert_eq!(
        (query["mode"].as_str(), query["format"].as_str()),
        ("ArtList", "json")
    );
    assert_eq!(g.interval, std::time::Duration::from_secs(600));
    assert_eq!(g.lang, None, "two languages: detected per item");

    write("[[source]]\nname = \"g\"\nkind = \"gdelt\"\nlanguages = [\"fr\"]\ninterval = \"10s\"\n");
    let err = Config::load(&path).unwrap_err().to_string();
    for want in [
        "vigia.toml:9: source \"g\": a gdelt source needs a non-empty `query`",
        "vigia.toml:12: source \"g\": language \"fr\" is not one of",
        "vigia.toml:13: source \"g\": a google-news or gdelt source is polled at most once a minute",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }

    let body = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gdelt/artlist.json"),
    )
    .unwrap();
    let items = vigia::sources::gdelt::parse(&body).unwrap();
    assert_eq!(items.len(), 2, "the article with no link is left out");
    assert_eq!(
        items[0].title,
        "Detienen a activista de derechos humanos en Caracas"
    );
    assert_eq!(items[0].summary, "(diario.example, Venezuela)");
    assert_eq!(
        items[0].published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-12-03T14:15:00+00:00")
    );
    assert_eq!(items[1].title, "Venezuela & the vote");
    assert!(vigia::sources::gdelt::parse(b"{}").unwrap().is_empty());
    let refused = vigia::sources::gdelt::parse(b"Please limit requests to one every 5 seconds")
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("GDELT answered: Please limit requests"),
        "{refused}"
    );
}

/// A report found both by GDELT and by the outlet's own feed alerts once:
/// the two are one item by its canonical link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_gdelt_and_its_outlet_both_carry_alerts_once() {
    let published = Utc::now() - Duration::minutes(5);
    let seen = published.format("%Y%m%dT%H%M%SZ").to_string();
    let app = Router::new()
        .route(
            "/gdelt",
            get(move || {
                let seen = seen.clone();
                async move {
                    format!(
                        "{{\"articles\": [{{\"url\": \"https://diario.example/detienen-activista?utm_source=gdelt\", \
                         \"title\": \"Detienen a activista en Caracas\", \"seendate\": \"{seen}\", \
                         \"domain\": \"diario.example\", \"sourcecountry\": \"Venezuela\"}}]}}"
                    )
                }
            }),
        )
        .route(
            "/feed.xml",
            get(move || async move {
                let feed = format!(
                    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Diario</title>\
                     <item><title>Detienen a activista en Caracas</title>\
                     <link>https://diario.example/detienen-activista</link>\
                     <guid isPermaLink=\"false\">post-7</guid><pubDate>{}</pubDate></item></channel></rss>",
                    published.to_rfc2822()
                );
                ok_xml(feed)
            }),
        );
    let base = format!("http://{}", serve(app).await);
    let (_dir, running) = start_printing(&format!(
        "[[source]]\nname = \"diario\"\nurl = \"{base}/feed.xml\"\n\
         [[source]]\nname = \"gdelt\"\nkind = \"gdelt\"\nurl = \"{base}/gdelt\"\nquery = \"caracas\"\n"
    ))
    .await;
    let h = running.handle.clone();
    h.poll_now().await;
    h.poll_now().await;
    h.delivered().await;
    let counts = h.store().outbox_counts().unwrap();
    assert_eq!(counts.printed, 1, "{counts:?}");
    let health = h.store().source_health().unwrap();
    assert!(
        health.iter().all(|s| s.consecutive_failures == 0),
        "{health:?}"
    );
    running.shutdown().await;
}
