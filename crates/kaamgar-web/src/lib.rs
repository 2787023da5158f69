//! kaamgar's HTTP surface: the JSON API under `/api/v1` (with its OpenAPI document), health and metrics.
//! Handlers are thin: they parse, call the store or a use case, and render.

mod api;
mod channels;
pub mod dashboard;
mod error;
mod extract;
mod health;
mod router;
pub mod upload_record;

use async_trait::async_trait;
use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_domain::understand::Understander;
use kaamgar_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

pub use api::imports::{
    ImportCounts, ImportFailure, ImportProgress, ImportRequest, ImportResult, ListImporter,
    SkippedSheet,
};
pub use channels::{MAX_WEBHOOK_BYTES, inbox_writer, signature_matches};
pub use error::{ApiError, FieldError};
pub use health::{host_name, metrics_router};
pub use kaamgar_app::{Clock, ManualClock, SystemClock};
pub use router::router;

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub trades: Arc<TradeCatalogue>,
    pub places: Arc<PlaceDirectory>,
    /// Reads what people write (messages, place names).
    pub understander: Arc<Understander>,
    /// The matching index, kept fresh from the registry.
    pub matcher: Arc<kaamgar_app::matching::Matcher>,
    /// The list import use case (lives in the binary, where the CSV/XLSX readers are).
    pub importer: Arc<dyn ListImporter>,
    pub metrics: Option<PrometheusHandle>,
    /// The service token (`KAAMGAR_API_TOKEN`): full access to `/api/v1`, and `/metrics`.
    pub api_token: Option<Arc<str>>,
    /// The host of `KAAMGAR_PUBLIC_URL`; requests for any other host (but loopback names) are refused.
    pub public_host: Option<Arc<str>>,
    pub max_upload_bytes: usize,
    pub clock: Arc<dyn Clock>,
    pub whatsapp: WhatsAppSecrets,
    /// Writes webhook events to the inbox, several requests per transaction.
    pub inbox: inbox_writer::InboxWriter,
    /// The bot, when this process runs it (woken when the webhook stores messages; the web chat talks to it).
    pub bot: Option<Arc<kaamgar_app::conversation::BotService>>,
    /// Training: centres, batches, attendance and certificates (signed with keys derived from the secret).
    pub training: Arc<kaamgar_app::training::Training>,
    /// Certificates as PDF (none: the PDF link answers 404).
    pub certificate_pdf: Option<Arc<dyn kaamgar_app::training::CertificatePdf>>,
    /// The officials' dashboard: overview cache, sign-in guard, uploads in progress.
    pub dashboard: Arc<dashboard::Dashboard>,
}

/// The WhatsApp Cloud API secrets the webhook needs; either may be unset (the webhook then refuses).
#[derive(Clone, Default)]
pub struct WhatsAppSecrets {
    pub verify_token: Option<Arc<str>>,
    pub app_secret: Option<Arc<str>>,
}

impl std::fmt::Debug for WhatsAppSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsAppSecrets")
            .field("verify_token", &self.verify_token.as_ref().map(|_| "***"))
            .field("app_secret", &self.app_secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// An importer that refuses everything (for processes and tests that do not import).
#[derive(Debug)]
pub struct NoImporter;

#[async_trait]
impl ListImporter for NoImporter {
    async fn import(&self, _: ImportRequest) -> Result<ImportResult, ImportFailure> {
        Err(ImportFailure::Rejected(
            "imports are not available in this process".into(),
        ))
    }
}
