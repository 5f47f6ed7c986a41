//! Normalize-and-match throughput with the default rules scaled up to
//! 10,000 list terms and 1,000 watched people, next to the way Miniflux and
//! Huginn filter: one case-insensitive regex per term, tried in turn.
//!
//! `cargo bench --bench matching`. Items are 0.5 to 5 KB of mostly Latin
//! text (Spanish, English, Portuguese, with accents, HTML entities already
//! decoded, some emoji and a little Cyrillic), generated from a fixed seed,
//! and items strung together from the dev set's real news prose.
//!
//! `VIGIA_MATCH_PASSES=N cargo bench --bench matching` skips criterion and
//! runs N passes over both corpora, printing the automaton's size, how
//! long the matcher took to build, what was found and the best and median
//! pass in MB/s: a fixed amount of work for profilers
//! (`valgrind --tool=callgrind --toggle-collect='*Matcher::check*'`);
//! `VIGIA_MATCH_CORPUS=generated` (or `prose`) runs one corpus alone.

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
#[path = "support/people.rs"]
mod people;
use people::{GIVEN, SURNAMES};
use vigia::config::Config;
use vigia::matching::{ItemText, Matcher};

const WORDS: &[&str] = &[
    "el",
    "la",
    "de",
    "que",
    "en",
    "los",
    "del",
    "se",
    "por",
    "una",
    "con",
    "para",
    "su",
    "fue",
    "según",
    "también",
    "gobierno",
    "tribunal",
    "fiscalía",
    "policía",
    "funcionarios",
    "familia",
    "madre",
    "ciudad",
    "estado",
    "país",
    "información",
    "elecciones",
    "protesta",
    "denunció",
    "aseguró",
    "señaló",
    "después",
    "más",
    "años",
    "días",
    "the",
    "of",
    "and",
    "to",
    "in",
    "said",
    "was",
    "government",
    "officials",
    "court",
    "family",
    "after",
    "were",
    "their",
    "against",
    "statement",
    "minister",
    "security",
    "forces",
    "report",
    "people",
    "weeks",
    "told",
    "o",
    "da",
    "do",
    "não",
    "em",
    "com",
    "governo",
    "ministério",
    "segundo",
    "família",
    "após",
    "foram",
    "também",
    "economía",
    "petróleo",
    "inflación",
    "mercado",
    "béisbol",
    "equipo",
    "partido",
    "música",
    "salud",
    "educación",
    "niños",
    "año",
    "acción",
    "Caracas",
    "Venezuela",
    "Maracaibo",
    "Bogotá",
    "São",
    "Paulo",
    "Brasília",
    "🇻🇪",
    "Москва",
    "«entrevista»",
    "—",
    "(AFP)",
    "2024",
    "28J",
    "U.S.",
    "O'Brien",
    "d'Ávila",
];

fn pick<'a>(rng: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[rng.usize(..from.len())]
}

const SYLLABLES: &[&str] = &[
    "ca", "ra", "do", "te", "ni", "mo", "la", "sé", "gui", "ción", "pre", "sa", "tor", "men", "vi",
    "lle", "bra", "ño", "cu", "ta", "ri", "zo", "per", "mán", "go", "fi", "que", "dre", "lí",
    "nas", "tes", "ca", "bo", "jú",
];

/// The corpus's content words: no stopwords, flags or dashes, which no
/// operator lists and which would make a term match every item.
fn content_words() -> Vec<&'static str> {
    WORDS
        .iter()
        .copied()
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .collect()
}

/// Synthetic terms shaped like real ones: one to three words, most of them
/// invented (2 to 4 syllables, accents included) so that, as with a real
/// list, most terms do not occur in a given item, and one in ten built from
/// the corpus's own vocabulary so that some do; a fifth are stems.
fn synthetic_term(rng: &mut fastrand::Rng) -> String {
    let words = 1 + rng.usize(..3);
    let real = rng.u8(..10) == 0;
    let mut t: Vec<String> = (0..words)
        .map(|_| {
            if real {
                pick(rng, &content_words()).to_lowercase()
            } else {
                (0..2 + rng.usize(..3))
                    .map(|_| pick(rng, SYLLABLES))
                    .collect()
            }
        })
        .collect();
    if real && words == 1 {
        // A lone common word would be a term no operator writes.
        t.push(pick(rng, SYLLABLES).repeat(3));
    }
    let mut term = t.join(" ");
    if rng.u8(..5) == 0 {
        term.push('*');
    }
    term
}

/// The shipped config with 10,000 terms spread over its lists plus
/// generated ones, and 1,000 people.
fn scaled_config(dir: &Path) -> Config {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut rng = fastrand::Rng::with_seed(7);
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    let mut toml = std::fs::read_to_string(root.join("vigia.toml")).unwrap();
    let shipped: usize = std::fs::read_dir(root.join("lists"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap();
            std::fs::write(dir.join("lists").join(e.file_name()), &text).unwrap();
            vigia::config::lists::parse_list(&text, std::path::Path::new("bench"), &mut Vec::new())
                .len()
        })
        .sum();
    // 40 extra lists, each used by a rule, fill up to 10,000 terms.
    let extra = 10_000 - shipped;
    let mut lists = String::new();
    let mut rules = String::new();
    let mut seen = std::collections::HashSet::new();
    for l in 0..40 {
        let want = extra / 40 + usize::from(l < extra % 40);
        let mut terms: Vec<String> = Vec::with_capacity(want);
        while terms.len() < want {
            let t = synthetic_term(&mut rng);
            if seen.insert(t.clone()) {
                terms.push(t);
            }
        }
        std::fs::write(dir.join(format!("lists/x{l}.txt")), terms.join("\n")).unwrap();
        lists.push_str(&format!("x{l} = \"lists/x{l}.txt\"\n"));
        rules.push_str(&format!(
            "\n[[rule]]\nname = \"extra {l}\"\nall = [\"x{l}\", \"venezuela\"]\nnone = [\"noise\"]\nchannels = [\"alerts\"]\n"
        ));
    }
    toml = toml.replace("[lists]\n", &format!("[lists]\n{lists}"));
    let examples = root.join("examples");
    toml = toml.replace(
        "examples = \"examples\"",
        &format!("examples = {:?}", examples.display().to_string()),
    );
    toml.push_str(&rules);
    let mut names = std::fs::read_to_string(root.join("names.txt")).unwrap();
    let have = vigia::config::lists::parse_names(&names, Path::new("names.txt"), &mut Vec::new())
        .len()
        + vigia::config::lists::parse_names(
            &std::fs::read_to_string(root.join("names-context.txt")).unwrap(),
            Path::new("names-context.txt"),
            &mut Vec::new(),
        )
        .len();
    for _ in have..1000 {
        let (g, s1, s2) = (
            pick(&mut rng, GIVEN),
            pick(&mut rng, SURNAMES),
            pick(&mut rng, SURNAMES),
        );
        names.push_str(&format!("{g} {s1} {s2} | {g} {s1}\n"));
    }
    std::fs::write(dir.join("names.txt"), names).unwrap();
    std::fs::copy(
        root.join("names-context.txt"),
        dir.join("names-context.txt"),
    )
    .unwrap();
    let path = dir.join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let terms: usize = config.lists.iter().map(|l| l.terms.len()).sum();
    let people: usize = config.names.iter().map(|n| n.people.len()).sum();
    assert_eq!((terms, people), (10_000, 1_000));
    config
}

/// 0.5 to 5 KB items: a title and a body of random words, with real
/// detention phrasing now and then.
fn corpus(n: usize) -> Vec<(String, String)> {
    let mut rng = fastrand::Rng::with_seed(11);
    let phrases = [
        "fue detenido por funcionarios del SEBIN en Caracas",
        "was taken into custody by Venezuelan security forces",
        "presos políticos en El Helicoide",
        "Nahuel Gallo sigue detenido",
        "foi detido na fronteira com a Venezuela",
    ];
    (0..n)
        .map(|_| {
            let title: Vec<&str> = (0..8 + rng.usize(..8))
                .map(|_| pick(&mut rng, WORDS))
                .collect();
            let target = 500 + rng.usize(..4500);
            let mut body = String::with_capacity(target + 64);
            while body.len() < target {
                if rng.u8(..40) == 0 {
                    body.push_str(phrases[rng.usize(..phrases.len())]);
                } else {
                    body.push_str(pick(&mut rng, WORDS));
                }
                body.push(if rng.u8(..12) == 0 { '.' } else { ' ' });
            }
            (title.join(" "), body)
        })
        .collect()
}

/// 0.5 to 5 KB items made of real news prose: the dev set's titles and
/// summaries (English, Spanish, Portuguese) strung together.
fn prose_corpus(n: usize) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/examples/dev.jsonl");
    let rows: Vec<(String, String)> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["title"].as_str().unwrap().to_string(),
                v["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(13);
    (0..n)
        .map(|_| {
            let title = rows[rng.usize(..rows.len())].0.clone();
            let target = 500 + rng.usize(..4500);
            let mut body = String::with_capacity(target + 400);
            while body.len() < target {
                let (t, s) = &rows[rng.usize(..rows.len())];
                body.push_str(t);
                body.push_str(". ");
                body.push_str(s);
                body.push(' ');
            }
            (title, body)
        })
        .collect()
}

/// The baseline: every term and alias as its own case-insensitive,
/// word-bounded regex, each tried on the text.
fn baseline(config: &Config) -> Vec<regex::Regex> {
    let mut patterns = Vec::new();
    for list in &config.lists {
        for t in &list.terms {
            let (word, stem) = match t.text.strip_suffix('*') {
                Some(w) => (w, true),
                None => (t.text.as_str(), false),
            };
            let end = if stem { "" } else { r"\b" };
            patterns.push(format!(r"(?i)\b{}{end}", regex::escape(word)));
        }
    }
    for n in &config.names {
        for p in &n.people {
            for a in &p.aliases {
                patterns.push(format!(r"(?i)\b{}\b", regex::escape(a)));
            }
        }
    }
    patterns
        .iter()
        .map(|p| regex::Regex::new(p).unwrap())
        .collect()
}

/// Normalizes and matches every item: which rules fire. Returns how many
/// fired in all.
#[inline(never)] // a symbol for profilers
fn matching(matcher: &Matcher, items: &[(String, String)], tags: &[String]) -> usize {
    items
        .iter()
        .map(|(title, body)| {
            let text = ItemText {
                title,
                summary: body,
                content: "",
            };
            matcher.check(&text, tags).rules.len()
        })
        .sum()
}

/// What the daemon does with each item: normalize and match it, and explain
/// the verdict of each that alerts. Returns how many terms the alerts name.
#[inline(never)] // a symbol for profilers
fn alerting(matcher: &Matcher, items: &[(String, String)], tags: &[String]) -> usize {
    items
        .iter()
        .map(|(title, body)| {
            let verdict = matcher.check(
                &ItemText {
                    title,
                    summary: body,
                    content: "",
                },
                tags,
            );
            match verdict.alerts() {
                true => matcher.explain(&verdict).terms.len(),
                false => 0,
            }
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let config = scaled_config(dir.path());
    let built = std::time::Instant::now();
    let matcher = Matcher::new(&config);
    let built = built.elapsed();
    let items = corpus(400);
    let prose = prose_corpus(400);
    let tags = vec!["venezuela".to_string()];
    let size =
        |set: &[(String, String)]| -> usize { set.iter().map(|(t, b)| t.len() + b.len()).sum() };
    if let Ok(passes) = std::env::var("VIGIA_MATCH_PASSES") {
        // For profilers (callgrind counts instructions where timing is too
        // noisy): a fixed amount of work, with what it found.
        let passes: usize = passes.parse().expect("VIGIA_MATCH_PASSES is a number");
        eprintln!(
            "automaton: {} bytes, matcher built in {} ms",
            matcher.automaton_bytes(),
            built.as_millis()
        );
        // VIGIA_MATCH_CORPUS=generated (or prose) for one of them alone.
        let only = std::env::var("VIGIA_MATCH_CORPUS").ok();
        for (name, set) in [("generated", &items), ("prose", &prose)] {
            if only.as_deref().is_some_and(|only| only != name) {
                continue;
            }
            let (mut hits, mut alerts, mut words) = (0, 0, 0);
            for (t, b) in set.iter() {
                let text = ItemText {
                    title: t,
                    summary: b,
                    content: "",
                };
                let v = matcher.check(&text, &tags);
                hits += v.terms().count() + v.people().count();
                alerts += usize::from(v.alerts());
                words += vigia::text::normalize::normalize(t).words.len()
                    + vigia::text::normalize::normalize(b).words.len();
            }
            // Each of `passes` timed, for matching alone and then with
            // explanations: the best and the median pass.
            let mut times = [Vec::new(), Vec::new()];
            let mut named = 0;
            for _ in 0..passes {
                let start = std::time::Instant::now();
                std::hint::black_box(matching(&matcher, set, &tags));
                times[0].push(start.elapsed().as_secs_f64());
                let start = std::time::Instant::now();
                named += alerting(&matcher, set, &tags);
                times[1].push(start.elapsed().as_secs_f64());
            }
            // The learned rule is asked only about items no list rule
            // fires on, rare here: its cost per item, timed alone.
            let mut scoring = Vec::new();
            if matcher.model().is_some() {
                for _ in 0..passes {
                    let start = std::time::Instant::now();
                    for (t, b) in set.iter() {
                        let text = ItemText {
                            title: t,
                            summary: b,
                            content: "",
                        };
                        std::hint::black_box(matcher.learned_score(&text));
                    }
                    scoring.push(start.elapsed().as_secs_f64());
                }
                scoring.sort_by(f64::total_cmp);
            }
            let learned = match scoring.get(passes / 2) {
                Some(&score) => {
                    let mut check = times[0].clone();
                    check.sort_by(f64::total_cmp);
                    format!(
                        "\n  learned score: median {:.2} µs an item; check with it on every item: median {:.0} MB/s",
                        score / set.len() as f64 * 1e6,
                        size(set) as f64 / (check[check.len() / 2] + score) / 1e6
                    )
                }
                None => String::new(),
            };
            let [check, explain] = times.map(|mut t| {
                t.sort_by(f64::total_cmp);
                let mbs = |secs: f64| size(set) as f64 / secs / 1e6;
                format!(
                    "best {:.0} MB/s, median {:.0} MB/s",
                    mbs(t[0]),
                    mbs(t[t.len() / 2])
                )
            });
            eprintln!(
                "{name}: {} items, {} bytes, {words} words, {hits} hits, {alerts} alert, \
                 {named} terms named; {passes} passes\n  check: {check}\n  check+explain: {explain}{learned}",
                set.len(),
                size(set),
            );
        }
        return;
    }

    let mut group = c.benchmark_group("normalize+match");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes(size(&items) as u64));
    group.bench_function(BenchmarkId::new("vigia", "10k terms, 1k people"), |b| {
        b.iter(|| matching(&matcher, &items, &tags))
    });
    group.throughput(Throughput::Bytes(size(&prose) as u64));
    group.bench_function(
        BenchmarkId::new("vigia", "news prose, 10k terms, 1k people"),
        |b| b.iter(|| matching(&matcher, &prose, &tags)),
    );
    // The config as shipped (~400 terms), for scale.
    let shipped = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/vigia.toml"))
        .expect("the shipped config loads");
    let shipped = Matcher::new(&shipped);
    group.bench_function(
        BenchmarkId::new("vigia", "news prose, shipped config"),
        |b| b.iter(|| matching(&shipped, &prose, &tags)),
    );
    // As the daemon does: with the explanation of every item that alerts
    // (nearly all of these; a small share of real feeds).
    group.bench_function(
        BenchmarkId::new("vigia + explanations", "news prose, 10k terms, 1k people"),
        |b| b.iter(|| alerting(&matcher, &prose, &tags)),
    );
    // The baseline is slow: measure it on a tenth of the items.
    let few = &items[..40];
    let regexes = baseline(&config);
    group.throughput(Throughput::Bytes(size(few) as u64));
    group.bench_function(
        BenchmarkId::new("regex per term", "10k terms, 1k people"),
        |b| {
            b.iter(|| {
                let mut hits = 0;
                for (title, body) in few {
                    for re in &regexes {
                        hits += usize::from(re.is_match(title) || re.is_match(body));
                    }
                }
                hits
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
