//! Persistence for kaamgar: the `Store` trait the rest of the system talks to, implemented once over sqlx's Any
//! driver for both SQLite (the embedded default) and PostgreSQL (production). Backend-specific SQL stays here.

mod accounts;
mod batch;
mod bot;
mod bot_reads;
mod columns;
mod dashboard;
mod erasures;
mod inbox;
mod jobs;
mod lgd;
mod outbox;
mod rows;
pub mod scratch;
mod search_index;
mod training;

/// Every store trait, for code that calls the store through the concrete `SqlStore` (tests, benchmarks).
pub mod prelude {
    pub use crate::{
        AccountStore, AuditWrites, ConversationStore, ConversationWrites, DashboardStore,
        ImportStore, InboxStore, JobStore, JobWrites, MessagingWrites, OutboxStore, PlacesStore,
        RegistryStore, RegistryWrites, Store, TrainingStore, TrainingWrites, Tx,
    };
}
mod sql;
mod tx;
mod workers;
mod workers_tx;

use async_trait::async_trait;
use kaamgar_domain::channel::Channel;
use kaamgar_domain::ids::RequestId;
use kaamgar_domain::places::{LgdBlock, LgdDistrict};
use kaamgar_domain::worker::{Availability, NewWorker, Worker};

pub use accounts::{
    AccountStore, AuditEntry, AuditFilter, AuditWrites, NewSession, NewUser, SessionRow, UserRow,
};
pub use batch::{BATCH_ROWS, BatchOutcome, BatchRow, ImportSummary, SkippedRow};
pub use bot::{ContactRow, ConversationWrites, NewRequest, OfferRow, RequestRow};
pub use bot_reads::{ChatLine, LeadLine, RequestFilter, Said, WorkerHistory};
pub use dashboard::{
    Area, DashboardStore, NewUpload, RequestPoint, UploadEnd, UploadRow, WorkerCount,
};
pub use erasures::PhoneKey;
pub use inbox::{InboxEvent, IngestOutcome, NewInboxEvent};
pub use jobs::JobWrites;
pub use jobs::{JobRow, JobStore};
pub use outbox::MessagingWrites;
pub use outbox::{Delivery, NewOutbound, OutMessage, OutboundJob, OutboundRecord};
pub use sql::{Backend, SqlStore, redact};
pub use training::{
    AssessmentRow, AttendanceRow, BatchSummary, CentreRow, CertificateRow, EnrolmentRow,
    NewEnrolment, ProgrammeRow, StatusListRow, TrainingBatch, TrainingFilter, TrainingSession,
    TrainingStore, TrainingWrites,
};
pub use tx::{SqlTx, Tx};
pub use workers_tx::{Mark, RegistryWrites};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a worker with this phone number is already registered")]
    PhoneTaken,
    #[error("this name is already taken")]
    NameTaken,
    #[error("not found")]
    NotFound,
    #[error("this person is already in the batch")]
    AlreadyEnrolled,
    #[error("this person asked for their data to be erased; they must register again themselves")]
    Erased,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(
        "the secret key differs from the one this database's erasure register was made with; restore \
         KAAMGAR_SECRET_KEY or the key file from the backup"
    )]
    KeyMismatch,
    #[error("no secret key was given to the store, so erasures cannot be checked")]
    NoSecretKey,
}

impl StoreError {
    /// Stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::PhoneTaken => "worker_phone_taken",
            StoreError::NameTaken => "name_taken",
            StoreError::NotFound => "not_found",
            StoreError::AlreadyEnrolled => "already_enrolled",
            StoreError::Erased => "worker_erased",
            StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Corrupt(_)
            | StoreError::KeyMismatch
            | StoreError::NoSecretKey => "internal",
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub use kaamgar_domain::filter::WorkerFilter;

/// A change to one worker that an official makes and the audit log records with it.
#[derive(Debug, Clone)]
pub enum WorkerWrite<'a> {
    Replace(&'a NewWorker),
    Verified(bool),
    Availability(Availability),
    Remove,
    Erase { reason: &'a str },
}

/// Keyset page: workers with id greater than `after`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub after: i64,
    pub limit: i64,
}

/// One entry of the registry's change feed: the worker as it is now, or `None` once removed or erased.
#[derive(Debug, Clone)]
pub struct WorkerChange {
    pub id: i64,
    pub seq: i64,
    pub worker: Option<Worker>,
}

/// An offer as the matching index's fairness sees it: when it was made, and whether and when it was declined or
/// left unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadRecord {
    pub offer_id: i64,
    pub worker_id: i64,
    pub offered_at: i64,
    /// When the worker declined it or let it expire.
    pub refused_at: Option<i64>,
}

/// What the matching index needs of a worker, from the change feed without the rest of the record.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    pub id: i64,
    pub seq: i64,
    /// Removed or erased: out of the index.
    pub removed: bool,
    pub trade: String,
    pub other_trades: Vec<String>,
    pub lat: f64,
    pub lon: f64,
    pub available: bool,
    pub verified: bool,
    /// Holds a certificate in force from a programme that trains for their (primary) trade.
    pub certified: bool,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub experience_years: Option<u8>,
}

/// A position in the change feed. One write can stamp many workers with one sequence value (an import batch), so
/// a page of changes may end inside a sequence value: the cursor is the (sequence, id) of the last change read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub seq: i64,
    pub id: i64,
}

impl ChangeCursor {
    /// Before every change.
    pub fn start() -> Self {
        Self::after_seq(0)
    }

    /// After every change up to and including sequence value `seq`.
    pub fn after_seq(seq: i64) -> Self {
        ChangeCursor { seq, id: i64::MAX }
    }

    /// Just after this change.
    pub fn after(c: &WorkerChange) -> Self {
        ChangeCursor {
            seq: c.seq,
            id: c.id,
        }
    }
}

/// Counts per import run, kept for the dashboard and for resuming.
#[derive(Debug, Clone, Default)]
pub struct ImportRunRecord {
    pub id: i64,
    pub file_name: String,
    pub status: String,
    pub summary: ImportSummary,
}

/// The whole store: every capability's narrow trait, and what belongs to the database as a whole. Code that needs
/// one capability can take that trait alone.
#[async_trait]
pub trait Store:
    RegistryStore
    + ImportStore
    + InboxStore
    + OutboxStore
    + ConversationStore
    + PlacesStore
    + AccountStore
    + DashboardStore
    + JobStore
    + TrainingStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// A transaction for writes of several capabilities that commit together ([`Tx`]).
    async fn begin(&self) -> Result<Box<dyn Tx>>;
    fn backend(&self) -> Backend;
    async fn migrate(&self) -> Result<()>;
    async fn ping(&self) -> Result<()>;
}

/// The worker registry: single workers, lists, removal and erasure, and the change feed read models follow.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    async fn create_worker(&self, w: &NewWorker, now: i64) -> Result<Worker>;
    /// Creates a worker and writes its audit row (target `worker:{id}`) in one transaction.
    async fn create_worker_audited(
        &self,
        w: &NewWorker,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<Worker>;
    async fn get_worker(&self, id: i64) -> Result<Worker>;
    async fn update_worker(&self, id: i64, w: &NewWorker, now: i64) -> Result<Worker>;
    async fn set_availability(&self, id: i64, a: Availability, now: i64) -> Result<Worker>;
    async fn set_verified(&self, id: i64, verified: bool, now: i64) -> Result<Worker>;
    /// Hides a worker from lists and matching; the record stays for audit.
    async fn remove_worker(&self, id: i64, now: i64) -> Result<()>;
    /// Erases a worker's personal data on request (DPDP Act) and keeps a hash of the phone so that a later
    /// re-import of an old list does not bring them back.
    async fn erase_worker(&self, id: i64, reason: &str, now: i64) -> Result<()>;
    /// A change an official makes to one worker, written in one transaction with its audit row.
    async fn change_worker_audited(
        &self,
        id: i64,
        change: &WorkerWrite<'_>,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<()>;
    async fn list_workers(&self, filter: &WorkerFilter, page: Page) -> Result<Vec<Worker>>;
    async fn count_workers(&self, filter: &WorkerFilter) -> Result<i64>;

    /// The registry's change sequence: every committed write to the registry raises it.
    async fn current_seq(&self) -> Result<i64>;
    /// Workers changed after the cursor, in (sequence, id) order, including removals.
    async fn changes_since(&self, after: ChangeCursor, limit: i64) -> Result<Vec<WorkerChange>>;
    /// The same feed with only what the matching index needs (much cheaper to read).
    async fn match_changes_since(&self, after: ChangeCursor, limit: i64) -> Result<Vec<MatchRow>>;
}

/// Bulk imports of skill-mapping lists.
#[async_trait]
pub trait ImportStore: Send + Sync {
    async fn begin_import(&self, file_name: &str, now: i64) -> Result<i64>;
    /// Upserts one batch of list rows by phone in one transaction.
    async fn import_batch(&self, run: i64, rows: &[BatchRow], now: i64) -> Result<BatchOutcome>;
    async fn finish_import(
        &self,
        run: i64,
        status: &str,
        summary: &ImportSummary,
        now: i64,
    ) -> Result<()>;
    async fn import_run(&self, run: i64) -> Result<ImportRunRecord>;
}

/// The WhatsApp inbox: events stored once each before Meta gets its 200, handed out in order per contact.
#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Stores inbound WhatsApp events in one transaction, once each: a redelivered event is counted, not stored.
    async fn ingest_inbound(&self, events: &[NewInboxEvent], now: i64) -> Result<IngestOutcome>;
    /// The next unprocessed event of each contact, oldest first.
    async fn pending_inbound(&self, limit: i64) -> Result<Vec<InboxEvent>>;
    /// Marks an event processed, or records a failed attempt with its error (it stays pending).
    async fn finish_inbound(&self, id: i64, error: Option<&str>, now: i64) -> Result<()>;
    /// Stops retrying an event that keeps failing; it is kept with its error.
    async fn abandon_inbound(&self, id: i64, error: &str, now: i64) -> Result<()>;
}

/// The outbox: messages queued with the change that caused them, claimed by senders, and their fate.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues messages to send, in one transaction; returns their ids.
    async fn enqueue_outbound(&self, msgs: &[NewOutbound], now: i64) -> Result<Vec<i64>>;
    /// Takes up to `limit` of a channel's due messages for sending (no two senders get the same one), oldest first.
    async fn claim_outbound(
        &self,
        channel: Channel,
        limit: i64,
        now: i64,
    ) -> Result<Vec<OutboundJob>>;
    async fn outbound_sent(&self, id: i64, wamid: &str, now: i64) -> Result<()>;
    /// Back in the queue, to be sent at `next_at`.
    async fn outbound_retry(
        &self,
        id: i64,
        next_at: i64,
        code: Option<i64>,
        error: &str,
    ) -> Result<()>;
    async fn outbound_failed(&self, id: i64, code: Option<i64>, error: &str) -> Result<()>;
    /// A channel's delivery report; false when no sent message has this id.
    async fn outbound_delivery(&self, d: &Delivery<'_>, now: i64) -> Result<bool>;
    /// Replaces a message by its fallback template and queues it again; false when it has none.
    async fn outbound_use_fallback(&self, id: i64, now: i64) -> Result<bool>;
    /// Puts messages claimed before `claimed_before` and never finished (a sender died) back in the queue.
    async fn requeue_stuck_outbound(&self, claimed_before: i64) -> Result<u64>;
    async fn outbound(&self, id: i64) -> Result<OutboundRecord>;
}

/// Conversations: the bot's transaction per event, transcripts, service requests and their offers.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// The last `limit` lines of a contact's conversation, oldest first.
    async fn chat_lines(&self, contact: &str, limit: i64) -> Result<Vec<ChatLine>>;
    async fn list_requests(
        &self,
        f: &RequestFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<RequestRow>>;
    /// How many requests the filter matches (its `before` is ignored).
    async fn count_requests(&self, f: &RequestFilter) -> Result<i64>;
    async fn request_with_offers(&self, id: RequestId) -> Result<(RequestRow, Vec<OfferRow>)>;
    /// Offers made or answered at `since` or later (offer time, then id), for the matching index's fairness.
    /// `None` reads the last `memory` seconds before the newest offer: what an index built at start needs.
    async fn lead_history(&self, since: Option<i64>, memory: i64) -> Result<Vec<LeadRecord>>;
    /// A worker's leads counted by answer, their jobs done, and their latest `limit` leads (newest first).
    async fn worker_history(&self, worker: i64, limit: i64) -> Result<WorkerHistory>;
}

/// Reference data about places: the LGD codes of districts and blocks.
#[async_trait]
pub trait PlacesStore: Send + Sync {
    async fn replace_lgd(&self, data: &lgd::LgdData) -> Result<()>;
    async fn lgd(&self) -> Result<(Vec<LgdDistrict>, Vec<LgdBlock>)>;
}

pub use lgd::LgdData;
