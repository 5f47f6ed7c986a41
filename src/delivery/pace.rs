//! Pacing: sending within Telegram's limits before Telegram has to say no.
//!
//! Each limit is a sliding window: at most `count` messages in any `per`.
//! Telegram counts a message when the request arrives; vigia only knows
//! that it arrived before the answer came back. So each send is recorded
//! when its answer arrives (a send still in flight counts as arriving now),
//! and a new send may start once enough recorded ones lie a full window
//! behind it: then the arrivals Telegram sees can never be closer than the
//! limit, whatever the network's delays.

use std::collections::{HashMap, VecDeque};

use tokio::time::Instant;

use crate::config::{Rate, RateLimits};

/// One reservation, to be completed with [`Pacer::done`].
#[derive(Debug)]
pub struct Ticket {
    seq: u64,
    chat: String,
}

/// The last `count` sends under one limit: reservation number, and when
/// the answer came (`None` while in flight).
#[derive(Debug)]
struct Window {
    rate: Rate,
    recent: VecDeque<(u64, Option<Instant>)>,
}

impl Window {
    fn new(rate: Rate) -> Self {
        Window {
            rate,
            recent: VecDeque::with_capacity(rate.count as usize),
        }
    }

    /// `Ok(())` if a send may start at `now`; else when it may (`None`:
    /// once a send in flight is answered).
    fn check(&self, now: Instant) -> Result<(), Option<Instant>> {
        if self.recent.len() < self.rate.count as usize {
            return Ok(());
        }
        // One of the last `count` must lie a full window behind: the one
        // answered first frees the first slot.
        let earliest = self.recent.iter().filter_map(|(_, at)| *at).min();
        match earliest {
            Some(at) if at + self.rate.per <= now => Ok(()),
            Some(at) => Err(Some(at + self.rate.per)),
            None => Err(None),
        }
    }

    fn push(&mut self, seq: u64) {
        if self.recent.len() >= self.rate.count as usize {
            let oldest = (0..self.recent.len())
                .filter(|&i| self.recent[i].1.is_some())
                .min_by_key(|&i| self.recent[i].1);
            if let Some(i) = oldest {
                self.recent.remove(i);
            }
        }
        self.recent.push_back((seq, None));
    }

    fn done(&mut self, seq: u64, at: Instant) {
        if let Some(entry) = self.recent.iter_mut().find(|(s, _)| *s == seq) {
            entry.1 = Some(at);
        }
    }
}

#[derive(Debug)]
struct ChatWindows {
    chat: Window,
    /// Groups and channels only.
    group: Option<Window>,
}

/// Telegram's limits, per chat and overall.
#[derive(Debug)]
pub struct Pacer {
    limits: RateLimits,
    overall: Window,
    chats: HashMap<String, ChatWindows>,
    seq: u64,
}

/// Whether a chat is a group or channel (negative id, or `@username`)
/// rather than a private chat with a user.
pub fn is_group(chat: &str) -> bool {
    chat.starts_with('-') || chat.starts_with('@')
}

impl Pacer {
    pub fn new(limits: RateLimits) -> Self {
        Pacer {
            limits,
            overall: Window::new(limits.overall),
            chats: HashMap::new(),
            seq: 0,
        }
    }

    /// Reserves a send to `chat` at `now`, or says when to ask again
    /// (`None`: when a send in flight is answered).
    pub fn reserve(&mut self, chat: &str, now: Instant) -> Result<Ticket, Option<Instant>> {
        let limits = self.limits;
        let windows = self
            .chats
            .entry(chat.to_string())
            .or_insert_with(|| ChatWindows {
                chat: Window::new(limits.chat),
                group: is_group(chat).then(|| Window::new(limits.group)),
            });
        let checks = [
            windows.chat.check(now),
            windows.group.as_ref().map_or(Ok(()), |w| w.check(now)),
            self.overall.check(now),
        ];
        let mut wait: Result<(), Option<Instant>> = Ok(());
        for check in checks {
            wait = match (wait, check) {
                (Ok(()), other) | (other, Ok(())) => other,
                (Err(None), _) | (_, Err(None)) => Err(None),
                (Err(Some(a)), Err(Some(b))) => Err(Some(a.max(b))),
            };
        }
        wait?;
        self.seq += 1;
        let seq = self.seq;
        windows.chat.push(seq);
        if let Some(g) = &mut windows.group {
            g.push(seq);
        }
        self.overall.push(seq);
        Ok(Ticket {
            seq,
            chat: chat.to_string(),
        })
    }

    /// Records that the send's answer (or failure) came at `at`.
    pub fn done(&mut self, ticket: Ticket, at: Instant) {
        if let Some(w) = self.chats.get_mut(&ticket.chat) {
            w.chat.done(ticket.seq, at);
            if let Some(g) = &mut w.group {
                g.done(ticket.seq, at);
            }
        }
        self.overall.done(ticket.seq, at);
    }

    /// The shortest possible time to deliver `per_chat[i]` messages to each
    /// of `per_chat.len()` groups under these limits, starting at zero with
    /// every answer instant: the yardstick for the delivery benchmark.
    pub fn minimum_makespan(limits: RateLimits, per_chat: &[usize]) -> std::time::Duration {
        let start = Instant::now();
        let mut pacer = Pacer::new(limits);
        let mut left: Vec<usize> = per_chat.to_vec();
        let chats: Vec<String> = (0..per_chat.len()).map(|i| format!("-{}", i + 1)).collect();
        let mut now = start;
        let mut last = start;
        while left.iter().any(|&n| n > 0) {
            let mut next: Option<Instant> = None;
            for (i, chat) in chats.iter().enumerate() {
                if left[i] == 0 {
                    continue;
                }
                match pacer.reserve(chat, now) {
                    Ok(t) => {
                        pacer.done(t, now);
                        left[i] -= 1;
                        last = now;
                    }
                    Err(Some(at)) => next = Some(next.map_or(at, |n| n.min(at))),
                    Err(None) => unreachable!("every send is answered at once"),
                }
            }
            if let Some(at) = next {
                now = at;
            }
        }
        last - start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits() -> RateLimits {
        RateLimits::default()
    }

    #[test]
    fn one_per_second_per_chat_and_twenty_per_minute_per_group() {
        let mut p = Pacer::new(limits());
        let t0 = Instant::now();
        let a = p.reserve("-100", t0).unwrap();
        // In flight: the next must wait for the answer.
        assert_eq!(p.reserve("-100", t0).unwrap_err(), None);
        p.done(a, t0 + Duration::from_millis(200));
        assert_eq!(
            p.reserve("-100", t0 + Duration::from_millis(500))
                .unwrap_err(),
            Some(t0 + Duration::from_millis(1200))
        );
        // Another chat is not held up.
        assert!(p.reserve("-200", t0).is_ok());
        // Twenty sends a second apart, then the twenty-first waits a minute
        // after the first one's answer.
        let mut p = Pacer::new(limits());
        let mut at = t0;
        for _ in 0..20 {
            let t = p.reserve("-100", at).unwrap();
            p.done(t, at);
            at += Duration::from_secs(1);
        }
        assert_eq!(
            p.reserve("-100", at).unwrap_err(),
            Some(t0 + Duration::from_secs(60))
        );
        // A private chat has no per-minute window.
        let mut at = t0;
        for _ in 0..30 {
            let t = p.reserve("42", at).unwrap();
            p.done(t, at);
            at += Duration::from_secs(1);
        }
    }

    #[test]
    fn thirty_per_second_overall() {
        let mut p = Pacer::new(limits());
        let t0 = Instant::now();
        for i in 0..30 {
            let t = p.reserve(&format!("-{i}"), t0).unwrap();
            p.done(t, t0 + Duration::from_millis(10));
        }
        assert_eq!(
            p.reserve("-31", t0 + Duration::from_millis(20))
                .unwrap_err(),
            Some(t0 + Duration::from_millis(1010))
        );
    }

    #[test]
    fn minimum_makespan_of_a_flood() {
        // 30 messages to one group: 20 at one a second (0..19 s), the 21st
        // a minute after the first (60 s), the 30th at 69 s.
        assert_eq!(
            Pacer::minimum_makespan(limits(), &[30]),
            Duration::from_secs(69)
        );
        // Ten groups run side by side: the overall limit is not reached.
        assert_eq!(
            Pacer::minimum_makespan(limits(), &[30; 10]),
            Duration::from_secs(69)
        );
        // Sixty chats of one message: 30 in the first second, 30 in the next.
        assert_eq!(
            Pacer::minimum_makespan(limits(), &[1; 60]),
            Duration::from_secs(1)
        );
    }
}
