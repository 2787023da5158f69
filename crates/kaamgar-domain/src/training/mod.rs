//! Training: programmes, batches and the certificates they lead to. `credential` secures a certificate as a W3C
//! Verifiable Credential (eddsa-jcs-2022, did:key) over `jcs` (RFC 8785) and `multibase`; `status_list` revokes
//! one; `check` is the whole offline check a third party makes of one.

pub mod check;
pub mod credential;
pub mod jcs;
pub mod multibase;
pub mod status_list;
