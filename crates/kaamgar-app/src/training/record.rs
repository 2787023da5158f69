//! A batch's record as the API and the dashboard show it: its sessions and, per trainee, the mark of each session,
//! attendance so far, the score completion reads and the certificate in force — read in a few queries and put
//! together in memory.

use super::{Result, Training, score_of};
use kaamgar_domain::access::Caller;
use kaamgar_domain::ids::BatchId;
use kaamgar_domain::training::rules::Progress;
#[allow(unused_imports)]
use kaamgar_store::prelude::*;
use kaamgar_store::{
    AssessmentRow, CentreRow, CertificateRow, EnrolmentRow, ProgrammeRow, TrainingBatch,
    TrainingSession,
};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct TraineeLine {
    pub enrolment: EnrolmentRow,
    /// Per session, in the batch's order: present, absent, or not marked.
    pub marks: Vec<Option<bool>>,
    pub attended: u32,
    /// Of the sessions held so far.
    pub attendance_pct: f64,
    pub score_pct: Option<f64>,
    pub assessments: Vec<AssessmentRow>,
    pub certificate: Option<CertificateRow>,
}

#[derive(Debug, Clone)]
pub struct BatchRecord {
    pub batch: TrainingBatch,
    pub centre: CentreRow,
    pub programme: ProgrammeRow,
    pub sessions: Vec<TrainingSession>,
    /// Sessions started by now.
    pub held: u32,
    pub trainees: Vec<TraineeLine>,
}

impl Training {
    /// The batch's record, if the caller may see the batch.
    pub async fn batch_record(
        &self,
        caller: &Caller,
        id: BatchId,
        now: i64,
    ) -> Result<BatchRecord> {
        let (batch, centre) = self.visible_batch(caller, id).await?;
        let programme = self.store.programme(batch.programme_id).await?;
        let sessions = self.store.sessions(id).await?;
        let enrolments = self.store.enrolments(id).await?;
        let attendance = self.store.attendance(id).await?;
        let assessments = self.store.assessments(id).await?;
        let certificates = self.store.batch_certificates(id).await?;
        let column: HashMap<i64, usize> = sessions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.0, i))
            .collect();
        let held = sessions.iter().filter(|s| s.starts_at <= now).count() as u32;
        let mut marks: HashMap<i64, Vec<Option<bool>>> = HashMap::new();
        for a in attendance {
            if let Some(&c) = column.get(&a.session_id.0) {
                marks
                    .entry(a.enrolment_id.0)
                    .or_insert_with(|| vec![None; sessions.len()])[c] = Some(a.present);
            }
        }
        let mut scores: HashMap<i64, Vec<AssessmentRow>> = HashMap::new();
        for a in assessments {
            scores.entry(a.enrolment_id.0).or_default().push(a);
        }
        let mut live: HashMap<i64, CertificateRow> = HashMap::new();
        for c in certificates.into_iter().filter(|c| c.revoked_at.is_none()) {
            live.insert(c.enrolment_id.0, c);
        }
        let trainees = enrolments
            .into_iter()
            .map(|e| {
                let m = marks
                    .remove(&e.id.0)
                    .unwrap_or_else(|| vec![None; sessions.len()]);
                let attended = m.iter().filter(|x| **x == Some(true)).count() as u32;
                let a = scores.remove(&e.id.0).unwrap_or_default();
                let progress = Progress {
                    sessions: sessions.len() as u32,
                    held,
                    modules: programme.programme.modules.len() as u32,
                    attended,
                    scores: a.iter().map(score_of).collect(),
                };
                TraineeLine {
                    certificate: live.remove(&e.id.0),
                    enrolment: e,
                    marks: m,
                    attended,
                    attendance_pct: progress.attendance_pct(),
                    score_pct: progress.score_pct().map(|s| (s * 10.0).round() / 10.0),
                    assessments: a,
                }
            })
            .collect();
        Ok(BatchRecord {
            batch,
            centre,
            programme,
            sessions,
            held,
            trainees,
        })
    }
}
