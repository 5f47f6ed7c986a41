//! `vigia why` and `/why`: which lists and names an item matched, and which
//! rule came closest and what it lacked, for a file, a URL and a stored link.

use vigia::config::{Config, Secret};
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{rss, write_config, Entry, FakeBot, FeedServer, TOKEN};

fn why(config: &std::path::Path, input: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["why", "--config", config.to_str().unwrap(), input])
        .env_remove("TELEGRAM_BOT_TOKEN")
        .output()
        .unwrap()
}

fn missed() -> Entry {
    // A detention with no Venezuela context: the closest rule lacks it.
    Entry::new(
        "m",
        "Detienen a periodista en su casa",
        "",
        chrono::Duration::minutes(5),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why_explains_a_file_a_url_and_a_stored_link() {
    let feed = FeedServer::start(vec![
        missed(),
        Entry::new(
            "a",
            "Detienen a periodista en Caracas",
            "",
            chrono::Duration::minutes(4),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &feed.url, "http://127.0.0.1:9", "");

    // A file.
    let file = dir.path().join("saved.xml");
    std::fs::write(&file, rss("http://x", &[missed()])).unwrap();
    let out = why(&config, file.to_str().unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Would not alert."), "{text}");
    assert!(
        text.contains("Closest rule: detentions in Venezuela: it needs a term of list `venezuela`"),
        "{text}"
    );
    assert!(text.contains("  detention: detienen"), "{text}");
    assert!(text.contains("  names watch: no one"), "{text}");
    assert!(text.contains("Language: es."), "{text}");

    // A URL: both items, one alerting.
    let out = why(&config, &feed.url);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Would alert: detentions in Venezuela."),
        "{text}"
    );
    assert!(text.contains("Would not alert."), "{text}");

    // A stored item's link, after the daemon has polled it.
    let loaded = Config::load(&config).unwrap();
    let running = daemon::start(&loaded, Sink::Stdout).await.unwrap();
    running.handle.poll_now().await;
    running.handle.delivered().await;
    running.shutdown().await;
    let link = format!("{}/news/a", feed.url.trim_end_matches("/feed.xml"));
    let out = why(&config, &link);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("(stored: from Test feed"), "{text}");
    assert!(
        text.contains("Would alert: detentions in Venezuela."),
        "{text}"
    );

    // A link never seen, that cannot be fetched: a clear answer.
    let out = why(&config, "http://127.0.0.1:9/never-seen");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a stored item's link"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_asks_why_in_telegram() {
    let bot = FakeBot::start().await;
    let feed = FeedServer::start(vec![missed()]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &feed.url, &bot.url, "");
    let toml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("[telegram]\n", "[telegram]\nadmins = [42]\n");
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    running.handle.poll_now().await;
    let link = format!("{}/news/m", feed.url.trim_end_matches("/feed.xml"));
    bot.wait_for("the commands registered", |st| st.commands.is_some())
        .await;
    bot.message_from(42, &format!("/why {link}"));
    bot.message_from(42, "/why http://127.0.0.1:9/never-seen");
    bot.wait_for("two answers", |st| {
        st.sent.iter().filter(|s| s.chat == "42").count() == 2
    })
    .await;
    let answers = bot.texts_to("42");
    assert!(
        answers[0]
            .contains("Closest rule: detentions in Venezuela: it needs a term of list `venezuela`"),
        "{}",
        answers[0]
    );
    assert!(
        answers[1].contains("not the link of a report vigia has stored"),
        "{}",
        answers[1]
    );
    running.shutdown().await;
}

/// A term under `[pt]` counts only for Portuguese items: detected from the
/// text, or given by the source's `lang`.
#[test]
fn a_term_scoped_to_portuguese_never_fires_on_an_english_item() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.txt"), "[pt]\npreso\n[all]\ndetained\n").unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(
        &path,
        "[channels]\na = -100\n[lists]\nd = \"d.txt\"\nv = [\"Venezuela\"]\n\
         [[rule]]\nname = \"r\"\nall = [\"d\", \"v\"]\nchannels = [\"a\"]\n\
         [[source]]\nname = \"br\"\nurl = \"https://example.org/feed\"\nlang = \"pt\"\n",
    )
    .unwrap();
    let config = Config::load(&path).unwrap();
    let matcher = vigia::matching::Matcher::new(&config);
    let text = |title: &'static str| vigia::matching::ItemText {
        title,
        summary: "",
        content: "",
    };
    let fires = |title: &'static str, lang| matcher.check_in(&text(title), &[], lang).alerts();
    let en = "Preso Ortega's shop in Venezuela reopens after the holidays";
    let pt = "O jornalista foi preso na Venezuela depois de uma reportagem sobre a situação dos hospitais";
    let detect = vigia::matching::language;
    assert_eq!(detect(&text(en)), Some(vigia::config::Lang::En));
    assert_eq!(detect(&text(pt)), Some(vigia::config::Lang::Pt));
    assert!(
        !fires(en, detect(&text(en))),
        "a Portuguese term on an English item"
    );
    assert!(fires(pt, detect(&text(pt))));
    assert!(
        fires("Preso in Venezuela", config.source("br").unwrap().lang),
        "the source's lang wins"
    );
    assert!(
        fires(en, None),
        "an item of unknown language gets every term"
    );
    assert!(fires(
        "Three detained in Venezuela",
        Some(vigia::config::Lang::En)
    ));

    std::fs::write(dir.path().join("d.txt"), "[fr]\npreso\n").unwrap();
    let err = Config::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("d.txt:1: unknown language header [fr]"),
        "{err}"
    );
}

/// `detener+` under `[es]` matches the verb's forms as an item writes them
/// (persons, tenses, participles, the irregular preterite), only in Spanish
/// items; a `+` term without a language is refused with its file and line.
#[test]
fn a_word_with_a_plus_matches_its_forms_in_its_language() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("d.txt"),
        "# forms\n[es]\ndetener+\n[en]\ntake+ into custody\n[all]\n",
    )
    .unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(
        &path,
        "[channels]\na = -100\n[lists]\nd = \"d.txt\"\nv = [\"Venezuela\"]\n\
         [[rule]]\nname = \"r\"\nall = [\"d\", \"v\"]\nchannels = [\"a\"]\n",
    )
    .unwrap();
    let config = Config::load(&path).unwrap();
    let matcher = vigia::matching::Matcher::new(&config);
    let es = Some(vigia::config::Lang::Es);
    let en = Some(vigia::config::Lang::En);
    let check = |title: &'static str, lang| {
        let item = vigia::matching::ItemText {
            title,
            summary: "",
            content: "",
        };
        matcher.check_in(&item, &[], lang)
    };
    // Each title, the form as it wrote it, and the terms in reading order.
    let venezuela_first = ["Venezuela", "detener+"];
    let detener_first = ["detener+", "Venezuela"];
    for (title, form, terms) in [
        (
            "Detuvieron a dos periodistas en Venezuela",
            "Detuvieron",
            detener_first,
        ),
        (
            "La GNB detiene a un dirigente en Venezuela",
            "detiene",
            detener_first,
        ),
        (
            "Venezuela: estudiantes detenidas tras la marcha",
            "detenidas",
            venezuela_first,
        ),
        (
            "DETENDRÁN A LOS MANIFESTANTES EN VENEZUELA",
            "DETENDRÁN",
            detener_first,
        ),
    ] {
        let verdict = check(title, es);
        assert!(verdict.alerts(), "{title}");
        // Highlighted as the item wrote it; named as the list wrote it.
        let words: Vec<&str> = matcher
            .highlights(&verdict)
            .into_iter()
            .map(|(_, span)| &title[span])
            .collect();
        assert!(words.contains(&form), "{title}: {words:?}");
        assert_eq!(matcher.explain(&verdict).terms, terms, "{title}");
    }
    assert!(!check("Detuvieron a dos periodistas en Venezuela", en).alerts());
    assert!(check("Three activists taken into custody in Venezuela", en).alerts());
    assert!(!check("Venezuela detenerse", es).alerts(), "not a form");

    std::fs::write(dir.path().join("d.txt"), "\ndetener+\n").unwrap();
    let err = Config::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("d.txt:2: term \"detener+\": a `word+` term needs a language"),
        "{err}"
    );
}
