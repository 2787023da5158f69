//! Bulk imports on both backends: re-imports that change nothing, repeated phones, erased workers kept out, the
//! earliest consent kept, values read back exactly, and large batches of new and changed workers.

use crate::common;

use common::{backends, cleanup, worker};
use kaamgar_store::prelude::*;
use kaamgar_store::{BatchRow, ChangeCursor, Page, StoreError, WorkerFilter};

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
