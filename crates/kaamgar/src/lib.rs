//! kaamgar as a library: the commands' use cases, so that integration tests drive exactly what the binary runs.

pub mod app;
pub mod bench;
pub mod bench_bot;
pub mod bench_cli;
pub mod bench_dashboard;
pub mod bench_match;
pub mod certificate;
pub mod chat;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_service;
pub mod demo_training;
pub mod export;
pub mod import;
pub mod importer;
pub mod lgd;
pub mod matching;
pub mod reference;
pub mod secret_key;
pub mod serve;
pub mod telemetry;
pub mod understand;
pub mod users;
pub mod whatsapp_sender;
pub mod xlsx_write;
