//! List uploads from the dashboard: the file is checked, imported in the background (rows outside the official's
//! jurisdiction rejected), its progress shown on a page that refreshes itself (no JavaScript needed), and the
//! report of rejected rows kept for download.

use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::i18n::num;
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use crate::{AppState, ImportProgress, ImportRequest};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use kaamgar_domain::access::{Permission, Scope};
use kaamgar_store::{Area, UploadRow};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Uploads being imported by this process, with their live progress.
#[derive(Debug, Default)]
pub struct UploadTracker {
    running: Mutex<HashMap<i64, Arc<ImportProgress>>>,
}

impl UploadTracker {
    fn start(&self, id: i64) -> Arc<ImportProgress> {
        let p = Arc::new(ImportProgress::default());
        if let Ok(mut m) = self.running.lock() {
            m.insert(id, p.clone());
        }
        p
    }

    fn percent(&self, id: i64) -> Option<u8> {
        self.running.lock().ok()?.get(&id).map(|p| p.percent())
    }

    fn end(&self, id: i64) {
        if let Ok(mut m) = self.running.lock() {
            m.remove(&id);
        }
    }
}

/// An upload the official may see: made inside their jurisdiction.
async fn in_scope(
    state: &AppState,
    o: &Official,
    id: i64,
    action: &str,
) -> Result<UploadRow, DashError> {
    let u = state.store.upload(id).await?;
    let visible = match (&o.scope, &u.district) {
        (Scope::All, _) => true,
        (_, None) => false,
        (s, Some(d)) => {
            s.district().is_some_and(|x| x.eq_ignore_ascii_case(d))
                && s.block().is_none_or(|b| {
                    u.block
                        .as_deref()
                        .is_some_and(|ub| ub.eq_ignore_ascii_case(b))
                })
        }
    };
    if visible {
        Ok(u)
    } else {
        Err(audit::refuse(
            state,
            o,
            action,
            Some(format!("upload:{id}")),
            DashError::Forbidden,
        )
        .await)
    }
}

#[derive(Debug)]
struct UploadView {
    id: i64,
    file_name: String,
    status: String,
    rows: String,
    added: String,
    updated: String,
    unchanged: String,
    rejected: String,
    warned: String,
    message: String,
    has_report: bool,
    percent: u8,
}

fn view(state: &AppState, u: &UploadRow) -> UploadView {
    let s = &u.summary;
    let n = |v: u64| num(i64::try_from(v).unwrap_or(i64::MAX));
    UploadView {
        id: u.id,
        file_name: u.file_name.clone(),
        status: u.status.clone(),
        rows: n(s.rows),
        added: n(s.inserted),
        updated: n(s.updated),
        unchanged: n(s.unchanged),
        rejected: n(s.rejected),
        warned: n(s.warned),
        message: u.message.clone().unwrap_or_default(),
        has_report: u.has_report && (s.rejected > 0 || s.warned > 0),
        percent: state.dashboard.uploads.percent(u.id).unwrap_or(0),
    }
}

#[derive(Template)]
#[template(path = "uploads.html")]
struct ListPage {
    chrome: Chrome,
    uploads: Vec<UploadView>,
    error: Option<String>,
    max_mb: usize,
}

async fn list_page(
    state: &AppState,
    o: &Official,
    uri: &Uri,
    error: Option<String>,
) -> Result<Response, DashError> {
    let rows = state.store.list_uploads(&Area::of(&o.scope), 30).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut resp = render(&ListPage {
        chrome: Chrome::new(o, "uploads", uri),
        uploads: rows.iter().map(|u| view(state, u)).collect(),
        error,
        max_mb: state.max_upload_bytes / (1024 * 1024),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn list(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
) -> Result<Response, DashError> {
    o.require(Permission::UploadLists)?;
    list_page(&state, &o, &uri, None).await
}

/// The parts of the upload form.
struct Upload {
    csrf: String,
    file_name: String,
    body: axum::body::Bytes,
}

async fn read_form(mut m: Multipart) -> Result<Upload, &'static str> {
    let mut up = Upload {
        csrf: String::new(),
        file_name: String::new(),
        body: axum::body::Bytes::new(),
    };
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err("err_upload_too_large");
            }
            Err(_) => return Err("err_upload_broken"),
        };
        match field.name() {
            Some("csrf") => up.csrf = field.text().await.map_err(|_| "err_upload_broken")?,
            Some("file") => {
                up.file_name = field
                    .file_name()
                    .unwrap_or("upload")
                    .chars()
                    .take(200)
                    .collect();
                up.body = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err("err_upload_too_large");
                    }
                    Err(_) => return Err("err_upload_broken"),
                };
            }
            _ => {}
        }
    }
    Ok(up)
}

/// Whether the bytes can be a list: an XLSX workbook or text (CSV). Everything else is refused before import.
fn looks_like_a_list(name: &str, body: &[u8]) -> Result<(), &'static str> {
    let lower = name.to_lowercase();
    let ext_ok = [".csv", ".xlsx", ".txt", ".tsv"]
        .iter()
        .any(|e| lower.ends_with(e));
    if body.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    if body.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err("err_upload_xls");
    }
    let head = &body[..body.len().min(4096)];
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    let binary = !utf16 && head.iter().filter(|b| **b == 0 || (**b < 9)).count() > 0;
    if binary || !ext_ok {
        return Err("err_upload_not_list");
    }
    Ok(())
}

pub async fn upload(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, DashError> {
    let form = match form {
        Ok(m) => read_form(m).await,
        Err(_) => Err("err_upload_broken"),
    };
    let up = match form {
        Ok(u) => u,
        Err(key) => {
            audit::record(
                &state,
                (&o).into(),
                "upload",
                None,
                Outcome::Invalid,
                Some(key.into()),
            )
            .await?;
            return list_page(&state, &o, &uri, Some(o.lang.s(key).into())).await;
        }
    };
    if !o.csrf_ok(&up.csrf) {
        return Err(audit::refuse(&state, &o, "upload", None, DashError::Csrf).await);
    }
    if !o.can(Permission::UploadLists) {
        return Err(audit::refuse(&state, &o, "upload", None, DashError::Forbidden).await);
    }
    let check = if up.body.is_empty() {
        Err("err_upload_empty")
    } else {
        looks_like_a_list(&up.file_name, &up.body)
    };
    if let Err(key) = check {
        let detail = format!("{}: {key}", up.file_name);
        audit::record(
            &state,
            (&o).into(),
            "upload",
            None,
            Outcome::Invalid,
            Some(detail),
        )
        .await?;
        return list_page(&state, &o, &uri, Some(o.lang.s(key).into())).await;
    }
    let Some(ticket) = state.dashboard.imports.enter() else {
        return list_page(&state, &o, &uri, Some(o.lang.s("err_upload_busy").into())).await;
    };
    let id = crate::upload_record::record_upload(
        &state,
        (&o).into(),
        "dashboard",
        &o.scope,
        &up.file_name,
    )
    .await?;
    let progress = state.dashboard.uploads.start(id);
    let req = ImportRequest {
        file_name: up.file_name,
        body: up.body.into(),
        only: (o.scope != Scope::All).then(|| o.scope.clone()),
        progress,
    };
    let st = state.clone();
    tokio::spawn(async move {
        // Waits (queued) while another list imports.
        let _turn = ticket.turn().await;
        if let Err(e) = st.store.start_upload(id).await {
            tracing::warn!(upload.id = id, error = %e, "recording the start of an upload failed");
        }
        let result = st.importer.import(req).await;
        crate::upload_record::record_end(&st, id, &result).await;
        st.dashboard.uploads.end(id);
        st.dashboard.stats.invalidate();
    });
    Ok(Redirect::to(&format!("/uploads/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "upload.html")]
struct StatusPage {
    chrome: Chrome,
    u: UploadView,
    running: bool,
}

pub async fn status(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, DashError> {
    o.require(Permission::UploadLists)?;
    let u = in_scope(&state, &o, id, "upload.view").await?;
    let running = matches!(u.status.as_str(), "queued" | "running");
    Ok(render(&StatusPage {
        chrome: Chrome::new(&o, "uploads", &uri),
        u: view(&state, &u),
        running,
    }))
}

/// The rejected rows as CSV (UTF-8 with BOM, so Excel shows Devanagari). It holds phone numbers: audited.
pub async fn report(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
) -> Result<Response, DashError> {
    o.require(Permission::UploadLists)?;
    in_scope(&state, &o, id, "upload.report").await?;
    let csv = state
        .store
        .upload_report(id)
        .await?
        .ok_or(DashError::NotFound)?;
    audit::record(
        &state,
        (&o).into(),
        "upload.report",
        Some(format!("upload:{id}")),
        Outcome::Ok,
        None,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"upload-{id}-rejected-rows.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        csv,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_spreadsheets_and_text_pass_the_first_check() {
        assert!(looks_like_a_list("list.csv", "नाम,मोबाइल\n".as_bytes()).is_ok());
        assert!(looks_like_a_list("list.xlsx", b"PK\x03\x04rest").is_ok());
        assert_eq!(
            looks_like_a_list("list.xls", &[0xD0, 0xCF, 0x11, 0xE0, 0]),
            Err("err_upload_xls")
        );
        assert_eq!(
            looks_like_a_list("photo.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Err("err_upload_not_list")
        );
        assert_eq!(
            looks_like_a_list("list.csv", b"\x89PNG\r\n\x1a\n\0\0"),
            Err("err_upload_not_list")
        );
        assert_eq!(
            looks_like_a_list("notes.docx.exe", b"MZ\x90\0"),
            Err("err_upload_not_list")
        );
    }
}
