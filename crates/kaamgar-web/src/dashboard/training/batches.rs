//! `/training`: every batch the official may see, grouped by programme with its phases — seats filled, waiting
//! list, sessions held, attendance, completion and certificates — and each programme's totals across its phases
//! (the panchayat programme's 250 in one row).

use crate::AppState;
use crate::dashboard::i18n::{Lang, num};
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use kaamgar_domain::training::dates::india_date;
use kaamgar_store::{BatchSummary, TrainingFilter};

#[derive(Debug, Default)]
pub struct BatchView {
    pub id: i64,
    pub phase: u16,
    pub name: String,
    pub centre: String,
    pub dates: String,
    pub seated: String,
    pub capacity: String,
    pub fill_pct: String,
    pub waiting: String,
    pub held: String,
    pub attendance_pct: String,
    pub completed: String,
    pub certificates: String,
}

#[derive(Debug, Default)]
pub struct ProgrammeView {
    pub id: i64,
    pub title: String,
    pub batches: Vec<BatchView>,
    pub total: BatchView,
}

#[derive(Template)]
#[template(path = "training.html")]
struct TrainingPage {
    chrome: Chrome,
    programmes: Vec<ProgrammeView>,
}

fn pct(n: i64, of: i64) -> String {
    if of <= 0 {
        "–".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / of as f64)
    }
}

/// Counts summed over a programme's batches.
#[derive(Debug, Default)]
struct Sum {
    seated: i64,
    capacity: i64,
    waiting: i64,
    held: i64,
    sessions: i64,
    present: i64,
    marks: i64,
    completed: i64,
    certificates: i64,
}

impl Sum {
    fn add(&mut self, s: &BatchSummary) {
        self.seated += s.seated;
        self.capacity += i64::from(s.batch.capacity);
        self.waiting += s.waiting;
        self.held += s.held;
        self.sessions += s.sessions;
        self.present += s.present;
        self.marks += s.seated * s.held;
        self.completed += s.completed;
        self.certificates += s.certificates;
    }

    fn view(&self) -> BatchView {
        BatchView {
            seated: num(self.seated),
            capacity: num(self.capacity),
            fill_pct: pct(self.seated, self.capacity),
            waiting: num(self.waiting),
            held: format!("{}/{}", num(self.held), num(self.sessions)),
            attendance_pct: pct(self.present, self.marks),
            completed: num(self.completed),
            certificates: num(self.certificates),
            ..BatchView::default()
        }
    }
}

fn view(s: &BatchSummary) -> BatchView {
    let mut one = Sum::default();
    one.add(s);
    BatchView {
        id: s.batch.id.0,
        phase: s.batch.phase,
        name: s.batch.name.clone(),
        centre: s.centre.clone(),
        dates: format!(
            "{} – {}",
            india_date(s.batch.starts_at),
            india_date(s.batch.ends_at)
        ),
        ..one.view()
    }
}

/// `GET /training`.
pub async fn list(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
) -> Result<Response, DashError> {
    o.require(Permission::ViewTraining)?;
    let f = state
        .training
        .filter_for(&o.caller, TrainingFilter::default());
    let rows = state.store.batches(&f, state.clock.now()).await?;
    let mut programmes: Vec<ProgrammeView> = Vec::new();
    let mut sums: Vec<Sum> = Vec::new();
    for s in &rows {
        if programmes
            .last()
            .is_none_or(|p| p.id != s.batch.programme_id.0)
        {
            programmes.push(ProgrammeView {
                id: s.batch.programme_id.0,
                title: match o.lang {
                    Lang::Hi => s.programme_hi.clone(),
                    Lang::En => s.programme_en.clone(),
                },
                ..ProgrammeView::default()
            });
            sums.push(Sum::default());
        }
        if let (Some(p), Some(sum)) = (programmes.last_mut(), sums.last_mut()) {
            p.batches.push(view(s));
            sum.add(s);
        }
    }
    for (p, s) in programmes.iter_mut().zip(&sums) {
        p.total = s.view();
    }
    Ok(render(&TrainingPage {
        chrome: Chrome::new(&o, "training", &uri),
        programmes,
    }))
}
