//! The cost of polling: N feeds of 50 items on 20 loopback "hosts" (ports),
//! served by a child process so that only vigia's own CPU is counted,
//! polled by the real daemon (fetch, parse, intake, store) in three cycles:
//!
//! 1. first: every item new (recorded silently: they are older than the
//!    backfill window, as on a first deploy);
//! 2. one new item in each feed (the feed's ETag changes);
//! 3. nothing changed: every feed answers 304.
//!
//! For each cycle: vigia's CPU seconds (user + system, from /proc), wall
//! time, CPU per feed, and polls that did not get their 304. Then peak RSS.
//!
//! `cargo bench --bench polling` (N = 1,000); `VIGIA_POLL_FEEDS=10000` for
//! more. `--vs newsboat` (after `--`) also runs newsboat (`reload-threads
//! 20`) on the same feeds in the same run and prints the ratios, when
//! newsboat is installed.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const HOSTS: usize = 20;
const ITEMS: usize = 50;

fn feeds() -> usize {
    std::env::var("VIGIA_POLL_FEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

/// Words for items that read like news but fire no shipped rule.
const WORDS: &[&str] = &[
    "ministro",
    "anuncia",
    "plan",
    "económico",
    "para",
    "la",
    "región",
    "andina",
    "según",
    "fuentes",
    "oficiales",
    "el",
    "gobierno",
    "presentó",
    "cifras",
    "de",
    "producción",
    "petrolera",
    "exportaciones",
    "mercado",
    "inflación",
    "salarios",
    "educación",
    "salud",
    "hospitales",
    "elecciones",
    "campaña",
    "candidatos",
    "debate",
    "televisado",
    "lluvias",
    "carreteras",
    "cosecha",
    "café",
    "cacao",
    "turismo",
    "playas",
    "festival",
    "música",
];

fn sentence(seed: usize, words: usize) -> String {
    (0..words)
        .map(|i| WORDS[(seed * 31 + i * 7 + i * i) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Feed `f` at version `v`: its newest `ITEMS` items (item numbers
/// `v..v + ITEMS`, newest first), item `n` published `n` minutes after
/// `epoch`. An item reads the same at every request, as in real feeds.
fn feed(base: &str, epoch: chrono::DateTime<chrono::Utc>, f: usize, v: usize) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Feed {f}</title><link>{base}/</link><description>Noticias</description>\n"
    );
    for n in (v..v + ITEMS).rev() {
        out.push_str(&format!(
            "<item><title>{}</title><link>{base}/f{f}/n{n}</link>\
             <guid isPermaLink=\"false\">f{f}-n{n}</guid><pubDate>{}</pubDate>\
             <description>&lt;p&gt;{}&lt;/p&gt;</description></item>\n",
            sentence(f * 1000 + n, 9),
            (epoch + chrono::Duration::minutes(n as i64)).to_rfc2822(),
            sentence(f * 7 + n, 45),
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

#[derive(Clone)]
struct Served {
    /// Each feed's version: how many items it has gained.
    versions: std::sync::Arc<Vec<std::sync::atomic::AtomicUsize>>,
    base: String,
    /// Days ago: older than the backfill window.
    epoch: chrono::DateTime<chrono::Utc>,
}

async fn serve_feed(
    State(s): State<Served>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(f) = name
        .strip_prefix("f")
        .and_then(|n| n.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&f| f < s.versions.len())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let v = s.versions[f].load(std::sync::atomic::Ordering::Relaxed);
    let etag = format!("\"f{f}-v{v}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|h| h.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, etag),
        ],
        feed(&s.base, s.epoch, f, v),
    )
        .into_response()
}

/// The child: serves the feeds on `HOSTS` ports, prints the ports, and on
/// each `bump` line from its standard input adds an item to every feed.
fn serve_forever(n: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let versions: std::sync::Arc<Vec<_>> = std::sync::Arc::new(
            (0..n)
                .map(|_| std::sync::atomic::AtomicUsize::new(0))
                .collect(),
        );
        let epoch = chrono::Utc::now() - chrono::Duration::days(3);
        let mut ports = Vec::new();
        for _ in 0..HOSTS {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = Router::new()
                .route("/{name}", get(serve_feed))
                .with_state(Served {
                    versions: versions.clone(),
                    base: format!("http://{addr}"),
                    epoch,
                });
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            ports.push(addr.port().to_string());
        }
        println!("{}", ports.join(" "));
        std::io::stdout().flush().unwrap();
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            match line.as_deref() {
                Ok("bump") => {
                    for v in versions.iter() {
                        v.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    println!("bumped");
                    std::io::stdout().flush().unwrap();
                }
                _ => break,
            }
        }
    });
}

/// CPU time from this process's `/proc/self/stat`: its own (user +
/// system) or its waited-for children's.
fn cpu_of(children: bool) -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) start at ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime, stime, cutime and cstime are fields 14 to 17: 11 to 14 here.
    let first = if children { 13 } else { 11 };
    Duration::from_secs_f64((ticks(first) + ticks(first + 1)) as f64 / 100.0)
}

fn cpu() -> Duration {
    cpu_of(false)
}

/// The feed server, in a child process: its ports, and a way to add an
/// item to every feed.
struct Server {
    child: std::process::Child,
    to: std::process::ChildStdin,
    from: std::io::BufReader<std::process::ChildStdout>,
    ports: Vec<String>,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("VIGIA_POLL_SERVER", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the feed server starts");
        let to = child.stdin.take().unwrap();
        let mut from = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        from.read_line(&mut line).unwrap();
        let ports = line.split_whitespace().map(str::to_string).collect();
        Server {
            child,
            to,
            from,
            ports,
        }
    }

    fn bump(&mut self) {
        writeln!(self.to, "bump").unwrap();
        self.to.flush().unwrap();
        let mut ack = String::new();
        self.from.read_line(&mut ack).unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Peak resident memory of this process, in MB.
fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Resident memory of this process now, in MB.
fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Cycle {
    name: &'static str,
    cpu: Duration,
    wall: Duration,
    missed_304: u64,
}

fn urls(ports: &[String], n: usize) -> Vec<String> {
    (0..n)
        .map(|f| format!("http://127.0.0.1:{}/f{f}.xml", ports[f % ports.len()]))
        .collect()
}

fn main() {
    if std::env::var_os("VIGIA_POLL_SERVER").is_some() {
        return serve_forever(feeds());
    }
    let vs_newsboat = std::env::args().any(|a| a == "--vs" || a == "newsboat");
    let n = feeds();
    let mut server = Server::start();
    let ports = server.ports.clone();

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let lists = root.join("config/lists");
    let mut toml = format!(
        "[channels]\nalerts = -1001\n[store]\npath = \"data/vigia.db\"\n\
         [defaults]\ninterval = \"24h\"\nbackfill = \"1h\"\nhost_gap = \"0s\"\n\
         [lists]\ndetention = \"{0}/detention.txt\"\nvenezuela = \"{0}/venezuela.txt\"\n\
         political = \"{0}/political.txt\"\ncrime = \"{0}/crime.txt\"\nnoise = \"{0}/noise.txt\"\n\
         [[rule]]\nname = \"detentions\"\nall = [\"detention\", \"venezuela\"]\nnone = [\"crime\", \"noise\"]\n\
         channels = [\"alerts\"]\n\
         [[rule]]\nname = \"political\"\nall = [\"detention\", \"political\"]\nnone = [\"noise\"]\n\
         channels = [\"alerts\"]\n",
        lists.display()
    );
    for (f, url) in urls(&ports, n).iter().enumerate() {
        toml.push_str(&format!("[[source]]\nname = \"f{f}\"\nurl = \"{url}\"\n"));
    }
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = vigia::config::Config::load(&path).unwrap();
    let mut rss = vec![("config read", rss_mb())];

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut cycles = Vec::new();
    rt.block_on(async {
        let running = vigia::daemon::start(&config, vigia::delivery::Sink::Stdout)
            .await
            .unwrap();
        let h = running.handle.clone();
        rss.push(("daemon started", rss_mb()));
        let not_modified = |h: &vigia::daemon::Handle| {
            let text = h.metrics().render(h.store(), &[]).unwrap();
            text.lines()
                .filter(|l| {
                    l.starts_with("vigia_fetches_total{") && l.contains("outcome=\"not-modified\"")
                })
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum::<f64>() as u64
        };
        for name in [
            "first (all new)",
            "one new item in each",
            "all unchanged (304)",
        ] {
            if name == "one new item in each" {
                server.bump();
            }
            let before_304 = not_modified(&h);
            let (cpu0, wall0) = (cpu(), Instant::now());
            h.poll_now().await;
            let (cpu1, wall1) = (cpu(), Instant::now());
            let got_304 = not_modified(&h) - before_304;
            let missed_304 = if name.starts_with("all unchanged") {
                n as u64 - got_304
            } else {
                0
            };
            rss.push((name, rss_mb()));
            cycles.push(Cycle {
                name,
                cpu: cpu1 - cpu0,
                wall: wall1 - wall0,
                missed_304,
            });
        }
        running.shutdown().await;
    });
    let peak = peak_rss_mb();
    drop(server);

    println!("vigia, {n} feeds of {ITEMS} items on {HOSTS} loopback hosts:");
    println!(
        "{:<24} {:>9} {:>9} {:>13} {:>11}",
        "cycle", "CPU s", "wall s", "CPU per feed", "missed 304"
    );
    for c in &cycles {
        println!(
            "{:<24} {:>9.2} {:>9.2} {:>10.3} ms {:>11}",
            c.name,
            c.cpu.as_secs_f64(),
            c.wall.as_secs_f64(),
            c.cpu.as_secs_f64() * 1e3 / n as f64,
            c.missed_304
        );
    }
    let after: Vec<String> = rss.iter().map(|(at, mb)| format!("{at} {mb:.0}")).collect();
    println!("peak RSS: {peak:.0} MB (MB after: {})", after.join(", "));
    println!(
        "at the end: {:.0} MB anonymous (heap, stacks), {:.0} MB of files (the program's code)",
        status_mb("RssAnon:"),
        status_mb("RssFile:")
    );
    if vs_newsboat {
        newsboat(n, &cycles);
    }
}

/// newsboat on the same feeds: a fresh server, the same three cycles, its
/// CPU read from the children's usage. Skipped when it is not installed.
fn newsboat(n: usize, vigia: &[Cycle]) {
    if Command::new("newsboat").arg("--version").output().is_err() {
        println!("newsboat is not installed: no comparison");
        return;
    }
    let mut server = Server::start();
    let ports = server.ports.clone();
    let dir = tempfile::tempdir().unwrap();
    let urls_file = dir.path().join("urls");
    std::fs::write(&urls_file, urls(&ports, n).join("\n")).unwrap();
    let conf = dir.path().join("config");
    std::fs::write(&conf, "reload-threads 20\n").unwrap();
    let cache = dir.path().join("cache.db");
    println!("newsboat (reload-threads 20), same feeds:");
    for (k, c) in vigia.iter().enumerate() {
        if k == 1 {
            server.bump();
        }
        let before = cpu_of(true);
        let wall = Instant::now();
        let status = Command::new("newsboat")
            .arg("-x")
            .arg("reload")
            .arg("-u")
            .arg(&urls_file)
            .arg("-C")
            .arg(&conf)
            .arg("-c")
            .arg(&cache)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        let took = cpu_of(true) - before;
        println!(
            "{:<24} {:>9.2} {:>9.2}   vigia/newsboat CPU {:.2} ({status})",
            c.name,
            took.as_secs_f64(),
            wall.elapsed().as_secs_f64(),
            c.cpu.as_secs_f64() / took.as_secs_f64().max(1e-9)
        );
    }
}
