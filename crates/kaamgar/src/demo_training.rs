//! Training in `serve --demo`: a centre run by the demo training partner, the factory-skills programme with a
//! finished and a running batch of workers picked from the registry, and the panchayat representatives'
//! programme in five phases of 50 (three finished, one running, one enrolling with a waiting list). Everything is made through the
//! training use cases at the times it would have happened — enrolment inside each window, attendance ticked on
//! each session's day, scores, completion at the end — so the certificates are real, signed and checkable.

use crate::app::App;
use crate::demo::Rng;
use anyhow::{Context, Result};
use kaamgar_app::training::{By, Mark, Training};
use kaamgar_domain::access::{Caller, Role, Scope};
use kaamgar_domain::ids::BatchId;
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_domain::training::model::{
    AssessmentForm, BatchForm, CentreForm, CompletionRule, Module, ProgrammeForm, SessionForm,
    TraineeForm,
};
use kaamgar_store::prelude::*;
use kaamgar_store::{TrainingFilter, WorkerFilter};

const DAY: i64 = 86_400;
/// 10:00 in India, as seconds after midnight UTC.
const TEN_AM: i64 = 10 * 3600 - 19_800;

/// Offices panchayat representatives hold.
const OFFICES: [&str; 5] = [
    "ग्राम प्रधान",
    "क्षेत्र पंचायत सदस्य",
    "ज़िला पंचायत सदस्य",
    "पंचायत सचिव",
    "उप प्रधान",
];
const FIRST: [&str; 10] = [
    "Sunita", "Ramesh", "Anita", "Suresh", "Kiran", "Mahesh", "Rekha", "Dinesh", "Pooja",
    "Rajendra",
];
const LAST: [&str; 6] = ["Devi", "Yadav", "Kumar", "Singh", "Prasad", "Kushwaha"];

/// The demo partner's caller (it runs the centre) and the district it works in.
struct Partner {
    caller: Caller,
    district: String,
    block: Option<String>,
}

/// Fills training once: nothing happens when a centre exists.
pub async fn fill(app: &App, training: &Training, now: i64) -> Result<(usize, usize)> {
    if !app
        .store
        .centres(&TrainingFilter::default())
        .await?
        .is_empty()
    {
        return Ok((0, 0));
    }
    let Ok(user) = app.store.user_by_name("partner").await else {
        return Ok((0, 0));
    };
    let Some(district) = user.district.clone() else {
        return Ok((0, 0));
    };
    let d = app.places.resolve_district(&district).ok();
    let block = d.and_then(|d| app.places.blocks_of(d).map(|b| b.name.clone()).min());
    let p = Partner {
        caller: Caller {
            user_id: Some(user.id),
            name: user.name.clone(),
            role: Role::TrainingPartner,
            scope: Scope::District(district.clone()),
        },
        district,
        block,
    };
    let by = By {
        caller: &p.caller,
        ip: None,
    };
    let bithoor = p.district.eq_ignore_ascii_case("Kanpur Nagar");
    let centre = training
        .create_centre(
            by,
            &CentreForm {
                name: if bithoor {
                    "Bithoor Skill Centre".into()
                } else {
                    format!("{} Skill Centre", p.block.as_deref().unwrap_or(&p.district))
                },
                district: p.district.clone(),
                block: p.block.clone(),
                address: if bithoor {
                    "Bithoor, Kanpur".into()
                } else {
                    "Block office campus".into()
                },
                capacity: 60,
                contact_name: "Training coordinator".into(),
                contact_phone: "9415000101".into(),
                partner_user_id: None,
            },
            now - 200 * DAY,
        )
        .await
        .context("the demo centre")?;
    let mut rng = Rng::new(1616);
    let factory = factory_programme(training, by, &p, now).await?;
    let mut batches = 0;
    let mut issued = 0;
    for (k, start) in [(1, now - 40 * DAY), (2, now - 5 * DAY)] {
        let b = batch(training, by, factory, centre.id.0, k, start, 12, 1, 30, now).await?;
        let f = WorkerFilter {
            block: p.block.clone(),
            ..Default::default()
        };
        training
            .enrol_from_registry(by, b, f, 25 + 5 * (k as u32 - 1), start - 7 * DAY)
            .await?;
        issued += run(training, by, b, now, &mut rng).await?;
        batches += 1;
    }
    let pri = pri_programme(training, by, &p, now).await?;
    for phase in 1..=5u16 {
        let start = now + (i64::from(phase) - 4) * 30 * DAY - DAY;
        let b = batch(training, by, pri, centre.id.0, phase, start, 6, 2, 50, now).await?;
        // The enrolling phase has more names than seats: a waiting list.
        let names = if phase == 5 { 56 } else { 50 };
        let people: Vec<TraineeForm> = (0..names).map(|i| person(&mut rng, &p, phase, i)).collect();
        training
            .enrol_many(by, b, &people, true, "list", (start - 3 * DAY).min(now))
            .await?;
        issued += run(training, by, b, now, &mut rng).await?;
        batches += 1;
    }
    Ok((batches, issued))
}

async fn factory_programme(t: &Training, by: By<'_>, p: &Partner, now: i64) -> Result<i64> {
    let modules = [
        ("Workshop safety", 12),
        ("Stitching and cutting machines", 40),
        ("Leather goods finishing", 36),
        ("Quality checks", 16),
        ("Factory discipline and rights", 8),
    ];
    let form = ProgrammeForm {
        title_en: "Factory skills: leather and footwear units".into(),
        title_hi: "कारखाना कौशल: चमड़ा और जूता इकाइयाँ".into(),
        district: p.district.clone(),
        modules: modules
            .iter()
            .map(|(t, h)| Module {
                title: (*t).into(),
                hours: *h,
            })
            .collect(),
        completion: CompletionRule {
            min_attendance_pct: 75,
            min_score_pct: 50,
        },
        certificate_en: "Footwear factory machine operator".into(),
        certificate_hi: "जूता फैक्ट्री मशीन ऑपरेटर".into(),
        trade: Some("shoe_factory".into()),
        validity_years: Some(5),
    };
    Ok(t.create_programme(by, &form, now - 60 * DAY).await?.id.0)
}

async fn pri_programme(t: &Training, by: By<'_>, p: &Partner, now: i64) -> Result<i64> {
    let modules = [
        "Leadership",
        "Policy decisions",
        "Project management",
        "Data analysis",
        "Technology",
        "Digital governance",
        "Public participation",
    ];
    let form = ProgrammeForm {
        title_en: "Panchayat representatives: leadership and digital governance".into(),
        title_hi: "पंचायत प्रतिनिधि: नेतृत्व और डिजिटल शासन".into(),
        district: p.district.clone(),
        modules: modules
            .iter()
            .map(|t| Module {
                title: (*t).into(),
                hours: 4,
            })
            .collect(),
        completion: CompletionRule {
            min_attendance_pct: 75,
            min_score_pct: 0,
        },
        certificate_en: "Panchayat leadership and digital governance".into(),
        certificate_hi: "पंचायत नेतृत्व और डिजिटल शासन".into(),
        trade: None,
        validity_years: Some(10),
    };
    Ok(t.create_programme(by, &form, now - 160 * DAY).await?.id.0)
}

/// A batch of `sessions` sessions from `start`'s day, `per_day` a day (10:00 and 14:00, three hours each).
#[allow(clippy::too_many_arguments)]
async fn batch(
    t: &Training,
    by: By<'_>,
    programme: i64,
    centre: i64,
    phase: u16,
    start: i64,
    sessions: usize,
    per_day: usize,
    capacity: u32,
    now: i64,
) -> Result<BatchId> {
    let day0 = start.div_euclid(DAY) * DAY + TEN_AM;
    let list: Vec<SessionForm> = (0..sessions)
        .map(|i| {
            let at = day0 + (i / per_day) as i64 * DAY + (i % per_day) as i64 * 4 * 3600;
            SessionForm {
                starts_at: utc_datetime(at),
                ends_at: utc_datetime(at + 3 * 3600),
                topic: format!("Session {}", i + 1),
                module: None,
            }
        })
        .collect();
    let form = BatchForm {
        programme_id: programme,
        centre_id: centre,
        phase,
        name: format!("Phase {phase}"),
        enrol_from: utc_datetime(day0 - 30 * DAY),
        enrol_until: utc_datetime(day0 + DAY),
        capacity,
        trainers: vec!["IIT Kanpur faculty".into()],
        sessions: list,
    };
    Ok(t.create_batch(by, &form, (day0 - 30 * DAY).min(now))
        .await?)
}

/// Ticks each session already held (most trainees present), scores the finished batch and decides completion.
async fn run(t: &Training, by: By<'_>, b: BatchId, now: i64, rng: &mut Rng) -> Result<usize> {
    let sessions = t.store.sessions(b).await?;
    let seated: Vec<i64> = t
        .store
        .enrolments(b)
        .await?
        .into_iter()
        .filter(|e| e.status.holds_seat())
        .map(|e| e.id.0)
        .collect();
    if seated.is_empty() {
        return Ok(0);
    }
    let regular: Vec<bool> = seated.iter().map(|_| rng.chance(85)).collect();
    for s in sessions.iter().filter(|s| s.starts_at <= now) {
        let marks: Vec<Mark> = seated
            .iter()
            .zip(&regular)
            .map(|(e, r)| Mark {
                enrolment_id: *e,
                present: rng.chance(if *r { 92 } else { 55 }),
            })
            .collect();
        t.mark_session(by, b, s.id, &marks, None, s.starts_at + 600)
            .await?;
    }
    let ended = sessions.iter().all(|s| s.ends_at < now);
    if !ended {
        return Ok(0);
    }
    let end = sessions.iter().map(|s| s.ends_at).max().unwrap_or(now);
    for e in &seated {
        let form = AssessmentForm {
            enrolment_id: *e,
            module: None,
            score: (35 + rng.below(61)) as f64,
            max_score: 100.0,
            pass_mark: 50.0,
        };
        t.record_assessment(by, b, &form, end - 600).await?;
    }
    Ok(t.complete_batch(by, b, end + 3_600).await?.len())
}

fn person(rng: &mut Rng, p: &Partner, phase: u16, i: usize) -> TraineeForm {
    let name = format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST));
    TraineeForm {
        worker_id: None,
        name: Some(name),
        // Numbers of the demo's own range, apart from the registry's.
        phone: Some(format!("70{:02}{:06}", phase, i * 7 + 11)),
        office: Some((*rng.pick(&OFFICES)).to_string()),
        panchayat: Some(format!("Gram Panchayat {}", i % 17 + 1)),
        block: p.block.clone(),
        district: Some(p.district.clone()),
    }
}
