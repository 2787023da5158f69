//! The dashboard's search keys and maintained counts on both backends: a name found in either script and by
//! village or panchayat, totals that follow every kind of write, a batch larger than one follower step, and two
//! followers at once counting each change once.

use crate::common;

use common::{backends, cleanup, worker};
use kaamgar_domain::worker::Availability;
use kaamgar_store::prelude::*;
use kaamgar_store::{BatchRow, Page, WorkerFilter};

const ALL: Page = Page {
    after: 0,
    limit: 1000,
};

fn search(q: &str) -> WorkerFilter {
    WorkerFilter {
        search: Some(q.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_name_is_found_in_either_script_and_by_village_or_panchayat() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let mut a = worker("9000000001", "रंजीत कुमार", "plumber", "Marhaura");
        a.place.panchayat = Some("Gauri".into());
        s.create_worker(&a, 1).await.unwrap();
        let mut c = worker("9000000002", "Ranjeet Singh", "mason", "Sonepur");
        c.place.village = Some("Dumri".into());
        s.create_worker(&c, 1).await.unwrap();
        s.create_worker(&worker("9000000003", "Suresh Ram", "mason", "Sonepur"), 1)
            .await
            .unwrap();
        s.catch_up_index(None).await.unwrap();
        let names = |f: WorkerFilter| async move {
            let mut v: Vec<String> = s
                .list_workers(&f, ALL)
                .await
                .unwrap()
                .into_iter()
                .map(|w| w.data.name)
                .collect();
            v.sort();
            v
        };
        let both = vec!["Ranjeet Singh".to_string(), "रंजीत कुमार".to_string()];
        assert_eq!(names(search("ranjeet")).await, both, "{}", b.name);
        assert_eq!(names(search("RANJIT")).await, both, "{}", b.name);
        assert_eq!(names(search("रंजीत")).await, both, "{}", b.name);
        // Every word must start a word of the worker's: the first name and part of the surname.
        assert_eq!(
            names(search("ranjeet kum")).await,
            vec!["रंजीत कुमार".to_string()],
            "{}",
            b.name
        );
        assert_eq!(
            names(search("dumri")).await,
            vec!["Ranjeet Singh"],
            "{}",
            b.name
        );
        assert_eq!(names(search("गौरी")).await, vec!["रंजीत कुमार"], "{}", b.name);
        assert!(names(search("zzz")).await.is_empty(), "{}", b.name);
        // Wildcards are letters like any other, and a search of only punctuation finds nobody.
        assert!(names(search("%")).await.is_empty(), "{}", b.name);
        assert_eq!(
            names(search("0000003")).await,
            vec!["Suresh Ram"],
            "{}",
            b.name
        );
    }
    cleanup(bs).await;
}

/// The maintained total equals a count over the rows, for each filter, after each kind of write.
async fn totals_agree(s: &kaamgar_store::SqlStore, name: &str, step: &str) {
    let filters = [
        WorkerFilter::default(),
        WorkerFilter {
            trade: Some("electrician".into()),
            ..Default::default()
        },
        WorkerFilter {
            block: Some("Marhaura".into()),
            availability: Some(Availability::Available),
            ..Default::default()
        },
        WorkerFilter {
            district: Some("Saran".into()),
            verified: Some(false),
            source: Some("returned migrant 2020 survey".into()),
            ..Default::default()
        },
    ];
    for f in filters {
        s.catch_up_index(None).await.unwrap();
        let scanned = s.count_workers(&f).await.unwrap();
        let kept = s.worker_total(&f).await.unwrap();
        assert_eq!(kept, Some(scanned), "{name} after {step}: {f:?}");
    }
}

#[tokio::test]
async fn totals_follow_imports_edits_availability_and_removals() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        // More rows than one follower step, all with one change sequence value.
        let rows: Vec<BatchRow> = (0..2_300)
            .map(|i| {
                let mut w = worker(
                    &format!("9{i:09}"),
                    &format!("Worker {i}"),
                    if i % 3 == 0 { "electrician" } else { "mason" },
                    if i % 2 == 0 { "Marhaura" } else { "Sonepur" },
                );
                if i % 5 == 0 {
                    w.other_trades = vec!["electrician".into(), "painter".into()];
                }
                BatchRow::new(i + 2, w)
            })
            .collect();
        let run = s.begin_import("big.csv", 1).await.unwrap();
        s.import_batch(run, &rows, 1).await.unwrap();
        // A page's bounded step reads one batch of 2,000, the rest follow.
        assert_eq!(
            s.catch_up_index(Some(1)).await.unwrap(),
            2_000,
            "{}",
            b.name
        );
        totals_agree(s, b.name, "the import").await;
        assert_eq!(
            s.worker_total(&WorkerFilter::default()).await.unwrap(),
            Some(2_300)
        );
        let first = s
            .list_workers(&WorkerFilter::default(), Page { after: 0, limit: 3 })
            .await
            .unwrap();
        s.set_availability(first[0].id, Availability::Busy, 2)
            .await
            .unwrap();
        s.remove_worker(first[1].id, 3).await.unwrap();
        s.erase_worker(first[2].id, "asked", 4).await.unwrap();
        totals_agree(s, b.name, "availability, removal and erasure").await;
        assert!(
            s.list_workers(&search("worker 2"), ALL)
                .await
                .unwrap()
                .iter()
                .all(|w| w.id != first[2].id),
            "{}: an erased worker is not found",
            b.name
        );
        // Two followers at once: each change is counted once.
        let more: Vec<BatchRow> = (0..500)
            .map(|i| {
                BatchRow::new(
                    i + 2,
                    worker(&format!("8{i:09}"), "New", "plumber", "Marhaura"),
                )
            })
            .collect();
        let run = s.begin_import("more.csv", 5).await.unwrap();
        s.import_batch(run, &more, 5).await.unwrap();
        let (x, y) = tokio::join!(s.catch_up_index(None), s.catch_up_index(None));
        assert_eq!(x.unwrap() + y.unwrap(), 500, "{}", b.name);
        totals_agree(s, b.name, "two followers").await;
    }
    cleanup(bs).await;
}
