//! Hot reload end to end, with the real file watcher: a valid edit applies
//! without a restart and without old items alerting again; an invalid edit
//! keeps the running config, reports every error with its line and tells
//! the admins; an editor-style save (temp file renamed over) is seen.

use std::time::Duration;

use chrono::Duration as Age;
use vigia::config::{Config, Secret};
use vigia::daemon::{self, reload::Status, Handle};
use vigia::delivery::Sink;

use crate::support::{save_by_rename, write_config, Entry, FakeBot, FeedServer, TOKEN};

const ADMIN: &str = "42";
const ALERTS: &str = "-1001234567890";

/// Waits (on the daemon's signal, not the clock) until `cond` holds.
async fn reloaded(h: &Handle, what: &str, cond: impl Fn(&Status) -> bool) -> Status {
    let mut rx = h.reloads();
    let wait = async {
        loop {
            {
                let st = rx.borrow_and_update();
                if cond(&st) {
                    return st.clone();
                }
            }
            rx.changed().await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no reload: {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_apply_without_a_restart_and_bad_ones_change_nothing() {
    let bot = FakeBot::start().await;
    let feed = FeedServer::start(vec![Entry::new(
        "a",
        "Familia de Juan Pérez Gómez pide fe de vida",
        "",
        Age::minutes(10),
    )])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &feed.url, &bot.url, "");
    let toml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("[telegram]\n", &format!("[telegram]\nadmins = [{ADMIN}]\n"));
    std::fs::write(&path, &toml).unwrap();
    let config = Config::load(&path).unwrap();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    let h = running.handle.clone();
    h.poll_now().await;
    h.delivered().await;
    assert!(
        bot.texts_to(ALERTS).is_empty(),
        "nobody watches Juan Pérez Gómez yet"
    );

    // An operator adds a name, saving the way editors do.
    let names = dir.path().join("names.txt");
    let mut text = std::fs::read_to_string(&names).unwrap();
    text.push_str("Juan Pérez Gómez\n");
    save_by_rename(&names, &text);
    reloaded(&h, "the new name", |s| s.applied == 1).await;
    feed.push(Entry::new(
        "b",
        "Trasladan a Juan Pérez Gómez a Tocorón",
        "",
        Age::minutes(1),
    ));
    h.poll_now().await;
    h.delivered().await;
    let sent = bot.texts_to(ALERTS);
    assert_eq!(
        sent.len(),
        1,
        "the new item alerts; the old one does not: {sent:#?}"
    );
    assert!(sent[0].contains("Trasladan a Juan Pérez Gómez"));

    // A bad edit: a rule naming a list that does not exist, and a bad duration.
    let bad = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "all = [\"detention\", \"venezuela\"]",
            "all = [\"detention\", \"venezula\"]",
        )
        .replace("interval = \"1h\"", "interval = \"an hour\"");
    std::fs::write(&path, bad).unwrap();
    let status = reloaded(&h, "the rejection", |s| s.rejected == 1).await;
    let errors = status.last_error.unwrap();
    assert!(errors.contains("vigia.toml:"), "{errors}");
    assert!(errors.contains("venezula"), "{errors}");
    assert!(errors.contains("an hour"), "{errors}");
    bot.wait_for("the admins' notice", |st| {
        st.sent.iter().any(|s| s.chat == ADMIN)
    })
    .await;
    let notice = &bot.texts_to(ADMIN)[0];
    assert!(
        notice.contains("not applied") && notice.contains("venezula"),
        "{notice}"
    );
    // The running config still applies.
    feed.push(Entry::new(
        "c",
        "Detienen a activista en Caracas",
        "",
        Age::minutes(1),
    ));
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(bot.texts_to(ALERTS).len(), 2);

    // The fixed edit is picked up, and a new source starts polling.
    let feed2 = FeedServer::start(vec![Entry::new(
        "d",
        "Detienen a sindicalista en Caracas",
        "",
        Age::minutes(1),
    )])
    .await;
    let fixed = format!(
        "{toml}\n[[source]]\nname = \"Second feed\"\nurl = \"{}\"\n",
        feed2.url
    );
    std::fs::write(&path, fixed).unwrap();
    reloaded(&h, "the fix", |s| s.applied == 2 && s.last_error.is_none()).await;
    assert_eq!(h.sources().await, vec!["Second feed", "Test feed"]);
    h.poll_now().await;
    h.delivered().await;
    let sent = bot.texts_to(ALERTS);
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert!(sent[2].contains("sindicalista"));
    running.shutdown().await;
}

/// A team teaches vigia a report it missed: a new file of examples in the
/// examples folder is seen by the watcher, the model is trained again, and
/// a report worded like it alerts from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_examples_file_teaches_the_learned_rule_without_a_restart() {
    let bot = FakeBot::start().await;
    let feed = FeedServer::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &feed.url, &bot.url, "");
    let examples = dir.path().join("examples");
    std::fs::create_dir(&examples).unwrap();
    let line =
        |title: &str, label: &str| format!("{{\"title\": {title:?}, \"label\": \"{label}\"}}\n");
    std::fs::write(
        examples.join("shipped.jsonl"),
        [
            line("Periodista detenido", "alert"),
            line("Activista detenido", "alert"),
            line("Sube el precio del pan en Mérida", "ignore"),
            line("Sube la gasolina en Mérida", "ignore"),
            line("Lluvias en Mérida", "ignore"),
        ]
        .concat(),
    )
    .unwrap();
    let toml = std::fs::read_to_string(&path).unwrap()
        + "\n[learned]\nexamples = \"examples\"\n\n[[rule]]\nname = \"learned\"\nlearned = true\nchannels = [\"alerts\"]\n";
    std::fs::write(&path, toml).unwrap();
    let config = Config::load(&path).unwrap();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    let h = running.handle.clone();
    feed.push(Entry::new(
        "a",
        "Funcionarios se llevan a dirigente estudiantil",
        "",
        Age::minutes(2),
    ));
    h.poll_now().await;
    h.delivered().await;
    assert!(
        bot.texts_to(ALERTS).is_empty(),
        "nothing like it learned yet"
    );

    // The team's own file, added beside the shipped one.
    std::fs::write(
        examples.join("ours.jsonl"),
        [
            line("Funcionarios se llevan a dirigente vecinal", "alert"),
            line("Funcionarios se llevan a dirigente campesino", "alert"),
            line("Funcionarios se llevan a dirigente gremial", "alert"),
        ]
        .concat(),
    )
    .unwrap();
    reloaded(&h, "the new examples file", |s| s.applied == 1).await;
    feed.push(Entry::new(
        "b",
        "Funcionarios se llevan a dirigente juvenil",
        "",
        Age::minutes(1),
    ));
    h.poll_now().await;
    h.delivered().await;
    let sent = bot.texts_to(ALERTS);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(sent[0].contains("dirigente juvenil"), "{sent:#?}");
    running.shutdown().await;
}
