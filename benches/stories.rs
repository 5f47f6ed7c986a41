//! The cost of grouping one alerting item into its story with 100,000
//! stories already stored, spread over the 90 days retention keeps (so about
//! 3,300 fall within the 72 h window): recording the item, finding the
//! earlier items that share its words through the word index, comparing
//! them, and writing it with its alert, in one SQLite transaction on a real
//! file.
//!
//! `cargo bench --bench stories`. Items are generated from a fixed seed:
//! titles "<verb> <role> <given name> <surname> en <place>" and 20-word
//! leads drawn from 200 words, so common words are shared by many stories,
//! as in real coverage of one country.

use std::time::{Duration, Instant};

use chrono::Utc;
#[path = "support/people.rs"]
mod people;
use people::{GIVEN, SURNAMES};
use vigia::matching::Explanation;
use vigia::store::{NewItem, Store};

const WINDOW: Duration = Duration::from_secs(72 * 3600);

const VERBS: &[&str] = &[
    "Detienen a",
    "Arrestan a",
    "Liberan a",
    "Trasladan a",
    "Desaparece",
    "Imputan a",
];
const ROLES: &[&str] = &[
    "periodista",
    "activista",
    "dirigente",
    "sindicalista",
    "abogado",
    "estudiante",
    "concejal",
    "médico",
    "profesor",
    "defensora",
];
const PLACES: &[&str] = &[
    "Caracas",
    "Maracaibo",
    "Valencia",
    "Barquisimeto",
    "Maracay",
    "Mérida",
    "San Cristóbal",
    "Barinas",
    "Cumaná",
    "Maturín",
    "Puerto Ordaz",
    "Coro",
    "Guanare",
    "San Fernando",
    "Tucupita",
    "Porlamar",
    "Los Teques",
    "Acarigua",
    "El Tigre",
    "Punto Fijo",
    "Carúpano",
    "Valera",
    "San Juan",
    "Ciudad Bolívar",
    "Barcelona",
    "Cabimas",
    "Ocumare",
    "Tocuyito",
    "Maiquetía",
    "La Guaira",
];

fn vocabulary() -> Vec<String> {
    let stems = [
        "funcion", "seguri", "fiscal", "tribun", "famili", "denunc", "organi", "derech", "human",
        "polici", "milita", "protes", "elecci", "gobier", "justic", "prision", "audien", "defens",
        "cargo", "terror",
    ];
    let ends = [
        "ario", "idad", "ales", "ones", "ados", "ente", "ista", "icos", "anza", "ería",
    ];
    stems
        .iter()
        .flat_map(|s| ends.iter().map(move |e| format!("{s}{e}")))
        .collect()
}

fn item(n: usize, rng: &mut fastrand::Rng, vocab: &[String], window: Duration) -> NewItem {
    let pick = |rng: &mut fastrand::Rng, v: &[&str]| v[rng.usize(..v.len())].to_string();
    let title = format!(
        "{} {} {} {} en {}",
        pick(rng, VERBS),
        pick(rng, ROLES),
        pick(rng, GIVEN),
        pick(rng, SURNAMES),
        pick(rng, PLACES)
    );
    let summary: Vec<&str> = (0..20)
        .map(|_| vocab[rng.usize(..vocab.len())].as_str())
        .collect();
    let summary = summary.join(" ");
    NewItem {
        key: vigia::sources::key_hash(&format!("bench {n}")),
        aliases: Vec::new(),
        muted_rule: None,
        story: Some((vigia::stories::words(&title, &summary), window)),
        source: "bench".into(),
        title,
        link: Some(format!("https://example.org/{n}")),
        summary,
        published: None,
        explanation: Some(Explanation {
            rules: vec!["detentions".into()],
            ..Default::default()
        }),
        alerts: vec![("alerts".into(), "-100123".into())],
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vigia.db")).unwrap();
    let vocab = vocabulary();
    let mut rng = fastrand::Rng::with_seed(5);
    let now = Utc::now();
    let span = chrono::Duration::days(90);
    // `VIGIA_STORIES` sets how many are stored first (100,000 by default).
    let stories: usize = std::env::var("VIGIA_STORIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    // Stored with a window of a second, so that building the store does not
    // take as long as living through 90 days: each is its own story, with
    // its words indexed at the time it was found.
    let started = Instant::now();
    const BATCH: usize = 100;
    let batches = stories.div_ceil(BATCH);
    for b in 0..batches {
        let at = now - span + span * (b as i32) / batches as i32;
        let batch: Vec<NewItem> = (0..BATCH)
            .map(|i| item(b * BATCH + i, &mut rng, &vocab, Duration::from_secs(1)))
            .collect();
        store.record(&batch, at).unwrap();
    }
    eprintln!(
        "stored {} stories in {:.0?}",
        batches * BATCH,
        started.elapsed()
    );

    // Then alerting items one at a time, as polls record them, with the
    // real 72 h window: about 3,300 stored stories fall within it.
    const MEASURED: usize = 300;
    let mut times = Vec::with_capacity(MEASURED);
    for i in 0..MEASURED {
        let it = item(batches * BATCH + i, &mut rng, &vocab, WINDOW);
        let t = Instant::now();
        store.record(&[it], now).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / MEASURED as u32;
    println!(
        "record one alerting item into its story, {} stories stored: mean {:.2?}, median {:.2?}, p99 {:.2?}",
        batches * BATCH,
        mean,
        times[MEASURED / 2],
        times[MEASURED * 99 / 100]
    );
}
