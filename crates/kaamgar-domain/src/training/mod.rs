//! Training: centres, programmes, batches and the certificates they lead to. `model` parses what a partner
//! defines (centre, programme, batch, trainee, assessment); `rules` holds the seat decision, the enrolment
//! lifecycle, when attendance may be marked and who completes; `issue` writes the certificate and the district's
//! status list; `credential` secures them as W3C Verifiable Credentials (eddsa-jcs-2022, did:key) over `jcs`
//! (RFC 8785) and `multibase`; `status_list` revokes one; `check` is the whole offline check a third party makes;
//! `dates` reads and writes the times they carry.

pub mod check;
pub mod compact;
pub mod credential;
pub mod dates;
pub mod issue;
pub mod jcs;
pub mod model;
pub mod multibase;
pub mod rules;
pub mod status_list;
