//! Scores the story join on a labelled story set: pairwise precision and
//! recall, overall, per language and across languages, and every report put
//! in another cluster's story.
//!
//! `cargo run --release --example stories -- [CONFIG] [SET] [--verbose]`
//! (defaults: `config/vigia.toml`, `tests/fixtures/stories.tsv`).

use std::path::Path;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let paths: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let config = vigia::config::Config::load(Path::new(
        paths.first().copied().unwrap_or("config/vigia.toml"),
    ))?;
    let set_path = paths
        .get(1)
        .copied()
        .unwrap_or("tests/fixtures/stories.tsv");
    let set = std::fs::read_to_string(set_path)?;
    let r = vigia::stories::evaluate(&config, &set, 72.0);
    let pr = |(tp, fp, fn_): (usize, usize, usize)| {
        (
            tp as f64 / (tp + fp).max(1) as f64,
            tp as f64 / (tp + fn_).max(1) as f64,
        )
    };
    println!("{set_path}: {} reports", r.grouping.len());
    let (p, rec) = pr((r.tp, r.fp, r.fn_));
    println!(
        "  all     precision {p:.3} recall {rec:.3} ({} pairs joined right, {} wrong, {} missed)",
        r.tp, r.fp, r.fn_
    );
    for (lang, counts) in &r.by_lang {
        let (p, rec) = pr(*counts);
        println!(
            "  {lang:<7} precision {p:.3} recall {rec:.3} ({} right, {} wrong, {} missed)",
            counts.0, counts.1, counts.2
        );
    }
    println!(
        "  reports put in another cluster's story: {} ({} of different people)",
        r.wrong.len(),
        r.different_people().len()
    );
    for (item, story) in &r.wrong {
        println!("    {item}\n      → {story}");
    }
    if verbose {
        for (item, story) in &r.grouping {
            println!("{item}\n  → {story}");
        }
    }
    Ok(())
}
