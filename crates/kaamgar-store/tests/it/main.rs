//! The store's integration tests in one binary: the conformance suite of the registry and accounts, bulk imports,
//! the job queue and the messaging tables, each on SQLite and (when `KAAMGAR_TEST_POSTGRES_URL` is set) PostgreSQL.

mod common;

mod conformance;
mod imports;
mod jobs;
mod messaging;
mod search;
