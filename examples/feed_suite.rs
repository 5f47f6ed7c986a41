//! Reads every feed file under a folder as a poll would and counts what
//! came of it: read, rejected whole, entries lost, time. For measuring the
//! feed reader on a large suite of odd but real feeds, such as the test
//! suite in feedparser's source distribution (`pip download --no-deps
//! --no-binary :all: feedparser`, then `tests/`).
//!
//! `cargo run --release --example feed_suite -- DIR [--list]`; `--list`
//! names each well-formed feed with entries that was rejected whole.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "xml" || x == "rdf" || x == "json")
        {
            out.push(p);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(args.first().expect("a folder of feed files"));
    let list = args.iter().any(|a| a == "--list");
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    let (mut read, mut rejected, mut with_entries_rejected, mut skipped) = (0, 0, 0, 0);
    let (mut empty_from_entries, mut slowest) = (0, (Duration::ZERO, PathBuf::new()));
    let mut rejected_names = Vec::new();
    let started = Instant::now();
    for path in &paths {
        let body = std::fs::read(path).unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        let carries =
            text.contains("<item") || text.contains("<entry") || text.contains("\"items\"");
        let wellformed = path.components().any(|c| c.as_os_str() == "wellformed");
        let t = Instant::now();
        let result = vigia::sources::feed::parse(&body, Some("http://example.test/feed"), None);
        let took = t.elapsed();
        if took > slowest.0 {
            slowest = (took, path.clone());
        }
        match result {
            Ok(parsed) => {
                read += 1;
                skipped += parsed.skipped.len();
                if carries && parsed.items.is_empty() {
                    empty_from_entries += 1;
                }
            }
            Err(_) => {
                rejected += 1;
                if carries && wellformed {
                    with_entries_rejected += 1;
                    rejected_names.push(
                        path.strip_prefix(&dir)
                            .unwrap_or(path)
                            .display()
                            .to_string(),
                    );
                }
            }
        }
    }
    println!("files: {}", paths.len());
    println!("read: {read}, rejected whole: {rejected}");
    println!("well-formed feeds with entries rejected whole: {with_entries_rejected}");
    println!("entries skipped inside feeds that were read: {skipped}");
    println!("feeds read with entries in them but no item: {empty_from_entries}");
    println!(
        "time: {:.2} s in all; slowest {:.1} ms ({})",
        started.elapsed().as_secs_f64(),
        slowest.0.as_secs_f64() * 1e3,
        slowest.1.strip_prefix(&dir).unwrap_or(&slowest.1).display()
    );
    if list {
        for name in rejected_names {
            println!("  rejected: {name}");
        }
    }
}
