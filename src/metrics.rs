//! Prometheus metrics (`GET /metrics`, text format), kept with
//! prometheus-client. Counters and histograms are updated where things
//! happen; the outbox and source gauges are read from the store at each
//! scrape, so they are right even after a restart.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::store::{Store, StoreError};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    pub source: String,
    /// `ok`, `not-modified`, or the failure's kind (`timeout`, `http-status`, …).
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RuleLabel {
    pub rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

/// Delivery latency buckets, in seconds (from item found to Telegram's ok).
pub const LATENCY_BUCKETS: [f64; 9] =
    [1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0];

pub struct Metrics {
    registry: Registry,
    pub fetches: Family<FetchLabels, Counter>,
    pub fetch_seconds: Histogram,
    pub items_seen: Family<SourceLabel, Counter>,
    /// Feed entries that could not be read and were skipped, by source.
    pub entries_skipped: Family<SourceLabel, Counter>,
    pub matches: Family<RuleLabel, Counter>,
    /// Alerts Telegram accepted (admin notices not counted).
    pub alerts_sent: Counter,
    /// Alerts given up on.
    pub alerts_failed: Counter,
    /// Alerts printed on standard output for want of a token (not sent).
    pub alerts_printed: Counter,
    /// Telegram's 429 answers.
    pub rate_limited: Counter,
    pub delivery_seconds: Histogram,
    pub reloads: Family<OutcomeLabel, Counter>,
    /// Telegram's answers to sends, by what they meant.
    pub telegram_answers: Family<OutcomeLabel, Counter>,
    /// 1 while Telegram refuses the bot's token.
    pub telegram_bot_refused: Gauge,
    /// 1 while every send fails for a passing reason.
    pub telegram_failing: Gauge,
    /// Alerts queued, by the source that found them.
    pub alerts_queued: Family<SourceLabel, Counter>,
    outbox: Family<StateLabel, Gauge>,
    sources_failing: Gauge,
    source_last_success: Family<SourceLabel, Gauge>,
    source_failures: Family<SourceLabel, Gauge>,
    source_items: Family<SourceLabel, Gauge>,
    degraded: Family<ReasonLabel, Gauge>,
    config_reload_ok: Gauge,
    config_reload_time: Gauge,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Metrics {
            registry: Registry::with_prefix("vigia"),
            fetches: Family::default(),
            fetch_seconds: Histogram::new([0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            items_seen: Family::default(),
            entries_skipped: Family::default(),
            matches: Family::default(),
            alerts_sent: Counter::default(),
            alerts_failed: Counter::default(),
            alerts_printed: Counter::default(),
            rate_limited: Counter::default(),
            delivery_seconds: Histogram::new(LATENCY_BUCKETS),
            reloads: Family::default(),
            telegram_answers: Family::default(),
            telegram_bot_refused: Gauge::default(),
            telegram_failing: Gauge::default(),
            alerts_queued: Family::default(),
            outbox: Family::default(),
            sources_failing: Gauge::default(),
            source_last_success: Family::default(),
            source_failures: Family::default(),
            source_items: Family::default(),
            degraded: Family::default(),
            config_reload_ok: Gauge::default(),
            config_reload_time: Gauge::default(),
        };
        let r = &mut m.registry;
        r.register(
            "fetches",
            "Source fetches, by source and outcome",
            m.fetches.clone(),
        );
        r.register(
            "fetch_seconds",
            "Time to fetch a source",
            m.fetch_seconds.clone(),
        );
        r.register(
            "items_seen",
            "New items recorded, by source",
            m.items_seen.clone(),
        );
        r.register(
            "feed_entries_skipped",
            "Feed entries that could not be read and were skipped (the rest of the feed was read), by source",
            m.entries_skipped.clone(),
        );
        r.register("matches", "Items that matched, by rule", m.matches.clone());
        r.register(
            "alerts_sent",
            "Alerts Telegram accepted",
            m.alerts_sent.clone(),
        );
        r.register(
            "alerts_failed",
            "Alerts given up on (admins were told)",
            m.alerts_failed.clone(),
        );
        r.register(
            "alerts_printed",
            "Alerts printed on standard output for want of a token; they are sent once a token is set",
            m.alerts_printed.clone(),
        );
        r.register(
            "telegram_rate_limited",
            "429 answers from Telegram",
            m.rate_limited.clone(),
        );
        r.register(
            "delivery_seconds",
            "From item found to Telegram's ok",
            m.delivery_seconds.clone(),
        );
        r.register(
            "config_reloads",
            "Config reloads, by outcome",
            m.reloads.clone(),
        );
        r.register(
            "telegram_answers",
            "Telegram's answers to sends, by outcome (ok, passing, rate-limited, message-refused, chat-refused, bot-refused, migrated)",
            m.telegram_answers.clone(),
        );
        r.register(
            "telegram_bot_refused",
            "1 while Telegram refuses the bot's token (401): nothing can be sent",
            m.telegram_bot_refused.clone(),
        );
        r.register(
            "telegram_failing",
            "1 while Telegram fails every send (5xx, no answer)",
            m.telegram_failing.clone(),
        );
        r.register("alerts", "Alerts in the outbox, by state", m.outbox.clone());
        r.register(
            "source_alerts",
            "Alerts queued, by the source that found them",
            m.alerts_queued.clone(),
        );
        r.register(
            "source_last_success_timestamp_seconds",
            "When each source was last polled successfully (unix time)",
            m.source_last_success.clone(),
        );
        r.register(
            "source_consecutive_failures",
            "Failed polls in a row, by source",
            m.source_failures.clone(),
        );
        r.register(
            "source_items",
            "Items recorded from each source, ever (from the store)",
            m.source_items.clone(),
        );
        r.register(
            "degraded",
            "1 while this reason degrades the daemon (see /status)",
            m.degraded.clone(),
        );
        r.register(
            "config_last_reload_success",
            "1 if the last config reload was applied, 0 if it was rejected",
            m.config_reload_ok.clone(),
        );
        r.register(
            "config_last_reload_timestamp_seconds",
            "When a config was last applied (start or reload; unix time)",
            m.config_reload_time.clone(),
        );
        let build: Family<BuildLabels, Gauge> = Family::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
            })
            .set(1);
        r.register("build_info", "vigia's version, as a label", build);
        m.config_reload_ok.set(1);
        m.config_reload_time.set(chrono::Utc::now().timestamp());
        r.register(
            "sources_failing",
            "Sources whose last poll failed",
            m.sources_failing.clone(),
        );
        m
    }
}

impl Metrics {
    pub fn fetch(&self, source: &str, outcome: &str) {
        self.fetches
            .get_or_create(&FetchLabels {
                source: source.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    pub fn telegram_answer(&self, outcome: &str) {
        self.telegram_answers
            .get_or_create(&OutcomeLabel {
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// A config reload's outcome.
    pub fn reloaded(&self, applied: bool) {
        self.config_reload_ok.set(applied as i64);
        if applied {
            self.config_reload_time.set(chrono::Utc::now().timestamp());
        }
    }

    /// The text exposition, with gauges read from `store` now; `degraded`
    /// is each reason the daemon can be degraded for, and whether it is.
    pub fn render(
        &self,
        store: &Store,
        degraded: &[(&'static str, bool)],
    ) -> Result<String, StoreError> {
        for &(reason, on) in degraded {
            self.degraded
                .get_or_create(&ReasonLabel {
                    reason: reason.into(),
                })
                .set(on as i64);
        }
        let counts = store.outbox_counts()?;
        for (state, n) in [
            ("pending", counts.pending + counts.sending),
            ("held", counts.held),
            ("sent", counts.sent),
            ("printed", counts.printed),
            ("failed", counts.failed),
        ] {
            self.outbox
                .get_or_create(&StateLabel {
                    state: state.into(),
                })
                .set(n);
        }
        let sources = store.source_health()?;
        for s in &sources {
            let label = SourceLabel {
                source: s.name.clone(),
            };
            if let Some(t) = s.last_success {
                self.source_last_success
                    .get_or_create(&label)
                    .set(t.timestamp());
            }
            self.source_failures
                .get_or_create(&label)
                .set(s.consecutive_failures);
            self.source_items.get_or_create(&label).set(s.items_seen);
        }
        let failing = sources
            .iter()
            .filter(|s| s.consecutive_failures > 0)
            .count();
        self.sources_failing.set(failing as i64);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        Ok(out)
    }
}
