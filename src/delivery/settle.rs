//! What a send's outcome does: to the alert (sent, retried, resent plain
//! or shorter, failed), to its chat (paced, held, migrated) and to the
//! admins (told once). The table in the module doc of `delivery` is the
//! summary of this file.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::*;

/// Wait before attempt `attempts + 1`: 1 s doubling to 10 min, ±20% jitter.
fn backoff(attempts: i64) -> Duration {
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 10)).min(MAX_BACKOFF);
    base.mul_f64(0.8 + fastrand::f64() * 0.4)
}

/// The wait before retrying after a passing failure: the alert's backoff,
/// but never more than a tenth of the time its chat has been failing, so a
/// short outage is noticed over within seconds of its end.
fn passing_wait(attempts: i64, failing_for: Duration) -> Duration {
    backoff(attempts).min((failing_for / 10).max(Duration::from_secs(1)))
}

/// When a held chat is probed next: as long after now as it has been held
/// (so the waits double), from [`FIRST_PROBE`] up to `recheck_held`.
fn next_probe(now: DateTime<Utc>, held_for: Duration, recheck_held: Duration) -> DateTime<Utc> {
    after(now, probe_wait(held_for, recheck_held))
}

fn probe_wait(refused_for: Duration, recheck_held: Duration) -> Duration {
    refused_for.max(FIRST_PROBE).min(recheck_held)
}

fn after(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or_default()
}

/// What a settled attempt means for the chat's worker.
pub(super) enum Next {
    /// Send the chat's next alert.
    Continue,
    /// Stop; the dispatcher wakes the chat again when it is due.
    Stop,
}

impl Inner {
    /// Telegram accepted a message to `chat`: it works. Ends a refused
    /// token and a failing spell; the chats that failed during the spell
    /// are due again now rather than at the end of their backoff.
    pub(super) async fn worked(&self, chat: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (token_back, spell, told, flush) = {
            let mut st = self.state.lock();
            let token_back = st.health.bot_refused.take().is_some();
            st.paused_until = None;
            st.bot_refused_since = None;
            let spell = st.health.failing_since.take();
            let told = std::mem::take(&mut st.told_down);
            st.chats_failing.remove(chat);
            let mut flush = Vec::new();
            if let Some(since) = spell {
                st.chats_failing.retain(|c, failing| {
                    let in_spell = *failing >= since;
                    if in_spell {
                        flush.push(c.clone());
                    }
                    !in_spell
                });
            }
            (token_back, spell, told, flush)
        };
        self.metrics.telegram_bot_refused.set(0);
        self.metrics.telegram_failing.set(0);
        if token_back {
            tracing::info!("Telegram accepts the bot's token again");
        }
        if !flush.is_empty() {
            let n = self.store.call(move |s| s.due_now(&flush, now)).await?;
            if n > 0 {
                tracing::info!(
                    alerts = n,
                    "Telegram answers again; retrying the alerts that were waiting"
                );
                self.wake.notify_one();
            }
        }
        if let (Some(since), true) = (spell, told) {
            tracing::info!(since = %since, "Telegram works again");
            self.tell_admins(format!(
                "✅ Telegram works again (every send had failed since {}). \
                 The alerts that waited are being delivered, in order.",
                since.format("%Y-%m-%d %H:%M:%S UTC")
            ))
            .await?;
        }
        Ok(())
    }

    /// A passing failure for `chat`: returns how long the chat has been
    /// failing, and tells the admins once Telegram has failed every send
    /// for `down_after`.
    async fn failed_passing(
        &self,
        chat: &str,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<Duration, StoreError> {
        let (failing_for, newly_down) = {
            let mut st = self.state.lock();
            let since = *st.chats_failing.entry(chat.to_string()).or_insert(now);
            let spell = *st.health.failing_since.get_or_insert(now);
            let newly_down =
                !st.told_down && (now - spell).to_std().unwrap_or_default() >= self.down_after;
            st.told_down |= newly_down;
            (
                (now - since).to_std().unwrap_or_default(),
                newly_down.then_some(spell),
            )
        };
        self.metrics.telegram_failing.set(1);
        if let Some(spell) = newly_down {
            tracing::error!(since = %spell, error = %error, "Telegram has failed every send for a long time; alerts wait and are retried");
            self.tell_admins(format!(
                "⚠️ Telegram has failed every send since {} ({}). Last error: {error}\n\
                 Alerts wait and are retried, none is lost; vigia will say when it works again.",
                spell.format("%Y-%m-%d %H:%M:%S UTC"),
                humantime::format_duration(self.down_after)
            ))
            .await?;
        }
        Ok(failing_for)
    }

    /// Records what Telegram said about `alert`, and says whether the chat
    /// goes on.
    pub(super) async fn settle(
        &self,
        alert: &PendingAlert,
        probe: bool,
        result: Result<Option<i32>, SendError>,
    ) -> Result<Next, StoreError> {
        let now = Utc::now();
        let (id, chat, channel) = (alert.id, alert.chat.clone(), alert.channel.clone());
        let notice = alert.notice.is_some();
        let error = match result {
            Ok(_) if matches!(self.sink, Sink::Stdout) => {
                // Printed is not delivered: the alert waits for a token.
                if !notice {
                    self.metrics.alerts_printed.inc();
                }
                self.store.call(move |s| s.mark_printed(id, now)).await?;
                return Ok(Next::Continue);
            }
            Ok(message_id) => {
                self.metrics.telegram_answer("ok");
                if !notice {
                    // Counted as soon as Telegram accepted it, before it is
                    // recorded: whoever sees the outbox empty sees the count.
                    let latency = (now - alert.created_at).to_std().unwrap_or_default();
                    self.metrics.alerts_sent.inc();
                    self.metrics.delivery_seconds.observe(latency.as_secs_f64());
                    tracing::info!(alert = id, channel = %channel, latency_ms = latency.as_millis() as u64, "alert delivered");
                }
                let delivered = self
                    .store
                    .call(move |s| s.mark_sent(id, message_id, now))
                    .await?;
                self.worked(&alert.chat, now).await?;
                if let Some(released) = delivered.resumed {
                    tracing::info!(channel = %channel, released, "channel works again; delivering its held alerts");
                    if !notice {
                        self.tell_admins(format!(
                            "✅ vigia can post to channel {channel} again. Its {} held alert(s) are being delivered, in order.",
                            released + 1
                        ))
                        .await?;
                    }
                }
                return Ok(Next::Continue);
            }
            Err(e) => e,
        };
        self.metrics.telegram_answer(error.kind());
        let message = error.to_string();
        let edit = alert.kind == EntryKind::Edit && alert.root_message.is_some();
        // Plain text is tried for HTML Telegram cannot parse, and for a
        // message refused for a reason it does not name (not for an edit:
        // the message it edits is already there).
        let try_plain = !alert.plain
            && !notice
            && (matches!(error, SendError::Unparsable(_))
                || matches!(error, SendError::MessageRefused(_)) && !edit);
        let recheck_held = self.recheck_held;
        match error {
            SendError::RetryAfter(wait) => {
                self.metrics.rate_limited.inc();
                tracing::warn!(channel = %channel, wait_s = wait.as_secs(), "Telegram rate limit; holding the chat");
                let until = after(now, wait);
                self.store
                    .call(move |s| {
                        s.chat_not_before(&chat, until)?;
                        if probe {
                            s.hold_chat(id, &chat, &message, now, |held_for| {
                                next_probe(now, held_for, recheck_held).max(until)
                            })?;
                            Ok(())
                        } else {
                            s.retry_at(id, now, &message)
                        }
                    })
                    .await?;
                Ok(Next::Stop)
            }
            SendError::Migrated(new) => {
                let new = new.to_string();
                let (old, to) = (chat.clone(), new.clone());
                let news = self.store.call(move |s| s.migrate_chat(&old, &to)).await?;
                if news {
                    tracing::warn!(channel = %channel, old = %chat, new = %new, "group migrated to a supergroup; alerts follow it");
                    self.tell_admins(format!(
                        "ℹ️ The group of channel {channel} became a supergroup: alerts now go to {new}. \
                         Set `{channel} = {new}` under [channels] in the config."
                    ))
                    .await?;
                }
                Ok(Next::Stop)
            }
            SendError::Unchanged => {
                // Only an edit can be unchanged, and it is handled as sent
                // in `Sink::send`; anything else saying so is a message
                // refused.
                self.give_up(alert, &message).await?;
                Ok(Next::Continue)
            }
            SendError::Unparsable(_) | SendError::MessageRefused(_) if try_plain => {
                tracing::warn!(channel = %channel, alert = id, error = %message, "Telegram refused the message; resending it as plain text");
                self.store
                    .call(move |s| s.resend_as(id, true, None, &message))
                    .await?;
                Ok(Next::Continue)
            }
            SendError::TooLong
                if alert.max_len.unwrap_or(format::MAX_MESSAGE) * 3 / 4 >= MIN_LEN =>
            {
                let shorter = alert.max_len.unwrap_or(format::MAX_MESSAGE) * 3 / 4;
                tracing::warn!(channel = %channel, alert = id, max_len = shorter, "Telegram found the alert too long; shortening it");
                self.store
                    .call(move |s| s.resend_as(id, false, Some(shorter), &message))
                    .await?;
                Ok(Next::Continue)
            }
            SendError::Unparsable(_) | SendError::TooLong | SendError::MessageRefused(_)
                if edit =>
            {
                tracing::warn!(channel = %channel, error = %message,
                    "could not add a report to its story's message; the report stays recorded");
                self.store.call(move |s| s.fail(id, &message)).await?;
                Ok(Next::Continue)
            }
            SendError::Unparsable(_) | SendError::TooLong | SendError::MessageRefused(_) => {
                // Refused as plain text too, or still "too long" at a
                // fraction of the limit: not this alert's markup or length.
                // Give it up, loudly, and go on with the chat.
                self.give_up(alert, &message).await?;
                Ok(Next::Continue)
            }
            SendError::ChatRefused(_) if notice => {
                tracing::error!(admin = %chat, error = %message,
                    "cannot message this admin; they must open a chat with the bot and press Start");
                self.store.call(move |s| s.fail(id, &message)).await?;
                Ok(Next::Continue)
            }
            SendError::ChatRefused(_) => {
                let reason = message.clone();
                let newly = self
                    .store
                    .call(move |s| {
                        s.hold_chat(id, &chat, &reason, now, |held_for| {
                            next_probe(now, held_for, recheck_held)
                        })
                    })
                    .await?;
                if newly {
                    tracing::error!(channel = %channel, error = %message, "channel refused; holding its alerts");
                    self.tell_admins(format!(
                        "⚠️ vigia cannot post to channel {channel} ({}): {message}\n\
                         Its alerts are held, not lost: they will be sent as soon as it works again \
                         (tried after {}, then less often, at least every {}, and at each restart).",
                        alert.chat,
                        humantime::format_duration(FIRST_PROBE.min(recheck_held)),
                        humantime::format_duration(recheck_held)
                    ))
                    .await?;
                } else {
                    tracing::debug!(channel = %channel, error = %message, "held channel still refused");
                }
                Ok(Next::Stop)
            }
            SendError::BotRefused(_) => {
                let newly = {
                    let mut st = self.state.lock();
                    let since = *st.bot_refused_since.get_or_insert(now);
                    let refused_for = (now - since).to_std().unwrap_or_default();
                    st.paused_until =
                        Some(tokio::time::Instant::now() + probe_wait(refused_for, recheck_held));
                    st.health.bot_refused.replace(message.clone()).is_none()
                };
                self.metrics.telegram_bot_refused.set(1);
                if newly {
                    tracing::error!(error = %message,
                        "Telegram refuses the bot's token: nothing can be sent; check TELEGRAM_BOT_TOKEN or telegram.token_file (alerts wait, none is lost)");
                }
                // Not an attempt at this alert: it waits, whatever its age.
                self.store
                    .call(move |s| s.retry_at(id, now, &message))
                    .await?;
                self.wake.notify_one();
                Ok(Next::Stop)
            }
            SendError::Passing(_) if probe => {
                tracing::debug!(channel = %channel, error = %message, "probe of a held channel failed");
                self.store
                    .call(move |s| {
                        s.hold_chat(id, &chat, &message, now, |held_for| {
                            next_probe(now, held_for, recheck_held)
                        })
                        .map(drop)
                    })
                    .await?;
                Ok(Next::Stop)
            }
            SendError::Passing(_) => {
                let age = (now - alert.created_at).to_std().unwrap_or_default();
                if age >= self.give_up_after {
                    self.give_up(alert, &message).await?;
                    return Ok(Next::Continue);
                }
                let failing_for = self.failed_passing(&chat, now, &message).await?;
                let wait = passing_wait(alert.attempts, failing_for);
                tracing::warn!(channel = %channel, alert = id, attempts = alert.attempts + 1,
                    retry_in_ms = wait.as_millis() as u64, error = %message, "alert not delivered; will retry");
                let until = after(now, wait);
                self.store
                    .call(move |s| s.retry_at(id, until, &message))
                    .await?;
                Ok(Next::Stop)
            }
        }
    }

    /// Marks an alert failed and tells the admins what was lost.
    pub(super) async fn give_up(
        &self,
        alert: &PendingAlert,
        reason: &str,
    ) -> Result<(), StoreError> {
        let id = alert.id;
        let why = reason.to_string();
        self.store.call(move |s| s.fail(id, &why)).await?;
        if alert.notice.is_some() {
            tracing::error!(admin = %alert.chat, error = %reason, "gave up on an admin notice");
            return Ok(());
        }
        self.metrics.alerts_failed.inc();
        tracing::error!(channel = %alert.channel, alert = id, error = %reason, "gave up on an alert");
        let link = alert.link.as_deref().unwrap_or("(no link)");
        self.tell_admins(format!(
            "❌ An alert for channel {} could not be delivered and was given up after {} attempt(s): {reason}\n\n{}\n{link}",
            alert.channel,
            alert.attempts + 1,
            alert.title
        ))
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(1200));
        assert!(backoff(3) >= Duration::from_millis(6400));
        assert!(backoff(60) <= MAX_BACKOFF.mul_f64(1.2));
    }
}
