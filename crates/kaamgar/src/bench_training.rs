//! `kaamgar bench training`: certificates issued — decided, signed and stored with their revocation index and
//! audit row — per second when batches end, on a fresh SQLite database; then the server time of a batch's page
//! with 60 trainees × 30 sessions, every mark filled, signed in as the district administrator.

use crate::app::App;
use crate::bench_dashboard::{Client, percentile};
use crate::config::Config;
use anyhow::{Context, Result, bail};
use kaamgar_app::training::{By, Mark, Training};
use kaamgar_domain::ids::BatchId;
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_domain::training::model::{
    BatchForm, CentreForm, CompletionRule, Module, ProgrammeForm, SessionForm, TraineeForm,
};
use kaamgar_store::NewUser;
use kaamgar_store::prelude::*;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct TrainingBenchArgs {
    /// Trainees completing (in batches of 1,000).
    #[arg(long, default_value_t = 5_000)]
    pub trainees: usize,
    /// Requests of the batch page.
    #[arg(long, default_value_t = 300)]
    pub rounds: usize,
}

const DAY: i64 = 86_400;
const PASSWORD: &str = "bench-password-1";

/// A batch of `trainees` people with `sessions` sessions, all held and attended; `n` makes the phones unique.
async fn filled_batch(
    t: &Training,
    by: By<'_>,
    ids: (i64, i64),
    n: usize,
    trainees: usize,
    sessions: usize,
    now: i64,
) -> Result<BatchId> {
    let start = now - (sessions as i64 + 2) * DAY;
    let form = BatchForm {
        programme_id: ids.0,
        centre_id: ids.1,
        phase: 1,
        name: format!("Bench batch {n}"),
        enrol_from: utc_datetime(start - 20 * DAY),
        enrol_until: utc_datetime(start),
        capacity: trainees as u32,
        trainers: vec!["Trainer".into()],
        sessions: (0..sessions)
            .map(|i| SessionForm {
                starts_at: utc_datetime(start + i as i64 * DAY),
                ends_at: utc_datetime(start + i as i64 * DAY + 7_200),
                topic: format!("Session {i}"),
                module: None,
            })
            .collect(),
    };
    let b = t.create_batch(by, &form, start - 20 * DAY).await?;
    let people: Vec<TraineeForm> = (0..trainees)
        .map(|i| TraineeForm {
            name: Some(format!("प्रशिक्षु {n}-{i}")),
            phone: Some(format!("9{:02}{:07}", n % 100, i)),
            ..TraineeForm::default()
        })
        .collect();
    for chunk in people.chunks(500) {
        t.enrol_many(by, b, chunk, false, "list", start - DAY)
            .await?;
    }
    let seated: Vec<i64> = t
        .store
        .enrolments(b)
        .await?
        .iter()
        .map(|e| e.id.0)
        .collect();
    for (i, s) in t.store.sessions(b).await?.iter().enumerate() {
        let marks: Vec<Mark> = seated
            .iter()
            .enumerate()
            .map(|(k, e)| Mark {
                enrolment_id: *e,
                present: (k + i) % 7 != 0,
            })
            .collect();
        t.mark_session(by, b, s.id, &marks, None, s.starts_at)
            .await?;
    }
    Ok(b)
}

/// The bench's centre and programme (any attendance over half completes): their ids.
async fn centre_and_programme(
    training: &Training,
    by: By<'_>,
    district: &str,
    now: i64,
) -> Result<(i64, i64)> {
    let centre = training
        .create_centre(
            by,
            &CentreForm {
                name: "Bench centre".into(),
                district: district.to_string(),
                block: None,
                address: "Bench road".into(),
                capacity: 5_000,
                contact_name: "Bench".into(),
                contact_phone: "9415000101".into(),
                partner_user_id: None,
            },
            now - 90 * DAY,
        )
        .await?;
    let programme = training
        .create_programme(
            by,
            &ProgrammeForm {
                title_en: "Bench programme".into(),
                title_hi: "बेंच कार्यक्रम".into(),
                district: district.to_string(),
                modules: vec![Module {
                    title: "All".into(),
                    hours: 40,
                }],
                completion: CompletionRule {
                    min_attendance_pct: 50,
                    min_score_pct: 0,
                },
                certificate_en: "Bench certificate".into(),
                certificate_hi: "बेंच प्रमाणपत्र".into(),
                trade: None,
                validity_years: None,
            },
            now - 90 * DAY,
        )
        .await?;
    Ok((programme.id.0, centre.id.0))
}

pub async fn run(args: TrainingBenchArgs) -> Result<String> {
    let dir = std::env::temp_dir().join(format!("kaamgar-bench-training-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let cfg = Config {
        database_url: format!("sqlite://{}", dir.join("bench.db").display()),
        ..Config::default()
    };
    let app = App::open(cfg).await?;
    let training = crate::serve::training(&app)?;
    let district = app
        .places
        .area()
        .first()
        .and_then(|d| app.places.district(*d))
        .map(|d| d.name.clone())
        .context("no district in the service area")?;
    let now = crate::app::now();
    let system = Training::system();
    let by = By {
        caller: &system,
        ip: None,
    };
    let ids = centre_and_programme(&training, by, &district, now).await?;
    let mut issued = 0usize;
    let mut issuing = 0f64;
    for n in 0..args.trainees.div_ceil(1_000) {
        let size = (args.trainees - n * 1_000).min(1_000);
        let b = filled_batch(&training, by, ids, n, size, 4, now).await?;
        let started = Instant::now();
        issued += training.complete_batch(by, b, now).await?.len();
        issuing += started.elapsed().as_secs_f64();
    }
    if issued == 0 {
        bail!("no certificate was issued");
    }
    let page_batch = filled_batch(&training, by, ids, 99, 60, 30, now).await?;
    let hash = crate::users::hash_off_runtime(PASSWORD).await?;
    app.store
        .create_user(
            &NewUser {
                name: "bench".into(),
                password_hash: hash,
                role: "district_admin".into(),
                district: Some(district),
                block: None,
                lang: "hi".into(),
            },
            now,
        )
        .await?;
    let mut c = Client::signed_in(&app, "bench", PASSWORD).await?;
    let uri = format!("/training/batches/{page_batch}");
    let mut times = Vec::with_capacity(args.rounds);
    let mut bytes = 0;
    for _ in 0..args.rounds.max(1) {
        let started = Instant::now();
        let (status, body, _) = c.get(&uri).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if status != 200 {
            bail!("{uri} answered {status}");
        }
        bytes = body.len();
    }
    times.sort_by(f64::total_cmp);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(format!(
        "training (SQLite): {issued} certificates issued (decided, signed, stored with index and audit row) in \
         {issuing:.2} s = {:.0}/s\nbatch page, 60 trainees × 30 sessions ({} kB): p50 {:.2} ms, p99 {:.2} ms over {} requests",
        issued as f64 / issuing,
        bytes / 1024,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.len()
    ))
}
