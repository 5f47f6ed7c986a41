//! Telegram commands for the teams: `/status`, `/sources`, `/recent [n]`,
//! `/mute RULE DURATION`, `/unmute RULE [drop]`, `/help`, received by long polling (`getUpdates`) in the same process and
//! registered with `setMyCommands`. Only user ids in `telegram.admins` get
//! answers; anyone else gets a short refusal. Replies go straight out from
//! this task, never through the alert outbox, so commands never hold up an
//! alert.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::requests::Requester;
use teloxide::types::{ChatId, UpdateKind};
use teloxide::utils::command::BotCommands;
use teloxide::Bot;
use tokio_util::sync::CancellationToken;

use crate::delivery::telegram::describe;
use crate::delivery::{Admins, Telegram};
use crate::store::{Lease, LeaseKind, Store, StoreError};

#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase", description = "vigia answers its admins:")]
pub enum Command {
    #[command(description = "sources ok and failing, alerts pending and held, the last alert")]
    Status,
    #[command(description = "every source and its health")]
    Sources,
    #[command(description = "the last alerts, with links: /recent 10")]
    Recent(String),
    #[command(description = "mute a rule for a while; its alerts are kept: /mute RULE 2h")]
    Mute(String),
    #[command(description = "end a mute; its alerts are sent (or dropped): /unmute RULE [drop]")]
    Unmute(String),
    #[command(description = "why an item did or did not alert: /why LINK")]
    Why(String),
    #[command(description = "this help")]
    Help,
}

/// The rules of the running config, for `/mute` to check names against.
pub type RuleNames = Arc<dyn Fn() -> Vec<String> + Send + Sync>;

/// Answers `/why LINK` with the running config's lists and rules.
pub type Explain =
    Arc<dyn Fn(String) -> futures_util::future::BoxFuture<'static, String> + Send + Sync>;

/// `RULE DURATION`: the rule may have spaces; the duration is the last word.
fn parse_mute(args: &str) -> Option<(String, std::time::Duration)> {
    let (rule, duration) = args.trim().rsplit_once(char::is_whitespace)?;
    let duration = humantime::parse_duration(duration).ok()?;
    Some((rule.trim().to_string(), duration))
}

/// Seconds a `getUpdates` waits for something to happen.
const LONG_POLL: u32 = 20;

fn ago(t: chrono::DateTime<Utc>) -> String {
    let d = (Utc::now() - t).to_std().unwrap_or_default();
    let secs = d.as_secs();
    if secs < 120 {
        format!("{secs} s ago")
    } else if secs < 7200 {
        format!("{} min ago", secs / 60)
    } else if secs < 172_800 {
        format!("{} h ago", secs / 3600)
    } else {
        format!("{} days ago", secs / 86_400)
    }
}

/// The answer to `command`, read from (or, for mutes, written to) the store.
pub fn answer(store: &Store, command: &Command, rules: &[String]) -> Result<String, StoreError> {
    let now = Utc::now();
    let unknown =
        |rule: &str| format!("No rule is named {rule:?}. The rules: {}", rules.join(", "));
    Ok(match command {
        Command::Mute(args) => match parse_mute(args) {
            None => "Write it as /mute RULE DURATION, like /mute detentions in Venezuela 2h".into(),
            Some((rule, _)) if !rules.contains(&rule) => unknown(&rule),
            Some((rule, duration)) => {
                let until = now + chrono::Duration::from_std(duration).unwrap_or_default();
                store.mute(&rule, until, now)?;
                format!(
                    "🔇 {rule} is muted until {}. Its alerts are kept, and sent when the mute ends \
                     (or /unmute {rule} drop to discard them).",
                    until.format("%Y-%m-%d %H:%M UTC")
                )
            }
        },
        Command::Unmute(args) => {
            let args = args.trim();
            let (rule, deliver) = match args.strip_suffix(" drop") {
                Some(rule) => (rule.trim(), false),
                None => (args.strip_suffix(" send").unwrap_or(args).trim(), true),
            };
            match store.unmute(rule, deliver, now)? {
                None => format!("{rule:?} is not muted."),
                Some(n) if deliver => {
                    format!("🔊 {rule} is unmuted; its {n} kept alert(s) are being sent.")
                }
                Some(n) => format!("🔊 {rule} is unmuted; its {n} kept alert(s) were dropped."),
            }
        }
        Command::Help => Command::descriptions().to_string(),
        // Answered by the command loop, which can fetch.
        Command::Why(_) => "Send /why with the link of a report: /why https://…".into(),
        Command::Status => {
            let h = super::health(store, &Default::default(), None, Utc::now())?;
            let sources = store.source_health()?;
            let mut out = if h.status == "ok" {
                "✅ vigia is ok".to_string()
            } else {
                format!("⚠️ vigia is degraded: {}", h.reasons.join("; "))
            };
            out.push_str(&format!(
                "\nSources: {} ok, {} failing",
                sources.len() - h.sources_failing.len(),
                h.sources_failing.len()
            ));
            out.push_str(&format!(
                "\nAlerts: {} pending, {} held, {} failed",
                h.alerts_pending, h.alerts_held, h.alerts_failed
            ));
            for (rule, until) in store.muted_rules(now)? {
                out.push_str(&format!(
                    "\nMuted: {rule} until {}",
                    until.format("%Y-%m-%d %H:%M UTC")
                ));
            }
            match store.recent_alerts(1)?.first() {
                Some(a) => out.push_str(&format!("\nLast alert: {} ({})", a.title, ago(a.sent_at))),
                None => out.push_str("\nNo alert sent yet."),
            }
            out
        }
        Command::Sources => {
            let sources = store.source_health()?;
            if sources.is_empty() {
                return Ok("No source has been polled yet.".into());
            }
            sources
                .iter()
                .map(|s| match (&s.failing_since, &s.last_error) {
                    (Some(since), Some(e)) => format!(
                        "❌ {}: failing since {} ({} in a row): {e}",
                        s.name,
                        ago(*since),
                        s.consecutive_failures
                    ),
                    _ if s.entries_skipped > 0 => format!(
                        "⚠️ {}: last polled {}, {} items seen; {} entries of the feed could not be \
                         read and were skipped (named in the log)",
                        s.name,
                        s.last_success.map_or("never".into(), ago),
                        s.items_seen,
                        s.entries_skipped
                    ),
                    _ => format!(
                        "✅ {}: last polled {}, {} items seen",
                        s.name,
                        s.last_success.map_or("never".into(), ago),
                        s.items_seen
                    ),
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Command::Recent(n) => {
            let n = n.trim().parse::<usize>().unwrap_or(5).clamp(1, 20);
            let recent = store.recent_alerts(n)?;
            if recent.is_empty() {
                return Ok("No alert sent yet.".into());
            }
            recent
                .iter()
                .map(|a| {
                    format!(
                        "• {} ({}, to {})\n  {}",
                        a.title,
                        ago(a.sent_at),
                        a.channels,
                        a.link.as_deref().unwrap_or("(no link)")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

/// How long to wait before asking again, when another replica reads the
/// commands (or the store cannot say who does).
async fn commands_elsewhere(store: &Arc<Store>) -> Option<Duration> {
    if !store.is_shared() {
        return None;
    }
    match store
        .call(|s| s.lease(LeaseKind::Commands, "telegram"))
        .await
    {
        Ok(Lease::Busy(wait)) => Some(wait + Duration::from_millis(100)),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot take the commands' lease; retrying");
            Some(Duration::from_secs(5))
        }
    }
}

/// Answers commands until `cancel`.
pub async fn serve(
    telegram: Telegram,
    store: Arc<Store>,
    admins: Admins,
    rules: RuleNames,
    explain: Explain,
    wake: Arc<tokio::sync::Notify>,
    cancel: CancellationToken,
) {
    let (bot, token): (&Bot, _) = (telegram.bot(), telegram.token());
    // Registering and asking the bot's name may hang on a slow Telegram:
    // neither may hold up a shutdown.
    let setup = async {
        // The Bot API documents command names without the slash.
        let list = Command::bot_commands().into_iter().map(|mut c| {
            c.command = c.command.trim_start_matches('/').to_string();
            c
        });
        if let Err(e) = bot.set_my_commands(list).await {
            tracing::warn!(error = %describe(&e, token), "cannot register the bot's commands");
        }
        match bot.get_me().await {
            Ok(me) => me.username.clone().unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %describe(&e, token), "cannot read the bot's name; commands addressed /cmd@bot are ignored");
                String::new()
            }
        }
    };
    let username = tokio::select! {
        _ = cancel.cancelled() => return,
        name = setup => name,
    };
    let mut offset = 0i32;
    loop {
        // Replicas on one store: one reads the commands (a second
        // getUpdates would be refused with 409); the others wait to take over.
        if let Some(wait) = commands_elsewhere(&store).await {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(wait) => continue,
            }
        }
        let request = bot.get_updates().offset(offset).timeout(LONG_POLL);
        let updates = tokio::select! {
            _ = cancel.cancelled() => break,
            r = request => r,
        };
        let updates = match updates {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %describe(&e, token), "cannot read commands; retrying");
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_secs(5)) => continue,
                }
            }
        };
        for update in updates {
            offset = offset.max(update.id.0 as i32 + 1);
            let UpdateKind::Message(msg) = update.kind else {
                continue;
            };
            let Some(text) = msg.text() else { continue };
            let Ok(command) = Command::parse(text, &username) else {
                continue;
            };
            let from = msg.from.as_ref().map(|u| u.id.0 as i64);
            let reply = if from.is_some_and(|id| admins.contains(id)) {
                let c = command.clone();
                let names = rules();
                let answered = match &command {
                    Command::Why(link) if link.trim().is_empty() => {
                        Ok("Send /why with the link of a report: /why https://…".to_string())
                    }
                    Command::Why(link) => Ok(explain(link.trim().to_string()).await),
                    _ => store.call(move |s| answer(s, &c, &names)).await,
                };
                if matches!(command, Command::Mute(_) | Command::Unmute(_)) {
                    // Kept alerts may be due now, and mute ends have moved.
                    wake.notify_one();
                }
                match answered {
                    Ok(text) => text,
                    Err(e) => format!("The store cannot be read: {e}"),
                }
            } else {
                tracing::info!(user = ?from, ?command, "command from someone not in telegram.admins");
                "Sorry: only vigia's admins can use its commands.".to_string()
            };
            let chat: ChatId = msg.chat.id;
            // An answer over the chat's rate limit waits its turn, as an alert would.
            for attempt in 1..=3 {
                match bot.send_message(chat, reply.clone()).await {
                    Ok(_) => break,
                    Err(teloxide::RequestError::RetryAfter(wait)) if attempt < 3 => {
                        tokio::select! {
                            _ = cancel.cancelled() => break,
                            _ = tokio::time::sleep(wait.duration()) => {}
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %describe(&e, token), "cannot answer a command");
                        break;
                    }
                }
            }
        }
    }
    tracing::debug!("commands stopped");
}
