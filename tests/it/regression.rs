//! One test per bug fixed, each named for the behaviour it guards.

use std::time::{Duration, Instant};

use crate::delivery::{chat, flood, no_early_calls, Flood, ADMIN};
use crate::support::{Fault, Mode};

/// When the last message to chat `i` was accepted.
fn last_arrival(f: &Flood, i: usize) -> Instant {
    f.bot
        .sent()
        .iter()
        .filter(|s| s.chat == chat(i))
        .map(|s| s.at)
        .max()
        .unwrap_or_else(|| panic!("nothing reached channel {i}"))
}

/// Every channel got its items in order, each within `within` of `end`.
fn all_arrived_soon_after(
    f: &Flood,
    channels: usize,
    items: usize,
    end: Instant,
    within: Duration,
) {
    for c in 0..channels {
        assert_eq!(f.arrived(c), (0..items).collect::<Vec<_>>(), "channel {c}");
        let late = last_arrival(f, c).saturating_duration_since(end);
        assert!(
            late <= within,
            "channel {c}: last alert {late:?} after the fault ended"
        );
    }
}

/// Every send gets `fault` for `span` from now; returns when it ends.
fn fault_for(f: &Flood, span: Duration, fault: Fault) -> Instant {
    let end = Instant::now() + span;
    f.bot.set_mode(Mode::FaultUntil(end, fault));
    end
}

/// Bug: a JSON 500 (`ApiError::Unknown` to teloxide) was taken for a chat
/// refusal; every channel was held for `recheck_held` and admins were told
/// it was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_500_for_three_seconds_holds_no_channel_and_tells_no_admin() {
    let f = flood(3, 3, "", &[]).await;
    let end = fault_for(&f, Duration::from_secs(3), Fault::InternalServerError);
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    f.bot.wait_for("every alert", |st| st.sent.len() == 9).await;
    all_arrived_soon_after(&f, 3, 3, end, Duration::from_secs(10));
    h.delivered().await;
    assert!(f.to_admin().is_empty(), "a passing fault is not news");
    let counts = h.store().outbox_counts().unwrap();
    assert_eq!((counts.held, counts.failed), (0, 0));
    assert!(
        f.bot.state.lock().unwrap().calls.len() > 9,
        "the fault was answered"
    );
    no_early_calls(&f.bot);
    running.shutdown().await;
}

/// Bug: the same, for the HTML pages a proxy answers (502 and 504).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_gateway_and_gateway_timeout_pages_are_retried_without_holding() {
    for fault in [Fault::BadGateway, Fault::GatewayTimeout] {
        let f = flood(2, 2, "", &[]).await;
        let end = fault_for(&f, Duration::from_secs(2), fault.clone());
        let running = f.start().await;
        running.handle.poll_now().await;
        f.bot.wait_for("every alert", |st| st.sent.len() == 4).await;
        all_arrived_soon_after(&f, 2, 2, end, Duration::from_secs(10));
        assert!(f.to_admin().is_empty(), "{fault:?} is not news");
        assert_eq!(running.handle.store().outbox_counts().unwrap().held, 0);
        running.shutdown().await;
    }
}

/// Bug: an unknown 400 about one message held its whole channel, so the
/// messages behind it waited for minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_400_fails_that_message_alone_and_the_rest_flow() {
    let f = flood(2, 3, "", &[]).await;
    let refusal = "Bad Request: PAYLOAD_NEVER_SEEN";
    // Refused as HTML, then as plain text.
    f.bot.fault(Some(&chat(0)), Fault::Api(400, refusal.into()));
    f.bot.fault(Some(&chat(0)), Fault::Api(400, refusal.into()));
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    h.delivered().await;
    assert_eq!(f.arrived(0), vec![1, 2], "the rest of the channel flows");
    assert_eq!(f.arrived(1), vec![0, 1, 2]);
    let calls = f
        .bot
        .with(|st| st.calls.iter().filter(|(_, c)| *c == chat(0)).count());
    assert_eq!(calls, 4, "one plain-text try, then given up");
    f.bot
        .wait_for("the notice", |st| st.sent.iter().any(|s| s.chat == ADMIN))
        .await;
    let notices = f.to_admin();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert!(
        notices[0].contains("PAYLOAD_NEVER_SEEN")
            && notices[0].contains("la persona 0")
            && notices[0].contains("channel ch0"),
        "admins learn what was lost and why: {}",
        notices[0]
    );
    let counts = h.store().outbox_counts().unwrap();
    assert_eq!((counts.failed, counts.held), (1, 0));
    running.shutdown().await;
}

/// Bug: a 401 (token revoked) was taken for a refusal of each chat in
/// turn. It stops every send, says so in health and metrics, retries
/// slowly, and loses nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_pauses_every_send_loses_nothing_and_recovers() {
    let f = flood(3, 2, "recheck_held = \"1s\"", &[]).await;
    f.bot.set_mode(Mode::Unauthorized);
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    f.bot
        .wait_for("a second round of tries", |st| st.calls.len() > 3)
        .await;
    let health = h.telegram();
    assert!(
        health
            .bot_refused
            .as_deref()
            .unwrap_or("")
            .contains("Unauthorized"),
        "{health:?}"
    );
    assert_eq!(h.metrics().telegram_bot_refused.get(), 1);
    let gap = f.bot.with(|st| st.calls[3].0.duration_since(st.calls[0].0));
    assert!(gap >= Duration::from_millis(900), "retried slowly: {gap:?}");
    let counts = h.store().outbox_counts().unwrap();
    assert_eq!(
        (counts.pending + counts.sending, counts.held, counts.failed),
        (6, 0, 0)
    );

    f.bot.set_mode(Mode::Ok);
    h.delivered().await;
    for c in 0..3 {
        assert_eq!(f.arrived(c), vec![0, 1], "channel {c}");
    }
    assert_eq!(h.telegram().bot_refused, None);
    assert_eq!(h.metrics().telegram_bot_refused.get(), 0);
    assert!(f.to_admin().is_empty(), "no chat was refused");
    running.shutdown().await;
}

/// Bug: a channel the bot was removed from and then added back waited for
/// `recheck_held` (5 minutes) before its first probe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kicked_channel_restored_gets_its_alerts_within_seconds() {
    let f = flood(2, 2, "", &[]).await;
    f.bot.with(|st| {
        st.refused.insert(
            chat(0),
            "Forbidden: bot was kicked from the channel chat".into(),
        )
    });
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    f.bot
        .wait_for("the refusal notice", |st| {
            st.sent.iter().any(|s| s.chat == ADMIN)
        })
        .await;
    f.bot
        .wait_for("the other channel's alerts", |st| {
            st.sent.iter().filter(|s| s.chat == chat(1)).count() == 2
        })
        .await;
    assert_eq!(f.arrived(1), vec![0, 1], "the other channel flows");
    let restored = Instant::now();
    f.bot.with(|st| st.refused.clear());
    f.bot
        .wait_for_within(Duration::from_secs(30), "the held alerts", |st| {
            st.sent.iter().filter(|s| s.chat == chat(0)).count() == 2
        })
        .await;
    assert_eq!(f.arrived(0), vec![0, 1], "in order");
    assert!(last_arrival(&f, 0).duration_since(restored) <= Duration::from_secs(30));
    f.bot
        .wait_for("the all-clear", |st| {
            st.sent.iter().filter(|s| s.chat == ADMIN).count() == 2
        })
        .await;
    let notices = f.to_admin();
    assert!(notices[0].contains("channel ch0") && notices[0].contains("kicked"));
    assert!(notices[1].contains("channel ch0 again"), "{}", notices[1]);
    running.shutdown().await;
}

/// Bug: `telegram.admins` lived in three copies and a reload refreshed only
/// one, so after an edit the command loop and delivery's notices still
/// used the old admins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_changes_the_admins_for_notices_and_commands_alike() {
    let f = flood(2, 1, "", &[]).await;
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    h.delivered().await;
    let path = f.config.path.clone();
    let toml = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&format!("admins = [{ADMIN}]"), "admins = [43]");
    std::fs::write(&path, toml).unwrap();
    h.reload().await.unwrap();

    // A notice from delivery goes to the new admin.
    f.bot.with(|st| {
        st.refused.insert(
            chat(0),
            "Forbidden: bot was kicked from the channel chat".into(),
        )
    });
    f.feeds[0].push(crate::delivery::entry(0, 1));
    h.poll_now().await;
    f.bot
        .wait_for("the refusal notice", |st| {
            st.sent.iter().any(|s| s.chat == "43")
        })
        .await;
    // The command loop answers the new admin, and refuses the old one.
    f.bot.message_from(43, "/status");
    f.bot.message_from(42, "/status");
    f.bot
        .wait_for("two answers", |st| {
            st.sent
                .iter()
                .filter(|s| s.chat == "42" || s.chat == "43")
                .count()
                == 3
        })
        .await;
    let to_new = f.bot.texts_to("43");
    assert!(
        to_new[0].contains("cannot post to channel ch0"),
        "{to_new:#?}"
    );
    assert!(!to_new[1].contains("only vigia's admins"), "{}", to_new[1]);
    assert!(f.bot.texts_to("42")[0].contains("only vigia's admins"));
    running.shutdown().await;
}

/// Bug: a command's answer that Telegram met with a 429 was dropped
/// instead of sent once `retry_after` had passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_answer_over_the_rate_limit_is_sent_after_retry_after() {
    let f = flood(1, 1, "", &[]).await;
    let running = f.start().await;
    running.handle.poll_now().await;
    running.handle.delivered().await;
    f.bot.fault(Some(ADMIN), Fault::RetryAfter(1));
    f.bot.message_from(42, "/help");
    f.bot
        .wait_for("the answer", |st| st.sent.iter().any(|s| s.chat == ADMIN))
        .await;
    assert!(f.to_admin()[0].contains("/status"), "{:?}", f.to_admin());
    no_early_calls(&f.bot);
    running.shutdown().await;
}

/// Bug: admins were told a channel was refused when Telegram itself was
/// failing. They hear once it has failed every send for `down_after`, and
/// again when it works, and of no channel refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_failing_for_down_after_is_told_once_then_its_recovery() {
    let f = flood(2, 2, "down_after = \"1s\"", &[]).await;
    let end = fault_for(&f, Duration::from_secs(3), Fault::InternalServerError);
    let running = f.start().await;
    let h = running.handle.clone();
    h.poll_now().await;
    f.bot
        .wait_for("the failing spell in health", |_| {
            h.telegram().failing_since.is_some()
        })
        .await;
    assert_eq!(h.metrics().telegram_failing.get(), 1);
    f.bot
        .wait_for("the two notices", |st| {
            st.sent.iter().filter(|s| s.chat == ADMIN).count() == 2
        })
        .await;
    f.bot
        .wait_for("every alert", |st| {
            st.sent.iter().filter(|s| s.chat != ADMIN).count() == 4
        })
        .await;
    all_arrived_soon_after(&f, 2, 2, end, Duration::from_secs(10));
    let notices = f.to_admin();
    assert!(
        notices[0].contains("Telegram has failed every send"),
        "{notices:#?}"
    );
    assert!(notices[1].contains("Telegram works again"), "{notices:#?}");
    assert_eq!(h.telegram().failing_since, None);
    assert_eq!(h.metrics().telegram_failing.get(), 0);
    running.shutdown().await;
}

/// Bug: a word matched by two terms of one list (`detienen` and `[es]
/// detener+`) was named twice in the alert and in `replay`.
#[test]
fn a_word_two_terms_of_one_list_match_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.txt"), "detienen\n[es]\ndetener+\n").unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(
        &path,
        "[channels]\na = -100\n[lists]\nd = \"d.txt\"\nv = [\"Caracas\"]\n\
         [[rule]]\nname = \"r\"\nall = [\"d\", \"v\"]\nchannels = [\"a\"]\n",
    )
    .unwrap();
    let config = vigia::config::Config::load(&path).unwrap();
    let matcher = vigia::matching::Matcher::new(&config);
    let item = vigia::matching::ItemText {
        title: "Detienen en Caracas a dos activistas",
        summary: "La policía los detuvo de madrugada.",
        content: "",
    };
    let verdict = matcher.check_in(&item, &[], Some(vigia::config::Lang::Es));
    assert!(verdict.alerts());
    // `detuvo` is only `detener+`'s: a word of its own, named too.
    assert_eq!(
        matcher.explain(&verdict).terms,
        ["detienen", "Caracas", "detener+"]
    );
}

/// Bug: a `*` inside a term (`privad* de libertad`, shipped in
/// detention.txt) was read as nothing, so the term could never match and
/// `vigia check` said nothing. It is now an error naming file and line, and
/// `privar+ de libertad` matches what the shipped term was meant to.
#[test]
fn a_star_inside_a_term_is_an_error_and_plus_forms_match_instead() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("d.txt");
    std::fs::write(&list, "# held\nprivad* de libertad\n").unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(
        &path,
        "[channels]\na = -100\n[lists]\nd = \"d.txt\"\nv = [\"Caracas\"]\n\
         [[rule]]\nname = \"r\"\nall = [\"d\", \"v\"]\nchannels = [\"a\"]\n",
    )
    .unwrap();
    let err = vigia::config::Config::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("d.txt:2: term \"privad* de libertad\": `*` may only end a term"),
        "{err}"
    );

    std::fs::write(&list, "[es]\nprivar+ de libertad\n").unwrap();
    let config = vigia::config::Config::load(&path).unwrap();
    let matcher = vigia::matching::Matcher::new(&config);
    for title in [
        "Activista privada de libertad en Caracas",
        "Caracas: siguen privados de libertad",
    ] {
        let item = vigia::matching::ItemText {
            title,
            summary: "",
            content: "",
        };
        let verdict = matcher.check_in(&item, &[], Some(vigia::config::Lang::Es));
        assert!(verdict.alerts(), "{title}");
    }
}
