//! Precision and recall of a config's rules on a labeled corpus.
//!
//! `cargo run --release --example eval [-- CONFIG CORPUS] [--verbose]`
//! (defaults: `config/vigia.toml`, `tests/fixtures/dev.jsonl`);
//! `--verbose` lists every missed item and false alert.

use std::path::Path;

use vigia::config::Config;
use vigia::matching::eval::evaluate;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let paths: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let config = Config::load(Path::new(
        paths.first().copied().unwrap_or("config/vigia.toml"),
    ))?;
    let corpus =
        std::fs::read_to_string(paths.get(1).copied().unwrap_or("tests/fixtures/dev.jsonl"))?;
    let report = evaluate(&config, &corpus)?;
    if verbose {
        for e in &report.errors {
            println!("{e}");
        }
    }
    println!(
        "{:<6} {:>5} {:>5} {:>5} {:>5} {:>10} {:>8}",
        "lang", "tp", "fp", "fn", "tn", "precision", "recall"
    );
    let all = ("all".to_string(), report.all);
    for (lang, c) in report.by_lang.iter().chain([(&all.0, &all.1)]) {
        println!(
            "{lang:<6} {:>5} {:>5} {:>5} {:>5} {:>10.3} {:>8.3}",
            c.tp,
            c.fp,
            c.fn_,
            c.tn,
            c.precision(),
            c.recall()
        );
    }
    Ok(())
}
