//! The store conformance suite: every test runs on SQLite, and on PostgreSQL when `KAAMGAR_TEST_POSTGRES_URL` is
//! set (each run gets a database of its own, dropped at the end).

use kaamgar_domain::PhoneNumber;
use kaamgar_domain::places::{Place, Precision};
use kaamgar_domain::worker::{Availability, Consent, ConsentMethod, NewWorker};
use kaamgar_store::{
    BatchRow, ChangeCursor, LgdData, NewInboxEvent, NewOutbound, Page, SqlStore, Store, StoreError,
    WorkerFilter,
};
use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};

static DB_COUNTER: AtomicU32 = AtomicU32::new(0);

struct Backend {
    store: SqlStore,
    name: &'static str,
    _dir: Option<tempdir::Dir>,
    pg_drop: Option<(String, String)>,
}

mod tempdir {
    /// A throw-away directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

async fn backends() -> Vec<Backend> {
    let n = DB_COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("kaamgar-store-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store = SqlStore::connect(&url).await.expect("sqlite connects");
    store.migrate().await.expect("sqlite migrates");
    let mut out = vec![Backend {
        store,
        name: "sqlite",
        _dir: Some(tempdir::Dir(dir)),
        pg_drop: None,
    }];
    if let Ok(base) = std::env::var("KAAMGAR_TEST_POSTGRES_URL") {
        let db = format!("kaamgar_t_{}_{n}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .expect("KAAMGAR_TEST_POSTGRES_URL must be reachable");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}")))
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let url = with_database(&base, &db);
        let store = SqlStore::connect(&url).await.expect("postgres connects");
        store.migrate().await.expect("postgres migrates");
        out.push(Backend {
            store,
            name: "postgres",
            _dir: None,
            pg_drop: Some((base, db)),
        });
    }
    out
}

fn with_database(base: &str, db: &str) -> String {
    let (head, query) = base
        .split_once('?')
        .map_or((base, None), |(h, q)| (h, Some(q)));
    let root = match head.rfind('/') {
        Some(i) if i > head.find("://").map_or(0, |s| s + 2) => &head[..i],
        _ => head,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

async fn cleanup(backends: Vec<Backend>) {
    for b in backends {
        if let Some((base, db)) = b.pg_drop {
            b.store.close().await;
            let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

fn worker(phone: &str, name: &str, trade: &str, block: &str) -> NewWorker {
    NewWorker {
        name: name.into(),
        phone: PhoneNumber::parse(phone).unwrap(),
        gender: None,
        age: Some(30),
        trade: trade.into(),
        other_trades: vec![],
        experience_years: Some(5),
        place: Place {
            village: Some("Marhaura".into()),
            panchayat: None,
            block: Some(block.into()),
            block_lgd: Some(2071),
            district: "Saran".into(),
            district_lgd: Some(218),
            state: "Bihar".into(),
            pin: Some(841418),
            lat: 25.97,
            lon: 84.87,
            precision: Precision::Village,
        },
        languages: vec!["hi".into(), "bho".into()],
        availability: Availability::Available,
        source: "returned migrant 2020 survey".into(),
        consent: Consent {
            given_at: 1_590_000_000,
            method: ConsentMethod::SurveyForm,
        },
    }
}

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
async fn inbound_events_are_stored_once_and_handed_out_in_order_per_contact() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let ev = |key: &str, contact: &str| NewInboxEvent {
            key: key.into(),
            kind: "message".into(),
            contact: contact.into(),
            payload: format!("{{\"k\":\"{key}\"}}"),
        };
        let batch = [ev("m:1", "A"), ev("m:2", "B"), ev("m:3", "A")];
        let first = s.ingest_inbound(&batch, 10).await.unwrap();
        assert_eq!((first.stored, first.duplicates), (3, 0), "{}", b.name);
        let again = s.ingest_inbound(&batch, 11).await.unwrap();
        assert_eq!(
            (again.stored, again.duplicates),
            (0, 3),
            "{}: a redelivery is not stored",
            b.name
        );

        let pending = s.pending_inbound(10).await.unwrap();
        let keys: Vec<(&str, &str)> = pending
            .iter()
            .map(|e| (e.contact.as_str(), e.payload.as_str()))
            .collect();
        assert_eq!(
            keys,
            [("A", r#"{"k":"m:1"}"#), ("B", r#"{"k":"m:2"}"#)],
            "{}",
            b.name
        );
        // A failed attempt keeps the event first in line for its contact.
        s.finish_inbound(pending[0].id, Some("graph api down"), 12)
            .await
            .unwrap();
        let p = s.pending_inbound(10).await.unwrap();
        assert_eq!((p[0].id, p[0].attempts), (pending[0].id, 1), "{}", b.name);
        s.finish_inbound(pending[0].id, None, 13).await.unwrap();
        let p = s.pending_inbound(10).await.unwrap();
        let payloads: Vec<&str> = p.iter().map(|e| e.payload.as_str()).collect();
        assert_eq!(payloads, [r#"{"k":"m:2"}"#, r#"{"k":"m:3"}"#], "{}", b.name);
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
async fn the_outbox_hands_each_due_message_to_one_sender_and_keeps_its_fate() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let msg = |contact: &str, n: u32| NewOutbound {
            contact: contact.into(),
            phone_number_id: "106540352242922".into(),
            request: format!("{{\"n\":{n}}}"),
        };
        let ids = s
            .enqueue_outbound(&[msg("A", 1), msg("B", 2), msg("A", 3)], 100)
            .await
            .unwrap();
        assert_eq!(ids.len(), 3);
        let first = s.claim_outbound(2, 100).await.unwrap();
        assert_eq!(
            first.iter().map(|j| j.id).collect::<Vec<_>>(),
            ids[..2],
            "{}",
            b.name
        );
        assert_eq!(first[0].attempts, 1);
        // Retried for later: not due now, due then.
        s.outbound_retry(ids[0], 160, Some(130429), "rate limited")
            .await
            .unwrap();
        let next = s.claim_outbound(10, 101).await.unwrap();
        assert_eq!(
            next.iter().map(|j| j.id).collect::<Vec<_>>(),
            [ids[2]],
            "{}",
            b.name
        );
        let later = s.claim_outbound(10, 160).await.unwrap();
        assert_eq!((later[0].id, later[0].attempts), (ids[0], 2), "{}", b.name);

        s.outbound_sent(ids[1], "wamid.OUT1", 102).await.unwrap();
        assert!(
            s.outbound_delivery("wamid.OUT1", "read", None, None)
                .await
                .unwrap()
        );
        assert!(
            !s.outbound_delivery("wamid.UNKNOWN", "read", None, None)
                .await
                .unwrap()
        );
        let r = s.outbound(ids[1]).await.unwrap();
        assert_eq!(
            (r.state.as_str(), r.delivery.as_deref()),
            ("sent", Some("read")),
            "{}",
            b.name
        );

        s.outbound_failed(ids[2], Some(131026), "undeliverable")
            .await
            .unwrap();
        assert_eq!(s.outbound(ids[2]).await.unwrap().state, "failed");

        // A sender that died after claiming: its message goes back to the queue.
        assert_eq!(
            s.requeue_stuck_outbound(161).await.unwrap(),
            1,
            "{}",
            b.name
        );
        assert_eq!(s.claim_outbound(10, 200).await.unwrap()[0].id, ids[0]);

        // Two senders claiming at once never get the same message.
        let more: Vec<NewOutbound> = (0..40).map(|n| msg("C", n)).collect();
        s.enqueue_outbound(&more, 300).await.unwrap();
        let (x, y) = tokio::join!(s.claim_outbound(25, 300), s.claim_outbound(25, 300));
        let mut all: Vec<i64> = x
            .unwrap()
            .into_iter()
            .chain(y.unwrap())
            .map(|j| j.id)
            .collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!((all.len(), n), (40, 40), "{}", b.name);
    }
    cleanup(bs).await;
}
