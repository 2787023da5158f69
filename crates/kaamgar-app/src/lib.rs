//! kaamgar's use cases, independent of HTTP: what kaamgar does, called alike by the web crate's handlers and the
//! command line. One module per capability: `matching` (the matching index kept fresh from the registry, and
//! finding workers), `conversation` (the bot service over the conversation engine), `accounts` (passwords, tokens,
//! who an account is), `export` (the registry as a spreadsheet), `imports` (the list import use case's types), and the `clock`. No axum, no tower.

pub mod accounts;
pub mod clock;
pub mod conversation;
pub mod export;
pub mod imports;
pub mod matching;
pub mod training;

pub use clock::{Clock, ManualClock, SystemClock};
