//! The container deploy as the image and compose file set it up: the
//! shipped config, the token from a secret file named by
//! `TELEGRAM_BOT_TOKEN_FILE`, the listen address from `VIGIA_HTTP_LISTEN`;
//! and no alert lost for want of a token.

use std::path::{Path, PathBuf};

use vigia::config::{Config, Secret};
use vigia::daemon;
use vigia::delivery::Sink;

use crate::support::{terminate, unused_addr, Entry, FakeBot, FeedServer, Lines, TOKEN};

const ALERTS: &str = "-1001234567890";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The `ENV` values the Dockerfile sets.
fn image_env() -> Vec<(String, String)> {
    let dockerfile = std::fs::read_to_string(repo("Dockerfile")).unwrap();
    dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("ENV "))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The shipped `config/` in `dir/config`, every source pointed at `feed`
/// (as a plain feed) so that nothing leaves the machine.
fn shipped_config_polling(dir: &Path, feed: &str) -> PathBuf {
    copy_dir(&repo("config"), &dir.join("config"));
    let path = dir.join("config/vigia.toml");
    let mut doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    for source in doc["source"].as_array_mut().unwrap() {
        let source = source.as_table_mut().unwrap();
        source.retain(|k, _| matches!(k, "name" | "tags" | "interval"));
        source.insert("kind".into(), "feed".into());
        source.insert("url".into(), feed.into());
    }
    std::fs::write(&path, toml::to_string(&doc).unwrap()).unwrap();
    path
}

/// A feed with one detention report, and the shipped config polling it
/// from every source, in a new folder.
async fn one_report_on_the_shipped_config() -> (FeedServer, tempfile::TempDir, PathBuf) {
    let feed = FeedServer::start(vec![Entry::new(
        "a",
        "Detienen al periodista Juan Pérez en Caracas",
        "Funcionarios del SEBIN lo detuvieron en su casa, denunció Foro Penal.",
        chrono::Duration::minutes(5),
    )])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = shipped_config_polling(dir.path(), &feed.url);
    (feed, dir, config)
}

/// `vigia health`, as the container's health check runs it.
async fn assert_healthy(config: &Path, listen: std::net::SocketAddr) {
    let health = tokio::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("health")
        .env("VIGIA_CONFIG", config)
        .env("VIGIA_HTTP_LISTEN", listen.to_string())
        .output()
        .await
        .unwrap();
    assert!(
        health.status.success(),
        "{}",
        String::from_utf8_lossy(&health.stderr)
    );
}

#[test]
fn the_image_compose_and_shipped_config_agree() {
    let env = image_env();
    let get = |k: &str| {
        env.iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("the Dockerfile sets no {k}"))
    };
    assert_eq!(get("VIGIA_CONFIG"), "/config/vigia.toml");
    assert_eq!(get("VIGIA_HTTP_LISTEN"), "0.0.0.0:9187");
    assert_eq!(
        get("TELEGRAM_BOT_TOKEN_FILE"),
        "/run/secrets/telegram_token"
    );
    let dockerfile = std::fs::read_to_string(repo("Dockerfile")).unwrap();
    assert!(dockerfile.contains("EXPOSE 9187"), "{dockerfile}");
    let compose = std::fs::read_to_string(repo("docker-compose.yml")).unwrap();
    assert!(
        compose.contains(":9187\""),
        "compose publishes the port the image listens on"
    );
    assert!(
        compose.contains("- telegram_token"),
        "compose mounts the secret the image reads"
    );
    // The store the shipped config names lands in the image's volume.
    let config = Config::load(&repo("config/vigia.toml")).unwrap();
    assert_eq!(
        config.store_path,
        repo("config/../data/vigia.db"),
        "store.path = \"../data/vigia.db\" is /data/vigia.db in the image"
    );
    assert!(dockerfile.contains("VOLUME [\"/data\"]"), "{dockerfile}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compose_deploy_on_the_shipped_config_sends_to_telegram_and_is_healthy() {
    let bot = FakeBot::start().await;
    let (_feed, dir, config) = one_report_on_the_shipped_config().await;
    let secret = dir.path().join("secrets/telegram_token");
    std::fs::create_dir_all(secret.parent().unwrap()).unwrap();
    std::fs::write(&secret, format!("{TOKEN}\n")).unwrap();
    let listen = unused_addr();

    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_vigia"));
    cmd.arg("run")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env("VIGIA_CONFIG", &config)
        .env("TELEGRAM_BOT_TOKEN_FILE", &secret)
        .env("VIGIA_HTTP_LISTEN", listen.to_string())
        .env("VIGIA_TELEGRAM_API_URL", &bot.url)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let mut log = Lines::new(child.stderr.take().unwrap());
    log.until("vigia started").await;
    bot.wait_for("the alert", |st| {
        st.sent
            .iter()
            .any(|s| s.chat == ALERTS && s.text.contains("Juan Pérez"))
    })
    .await;
    assert_eq!(
        bot.texts_to(ALERTS).len(),
        1,
        "nineteen sources, one item, one alert"
    );

    assert_healthy(&config, listen).await;
    assert!(terminate(child).await.success());
    let rest = log.rest().await.join("\n");
    assert!(!rest.contains(TOKEN), "{rest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_printed_without_a_token_are_sent_once_a_token_is_set() {
    let bot = FakeBot::start().await;
    let feed = FeedServer::start(vec![Entry::caracas_arrest("a")]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::write_config(dir.path(), &feed.url, &bot.url, "");
    let config = Config::load(&path).unwrap();

    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    running.handle.poll_now().await;
    running.handle.delivered().await;
    let counts = running.handle.store().outbox_counts().unwrap();
    assert_eq!((counts.printed, counts.sent), (1, 0), "printed is not sent");
    assert_eq!(running.handle.metrics().alerts_sent.get(), 0);
    running.shutdown().await;

    // The next start has a token: the printed alert goes to Telegram.
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    running.handle.delivered().await;
    bot.wait_for("the kept alert", |st| !st.sent.is_empty())
        .await;
    assert!(bot.texts_to(ALERTS)[0].contains("Detienen a periodista en Caracas"));
    let counts = running.handle.store().outbox_counts().unwrap();
    assert_eq!((counts.printed, counts.sent), (0, 1));
    running.shutdown().await;
}

#[test]
fn a_token_file_named_by_the_environment_must_hold_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::write_config(
        dir.path(),
        "http://127.0.0.1:9/feed.xml",
        "http://127.0.0.1:9",
        "",
    );
    let run = |token_file: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
            .args(["run", "--config", path.to_str().unwrap()])
            .env_remove("TELEGRAM_BOT_TOKEN")
            .env("TELEGRAM_BOT_TOKEN_FILE", token_file)
            .output()
            .unwrap()
    };
    let missing = dir.path().join("no-such-secret");
    let out = run(&missing);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-secret") && err.contains("TELEGRAM_BOT_TOKEN_FILE"),
        "{err}"
    );
    let empty = dir.path().join("empty-secret");
    std::fs::write(&empty, "\n").unwrap();
    let out = run(&empty);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("empty-secret") && err.contains("is empty"),
        "{err}"
    );
}

#[test]
fn a_bad_environment_override_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::write_config(
        dir.path(),
        "http://127.0.0.1:9/feed.xml",
        "http://127.0.0.1:9",
        "",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["check", "--config", path.to_str().unwrap()])
        .env("VIGIA_HTTP_LISTEN", "all interfaces")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("VIGIA_HTTP_LISTEN=\"all interfaces\""),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_vigia_runs_is_a_whole_store_and_never_overwrites() {
    let feed = FeedServer::start(vec![Entry::caracas_arrest("a")]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::write_config(dir.path(), &feed.url, "http://127.0.0.1:9", "");
    let config = Config::load(&path).unwrap();
    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    running.handle.poll_now().await;
    running.handle.delivered().await;

    let copy = dir.path().join("backup.db");
    let backup = |copy: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
            .args([
                "backup",
                "--config",
                path.to_str().unwrap(),
                copy.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let out = backup(&copy);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = vigia::store::Store::open(&copy).unwrap();
    assert_eq!(
        restored.outbox_counts().unwrap(),
        running.handle.store().outbox_counts().unwrap()
    );
    assert_eq!(restored.outbox_counts().unwrap().printed, 1);
    let out = backup(&copy);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    running.shutdown().await;
}

#[test]
fn opml_from_a_feed_reader_round_trips_through_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::write_config(
        dir.path(),
        "https://elpitazo.net/feed/",
        "http://127.0.0.1:9",
        "",
    );
    let vigia = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
            .args(args)
            .args(["--config", path.to_str().unwrap()])
            .output()
            .unwrap()
    };
    // newsboat's own export (`newsboat -e`), four feeds.
    let export = repo("tests/fixtures/newsboat-export.opml");
    let out = vigia(&["import-opml", export.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sources = String::from_utf8(out.stdout).unwrap();
    assert!(
        sources.contains("# already polled, left out: El Pitazo"),
        "the feed the config polls is not added twice:\n{sources}"
    );
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push_str(&sources);
    std::fs::write(&path, toml).unwrap();
    let out = vigia(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = Config::load(&path).unwrap();
    let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Test feed",
            "Foro Penal",
            "Noticias ONU & derechos",
            "https://www.theguardian.com/world/venezuela/rss"
        ]
    );

    let out = vigia(&["export-opml"]);
    assert!(out.status.success());
    let opml = String::from_utf8(out.stdout).unwrap();
    let back = vigia::config::opml::parse(Path::new("export"), &opml).unwrap();
    let pairs: Vec<(&str, &str)> = back
        .iter()
        .map(|f| (f.name.as_str(), f.url.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = config
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.url.as_str()))
        .collect();
    assert_eq!(pairs, expected);

    let bad = dir.path().join("bad.opml");
    std::fs::write(&bad, "<opml>\n<body>\n<outline xmlUrl=\"x\">\n</opml>\n").unwrap();
    let out = vigia(&["import-opml", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.opml:4: not valid OPML"), "{err}");
}

/// The defaults the README's configuration table gives are the ones vigia
/// uses when a key is left out.
#[test]
fn the_defaults_the_readme_documents_are_the_real_ones() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let documented: std::collections::BTreeMap<String, String> = readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            // | `key` | meaning | default |
            (cells.len() == 5 && cells[1].starts_with('`'))
                .then(|| (cells[1].trim_matches('`').to_string(), cells[3].to_string()))
        })
        .collect();
    let doc = |key: &str| -> String {
        documented
            .get(key)
            .unwrap_or_else(|| panic!("the README does not document {key}"))
            .clone()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.toml");
    let src = "[channels]\na = -100\n[lists]\nd = [\"x\"]\n\
               [[rule]]\nname = \"r\"\nany = [\"d\"]\nchannels = [\"a\"]\n";
    let c = Config::parse(&path, src).unwrap();
    let durations = [
        ("telegram.give_up_after", c.telegram.give_up_after),
        ("telegram.recheck_held", c.telegram.recheck_held),
        ("telegram.down_after", c.telegram.down_after),
        ("store.retention", c.retention),
        ("defaults.interval", c.interval),
        ("defaults.source_down_after", c.source_down_after),
        ("defaults.host_gap", c.host_gap),
        ("defaults.story_window", c.story_window),
        ("defaults.backfill", c.backfill),
    ];
    for (key, real) in durations {
        let said = doc(key);
        let parsed = humantime::parse_duration(said.trim_matches('`'))
            .unwrap_or_else(|e| panic!("{key}: the README's {said} is not a duration: {e}"));
        assert_eq!(parsed, real, "{key}: the README says {said}");
    }
    let limits = &c.telegram.limits;
    let rates: Vec<String> = doc("telegram.limits.chat` / `.group` / `.overall")
        .split(", ")
        .map(|r| r.trim_matches('`').trim_matches('"').to_string())
        .collect();
    for (said, real) in rates
        .iter()
        .zip([limits.chat, limits.group, limits.overall])
    {
        assert_eq!(
            vigia::config::Rate::parse(said).unwrap(),
            real,
            "telegram.limits: the README says {said}"
        );
    }
    assert_eq!(
        doc("telegram.api_url"),
        format!("`{}`", c.telegram.api_url.as_str().trim_end_matches('/'))
    );
    assert_eq!(doc("telegram.token_file"), "none");
    assert!(c.telegram.token_file.is_none());
    assert_eq!(doc("telegram.admins"), "`[]`");
    assert!(c.telegram.admins.is_empty());
    assert_eq!(
        doc("store.path"),
        format!(
            "`{}`",
            c.store_path.strip_prefix(dir.path()).unwrap().display()
        )
    );
    assert_eq!(doc("http.listen"), "none (no endpoint)");
    assert!(c.http_listen.is_none());
    assert_eq!(
        doc("log.format"),
        format!("`\"{:?}\"`", c.log_format).to_lowercase()
    );
}

/// `docker-compose.replicas.yml` as it sets replicas up: the shipped
/// config, the store from `VIGIA_STORE_URL` with its password from the
/// secret named by `VIGIA_STORE_PASSWORD_FILE` (the same secret PostgreSQL
/// is given), two replicas, one alert sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replicas_compose_runs_two_replicas_on_postgres_from_the_shipped_config() {
    let compose = std::fs::read_to_string(repo("docker-compose.replicas.yml")).unwrap();
    for needed in [
        "VIGIA_STORE_URL: postgres://vigia@postgres:5432/vigia",
        "VIGIA_STORE_PASSWORD_FILE: /run/secrets/postgres_password",
        "POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password",
        "POSTGRES_USER: vigia",
        "POSTGRES_DB: vigia",
        "vigia-a:",
        "vigia-b:",
        "- telegram_token",
        "condition: service_healthy",
    ] {
        assert!(compose.contains(needed), "compose lacks {needed:?}");
    }

    let bot = FakeBot::start().await;
    let (_feed, dir, config) = one_report_on_the_shipped_config().await;
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("telegram_token"), format!("{TOKEN}\n")).unwrap();
    let password = crate::support::postgres::PASSWORD;
    std::fs::write(secrets.join("postgres_password"), format!("{password}\n")).unwrap();
    let target = tokio::task::spawn_blocking(crate::support::postgres::database)
        .await
        .unwrap();
    // The compose file's PostgreSQL has no TLS; the test cluster's would
    // need its CA, which the compose file does not give.
    let url = format!("{}?sslmode=disable", target.url);

    let mut replicas = Vec::new();
    let mut listens = Vec::new();
    for _ in 0..2 {
        let listen = unused_addr();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
            .arg("run")
            .env_remove("TELEGRAM_BOT_TOKEN")
            .env_remove("VIGIA_STORE_PASSWORD")
            .env("VIGIA_CONFIG", &config)
            .env("TELEGRAM_BOT_TOKEN_FILE", secrets.join("telegram_token"))
            .env("VIGIA_STORE_URL", &url)
            .env(
                "VIGIA_STORE_PASSWORD_FILE",
                secrets.join("postgres_password"),
            )
            .env("VIGIA_HTTP_LISTEN", listen.to_string())
            .env("VIGIA_TELEGRAM_API_URL", &bot.url)
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut log = Lines::new(child.stderr.take().unwrap());
        let started = log.until("vigia started").await.join("\n");
        assert!(started.contains("postgres://"), "{started}");
        replicas.push((child, log));
        listens.push(listen);
    }
    bot.wait_for("the alert", |st| {
        st.sent
            .iter()
            .any(|s| s.chat == ALERTS && s.text.contains("Juan Pérez"))
    })
    .await;
    // A getUpdates open means a replica took the commands' lease first.
    bot.wait_for("commands being read", |st| st.get_updates_open > 0)
        .await;
    let mut statuses = Vec::new();
    for listen in &listens {
        assert_healthy(&config, *listen).await;
        let status: serde_json::Value = reqwest::get(format!("http://{listen}/status"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        statuses.push(status["replica"].clone());
    }
    // Each says what it holds: its own name, and between them the one
    // replica reading commands and the one sending to the alerts chat.
    assert_ne!(statuses[0]["holder"], statuses[1]["holder"]);
    let holding =
        |what: &dyn Fn(&serde_json::Value) -> bool| statuses.iter().filter(|s| what(s)).count();
    assert_eq!(
        holding(&|s| s["chats"].as_array().unwrap().iter().any(|c| c == ALERTS)),
        1,
        "{statuses:?}"
    );
    assert!(
        holding(&|s| s["reads_commands"] == true) == 1,
        "{statuses:?}"
    );
    for (child, log) in replicas {
        assert!(terminate(child).await.success());
        let rest = log.rest().await.join("\n");
        assert!(!rest.contains(TOKEN) && !rest.contains(password), "{rest}");
    }
    assert_eq!(
        bot.texts_to(ALERTS).len(),
        1,
        "two replicas, nineteen sources, one item, one alert"
    );
}
