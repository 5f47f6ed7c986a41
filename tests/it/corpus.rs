//! The shipped lists and rules keep their measured quality on the dev corpus
//! (a copy of the labeled set in config/examples). docs/benchmarks.md reports the
//! figures; `cargo run --example eval -- --verbose` shows each error.

use std::path::Path;

use vigia::config::Config;
use vigia::matching::eval::evaluate;

#[test]
fn default_rules_keep_precision_and_recall_per_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("config/vigia.toml")).unwrap();
    let corpus = std::fs::read_to_string(root.join("config/examples/dev.jsonl")).unwrap();
    let report = evaluate(&config, &corpus).unwrap();
    assert_eq!(
        report.by_lang.keys().collect::<Vec<_>>(),
        vec!["en", "es", "pt"]
    );
    for (lang, c) in &report.by_lang {
        assert!(c.tp + c.fn_ >= 10, "{lang}: too few alert items to measure");
        assert!(
            c.precision() >= 0.9,
            "{lang}: precision {:.3}\n{:#?}",
            c.precision(),
            report.errors
        );
        assert!(
            c.recall() >= 0.9,
            "{lang}: recall {:.3}\n{:#?}",
            c.recall(),
            report.errors
        );
    }
    // Borderline items are left out: 220 items, 22 borderline.
    let all = report.all;
    assert_eq!(all.tp + all.fp + all.fn_ + all.tn, 198);
}

/// The held-out sets whose errors were read and tuned on after they were
/// measured keep what the tuning gained: a list edit that loses reports
/// there fails here. They are also the learned rule's examples
/// (`config/examples/`). `holdout54.jsonl` is left out: it was written to
/// measure a config never tuned or trained on it.
#[test]
fn tuned_held_out_sets_keep_their_floors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("config/vigia.toml")).unwrap();
    for set in [
        "holdout.jsonl",
        "holdout2.jsonl",
        "holdout3.jsonl",
        "holdout4.jsonl",
        "holdout5.jsonl",
        "holdout6.jsonl",
        "holdout7.jsonl",
        "holdout8.jsonl",
        "holdout9.jsonl",
        "holdout10.jsonl",
        "holdout11.jsonl",
        "holdout12.jsonl",
        "holdout13.jsonl",
        "holdout14.jsonl",
        "holdout15.jsonl",
        "holdout16.jsonl",
        "holdout17.jsonl",
        "holdout18.jsonl",
        "holdout19.jsonl",
        "holdout20.jsonl",
        "holdout21.jsonl",
        "holdout22.jsonl",
        "holdout23.jsonl",
        "holdout24.jsonl",
        "holdout25.jsonl",
        "holdout26.jsonl",
        "holdout27.jsonl",
        "holdout28.jsonl",
        "holdout29.jsonl",
        "holdout30.jsonl",
        "holdout31.jsonl",
        "holdout32.jsonl",
        "holdout33.jsonl",
        "holdout34.jsonl",
        "holdout35.jsonl",
        "holdout36.jsonl",
        "holdout37.jsonl",
        "holdout38.jsonl",
        "holdout39.jsonl",
        "holdout40.jsonl",
        "holdout41.jsonl",
        "holdout42.jsonl",
        "holdout43.jsonl",
        "holdout44.jsonl",
        "holdout45.jsonl",
        "holdout46.jsonl",
        "holdout47.jsonl",
        "holdout48.jsonl",
        "holdout49.jsonl",
        "holdout50.jsonl",
        "holdout51.jsonl",
        "holdout52.jsonl",
        "holdout53.jsonl",
    ] {
        let corpus = std::fs::read_to_string(root.join("config/examples").join(set)).unwrap();
        let report = evaluate(&config, &corpus).unwrap();
        for (lang, c) in &report.by_lang {
            assert!(
                c.precision() >= 0.9 && c.recall() >= 0.85,
                "{set} {lang}: precision {:.3} recall {:.3}\n{:#?}",
                c.precision(),
                c.recall(),
                report.errors
            );
        }
    }
}

/// Every name variant rule that is on by default was measured on the names
/// test set: alone, it finds people the aliases miss and names nobody
/// wrongly. The one that is off is off because it names the wrong people.
#[test]
fn name_variant_rules_earn_their_place() {
    use vigia::matching::eval::evaluate_names;
    use vigia::matching::names::Variants;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("tests/fixtures/names-eval.toml")).unwrap();
    let cases = std::fs::read_to_string(root.join("tests/fixtures/names-cases.tsv")).unwrap();
    let run = |v: Variants| evaluate_names(&config, &cases, v).unwrap();
    let base = run(Variants::NONE).all;
    let none = Variants::NONE;
    for (name, v) in [
        (
            "reversed",
            Variants {
                reversed: true,
                ..none
            },
        ),
        (
            "short_last",
            Variants {
                short_last: true,
                ..none
            },
        ),
        (
            "short_first_surname",
            Variants {
                short_first_surname: true,
                ..none
            },
        ),
        (
            "surnames_first",
            Variants {
                surnames_first: true,
                ..none
            },
        ),
        (
            "given_and_patronymic",
            Variants {
                given_and_patronymic: true,
                ..none
            },
        ),
    ] {
        let c = run(v).all;
        assert!(c.tp > base.tp, "{name} finds nobody new");
        assert_eq!(c.fp, 0, "{name} names the wrong people");
    }
    let off = run(Variants {
        first_two_of_three: true,
        ..none
    })
    .all;
    assert!(
        off.fp > 0,
        "first_two_of_three was turned off for its false matches"
    );
    let default = run(Variants::default());
    assert_eq!(default.all.fp, 0, "{:#?}", default.errors);
    // F1 0.97 or better: every miss left is a form the contract does not
    // promise (`María Corina`, two given names alone).
    let (p, r) = (default.all.precision(), default.all.recall());
    assert!(2.0 * p * r / (p + r) >= 0.97, "{:#?}", default.errors);
}

/// The story join on every story set it has been tuned on (`stories.tsv`
/// designed with the rules, each later one written before it was first
/// run; see docs/benchmarks.md, "Stories"): no report of one person ever
/// joins another person's story (that would lose an alert), and most
/// outlets' versions of one detention, in any language, join.
#[test]
fn stories_join_one_detention_across_outlets_and_languages_and_never_two_people() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("config/vigia.toml")).unwrap();
    // (set, same-story pairs, least precision, least recall)
    for (set, pairs, precision, recall) in [
        ("stories.tsv", 32, 0.98, 0.95),
        ("stories2.tsv", 56, 0.97, 0.98),
        ("stories3.tsv", 48, 0.98, 0.95),
        ("stories4.tsv", 76, 0.97, 0.98),
        ("stories5.tsv", 69, 0.97, 0.87),
        ("stories6.tsv", 65, 0.97, 0.98),
        ("stories7.tsv", 53, 0.97, 0.93),
        ("stories8.tsv", 48, 0.97, 0.93),
        ("stories9.tsv", 62, 0.97, 0.93),
        ("stories10.tsv", 58, 0.97, 0.87),
        ("stories11.tsv", 58, 0.92, 0.89),
        ("stories12.tsv", 63, 0.97, 0.97),
        ("stories13.tsv", 59, 0.97, 0.96),
        ("stories14.tsv", 59, 0.97, 0.96),
        ("stories15.tsv", 63, 0.97, 0.90),
        ("stories16.tsv", 58, 0.94, 0.93),
        ("stories17.tsv", 51, 0.97, 0.92),
        ("stories18.tsv", 55, 0.97, 0.94),
        ("stories19.tsv", 54, 0.90, 0.94),
        ("stories20.tsv", 43, 0.97, 0.86),
        ("stories21.tsv", 34, 0.97, 0.97),
        ("stories22.tsv", 31, 0.97, 0.90),
        ("stories23.tsv", 26, 0.97, 0.97),
        ("stories24.tsv", 37, 0.97, 0.97),
        ("stories25.tsv", 25, 0.97, 0.97),
        ("stories26.tsv", 24, 0.97, 0.97),
        ("stories27.tsv", 23, 0.97, 0.97),
        ("stories28.tsv", 14, 0.97, 0.97),
        ("stories29.tsv", 16, 0.97, 0.93),
        ("stories30.tsv", 15, 0.97, 0.86),
        ("stories31.tsv", 12, 0.97, 0.97),
        ("stories32.tsv", 20, 0.97, 0.93),
        ("stories33.tsv", 18, 0.97, 0.87),
        ("stories34.tsv", 18, 0.97, 0.97),
        ("stories35.tsv", 14, 0.97, 0.97),
        ("stories36.tsv", 13, 0.85, 0.92),
        ("stories37.tsv", 11, 0.97, 0.97),
        ("stories38.tsv", 9, 0.97, 0.88),
        ("stories39.tsv", 12, 0.97, 0.91),
        ("stories40.tsv", 14, 0.97, 0.97),
        ("stories41.tsv", 16, 0.97, 0.97),
        ("stories42.tsv", 16, 0.97, 0.97),
        ("stories43.tsv", 12, 0.97, 0.97),
        ("stories44.tsv", 14, 0.97, 0.85),
        ("stories45.tsv", 12, 0.97, 0.83),
        ("stories46.tsv", 16, 0.97, 0.97),
        ("stories47.tsv", 14, 0.97, 0.92),
        ("stories48.tsv", 14, 0.97, 0.97),
        ("stories49.tsv", 14, 0.97, 0.97),
        ("stories50.tsv", 12, 0.97, 0.97),
        ("stories51.tsv", 12, 0.97, 0.91),
        ("stories52.tsv", 12, 0.97, 0.97),
        ("stories53.tsv", 12, 0.97, 0.97),
        ("stories54.tsv", 13, 0.97, 0.97),
        ("stories55.tsv", 10, 0.97, 0.97),
        ("stories56.tsv", 12, 0.97, 0.97),
        ("stories57.tsv", 13, 0.97, 0.97),
        ("stories58.tsv", 15, 0.75, 0.80),
        ("stories59.tsv", 16, 0.97, 0.97),
        ("stories60.tsv", 20, 0.97, 0.89),
        ("stories61.tsv", 48, 0.92, 0.97),
        ("stories62.tsv", 44, 0.97, 0.95),
        ("stories63.tsv", 40, 0.97, 0.92),
    ] {
        let text = std::fs::read_to_string(root.join("tests/fixtures").join(set)).unwrap();
        let report = vigia::stories::evaluate(&config, &text, 72.0);
        let shown = format!("{set}: {:#?}", report.grouping);
        assert_eq!(report.tp + report.fn_, pairs, "same-story pairs in {set}");
        eprintln!(
            "{set}: precision {:.3} recall {:.3} ({} pairs found, {} wrong, {} missed)",
            report.precision(),
            report.recall(),
            report.tp,
            report.fp,
            report.fn_
        );
        assert!(
            report.different_people().is_empty(),
            "{set}: {:#?}",
            report.different_people()
        );
        assert!(report.precision() >= precision, "{shown}");
        assert!(report.recall() >= recall, "{shown}");
    }
}
