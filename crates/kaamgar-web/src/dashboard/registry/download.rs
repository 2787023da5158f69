//! The registry, or a filtered list, as a spreadsheet download: the export's rows (formula-safe, UTF-8 with a BOM
//! so Excel shows Devanagari) under headers in the interface's language, both of which the importer reads back.
//! Only roles that may take personal data away download, only inside their jurisdiction, and every download is
//! audited with its filter. The file is streamed a page at a time: memory stays flat for a million workers.

use super::workers::{ListParams, filter_of, filter_query};
use crate::AppState;
use crate::dashboard::DashError;
use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::i18n::Lang;
use crate::dashboard::session::Official;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaamgar_app::export;
use kaamgar_domain::access::Permission;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// Pages of CSV as the body reads them.
struct Chunks(mpsc::Receiver<Result<Vec<u8>, std::io::Error>>);

impl futures_core::Stream for Chunks {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

pub async fn download(
    State(state): State<AppState>,
    o: Official,
    Query(q): Query<ListParams>,
) -> Result<Response, DashError> {
    const ACTION: &str = "worker.export";
    if !o.can(Permission::DownloadWorkers) {
        return Err(audit::refuse(&state, &o, ACTION, None, DashError::Forbidden).await);
    }
    let filter = match filter_of(&state, &o, &q) {
        Ok(f) => f,
        Err(e) => {
            return Err(audit::refuse(&state, &o, ACTION, None, DashError::BadRequest(e)).await);
        }
    };
    let detail = match filter_query(&q) {
        f if f.is_empty() => "all".to_string(),
        f => f,
    };
    audit::record(&state, (&o).into(), ACTION, None, Outcome::Ok, Some(detail)).await?;
    let (tx, rx) = mpsc::channel(2);
    let header = match o.lang {
        Lang::Hi => export::HEADER_HI,
        Lang::En => export::HEADER_EN,
    };
    let mut first = "\u{feff}".as_bytes().to_vec();
    export::write_line(&mut first, &header);
    tokio::spawn(async move {
        if tx.send(Ok(first)).await.is_err() {
            return;
        }
        // A filter outside the jurisdiction: the header only.
        let Some(filter) = filter else { return };
        let mut after = 0;
        loop {
            let mut buf = Vec::with_capacity(1 << 20);
            let next = export::page(
                state.store.as_ref(),
                &state.trades,
                &filter,
                after,
                &mut buf,
            )
            .await;
            let sent = match next {
                Ok(Some((last, _))) => {
                    after = last;
                    tx.send(Ok(buf)).await
                }
                Ok(None) => return,
                Err(e) => {
                    // The file ends short rather than looking complete.
                    tracing::warn!(error = %e, "a registry download failed part-way");
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            if sent.is_err() {
                return; // the browser went away
            }
        }
    });
    let name = format!(
        "kaamgar-workers-{}.csv",
        export::date(state.clock.now() + 19_800)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(Chunks(rx)),
    )
        .into_response())
}
