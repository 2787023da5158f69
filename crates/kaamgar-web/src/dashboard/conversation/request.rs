//! One request for an official: every offer made for it and its conversation, numbers masked; opening it is an
//! audited read. An official who may act sees what can be done to it now: offer it to another worker, call the
//! citizen (the number is shown once asked for, and that is audited), close it with a reason.

use super::requests::{Row, row};
use crate::AppState;
use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::i18n::{mask_numbers, when};
use crate::dashboard::registry::Choice;
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_app::conversation::desk;
use kaamgar_domain::access::Permission;
use kaamgar_domain::ids::RequestId;
use kaamgar_domain::request::CloseReason;
use kaamgar_store::{OfferRow, RequestRow, StoreError};
use serde::Deserialize;

#[derive(Debug)]
struct OfferView {
    rank: i64,
    worker_id: i64,
    worker: String,
    status: &'static str,
    offered: String,
    answered: String,
}

#[derive(Debug)]
struct Line {
    from_bot: bool,
    at: String,
    text: String,
}

/// What the official may do to the request now.
#[derive(Debug, Default)]
pub struct Actions {
    pub reoffer: bool,
    pub call: bool,
    pub close: bool,
    pub reasons: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "request.html")]
struct DetailPage {
    chrome: Chrome,
    r: Row,
    message: String,
    /// Why it ended, in words.
    note: String,
    offers: Vec<OfferView>,
    lines: Vec<Line>,
    rating: String,
    actions: Actions,
    /// The citizen's number, after "call the citizen".
    call: Option<String>,
    done: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailParams {
    done: Option<String>,
}

/// The request, when it is inside the official's jurisdiction for `p`; a refusal is audited as `action`.
pub async fn in_scope(
    state: &AppState,
    o: &Official,
    id: i64,
    p: Permission,
    action: &str,
) -> Result<(RequestRow, Vec<OfferRow>), DashError> {
    let target = Some(format!("request:{id}"));
    if o.require(p).is_err() {
        return Err(audit::refuse(state, o, action, target, DashError::Forbidden).await);
    }
    let (r, offers) = state.store.request_with_offers(RequestId(id)).await?;
    if o.require_at(p, &r.new.district, r.new.block.as_deref())
        .is_err()
    {
        return Err(audit::refuse(state, o, action, target, DashError::Forbidden).await);
    }
    Ok((r, offers))
}

fn actions(o: &Official, r: &RequestRow) -> Actions {
    if !o.can(Permission::ActOnRequests) {
        return Actions::default();
    }
    Actions {
        reoffer: desk::may_ask_another(r.status),
        call: o.can(Permission::ViewPersonal) && r.new.citizen_phone.is_some(),
        close: desk::may_close(r.status),
        reasons: CloseReason::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str().to_string(),
                label: o.lang.s(c.note()).to_string(),
                selected: false,
            })
            .collect(),
    }
}

/// The page of a request the official may open (already checked and audited).
pub async fn page(
    state: &AppState,
    o: &Official,
    uri: &Uri,
    (r, offers): (RequestRow, Vec<OfferRow>),
    call: Option<String>,
    done: Option<&'static str>,
) -> Result<Response, DashError> {
    let mut offer_views = Vec::with_capacity(offers.len());
    for of in &offers {
        let worker = match state.store.get_worker(of.worker_id.0).await {
            Ok(w) => w.data.name,
            Err(StoreError::NotFound | StoreError::Erased) => "—".into(),
            Err(e) => return Err(e.into()),
        };
        offer_views.push(OfferView {
            rank: of.rank,
            worker_id: of.worker_id.0,
            worker,
            status: of.status.as_str(),
            offered: when(of.offered_at),
            answered: of.answered_at.map(when).unwrap_or_default(),
        });
    }
    let lines = state
        .store
        .chat_lines(&r.new.citizen, 200)
        .await?
        .into_iter()
        .map(|l| Line {
            from_bot: matches!(l.said, kaamgar_store::Said::Bot(_)),
            at: when(l.at),
            text: mask_numbers(&kaamgar_app::conversation::shown(&l.said).text),
        })
        .collect();
    let note = r
        .note
        .as_deref()
        .map(|n| note_text(o, n))
        .unwrap_or_default();
    Ok(render(&DetailPage {
        chrome: Chrome::new(o, "requests", uri),
        message: mask_numbers(&r.new.message),
        rating: r.rating.map(|x| format!("{x}/5")).unwrap_or_default(),
        actions: actions(o, &r),
        r: row(state, &r, o),
        note,
        offers: offer_views,
        lines,
        call,
        done,
    }))
}

/// A request's note in words: the catalogue's text for the notes kaamgar writes, the code for any other.
fn note_text(o: &Official, note: &str) -> String {
    let key = match note {
        "no_workers" => "note_no_workers",
        "window_closed" => "note_window_closed",
        "cancelled_by_citizen" => "note_cancelled_by_citizen",
        "not_done" => "note_not_done",
        other => match CloseReason::ALL.iter().find(|c| c.note() == other) {
            Some(c) => c.note(),
            None => return note.to_string(),
        },
    };
    o.lang.s(key).to_string()
}

pub async fn detail(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
    Query(q): Query<DetailParams>,
) -> Result<Response, DashError> {
    let found = in_scope(&state, &o, id, Permission::ViewRequests, "request.view").await?;
    audit::record(
        &state,
        (&o).into(),
        "request.view",
        Some(format!("request:{id}")),
        Outcome::Ok,
        None,
    )
    .await?;
    let done = match q.done.as_deref() {
        Some("reoffer") => Some("done_reoffer"),
        Some("closed") => Some("done_closed"),
        _ => None,
    };
    page(&state, &o, &uri, found, None, done).await
}
