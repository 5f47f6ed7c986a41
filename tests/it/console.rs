//! The operator's console against a running daemon whose store holds what
//! a real poll of a loopback feed recorded: pages, hostile markup, access
//! beyond loopback, the backtest page and command, and the browser test.

use std::net::SocketAddr;

use vigia::config::Config;
use vigia::daemon::{self, Running};
use vigia::delivery::Sink;

use crate::support::{unused_addr, write_config, Entry, FeedServer};

/// What a feed can put in a title or summary to attack a page.
const HOSTILE_TITLE: &str =
    "<script>document.title='owned'</script> Detienen a activista en Caracas";
const HOSTILE_SUMMARY: &str = "<img src=x onerror=\"document.title='owned'\"> El SEBIN lo detuvo.";

/// A daemon whose store holds one poll of a feed: three detentions in
/// Caracas (one with hostile markup, two telling one story), a watched
/// person, and an item that alerts on nothing.
pub struct Seeded {
    pub running: Running,
    pub listen: SocketAddr,
    pub config: Config,
    pub dir: tempfile::TempDir,
    _feed: FeedServer,
}

impl Seeded {
    /// The story of the two reports of Juan Pérez's detention.
    pub fn pérez_story(&self) -> i64 {
        self.running
            .handle
            .store()
            .story_members()
            .unwrap()
            .into_iter()
            .find(|(_, t)| t.contains("SNTP"))
            .expect("the SNTP report has a story")
            .0
    }
}

pub async fn seeded(listen: SocketAddr, extra: &str) -> Seeded {
    let feed = FeedServer::start(vec![
        Entry::new("a1", HOSTILE_TITLE, HOSTILE_SUMMARY, chrono::Duration::minutes(30)),
        Entry::new(
            "a2",
            "Detienen a periodista Juan Pérez en Caracas",
            "Funcionarios del SEBIN detuvieron al periodista Juan Pérez en su casa de Caracas.",
            chrono::Duration::minutes(20),
        ),
        Entry::new(
            "a3",
            "Detienen al periodista Juan Pérez en Caracas, denuncia el SNTP",
            "El SNTP denunció que funcionarios del SEBIN detuvieron al periodista Juan Pérez en Caracas.",
            chrono::Duration::minutes(15),
        ),
        Entry::new(
            "a4",
            "Rocío San Miguel cumple un año presa",
            "La activista sigue sin juicio.",
            chrono::Duration::minutes(10),
        ),
        Entry::new(
            "a5",
            "Caracas celebra su feria del libro",
            "Miles de lectores.",
            chrono::Duration::minutes(5),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let extra = format!("[http]\nlisten = \"{listen}\"\n{extra}");
    let path = write_config(dir.path(), &feed.url, "http://127.0.0.1:9", &extra);
    let config = Config::load(&path).unwrap();
    let running = daemon::start(&config, Sink::Stdout).await.unwrap();
    running.handle.poll_now().await;
    // The feed reader turns markup into text; a report whose text still
    // holds markup (a page source, a JSON feed) is stored as such.
    let hostile = vigia::store::NewItem {
        key: [7; 16],
        aliases: Vec::new(),
        source: "Test feed".into(),
        title: HOSTILE_TITLE.into(),
        link: Some("javascript:document.title='owned'".into()),
        summary: HOSTILE_SUMMARY.into(),
        published: None,
        explanation: Some(vigia::matching::Explanation {
            rules: vec!["detentions in Venezuela".into()],
            terms: vec!["detienen".into(), "Caracas".into()],
            names: Vec::new(),
            channels: vec!["alerts".into()],
        }),
        alerts: vec![("alerts".into(), "-1001234567890".into())],
        muted_rule: None,
        story: None,
    };
    running
        .handle
        .store()
        .record(&[hostile], chrono::Utc::now())
        .unwrap();
    running.handle.delivered().await;
    Seeded {
        running,
        listen,
        config,
        dir,
        _feed: feed,
    }
}

pub async fn get(url: &str, auth: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(auth) = auth {
        req = req.header("Authorization", auth);
    }
    let resp = req.send().await.unwrap();
    let (code, headers) = (resp.status().as_u16(), resp.headers().clone());
    (code, headers, resp.text().await.unwrap())
}

async fn post(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let resp = reqwest::Client::new()
        .post(url)
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_shows_what_the_store_holds_with_feed_text_escaped() {
    let s = seeded(unused_addr(), "").await;
    let base = format!("http://{}", s.listen);

    let (code, headers, body) = get(&format!("{base}/"), None).await;
    assert_eq!(code, 200, "{body}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // Rules with their hits of the last day: four detentions (one recorded
    // by hand), one watched person.
    let row = |name: &str| {
        body.lines()
            .find(|l| l.contains(&format!("<td>{name}</td>")))
            .unwrap_or_else(|| panic!("no row for {name}: {body}"))
            .to_string()
    };
    assert!(
        row("detentions in Venezuela").contains("<td class=\"n\">4</td>"),
        "{}",
        row("detentions in Venezuela")
    );
    assert!(row("watched people").contains("<td class=\"n\">1</td>"));
    assert!(body.contains("sending normally"), "{body}");

    let (code, _, body) = get(&format!("{base}/sources"), None).await;
    assert_eq!(code, 200);
    assert!(
        body.contains("Test feed") && body.contains("<td>feed</td>"),
        "{body}"
    );
    assert!(
        body.contains("<td class=\"n\">5</td>\n<td class=\"n\">4</td>"),
        "five items found by the poll, four alerts sent (printed): {body}"
    );

    let (code, _, body) = get(&format!("{base}/alerts?channel=alerts"), None).await;
    assert_eq!(code, 200);
    // Hostile markup is text, never markup.
    assert!(!body.contains("<script>document"), "{body}");
    assert!(!body.contains("<img src=x"), "{body}");
    assert!(body.contains("&#60;script&#62;document.title"), "{body}");
    assert!(body.contains("&#60;img src=x onerror="), "{body}");
    // A javascript: link is not a link.
    assert!(!body.contains("href=\"javascript:"), "{body}");
    // The matched words are highlighted; the rules and delivery state show.
    assert!(body.contains("<mark>Detienen</mark>"), "{body}");
    assert!(body.contains("<mark>Caracas</mark>"), "{body}");
    assert!(body.contains("rules: detentions in Venezuela"), "{body}");
    assert!(body.contains("printed without a token"), "{body}");
    assert!(body.contains("added to its story&#39;s alert"), "{body}");
    let story = body
        .split("href=\"/stories/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an alert links its story")
        .to_string();

    // The story of the two reports of Juan Pérez's detention, in order.
    let pérez_story = s.pérez_story();
    let (code, _, body) = get(&format!("{base}/stories/{pérez_story}"), None).await;
    assert_eq!(code, 200);
    let first = body.find("a periodista Juan Pérez en").expect(&body);
    let second = body.find("denuncia el SNTP").expect(&body);
    assert!(first < second, "reports in the order found");
    assert!(body.contains("2 report(s)"), "{body}");
    let (code, _, _) = get(&format!("{base}/stories/{story}"), None).await;
    assert_eq!(code, 200);
    let (_, _, body) = get(&format!("{base}/stories/999999"), None).await;
    assert!(body.contains("No story 999999"), "{body}");

    // Search by words, accents and case aside.
    let (_, _, body) = get(&format!("{base}/search?q=feria+LIBRO"), None).await;
    assert!(
        body.contains("Caracas celebra su feria del libro"),
        "{body}"
    );
    assert!(body.contains("1 item(s)"), "{body}");
    let (_, _, body) = get(&format!("{base}/search?q=perez+sntp"), None).await;
    assert!(
        body.contains("denuncia el SNTP") && body.contains("1 item(s)"),
        "{body}"
    );
    // FTS syntax typed by an operator is read as words.
    let (code, _, body) = get(&format!("{base}/search?q=%22OR+NEAR(*"), None).await;
    assert_eq!(code, 200, "{body}");
    s.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_explains_pasted_text_and_backtest_shows_what_an_edit_changes() {
    let s = seeded(unused_addr(), "").await;
    let base = format!("http://{}", s.listen);

    let (code, body) = post(
        &format!("{base}/try"),
        &[
            (
                "text",
                "Detienen a dirigente sindical en Caracas\nLo llevaron al SEBIN.",
            ),
            ("url", ""),
        ],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("would alert"), "{body}");
    assert!(body.contains("<mark>Detienen</mark>"), "{body}");
    assert!(body.contains("detentions in Venezuela"), "{body}");
    let (_, body) = post(
        &format!("{base}/try"),
        &[("text", "Caracas celebra"), ("url", "")],
    )
    .await;
    assert!(body.contains("would not alert"), "{body}");
    let (_, body) = post(&format!("{base}/try"), &[("text", ""), ("url", "ftp://x")]).await;
    assert!(body.contains("is not an http(s) address"), "{body}");
    let (_, body) = post(
        &format!("{base}/try"),
        &[
            ("text", ""),
            ("url", &format!("http://{}/nothing", unused_addr())),
        ],
    )
    .await;
    assert!(body.contains("cannot be read"), "{body}");

    // The backtest form shows the file as it is.
    let (code, _, body) = get(&format!("{base}/backtest?file=detention"), None).await;
    assert_eq!(code, 200);
    assert!(body.contains("detienen\n"), "{body}");

    // Dropping `detienen` loses the two alerts whose only detention word it is.
    let edited =
        "# detention terms\ndetenid*\ndetención\narrested\npreso político\npresos políticos\n";
    let (code, body) = post(
        &format!("{base}/backtest"),
        &[("file", "detention"), ("text", edited), ("days", "30")],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("- detienen"), "the edit is shown: {body}");
    let lost = body.split("Would no longer alert").nth(1).expect(&body);
    assert!(
        lost.contains("Juan Pérez") && !lost.contains("Caracas celebra"),
        "{body}"
    );
    assert!(
        body.contains("Rule “detentions in Venezuela”: 4 → 0"),
        "{body}"
    );
    assert!(body.contains("Would no longer alert"), "{body}");
    assert!(!body.contains("<script>document"), "{body}");
    // An edit with an error is refused with the file and line, as `check` says.
    let (_, body) = post(
        &format!("{base}/backtest"),
        &[
            ("file", "detention"),
            ("text", "detienen\nde*tenido\n"),
            ("days", "30"),
        ],
    )
    .await;
    assert!(body.contains("detention.txt:2:"), "{body}");
    assert!(body.contains("vigia would refuse it"), "{body}");
    // Nothing was saved.
    let saved = std::fs::read_to_string(s.dir.path().join("detention.txt")).unwrap();
    assert!(saved.contains("detienen"));
    s.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_loopback_the_console_asks_for_its_token_and_is_off_without_one() {
    let any: SocketAddr = {
        let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        l.local_addr().unwrap()
    };
    let s = seeded(any, "").await;
    let base = format!("http://127.0.0.1:{}", any.port());
    let (code, headers, body) = get(&format!("{base}/"), None).await;
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("no console token is set"), "{body}");
    assert!(headers.contains_key("content-security-policy"));
    let (code, _, _) = get(&format!("{base}/healthz"), None).await;
    assert_eq!(code, 200, "health checks stay open");
    s.running.shutdown().await;

    let token_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token_file.path(), "s3cret-console\n").unwrap();
    let any: SocketAddr = {
        let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        l.local_addr().unwrap()
    };
    let s = seeded(
        any,
        &format!("console_token_file = {:?}\n", token_file.path()),
    )
    .await;
    let base = format!("http://127.0.0.1:{}", any.port());
    let (code, headers, _) = get(&format!("{base}/alerts"), None).await;
    assert_eq!(code, 401);
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let (code, _, _) = get(&format!("{base}/alerts"), Some("Bearer wrong")).await;
    assert_eq!(code, 401);
    let (code, _, body) = get(&format!("{base}/alerts"), Some("Bearer s3cret-console")).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("Detienen"));
    // Basic: any user, the token as password ("op:s3cret-console").
    let basic = "Basic b3A6czNjcmV0LWNvbnNvbGU=";
    let (code, _, _) = get(&format!("{base}/sources"), Some(basic)).await;
    assert_eq!(code, 200);
    s.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_from_another_site_is_refused() {
    let s = seeded(unused_addr(), "").await;
    let resp = reqwest::Client::new()
        .post(format!("http://{}/try", s.listen))
        .header("Origin", "https://evil.example")
        .form(&[("text", "Detienen en Caracas"), ("url", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let resp = reqwest::Client::new()
        .post(format!("http://{}/try", s.listen))
        .header("Origin", format!("http://{}", s.listen))
        .form(&[("text", "Detienen en Caracas"), ("url", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    s.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backtest_command_compares_an_edited_copy_with_the_running_config() {
    let s = seeded(unused_addr(), "").await;
    s.running.shutdown().await;
    // The candidate: a copy of the config folder whose detention list
    // drops `detienen` and (wrongly) adds `celebra`.
    let cand = tempfile::tempdir().unwrap();
    for f in ["names.txt", "vigia.toml"] {
        std::fs::copy(s.dir.path().join(f), cand.path().join(f)).unwrap();
    }
    std::fs::write(
        cand.path().join("detention.txt"),
        "detenid*\ndetención\narrested\ncelebra\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["backtest", "--config"])
        .arg(cand.path())
        .arg("--against")
        .arg(&s.config.path)
        .args(["--days", "7"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("backtest over 6 item(s)"), "{stdout}");
    assert!(
        stdout.contains("rule \"detentions in Venezuela\": 4 → 1 item(s), 1 new, 4 no longer"),
        "{stdout}"
    );
    // Lost items are highlighted as the running config matched them,
    // gained ones as the candidate does.
    assert!(
        stdout.contains("  - [Detienen] a periodista Juan Pérez en [Caracas]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  + [Caracas] [celebra] su feria del libro\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("channel \"cases\""),
        "cases is unchanged: {stdout}"
    );

    // A broken candidate: file and line, exit 2, nothing run.
    std::fs::write(cand.path().join("detention.txt"), "detienen\nde*tenido\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["backtest", "--config"])
        .arg(cand.path())
        .arg("--against")
        .arg(&s.config.path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("detention.txt:2:"), "{stderr}");
}

/// The pages in Debian's Chromium, driven by `tests/browser/console.mjs`
/// (playwright-core from npm). `.ci/run` installs both and sets
/// `VIGIA_BROWSER_TEST=1`, which makes a missing browser a failure; without
/// it the test says it is skipped. Screenshots go to
/// `target/tmp/console-screenshots/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_real_browser() {
    let browser_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing: Vec<&str> = [
        (
            browser_dir.join("node_modules/playwright-core").exists(),
            "playwright-core (npm ci --prefix tests/browser)",
        ),
        (std::path::Path::new(&chromium).exists(), "Chromium"),
        (
            std::process::Command::new("node")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
            "node",
        ),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, what)| what)
    .collect();
    if !missing.is_empty() {
        let required = std::env::var("VIGIA_BROWSER_TEST").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "the browser test cannot run: missing {missing:?}"
        );
        eprintln!("SKIPPED console::in_a_real_browser: missing {missing:?}");
        return;
    }
    let s = seeded(unused_addr(), "").await;
    let story = s.pérez_story();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let out = tokio::process::Command::new("node")
        .arg(browser_dir.join("console.mjs"))
        .arg(format!("http://{}", s.listen))
        .arg(&shots)
        .arg(story.to_string())
        .env("CHROMIUM", &chromium)
        .output()
        .await
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{report}");
    assert!(report.contains("every check passed"), "{report}");
    assert!(shots.join("alerts.png").exists());
    s.running.shutdown().await;
}

/// After saving an edit tried on the backtest page, the overview says
/// whether vigia applied it, so no log needs reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_says_whether_a_saved_edit_was_applied() {
    let s = seeded(unused_addr(), "").await;
    let base = format!("http://{}", s.listen);
    let (_, _, body) = get(&format!("{base}/"), None).await;
    assert!(body.contains("running as started"), "{body}");

    let list = s.dir.path().join("detention.txt");
    std::fs::write(&list, "detienen\nde*tenido\n").unwrap();
    assert!(s.running.handle.reload().await.is_err());
    let (_, _, body) = get(&format!("{base}/"), None).await;
    assert!(
        body.contains("the last edit was rejected, vigia runs on the previous config"),
        "{body}"
    );
    assert!(body.contains("detention.txt:2:"), "{body}");

    std::fs::write(&list, "detienen\ndetenido\n").unwrap();
    s.running.handle.reload().await.unwrap();
    let (_, _, body) = get(&format!("{base}/"), None).await;
    assert!(body.contains("the last edit was applied at"), "{body}");
    s.running.shutdown().await;
}
