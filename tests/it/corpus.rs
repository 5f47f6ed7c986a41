//! The shipped lists and rules keep their measured quality on the dev corpus
//! (a copy of the labeled set in tests/fixtures). The README reports the
//! figures; `cargo run --example eval -- --verbose` shows each error.

use std::path::Path;

use vigia::config::Config;
use vigia::matching::eval::evaluate;

#[test]
fn default_rules_keep_precision_and_recall_per_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("config/vigia.toml")).unwrap();
    let corpus = std::fs::read_to_string(root.join("tests/fixtures/dev.jsonl")).unwrap();
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
