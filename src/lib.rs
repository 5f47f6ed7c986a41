//! vigia watches news feeds and official statements for reports of people
//! being detained, and alerts advocacy teams on Telegram within minutes.
//!
//! The modules, each using only those above it (an item travels the
//! same way: fetched by `sources`, matched, judged by `intake`, stored,
//! delivered):
//!
//! - [`text`]: folding case and accents, HTML to text, word forms: how
//!   every stage reads text. It depends on nothing else here.
//! - [`config`]: `vigia.toml`, list and names files → a validated [`config::Config`].
//! - [`matching`]: the term and name automaton, rules and their
//!   explanations.
//! - [`sources`]: fetching (one HTTP client, conditional GET, hard limits) and
//!   parsing feeds and pages into [`sources::Item`]s.
//! - [`stories`]: which alerting items tell one story (the same detention
//!   reported by several outlets, in any language, never two people's), so
//!   a story is one alert, edited.
//! - [`store`]: the SQLite file, or a PostgreSQL database shared by
//!   replicas: seen items, their matches, the alert outbox and its states,
//!   what Telegram said about each chat, per-source state; schema
//!   migrations; the leases replicas share the work by.
//! - [`metrics`]: the Prometheus counters every stage writes; `ops` serves
//!   them.
//! - [`intake`]: what one poll's items come to: new or seen, backfilled or
//!   judged, their alerts, mutes and story words, recorded in one step.
//! - [`delivery`]: the outbox worker: rendering alerts, pacing within
//!   Telegram's limits, sending (Telegram, or standard output when no token
//!   is set, kept for Telegram), deciding on Telegram's `error_code` what
//!   each failure means (`delivery::telegram`), notices to the admins. Its
//!   module doc holds the argument for why a crash loses nothing.
//! - [`ops`]: logging, `/healthz` (liveness), `/readyz`, `/status`,
//!   `/metrics` and the Telegram commands.
//! - [`replay`]: match files or URLs without storing or sending (`vigia
//!   replay`, `vigia why`), through the same `intake::judge`.
//! - [`backtest`]: a candidate config run beside the running one over the
//!   stored items of the last days (`vigia backtest`, the console).
//! - [`console`]: the operator's read-only web pages on `http.listen`.
//! - [`daemon`]: wires the stages together for `vigia run`, with a shutdown
//!   signal passed in; its `poll` module is the polling loop.

pub mod backtest;
pub mod config;
pub mod console;
pub mod daemon;
pub mod delivery;
pub mod intake;
pub mod matching;
pub mod metrics;
pub mod ops;
pub mod replay;
pub mod sources;
pub mod store;
pub mod stories;
pub mod text;
