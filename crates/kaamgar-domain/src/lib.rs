//! kaamgar's domain: the types and rules of the worker registry, free of I/O so they can be tested and reused by
//! every front door (HTTP, WhatsApp, CLI).

pub mod access;
pub mod channel;
pub mod conversation;
pub mod filter;
pub mod gazetteer;
pub mod ids;
pub mod import;
pub mod jobs;
pub mod matching;
pub mod phone;
pub mod places;
pub mod request;
pub mod text;
pub mod trade;
pub mod training;
pub mod understand;
pub mod whatsapp;
pub mod worker;

pub use phone::PhoneNumber;
