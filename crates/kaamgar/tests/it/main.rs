//! The integration tests of the `kaamgar` crate in one binary (one link on a two-core machine instead of twelve).
//! Each module is one area, tested the way users reach it; the harness is shared.
//!
//! - `common`: a fresh application on temporary SQLite (and PostgreSQL when `KAAMGAR_TEST_POSTGRES_URL` is set),
//!   imports as the CLI runs them, requests through the router.
//! - `bot_support`, `dash_support`: the bot's and the dashboard's harnesses over `common`.

mod bot_support;
mod common;
mod dash_support;

mod api;
mod bot;
mod bot_edges;
mod bot_paths;
mod browser;
mod cli;
mod dashboard;
mod dashboard_office;
mod dashboard_pages;
mod import;
mod matching;
mod sender;
mod snapshots;
mod training;
mod training_attendance;
mod training_invite;
mod training_lists;
mod training_office;
mod understand;
mod webhook;
