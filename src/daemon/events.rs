//! What a poll reports. Each event is one small type whose `emit` writes
//! its log line and counts its metrics together, so the two cannot drift
//! apart: a new field or counter goes in one place.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::intake::PollOutcome;
use crate::metrics::{Metrics, RuleLabel, SourceLabel};

/// A fetch finished (in any way) after `elapsed`.
pub struct Fetched {
    pub elapsed: Duration,
}

impl Fetched {
    pub fn emit(&self, metrics: &Metrics) {
        metrics.fetch_seconds.observe(self.elapsed.as_secs_f64());
    }
}

/// A poll failed: the fetch, or reading what came back.
pub struct PollFailed<'a> {
    pub source: &'a str,
    /// A short, stable name for the failure (`timeout`, `not-a-feed`, …).
    pub kind: &'static str,
    pub failures: i64,
    pub retry_in: Duration,
    pub error: &'a str,
}

impl PollFailed<'_> {
    pub fn emit(&self, metrics: &Metrics) {
        metrics.fetch(self.source, self.kind);
        tracing::warn!(source = %self.source, kind = self.kind, failures = self.failures,
            retry_in_s = self.retry_in.as_secs(), error = %self.error, "poll failed");
    }
}

/// The server said the feed has not changed since the last poll.
pub struct NotModified<'a> {
    pub source: &'a str,
    pub elapsed: Duration,
}

impl NotModified<'_> {
    pub fn emit(&self, metrics: &Metrics) {
        metrics.fetch(self.source, "not-modified");
        tracing::debug!(source = %self.source, elapsed_ms = self.elapsed.as_millis() as u64, "not modified");
    }
}

/// A poll's items were taken and recorded; `queued` alerts wait to be sent.
pub struct Polled<'a> {
    pub source: &'a str,
    pub outcome: &'a PollOutcome,
    /// Entries of the feed that could not be read, named.
    pub skipped: &'a [String],
    pub queued: usize,
    pub elapsed: Duration,
}

impl Polled<'_> {
    pub fn emit(&self, metrics: &Metrics) {
        let source = SourceLabel {
            source: self.source.to_string(),
        };
        let new_items = self.outcome.items.len();
        metrics.fetch(self.source, "ok");
        for entry in self.skipped {
            tracing::warn!(source = %self.source, entry = %entry,
                "an entry of the feed cannot be read and is skipped; the others are read");
        }
        if !self.skipped.is_empty() {
            metrics
                .entries_skipped
                .get_or_create(&source)
                .inc_by(self.skipped.len() as u64);
        }
        metrics
            .items_seen
            .get_or_create(&source)
            .inc_by(new_items as u64);
        for rule in &self.outcome.fired {
            metrics
                .matches
                .get_or_create(&RuleLabel { rule: rule.clone() })
                .inc();
        }
        if self.queued > 0 {
            metrics
                .alerts_queued
                .get_or_create(&source)
                .inc_by(self.queued as u64);
        }
        tracing::debug!(source = %self.source, new_items, backfilled = self.outcome.backfilled,
            alerts = self.queued, elapsed_ms = self.elapsed.as_millis() as u64, "polled");
        if self.queued > 0 {
            tracing::info!(source = %self.source, alerts = self.queued, "alerts queued");
        }
    }
}

/// A source has failed for longer than `sources.down_after`.
pub struct SourceDown<'a> {
    pub source: &'a str,
    pub since: DateTime<Utc>,
}

impl SourceDown<'_> {
    pub fn emit(&self) {
        tracing::error!(source = %self.source, since = %self.since, "source has been failing for a long time");
    }
}

/// A source that was down works again.
pub struct SourceBack<'a> {
    pub source: &'a str,
}

impl SourceBack<'_> {
    pub fn emit(&self) {
        tracing::info!(source = %self.source, "source works again");
    }
}
