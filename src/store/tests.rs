use super::*;

#[path = "../../tests/it/support/postgres.rs"]
mod pg_cluster;
use crate::store as vigia_store;

/// A test run on a fresh store of each engine: `NAME::sqlite` on a file
/// in a temporary folder, `NAME::postgres` on a database of its own on the
/// test cluster. It opens (and may reopen) the store from `location`.
macro_rules! on_both_engines {
    (fn $name:ident($location:ident) $body:block) => {
        mod $name {
            use super::*;

            fn run($location: &Location) $body

            #[test]
            fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                run(&Location::Sqlite(dir.path().join("sub/vigia.db")));
            }

            #[test]
            fn postgres() {
                run(&pg_cluster::location());
            }
        }
    };
}

fn open(location: &Location) -> Store {
    Store::connect(location).unwrap()
}

fn item(key: &str, alerts: &[&str]) -> NewItem {
    NewItem {
        key: crate::sources::key_hash(key),
        aliases: Vec::new(),
        muted_rule: None,
        story: None,
        source: "S".into(),
        title: format!("title {key}"),
        link: Some(format!("https://example.org/{key}")),
        summary: String::new(),
        published: None,
        explanation: (!alerts.is_empty()).then(|| Explanation {
            rules: vec!["r".into()],
            ..Default::default()
        }),
        alerts: alerts
            .iter()
            .map(|c| (c.to_string(), format!("@{c}_chat")))
            .collect(),
    }
}

/// The schedule as (chat, seconds from `base`).
fn chats_at(store: &Store, base: DateTime<Utc>) -> Vec<(String, i64)> {
    let mut s: Vec<(String, i64)> = store
        .schedule()
        .unwrap()
        .into_iter()
        .map(|d| {
            let ms = (d.at - base).num_milliseconds().max(0);
            (d.chat, (ms as f64 / 1000.0).round() as i64)
        })
        .collect();
    s.sort();
    s
}

fn chats(store: &Store) -> Vec<(String, i64)> {
    chats_at(store, Utc::now() + chrono::Duration::seconds(1))
}

fn state(store: &Store, id: i64) -> String {
    store.entry(id).unwrap().unwrap().1.sql().to_string()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

on_both_engines! {
    fn items_and_alerts_are_recorded_once_and_survive_reopening(location) {
        let now = Utc::now();
        {
            let store = open(location);
            let keys = [vec![item("a", &[]).key], vec![item("b", &[]).key]];
            assert_eq!(store.unseen(&keys).unwrap(), vec![true, true]);
            let queued = store
                .record(&[item("a", &["one", "two"]), item("b", &[])], now)
                .unwrap();
            assert_eq!(queued, 2);
            assert_eq!(store.unseen(&keys).unwrap(), vec![false, false]);
            // The same key again (another source, a race): nothing new.
            assert_eq!(store.record(&[item("a", &["one"])], now).unwrap(), 0);
        }
        let store = open(location);
        assert_eq!(store.item_count().unwrap(), 2);
        assert_eq!(
            chats(&store),
            vec![("@one_chat".into(), 0), ("@two_chat".into(), 0)]
        );
        let (head, probe) = store.head("@one_chat", now).unwrap().unwrap();
        assert!(!probe);
        assert_eq!(
            (head.channel.as_str(), head.title.as_str()),
            ("one", "title a")
        );
        assert_eq!(head.explanation.rules, vec!["r"]);
    }
}

on_both_engines! {
    fn source_state_keeps_validators_first_poll_and_health(location) {
        let store = open(location);
        let now = Utc::now();
        let day = std::time::Duration::from_secs(6 * 3600);
        assert!(!store.source_state("S").unwrap().polled_before);
        assert_eq!(
            store
                .poll_failed("S", "timeout", "timed out", now, now + secs(60), day)
                .unwrap(),
            None
        );
        let state = store.source_state("S").unwrap();
        assert!(!state.polled_before);
        assert_eq!(state.consecutive_failures, 1);
        let v = Validators {
            etag: Some("\"x\"".into()),
            last_modified: None,
        };
        assert_eq!(
            store
                .poll_succeeded("S", Some(&v), 3, Some(0), now, now + secs(600))
                .unwrap(),
            None
        );
        store
            .poll_succeeded("S", None, 2, None, now, now + secs(600))
            .unwrap();
        let state = store.source_state("S").unwrap();
        assert!(state.polled_before);
        assert_eq!(state.validators, v);
        assert_eq!(state.consecutive_failures, 0);

        // Failing for six hours: the admins are told once, and again when it is back.
        let t = |h: i64| now + chrono::Duration::hours(h);
        assert_eq!(
            store
                .poll_failed("S", "http-status", "HTTP 500", t(1), t(2), day)
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .poll_failed("S", "http-status", "HTTP 500", t(6), t(7), day)
                .unwrap(),
            None
        );
        let down = store
            .poll_failed("S", "timeout", "timed out", t(7), t(8), day)
            .unwrap();
        assert_eq!(down.map(|d| d.timestamp()), Some(t(1).timestamp()));
        assert_eq!(
            store
                .poll_failed("S", "timeout", "timed out", t(8), t(9), day)
                .unwrap(),
            None,
            "once"
        );
        let health = store.source_health().unwrap();
        assert_eq!(health.len(), 1);
        let h = &health[0];
        assert_eq!((h.consecutive_failures, h.items_seen), (4, 5));
        assert_eq!(h.error_kind.as_deref(), Some("timeout"));
        assert_eq!(
            h.failing_since.map(|d| d.timestamp()),
            Some(t(1).timestamp())
        );
        assert_eq!(h.next_poll.map(|d| d.timestamp()), Some(t(9).timestamp()));
        let back = store
            .poll_succeeded("S", None, 0, None, t(9), t(10))
            .unwrap();
        assert_eq!(back.map(|d| d.timestamp()), Some(t(1).timestamp()));
        assert_eq!(
            store
                .poll_succeeded("S", None, 0, None, t(10), t(11))
                .unwrap(),
            None
        );
        assert_eq!(store.source_health().unwrap()[0].failing_since, None);
    }
}

#[test]
fn a_store_from_a_newer_vigia_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

on_both_engines! {
    fn a_chat_sends_in_order_and_an_alert_leaves_only_when_sent_or_failed(location) {
        let store = open(location);
        let now = Utc::now();
        store
            .record(&[item("a", &["one"]), item("b", &["one", "two"])], now)
            .unwrap();
        let (a, _) = store.head("@one_chat", now).unwrap().unwrap();
        assert_eq!(a.title, "title a");
        store.mark_sending(a.id).unwrap();
        assert_eq!(state(&store, a.id), "sending");
        // A network failure: "a" waits a minute, and "b" waits behind it.
        store.retry_at(a.id, now + secs(60), "502").unwrap();
        assert_eq!(state(&store, a.id), "pending");
        assert!(store.head("@one_chat", now).unwrap().is_none());
        assert_eq!(
            chats_at(&store, now),
            vec![("@one_chat".into(), 60), ("@two_chat".into(), 0)]
        );
        // A new alert for "one" also queues behind "a".
        store.record(&[item("c", &["one"])], now).unwrap();
        let mut titles = Vec::new();
        while let Some((next, _)) = store.head("@one_chat", now + secs(61)).unwrap() {
            assert_eq!(next.attempts, if next.title == "title a" { 1 } else { 0 });
            titles.push(next.title.clone());
            store.mark_sending(next.id).unwrap();
            store.mark_sent(next.id, Some(7), now + secs(61)).unwrap();
        }
        assert_eq!(titles, vec!["title a", "title b", "title c"]);
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.sent, counts.pending), (3, 1));
        // Giving up closes an alert too, and lets the chat go on.
        let (b2, _) = store.head("@two_chat", now).unwrap().unwrap();
        store.fail(b2.id, "gave up").unwrap();
        assert_eq!(state(&store, b2.id), "failed");
        assert_eq!(store.pending_count().unwrap(), 0);
    }
}

on_both_engines! {
    fn retry_after_holds_the_chat_even_across_a_restart(location) {
        let now = Utc::now();
        {
            let store = open(location);
            store.record(&[item("a", &["one"])], now).unwrap();
            let (a, _) = store.head("@one_chat", now).unwrap().unwrap();
            store.mark_sending(a.id).unwrap();
            store.chat_not_before("@one_chat", now + secs(30)).unwrap();
            store.retry_at(a.id, now, "429").unwrap();
            // A later, shorter retry_after never shortens the wait.
            store.chat_not_before("@one_chat", now + secs(5)).unwrap();
        }
        let store = open(location);
        store.recover(now).unwrap();
        assert!(store.head("@one_chat", now + secs(29)).unwrap().is_none());
        assert!(store.head("@one_chat", now + secs(30)).unwrap().is_some());
        assert_eq!(chats_at(&store, now), vec![("@one_chat".into(), 30)]);
    }
}

// A single process's crash; replicas recover a chat's sends when they take
// its lease (`one_replica_at_a_time_holds_a_chat_and_another_takes_it_when_it_dies`).
#[test]
fn a_crash_while_sending_leaves_the_alert_to_send_again() {
    let dir = tempfile::tempdir().unwrap();
    let location = &Location::Sqlite(dir.path().join("v.db"));
    {
        let now = Utc::now();
        let id = {
            let store = open(location);
            store
                .record(&[item("a", &["one"]), item("b", &["one"])], now)
                .unwrap();
            let (a, _) = store.head("@one_chat", now).unwrap().unwrap();
            store.mark_sending(a.id).unwrap();
            a.id
            // dropped with "a" in flight, as a SIGKILL would leave it
        };
        let store = open(location);
        let recovered = store.recover(now).unwrap();
        assert_eq!(recovered.in_doubt, 1);
        let (head, _) = store.head("@one_chat", now).unwrap().unwrap();
        assert_eq!(head.id, id, "the alert in flight goes first, before b");
    }
}

on_both_engines! {
    fn a_refused_chat_is_held_probed_and_released_in_order(location) {
        let store = open(location);
        let now = Utc::now();
        store
            .record(&[item("a", &["one"]), item("b", &["one", "two"])], now)
            .unwrap();
        let (a, _) = store.head("@one_chat", now).unwrap().unwrap();
        store.mark_sending(a.id).unwrap();
        assert!(store
            .hold_chat(a.id, "@one_chat", "kicked", now, |_| now + secs(300))
            .unwrap());
        assert!(
            !store
                .hold_chat(a.id, "@one_chat", "kicked", now, |_| now + secs(300))
                .unwrap(),
            "told once"
        );
        assert_eq!(state(&store, a.id), "held");
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.held, counts.pending), (2, 1), "two is not held up");
        // New alerts for a held chat are held behind the others.
        store.record(&[item("c", &["one"])], now).unwrap();
        assert_eq!(store.outbox_counts().unwrap().held, 3);
        assert!(
            store.head("@one_chat", now).unwrap().is_none(),
            "not before the probe"
        );
        assert_eq!(
            chats_at(&store, now),
            vec![("@one_chat".into(), 300), ("@two_chat".into(), 0)]
        );
        // The probe sends the first held alert; its success releases the rest.
        let (probe, is_probe) = store.head("@one_chat", now + secs(300)).unwrap().unwrap();
        assert!(is_probe);
        assert_eq!(probe.id, a.id);
        store.mark_sending(a.id).unwrap();
        let delivered = store.mark_sent(a.id, Some(1), now + secs(300)).unwrap();
        assert_eq!(delivered.resumed, Some(2));
        let (next, is_probe) = store.head("@one_chat", now + secs(300)).unwrap().unwrap();
        assert!(!is_probe);
        assert_eq!(next.title, "title b");
        // A restart probes held chats at once.
        store
            .hold_chat(next.id, "@one_chat", "kicked", now, |_| now + secs(900))
            .unwrap();
        assert_eq!(store.recover(now).unwrap().held_chats, 1);
        assert!(store.head("@one_chat", now).unwrap().unwrap().1);
    }
}

on_both_engines! {
    fn a_migrated_group_takes_its_alerts_and_later_ones_along(location) {
        let store = open(location);
        let now = Utc::now();
        store.record(&[item("a", &["one"])], now).unwrap();
        assert!(store.migrate_chat("@one_chat", "-100777").unwrap());
        assert!(
            !store.migrate_chat("@one_chat", "-100777").unwrap(),
            "news once"
        );
        store.record(&[item("b", &["one"])], now).unwrap();
        assert_eq!(chats(&store), vec![("-100777".into(), 0)]);
        let (a, _) = store.head("-100777", now).unwrap().unwrap();
        assert_eq!(a.title, "title a");
    }
}

on_both_engines! {
    fn fallbacks_and_notices_are_kept_with_the_entry(location) {
        let store = open(location);
        let now = Utc::now();
        store.record(&[item("a", &["one"])], now).unwrap();
        let (a, _) = store.head("@one_chat", now).unwrap().unwrap();
        store.resend_as(a.id, true, None, "can't parse").unwrap();
        store
            .resend_as(a.id, false, Some(3000), "too long")
            .unwrap();
        let (a, _) = store.head("@one_chat", now).unwrap().unwrap();
        assert!(a.plain, "plain stays once set");
        assert_eq!((a.max_len, a.attempts), (Some(3000), 2));
        assert_eq!(store.notice(&[42, 43], "channel held", now).unwrap(), 2);
        let (n, _) = store.head("42", now).unwrap().unwrap();
        assert_eq!(
            (n.notice.as_deref(), n.channel.as_str()),
            (Some("channel held"), "admins")
        );
    }
}

#[test]
fn a_version_1_store_keeps_its_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(migrations::MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "INSERT INTO items (id, key, source, title, summary, found_at) VALUES (1, x'00', 'S', 'old', '', 0);
             INSERT INTO alerts (item_id, channel, chat, state, next_attempt_at, created_at)
               VALUES (1, 'one', '@one_chat', 'pending', 0, 0), (1, 'two', '@two_chat', 'sent', 0, 0);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.sent), (1, 1));
    assert_eq!(
        store
            .head("@one_chat", Utc::now())
            .unwrap()
            .unwrap()
            .0
            .title,
        "old"
    );
}

on_both_engines! {
    fn an_item_is_seen_by_any_of_its_keys(location) {
        let store = open(location);
        let mut a = item("guid-1", &[]);
        let link = crate::sources::key_hash("link:https://example.org/a");
        a.aliases = vec![link];
        store.record(&[a], Utc::now()).unwrap();
        // The same link under a new id is seen; a new id and link is not.
        let churned = vec![crate::sources::key_hash("guid-2"), link];
        let new = vec![crate::sources::key_hash("guid-3")];
        assert_eq!(store.unseen(&[churned, new]).unwrap(), vec![false, true]);
    }
}

on_both_engines! {
    fn a_muted_rules_alerts_are_kept_aside_then_sent_or_dropped(location) {
        let store = open(location);
        let now = Utc::now();
        store.mute("r", now + secs(3600), now).unwrap();
        assert_eq!(store.muted_rules(now).unwrap().len(), 1);
        let mut a = item("a", &["one"]);
        a.muted_rule = Some("r".into());
        store.record(&[a, item("b", &["one"])], now).unwrap();
        // "a" is set aside; "b" goes out, not held up behind it.
        let (head, _) = store.head("@one_chat", now).unwrap().unwrap();
        assert_eq!(head.title, "title b");
        store.mark_sent(head.id, None, now).unwrap();
        assert_eq!(store.pending_count().unwrap(), 0);
        assert_eq!(store.outbox_counts().unwrap().muted, 1);
        // The mute runs out: the alert is delivered.
        assert_eq!(
            store.expire_mutes(now).unwrap().map(|t| t.timestamp()),
            Some((now + secs(3600)).timestamp())
        );
        assert_eq!(store.expire_mutes(now + secs(3600)).unwrap(), None);
        assert_eq!(
            store
                .head("@one_chat", now + secs(3600))
                .unwrap()
                .unwrap()
                .0
                .title,
            "title a"
        );
        // Or the operator drops them.
        store.mute("r", now + secs(60), now).unwrap();
        let mut c = item("c", &["two"]);
        c.muted_rule = Some("r".into());
        store.record(&[c], now).unwrap();
        assert_eq!(store.unmute("r", false, now).unwrap(), Some(1));
        assert_eq!(
            store.unmute("r", false, now).unwrap(),
            None,
            "not muted any more"
        );
        assert!(store.head("@two_chat", now).unwrap().is_none());
        assert_eq!(store.outbox_counts().unwrap().failed, 1);
    }
}

fn story_item(key: &str, title: &str, rule: &str) -> NewItem {
    let mut it = item(key, &["one"]);
    it.title = title.into();
    it.explanation = Some(Explanation {
        rules: vec![rule.into()],
        ..Default::default()
    });
    it.story = Some((
        crate::stories::words(title, ""),
        std::time::Duration::from_secs(72 * 3600),
    ));
    it
}

const STORY: &str = "Detienen al periodista Juan Pérez del diario El Sol en Caracas";

on_both_engines! {
    fn a_story_s_later_items_edit_or_answer_its_message(location) {
        let store = open(location);
        let now = Utc::now();
        store.record(&[story_item("a", STORY, "r")], now).unwrap();
        let (first, _) = store.head("@one_chat", now).unwrap().unwrap();
        assert_eq!(first.kind, EntryKind::Alert);
        store.mark_sent(first.id, Some(41), now).unwrap();

        let later = "El SEBIN detiene al periodista Juan Pérez del diario El Sol en Caracas";
        store
            .record(
                &[
                    story_item("b", later, "r"),
                    story_item("c", later, "other rule"),
                    story_item(
                        "d",
                        "Inundaciones en el estado Mérida dejan tres muertos",
                        "r",
                    ),
                ],
                now + secs(60),
            )
            .unwrap();
        let (edit, _) = store.head("@one_chat", now + secs(60)).unwrap().unwrap();
        assert_eq!(edit.kind, EntryKind::Edit);
        assert_eq!(edit.root_message, Some(41));
        assert_eq!(edit.title, STORY, "an edit renders the story's first item");
        assert_eq!(
            edit.also,
            [super::AlsoReport {
                source: "S".into(),
                title: later.into(),
                link: Some("https://example.org/b".into())
            }]
        );
        store.mark_sent(edit.id, Some(41), now + secs(60)).unwrap();
        let (reply, _) = store.head("@one_chat", now + secs(60)).unwrap().unwrap();
        assert_eq!(
            (reply.kind, reply.root_message),
            (EntryKind::Reply, Some(41))
        );
        assert_eq!(reply.title, later);
        store.mark_sent(reply.id, Some(42), now + secs(60)).unwrap();
        let (other, _) = store.head("@one_chat", now + secs(60)).unwrap().unwrap();
        assert_eq!(other.kind, EntryKind::Alert, "another story");
        let stories: Vec<i64> = store.story_members().unwrap().iter().map(|m| m.0).collect();
        assert_eq!(stories[..3], [stories[0]; 3]);
        assert_ne!(stories[3], stories[0]);

        // Beyond the window, the same words are a new story.
        store
            .record(&[story_item("e", later, "r")], now + secs(73 * 3600))
            .unwrap();
        store.mark_sent(other.id, Some(43), now + secs(60)).unwrap();
        let (late, _) = store
            .head("@one_chat", now + secs(73 * 3600))
            .unwrap()
            .unwrap();
        assert_eq!(late.kind, EntryKind::Alert);
    }
}

on_both_engines! {
    fn a_story_whose_message_was_never_delivered_sends_its_reports_as_alerts(location) {
        let store = open(location);
        let now = Utc::now();
        store.record(&[story_item("a", STORY, "r")], now).unwrap();
        let (first, _) = store.head("@one_chat", now).unwrap().unwrap();
        store.fail(first.id, "gave up").unwrap();
        let later = "El SEBIN detiene al periodista Juan Pérez del diario El Sol en Caracas";
        store.record(&[story_item("b", later, "r")], now).unwrap();
        let (next, _) = store.head("@one_chat", now).unwrap().unwrap();
        assert_eq!((next.kind, next.title.as_str()), (EntryKind::Alert, later));
    }
}

on_both_engines! {
    fn retention_deletes_old_items_but_keeps_their_keys_and_open_alerts(location) {
        let store = open(location);
        let old = Utc::now() - chrono::Duration::days(100);
        store
            .record(
                &[
                    story_item("sent", STORY, "r"),
                    item("seen", &[]),
                    item("open", &["two"]),
                ],
                old,
            )
            .unwrap();
        let (a, _) = store.head("@one_chat", old).unwrap().unwrap();
        store.mark_sent(a.id, Some(1), old).unwrap();
        store.record(&[item("new", &[])], Utc::now()).unwrap();

        let pruned = store
            .prune(Utc::now() - chrono::Duration::days(90))
            .unwrap();
        assert_eq!(pruned, 2, "the sent and the seen-only item");
        assert_eq!(
            store.item_count().unwrap(),
            2,
            "the open alert's item and the new one"
        );
        assert!(store.story_members().unwrap().is_empty());
        let keys: Vec<Vec<[u8; 16]>> = ["sent", "seen", "open", "new", "never"]
            .iter()
            .map(|k| vec![crate::sources::key_hash(k)])
            .collect();
        assert_eq!(
            store.unseen(&keys).unwrap(),
            [false, false, false, false, true],
            "a pruned item is still known"
        );
        assert!(store.head("@two_chat", Utc::now()).unwrap().is_some());
    }
}

/// Finding a story's first alert read the channel's every alert once the
/// console's `alerts_channel` index existed: 2.6 → 4.7 ms a join at 30,000
/// stories. It must start from the story's items.
#[test]
fn a_story_s_first_alert_is_found_from_the_story_s_items() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let conn = store.conn();
    let plan: Vec<String> = conn
        .sqlite()
        .unwrap()
        .prepare(&format!("EXPLAIN QUERY PLAN {}", super::items::STORY_ROOT))
        .unwrap()
        .query_map(rusqlite::params![1, "alerts"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan[0].contains("items_story"), "{plan:?}");
    assert!(
        !plan.iter().any(|l| l.contains("alerts_channel")),
        "{plan:?}"
    );
}

// A backtest from the console read a month of items on the daemon's one
// connection, holding up every poll and send for seconds. It reads on a
// connection of its own: the store takes writes while it reads.
on_both_engines! {
    fn a_long_read_on_a_reader_does_not_hold_up_writes(location) {
        let store = open(location);
        let now = Utc::now();
        store
            .record(&[item("a", &[]), item("b", &[])], now)
            .unwrap();
        let reader = store.reader().unwrap();
        let mut written = 0;
        let read = reader
            .each_item_since(now - chrono::Duration::hours(1), |_| {
                // Written while the read is open; with one connection shared,
                // this would wait on the reader forever.
                written += store
                    .record(&[item(&format!("new {written}"), &[])], now)
                    .map(|_| 1)
                    .unwrap();
            })
            .unwrap();
        assert_eq!((read, written), (2, 2));
        assert_eq!(store.item_count().unwrap(), 4);
        // The reader cannot write.
        assert!(reader.record(&[item("c", &[])], now).is_err());
    }
}

#[test]
fn story_items_kept_in_memory_are_forgotten_when_a_record_rolls_back() {
    // An id read during a transaction that rolls back is given to the next
    // item: what was kept of it (its words, its rows of the story index)
    // would then stand for another item.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let now = Utc::now();
    let later = "El SEBIN detiene al periodista Juan Pérez del diario El Sol en Caracas";
    store.record(&[story_item("a", STORY, "r")], now).unwrap();
    store
        .record(&[story_item("b", later, "r")], now + secs(1))
        .unwrap();
    assert!(!store.recent().is_empty(), "b was compared with a");
    store
        .conn()
        .batch(
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON items WHEN NEW.title = 'boom'
             BEGIN SELECT RAISE(ABORT, 'boom'); END",
        )
        .unwrap();
    let failed = store.record(
        &[story_item("c", later, "r"), story_item("d", "boom", "r")],
        now + secs(2),
    );
    assert!(failed.is_err());
    assert!(store.recent().is_empty());
    // The join still works from the store alone.
    store.conn().batch("DROP TRIGGER boom").unwrap();
    store
        .record(&[story_item("c", later, "r")], now + secs(3))
        .unwrap();
    let stories: Vec<i64> = store.story_members().unwrap().iter().map(|m| m.0).collect();
    assert_eq!(stories, [stories[0]; 3]);
}

/// Two replicas' stores on one database, with leases this short.
fn replicas(lease: std::time::Duration) -> (Store, Store) {
    let Location::Postgres(mut target) = pg_cluster::location() else {
        unreachable!()
    };
    target.lease = lease;
    let location = Location::Postgres(target);
    (open(&location), open(&location))
}

/// Asks until `f` says yes, within `limit`: a lease runs out by the
/// database's clock, which no test can pause.
fn eventually(limit: std::time::Duration, mut f: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + limit;
    while !f() {
        assert!(std::time::Instant::now() < until, "not within {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn one_replica_at_a_time_holds_a_chat_and_another_takes_it_when_it_dies() {
    let (a, b) = replicas(std::time::Duration::from_millis(300));
    let now = Utc::now();
    a.record(&[item("x", &["one"]), item("y", &["one"])], now)
        .unwrap();
    assert_eq!(a.lease(LeaseKind::Chat, "@one_chat").unwrap(), Lease::Held);
    assert_eq!(a.lease(LeaseKind::Chat, "@one_chat").unwrap(), Lease::Held);
    assert!(matches!(
        b.lease(LeaseKind::Chat, "@one_chat").unwrap(),
        Lease::Busy(_)
    ));
    // A sends x and dies before Telegram's answer is recorded.
    let (x, _) = a.head("@one_chat", now).unwrap().unwrap();
    a.mark_sending(x.id).unwrap();
    // A restart elsewhere leaves another replica's send alone.
    assert_eq!(b.recover(now).unwrap().in_doubt, 0);
    assert_eq!(state(&b, x.id), "sending");
    drop(a);
    let mut taken = None;
    eventually(std::time::Duration::from_secs(5), || {
        taken = Some(b.lease(LeaseKind::Chat, "@one_chat").unwrap());
        taken.is_some_and(Lease::held)
    });
    assert_eq!(taken, Some(Lease::TakenOver { in_doubt: 1 }));
    let (again, _) = b.head("@one_chat", now).unwrap().unwrap();
    assert_eq!(again.id, x.id, "the alert in flight goes again, first");
}

#[test]
fn a_released_lease_passes_without_doubt_and_renewal_keeps_one() {
    let (a, b) = replicas(std::time::Duration::from_millis(600));
    assert_eq!(
        a.lease(LeaseKind::Commands, "telegram").unwrap(),
        Lease::Held
    );
    // Renewed more often than it lasts, it is never lost.
    for _ in 0..6 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(a.renew_leases().unwrap(), 1);
        assert!(!b.lease(LeaseKind::Commands, "telegram").unwrap().held());
    }
    assert_eq!(b.leases().unwrap().len(), 1);
    a.release_all().unwrap();
    assert_eq!(
        b.lease(LeaseKind::Commands, "telegram").unwrap(),
        Lease::Held
    );
    assert_eq!(b.leases().unwrap()[0].2, b.holder());
}

#[test]
fn a_source_is_polled_by_one_replica_and_not_again_before_it_is_due() {
    let (a, b) = replicas(std::time::Duration::from_secs(15));
    assert_eq!(a.claim_poll("S").unwrap(), PollClaim::Poll);
    let PollClaim::Wait(wait) = b.claim_poll("S").unwrap() else {
        panic!("polled twice at once")
    };
    assert!(wait > std::time::Duration::from_secs(10), "{wait:?}");
    // A polls it and writes when it is due next: B waits for that.
    let now = Utc::now();
    a.poll_succeeded("S", None, 0, Some(0), now, now + secs(600))
        .unwrap();
    a.release(LeaseKind::Source, "S").unwrap();
    let PollClaim::Wait(wait) = b.claim_poll("S").unwrap() else {
        panic!("polled again before it was due")
    };
    assert!(wait > std::time::Duration::from_secs(590), "{wait:?}");
    a.poll_succeeded("S", None, 0, Some(0), now, now).unwrap();
    assert_eq!(b.claim_poll("S").unwrap(), PollClaim::Poll);
}

#[test]
fn a_sqlite_store_holds_every_lease_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    assert_eq!(store.lease(LeaseKind::Chat, "@c").unwrap(), Lease::Held);
    assert_eq!(store.claim_poll("S").unwrap(), PollClaim::Poll);
    assert!(store.leases().unwrap().is_empty());
}

#[test]
fn postgres_is_reached_over_tls_checked_against_the_configured_ca() {
    let Location::Postgres(target) = pg_cluster::location() else {
        unreachable!()
    };
    let store = open(&Location::Postgres(target.clone()));
    let tls: bool = store
        .conn()
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            db::p![],
            |r| r.get(0),
        )
        .unwrap();
    assert!(tls, "the connection is encrypted");
    // A server whose certificate chains to no known CA is refused, and
    // the error says so without the password.
    let unknown = PostgresTarget {
        ca_file: None,
        ..target.clone()
    };
    let err = Store::connect(&Location::Postgres(unknown))
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("certificate"), "{err}");
    assert!(!err.contains(pg_cluster::PASSWORD), "{err}");
    let missing = PostgresTarget {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..target
    };
    let err = Store::connect(&Location::Postgres(missing))
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("store.ca_file"), "{err}");
}

#[test]
fn a_sqlite_store_moves_to_postgres_with_everything_it_knows() {
    let dir = tempfile::tempdir().unwrap();
    let lite = Store::open(&dir.path().join("v.db")).unwrap();
    let now = Utc::now();
    let later = "El SEBIN detiene al periodista Juan Pérez del diario El Sol en Caracas";
    lite.record(
        &[
            story_item("a", STORY, "r"),
            item("seen", &[]),
            item("pending", &["two"]),
        ],
        now,
    )
    .unwrap();
    let (a, _) = lite.head("@one_chat", now).unwrap().unwrap();
    lite.mark_sent(a.id, Some(41), now).unwrap();
    lite.record(&[story_item("b", later, "r")], now + secs(1))
        .unwrap();
    lite.mute("r", now + secs(3600), now).unwrap();
    lite.chat_not_before("@two_chat", now + secs(30)).unwrap();
    let v = Validators {
        etag: Some("\"e\"".into()),
        last_modified: None,
    };
    lite.poll_succeeded("S", Some(&v), 4, Some(1), now, now + secs(600))
        .unwrap();

    let pg = open(&pg_cluster::location());
    let copied = pg.copy_from(&lite).unwrap();
    let rows = |t: &str| copied.iter().find(|c| c.0 == t).unwrap().1;
    assert_eq!((rows("items"), rows("alerts"), rows("stories")), (4, 3, 1));

    assert_eq!(pg.outbox_counts().unwrap(), lite.outbox_counts().unwrap());
    assert_eq!(pg.story_members().unwrap(), lite.story_members().unwrap());
    assert_eq!(pg.source_health().unwrap(), lite.source_health().unwrap());
    assert_eq!(
        pg.source_state("S").unwrap(),
        lite.source_state("S").unwrap()
    );
    assert_eq!(pg.chats().unwrap(), lite.chats().unwrap());
    assert_eq!(pg.muted_rules(now).unwrap(), lite.muted_rules(now).unwrap());
    let keys: Vec<Vec<[u8; 16]>> = ["a", "seen", "pending", "b", "new"]
        .iter()
        .map(|k| vec![crate::sources::key_hash(k)])
        .collect();
    assert_eq!(
        pg.unseen(&keys).unwrap(),
        [false, false, false, false, true]
    );
    // The story's later report still edits the message sent before the move.
    pg.unmute("r", true, now).unwrap();
    let (edit, _) = pg.head("@one_chat", now + secs(1)).unwrap().unwrap();
    assert_eq!((edit.kind, edit.root_message), (EntryKind::Edit, Some(41)));
    // New rows get ids after the copied ones; a second copy is refused.
    pg.record(&[item("new", &["two"])], now).unwrap();
    assert_eq!(pg.item_count().unwrap(), 5);
    assert!(matches!(
        pg.copy_from(&lite),
        Err(StoreError::NotEmpty { .. })
    ));
    assert!(matches!(
        lite.copy_from(&pg),
        Err(StoreError::MigrateDirection)
    ));
}

on_both_engines! {
    fn what_the_console_reads_is_the_same_on_either_engine(location) {
        let store = open(location);
        let now = Utc::now();
        let mut a = story_item("a", STORY, "r");
        a.summary = "Funcionarios del SEBIN lo detuvieron en su casa".into();
        store
            .record(&[a, item("b", &["two"]), item("seen", &[])], now)
            .unwrap();
        let (first, _) = store.head("@one_chat", now).unwrap().unwrap();
        store.mark_sent(first.id, Some(7), now).unwrap();

        // Every word, accents and case aside, whole words only.
        let titles = |q: &str| -> Vec<String> {
            store.search(q, 10).unwrap().into_iter().map(|i| i.title).collect()
        };
        assert_eq!(titles("perez caracas"), [STORY]);
        assert_eq!(titles("PÉREZ sebin"), [STORY]);
        assert!(titles("pere").is_empty(), "a word, not a part of one");
        assert!(titles("perez madrid").is_empty());
        assert_eq!(titles("title"), ["title seen", "title b"], "newest first");

        let alerts = store.channel_alerts("one", 10).unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].state, alerts[0].printed), (AlertState::Sent, false));
        let story = alerts[0].item.story.unwrap();
        assert_eq!(store.story(story).unwrap().len(), 1);
        let hits = store.rule_hits([now - secs(60)]).unwrap();
        assert_eq!(hits["r"], [2]);
        assert_eq!(store.alerts_sent_by_source().unwrap()["S"], 1);
        let mut seen = 0;
        let n = store
            .each_item_since(now - secs(60), |_| seen += 1)
            .unwrap();
        assert_eq!((n, seen), (3, 3));
        assert_eq!(store.recent_alerts(5).unwrap()[0].channels, "one");
    }
}

on_both_engines! {
    fn the_smaller_calls_work_on_either_engine(location) {
        let store = open(location);
        let now = Utc::now();
        store.record(&[item("a", &["one"]), item("b", &["two"])], now).unwrap();
        let found = store.item_by_link("https://example.org/a").unwrap().unwrap();
        assert_eq!(found.title, "title a");
        assert!(store.item_by_link("https://example.org/zzz").unwrap().is_none());
        assert_eq!(
            store.oldest_pending().unwrap().map(|t| t.timestamp_millis()),
            Some(now.timestamp_millis())
        );
        let (a, _) = store.head("@one_chat", now).unwrap().unwrap();
        store.mark_printed(a.id, now).unwrap();
        assert_eq!(store.outbox_counts().unwrap().printed, 1);
        let (b, _) = store.head("@two_chat", now).unwrap().unwrap();
        store.retry_at(b.id, now + secs(600), "502").unwrap();
        assert_eq!(store.due_now(&["@two_chat".to_string()], now).unwrap(), 1);
        assert!(store.head("@two_chat", now).unwrap().is_some());
        store.hold_chat(b.id, "@two_chat", "kicked", now, |_| now + secs(900)).unwrap();
        assert_eq!(store.probe_held_now(now).unwrap(), 1);
        assert!(store.head("@two_chat", now).unwrap().unwrap().1, "a probe now");
        store.heartbeat(now).unwrap();
        store.heartbeat(now + secs(1)).unwrap();
    }
}

#[test]
fn a_postgres_store_from_a_newer_vigia_is_refused() {
    let location = pg_cluster::location();
    let store = open(&location);
    store
        .conn()
        .batch("UPDATE schema_version SET version = 99")
        .unwrap();
    assert!(matches!(
        Store::connect(&location),
        Err(StoreError::TooNew { found: 99, .. })
    ));
    // Opening it again at its own version changes nothing.
    store
        .conn()
        .batch(&format!(
            "UPDATE schema_version SET version = {}",
            migrations::MIGRATIONS.len()
        ))
        .unwrap();
    let again = open(&location);
    assert_eq!(again.item_count().unwrap(), 0);
}

#[test]
fn a_lost_postgres_connection_is_opened_again_between_transactions() {
    let location = pg_cluster::location();
    let store = open(&location);
    let reader = store.reader().unwrap();
    let now = Utc::now();
    store.record(&[item("a", &["one"])], now).unwrap();
    // The server ends every session but the killer's (a restart, a
    // network cut, an administrator).
    // Waits (up to 10 s) until each backend has exited: without the
    // timeout the signal may land after the next call has already been
    // answered, and the call after it meets the dead connection.
    let kill = || {
        open(&location)
            .conn()
            .batch(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .unwrap()
    };
    kill();
    // The call that meets the dead connection may fail (the client learns
    // of it then); the next opens a new one.
    assert!(store.item_count().is_err() || store.item_count().unwrap() == 1);
    assert_eq!(store.item_count().unwrap(), 1);
    store.record(&[item("b", &["one"])], now).unwrap();
    assert_eq!(store.pending_count().unwrap(), 2);
    // A long read's connection comes back read-only.
    kill();
    let _ = reader.item_count();
    assert_eq!(reader.item_count().unwrap(), 2);
    assert!(
        reader.record(&[item("c", &[])], now).is_err(),
        "still read-only"
    );
}
