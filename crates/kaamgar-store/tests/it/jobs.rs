//! The job queue on both backends: scheduling is unique by kind and subject, claims are leased and never shared,
//! finishing rides on the work's transaction, failures back off and end dead, and an upgrade moves the bot's old
//! pending jobs over.

use crate::common;

use common::{backends, backends_at, cleanup};
use kaamgar_domain::jobs::{Job, JobKind};
use kaamgar_store::prelude::*;

fn follow_up(request: i64) -> Job {
    Job::new(JobKind::FollowUp, request)
}

#[tokio::test]
async fn a_job_scheduled_twice_is_one_job_at_the_later_time() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        s.schedule_job(follow_up(7), 100).await.unwrap();
        s.schedule_job(follow_up(7), 200).await.unwrap();
        s.schedule_job(Job::new(JobKind::LeadExpiry, 7), 150)
            .await
            .unwrap();
        let early = s.claim_jobs(199, 60, 10).await.unwrap();
        let early: Vec<Option<Job>> = early.iter().map(|j| j.job()).collect();
        assert_eq!(
            early,
            [Some(Job::new(JobKind::LeadExpiry, 7))],
            "{}",
            b.name
        );
        let later = s.claim_jobs(200, 60, 10).await.unwrap();
        assert_eq!(later.len(), 1, "{}: one follow-up, moved", b.name);
        assert_eq!(later[0].job(), Some(follow_up(7)), "{}", b.name);
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn a_claimed_job_is_hidden_for_its_lease_and_due_again_if_its_runner_died() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        for r in 1..=3 {
            s.schedule_job(follow_up(r), 100 + r).await.unwrap();
        }
        let first = s.claim_jobs(200, 300, 2).await.unwrap();
        let subjects: Vec<i64> = first.iter().map(|j| j.subject).collect();
        assert_eq!(subjects, [1, 2], "{}: oldest first", b.name);
        let second = s.claim_jobs(201, 300, 10).await.unwrap();
        assert_eq!(second.len(), 1, "{}: only the unclaimed one", b.name);
        assert!(s.claim_jobs(202, 300, 10).await.unwrap().is_empty());
        // Nobody finished them: after the lease they are due again.
        assert_eq!(
            s.claim_jobs(600, 300, 10).await.unwrap().len(),
            3,
            "{}",
            b.name
        );
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn runners_claiming_at_the_same_time_never_share_a_job() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        for r in 1..=40 {
            s.schedule_job(follow_up(r), 100).await.unwrap();
        }
        let claims = futures_join(s).await;
        let mut all: Vec<i64> = claims.iter().flatten().copied().collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(
            (n, all.len()),
            (40, 40),
            "{}: each job claimed once",
            b.name
        );
    }
    cleanup(bs).await;
}

async fn futures_join(s: &kaamgar_store::SqlStore) -> Vec<Vec<i64>> {
    let claim = || async {
        s.claim_jobs(200, 300, 7)
            .await
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    for _ in 0..3 {
        let (a, b, c, d) = tokio::join!(claim(), claim(), claim(), claim());
        out.extend([a, b, c, d]);
    }
    out
}

#[tokio::test]
async fn a_job_finished_with_its_work_is_not_run_again_and_a_failing_one_ends_dead() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        s.schedule_job(follow_up(1), 100).await.unwrap();
        s.schedule_job(follow_up(2), 100).await.unwrap();
        let claimed = s.claim_jobs(100, 60, 10).await.unwrap();
        let mut tx = s.begin().await.unwrap();
        tx.finish_job(&claimed[0], 101).await.unwrap();
        tx.commit().await.unwrap();
        // A rolled-back run leaves the job as it was claimed.
        let mut tx = s.begin().await.unwrap();
        tx.finish_job(&claimed[1], 101).await.unwrap();
        drop(tx);
        s.fail_job(&claimed[1], "database is locked", 101, Some(130))
            .await
            .unwrap();
        let again = s.claim_jobs(200, 60, 10).await.unwrap();
        assert_eq!(again.len(), 1, "{}", b.name);
        assert_eq!((again[0].subject, again[0].attempts), (2, 1), "{}", b.name);
        s.fail_job(&again[0], "still locked", 201, None)
            .await
            .unwrap();
        assert!(s.claim_jobs(10_000, 60, 10).await.unwrap().is_empty());
        let dead = s.dead_jobs(10).await.unwrap();
        assert_eq!(dead.len(), 1, "{}", b.name);
        assert_eq!(
            (
                dead[0].attempts,
                dead[0].last_error.as_deref(),
                dead[0].dead_at
            ),
            (2, Some("still locked"), Some(201)),
            "{}",
            b.name
        );
        // Scheduling it again starts it afresh.
        s.schedule_job(follow_up(2), 300).await.unwrap();
        assert!(s.dead_jobs(10).await.unwrap().is_empty());
        assert_eq!(s.claim_jobs(300, 60, 10).await.unwrap()[0].attempts, 0);
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn an_upgrade_moves_the_bots_pending_and_dead_jobs_into_the_queue() {
    let bs = backends_at(Some(8)).await;
    for b in &bs {
        let s = &b.store;
        s.execute_raw(
            "INSERT INTO bot_jobs (kind, ref_id, due_at, done_at, attempts, last_error, dead_at) VALUES \
             ('lead_expiry', 11, 500, NULL, 0, NULL, NULL), \
             ('follow_up', 12, 400, 450, 0, NULL, NULL), \
             ('follow_up', 13, 300, NULL, 6, 'gone', 350), \
             ('some_future_kind', 14, 200, NULL, 0, NULL, NULL)",
        )
        .await
        .unwrap();
        s.migrate().await.unwrap();
        let due = s.claim_jobs(1000, 60, 10).await.unwrap();
        let got: Vec<(Option<Job>, i64)> = due.iter().map(|j| (j.job(), j.subject)).collect();
        assert_eq!(
            got,
            [(Some(Job::new(JobKind::LeadExpiry, 11)), 11), (None, 14)],
            "{}: pending jobs moved, the finished one dropped",
            b.name
        );
        let dead = s.dead_jobs(10).await.unwrap();
        assert_eq!(dead.len(), 1, "{}", b.name);
        assert_eq!(dead[0].job(), Some(follow_up(13)));
        // New jobs get new ids after the moved ones.
        s.schedule_job(follow_up(99), 2000).await.unwrap();
        let claimed = s.claim_jobs(2000, 60, 10).await.unwrap();
        let new = claimed.iter().find(|j| j.subject == 99).unwrap();
        assert!(
            new.id > due.iter().map(|j| j.id).max().unwrap(),
            "{}",
            b.name
        );
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn a_run_that_lost_its_claim_neither_finishes_nor_fails_the_job() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        s.schedule_job(follow_up(5), 100).await.unwrap();
        let first = s.claim_jobs(100, 60, 10).await.unwrap().remove(0);
        // Scheduled anew while the first run is still going: the first run's end must not touch it.
        s.schedule_job(follow_up(5), 150).await.unwrap();
        let mut tx = s.begin().await.unwrap();
        tx.finish_job(&first, 120).await.unwrap();
        tx.commit().await.unwrap();
        s.fail_job(&first, "late failure", 121, None).await.unwrap();
        let due = s.claim_jobs(150, 60, 10).await.unwrap();
        assert_eq!(due.len(), 1, "{}: the new schedule stands", b.name);
        assert_eq!((due[0].attempts, due[0].dead_at), (0, None), "{}", b.name);
        // Claimed again after the lease ran out: only the newer claim may finish it.
        let late = s.claim_jobs(400, 60, 10).await.unwrap().remove(0);
        let mut tx = s.begin().await.unwrap();
        tx.finish_job(&due[0], 401).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            s.claim_jobs(1000, 60, 10).await.unwrap().len() == 1,
            "{}",
            b.name
        );
        let newest = s.claim_jobs(2000, 60, 10).await.unwrap().remove(0);
        assert!(newest.claim > late.claim);
        let mut tx = s.begin().await.unwrap();
        tx.finish_job(&newest, 2001).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            s.claim_jobs(9000, 60, 10).await.unwrap().is_empty(),
            "{}",
            b.name
        );
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn one_transaction_carries_writes_of_several_capabilities_all_or_nothing() {
    use kaamgar_domain::channel::Channel;
    use kaamgar_domain::conversation::Reply;
    use kaamgar_store::{NewOutbound, NewRequest};
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let request = NewRequest {
            citizen: "919800000001".into(),
            citizen_phone: Some("+919800000001".into()),
            channel: Channel::WhatsApp,
            trade: "plumber".into(),
            place_name: "Marhaura".into(),
            district: "Saran".into(),
            block: Some("Marhaura".into()),
            lat: 25.97,
            lon: 84.87,
            message: "plumber chahiye".into(),
        };
        let reply = NewOutbound {
            contact: "919800000001".into(),
            channel: Channel::WhatsApp,
            sender_id: "106540352242922".into(),
            recipient: Some("919800000001".into()),
            message: Reply::Text { body: "ok".into() },
            fallback: None,
        };
        let w = common::worker("+919811111111", "Ramesh", "plumber", "Marhaura");
        for commit in [false, true] {
            let mut tx = s.begin().await.unwrap();
            let worker = tx.register_worker(&w, 100).await.unwrap(); // registry
            let id = tx.create_request(&request, 100).await.unwrap(); // conversation
            tx.schedule(Job::follow_up(id), 500).await.unwrap(); // jobs
            tx.enqueue(std::slice::from_ref(&reply), 100).await.unwrap(); // messaging
            if commit {
                tx.commit().await.unwrap();
                assert_eq!(s.get_worker(worker.id).await.unwrap().data.name, "Ramesh");
                assert_eq!(
                    s.claim_jobs(500, 60, 10).await.unwrap().len(),
                    1,
                    "{}",
                    b.name
                );
                let sent = s.claim_outbound(Channel::WhatsApp, 10, 100).await.unwrap();
                assert_eq!(sent.len(), 1, "{}", b.name);
            } else {
                drop(tx);
                assert!(s.get_worker(worker.id).await.is_err(), "{}", b.name);
                assert!(s.claim_jobs(500, 60, 10).await.unwrap().is_empty());
                let sent = s.claim_outbound(Channel::WhatsApp, 10, 100).await.unwrap();
                assert!(
                    sent.is_empty(),
                    "nothing of a rolled-back use case is kept ({})",
                    b.name
                );
            }
        }
    }
    cleanup(bs).await;
}
