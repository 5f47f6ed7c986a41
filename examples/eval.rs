//! Precision and recall of a config's rules on a labeled corpus.
//!
//! `cargo run --release --example eval [-- CONFIG CORPUS] [--verbose]`
//! (defaults: `config/vigia.toml`, `config/examples/dev.jsonl`);
//! `--verbose` lists every missed item and false alert.
//!
//! `--morphology stems` reads each `word+` term as its Snowball stem followed
//! by `*` (rust-stemmers), `--morphology none` as the word alone; without
//! it, the generated forms vigia ships are used. This compares the two ways
//! of covering word forms on the same lists.
//!
//! `cargo run --release --example eval -- --names [--verbose]` measures each
//! name variant rule alone and all together on `tests/fixtures/names-cases.tsv`.

use std::path::Path;

use vigia::config::{Config, Lang};
use vigia::matching::eval::{evaluate, evaluate_names};
use vigia::matching::names::Variants;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    if args.iter().any(|a| a == "--names") {
        return names(verbose);
    }
    let morphology = args
        .iter()
        .position(|a| a == "--morphology")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let paths: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--") && Some(a.as_str()) != morphology)
        .map(String::as_str)
        .collect();
    let mut config = Config::load(Path::new(
        paths.first().copied().unwrap_or("config/vigia.toml"),
    ))?;
    match morphology {
        None | Some("forms") => {}
        Some(m @ ("stems" | "none")) => rewrite_forms(&mut config, m == "stems"),
        Some(other) => anyhow::bail!("--morphology {other}: use forms, stems or none"),
    }
    let corpus =
        std::fs::read_to_string(paths.get(1).copied().unwrap_or("config/examples/dev.jsonl"))?;
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
    println!(
        "language detected right on {} of {} items ({:.3})",
        report.detected_right,
        report.detected,
        report.detected_right as f64 / report.detected.max(1) as f64
    );
    Ok(())
}

fn names(verbose: bool) -> anyhow::Result<()> {
    let config = Config::load(Path::new("tests/fixtures/names-eval.toml"))?;
    let cases = std::fs::read_to_string("tests/fixtures/names-cases.tsv")?;
    let none = Variants::NONE;
    let sets = [
        ("aliases as written", none),
        (
            "+ reversed",
            Variants {
                reversed: true,
                ..none
            },
        ),
        (
            "+ short_last",
            Variants {
                short_last: true,
                ..none
            },
        ),
        (
            "+ short_first_surname",
            Variants {
                short_first_surname: true,
                ..none
            },
        ),
        (
            "+ first_two_of_three",
            Variants {
                first_two_of_three: true,
                ..none
            },
        ),
        (
            "+ surnames_first",
            Variants {
                surnames_first: true,
                ..none
            },
        ),
        (
            "+ given_and_patronymic",
            Variants {
                given_and_patronymic: true,
                ..none
            },
        ),
        ("default (kept rules)", Variants::default()),
    ];
    println!(
        "{:<24} {:>4} {:>4} {:>4} {:>10} {:>8}",
        "variants", "tp", "fp", "fn", "precision", "recall"
    );
    for (name, v) in sets {
        let r = evaluate_names(&config, &cases, v)?;
        let c = r.all;
        println!(
            "{name:<24} {:>4} {:>4} {:>4} {:>10.3} {:>8.3}",
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall()
        );
        if verbose {
            for e in &r.errors {
                println!("    {e}");
            }
        }
    }
    Ok(())
}

/// Rewrites every `word+` term: as the word's Snowball stem and `*` when
/// `stems` and the word ends the term (a stem cannot sit mid-phrase, so
/// there the word stays as written), else as the word alone.
fn rewrite_forms(config: &mut Config, stems: bool) {
    use rust_stemmers::{Algorithm, Stemmer};
    for list in &mut config.lists {
        for term in &mut list.terms {
            let Some(lang) = term.lang else { continue };
            let words: Vec<&str> = term.text.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| w.ends_with('+')) else {
                continue;
            };
            let word = words[at].trim_end_matches('+');
            let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            out[at] = if stems && at + 1 == words.len() {
                let algorithm = match lang {
                    Lang::En => Algorithm::English,
                    Lang::Es => Algorithm::Spanish,
                    Lang::Pt => Algorithm::Portuguese,
                };
                format!("{}*", Stemmer::create(algorithm).stem(&word.to_lowercase()))
            } else {
                word.to_string()
            };
            term.text = out.join(" ");
        }
    }
}
