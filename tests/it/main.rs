//! vigia's integration tests: one binary, with real servers on 127.0.0.1,
//! a real SQLite file in a temp dir, and the real teloxide client.

mod cli;
mod commands;
mod console;
mod corpus;
mod crash;
mod daemon;
mod delivery;
mod deploy;
mod fetch;
mod ops;
mod regression;
mod reload;
mod replicas;
mod sources;
mod stories;
mod support;
mod why;
