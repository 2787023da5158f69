//! The store conformance suite: every test runs on SQLite, and on PostgreSQL when `KAAMGAR_TEST_POSTGRES_URL` is
//! set (each run gets a database of its own, dropped at the end).

use crate::common;

use common::{backends, cleanup, worker};
use kaamgar_domain::worker::Availability;
use kaamgar_store::prelude::*;
use kaamgar_store::{BatchRow, ChangeCursor, LgdData, Page, StoreError, WorkerFilter};

#[tokio::test]
async fn a_created_worker_reads_back_unchanged_and_a_second_one_with_the_same_phone_is_refused() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let w = worker("9876543210", "रमेश कुमार", "plumber", "Marhaura");
        let created = s.create_worker(&w, 100).await.unwrap();
        assert_eq!(created.data, w, "{}", b.name);
        assert_eq!(
            s.get_worker(created.id).await.unwrap().data,
            w,
            "{}",
            b.name
        );
        let again = s
            .create_worker(
                &worker("+91 98765 43210", "Other", "mason", "Marhaura"),
                101,
            )
            .await;
        assert!(
            matches!(again, Err(StoreError::PhoneTaken)),
            "{}: {again:?}",
            b.name
        );
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn lists_filter_by_trade_including_secondary_trades_block_and_availability() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let mut a = worker("9000000001", "A", "plumber", "Marhaura");
        a.other_trades = vec!["electrician".into()];
        s.create_worker(&a, 1).await.unwrap();
        s.create_worker(&worker("9000000002", "B", "electrician", "Sonepur"), 1)
            .await
            .unwrap();
        let c = s
            .create_worker(&worker("9000000003", "C", "electrician", "Marhaura"), 1)
            .await
            .unwrap();
        s.set_availability(c.id, Availability::Busy, 2)
            .await
            .unwrap();
        let all = Page {
            after: 0,
            limit: 100,
        };
        let f = WorkerFilter {
            trade: Some("electrician".into()),
            ..Default::default()
        };
        assert_eq!(
            s.list_workers(&f, all).await.unwrap().len(),
            3,
            "{}",
            b.name
        );
        let f = WorkerFilter {
            trade: Some("electrician".into()),
            block: Some("Marhaura".into()),
            availability: Some(Availability::Available),
            ..Default::default()
        };
        let names: Vec<String> = s
            .list_workers(&f, all)
            .await
            .unwrap()
            .into_iter()
            .map(|w| w.data.name)
            .collect();
        assert_eq!(names, ["A"], "{}", b.name);
        assert_eq!(s.count_workers(&WorkerFilter::default()).await.unwrap(), 3);
        let first = s
            .list_workers(&WorkerFilter::default(), Page { after: 0, limit: 2 })
            .await
            .unwrap();
        let rest = s
            .list_workers(
                &WorkerFilter::default(),
                Page {
                    after: first[1].id,
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!((first.len(), rest.len()), (2, 1), "{}", b.name);
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn every_write_raises_the_change_sequence_and_the_feed_reports_removals() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let start = s.current_seq().await.unwrap();
        let w = s
            .create_worker(&worker("9000000011", "A", "plumber", "Marhaura"), 1)
            .await
            .unwrap();
        s.set_availability(w.id, Availability::Busy, 2)
            .await
            .unwrap();
        let after_busy = s.current_seq().await.unwrap();
        assert_eq!(after_busy, start + 2, "{}", b.name);
        let feed = s
            .changes_since(ChangeCursor::after_seq(start), 10)
            .await
            .unwrap();
        assert_eq!(feed.len(), 1);
        assert_eq!(
            feed[0].worker.as_ref().unwrap().data.availability,
            Availability::Busy
        );
        s.remove_worker(w.id, 3).await.unwrap();
        let feed = s
            .changes_since(ChangeCursor::after_seq(after_busy), 10)
            .await
            .unwrap();
        assert!(feed[0].worker.is_none(), "{}", b.name);
        assert!(matches!(
            s.get_worker(w.id).await,
            Err(StoreError::NotFound)
        ));
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn lgd_codes_are_replaced_as_a_whole() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let data = LgdData {
            states: vec![(10, "BIHAR".into())],
            districts: vec![(218, 10, "SARAN".into())],
            subdistricts: vec![],
            blocks: vec![
                (2071, 218, "MARHAURAH".into()),
                (2077, 218, "SONEPUR".into()),
            ],
        };
        s.replace_lgd(&data).await.unwrap();
        s.replace_lgd(&data).await.unwrap();
        let (districts, blocks) = s.lgd().await.unwrap();
        assert_eq!(districts.len(), 1, "{}", b.name);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].district_name, "SARAN");
    }
    cleanup(bs).await;
}

#[test]
fn both_migration_folders_list_the_same_versions_and_names() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let list = |sub: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"));
}

#[tokio::test]
async fn an_official_verifies_a_worker_and_can_filter_by_it() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let w = s
            .create_worker(&worker("9500000001", "A", "mason", "Marhaura"), 1)
            .await
            .unwrap();
        s.create_worker(&worker("9500000002", "B", "mason", "Marhaura"), 1)
            .await
            .unwrap();
        let before = s.current_seq().await.unwrap();
        let v = s.set_verified(w.id, true, 2).await.unwrap();
        assert!(v.verified, "{}", b.name);
        assert!(s.current_seq().await.unwrap() > before);
        let verified = s
            .count_workers(&WorkerFilter {
                verified: Some(true),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(verified, 1, "{}", b.name);
        assert!(matches!(
            s.set_verified(9999, true, 3).await,
            Err(StoreError::NotFound)
        ));
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn the_change_feed_pages_through_a_batch_that_shares_one_sequence_value() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let rows: Vec<BatchRow> = (0..25)
            .map(|i| {
                BatchRow::new(
                    i + 2,
                    worker(
                        &format!("92000000{i:02}"),
                        &format!("P{i}"),
                        "mason",
                        "Marhaura",
                    ),
                )
            })
            .collect();
        let run = s.begin_import("p.csv", 1).await.unwrap();
        s.import_batch(run, &rows, 1).await.unwrap();
        let mut cursor = ChangeCursor::start();
        let mut seen = Vec::new();
        loop {
            let page = s.changes_since(cursor, 7).await.unwrap();
            let Some(last) = page.last() else { break };
            cursor = ChangeCursor::after(last);
            seen.extend(page.iter().map(|c| c.id));
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            25,
            "{}: every worker of the batch, once",
            b.name
        );
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn the_matching_feed_carries_what_the_index_needs_and_removals() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let start = ChangeCursor::after_seq(s.current_seq().await.unwrap());
        let mut w = worker("9300000001", "M", "plumber", "Marhaura");
        w.other_trades = vec!["electrician".into()];
        let w = s.create_worker(&w, 1).await.unwrap();
        s.set_availability(w.id, Availability::Busy, 2)
            .await
            .unwrap();
        let feed = s.match_changes_since(start, 10).await.unwrap();
        assert_eq!(feed.len(), 1, "{}", b.name);
        let r = &feed[0];
        assert_eq!(
            (
                r.id,
                r.removed,
                r.trade.as_str(),
                r.other_trades.clone(),
                r.available
            ),
            (
                w.id,
                false,
                "plumber",
                vec!["electrician".to_string()],
                false
            ),
            "{}",
            b.name
        );
        assert_eq!((r.lat, r.lon, r.experience_years), (25.97, 84.87, Some(5)));
        s.remove_worker(w.id, 3).await.unwrap();
        let feed = s
            .match_changes_since(
                ChangeCursor {
                    seq: r.seq,
                    id: r.id,
                },
                10,
            )
            .await
            .unwrap();
        assert!(feed[0].removed, "{}", b.name);
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn an_officials_change_and_its_audit_row_are_written_together_or_not_at_all() {
    use kaamgar_store::{AccountStore, AuditEntry, WorkerWrite};
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let created = s
            .create_worker(&worker("9876543299", "रमेश", "plumber", "Marhaura"), 100)
            .await
            .unwrap();
        let entry = |target: String| AuditEntry {
            at: 200,
            user_id: None,
            actor: "asha".into(),
            action: "worker.verify".into(),
            target: Some(target),
            outcome: "ok".into(),
            detail: None,
            ip: None,
        };
        s.change_worker_audited(
            created.id,
            &WorkerWrite::Verified(true),
            200,
            &entry(format!("worker:{}", created.id)),
        )
        .await
        .unwrap();
        assert!(
            s.get_worker(created.id).await.unwrap().verified,
            "{}",
            b.name
        );
        // A change that fails leaves no audit row behind.
        let missing = s
            .change_worker_audited(
                999_999,
                &WorkerWrite::Remove,
                200,
                &entry("worker:999999".into()),
            )
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{}", b.name);
        let log = s.audit_log(i64::MAX, 10, None).await.unwrap();
        let targets: Vec<_> = log.iter().filter_map(|(_, e)| e.target.clone()).collect();
        assert_eq!(targets, [format!("worker:{}", created.id)], "{}", b.name);
    }
    cleanup(bs).await;
}
