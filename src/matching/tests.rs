use super::*;
use crate::config::Config;

/// A config with inline lists and a names file, all in a temp dir.
fn matcher(lists_and_rules: &str, names: &str) -> (tempfile::TempDir, Matcher) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("names.txt"), names).unwrap();
    let toml = format!(
        "[channels]\nalerts = -100\n[names]\nwatch = \"names.txt\"\n{lists_and_rules}\n\
         [[rule]]\nname = \"people\"\nnames = [\"watch\"]\nchannels = [\"alerts\"]\n"
    );
    let path = dir.path().join("vigia.toml");
    let config = Config::parse(&path, &toml).unwrap();
    let m = Matcher::new(&config);
    (dir, m)
}

/// An item with a title and a summary, from an untagged source.
fn check_fields(m: &Matcher, title: &str, summary: &str) -> Verdict {
    m.check(
        &ItemText {
            title,
            summary,
            ..Default::default()
        },
        &[],
    )
}

fn fired(m: &Matcher, title: &str, tags: &[&str]) -> Vec<String> {
    let tags: Vec<String> = tags.iter().map(|s| s.to_string()).collect();
    let v = m.check(
        &ItemText {
            title,
            ..Default::default()
        },
        &tags,
    );
    m.explain(&v).rules
}

const BASIC: &str = r#"
[lists]
detention = ["detenid*", "detención", "arrested", "preso político", "taken into custody"]
venezuela = ["Venezuela", "SEBIN", "Caracas"]
noise = ["cardiac arrest"]
[[rule]]
name = "det"
all = ["detention", "venezuela"]
none = ["noise"]
channels = ["alerts"]
"#;

#[test]
fn terms_match_case_and_accent_insensitively_on_whole_words() {
    let (_d, m) = matcher(BASIC, "");
    let cases = [
        ("DETENCION arbitraria en Caracas", true),
        ("Detención en CARACAS", true),
        ("detenidas tres activistas en Venezuela", true),
        ("El SEBIN expresó que no hay presos", false), // preso ≠ expresó, presos ≠ preso político
        ("Preso  político\ntrasladado desde Caracas", true), // multi-word across whitespace
        ("preso-político en Caracas", true),           // and across punctuation
        ("arrestable offence in Venezuela", false),    // whole words only
        ("Venezuelan arrested", false),                // Venezuela ≠ Venezuelan
        ("Taken into custody by SEBIN", true),
        ("detenido en Bogotá", false), // needs both lists
    ];
    for (title, expect) in cases {
        assert_eq!(!fired(&m, title, &[]).is_empty(), expect, "{title}");
    }
}

#[test]
fn stems_match_word_endings_but_not_inside_words() {
    let (_d, m) = matcher(BASIC, "");
    assert_eq!(fired(&m, "detenido en Caracas", &[]), vec!["det"]);
    assert_eq!(fired(&m, "detenid en Caracas", &[]), vec!["det"]);
    assert!(fired(&m, "predetenido en Caracas", &[]).is_empty());
}

#[test]
fn none_vetoes_and_tags_restrict() {
    let toml = format!(
        "{BASIC}\n[[rule]]\nname = \"tagged\"\ntags = [\"vz\"]\nall = [\"detention\"]\nchannels = [\"alerts\"]\n"
    );
    let (_d, m) = matcher(&toml, "");
    assert!(fired(&m, "Cardiac arrest: arrested man in Caracas", &[]).is_empty());
    assert_eq!(fired(&m, "Periodista detenida", &["vz"]), vec!["tagged"]);
    assert!(fired(&m, "Periodista detenida", &["other"]).is_empty());
}

#[test]
fn none_in_title_vetoes_from_the_title_only() {
    let toml = r#"
[lists]
detention = ["detenido"]
elsewhere = ["Colombia"]
[[rule]]
name = "det"
all = ["detention"]
none_in_title = ["elsewhere"]
channels = ["alerts"]
"#;
    let (_d, m) = matcher(toml, "");
    let check = |title, summary| check_fields(&m, title, summary);
    // A country the person came from, named in the summary: no veto.
    assert!(check("Activista detenido en la frontera", "Volvía de Colombia.").alerts());
    // Named in the title: vetoed, and `why` says where.
    let v = check("Activista detenido en Colombia", "");
    assert!(!v.alerts());
    let item = ItemText {
        title: "Activista detenido en Colombia",
        ..ItemText::default()
    };
    let why = m.why(&item, &v, &[], None);
    let det = why.rules.iter().find(|r| r.rule == "det").unwrap();
    assert_eq!(
        det.lacks,
        vec!["is vetoed by list `elsewhere` in its title (Colombia)"]
    );
}

#[test]
fn a_number_word_in_a_term_matches_any_number() {
    let toml = r#"
[lists]
detention = ["gets <n> years"]
[[rule]]
name = "sentences"
all = ["detention"]
channels = ["alerts"]
"#;
    let (_d, m) = matcher(toml, "");
    assert_eq!(fired(&m, "Reporter gets 7 years", &[]), vec!["sentences"]);
    assert_eq!(
        fired(&m, "Reporter gets seven years", &[]),
        vec!["sentences"]
    );
    assert!(fired(&m, "Reporter gets more years", &[]).is_empty());
}

/// A rule "near": "detenido" and "Caracas" within `near` words.
fn near_matcher(near: usize) -> (tempfile::TempDir, Matcher) {
    let toml = format!(
        "[lists]\na = [\"detenido\"]\nb = [\"Caracas\"]\n\
         [[rule]]\nname = \"near\"\nall = [\"a\", \"b\"]\nnear = {near}\nchannels = [\"alerts\"]\n"
    );
    matcher(&toml, "")
}

#[test]
fn near_counts_words_between_all_matches() {
    let (_d, m) = near_matcher(3);
    assert_eq!(fired(&m, "detenido ayer en Caracas", &[]), vec!["near"]);
    assert!(fired(&m, "detenido ayer por la tarde en Caracas", &[]).is_empty());
    // the nearest pair counts, wherever the others are
    assert_eq!(
        fired(
            &m,
            "Caracas uno dos tres cuatro cinco detenido en Caracas",
            &[]
        ),
        vec!["near"]
    );
    // and across title and summary, counted in reading order
    assert!(check_fields(&m, "Un detenido", "en Caracas hoy").alerts());
}

#[test]
fn a_multi_word_term_never_spans_two_fields() {
    let (_d, m) = matcher(BASIC, "");
    let check = |title, summary| {
        check_fields(&m, title, summary)
            .terms()
            .map(|((l, t), hit)| (m.terms[l][t].clone(), hit.field, hit.span.clone()))
            .collect::<Vec<_>>()
    };
    // "Taken into custody" is one term: cut between title and summary it
    // is not there; whole in the summary it is, with the summary's span.
    assert!(check("Taken into", "custody in Caracas")
        .iter()
        .all(|(term, _, _)| term != "taken into custody"));
    let found = check("Caracas:", "taken into custody");
    assert!(
        found.contains(&("taken into custody".to_string(), Field::Summary, 0..18)),
        "{found:?}"
    );
}

#[test]
fn a_huge_item_is_matched_and_its_buffers_are_not_kept() {
    // A match in nearly every word, and a rule that counts words.
    let (_d, m) = near_matcher(2);
    let huge = "detenido de relleno ".repeat(100_000) + "detenido en Caracas";
    assert_eq!(fired(&m, &huge, &[]), vec!["near"]);
    super::SCRATCH.with_borrow(|scratch| assert!(scratch.bytes() <= super::KEEP_BYTES));
    // The next item is matched as ever.
    assert_eq!(fired(&m, "detenido en Caracas", &[]), vec!["near"]);
    assert!(fired(&m, "detenido de relleno en Caracas", &[]).is_empty());
}

#[test]
fn every_kind_of_rule_is_decided_from_what_was_found() {
    // Rules are looked at only when a list or names file they name was hit:
    // one that needs `any`, one that needs `all` (hit by its second list
    // alone, or by both), one that needs both (looked at when only its `all`
    // list is hit), one that needs `names` (alone, or with a list), one that
    // a `none` list vetoes.
    let toml = r#"
[lists]
a = ["alfa"]
b = ["bravo"]
c = ["charlie"]
[[rule]]
name = "any"
any = ["c"]
channels = ["alerts"]
[[rule]]
name = "all"
all = ["a", "b"]
none = ["c"]
channels = ["alerts"]
[[rule]]
name = "all and any"
all = ["a"]
any = ["b", "c"]
channels = ["alerts"]
[[rule]]
name = "a and a person"
all = ["a"]
names = ["watch"]
channels = ["alerts"]
"#;
    let (_d, m) = matcher(toml, "Nahuel Gallo\n");
    assert_eq!(fired(&m, "charlie", &[]), vec!["any"]);
    assert!(fired(&m, "bravo", &[]).is_empty());
    assert!(fired(&m, "alfa", &[]).is_empty());
    assert_eq!(fired(&m, "alfa bravo", &[]), vec!["all", "all and any"]);
    assert_eq!(fired(&m, "alfa charlie", &[]), vec!["any", "all and any"]);
    assert_eq!(
        fired(&m, "alfa bravo charlie", &[]),
        vec!["any", "all and any"]
    );
    assert_eq!(fired(&m, "Nahuel Gallo", &[]), vec!["people"]);
    assert_eq!(
        fired(&m, "alfa bravo, dijo Nahuel Gallo", &[]),
        vec!["all", "all and any", "a and a person", "people"]
    );
}

#[test]
fn names_match_press_forms_but_never_a_lone_surname() {
    let names = "Nahuel Agustín Gallo\nMatthew Heath\nRocío del Carmen San Miguel Sosa\n";
    let (_d, m) = matcher("", names);
    let yes = [
        "Nahuel Gallo sigue detenido",
        "GALLO, NAHUEL: un año",
        "Matthew Heath's family",
        "Liberan a Rocio San Miguel",
        "San Miguel, Rocío: excarcelada",
        "nahuel agustin gallo",
    ];
    for t in yes {
        assert_eq!(fired(&m, t, &[]), vec!["people"], "{t}");
    }
    let no = [
        "Gallo scores twice",
        "Heath Ledger retrospective",
        "Feria de San Miguel",
        "Nahuel Molina y Gallo",
        "Matthew Perry",
    ];
    for t in no {
        assert!(fired(&m, t, &[]).is_empty(), "{t}");
    }
}

#[test]
fn explanation_names_rules_terms_people_and_spans() {
    let (_d, m) = matcher(BASIC, "Nahuel Gallo\n");
    let title = "¡Detenido en Caracas el gendarme Nahuel Gallo!";
    let v = m.check(
        &ItemText {
            title,
            ..Default::default()
        },
        &[],
    );
    let e = m.explain(&v);
    assert_eq!(e.rules, vec!["det", "people"]);
    assert_eq!(e.terms, vec!["detenid*", "Caracas"]);
    assert_eq!(e.names, vec!["Nahuel Gallo"]);
    assert_eq!(e.channels, vec!["alerts"]);
    let shown: Vec<&str> = m
        .highlights(&v)
        .into_iter()
        .map(|(_, s)| &title[s])
        .collect();
    assert_eq!(shown, vec!["Detenido", "Caracas", "Nahuel Gallo"]);
}

#[test]
fn a_term_inside_a_longer_term_matches_only_at_a_word_start() {
    // The automaton walks from word starts; a state reached by "bogota" also
    // lists "gota" and "ota" (its suffixes), which must not count there.
    let (_d, m) = matcher(
        r#"
[lists]
city = ["Bogotá", "gota", "ota*", "presos políticos", "políticos", "tic*"]
[[rule]]
name = "city"
any = ["city"]
channels = ["alerts"]
"#,
        "",
    );
    let terms = |title: &str| {
        let v = m.check(
            &ItemText {
                title,
                ..Default::default()
            },
            &[],
        );
        let mut t: Vec<String> = v.terms().map(|((l, t), _)| m.terms[l][t].clone()).collect();
        t.sort();
        t.dedup();
        t
    };
    assert_eq!(terms("Desde Bogotá"), ["Bogotá"]);
    assert_eq!(terms("una gota"), ["gota"]);
    assert_eq!(terms("otalgia en Bogotá"), ["Bogotá", "ota*"]);
    assert_eq!(terms("presos políticos"), ["políticos", "presos políticos"]);
    assert!(terms("políticamente").is_empty());
}

mod properties {
    use super::*;
    use crate::text::normalize::normalize;
    use proptest::prelude::*;

    /// Words that fold alike in pairs, prefix one another and share
    /// prefixes, so stems, accents (composed or not) and multi-word overlaps
    /// all happen, with digits, other alphabets (read by the automaton as
    /// several symbols a byte) and a combining mark with no letter before it.
    const VOCAB: &[&str] = &[
        "preso",
        "Presos",
        "político",
        "POLITICO",
        "detenido",
        "detenid",
        "de",
        "del",
        "a",
        "São",
        "sao",
        "paulo",
        "Bogotá",
        "Bogota\u{301}",
        "gota",
        "ota",
        "ñandú",
        "nandu",
        "x",
        "28J",
        "2024",
        "20",
        "Москва",
        "москв",
        "Ωμέγα",
    ];
    const GLUE: &[&str] = &[
        " ", "  ", ", ", "\n", "—", "-", "'", "🕊️ ", ". ", "«", " \u{301}",
    ];

    /// Up to three vocabulary words, maybe a stem.
    fn term() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(prop::sample::select(VOCAB), 1..=3),
            any::<bool>(),
        )
            .prop_map(|(words, stem)| {
                let mut t = words.join(" ");
                if stem {
                    t.push('*');
                }
                t
            })
    }

    fn text(words: Range<usize>) -> impl Strategy<Value = String> {
        prop::collection::vec(
            (prop::sample::select(VOCAB), prop::sample::select(GLUE)),
            words,
        )
        .prop_map(|parts| parts.into_iter().map(|(w, g)| format!("{w}{g}")).collect())
    }

    /// Every (term, first word, original span) found by comparing folded
    /// words one by one: the obvious way, to check the automaton against.
    fn found_slowly(terms: &[String], text: &str) -> Vec<(usize, usize, Range<usize>)> {
        let n = normalize(text);
        let words: Vec<&str> = n.words.iter().map(|w| &n.text[w.folded.clone()]).collect();
        let mut out = Vec::new();
        for (t, term) in terms.iter().enumerate() {
            let stem = term.ends_with('*');
            let folded = fold(term.trim_end_matches('*'));
            let want: Vec<&str> = folded.split(' ').collect();
            for p in 0..words.len() {
                let Some(have) = words.get(p..p + want.len()) else {
                    break;
                };
                let last = want.len() - 1;
                let matches = have[..last] == want[..last]
                    && match stem {
                        true => have[last].starts_with(want[last]),
                        false => have[last] == want[last],
                    };
                if matches {
                    let span = n.words[p].original.start..n.words[p + last].original.end;
                    out.push((t, p, span));
                }
            }
        }
        out.sort_by_key(|(t, p, s)| (*t, *p, s.start, s.end));
        out.dedup();
        out
    }

    /// Terms as the items of a TOML array.
    fn toml_list(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| toml::Value::String(t.clone()).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Checks the automaton against word-by-word comparison on one text.
    fn agrees_with_slow_comparison(terms: &[String], text: &str) -> Result<(), TestCaseError> {
        let list = toml_list(terms);
        let toml = format!(
            "[lists]\nterms = [{list}]\n[[rule]]\nname = \"any\"\nany = [\"terms\"]\nchannels = [\"alerts\"]\n"
        );
        let (_d, m) = matcher(&toml, "");
        let v = m.check(
            &ItemText {
                summary: text,
                ..Default::default()
            },
            &[],
        );
        // Spans stand for positions: each names its words in the text.
        let found: Vec<(usize, Range<usize>)> = v
            .terms()
            .map(|((_, t), hit)| (t, hit.span.clone()))
            .collect();
        // Each match once (a long item's parts overlap, and a match in
        // the overlap is kept by one part only), in the order found: by
        // where each ends.
        let mut once = std::collections::HashSet::new();
        for (t, span) in &found {
            prop_assert!(once.insert((*t, span.clone())), "{} at {:?} twice", t, span);
        }
        prop_assert!(
            found.windows(2).all(|w| w[0].1.end <= w[1].1.end),
            "out of order: {:?}",
            found
        );
        let slowly = found_slowly(terms, text)
            .into_iter()
            .map(|(t, _, span)| (t, span))
            .collect();
        // A term listed twice is one term to the config: compare texts.
        let texts = |hits: Vec<(usize, Range<usize>)>| -> Vec<(String, usize, usize)> {
            let mut out: Vec<_> = hits
                .into_iter()
                .map(|(t, s)| (terms[t].clone(), s.start, s.end))
                .collect();
            out.sort();
            out.dedup();
            out
        };
        prop_assert_eq!(texts(found), texts(slowly));
        prop_assert_eq!(v.alerts(), !found_slowly(terms, text).is_empty());
        Ok(())
    }

    /// Checks a `near` rule against counting words between hits slowly.
    fn near_agrees_with_counting_words(
        a: &[String],
        b: &[String],
        near: usize,
        text: &str,
    ) -> Result<(), TestCaseError> {
        let toml = format!(
            "[lists]\na = [{}]\nb = [{}]\n[[rule]]\nname = \"near\"\nall = [\"a\", \"b\"]\nnear = {near}\nchannels = [\"alerts\"]\n",
            toml_list(a),
            toml_list(b)
        );
        let (_d, m) = matcher(&toml, "");
        let fired = m
            .check(
                &ItemText {
                    summary: text,
                    ..Default::default()
                },
                &[],
            )
            .alerts();
        let (in_a, in_b) = (found_slowly(a, text), found_slowly(b, text));
        let slowly = in_a
            .iter()
            .any(|(_, pa, _)| in_b.iter().any(|(_, pb, _)| pa.abs_diff(*pb) <= near));
        prop_assert_eq!(fired, slowly);
        Ok(())
    }

    proptest! {
        #[test]
        fn near_fires_where_counting_words_says(
            a in prop::collection::vec(term(), 1..4),
            b in prop::collection::vec(term(), 1..4),
            near in 1usize..6,
            text in text(0..40),
        ) {
            near_agrees_with_counting_words(&a, &b, near, &text)?;
        }

        #[test]
        fn the_automaton_finds_what_word_by_word_comparison_finds(
            terms in prop::collection::vec(term(), 1..8),
            text in text(0..24),
        ) {
            agrees_with_slow_comparison(&terms, &text)?;
        }

        /// Items long enough to be walked as several streams side by side.
        #[test]
        fn long_items_walked_in_parts_find_what_comparison_finds(
            terms in prop::collection::vec(term(), 1..8),
            text in text(300..700),
        ) {
            agrees_with_slow_comparison(&terms, &text)?;
        }
    }
}

#[test]
fn function_words_tell_a_headline_s_language() {
    let lang = |title: &str, summary: &str| {
        language(&ItemText {
            title,
            summary,
            content: "",
        })
    };
    assert_eq!(
        lang(
            "Venezuelan police seize protest organisers in Valencia",
            "Three were taken."
        ),
        Some(Lang::En)
    );
    assert_eq!(
        lang(
            "Detienen a la periodista en Caracas tras la protesta",
            "Fue llevada por el Sebin."
        ),
        Some(Lang::Es)
    );
    assert_eq!(
        lang(
            "Jornalista é presa em Caracas após protesto",
            "Ela foi levada pelo Sebin."
        ),
        Some(Lang::Pt)
    );
}

/// The learned rule fires on what reads like the alert examples, only when
/// no list rule did, and is scored only then.
/// A matcher with list `d` ("detienen"), the `rules` given and these
/// (title, label) examples in `[learned]`.
fn learned_matcher(examples: &[(&str, &str)], rules: &str) -> (tempfile::TempDir, Matcher) {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = examples
        .iter()
        .map(|(title, label)| format!("{{\"title\": {title:?}, \"label\": \"{label}\"}}\n"))
        .collect();
    std::fs::write(dir.path().join("examples.jsonl"), lines).unwrap();
    let toml = format!(
        "[channels]\nalerts = -100\n[lists]\nd = [\"detienen\"]\nc = [\"agentes\"]\n\
         [learned]\nexamples = \"examples.jsonl\"\n{rules}"
    );
    let config = Config::parse(&dir.path().join("vigia.toml"), &toml).unwrap();
    let m = Matcher::new(&config);
    (dir, m)
}

#[test]
fn the_learned_rule_catches_what_the_lists_miss_and_only_that() {
    let (_dir, m) = learned_matcher(
        &[
            ("Detienen a periodista en Caracas", "alert"),
            ("Se llevan a dirigente sindical en Maracay", "alert"),
            ("Se llevan a activista de su casa en Mérida", "alert"),
            ("Sube el precio del pan en Caracas", "ignore"),
            ("Lluvias en Mérida dejan calles anegadas", "ignore"),
            ("Maracay celebra su feria del libro", "ignore"),
        ],
        "[[rule]]\nname = \"listed\"\nall = [\"d\"]\nchannels = [\"alerts\"]\n\
         [[rule]]\nname = \"learned\"\nlearned = true\nchannels = [\"alerts\"]\n",
    );
    let names =
        |v: &Verdict| -> Vec<&str> { v.rules.iter().map(|&r| m.rules[r].name.as_str()).collect() };
    // Worded as no list has it.
    let v = check_fields(&m, "Se llevan a dirigente vecinal en Mérida", "");
    assert_eq!(names(&v), ["learned"]);
    assert!(v.learned.unwrap() > 0.0);
    // A list rule fired: the model is not asked.
    let v = check_fields(&m, "Detienen a dirigente vecinal en Mérida", "");
    assert_eq!(names(&v), ["listed"]);
    assert_eq!(v.learned, None);
    // Reads like the ignored examples.
    let v = check_fields(&m, "Sube el precio de la harina en Mérida", "");
    assert!(names(&v).is_empty());
    assert!(v.learned.unwrap() < 0.0);
    // `why` says how it read, and how to teach it otherwise.
    let item = ItemText {
        title: "Sube el precio de la harina en Mérida",
        ..ItemText::default()
    };
    let text = m.why(&item, &v, &[], None).render();
    assert!(
        text.contains("learned: reads more like the examples labelled \"ignore\""),
        "{text}"
    );
    assert!(text.contains("toward none: merida, en merida"), "{text}");
    assert!(
        text.contains(
            r#"{"title":"Sube el precio de la harina en Mérida","summary":"","label":"alert"}"#
        ),
        "{text}"
    );
}

/// `why` offers an example line only where an example could change the
/// answer: not for an item a learned rule's lists keep it from.
#[test]
fn why_says_when_no_example_would_make_an_item_alert() {
    let (_dir, m) = learned_matcher(
        &[
            ("Se llevan a dirigente sindical en Maracay", "alert"),
            ("Se llevan a activista de su casa en Mérida", "alert"),
            ("Sube el precio del pan en Caracas", "ignore"),
            ("Sube la gasolina en Mérida", "ignore"),
        ],
        "[[rule]]\nname = \"learned\"\nlearned = true\nany = [\"d\"]\nchannels = [\"alerts\"]\n",
    );
    let why = |title: &'static str| {
        let item = ItemText {
            title,
            ..ItemText::default()
        };
        m.why(&item, &m.check(&item, &[]), &[], None).render()
    };
    let text = why("Se llevan a dirigente vecinal en Mérida");
    assert!(
        text.contains(
            "No example would make it alert: the learned rule \"learned\" also needs a term of any of `d`."
        ),
        "{text}"
    );
    assert!(!text.contains("teach vigia"), "{text}");
    // With the term, the model decides, and an example could change that.
    let text = why("Detienen y suben el precio en Mérida");
    assert!(text.contains("teach vigia"), "{text}");
}

/// With two learned rules, `why` names the one closest to firing and what
/// it lacks, wherever it stands in the config.
#[test]
fn why_names_the_learned_rule_closest_to_firing() {
    let (_dir, m) = learned_matcher(
        &[
            ("Se llevan a dirigente sindical en Maracay", "alert"),
            ("Se llevan a activista de su casa en Mérida", "alert"),
            ("Sube el precio del pan en Caracas", "ignore"),
            ("Sube la gasolina en Mérida", "ignore"),
        ],
        "[[rule]]\nname = \"reads\"\nlearned = true\nany = [\"d\"]\nchannels = [\"alerts\"]\n\
         [[rule]]\nname = \"taken\"\nlearned = true\nall = [\"c\", \"d\"]\nchannels = [\"alerts\"]\n",
    );
    let item = ItemText {
        title: "Se llevan a dirigente vecinal en Mérida",
        ..ItemText::default()
    };
    let text = m.why(&item, &m.check(&item, &[]), &[], None).render();
    assert!(
        text.contains(
            "No example would make it alert: the learned rule \"reads\" also needs a term of any of `d`."
        ),
        "{text}"
    );
}
