//! `POST /training/batches/{id}/enrolments`: the partner's list of trainees (CSV or XLSX) uploaded from the batch
//! page, each row enrolled — or invited on WhatsApp — on its own, and every row's outcome shown with its reason.

use super::batch::{dash_error, refusal};
use crate::AppState;
use crate::dashboard::audit;
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use kaamgar_app::training::{By, ListHow, ListReport};
use kaamgar_domain::access::Permission;
use kaamgar_domain::ids::BatchId;

pub struct LineView {
    pub line: u64,
    pub name: String,
    /// The outcome's text key.
    pub key: String,
    pub refused: bool,
    pub reason: String,
}

pub struct ReportView {
    pub rows: usize,
    pub enrolled: usize,
    pub waiting: usize,
    pub invited: usize,
    pub refused: usize,
    pub lines: Vec<LineView>,
}

#[derive(Template)]
#[template(path = "training_list.html")]
struct ListPage {
    chrome: Chrome,
    id: i64,
    name: String,
    file: String,
    report: Option<ReportView>,
    error: Option<String>,
}

fn view(r: ListReport) -> ReportView {
    ReportView {
        rows: r.rows,
        enrolled: r.enrolled,
        waiting: r.waiting,
        invited: r.invited,
        refused: r.refused,
        lines: r
            .lines
            .into_iter()
            .map(|l| LineView {
                line: l.line,
                name: l.name,
                refused: l.outcome == "refused",
                key: if l.outcome == "refused" {
                    "tr_out_refused".into()
                } else {
                    format!("tr_st_{}", l.outcome)
                },
                reason: l.reason,
            })
            .collect(),
    }
}

/// The form's parts: the token, the file and the two choices.
#[derive(Default)]
struct ListForm {
    csrf: String,
    file_name: String,
    body: Vec<u8>,
    how: ListHow,
}

async fn read_form(mut m: Multipart) -> Result<ListForm, &'static str> {
    let mut f = ListForm::default();
    loop {
        let field = match m.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(f),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err("err_upload_too_large");
            }
            Err(_) => return Err("err_upload_broken"),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            f.file_name = field
                .file_name()
                .unwrap_or("list")
                .chars()
                .take(200)
                .collect();
            f.body = match field.bytes().await {
                Ok(b) => Vec::from(b),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err("err_upload_too_large");
                }
                Err(_) => return Err("err_upload_broken"),
            };
            continue;
        }
        let text = field.text().await.map_err(|_| "err_upload_broken")?;
        match name.as_str() {
            "csrf" => f.csrf = text,
            "wait_if_full" => f.how.wait_if_full = !text.is_empty(),
            "invite" => f.how.invite = !text.is_empty(),
            _ => {}
        }
    }
}

pub async fn upload(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, DashError> {
    const ACTION: &str = "training.enrol";
    let target = format!("batch:{id}");
    // Who may not enrol is answered before the file is read.
    o.require(Permission::ManageTraining)?;
    let form = match form {
        Ok(m) => read_form(m).await,
        Err(_) => Err("err_upload_broken"),
    };
    // The token is checked before anything else is answered, a broken form included.
    let f = match form {
        Ok(f) if o.csrf_ok(&f.csrf) => f,
        Ok(_) => {
            return Err(audit::refuse(&state, &o, ACTION, Some(target), DashError::Csrf).await);
        }
        Err(key) => return Err(DashError::BadRequest(o.lang.s(key).into())),
    };
    let (batch, _) = match state.training.managed_batch(&o.caller, BatchId(id)).await {
        Ok(b) => b,
        Err(e) => return Err(dash_error(&state, &o, ACTION, target, e).await),
    };
    let mut page = ListPage {
        chrome: Chrome::new(&o, "training", &uri),
        id,
        name: batch.name,
        file: f.file_name.clone(),
        report: None,
        error: None,
    };
    if f.body.is_empty() {
        page.error = Some(o.lang.s("err_upload_empty").into());
        return Ok(render(&page));
    }
    let by = By {
        caller: &o.caller,
        ip: o.ip.as_deref(),
    };
    let now = state.clock.now();
    match state
        .training
        .enrol_file(by, BatchId(id), f.body, &f.file_name, f.how, now)
        .await
    {
        Ok(r) => page.report = Some(view(r)),
        Err(kaamgar_app::training::TrainingError::Store(s)) => return Err(s.into()),
        Err(e) => page.error = Some(refusal(&o, &e)),
    }
    Ok(render(&page))
}
