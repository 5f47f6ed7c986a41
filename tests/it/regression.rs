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

/// A config whose one rule needs a term of `d.txt` (written with `list`)
/// and "Caracas"; returns its folder and the path of its `vigia.toml`.
fn list_and_caracas(list: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.txt"), list).unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(
        &path,
        "[channels]\na = -100\n[lists]\nd = \"d.txt\"\nv = [\"Caracas\"]\n\
         [[rule]]\nname = \"r\"\nall = [\"d\", \"v\"]\nchannels = [\"a\"]\n",
    )
    .unwrap();
    (dir, path)
}

/// Bug: a word matched by two terms of one list (`detienen` and `[es]
/// detener+`) was named twice in the alert and in `replay`.
#[test]
fn a_word_two_terms_of_one_list_match_is_named_once() {
    let (_dir, path) = list_and_caracas("detienen\n[es]\ndetener+\n");
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

/// Bug: `why` said a rule "lacks no term of list `v`", which reads as
/// lacking nothing; it now says what the rule needs.
#[test]
fn why_says_what_a_rule_needs_not_that_it_lacks_no_term() {
    let (_dir, path) = list_and_caracas("detienen\n");
    let config = vigia::config::Config::load(&path).unwrap();
    let matcher = vigia::matching::Matcher::new(&config);
    let item = vigia::matching::ItemText {
        title: "Detienen a dos activistas",
        summary: "",
        content: "",
    };
    let lang = Some(vigia::config::Lang::Es);
    let verdict = matcher.check_in(&item, &[], lang);
    let text = matcher.why(&item, &verdict, &[], lang).render();
    assert!(
        text.contains("Closest rule: r: it needs a term of list `v`."),
        "{text}"
    );
    assert!(!text.contains("lacks no"), "{text}");
}

/// Bug: a `*` inside a term (`privad* de libertad`, shipped in
/// detention.txt) was read as nothing, so the term could never match and
/// `vigia check` said nothing. It is now an error naming file and line, and
/// `privar+ de libertad` matches what the shipped term was meant to.
#[test]
fn a_star_inside_a_term_is_an_error_and_plus_forms_match_instead() {
    let (_dir, path) = list_and_caracas("# held\nprivad* de libertad\n");
    let list = path.with_file_name("d.txt");
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

/// Whether the shipped config alerts on a title alone, from a source
/// carrying `tags`, in `lang`. The matcher is built once for every test
/// that asks.
fn shipped_alerts(title: &str, tags: &[String], lang: vigia::config::Lang) -> bool {
    let item = vigia::matching::ItemText {
        title,
        summary: "",
        content: "",
    };
    shipped_matcher().check_in(&item, tags, Some(lang)).alerts()
}

/// The shipped config's matcher, built once.
fn shipped_matcher() -> &'static vigia::matching::Matcher {
    static MATCHER: std::sync::LazyLock<vigia::matching::Matcher> =
        std::sync::LazyLock::new(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let config = vigia::config::Config::load(&root.join("config/vigia.toml")).unwrap();
            vigia::matching::Matcher::new(&config)
        });
    &MATCHER
}

/// Whether the shipped config alerts on an item with this title and
/// summary, in the language vigia detects for it (no source language).
fn shipped_alerts_detected(title: &str, summary: &str) -> bool {
    let item = vigia::matching::ItemText {
        title,
        summary,
        content: "",
    };
    let lang = vigia::matching::language(&item);
    shipped_matcher().check_in(&item, &[], lang).alerts()
}

/// Bug: whatlang read "Venezuela detains priest who criticised vote
/// count" as Spanish, so the English-only `detain+` did not apply and the
/// report never alerted; so with "imprisons". Those forms, no word in
/// Spanish or Portuguese, apply in every language: an item read as
/// Spanish (as a source's `lang` may say, or the detector still may) keeps
/// them.
#[test]
fn a_short_english_headline_read_as_spanish_keeps_detains() {
    for (title, summary) in [
        (
            "Venezuela detains priest who criticised vote count",
            "He was taken in Maturín.",
        ),
        (
            "Venezuela imprisons two indigenous leaders over mine protest",
            "They are Pemón from Bolívar.",
        ),
    ] {
        let item = vigia::matching::ItemText {
            title,
            summary,
            content: "",
        };
        for lang in [vigia::config::Lang::Es, vigia::config::Lang::En] {
            assert!(
                shipped_matcher().check_in(&item, &[], Some(lang)).alerts(),
                "{title} read as {lang:?}"
            );
        }
    }
}

/// Bug: a country named only in a report's lead, where someone's father
/// lives or where they were headed, vetoed the political rules as if the
/// detention were abroad ("Detienen al hijo de un exministro en
/// represalia", "Su padre vive en España"). Those rules now take the
/// list of other countries from the title only; a title naming one
/// still vetoes.
#[test]
fn a_country_named_only_in_the_lead_does_not_move_a_detention_abroad() {
    assert!(shipped_alerts_detected(
        "Detienen al hijo de un exministro en represalia",
        "Su padre vive en España."
    ));
    assert!(shipped_alerts_detected(
        "Pesquisador de direitos humanos é detido na fronteira",
        "Ele atravessava para a Colômbia."
    ));
    assert!(!shipped_alerts_detected(
        "Cuban dissident detained in Havana",
        "She had planned a protest."
    ));
}

/// Found on review of the lists: "racha" (a sports streak) vetoed "una
/// racha de detenciones", and "missing after" alerted on people missing
/// after floods. Both are narrowed; Portuguese "racha" (street racing)
/// stays common crime.
#[test]
fn the_shipped_lists_keep_a_wave_of_arrests_and_leave_a_flood() {
    let alerts = |title: &str, lang| shipped_alerts(title, &[], lang);
    use vigia::config::Lang::{En, Es, Pt};
    assert!(alerts(
        "Nueva racha de detenciones de activistas en Zulia",
        Es
    ));
    assert!(!alerts(
        "La Vinotinto detiene la racha de Brasil en Maturín",
        Es
    ));
    assert!(!alerts(
        "Polícia prende oito por racha em avenida de Caracas",
        Pt
    ));
    assert!(!alerts(
        "Dozens missing after floods in Mérida, Venezuela",
        En
    ));
    assert!(alerts(
        "Venezuelan union leader missing after arrest in Caracas",
        En
    ));
}

/// Bug: foreign nationals counted as a political context, and the
/// political rule took a Venezuelan anywhere, so "Colombian police arrest
/// Venezuelan gang members in Bogotá" alerted. Foreigners are now a list
/// of their own, read with a Venezuelan place or a Venezuelan outlet, and
/// a Venezuelan's political detention abroad is not ours.
#[test]
fn foreigners_and_venezuelans_abroad_are_read_where_they_are_held() {
    let alerts = shipped_alerts;
    use vigia::config::Lang::{En, Es, Pt};
    let venezuelan_outlet = ["venezuela".to_string()];
    assert!(!alerts(
        "Colombian police arrest Venezuelan gang members in Bogotá",
        &[],
        En
    ));
    assert!(!alerts(
        "Venezuelan migrants arrested in Chile for protest over housing",
        &[],
        En
    ));
    assert!(alerts(
        "Colombian photographer detained in Táchira",
        &[],
        En
    ));
    assert!(alerts(
        "Venezuelan court sends Argentine to prison for 25 years",
        &[],
        En
    ));
    assert!(alerts(
        "Ciudadano colombiano lleva seis meses incomunicado tras cruzar a Colombia",
        &venezuelan_outlet,
        Es
    ));
    // Portuguesa is a Venezuelan state, not a Portuguese national.
    assert!(!alerts(
        "Guardia Nacional retiene 300 sacos de harina en alcabala de Portuguesa",
        &venezuelan_outlet,
        Es
    ));
    assert!(alerts(
        "Detienen a ciudadano portugués en Valencia",
        &venezuelan_outlet,
        Es
    ));
    // "Ficou preso" is also how a detention is told: only floods are vetoed.
    assert!(alerts(
        "Violinista é detido e ficou preso durante a noite na Venezuela",
        &[],
        Pt
    ));
    assert!(!alerts(
        "Presos na chuva: moradores de Mérida esperam resgate",
        &[],
        Pt
    ));
}

/// Bug: the story join asked whether a title's name (a stem, "ejerci")
/// was a body or no one's name by looking for it in lists of whole words
/// ("ejercito"), so any such word longer than six letters counted as a
/// place the other report never mentions: "três tenentes do Exército"
/// stayed apart from "tres oficiales del Ejército" in Fort Tiuna.
#[test]
fn a_body_named_in_a_title_does_not_keep_its_translation_apart() {
    use vigia::stories::{same_story, words};
    let es = words(
        "Arrestan a tres oficiales del Ejército acusados de conspirar",
        "La contrainteligencia militar arrestó a tres oficiales en Fuerte Tiuna; sus familiares dicen que no saben dónde están.",
    );
    let pt = words(
        "Venezuela prende três tenentes do Exército por suposta conspiração",
        "A contrainteligência militar venezuelana prendeu três tenentes do Exército no Forte Tiuna, acusados de participar de uma suposta conspiração.",
    );
    assert!(same_story(&es, &[], &pt, &[]));
    assert!(same_story(&pt, &[], &es, &[]));
}

/// Bugs in how the story join read a title: an age ("Yuli Paredes, de 19
/// años") was read as a count of people, and a place after "en" ("cuatro
/// indígenas pemón en Gran Sabana") as a person's name, which kept the
/// report apart from every report naming no one.
#[test]
fn an_age_is_no_count_and_a_place_after_en_is_no_person() {
    use vigia::stories::{same_story, words};
    assert!(words(
        "Detienen a Yuli Paredes",
        "Yuli Paredes, de 19 años, fue arrestada."
    )
    .counts
    .is_empty());
    assert!(words("Activist, 67 years old, detained in Caracas", "")
        .counts
        .is_empty());
    let es = words(
        "Detienen a cuatro indígenas pemón en Gran Sabana",
        "Cuatro indígenas pemón fueron detenidos por el Ejército en Kumarakapay tras protestar contra la minería.",
    );
    assert!(es.people.is_empty());
    let pt = words(
        "Exército venezuelano detém quatro indígenas pemón",
        "Quatro indígenas pemón foram detidos pelo Exército venezuelano na comunidade de Kumarakapay.",
    );
    assert!(same_story(&es, &[], &pt, &[]));
}

/// Bug: the story join read a title's place on past a comma ("detained in
/// Venezuela, Ottawa says" was a report placed in Ottawa), so any report
/// of the same detention that said where was told apart by place.
#[test]
fn a_title_place_does_not_run_past_a_comma() {
    let en = vigia::stories::words("Canadian engineer detained in Venezuela, Ottawa says", "");
    assert!(en.place.is_empty(), "{:?}", en.place);
    let es = vigia::stories::words("Detienen en Bolívar, de madrugada, a un ingeniero", "");
    assert_eq!(es.place, ["boliva".to_string()].into());
}

/// A feed fixture from `tests/fixtures/feeds`.
fn feed_fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_feed(name: &str, content_type: Option<&str>) -> vigia::sources::feed::Parsed {
    vigia::sources::feed::parse(
        &feed_fixture(name),
        Some("https://e.example/feed"),
        content_type,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Bug: a bare `&` (`Q&A`, `?id=1&ref=rss`) made the whole feed "not a
/// feed", so every item in it was lost.
#[test]
fn a_bare_ampersand_keeps_the_feed_and_its_words() {
    let items = read_feed("bare-ampersand.xml", None).items;
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].title,
        "Q&A: why SEBIN detained AT&T's contractor in Caracas"
    );
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://noticias.example/nota?id=1&ref=rss")
    );
    assert_eq!(
        items[0].summary,
        "Relatives say he was taken on Monday & held incommunicado."
    );
    assert_eq!(items[1].title, "Second item & an escaped one");
    assert_eq!(items[1].summary, "Kept as is & fine");
}

/// Bug: the HTTP charset was ignored for feeds: Latin-1 bytes with no XML
/// declaration came out as an empty title ("Mérida" lost). RFC 7303: the
/// charset parameter wins; without one, bytes that are not UTF-8 are read
/// as windows-1252.
#[test]
fn a_latin1_feed_is_read_by_its_http_charset_or_as_windows_1252() {
    for content_type in [Some("application/rss+xml; charset=ISO-8859-1"), None] {
        let items = read_feed("latin1-no-declaration.xml", content_type).items;
        assert_eq!(
            items[0].title, "Mérida: detenidos tres dirigentes estudiantiles",
            "{content_type:?}"
        );
        assert_eq!(items[0].summary, "La policía se los llevó de madrugada.");
    }
}

/// Bug: a UTF-16 feed (with its BOM) was rejected as having no root.
#[test]
fn a_utf16_feed_is_read() {
    let items = read_feed("utf16le-bom.xml", Some("text/xml")).items;
    assert_eq!(items[0].title, "Detención en Mérida");
}

/// Bug: HTML-to-text split words at inline tags (`Vene<b>zuela</b>` became
/// "Vene zuela", so the term never matched), and a `>` inside an attribute
/// or a comment leaked markup.
#[test]
fn inline_tags_never_split_a_word_and_attributes_never_leak() {
    let items = read_feed("inline-tags.xml", None).items;
    assert_eq!(
        items[0].summary,
        "Un activista fue detenido en Venezuela hoy. Segundo párrafo fin"
    );
}

/// Bug: `<rss>` of version 0.93, 0.94, 2.01 or none, and RSS 0.91 items
/// right under `<rss>`, were rejected as "no root element"; Atom 0.3 read
/// as 0 items with no error, so the source looked healthy while nothing
/// was read.
#[test]
fn old_and_odd_feed_versions_yield_their_items() {
    for (name, link) in [
        ("rss-versions.xml", "https://e.example/094"),
        ("rss-091-no-channel.xml", "https://e.example/091"),
        ("atom-03.xml", "https://e.example/atom03"),
    ] {
        let items = read_feed(name, None).items;
        assert_eq!(items.len(), 1, "{name}");
        assert_eq!(items[0].link.as_deref(), Some(link), "{name}");
    }
    let atom = read_feed("atom-03.xml", None).items;
    assert_eq!(atom[0].title, "Journalist detained in Caracas");
    assert_eq!(
        atom[0].published.map(|d| d.to_rfc3339()),
        Some("2004-01-01T10:00:00+00:00".into())
    );
}

/// Bug: one Atom entry whose title had an empty or unknown `type` made the
/// whole feed unreadable; a plain-text title lost its bracketed words.
#[test]
fn one_odd_entry_is_skipped_and_named_and_the_rest_are_read() {
    let parsed = read_feed("atom-odd-entry.xml", None);
    let titles: Vec<&str> = parsed.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Empty type: read as text",
            "Plain text keeps <angle brackets> as written"
        ]
    );
    assert_eq!(parsed.skipped, ["A type no reader knows"]);
}

/// Bug: an item whose only link is its permalink `<guid>` alerted with no
/// link; `dc:title` was not used for a missing title; dcterms dates, dates
/// with no time, zone names and asctime dates were dropped.
#[test]
fn permalink_guids_dublin_core_and_odd_dates_are_read() {
    let items = read_feed("permalink-guid.xml", None).items;
    let date = |i: usize| items[i].published.map(|d| d.to_rfc3339());
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://e.example/permalink")
    );
    assert_eq!(date(0).as_deref(), Some("2004-07-08T23:56:58+00:00"));
    assert_eq!(items[1].title, "Title only in Dublin Core");
    assert_eq!(date(1).as_deref(), Some("2004-01-02T00:48:21+00:00"));
    assert_eq!(date(2).as_deref(), Some("2004-01-01T00:00:00+00:00"));
    assert_eq!(date(3).as_deref(), Some("1994-11-06T08:49:37+00:00"));
}

/// Bug: a feed whose entries could not be read came back as an empty,
/// healthy feed. It is a failure now, so the source shows as failing.
#[test]
fn a_feed_with_entries_none_of_which_can_be_read_fails() {
    let err = vigia::sources::feed::parse(&feed_fixture("entries-none-readable.xml"), None, None)
        .unwrap_err();
    assert_eq!(err.kind(), "no-readable-entries");
}

/// Bug: a description with a code sample (`<code>&lt;b&gt;</code>`) was
/// decoded twice and its sample stripped as if it were markup.
#[test]
fn a_code_sample_in_html_keeps_its_angle_brackets() {
    let to_text = vigia::text::html::html_to_text;
    assert_eq!(
        to_text("<p>Escriba <code>&lt;b&gt;</code> para negrita</p>"),
        "Escriba <b> para negrita"
    );
    // A field escaped once more than it should be is still read twice.
    assert_eq!(to_text("&lt;b&gt;SEBIN&lt;/b&gt; detiene"), "SEBIN detiene");
}

/// Bug: an RSS 1.0 item with no `<link>` (its address only in
/// `rdf:about`), an `<rss>` with a default namespace, and Atom 0.3 content
/// typed `application/xhtml+xml` each made their feed unreadable.
#[test]
fn rss_1_items_namespaced_rss_and_xhtml_typed_content_are_read() {
    let rdf = read_feed("rdf-no-link.xml", None).items;
    assert_eq!(rdf[0].link.as_deref(), Some("https://e.example/rdf-1"));
    assert_eq!(rdf[0].title, "Sindicalista detenido en Puerto Ordaz");
    let ns = read_feed("rss-default-namespace.xml", None).items;
    assert_eq!(ns[0].title, "Periodista detenida en Barquisimeto");
    let xhtml = read_feed("atom03-xhtml-content.xml", None).items;
    assert_eq!(xhtml[0].link.as_deref(), Some("https://e.example/xhtml"));
    assert_eq!(xhtml[0].content, "Detenido en Maracay");
}

/// Bug: two sources polled side by side carrying one report (an outlet's
/// feed, and GDELT or Google News finding it by its link) each found it
/// unseen and each recorded it: two items, two messages. The store now
/// checks every key of an item again inside the transaction that records
/// it.
#[test]
fn one_report_recorded_by_two_sources_at_once_is_one_item() {
    use vigia::store::{NewItem, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let item = |source: &str, key: u8, alias: u8| NewItem {
        key: [key; 16],
        aliases: vec![[alias; 16]],
        source: source.into(),
        title: "Detienen a activista en Caracas".into(),
        link: Some("https://diario.example/detienen-activista".into()),
        summary: String::new(),
        published: None,
        explanation: Some(vigia::matching::Explanation {
            rules: vec!["r".into()],
            channels: vec!["alerts".into()],
            ..Default::default()
        }),
        alerts: vec![("alerts".into(), "-1001".into())],
        muted_rule: None,
        story: None,
    };
    // Both polls looked before either recorded: both saw the report new.
    let keys = vec![vec![[1; 16], [9; 16]], vec![[2; 16], [9; 16]]];
    assert_eq!(store.unseen(&keys).unwrap(), [true, true]);
    let now = chrono::Utc::now();
    assert_eq!(store.record(&[item("diario", 1, 9)], now).unwrap(), 1);
    assert_eq!(store.record(&[item("gdelt", 2, 9)], now).unwrap(), 0);
    assert_eq!(store.item_count().unwrap(), 1);
}

/// Bug guarded: a server that calls a UTF-8 body Latin-1 (an old default)
/// must not turn `detención` into `detenciÃ³n`, which matches nothing.
#[test]
fn a_utf8_feed_served_as_latin1_keeps_its_accents() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
                <title>t</title><item><title>Detención en Mérida</title>\
                <link>https://e.example/utf8</link></item></channel></rss>";
    let items =
        vigia::sources::feed::parse(body.as_bytes(), None, Some("text/xml; charset=ISO-8859-1"))
            .unwrap()
            .items;
    assert_eq!(items[0].title, "Detención en Mérida");
}

/// A browser posting a console form under `Referrer-Policy: no-referrer`
/// sends `Origin: null`; the console's own forms were refused as another
/// site's. `Sec-Fetch-Site` decides, and a cross-site post is still refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_forms_posted_by_a_browser_with_origin_null_are_accepted() {
    let s = crate::console::seeded(crate::support::unused_addr(), "").await;
    let post = |site: &'static str| {
        reqwest::Client::new()
            .post(format!("http://{}/try", s.listen))
            .header("Origin", "null")
            .header("Sec-Fetch-Site", site)
            .form(&[("text", "Detienen en Caracas"), ("url", "")])
            .send()
    };
    let resp = post("same-origin").await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("would alert"));
    assert_eq!(post("cross-site").await.unwrap().status().as_u16(), 403);
    s.running.shutdown().await;
}

/// Two councillors of one city detained the same day, reported alike: the
/// first headline names no one, the summaries name different people. The
/// second was folded into the first one's story, and never alerted.
#[test]
fn two_people_detained_alike_the_same_day_are_two_stories() {
    use vigia::stories::{same_story, words};
    let first = words(
        "Detienen a concejal de Barquisimeto tras sesión del concejo",
        "El concejal opositor Ramón Figueroa fue detenido por funcionarios del SEBIN al salir de la sesión del concejo municipal de Iribarren.",
    );
    let second = words(
        "Detienen a concejal de Barquisimeto al salir de la sesión del concejo",
        "La concejala Yelitza Márquez fue detenida por funcionarios del SEBIN al salir de la sesión del concejo municipal de Iribarren.",
    );
    assert!(vigia::stories::overlap(&first, &second).0 >= vigia::stories::THRESHOLD);
    assert!(!same_story(&first, &[], &second, &[]));
    assert!(!same_story(&second, &[], &first, &[]));
}

/// Three councillors detained hours after three police officers in the
/// same city, and two teachers detained at the protest a journalist was
/// covering, were each folded into the other group's story: nothing in
/// their words told the groups apart but who they were.
#[test]
fn people_of_other_trades_detained_alike_are_two_stories() {
    use vigia::stories::{same_story, words};
    let police = words(
        "Detienen a tres policías municipales en Mérida",
        "Tres policías municipales de Mérida fueron detenidos por la DGCIM acusados de filtrar información a la oposición.",
    );
    let councillors = words(
        "DGCIM arresta a tres concejales de Mérida",
        "La DGCIM arrestó a tres concejales de oposición del municipio Libertador de Mérida, horas después de detener a tres policías.",
    );
    assert!(!same_story(&police, &[], &councillors, &[]));
    let journalist = words(
        "Detienen a periodista de VPItv en Barquisimeto",
        "El periodista Luis Alfonso Rangel fue detenido por la PNB en Barquisimeto mientras cubría una protesta de docentes.",
    );
    let teachers = words(
        "Detienen a dos docentes en Barquisimeto por protestar",
        "Dos docentes fueron detenidos por la PNB frente a la Zona Educativa de Lara durante una protesta por salarios.",
    );
    assert!(!same_story(&journalist, &[], &teachers, &[]));
}

/// Five sergeants detained in Maracay joined the story of five soldiers
/// detained at Fort Mara through the story's first report, which said
/// nowhere; the story's second report, which said Fort Mara, would have
/// kept them apart. In the store, a report now joins a story only if no
/// report of it that the index finds keeps them apart.
#[test]
fn a_report_of_other_people_stays_out_of_a_story_one_of_its_reports_tells_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = vigia::store::Store::open(&dir.path().join("v.db")).unwrap();
    let start = chrono::Utc::now();
    let reports = [
        (0, "Detienen a cinco militares acusados de conspiración", "Cinco militares fueron detenidos por la DGCIM acusados de planificar una rebelión desde el Fuerte Mara."),
        (3, "DGCIM arresta a cinco militares por conspiración en el Fuerte Mara", "La DGCIM detuvo a cinco militares del Fuerte Mara, en Zulia, acusados de conspirar contra el Gobierno."),
        (30, "DGCIM detiene a cinco militares en Maracay", "Cinco militares fueron detenidos por la DGCIM en Maracay, sin relación conocida con el caso del Fuerte Mara."),
    ];
    for (i, (hours, title, summary)) in reports.iter().enumerate() {
        let explanation = vigia::matching::Explanation {
            rules: vec!["r".into()],
            ..Default::default()
        };
        let item = story_item(i, title, summary, explanation);
        store
            .record(&[item], start + chrono::Duration::hours(*hours))
            .unwrap();
    }
    let stories: Vec<i64> = store.story_members().unwrap().iter().map(|m| m.0).collect();
    assert_eq!(stories[0], stories[1], "one detention, two outlets");
    assert_ne!(stories[2], stories[0], "other soldiers, elsewhere");
}

/// Charges against a detained mayor, a day later, were sent as an edit of
/// her detention's alert ("also reported by"), not as news: a team reading
/// the channel never saw that she had been charged.
#[test]
fn a_later_event_of_a_detained_person_is_not_an_edit_of_the_detention() {
    use vigia::stories::{same_story, words};
    let detained = words(
        "Detienen a la alcaldesa opositora de Guanare, Rosa Elena Pineda",
        "La alcaldesa de Guanare, Rosa Elena Pineda, fue detenida por la PNB en su despacho durante un allanamiento.",
    );
    let charged = words(
        "Tribunal dicta privativa de libertad a la alcaldesa Rosa Elena Pineda",
        "Un tribunal de control de Guanare ordenó la privación de libertad de la alcaldesa Rosa Elena Pineda por presunta malversación.",
    );
    assert!(!same_story(&detained, &[], &charged, &[]));
}

/// Two reports naming the same watched person, in other words and another
/// language, were sent twice: a shared watched person never counted.
#[test]
fn reports_naming_the_same_watched_person_join_across_languages() {
    use vigia::stories::{same_story, words};
    let es = words(
        "Detienen a la activista Rocío San Miguel en Maiquetía",
        "Funcionarios la detuvieron cuando iba a viajar con su hija.",
    );
    let en = words(
        "Venezuela holds rights lawyer at the airport, family says",
        "Authorities detained Rocío San Miguel as she was about to travel, her family said.",
    );
    let watched = ["Rocío San Miguel".to_string()];
    assert!(vigia::stories::overlap(&es, &en).0 < vigia::stories::THRESHOLD);
    assert!(same_story(&es, &watched, &en, &watched));
    // Her release, the same day, is news of its own.
    let freed = words(
        "Liberan a la activista Rocío San Miguel",
        "La activista fue excarcelada con medidas cautelares.",
    );
    assert!(!same_story(&es, &watched, &freed, &watched));
}

/// Bug: the store read an earlier story item only when the two shared
/// enough words or every word of a person's name, so reports that the
/// join rules put together by a watched name, or by a count and a place
/// across languages, were scored as joined by `stories::evaluate` and sent
/// as two alerts in operation. The store now asks its index for the same
/// evidence the rules join on: every story set groups alike in both.
#[test]
fn the_store_groups_every_story_set_as_the_scored_join_does() {
    use vigia::store::Store;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = vigia::config::Config::load(&root.join("config/vigia.toml")).unwrap();
    let matcher = vigia::matching::Matcher::new(&config);
    for set in [
        "", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17",
        "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
        "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
        "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61",
    ] {
        let path = root.join(format!("tests/fixtures/stories{set}.tsv"));
        let text = std::fs::read_to_string(&path).unwrap();
        let scored = vigia::stories::evaluate(&config, &text, 72.0);
        let mut rows: Vec<(f64, &str, &str)> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[1].parse().unwrap(), f[3], f.get(4).copied().unwrap_or(""))
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("v.db")).unwrap();
        let start = chrono::Utc::now();
        for (i, (hours, title, summary)) in rows.iter().enumerate() {
            let text = vigia::matching::ItemText {
                title,
                summary,
                content: "",
            };
            let mut explanation = matcher.explain(&matcher.check(&text, &[]));
            explanation.rules = vec!["r".into()];
            let found = start + chrono::Duration::milliseconds((hours * 3_600_000.0) as i64);
            let item = story_item(i, title, summary, explanation);
            assert_eq!(store.record(&[item], found).unwrap(), 1);
        }
        let stored: Vec<i64> = store.story_members().unwrap().iter().map(|m| m.0).collect();
        let roots: Vec<&str> = scored.grouping.iter().map(|g| g.1.as_str()).collect();
        assert_eq!(stored.len(), roots.len(), "{}", path.display());
        for i in 0..roots.len() {
            for j in i + 1..roots.len() {
                assert_eq!(
                    stored[i] == stored[j],
                    roots[i] == roots[j],
                    "{}: {:?} and {:?}",
                    path.display(),
                    scored.grouping[i].0,
                    scored.grouping[j].0
                );
            }
        }
    }
}

/// An alerting item that joins stories with the default 72 h window, as
/// intake records one.
fn story_item(
    i: usize,
    title: &str,
    summary: &str,
    explanation: vigia::matching::Explanation,
) -> vigia::store::NewItem {
    vigia::store::NewItem {
        key: (i as u128).to_be_bytes(),
        aliases: vec![],
        source: "s".into(),
        title: title.to_string(),
        link: None,
        summary: summary.to_string(),
        published: None,
        explanation: Some(explanation),
        alerts: vec![("alerts".into(), "-1001".into())],
        muted_rule: None,
        story: Some((
            vigia::stories::words(title, summary),
            std::time::Duration::from_secs(72 * 3600),
        )),
    }
}

/// A PostgreSQL store dropped on an async worker panicked the daemon at
/// shutdown: closing the client blocks on a runtime of its own, which
/// tokio refuses there. The connection is now closed on a thread of its
/// own (`store::db::Pg`'s `Drop`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_store_dropped_on_an_async_worker_does_not_panic() {
    let location = tokio::task::spawn_blocking(crate::support::postgres::location)
        .await
        .unwrap();
    let store = tokio::task::spawn_blocking(move || vigia::store::Store::connect(&location))
        .await
        .unwrap()
        .unwrap();
    assert!(store.is_shared());
    drop(store);
}

/// `/recent` on a PostgreSQL store failed ("operator does not exist:
/// boolean = integer"): its query compared the printed flag with 0, which
/// SQLite takes and PostgreSQL's booleans do not.
#[test]
fn recent_alerts_read_from_a_postgres_store() {
    let store = vigia::store::Store::connect(&crate::support::postgres::location()).unwrap();
    let now = chrono::Utc::now();
    let item = crate::support::stored_report("k", &[("alerts", "-100")]);
    store.record(&[item], now).unwrap();
    let (alert, _) = store.head("-100", now).unwrap().unwrap();
    store.mark_sent(alert.id, Some(1), now).unwrap();
    let recent = store.recent_alerts(5).unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].title, "Detienen a un periodista en Caracas");
}

/// Bug: the shipped list of other countries held "Lima", so a report of
/// someone whose surname is Lima ("Rosa Lima") was read as happening in
/// Peru and vetoed. Only the city where it is one is another country now.
#[test]
fn a_surname_lima_is_no_peru() {
    use vigia::config::Lang::En;
    assert!(shipped_alerts(
        "Venezuelan journalist Rosa Lima held for spreading panic",
        &[],
        En
    ));
    assert!(!shipped_alerts(
        "Venezuelan activist detained in Lima after protest",
        &[],
        En
    ));
}

/// Bug: the crime list held "cyclist*" and "ciclista*" for cyclists run
/// over, so "Venezuela deports detained German cyclist" was vetoed as
/// common crime. Only a cyclist killed or hit is now.
#[test]
fn a_detained_cyclist_is_no_traffic_accident() {
    use vigia::config::Lang::{En, Es};
    assert!(shipped_alerts(
        "Venezuela deports detained German cyclist",
        &[],
        En
    ));
    assert!(shipped_alerts(
        "Detienen a ciclista alemán en Caracas",
        &[],
        Es
    ));
    assert!(!shipped_alerts(
        "Cyclist killed by bus in Caracas, driver arrested",
        &[],
        En
    ));
}

/// Bug: the list of other countries held the people of four neighbours
/// ("peruan*"), so "Turista peruano é detido perto de base militar" read
/// as a detention in Peru and never alerted. They are foreigners now; a
/// neighbour's own courts and police still make a detention theirs.
#[test]
fn a_peruvian_held_in_venezuela_is_a_foreigner_not_peru() {
    assert!(shipped_alerts_detected(
        "Turista peruano é detido perto de base militar",
        "A embaixada do Peru acompanha o caso."
    ));
    assert!(!shipped_alerts_detected(
        "Justiça peruana ordena prisão de ex-presidente",
        "Ele está na Espanha."
    ));
}

/// Bug: "Arrestan a cinco enfermeras del hospital de Puerto Cabello"
/// joined the five nurses held in Valencia the same day, through a report
/// whose title named no place and whose lead said "Valencia, Carabobo
/// state": both named Carabobo and counted five nurses, and a second
/// detention showed only as a line under the first (stories35). Reports
/// naming two towns of one state are now two stories.
#[test]
fn nurses_held_in_two_towns_of_one_state_are_two_stories() {
    use vigia::stories::{same_story, words};
    let valencia = words(
        "Five Venezuelan nurses detained at hospital protest",
        "Police took the nurses in Valencia, Carabobo state.",
    );
    let coast = words(
        "Arrestan a cinco enfermeras del hospital de Puerto Cabello",
        "Es la segunda protesta reprimida en Carabobo este día.",
    );
    assert!(!same_story(&coast, &[], &valencia, &[]));
}

/// Bug: the list of other countries held "Irán", so "Oficiales de la
/// Armada irán a consejo de guerra" ("will go before a court-martial")
/// read as a detention in Iran and never alerted. Only "en Irán",
/// English "Iran" and Iran doing something ("Irán condena") are Iran now.
#[test]
fn spanish_iran_they_will_go_is_no_iran() {
    use vigia::config::Lang::{En, Es};
    assert!(shipped_alerts(
        "Oficiales de la Armada irán a consejo de guerra por conspiración",
        &[],
        Es
    ));
    assert!(!shipped_alerts(
        "Opposition activist detained in Iran",
        &[],
        En
    ));
    assert!(!shipped_alerts(
        "Irán condena a diez años a una activista",
        &[],
        Es
    ));
}

/// Bug: "dominicanos" was no nationality to the story join, so "Retienen a
/// cuatro dominicanos en el puerto de La Guaira" joined the four Cubans
/// held at the same port that day (stories37): a detention of other
/// people shown as a line under theirs. Two dozen more nationalities are
/// read now.
#[test]
fn dominicans_and_cubans_at_one_port_are_two_stories() {
    use vigia::stories::{same_story, words};
    let cubans = words(
        "Retienen a cuatro cubanos en el puerto de La Guaira",
        "Los cuatro llegaron en un carguero desde Panamá.",
    );
    let dominicans = words(
        "Retienen a cuatro dominicanos en el puerto de La Guaira",
        "Los marinos dominicanos fueron retenidos por la Guardia Costera.",
    );
    assert!(!same_story(&dominicans, &[], &cubans, &[]));
}

/// Bug: the crime list held Portuguese "após batida" (after a car crash),
/// which also reads "após batida policial" (after a police raid), so a
/// student missing after a raid on his dorm was vetoed as a traffic
/// accident. Only a crash "de", "entre", "com" is crime now.
#[test]
fn a_police_raid_is_no_car_crash() {
    assert!(shipped_alerts_detected(
        "Estudante desaparece após batida policial em alojamento",
        "A família o procura há uma semana."
    ));
    assert!(!shipped_alerts_detected(
        "Motorista é detido após batida com ônibus em Caracas",
        "Duas pessoas morreram."
    ));
}

/// Bug: "Detienen a colega de Iván Rosales en su audiencia" joined the
/// doctor's own detention (stories38): a colleague was not among the
/// associates whose detention is another one, so the colleague's arrest
/// showed only as a line under his. Colleagues are associates now.
#[test]
fn a_colleague_s_arrest_is_another_detention() {
    use vigia::stories::{same_story, words};
    let doctor = words(
        "Detienen al médico Iván Rosales por denunciar escasez",
        "Rosales trabaja en el hospital Vargas de Caracas.",
    );
    let colleague = words(
        "Detienen a colega de Iván Rosales en su audiencia",
        "La doctora Marta Gil acudió al tribunal a apoyarlo.",
    );
    assert!(!same_story(&colleague, &[], &doctor, &[]));
}

/// Bug: "Four air force officers held at Caracas air base", whose lead
/// names La Carlota, joined the story of four soldiers held at Fuerte
/// Tiuna the same day (stories41): La Carlota was no place to the join, so
/// both named only Caracas and counted four military men. La Carlota is
/// a place of Caracas now, and Fort and Forte Tiuna are Fuerte Tiuna.
#[test]
fn soldiers_held_at_two_caracas_bases_are_two_stories() {
    use vigia::stories::{same_story, words};
    let la_carlota = words(
        "Four air force officers held at Caracas air base",
        "The pilots were detained at La Carlota.",
    );
    for (title, lead) in [
        (
            "Detienen a cuatro militares en Fuerte Tiuna",
            "La Dgcim los acusa de conspirar contra el alto mando.",
        ),
        (
            "Quatro militares são presos no Forte Tiuna, em Caracas",
            "Eles são acusados de conspiração.",
        ),
    ] {
        let tiuna = words(title, lead);
        assert!(!same_story(&la_carlota, &[], &tiuna, &[]), "{title}");
        assert!(!same_story(&tiuna, &[], &la_carlota, &[]), "{title}");
    }
}

/// Bug: "Dgcim arresta a capitán de navío por presunto complot" read as
/// Portuguese, so the Portuguese noise word "navio" (a ship) vetoed a
/// navy captain's arrest; "Venezuelan police detain doctors protesting
/// hospital conditions" read as Spanish and lost the English-only
/// `detain+`. Ships are left to other noise words, and "police detain"
/// applies in every language.
#[test]
fn a_navy_captain_is_no_ship_and_police_detain_in_any_language() {
    assert!(shipped_alerts_detected(
        "Dgcim arresta a capitán de navío por presunto complot",
        "Su esposa no ha podido verlo."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan police detain doctors protesting hospital conditions",
        "Nine were taken in Maturín."
    ));
}

/// Bug: "Two more Ecuadorians detained at Caracas airport" joined the story
/// of the two held at Maiquetía two days before (stories42): "more" after
/// a count was no word of another detention, and Caracas airport is
/// Maiquetía. A count with "more", "más" or "mais" tells of others now;
/// it still joins another report of that second group.
#[test]
fn two_more_held_at_one_airport_are_another_story() {
    use vigia::stories::{same_story, words};
    let first = words(
        "Dos ecuatorianos detenidos en el aeropuerto de Maiquetía",
        "La Cancillería ecuatoriana pidió información.",
    );
    let more = words(
        "Two more Ecuadorians detained at Caracas airport",
        "Four Ecuadorians have now been held this week.",
    );
    let otros = words(
        "Otros dos ecuatorianos detenidos en Maiquetía",
        "Ya son cuatro los ecuatorianos retenidos esta semana.",
    );
    assert!(!same_story(&more, &[], &first, &[]));
    assert!(same_story(&more, &[], &otros, &[]));
}

/// Bug: "feminicid*" in the crime list vetoed "Detienen a activista
/// feminista tras marcha", whose lead says she led a protest over
/// femicides (holdout34). The crime list now names a femicide as a charge
/// ("por feminicidio", "feminicida"), not any word of it.
#[test]
fn a_protest_over_femicides_is_no_femicide() {
    assert!(shipped_alerts_detected(
        "Detienen a activista feminista tras marcha",
        "Encabezó una protesta por feminicidios."
    ));
    assert!(!shipped_alerts_detected(
        "Detienen a hombre por feminicidio en Barinas",
        "La víctima era su expareja."
    ));
}

/// Bug: the file watcher was set up by a task that ran some time after the
/// daemon said it had started, and it took the files' state as it found
/// them: an edit saved in between was never applied (the hot-reload test
/// timed out once on a loaded machine). The watch is set up before
/// `start` returns now. On one thread no spawned task runs before the edit
/// below, so the old code misses it every time.
#[tokio::test]
async fn an_edit_saved_right_after_start_is_applied() {
    use crate::support::{save_by_rename, write_config, FakeBot, FeedServer, TOKEN};
    use vigia::config::{Config, Secret};
    use vigia::daemon;
    use vigia::delivery::Sink;

    let bot = FakeBot::start().await;
    let feed = FeedServer::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &feed.url, &bot.url, "");
    let config = Config::load(&path).unwrap();
    let sink = Sink::telegram(Secret::new(TOKEN), url::Url::parse(&bot.url).unwrap());
    let running = daemon::start(&config, sink).await.unwrap();
    // No await between start and the edit.
    let names = dir.path().join("names.txt");
    let mut text = std::fs::read_to_string(&names).unwrap();
    text.push_str("Juan Pérez Gómez\n");
    save_by_rename(&names, &text);
    let mut rx = running.handle.reloads();
    let applied = async {
        while rx.borrow_and_update().applied == 0 {
            rx.changed().await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(20), applied)
        .await
        .expect("the edit saved right after start was never applied");
}

/// Bug: English "capture+" alerted on what Venezuelans capture besides
/// people: awards, titles, market shares, hearts (holdout31 to holdout35,
/// a false alert or more in each). Only the passive "captured" is a
/// detention word now.
#[test]
fn capturing_an_award_is_no_detention() {
    for title in [
        "Venezuelan band captures top award at Latin Grammys",
        "Venezuelan crude captures bigger share of Indian market",
        "Venezuela's team captures Caribbean Series title",
    ] {
        assert!(!shipped_alerts_detected(title, ""), "{title}");
    }
    assert!(shipped_alerts_detected(
        "Venezuelan student leader captured by intelligence agents",
        "He was taken in Mérida."
    ));
}

/// Bug: whatlang read "Venezuelan police seize protest organisers in
/// Valencia" as Spanish, so the English-only "police seize+" never applied
/// and the report was lost (holdout36; detection was wrong on one short
/// headline in twenty). A text whose function words are clearly one
/// language's ("in", "the", "after") is read as that language now.
#[test]
fn an_english_headline_with_spanish_names_is_read_as_english() {
    let item = vigia::matching::ItemText {
        title: "Venezuelan police seize protest organisers in Valencia",
        summary: "Three were taken.",
        content: "",
    };
    assert_eq!(
        vigia::matching::language(&item),
        Some(vigia::config::Lang::En)
    );
    assert!(shipped_alerts_detected(item.title, item.summary));
}

/// Bug: "Trasladan al sindicalista Oscar Peña a Tocorón", whose lead names
/// his lawyer, held hours before, joined the lawyer's detention in Spanish
/// and English (stories45): any person both reports named joined them.
/// Titles about different people of different trades are two stories now.
#[test]
fn a_client_moved_is_no_part_of_his_lawyer_s_detention() {
    use vigia::stories::{same_story, words};
    let lawyer = [
        words(
            "Detienen a la abogada Mariela Durán en el Palacio de Justicia",
            "Durán defendía al sindicalista Oscar Peña.",
        ),
        words(
            "Venezuelan lawyer Mariela Durán arrested at courthouse",
            "She was defending trade unionist Oscar Pena.",
        ),
    ];
    let client = [
        words(
            "Trasladan al sindicalista Oscar Peña a Tocorón",
            "Su abogada Mariela Durán había sido detenida horas antes.",
        ),
        words(
            "Jailed Venezuelan unionist Oscar Pena moved to Tocorón",
            "His lawyer was arrested earlier the same day.",
        ),
    ];
    for l in &lawyer {
        for c in &client {
            assert!(!same_story(c, &[], l, &[]), "{c:?}");
        }
    }
    assert!(same_story(&client[1], &[], &client[0], &[]));
}

/// Bug: "GNB detiene a cinco manifestantes en Ureña" joined five
/// Colombians held at Ureña that day, not the five Venezuelan protesters
/// it was about (stories45): it told both stories as well, and a tie went
/// to the earlier. A tie starts a story of its own now.
#[test]
fn a_report_told_as_well_by_two_stories_joins_neither() {
    use vigia::stories::{best_story, same_story, story_among, words};
    let colombians = words(
        "Detienen a cinco colombianos en la frontera con Venezuela",
        "Fueron retenidos por la GNB en Ureña.",
    );
    let venezuelans = words(
        "Detienen a cinco venezolanos en Ureña por protestar",
        "Reclamaban la reapertura del paso fronterizo.",
    );
    let protesters = words(
        "GNB detiene a cinco manifestantes en Ureña",
        "Exigían la reapertura del puente.",
    );
    assert!(same_story(&protesters, &[], &colombians, &[]));
    assert!(same_story(&protesters, &[], &venezuelans, &[]));
    let earlier = [(1, &colombians, &[][..]), (2, &venezuelans, &[][..])];
    assert_eq!(best_story(&protesters, &[], earlier), None);
    assert_eq!(story_among(&protesters, &[], earlier), None);
    // Without the tie it joins the story it tells.
    assert_eq!(
        best_story(&protesters, &[], [(2, &venezuelans, &[][..])]),
        Some(2)
    );
}

/// Bug: holdout38's misses and false alerts. A summary saying soldiers
/// "fled to Colombia" vetoed their jailing for deserting; "national guard
/// seize student leaders" had no word of detention (the guard seizes fuel
/// too, so only people seized count); "Venezuelan poet releases new book"
/// and "Venezuela holds local elections" alerted. A coal cargo held is
/// noise, a leader who opposed a coal mine is not.
#[test]
fn deserters_and_students_seized_alert_and_books_and_elections_do_not() {
    assert!(shipped_alerts_detected(
        "Venezuelan soldiers jailed after deserting",
        "They had fled to Colombia."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan national guard seize student leaders in Mérida",
        "Three were taken."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan national guard seize fuel in Mérida",
        "Three trucks were stopped."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan poet releases new book",
        "It is about exile."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuela holds local elections",
        "Turnout was low."
    ));
    assert!(!shipped_alerts_detected(
        "Carga de carvão fica retida em Zulia",
        "Não tinha licença."
    ));
    assert!(shipped_alerts_detected(
        "Venezuela prende líder indígena wayuu",
        "Ele se opunha a uma mina de carvão."
    ));
}

/// Bug: holdout39's misses and false alerts. A councillor handcuffed
/// ("esposan") and a Spanish-Venezuelan freed ("hispanovenezolano") never
/// alerted; a teenager held by Brazil's police for theft did (the rule
/// for political detentions of Venezuelans has no crime veto, so the
/// foreign police must say it), and so did laundering in Spain told by a
/// Venezuelan outlet and a currency's fall arrested.
#[test]
fn handcuffed_councillors_alert_and_brazil_s_police_and_laundering_do_not() {
    assert!(shipped_alerts_detected(
        "Esposan y sacan a concejala de la sesión de cámara",
        "Había votado contra el presupuesto."
    ));
    assert!(shipped_alerts_detected(
        "Excarcelan a empresario hispanovenezolano",
        "Madrid había pedido su liberación."
    ));
    assert!(!shipped_alerts_detected(
        "Policía brasileña detiene a adolescente venezolano por robo",
        "Robó un teléfono."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan bolívar's fall arrested by central bank",
        "Reserves were sold."
    ));
    let venezuelan_media = ["venezuela".to_string()];
    assert!(!shipped_alerts(
        "Policía española arresta a venezolano por blanqueo de capitales",
        &venezuelan_media,
        vigia::config::Lang::Es
    ));
    assert!(shipped_alerts(
        "Policía arresta a periodista español en Caracas",
        &venezuelan_media,
        vigia::config::Lang::Es
    ));
}

/// Bug: holdout40's misses. "Fraud", "minería ilegal" and "garimpo ilegal"
/// as crime vetoed people held after denouncing fraud or for opposing
/// illegal mining; "yanomami" as another country's vetoed Venezuelan
/// Yanomami leaders; "Colombia" vetoed an ex-governor held on his return
/// from there. Crime now names the charge or the raid, not the subject.
#[test]
fn those_who_denounce_fraud_or_oppose_illegal_mining_are_no_criminals() {
    assert!(shipped_alerts_detected(
        "Porta-voz de governador é detido após denunciar fraude",
        "A família não sabe onde ele está."
    ));
    assert!(shipped_alerts_detected(
        "Detienen a defensora de derechos indígenas en Bolívar",
        "Se oponía a la minería ilegal."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan Yanomami leaders arrested after mining protest",
        "They blocked a river."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan ex-governor detained on return from Colombia",
        "He was taken at the border."
    ));
    // The raids and fraud cases the old words kept out still are.
    assert!(!shipped_alerts_detected(
        "Venezuela prende 15 em operação contra garimpo ilegal",
        "Máquinas foram destruídas."
    ));
    assert!(!shipped_alerts_detected(
        "Dominican police arrest Venezuelan over fraud",
        "He sold fake tickets."
    ));
}

/// Bug: four Sidor workers held two and a half days after four of its
/// union leaders joined the leaders' story in Spanish and English
/// (stories51): same count, same plant, and "obreros" said no trade.
/// Manual workers are a trade of their own now. And a title naming three
/// people never joined a report counting three of that group: it read as
/// one person's detention beside a group's.
#[test]
fn four_workers_are_not_four_union_leaders_and_three_named_are_three() {
    use vigia::stories::{same_story, words};
    let leaders = [
        words(
            "Detienen a cuatro sindicalistas de Sidor en Ciudad Guayana",
            "Habían convocado un paro por salarios.",
        ),
        words(
            "Quatro sindicalistas são presos na Venezuela",
            "Eles trabalham na siderúrgica Sidor e haviam convocado uma greve.",
        ),
    ];
    let workers = [
        words(
            "Detienen a cuatro obreros de Sidor por paro en Guayana",
            "Son distintos de los sindicalistas detenidos el lunes.",
        ),
        words(
            "Four Sidor steelworkers arrested as strike goes on",
            "They were taken at the plant's gates in Ciudad Guayana.",
        ),
    ];
    for w in &workers {
        for l in &leaders {
            assert!(!same_story(w, &[], l, &[]), "{w:?}");
        }
    }
    let named = words(
        "Detienen a Juan Colmenares, Luisa Mora y Ana Ruiz, de Fundaredes",
        "Los activistas fueron llevados por el Sebin en Coro.",
    );
    let counted = words(
        "Três ativistas da Fundaredes são presos na Venezuela",
        "Eles foram levados pelo Sebin em Coro.",
    );
    assert!(same_story(&counted, &[], &named, &[]));
}

/// Bug: holdout41's misses and false alerts. Crime "motín" (a prison
/// riot) vetoed police officers held for refusing to repress a protest,
/// whom their commander accused of mutiny; a detainee found in court after
/// 30 days missing had no political word. Pickpockets on the Caracas metro
/// and migrants let go from a US detention centre alerted.
#[test]
fn officers_accused_of_mutiny_alert_and_pickpockets_and_migrants_do_not() {
    assert!(shipped_alerts_detected(
        "Detienen a policías que se negaron a reprimir protesta",
        "Su comandante los acusó de motín."
    ));
    assert!(shipped_alerts_detected(
        "Detenido reaparece en tribunales tras 30 días desaparecido",
        "Presentaba signos de tortura."
    ));
    assert!(!shipped_alerts_detected(
        "Detienen a carteristas en el Metro de Caracas",
        "Diez fueron arrestados."
    ));
    assert!(!shipped_alerts_detected(
        "US releases Venezuelan migrants from detention center",
        "They await hearings."
    ));
    assert!(!shipped_alerts_detected(
        "Detienen a 40 presos tras un motín en Tocuyito",
        "Los reclusos quemaron colchones."
    ));
}

/// Bug: holdout42's misses and false alerts. Crime "cartel" (a drug
/// cartel) vetoed a father held at a protest holding a sign ("un cartel")
/// with his son's photo; noise "em fila" (stuck in a queue) vetoed people
/// taken while protesting in a petrol queue; firefighters held over a
/// video had no political word. The police freeing a kidnapped teenager
/// alerted.
#[test]
fn a_sign_is_no_cartel_and_a_queue_no_traffic_jam() {
    assert!(shipped_alerts_detected(
        "Detienen al padre de estudiante preso durante protesta",
        "Sostenía un cartel con la foto de su hijo."
    ));
    assert!(shipped_alerts_detected(
        "Guarda Nacional leva 25 pessoas que protestavam em fila de gasolina",
        "O caso ocorreu em Barinas."
    ));
    assert!(shipped_alerts_detected(
        "Liberan a ocho bomberos detenidos por video",
        "Habían cantado una canción burlándose del presidente."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan police free kidnapped teenager",
        "Two kidnappers were arrested."
    ));
    assert!(!shipped_alerts_detected(
        "Motoristas ficam presos em fila na fronteira com a Venezuela",
        "A aduana está em greve."
    ));
}

/// Bug: "Detienen nuevamente a la concejala Yelitza Ochoa" read as a
/// detention (its "detienen" outweighed "nuevamente"), so it never joined
/// "Venezuelan councillor Yelitza Ochoa rearrested days after release"
/// (stories52). A detention told with a word of "again" is a new arrest.
#[test]
fn detained_again_joins_rearrested() {
    use vigia::stories::{same_story, words};
    let spanish = words(
        "Detienen nuevamente a la concejala Yelitza Ochoa",
        "Fue aprehendida otra vez en Barinas dos días después de ser liberada.",
    );
    let english = words(
        "Venezuelan councillor Yelitza Ochoa rearrested days after release",
        "She was taken again in Barinas.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
}

/// Bug: "Detienen a tres enfermeras del Hospital Manuel Núñez Tovar" stayed
/// apart from "Tres enfermeras detenidas en Maturín" (stories46), and so
/// did a Valencia hospital from Valencia (stories53): the join had no way
/// to know where the hospital stands. The regions' great hospitals are
/// places of their cities now; two hospitals of Caracas stay two places.
#[test]
fn a_regional_hospital_is_in_its_city() {
    use vigia::stories::{same_story, words};
    let hospital = words(
        "Detienen a tres enfermeras del Hospital Manuel Núñez Tovar",
        "Habían denunciado falta de insumos en el área de emergencia.",
    );
    let city = words(
        "Tres enfermeras detenidas en Maturín tras denunciar falta de insumos",
        "Las funcionarias del hospital fueron llevadas por la PNB.",
    );
    assert!(same_story(&city, &[], &hospital, &[]));
    let perez = words(
        "Detienen a cuatro enfermeras del hospital Pérez Carreño",
        "Protestaban en Caracas por falta de insumos.",
    );
    let clinico = words(
        "Detienen a cuatro enfermeras del hospital Clínico Universitario",
        "Protestaban en Caracas por sus salarios.",
    );
    assert!(!same_story(&clinico, &[], &perez, &[]));
}

/// Bug: holdout43's misses and false alerts. "Police took him", told by a
/// wife, and "a polícia o levou" had no word of detention; a detainee
/// found dead in his cell and soldiers sentenced for a failed uprising had
/// no political word. Officers jailed for kidnapping and an oil shipment
/// held abroad alerted.
#[test]
fn police_took_him_alerts_and_kidnapper_officers_do_not() {
    assert!(shipped_alerts_detected(
        "Wife of Venezuelan opposition organiser says police took him",
        "He has not been seen since Tuesday."
    ));
    assert!(shipped_alerts_detected(
        "Detido é encontrado morto na cela",
        "Parentes contestam a versão de suicídio."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan police officers jailed for kidnapping",
        "They held a businessman."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan oil shipment held in Singapore",
        "The buyer did not pay."
    ));
}

/// Bug: "Interrogan a la esposa italiana de Franco Rossi" joined Franco
/// Rossi's detention (stories54): a nationality between "esposa" and
/// "de" hid that the title is about his wife.
#[test]
fn a_wife_with_a_nationality_is_not_her_husband() {
    use vigia::stories::{same_story, words};
    let husband = words(
        "Detienen al empresario ítalo-venezolano Franco Rossi en Caracas",
        "Lo acusan de especulación con alimentos.",
    );
    let wife = words(
        "Interrogan a la esposa italiana de Franco Rossi",
        "Giulia Bianchi fue citada por el Sebin y liberada horas después.",
    );
    assert!(!same_story(&wife, &[], &husband, &[]));
}

/// Bug: "American citizen detained in Venezuela" never joined its Spanish
/// and Portuguese reports (stories55): neither counted the one foreigner,
/// and the store asked its index for a shared nationality only with a
/// shared proper noun, which two languages rarely have. One foreigner of a
/// nationality each, no one else named, is one detention now.
#[test]
fn an_american_citizen_told_in_two_languages_is_one_story() {
    use vigia::stories::{same_story, story_among, words};
    let english = words(
        "American citizen detained in Venezuela",
        "The State Department said it was seeking consular access.",
    );
    let spanish = words(
        "Detienen a ciudadano estadounidense en Caracas",
        "El Departamento de Estado pidió acceso consular.",
    );
    // Two counted are not the one.
    let two = words(
        "Detienen a dos estadounidenses en Caracas",
        "Washington pidió acceso consular.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
    // Found through the index: a foreign nationality is enough to ask.
    assert_eq!(
        story_among(&english, &[], [(1, &spanish, &[][..])]),
        Some(1)
    );
    assert!(!same_story(&english, &[], &two, &[]));
}

/// Bug: "Acusan de asociación para delinquir al alcalde" joined the
/// mayor's detention as a repeat (stories55): "acusan" was not read as
/// charges, so the court step was sent as an edit nobody reads.
#[test]
fn charges_told_by_acusan_are_their_own_alert() {
    use vigia::stories::{same_story, words};
    let detained = words(
        "Detienen al alcalde de Carrizal, Pedro Yánez",
        "Fue sacado de la alcaldía por el Sebin.",
    );
    let charged = words(
        "Acusan de asociación para delinquir al alcalde Pedro Yánez",
        "Seguirá detenido en El Helicoide.",
    );
    assert_eq!(charged.event, vigia::stories::Event::Court);
    assert!(!same_story(&charged, &[], &detained, &[]));
}

/// Bug: holdout44's misses. Releases of people the report says were
/// detained, in reports naming no country and no political word ("Liberan
/// a enfermera detenida tras presión internacional"), alerted only from
/// sources tagged Venezuelan; "Venezuela's counterintelligence seizes navy
/// officers" read as Spanish and lost an English-only term. A release from
/// detention alerts from any source now when no other country is named,
/// and a rescue abroad or a drunk driver let go does not.
#[test]
fn releases_from_detention_alert_from_any_source() {
    assert!(shipped_alerts_detected(
        "Liberan a enfermera detenida tras presión internacional",
        "Pasó 50 días en prisión."
    ));
    assert!(shipped_alerts_detected(
        "Venezuela's counterintelligence seizes navy officers",
        "Four were taken in La Guaira."
    ));
    assert!(!shipped_alerts_detected(
        "Equador liberta reféns após rebelião em presídio",
        "Os presos foram transferidos."
    ));
    assert!(!shipped_alerts_detected(
        "Polícia Rodoviária detém motorista embriagado na Dutra",
        "Ele foi liberado após pagar fiança."
    ));
}

/// Bug: holdout45's errors. Scientists detained for what they forecast or
/// counted ("Detienen a meteorólogo que pronosticó apagones"), an
/// activist's abduction told only as "the abduction", a Portuguese-Venezuelan
/// in Spanish with a hyphen, and a Brazilian held near the border with
/// Roraima (which vetoed it as Brazil) never alerted; a runner's marathon
/// title, a boat held in Grenada and a rescue from kidnappers did.
#[test]
fn scientists_abductions_and_the_roraima_border_alert() {
    assert!(shipped_alerts_detected(
        "Encarcelan a demógrafo por cifras de migración",
        "Estimó que 8 millones se fueron."
    ));
    assert!(shipped_alerts_detected(
        "Gunmen take Venezuelan opposition activist from his car",
        "His wife saw the abduction."
    ));
    assert!(shipped_alerts_detected(
        "Excarcelan a comerciante luso-venezolano",
        "Lo acusaban de acaparamiento."
    ));
    assert!(shipped_alerts_detected(
        "Geólogo brasileiro é detido perto da fronteira com Roraima",
        "Brasília pediu informações."
    ));
    assert!(!shipped_alerts_detected(
        "Corredora venezolana captura título de maratón",
        "Ganó en Berlín."
    ));
    assert!(!shipped_alerts_detected(
        "Retienen pesquero venezolano en Granada",
        "La tripulación no tenía permisos."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan police rescue kidnapped student",
        "Two kidnappers were arrested."
    ));
}

/// Bug: holdout46's and holdout47's errors. A councillor who "some após
/// intimação da Dgcim", a sergeant detained after complaining of his pay,
/// poll workers, and Colombians "held by Venezuelan counterintelligence"
/// never alerted; prices "held at", novels and plays about prison, cocoa
/// held in Rotterdam and counts of Venezuelans detained at the Mexican
/// border did.
#[test]
fn disappearances_after_a_summons_alert_and_prices_held_do_not() {
    assert!(shipped_alerts_detected(
        "Vereadora some após intimação da Dgcim",
        "Ela entrou na sede e não saiu."
    ));
    assert!(shipped_alerts_detected(
        "Detienen a sargento que se quejó del sueldo",
        "Publicó un video en uniforme."
    ));
    assert!(shipped_alerts_detected(
        "Mesário é detido após disputa na apuração",
        "Ele se recusou a assinar a ata."
    ));
    assert!(shipped_alerts_detected(
        "Colombian citizen held by Venezuelan counterintelligence, Bogotá says",
        "The foreign ministry demanded consular access."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan crude price held at $60",
        "Buyers waited."
    ));
    assert!(!shipped_alerts_detected(
        "Obra sobre presos políticos se estrena en Madrid",
        "Se agotaron las funciones."
    ));
    assert!(!shipped_alerts_detected(
        "Cacau venezuelano é retido em Roterdã",
        "Fiscais encontraram mofo."
    ));
    assert!(!shipped_alerts_detected(
        "Bajan los venezolanos detenidos en la frontera mexicana",
        "Los cruces cayeron."
    ));
}

/// Bug: "Detienen al dirigente sindical de Sidor José Rangel" named no one
/// (stories56): the state company opening the run of capitals made the
/// whole run a body, so the English report naming José Rangel never
/// joined it.
#[test]
fn a_state_company_before_a_name_leaves_the_name() {
    use vigia::stories::{same_story, words};
    let spanish = words(
        "Detienen al dirigente sindical de Sidor José Rangel",
        "Fue interceptado al salir de la planta en Matanzas.",
    );
    assert!(
        spanish.people.contains("jose rangel"),
        "{:?}",
        spanish.people
    );
    let english = words(
        "Venezuelan steel union leader José Rangel detained",
        "He was stopped as he left the Sidor plant.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
    let other = words(
        "Detienen a otro sindicalista de Sidor en San Félix",
        "Luis Prieto es el segundo dirigente detenido este martes.",
    );
    assert!(!same_story(&other, &[], &spanish, &[]));
}

/// Bug: "Five nurses detained at Maracay hospital" never joined "Detienen
/// a cinco enfermeras del Hospital Central de Maracay" (stories56): the
/// hospital's name, unsaid in English, read as somewhere else. A title
/// whose every name the other says tells less, not something else; two
/// titles naming two hospitals stay apart.
#[test]
fn a_group_told_with_less_of_where_is_the_same_group() {
    use vigia::stories::{same_story, story_among, words};
    let spanish = words(
        "Detienen a cinco enfermeras del Hospital Central de Maracay",
        "Protestaban por la falta de insumos.",
    );
    let english = words(
        "Five nurses detained at Maracay hospital after protest",
        "They denounced shortages of supplies.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
    assert_eq!(
        story_among(&english, &[], [(1, &spanish, &[][..])]),
        Some(1)
    );
    let other = words(
        "Detienen a cinco enfermeras del Hospital Carabaño Tosta de Maracay",
        "Exigían el pago de sus bonos.",
    );
    assert!(!same_story(&other, &[], &spanish, &[]));
}

/// Bug: "Two Colombians held in Venezuelan border town" never joined
/// "Detienen a dos colombianos en San Antonio del Táchira" (stories56):
/// its lead's "Bogotá asked Caracas" read as held in Caracas.
#[test]
fn the_capital_named_only_in_a_lead_is_not_where_it_happened() {
    use vigia::stories::{same_story, words};
    let spanish = words(
        "Detienen a dos colombianos en San Antonio del Táchira",
        "Bogotá pidió información sobre su situación.",
    );
    let english = words(
        "Two Colombians held in Venezuelan border town",
        "Bogotá asked Caracas for information.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
    // Named in a title, it is where.
    let caracas = words(
        "Two Colombians held in Caracas",
        "Bogotá asked for information.",
    );
    assert!(!same_story(&caracas, &[], &spanish, &[]));
}

/// Bug: "Priest detained in Mérida after Mass for political prisoners"
/// never joined "Detienen a sacerdote en Mérida tras misa por los presos
/// políticos" (stories56): one person of a trade, named and counted by
/// neither, had no rule and no index term to join on.
#[test]
fn one_unnamed_person_of_a_trade_in_one_place_is_one_detention() {
    use vigia::stories::{same_story, story_among, words};
    let spanish = words(
        "Detienen a sacerdote en Mérida tras misa por los presos políticos",
        "El párroco de El Llano fue llevado por la PNB.",
    );
    let english = words(
        "Priest detained in Mérida after Mass for political prisoners",
        "The parish priest of El Llano was taken by police.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
    assert_eq!(
        story_among(&english, &[], [(1, &spanish, &[][..])]),
        Some(1)
    );
    let elsewhere = words(
        "Priest detained in Barinas after Mass for political prisoners",
        "The parish priest was taken by police.",
    );
    assert!(!same_story(&elsewhere, &[], &spanish, &[]));
    let another = words(
        "Detienen a otro sacerdote en Mérida",
        "Es el segundo párroco detenido esta semana.",
    );
    assert!(!same_story(&another, &[], &spanish, &[]));
}

/// Bug: holdout48's errors. A migrants' advocate detained "on return
/// home", an economist's wife "held as police seek him", humanitarian
/// workers whose detention was extended and a professor jailed "por um
/// tuíte" never alerted; a prison-choir documentary, a jail drama and
/// Venezuelans held in Lisbon did. A journalist held while filming a
/// documentary still alerts.
#[test]
fn detentions_on_return_home_alert_and_prison_dramas_do_not() {
    assert!(shipped_alerts_detected(
        "Venezuelan migrants' advocate detained on return home",
        "He had lived in Chile for five years."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan economist's wife held as police seek him",
        "He is in hiding."
    ));
    assert!(shipped_alerts_detected(
        "Prorrogan detención de trabajadores humanitarios",
        "Llevan cuatro meses presos."
    ));
    assert!(shipped_alerts_detected(
        "Professor vai para trás das grades por um tuíte",
        "Ele criticou o conselho eleitoral."
    ));
    assert!(shipped_alerts_detected(
        "Detienen a periodista que grababa un documental en Caracas",
        "Le decomisaron la cámara."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan documentary on prison choirs premieres",
        "It won an award."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan playwright's jail drama wins festival",
        "It is set in the 1950s."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelano é preso em Lisboa por ataque com faca",
        "Duas pessoas ficaram feridas."
    ));
}

/// Bug: holdout49's errors. A mayor confined to his home, a returnee held
/// "after years in Peru", a podcaster and a meme maker detained, teachers
/// arrested "que marchaban por salarios" never alerted; a coffee shipment
/// held in Hamburg, a ship released, a world record captured and a
/// poet's prison diary did. A former official held abroad on a US
/// warrant stays out: "exfuncionario" was tried as political and dropped.
#[test]
fn confinement_at_home_and_marching_teachers_alert_and_shipments_do_not() {
    assert!(shipped_alerts_detected(
        "Venezuela confines opposition mayor to his home",
        "He must wear an ankle monitor."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan returnee detained at airport after years in Peru",
        "He had criticised the government online."
    ));
    assert!(shipped_alerts_detected(
        "Detienen a podcaster por episodio sobre corrupción",
        "Mencionó a dos generales."
    ));
    assert!(shipped_alerts_detected(
        "Polícia prende professores que marchavam por salários",
        "Quatro foram levados em Valencia."
    ));
    assert!(!shipped_alerts_detected(
        "Retienen café venezolano en el puerto de Hamburgo",
        "Los papeles estaban mal."
    ));
    assert!(!shipped_alerts_detected(
        "Autoridades holandesas liberam navio venezuelano",
        "Ele ficou retido um mês."
    ));
    assert!(!shipped_alerts_detected(
        "Diário de prisão de poeta venezuelano é publicado",
        "O livro cobre os anos 60."
    ));
    assert!(!shipped_alerts_detected(
        "España detiene a exfuncionario venezolano por lavado de dinero",
        "Lo reclama la justicia estadounidense."
    ));
}

/// Bug: holdout50's errors. An activist bundled "into a pickup", a
/// father remanded, a brother "missing since" a Sebin visit, a streamer
/// and a cameraman detained, and a professor jailed "por video" never
/// alerted; cocoa held in Antwerp, Venezuelans counted at the Chilean
/// border and one held in Porto did. Illegal miners stay noise: moved
/// to crime, troops arresting miners read as political.
#[test]
fn bundled_into_a_pickup_alerts_and_cocoa_in_antwerp_does_not() {
    assert!(shipped_alerts_detected(
        "Unidentified men bundle Venezuelan activist into pickup",
        "Neighbours recorded the number plate."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan dissident's brother missing since Sebin visit",
        "Agents came to his home on Sunday."
    ));
    assert!(shipped_alerts_detected(
        "Detienen a streamer por comentarios en su chat",
        "Dejó que insultaran a funcionarios."
    ));
    assert!(shipped_alerts_detected(
        "Professor é encarcerado por vídeo sobre preços de alimentos",
        "O vídeo viralizou."
    ));
    assert!(!shipped_alerts_detected(
        "Retienen cacao venezolano en Amberes",
        "Hallaron plagas."
    ));
    assert!(!shipped_alerts_detected(
        "Cai 15% número de venezuelanos detidos na fronteira chilena",
        "Menos pessoas tentaram cruzar."
    ));
    assert!(!shipped_alerts_detected(
        "Militares venezuelanos prendem garimpeiros ilegais em Canaima",
        "A operação durou três dias."
    ));
}

/// Bug: "Detienen a la activista de Provea Lucía Benítez en Valencia" named
/// no one (stories59), as "de Sidor José Rangel" did before: a rights
/// group's name opening the run of capitals made it all a body, and the
/// English and Portuguese reports naming her never joined it.
#[test]
fn a_rights_group_before_a_name_leaves_the_name() {
    use vigia::stories::{same_story, words};
    let spanish = words(
        "Detienen a la activista de Provea Lucía Benítez en Valencia",
        "Funcionarios del Sebin la interceptaron al salir de su casa.",
    );
    assert!(
        spanish.people.contains("lucia benite"),
        "{:?}",
        spanish.people
    );
    let english = words(
        "Venezuelan rights activist Lucía Benítez detained in Valencia",
        "Intelligence agents stopped her outside her home.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
    let other = words(
        "Detienen a otro activista de Provea, ahora en Barcelona",
        "Ramón Salazar fue llevado a la sede de la Dgcim.",
    );
    assert!(!same_story(&other, &[], &spanish, &[]));
}

/// Bug: holdout51's errors. A lawyer "missing after visiting" the Sebin,
/// a mother "held to force his surrender", a hiker held near Mount
/// Roraima (vetoed as Brazil) and an engineer "que criticou apagões"
/// never alerted; a jet released, crude "held at discount", a prize
/// "captured" and a model held in Cancún for a scam did. Salvadorans and
/// Guatemalans stay in the list of other countries: as foreigners, their
/// own police's arrests alerted (holdout5, holdout25).
#[test]
fn missing_after_a_visit_alerts_and_crude_held_at_a_discount_does_not() {
    assert!(shipped_alerts_detected(
        "Venezuelan lawyer missing after visiting Sebin headquarters",
        "Her family fears she is held."
    ));
    assert!(shipped_alerts_detected(
        "Venezuelan dissident's mother held to force his surrender",
        "He is in hiding."
    ));
    assert!(shipped_alerts_detected(
        "Retienen a excursionista suizo cerca del tepuy Roraima",
        "Berna pidió acceso."
    ));
    assert!(shipped_alerts_detected(
        "Engenheiro que criticou apagões no rádio fica detido",
        "Ele trabalhava na estatal de energia."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan crude held at discount",
        "Buyers demanded more."
    ));
    assert!(!shipped_alerts_detected(
        "Actriz venezolana captura premio en Cannes",
        "Agradeció a su madre."
    ));
    assert!(!shipped_alerts_detected(
        "Modelo venezuelana é presa em Cancún por golpe",
        "Ela vendia passeios falsos."
    ));
    assert!(!shipped_alerts_detected(
        "Policía salvadoreña detiene a pandilleros",
        "Fueron llevados al Cecot."
    ));
}

/// Bug: a detention report that no list rule found, a detention term but
/// no Venezuela, political or foreign term ("Doctor detained after radio
/// interview"), never alerted: on sets never tuned on, the lists missed up
/// to one report in five. The learned rule now finds the ones that read
/// like the labelled reports, and still not other senses of the verb or
/// common crime.
#[test]
fn a_detention_report_no_list_rule_finds_alerts_when_it_reads_like_one() {
    assert!(shipped_alerts_detected(
        "Doctor detained after radio interview",
        "His wife does not know where he was taken."
    ));
    assert!(shipped_alerts_detected(
        "Médico é detido depois de entrevista à rádio",
        "A esposa não sabe para onde foi levado."
    ));
    assert!(!shipped_alerts_detected(
        "Detienen el tráfico en la autopista por obras",
        ""
    ));
    assert!(!shipped_alerts_detected(
        "Nurse detained after stealing drugs from hospital",
        "Police said she sold them."
    ));
}

/// Bug: the learned rule, asked about every item, took ordinary Venezuelan
/// news for detention reports (on the real news of the dev set, trained
/// without it, a fifth of what it sent was blackouts, schools, elections):
/// the labelled reports are nearly all about detentions, so it had learned
/// Venezuela as much as detention. It now needs a detention or release
/// term, and no veto, as the lists' rules do.
#[test]
fn ordinary_venezuelan_news_does_not_read_as_a_detention() {
    assert!(!shipped_alerts_detected(
        "Apagones de diez horas en Maracaibo en plena ola de calor",
        "Vecinos protestan con cacerolas."
    ));
    assert!(!shipped_alerts_detected(
        "Venezuelan opposition says regional vote was rigged",
        "The electoral council rejected the claim."
    ));
}

/// Bug: "Detienen al periodista de El Pitazo Daniel Ochoa en Barinas"
/// named "Pitazo Daniel Ochoa" (stories60): the outlet he works for opened
/// the run of capitals, so the English report naming Daniel Ochoa never
/// joined it. An outlet named by one word, with its article, is not part
/// of the name; another reporter of the outlet stays apart.
#[test]
fn an_outlet_before_a_name_leaves_the_name() {
    use vigia::stories::{same_story, words};
    let spanish = words(
        "Detienen al periodista de El Pitazo Daniel Ochoa en Barinas",
        "Cubría una protesta de productores de leche.",
    );
    assert!(
        spanish.people.contains("daniel ochoa"),
        "{:?}",
        spanish.people
    );
    let english = words(
        "Venezuelan journalist Daniel Ochoa arrested in Barinas",
        "He was covering a dairy farmers' protest.",
    );
    assert!(same_story(&english, &[], &spanish, &[]));
    let other = words(
        "Detienen a la reportera de La Patilla Gabriela Rivas en Barinas",
        "Cubría la misma protesta.",
    );
    assert!(
        other.people.iter().any(|p| p.ends_with(" rivas")),
        "{:?}",
        other.people
    );
    assert!(!same_story(&other, &[], &spanish, &[]));
}

/// Bug: holdout53's errors. Engineers jailed "tras incendio en refinería"
/// (Portuguese "após incêndio") never alerted: the crime list's arson verb
/// "incendió" folds to "incendio", the fire itself, and vetoed every rule.
/// The verb now vetoes only with what follows it; an arsonist's arrest stays
/// vetoed.
#[test]
fn a_fire_in_the_report_does_not_make_its_detention_a_crime() {
    assert!(shipped_alerts_detected(
        "Encarcelan a técnicos de Pdvsa tras incendio en planta de Cardón",
        "Sus compañeros dicen que habían advertido fallas."
    ));
    assert!(shipped_alerts_detected(
        "Técnicos da PDVSA são presos após incêndio em refinaria de Cardón",
        "Colegas dizem que alertaram para falhas."
    ));
    assert!(!shipped_alerts_detected(
        "Detienen a hombre que incendió la casa de su vecina en Maracay",
        "La policía dice que confesó."
    ));
}

/// Bug: holdout53's errors, and a kind every earlier set had too. A report
/// that says who took someone ("Policías sacan a maestra de su salón",
/// "Soldiers drag Pemón leader from his village") has no detention word,
/// so the learned rule never read it. The rule "someone taken by a
/// security body" asks the model about items naming both a captor and a
/// taking; neither word alone is enough, so ordinary news of the security
/// bodies stays out.
#[test]
fn a_report_that_says_who_took_someone_alerts_without_a_detention_word() {
    for (title, summary) in [
        (
            "Policías sacan a profesora de su aula en Valera",
            "Los alumnos grabaron la escena.",
        ),
        (
            "Soldiers drag Pemón leader from his village in Gran Sabana",
            "Neighbours said he opposed a mine.",
        ),
    ] {
        assert!(shipped_alerts_detected(title, summary), "{title}");
    }
    for (title, summary) in [
        (
            "Militares toman el control de las gasolineras en Zulia",
            "Las colas siguen.",
        ),
        (
            "Sebin tiene nuevo director",
            "El anterior fue nombrado embajador.",
        ),
        (
            "Agentes de la PNB reciben aumento salarial",
            "El ministro anunció bonos.",
        ),
        (
            "Colectivos reparten comida en el 23 de Enero",
            "La entrega fue en la plaza.",
        ),
        (
            "Soldiers deployed to guard Venezuela's power plants",
            "The government blames sabotage.",
        ),
    ] {
        assert!(!shipped_alerts_detected(title, summary), "{title}");
    }
}

/// Bug: "Jornalista Andrés Quintero é condenado a 12 anos" named
/// "Jornalista Andrés Quintero" (stories61): a headline's first word is
/// capitalized, and a trade there read as part of the name, so the
/// Portuguese report of the sentence joined neither the Spanish nor the
/// English one ("Journalist Andrés Quintero sentenced", two other people
/// by their names). A trade opening a headline is not part of the name.
/// So with "Ativista Daniela Arrieta é detida" (stories62): an activist
/// is a trade now, in the singular too.
#[test]
fn a_trade_opening_a_headline_is_not_part_of_the_name() {
    use vigia::stories::{same_story, words};
    let portuguese = words(
        "Jornalista Andrés Quintero é condenado a 12 anos",
        "O tribunal o considerou culpado de revelar segredos.",
    );
    let english = words(
        "Journalist Andrés Quintero sentenced to 12 years",
        "The court found him guilty of revealing secrets.",
    );
    for report in [&portuguese, &english] {
        assert!(
            report.people.iter().all(|p| p.split(' ').count() == 2),
            "{:?}",
            report.people
        );
    }
    assert!(same_story(&portuguese, &[], &english, &[]));
    let other = words(
        "Jornalista Marcos Vidal é condenado a 12 anos",
        "O tribunal o considerou culpado de revelar segredos.",
    );
    assert!(!same_story(&other, &[], &english, &[]));
    let activist = words(
        "Ativista Daniela Arrieta é detida em Barquisimeto",
        "Agentes de contrainteligência a tiraram de casa.",
    );
    let in_english = words(
        "Activist Daniela Arrieta detained in Barquisimeto",
        "Counterintelligence officers took her from her home.",
    );
    assert!(same_story(&activist, &[], &in_english, &[]));
}

/// Bug: with two learned rules, `why` said what the last one in the config
/// lacked, not the one closest to firing, and named neither: "Caricaturista
/// no aparece desde que publicó una sátira" was told it needed a captor
/// and a taking, where one detention term would have let the model decide.
#[test]
fn why_names_the_learned_rule_an_item_came_closest_to() {
    let item = vigia::matching::ItemText {
        title: "Caricaturista no aparece desde que publicó una sátira",
        summary: "Su último dibujo mostraba a un ministro.",
        content: "",
    };
    let m = shipped_matcher();
    let text = m.why(&item, &m.check(&item, &[]), &[], None).render();
    assert!(
        text.contains(
            "No example would make it alert: the learned rule \"reads like a detention report\" \
             also needs a term of any of `detention`, `release`, `prisons`."
        ),
        "{text}"
    );
}
