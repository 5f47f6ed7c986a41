//! vigia watches news feeds and official statements for reports of people
//! being detained, and alerts advocacy teams on Telegram within minutes.
//!
//! The pipeline, one module per stage:
//!
//! - [`config`]: `vigia.toml`, list and names files → a validated [`config::Config`].
//! - [`sources`]: fetching (one HTTP client, conditional GET, hard limits) and
//!   parsing feeds into [`sources::Item`]s.
//! - [`intake`]: what one poll's items come to: new or seen, backfilled or
//!   judged, their alerts, mutes and story words, recorded in one step.
//! - [`matching`]: text normalization, the term and name automaton, rules and
//!   their explanations.
//! - [`stories`]: which alerting items tell one story (near-duplicate
//!   reports from several outlets), so a story is one alert, edited.
//! - [`store`]: the SQLite file: seen items, their matches, the alert outbox
//!   and its states, what Telegram said about each chat, per-source state;
//!   schema migrations.
//! - [`delivery`]: the outbox worker: rendering alerts, pacing within
//!   Telegram's limits, sending (Telegram, or standard output when no token
//!   is set, kept for Telegram), deciding on Telegram's `error_code` what
//!   each failure means (`delivery::telegram`), notices to the admins. Its
//!   module doc holds the argument for why a crash loses nothing.
//! - [`metrics`]: the Prometheus counters every stage writes; `ops` serves
//!   them. It sits below the stages so that none depends on `ops`.
//! - [`ops`]: logging, `/healthz` (liveness), `/readyz`, `/status`,
//!   `/metrics` and the Telegram commands.
//! - [`daemon`]: wires the stages together for `vigia run`, with a shutdown
//!   signal passed in.
//! - [`replay`]: match files or URLs without storing or sending (`vigia replay`).

pub mod config;
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
