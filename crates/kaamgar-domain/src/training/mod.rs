//! Training: programmes, batches and the certificates they lead to. `credential` secures a certificate as a W3C
//! Verifiable Credential (eddsa-jcs-2022, did:key, Bitstring Status List); `check` is the whole offline check a
//! third party makes of one.

pub mod check;
pub mod credential;
