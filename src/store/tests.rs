use super::*;

fn item(key: &str, alerts: &[&str]) -> NewItem {
    NewItem {
        key: crate::sources::key_hash(key),
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

#[test]
fn items_and_alerts_are_recorded_once_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/vigia.db");
    let now = Utc::now();
    {
        let store = Store::open(&path).unwrap();
        let keys = [item("a", &[]).key, item("b", &[]).key];
        assert_eq!(store.unseen(&keys).unwrap(), vec![true, true]);
        let queued = store
            .record(&[item("a", &["one", "two"]), item("b", &[])], now)
            .unwrap();
        assert_eq!(queued, 2);
        assert_eq!(store.unseen(&keys).unwrap(), vec![false, false]);
        // The same key again (another source, a race): nothing new.
        assert_eq!(store.record(&[item("a", &["one"])], now).unwrap(), 0);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.item_count().unwrap(), 2);
    let due = store.due_alerts(now, 10).unwrap();
    assert_eq!(
        due.iter().map(|a| a.channel.as_str()).collect::<Vec<_>>(),
        vec!["one", "two"]
    );
    assert_eq!(due[0].title, "title a");
    assert_eq!(due[0].explanation.rules, vec!["r"]);
}

#[test]
fn outbox_moves_only_on_mark_sent_and_honours_deferrals() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let now = Utc::now();
    store
        .record(&[item("a", &["one"]), item("b", &["one"])], now)
        .unwrap();
    let due = store.due_alerts(now, 10).unwrap();
    let later = now + chrono::Duration::seconds(30);
    store.defer(due[0].id, later, "boom").unwrap();
    assert!(
        store.due_alerts(now, 10).unwrap().is_empty(),
        "b waits behind a, same chat"
    );
    store.defer_chat("@one_chat", later).unwrap();
    assert!(store.due_alerts(now, 10).unwrap().is_empty());
    assert_eq!(
        store.next_due().unwrap().map(|t| t.timestamp_millis()),
        Some(later.timestamp_millis())
    );
    assert_eq!(store.due_alerts(later, 10).unwrap()[0].attempts, 1);
    store.mark_sent(due[0].id, Some(7), later).unwrap();
    assert_eq!(store.pending_count().unwrap(), 1);
    assert_eq!(store.retry_pending_now(now).unwrap(), 1);
    assert_eq!(store.due_alerts(now, 10).unwrap().len(), 1);
}

#[test]
fn source_state_keeps_validators_and_first_poll() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let now = Utc::now();
    assert!(!store.source_state("S").unwrap().polled_before);
    store.poll_failed("S", "timed out", now).unwrap();
    let state = store.source_state("S").unwrap();
    assert!(!state.polled_before);
    assert_eq!(state.consecutive_failures, 1);
    let v = Validators {
        etag: Some("\"x\"".into()),
        last_modified: None,
    };
    store.poll_succeeded("S", Some(&v), now).unwrap();
    store.poll_succeeded("S", None, now).unwrap();
    let state = store.source_state("S").unwrap();
    assert!(state.polled_before);
    assert_eq!(state.validators, v);
    assert_eq!(state.consecutive_failures, 0);
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

#[test]
fn a_later_alert_never_overtakes_an_earlier_one_to_the_same_chat() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let now = Utc::now();
    store
        .record(&[item("a", &["one"]), item("b", &["one", "two"])], now)
        .unwrap();
    let due = store.due_alerts(now, 10).unwrap();
    assert_eq!(due.len(), 3);
    // The first alert to "one" fails and waits: the second to "one" waits
    // behind it, "two" is not held up.
    store
        .defer(due[0].id, now + chrono::Duration::seconds(60), "502")
        .unwrap();
    let due: Vec<(String, String)> = store
        .due_alerts(now, 10)
        .unwrap()
        .into_iter()
        .map(|a| (a.channel, a.title))
        .collect();
    assert_eq!(due, vec![("two".to_string(), "title b".to_string())]);
    // Nothing can be sent before the waiting alert's time: the worker must
    // sleep until then, not wake for the alert queued behind it.
    assert_eq!(
        store.next_due().unwrap().map(|t| t.timestamp_millis()),
        Some(now.timestamp_millis()),
        "\"two\" is still due now"
    );
    store
        .mark_sent(store.due_alerts(now, 10).unwrap()[0].id, None, now)
        .unwrap();
    assert_eq!(
        store.next_due().unwrap().map(|t| t.timestamp_millis()),
        Some((now + chrono::Duration::seconds(60)).timestamp_millis())
    );
    // A new alert for "one" also queues behind the waiting one.
    store.record(&[item("c", &["one"])], now).unwrap();
    assert!(store.due_alerts(now, 10).unwrap().is_empty());
    let later = now + chrono::Duration::seconds(61);
    let titles: Vec<String> = store
        .due_alerts(later, 10)
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert_eq!(titles, vec!["title a", "title b", "title c"]);
}
