//! The `vigia` binary as operators run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{spawn_run, terminate, write_fast_config, Entry, FeedServer, Lines};

fn vigia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(args)
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("VIGIA_CONFIG")
        .output()
        .unwrap()
}

fn shipped_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/vigia.toml")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_contains_all(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "missing {e:?} in:\n{text}");
    }
}

fn replay_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/replay.xml")
}

/// `vigia replay FLAGS... replay.xml` on the shipped config.
fn replay(flags: &[&str]) -> Output {
    let config = shipped_config();
    let fixture = replay_fixture();
    let mut args = vec!["replay", "--config", config.to_str().unwrap()];
    args.extend_from_slice(flags);
    args.push(fixture.to_str().unwrap());
    vigia(&args)
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn check_passes_on_the_shipped_config() {
    let out = vigia(&["check", "--config", shipped_config().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(": ok: 19 sources"), "{stdout}");
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

/// Writes a config dir with `toml` as vigia.toml and the given extra files.
fn broken(toml: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let out = vigia(&["check", "--config", path.to_str().unwrap()]);
    (dir, out)
}

#[test]
fn check_reports_a_syntax_error_with_file_and_line() {
    let (_dir, out) = broken("[channels]\nalerts = -100\n\n[lists\nx = []\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("vigia.toml:4:"), "{err}");
}

#[test]
fn check_reports_every_error_with_its_line() {
    let toml = r#"[channels]
alerts = -100
bad = "not a chat"

[defaults]
interval = "ten minutes"

[lists]
detention = ["detenido"]
missing = "lists/missing.txt"

[names]
watch = "names.txt"

[[source]]
name = "S"
url = "ftp://example.org/feed"

[[rule]]
name = "r"
all = ["detention", "venezuela"]
channels = ["alerts", "nowhere"]

[[rule]]
name = "people"
names = ["watch"]
none_in_title = ["abroad"]
channels = ["alerts"]
"#;
    let (_dir, out) = broken(toml, &[("names.txt", "Nahuel Gallo\n\nBad | | alias\n")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_contains_all(
        &err,
        &[
            "vigia.toml:3: channel `bad` must be a numeric chat id",
            "vigia.toml:6: `defaults.interval` = \"ten minutes\" is not a duration",
            "vigia.toml:10: list `missing`: cannot read",
            "vigia.toml:17: source \"S\": url \"ftp://example.org/feed\" is neither an http(s) URL nor a file path",
            "vigia.toml:21: rule \"r\": `all` names a list \"venezuela\" that [lists] does not define",
            "vigia.toml:22: rule \"r\" sends to channel \"nowhere\", which [channels] does not define",
            "vigia.toml:27: rule \"people\": `none_in_title` names a list \"abroad\" that [lists] does not define",
            "names.txt:3: a person's line has an empty alias",
            "8 error(s)",
        ],
    );
}

#[test]
fn replay_json_prints_what_the_contract_says() {
    let fixture = replay_fixture();
    let out = replay(&["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let first = &lines[0];
    assert_eq!(first["input"], fixture.to_str().unwrap());
    assert_eq!(first["source"], fixture.to_str().unwrap());
    assert_eq!(first["id"], "https://elpitazo.net/?p=101");
    assert_eq!(
        first["title"],
        "Detienen en Caracas al activista Javier Tarazona"
    );
    assert_eq!(
        first["link"],
        "https://elpitazo.net/politica/detienen-tarazona/"
    );
    assert_eq!(first["published"], "2024-07-02T18:58:44+00:00");
    assert_eq!(first["alert"], true);
    assert_eq!(
        first["rules"],
        serde_json::json!([
            "detentions in Venezuela",
            "political detentions in Venezuela",
            "political detentions, no country named",
            "watched people"
        ])
    );
    assert_eq!(
        first["terms"],
        serde_json::json!(["detienen", "Caracas", "activist*"])
    );
    assert_eq!(first["names"], serde_json::json!(["Javier Tarazona"]));
    assert_eq!(
        lines[1]["title"],
        "Nahuel Gallo's family asks for proof of life"
    );
    assert_eq!(lines[1]["published"], serde_json::Value::Null);

    // --all adds the item that does not alert.
    let all = json_lines(&replay(&["--json", "--all"]));
    assert_eq!(all.len(), 3);
    assert_eq!(all.iter().filter(|l| l["alert"] == false).count(), 1);

    // --source treats the inputs as that source's: its name, and its tags
    // (El Pitazo is tagged `venezuela`, which one shipped rule requires).
    let tagged = json_lines(&replay(&["--json", "--source", "El Pitazo"]));
    assert_eq!(tagged[0]["source"], "El Pitazo");
    let rules = tagged[0]["rules"].as_array().unwrap();
    assert!(
        rules.contains(&serde_json::json!(
            "political detentions in Venezuelan media"
        )),
        "{rules:?}"
    );
    assert!(!first["rules"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(
            "political detentions in Venezuelan media"
        )));

    let out = replay(&["--json", "--source", "No such source"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no source named \"No such source\""),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn run_without_a_token_prints_alerts_and_stops_on_sigterm() {
    let feed = FeedServer::start(vec![Entry::caracas_arrest("a")]).await;
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::unused_addr().port();
    let path = write_fast_config(dir.path(), &feed.url, "http://127.0.0.1:9");
    let toml = std::fs::read_to_string(&path).unwrap().replace(
        "[store]",
        &format!("[http]\nlisten = \"127.0.0.1:{port}\"\n\n[store]"),
    );
    std::fs::write(&path, toml).unwrap();

    let mut child = spawn_run(&path, None, "info");
    let mut stdout = Lines::new(child.stdout.take().unwrap());
    let stderr_lines = Lines::new(child.stderr.take().unwrap());
    let alert = stdout.until("Detienen a periodista en Caracas").await;
    assert_eq!(alert.last().unwrap(), "🚨 Detienen a periodista en Caracas");

    let health =
        tokio::task::spawn_blocking(move || vigia(&["health", "--config", path.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(health.status.success(), "{}", stderr(&health));

    assert!(terminate(child).await.success());
    let err = stderr_lines.rest().await.join("\n");
    assert_eq!(
        err.matches("alerts are printed to standard output").count(),
        1,
        "{err}"
    );
    assert!(err.contains("vigia stopped"), "{err}");
}

#[tokio::test]
async fn the_bot_token_never_appears_in_logs() {
    let token = "987654:SECRET-token-that-must-not-leak";
    let feed = FeedServer::start(vec![Entry::caracas_arrest("a")]).await;
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens there: every send fails with a network error. The
    // request URL contains the token; teloxide strips URLs from its errors
    // and vigia redacts the token from every send error again. This checks
    // the whole run's output, at trace level, whoever does the stripping.
    let dead = crate::support::unused_addr();
    let path = write_fast_config(dir.path(), &feed.url, &format!("http://{dead}"));

    let mut child = spawn_run(&path, Some(token), "trace");
    let stdout = Lines::new(child.stdout.take().unwrap());
    let mut stderr_lines = Lines::new(child.stderr.take().unwrap());
    let mut log = stderr_lines.until("alert not delivered").await;
    // The commands' long polling fails the same way, and logs it too.
    let commands = "cannot register the bot's commands";
    if !log.iter().any(|l| l.contains(commands)) {
        log.extend(stderr_lines.until(commands).await);
    }
    assert!(terminate(child).await.success());
    log.extend(stderr_lines.rest().await);
    log.extend(stdout.rest().await);
    let all = log.join("\n");
    assert!(
        !all.contains(token) && !all.contains("SECRET-token"),
        "token leaked:\n{all}"
    );
}

#[test]
fn check_warns_about_terms_that_cannot_match_duplicates_redundant_terms_and_unused_lists() {
    let toml = r#"[channels]
alerts = -100

[lists]
detention = "detention.txt"
noise = ["DETENCION", "cardiac arrest"]
unused = ["x"]
bodies = ["Sebin"]
country = ["SEBIN", "Caracas"]

[[rule]]
name = "r"
all = ["detention"]
none = ["noise"]
channels = ["alerts"]

[[rule]]
name = "taken"
all = ["bodies"]
channels = ["alerts"]

[[rule]]
name = "in the country"
all = ["country"]
channels = ["alerts"]
"#;
    let (_dir, out) = broken(
        toml,
        &[(
            "detention.txt",
            "detención\n*\n¡!\ndetenido\ndetenido\ndetenid*\ndetenida*\narrest*\narrest\n",
        )],
    );
    assert!(
        out.status.success(),
        "warnings do not fail the check: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert_contains_all(
        &err,
        &[
            "detention.txt:2: term \"*\" has no letters or digits and can never match",
            "detention.txt:3: term \"¡!\" has no letters or digits and can never match",
            "detention.txt:5: term \"detenido\" is also earlier in the same list (",
            "detention.txt:4: term \"detenido\" is redundant: \"detenid*\" (line 6) already matches it",
            "detention.txt:7: term \"detenida*\" is redundant: \"detenid*\" (line 6) already matches it",
            "detention.txt:9: term \"arrest\" is redundant: \"arrest*\" (line 8) already matches it",
            "vigia.toml:6: term \"DETENCION\" is also in list `detention` (",
            "which rule \"r\" reads too",
            "vigia.toml:7: list `unused` is not used by any rule",
        ],
    );
    // Lists no rule reads together may share a term.
    assert!(!err.contains("\"SEBIN\" is also"), "{err}");
    // A stem covers only what starts with it, in its own list.
    for line in err.lines().filter(|l| l.contains("is redundant")) {
        assert!(
            line.contains("detention.txt:4:")
                || line.contains("detention.txt:5:")
                || line.contains("detention.txt:7:")
                || line.contains("detention.txt:9:"),
            "{err}"
        );
    }
}

#[test]
fn replay_shows_matches_highlighted_plain_when_piped() {
    let out = replay(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b'), "no colour codes when piped");
    assert!(
        text.contains("ALERT  [Detienen] en [Caracas] al [activista] [Javier Tarazona]\n"),
        "{text}"
    );
    assert!(text.contains("  names:     Javier Tarazona\n"), "{text}");
    assert!(
        text.contains("ALERT  [Nahuel Gallo]'s family asks for proof of life\n"),
        "{text}"
    );
    assert!(
        !text.contains("salsa"),
        "non-alerting items only with --all: {text}"
    );
}

#[tokio::test]
async fn send_test_reaches_every_channel_and_reports_telegrams_reason() {
    let bot = crate::support::FakeBot::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path =
        crate::support::write_config(dir.path(), "http://127.0.0.1:9/feed.xml", &bot.url, "");
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_vigia"))
                .args(&args)
                .env("TELEGRAM_BOT_TOKEN", crate::support::TOKEN)
                .output()
                .unwrap()
        })
    };
    let config = path.to_str().unwrap().to_string();
    let out = run(vec!["send-test".into(), "--config".into(), config.clone()])
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let chats: Vec<String> = bot.sent().into_iter().map(|s| s.chat).collect();
    assert_eq!(chats, vec!["-1001234567890", "@vigia_cases"]);
    assert!(bot.sent()[0]
        .text
        .starts_with("🚨 <b>Test alert: vigia can post to this channel</b>"));

    // Telegram refusing: non-zero exit, with its reason.
    bot.set_mode(crate::support::Mode::RetryAfterOnce(5));
    let args = vec![
        "send-test".into(),
        "--channel".into(),
        "cases".into(),
        "--config".into(),
        config.clone(),
    ];
    let out = run(args).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cases: failed: Telegram asked to wait 5s (429)"),
        "{}",
        stderr(&out)
    );

    let out = run(vec![
        "send-test".into(),
        "--channel".into(),
        "nope".into(),
        "--config".into(),
        config,
    ])
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_missing_token_file_stops_run_but_only_warns_in_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::write_config(
        dir.path(),
        "http://127.0.0.1:9/feed.xml",
        "http://127.0.0.1:9",
        "",
    );
    let missing = dir.path().join("secrets/telegram_token");
    let toml = std::fs::read_to_string(&path).unwrap().replace(
        "[telegram]\n",
        &format!("[telegram]\ntoken_file = {:?}\n", missing.to_str().unwrap()),
    );
    std::fs::write(&path, toml).unwrap();
    let config = path.to_str().unwrap();

    // Printing alerts instead of sending them would mark them delivered:
    // a configured token that cannot be read must stop the daemon.
    let out = vigia(&["run", "--config", config]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot read the bot token from") && err.contains("secrets/telegram_token"),
        "{err}"
    );

    let out = vigia(&["check", "--config", config]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: cannot read the bot token from"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn replay_shows_what_a_saved_page_or_channel_preview_yields_with_its_source_settings() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[channels]\nalerts = -100\n[lists]\nd = [\"detienen\"]\n\
                [[rule]]\nname = \"r\"\nany = [\"d\"]\nchannels = [\"alerts\"]\n\
                [[source]]\nname = \"ngo\"\nkind = \"page\"\nurl = \"https://observatorio.example/noticias/\"\n\
                item = \"article\"\ntitle = \".entry-title\"\nlink = \".entry-title a\"\ndate = \"time\"\nsummary = \".entry-summary\"\n\
                [[source]]\nname = \"canal\"\nkind = \"telegram-channel\"\nchannel = \"canalejemplo\"\n";
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, toml).unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let run = |source: &str, file: &str| {
        let out = vigia(&[
            "replay",
            "--config",
            path.to_str().unwrap(),
            "--source",
            source,
            "--all",
            "--json",
            fixtures.join(file).to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        json_lines(&out)
    };
    let page = run("ngo", "ngo-news.html");
    let titles: Vec<(&str, bool)> = page
        .iter()
        .map(|l| (l["title"].as_str().unwrap(), l["alert"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        titles,
        vec![
            ("Detienen a defensora de derechos humanos en Caracas", true),
            ("Excarcelan a dos sindicalistas en Guanare", false),
        ]
    );
    assert_eq!(
        page[0]["link"],
        "https://observatorio.example/2024/07/02/detienen-a-defensora-en-caracas/"
    );
    let channel = run("canal", "telegram-preview.html");
    assert_eq!(channel.len(), 2);
    assert_eq!(channel[1]["link"], "https://t.me/canalejemplo/1041");
    assert_eq!(channel[1]["alert"], true);
}

#[tokio::test]
async fn sighup_reloads_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fast_config(
        dir.path(),
        "http://127.0.0.1:9/feed.xml",
        "http://127.0.0.1:9",
    );
    let mut child = spawn_run(&path, None, "info");
    let mut err = Lines::new(child.stderr.take().unwrap());
    err.until("vigia started").await;
    let pid = child.id().unwrap().to_string();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(hup.success());
    let lines = err.until("config reloaded").await;
    assert!(lines.iter().any(|l| l.contains("SIGHUP")), "{lines:#?}");
    assert!(
        terminate(child).await.success(),
        "SIGHUP did not stop vigia"
    );
}

#[tokio::test]
async fn logs_are_json_lines_when_the_config_asks() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fast_config(
        dir.path(),
        "http://127.0.0.1:9/feed.xml",
        "http://127.0.0.1:9",
    );
    let toml = std::fs::read_to_string(&path).unwrap() + "\n[log]\nformat = \"json\"\n";
    std::fs::write(&path, toml).unwrap();
    let mut child = spawn_run(&path, None, "info");
    let mut err = Lines::new(child.stderr.take().unwrap());
    let lines = err.until("vigia started").await;
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
    }
    let started: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(started["message"], "vigia started");
    assert_eq!(started["level"], "INFO");
    assert_eq!(started["sources"], 1, "structured fields: {started}");
    assert!(terminate(child).await.success());
}

#[test]
fn replay_shows_which_reports_join_which_story() {
    let config = shipped_config();
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/replay-other.xml");
    let fixture = replay_fixture();
    let args = [
        "replay",
        "--config",
        config.to_str().unwrap(),
        "--json",
        fixture.to_str().unwrap(),
        other.to_str().unwrap(),
    ];
    let out = vigia(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let stories: Vec<(String, i64)> = json_lines(&out)
        .iter()
        .map(|l| {
            (
                l["title"].as_str().unwrap().to_string(),
                l["story"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stories,
        [
            (
                "Detienen en Caracas al activista Javier Tarazona".to_string(),
                1
            ),
            (
                "Nahuel Gallo's family asks for proof of life".to_string(),
                2
            ),
            (
                "Activista Javier Tarazona fue detenido en Caracas".to_string(),
                1
            ),
            (
                "Detienen en Maracaibo a dirigente sindical petrolero tras una protesta"
                    .to_string(),
                3
            ),
        ]
    );
    let human = vigia(
        &args[..args.len()]
            .iter()
            .copied()
            .filter(|a| *a != "--json")
            .collect::<Vec<_>>(),
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("story:     1, with \"Detienen en Caracas al activista Javier Tarazona\" (added to its alert)"),
        "{text}"
    );
}

#[test]
fn migrate_store_copies_a_sqlite_store_into_an_empty_postgres_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/vigia.db");
    {
        let store = vigia::store::Store::open(&path).unwrap();
        let item = crate::support::stored_report("k", &[]);
        store.record(&[item], chrono::Utc::now()).unwrap();
    }
    let config = dir.path().join("vigia.toml");
    let write = |store: &str| {
        std::fs::write(
            &config,
            format!(
                "[channels]\nalerts = -100\n[store]\n{store}\n[lists]\nd = [\"detenido\"]\n\
                 [[rule]]\nname = \"r\"\nany = [\"d\"]\nchannels = [\"alerts\"]\n"
            ),
        )
        .unwrap();
    };
    let migrate = || {
        Command::new(env!("CARGO_BIN_EXE_vigia"))
            .args(["migrate-store", "--config", config.to_str().unwrap()])
            .args(["--from", path.to_str().unwrap()])
            .env("VIGIA_STORE_PASSWORD", crate::support::postgres::PASSWORD)
            .output()
            .unwrap()
    };
    write("path = \"data/vigia.db\"");
    let out = migrate();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("sets no store.url"),
        "{}",
        stderr(&out)
    );

    let target = crate::support::postgres::database();
    write(&format!(
        "url = \"{}\"\nca_file = {:?}",
        target.url,
        crate::support::postgres::ca_file()
    ));
    let out = migrate();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}{stdout}", stderr(&out));
    assert_contains_all(
        &stdout,
        &["items: 1 rows", "item_keys: 1 rows", "→ postgres://"],
    );
    assert!(!stdout.contains(crate::support::postgres::PASSWORD));
    let again = migrate();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already holds 1 items"),
        "{}",
        stderr(&again)
    );
}
