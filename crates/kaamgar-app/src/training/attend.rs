//! Attendance and assessments. A trainer ticks a session's list on its day (a later change is a correction with a
//! reason); a trainee marks themselves from their own phone — "हाज़िर" on WhatsApp, or the session's QR code, which
//! opens WhatsApp with the session's code — within the session's window. Each trainee's attendance is counted
//! live from the marks; once a batch's sessions are all held, a mark or a score decides completion again.

use super::{By, Result, Training, TrainingError};
use kaamgar_domain::ids::{BatchId, EnrolmentId, SessionId};
use kaamgar_domain::training::model::{AssessmentForm, clean};
use kaamgar_domain::training::rules::{AttendanceRefused, Method, SELF_MARK_MARGIN, may_mark};
#[allow(unused_imports)]
use kaamgar_store::prelude::*;
use kaamgar_store::{AssessmentRow, AttendanceRow, EnrolmentRow, TrainingSession};

/// One trainee's mark on a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Mark {
    pub enrolment_id: i64,
    pub present: bool,
}

/// What a trainee's own mark did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkOutcome {
    pub session: TrainingSession,
    pub enrolment: EnrolmentRow,
}

/// Most marks in one call (a batch holds at most 1,000).
pub const MAX_MARKS: usize = 1_000;

impl Training {
    /// Marks a session's list: a tick on the session's day, or a correction (with its reason) once the session
    /// has started. Every trainee named must hold a seat in the batch; nothing is written if one does not.
    pub async fn mark_session(
        &self,
        by: By<'_>,
        batch: BatchId,
        session: SessionId,
        marks: &[Mark],
        correction: Option<&str>,
        now: i64,
    ) -> Result<usize> {
        let (b, _) = self.managed_batch(by.caller, batch).await?;
        if marks.is_empty() || marks.len() > MAX_MARKS {
            return Err(TrainingError::field(
                "marks",
                "bad_count",
                format!("1 to {MAX_MARKS} marks at a time"),
            ));
        }
        let reason = correction.map(clean).filter(|r| !r.is_empty());
        if correction.is_some() && reason.is_none() {
            return Err(AttendanceRefused::NoReason.into());
        }
        let method = if reason.is_some() {
            Method::Correction
        } else {
            Method::Tick
        };
        let mut tx = self.store.begin().await?;
        let sessions = tx.batch_sessions(b.id).await?;
        let s = sessions.iter().find(|s| s.id == session).ok_or_else(|| {
            TrainingError::field(
                "session_id",
                "unknown_session",
                "no session of this batch has this id",
            )
        })?;
        may_mark(method, s.starts_at, s.ends_at, now)?;
        for m in marks {
            let e = tx.enrolment_tx(EnrolmentId(m.enrolment_id)).await.ok();
            if !e.is_some_and(|e| e.batch_id == b.id && e.status.holds_seat()) {
                return Err(TrainingError::field(
                    "marks",
                    "not_in_batch",
                    format!("enrolment {} holds no seat in this batch", m.enrolment_id),
                ));
            }
            tx.mark(&AttendanceRow {
                session_id: session,
                enrolment_id: EnrolmentId(m.enrolment_id),
                present: m.present,
                method,
                marked_by: by.caller.name.clone(),
                marked_at: now,
            })
            .await?;
        }
        let present = marks.iter().filter(|m| m.present).count();
        let mut detail = format!("present {present} absent {}", marks.len() - present);
        if let Some(r) = &reason {
            detail.push_str(&format!(
                "; reason: {}",
                r.chars().take(200).collect::<String>()
            ));
        }
        let action = if reason.is_some() {
            "training.correction"
        } else {
            "training.attendance"
        };
        tx.audit(&by.audit(action, format!("session:{session}"), Some(detail), now))
            .await?;
        tx.commit().await?;
        self.decide_again(by, &b, now).await;
        Ok(marks.len())
    }

    /// A trainee marks themselves present from their own number (`phone` in E.164): the session running now in a
    /// batch they hold a seat in, or — with the code of a session's QR — that session, which must be theirs and
    /// running now.
    pub async fn mark_self(
        &self,
        phone: &str,
        code: Option<&str>,
        method: Method,
        now: i64,
    ) -> Result<MarkOutcome> {
        let found = running_session(self.store.as_ref(), phone, code, method, now).await?;
        let mut tx = self.store.begin().await?;
        write_self_mark(tx.as_mut(), &found, method, now).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Records a module's or the final assessment of a trainee holding a seat in the batch; once every session
    /// is held, completion is decided again for them.
    pub async fn record_assessment(
        &self,
        by: By<'_>,
        batch: BatchId,
        form: &AssessmentForm,
        now: i64,
    ) -> Result<()> {
        let (b, _) = self.managed_batch(by.caller, batch).await?;
        let programme = self.store.programme(b.programme_id).await?;
        form.check(programme.programme.modules.len())?;
        let mut tx = self.store.begin().await?;
        let e = tx.enrolment_tx(EnrolmentId(form.enrolment_id)).await.ok();
        if !e
            .as_ref()
            .is_some_and(|e| e.batch_id == b.id && e.status.holds_seat())
        {
            return Err(TrainingError::field(
                "enrolment_id",
                "not_in_batch",
                "this enrolment holds no seat in this batch",
            ));
        }
        tx.record_assessment(&AssessmentRow {
            enrolment_id: EnrolmentId(form.enrolment_id),
            module: form.module,
            score: form.score,
            max_score: form.max_score,
            pass_mark: form.pass_mark,
            recorded_by: by.caller.name.clone(),
            recorded_at: now,
        })
        .await?;
        let which = form
            .module
            .map_or_else(|| "final".to_string(), |m| format!("module {m}"));
        let detail = format!("{which}: {} of {}", form.score, form.max_score);
        tx.audit(&by.audit(
            "training.assessment",
            format!("enrolment:{}", form.enrolment_id),
            Some(detail),
            now,
        ))
        .await?;
        tx.commit().await?;
        self.decide_again(by, &b, now).await;
        Ok(())
    }
}

impl Training {
    /// After a change to a batch that has ended, completion is decided again. The change itself is saved either
    /// way; a failure here is logged, and the batch-end job or the next change decides it.
    async fn decide_again(&self, by: By<'_>, b: &kaamgar_store::TrainingBatch, now: i64) {
        if now < b.ends_at {
            return;
        }
        if let Err(e) = self.complete_batch(by, b.id, now).await {
            tracing::warn!(batch.id = b.id.0, error = %e, "deciding completion again failed");
        }
    }
}

/// The session a trainee's own mark is for: the one running now (within [`SELF_MARK_MARGIN`]) in a batch where
/// `phone` holds a seat — with a QR's `code`, exactly that session, refused when it is not theirs or not running.
pub async fn running_session(
    store: &dyn kaamgar_store::Store,
    phone: &str,
    code: Option<&str>,
    method: Method,
    now: i64,
) -> Result<MarkOutcome> {
    let running = store
        .sessions_for_phone(phone, now, SELF_MARK_MARGIN)
        .await?;
    let found = match code {
        Some(c) => running.into_iter().find(|(s, _)| s.qr_token == c),
        None => running.into_iter().next(),
    };
    let Some((session, enrolment)) = found else {
        return Err(match code {
            Some(_) => TrainingError::refused(
                "qr_other_session",
                "this code is not for a session of yours running now",
            ),
            None => AttendanceRefused::OutsideWindow.into(),
        });
    };
    may_mark(method, session.starts_at, session.ends_at, now)?;
    Ok(MarkOutcome { session, enrolment })
}

/// Writes a trainee's own mark and its audit row inside the caller's transaction (the bot's turn, or its own).
pub async fn write_self_mark(
    tx: &mut dyn kaamgar_store::Tx,
    found: &MarkOutcome,
    method: Method,
    now: i64,
) -> Result<()> {
    tx.mark(&AttendanceRow {
        session_id: found.session.id,
        enrolment_id: found.enrolment.id,
        present: true,
        method,
        marked_by: "trainee".into(),
        marked_at: now,
    })
    .await?;
    tx.audit(&kaamgar_store::AuditEntry {
        at: now,
        user_id: None,
        actor: "trainee".into(),
        action: "training.attendance".into(),
        target: Some(format!("session:{}", found.session.id)),
        outcome: "ok".into(),
        detail: Some(format!(
            "enrolment:{} {}",
            found.enrolment.id,
            method.as_str()
        )),
        ip: None,
    })
    .await?;
    Ok(())
}
