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
async fn reimporting_the_same_rows_changes_nothing_and_changed_rows_are_updated() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let rows: Vec<BatchRow> = (0..50)
            .map(|i| {
                BatchRow::new(
                    i + 2,
                    worker(
                        &format!("91000000{i:02}"),
                        &format!("W{i}"),
                        "mason",
                        "Marhaura",
                    ),
                )
            })
            .collect();
        let run = s.begin_import("a.csv", 1).await.unwrap();
        let first = s.import_batch(run, &rows, 1).await.unwrap();
        assert_eq!(
            (first.inserted, first.updated, first.unchanged),
            (50, 0, 0),
            "{}",
            b.name
        );
        let seq = s.current_seq().await.unwrap();
        let feed_len = s
            .changes_since(ChangeCursor::start(), 1000)
            .await
            .unwrap()
            .len();

        let run2 = s.begin_import("a.csv", 2).await.unwrap();
        let again = s.import_batch(run2, &rows, 2).await.unwrap();
        assert_eq!(
            (again.inserted, again.updated, again.unchanged),
            (0, 0, 50),
            "{}",
            b.name
        );
        let changed_after = s
            .changes_since(ChangeCursor::after_seq(seq), 1000)
            .await
            .unwrap();
        assert!(
            changed_after.is_empty(),
            "{}: an unchanged re-import must not appear in the feed",
            b.name
        );
        assert_eq!(
            s.changes_since(ChangeCursor::start(), 1000)
                .await
                .unwrap()
                .len(),
            feed_len
        );

        let mut edited = rows.clone();
        let mut w = edited[3].worker.clone();
        w.trade = "painter".into();
        edited[3] = edited[3].clone().with_worker(w);
        let run3 = s.begin_import("a.csv", 3).await.unwrap();
        let third = s.import_batch(run3, &edited, 3).await.unwrap();
        assert_eq!(
            (third.inserted, third.updated, third.unchanged),
            (0, 1, 49),
            "{}",
            b.name
        );
        let painters = s
            .list_workers(
                &WorkerFilter {
                    trade: Some("painter".into()),
                    ..Default::default()
                },
                Page {
                    after: 0,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(painters.len(), 1);
        let masons = s
            .count_workers(&WorkerFilter {
                trade: Some("mason".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(masons, 49, "{}: the old trade row is replaced", b.name);
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn a_phone_repeated_in_one_file_is_reported_with_the_line_it_first_appeared_on() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let run = s.begin_import("dup.csv", 1).await.unwrap();
        let a = BatchRow::new(2, worker("9200000001", "A", "mason", "Marhaura"));
        let b2 = BatchRow::new(3, worker("9200000001", "B", "mason", "Marhaura"));
        let out = s
            .import_batch(run, &[a.clone(), b2.clone()], 1)
            .await
            .unwrap();
        assert_eq!(out.inserted, 1);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].line, 3);
        assert!(
            out.skipped[0].reason.contains("line 2"),
            "{}",
            out.skipped[0].reason
        );
        // The same phone in a later batch of the same run.
        let c = BatchRow::new(1500, worker("9200000001", "C", "mason", "Marhaura"));
        let out = s.import_batch(run, &[c], 1).await.unwrap();
        assert_eq!(out.skipped[0].code, "phone_duplicate", "{}", b.name);
        assert!(out.skipped[0].reason.contains("line 2"));
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn an_erased_worker_is_not_brought_back_by_reimporting_an_old_list() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let w = worker("9300000001", "Erase Me", "mason", "Marhaura");
        let created = s.create_worker(&w, 1).await.unwrap();
        s.erase_worker(created.id, "asked on WhatsApp", 2)
            .await
            .unwrap();
        assert!(matches!(
            s.get_worker(created.id).await,
            Err(StoreError::NotFound)
        ));
        let run = s.begin_import("old.csv", 3).await.unwrap();
        let out = s
            .import_batch(run, &[BatchRow::new(2, w.clone())], 3)
            .await
            .unwrap();
        assert_eq!(out.skipped[0].code, "worker_erased", "{}", b.name);
        assert!(matches!(
            s.create_worker(&w, 4).await,
            Err(StoreError::Erased)
        ));
        assert_eq!(s.count_workers(&WorkerFilter::default()).await.unwrap(), 0);
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
async fn a_reimport_keeps_the_earliest_consent_time_on_record() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let w = worker("9400000001", "A", "mason", "Marhaura");
        let run = s.begin_import("a.csv", 1).await.unwrap();
        s.import_batch(run, &[BatchRow::new(2, w.clone())], 1)
            .await
            .unwrap();
        let mut later = w.clone();
        later.consent.given_at += 86_400 * 30;
        later.trade = "painter".into();
        let run = s.begin_import("b.csv", 2).await.unwrap();
        let out = s
            .import_batch(run, &[BatchRow::new(2, later)], 2)
            .await
            .unwrap();
        assert_eq!(out.updated, 1, "{}", b.name);
        let stored = s
            .list_workers(&WorkerFilter::default(), Page { after: 0, limit: 1 })
            .await
            .unwrap();
        assert_eq!(
            stored[0].data.consent.given_at, w.consent.given_at,
            "{}",
            b.name
        );
        assert_eq!(stored[0].data.trade, "painter");
    }
    cleanup(bs).await;
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

#[tokio::test]
async fn imported_values_read_back_exactly_whatever_their_characters_and_precision() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let mut odd = worker(
            "9123400001",
            "राम \"राजू\" प्रसाद \\ सिंह",
            "plumber",
            "Marhaura",
        );
        odd.place.lat = 25.978_123_456_789_01;
        odd.place.lon = 84.0;
        odd.place.village = Some("मढ़ौरा, [टोला] {2}".into());
        odd.place.panchayat = None;
        odd.age = None;
        odd.other_trades = vec!["electrician".into(), "mason".into()];
        odd.source = "सूची ''2020'' -- ; DROP".into();
        let plain = worker("9123400002", "Sita", "tailor", "Sonepur");
        let rows = vec![
            BatchRow::new(2, odd.clone()),
            BatchRow::new(3, plain.clone()),
        ];
        let run = s.begin_import("odd.csv", 1).await.unwrap();
        let out = s.import_batch(run, &rows, 1).await.unwrap();
        assert_eq!(out.inserted, 2, "{}", b.name);
        let all = s
            .list_workers(
                &WorkerFilter::default(),
                Page {
                    after: 0,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        let got = |phone: &str| {
            all.iter()
                .find(|w| w.data.phone.e164() == phone)
                .map(|w| w.data.clone())
                .unwrap()
        };
        assert_eq!(got("+919123400001"), odd, "{}", b.name);
        assert_eq!(got("+919123400002"), plain, "{}", b.name);
        let run2 = s.begin_import("odd.csv", 3).await.unwrap();
        let re = s.import_batch(run2, &rows, 3).await.unwrap();
        assert_eq!(
            (re.unchanged, re.updated),
            (2, 0),
            "{}: the hash survives the trip",
            b.name
        );
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn a_large_batch_of_new_and_changed_workers_keeps_each_worker_s_own_trades() {
    let bs = backends().await;
    let trades = ["plumber", "electrician", "mason", "tailor", "carpenter"];
    let row = |i: u64, shift: usize| {
        let mut w = worker(
            &format!("93{:08}", i),
            &format!("W{i}"),
            trades[(i as usize + shift) % 5],
            "Marhaura",
        );
        if i.is_multiple_of(2) {
            w.other_trades = vec![trades[(i as usize + shift + 2) % 5].into()];
        }
        w
    };
    for b in &bs {
        let s = &b.store;
        // Workers already registered, some of whom the list changes; a removed one leaves its row behind.
        for i in [7u64, 1100, 1499] {
            s.create_worker(&row(i, 1), 1).await.unwrap();
        }
        let gone = s.create_worker(&row(5000, 0), 1).await.unwrap();
        s.remove_worker(gone.id, 2).await.unwrap();
        // 1,500 rows: more than one statement's worth, new and changed workers mixed in both.
        let rows: Vec<BatchRow> = (0..1500).map(|i| BatchRow::new(i + 2, row(i, 0))).collect();
        let run = s.begin_import("big.csv", 3).await.unwrap();
        let out = s.import_batch(run, &rows, 3).await.unwrap();
        assert_eq!((out.inserted, out.updated), (1497, 3), "{}", b.name);
        for t in trades {
            let filter = WorkerFilter {
                trade: Some(t.into()),
                ..WorkerFilter::default()
            };
            let found = s
                .list_workers(
                    &filter,
                    Page {
                        after: 0,
                        limit: 2000,
                    },
                )
                .await
                .unwrap();
            let expected = (0..1500u64)
                .map(|i| row(i, 0))
                .filter(|w| w.trade == t || w.other_trades.iter().any(|o| o == t))
                .count();
            assert_eq!(found.len(), expected, "{}: {t}", b.name);
            for w in &found {
                let i: u64 = w.data.phone.e164()[5..].parse().unwrap();
                assert_eq!(w.data, row(i, 0), "{}: {t}", b.name);
            }
        }
    }
    cleanup(bs).await;
}
