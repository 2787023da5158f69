//! The district office's daily work on the dashboard, on SQLite and (when configured) PostgreSQL: requests
//! filtered, flagged and acted on, the audit log in words, and a demo that looks like a district.

use crate::common;
use crate::dash_support;

use axum::http::StatusCode;
use dash_support::{Dash, location, setup};
use kaamgar_store::NewRequest;
use kaamgar_store::prelude::*;

async fn each(f: impl AsyncFn(&Dash, &dyn Store)) {
    for t in common::apps().await {
        let d = setup(&t).await;
        f(&d, t.app.store.as_ref()).await;
        t.cleanup().await;
    }
}

/// A request made at `at` in `block` for `trade`, still open.
async fn request_at(store: &dyn Store, block: &str, trade: &str, at: i64) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id = tx
        .create_request(
            &NewRequest {
                citizen: format!("wa:{at}"),
                citizen_phone: Some("+919876543210".into()),
                channel: kaamgar_domain::channel::Channel::WhatsApp,
                trade: trade.into(),
                place_name: block.into(),
                district: "Saran".into(),
                block: Some(block.into()),
                lat: 25.9,
                lon: 84.9,
                message: format!("{trade} chahiye"),
            },
            at,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id.0
}

fn ids_listed(body: &str) -> Vec<i64> {
    body.match_indices("href=\"/requests/")
        .filter_map(|(i, _)| {
            let rest = &body[i + 16..];
            rest[..rest.find('"')?].parse().ok()
        })
        .collect()
}

#[tokio::test]
async fn requests_are_filtered_by_block_trade_day_and_outcome_and_the_stale_ones_flagged() {
    use dash_support::T0;
    each(async |d, store| {
        let stale = request_at(store, "Marhaura", "plumber", T0 - 2 * 3600).await;
        let fresh = request_at(store, "Marhaura", "electrician", T0 - 600).await;
        let old = request_at(store, "Sonepur", "plumber", T0 - 3 * 86_400).await;
        {
            let mut tx = store.begin().await.unwrap();
            let mut r = tx
                .request(kaamgar_domain::ids::RequestId(old))
                .await
                .unwrap()
                .unwrap();
            r.apply(
                kaamgar_domain::request::Actor::System,
                kaamgar_domain::request::Change::Expire {
                    note: Some("no_workers"),
                },
                T0 - 3 * 86_400 + 60,
            )
            .unwrap();
            tx.save_request(&r, T0).await.unwrap();
            tx.commit().await.unwrap();
        }
        let admin = d.signed_in("admin").await;
        let all = admin.get("/requests").await;
        assert_eq!(ids_listed(&all.body), [old, fresh, stale], "newest first");
        assert!(all.body.contains("id=\"stale-banner\""), "{}", all.body);
        assert_eq!(all.body.matches("class=\"stale\"").count(), 1);
        for (query, want) in [
            ("outcome=stale", vec![stale]),
            ("outcome=waiting", vec![fresh, stale]),
            ("outcome=unserved", vec![old]),
            ("outcome=done", vec![]),
            ("block=Sonepur", vec![old]),
            ("block=sonpur", vec![old]),
            ("trade=electrician", vec![fresh]),
            (
                "trade=%E0%A4%AA%E0%A5%8D%E0%A4%B2%E0%A4%82%E0%A4%AC%E0%A4%B0",
                vec![old, stale],
            ),
            ("outcome=waiting&status=expired", vec![]),
        ] {
            let p = admin.get(&format!("/requests?{query}")).await;
            assert_eq!(p.status, StatusCode::OK, "{query}");
            assert_eq!(ids_listed(&p.body), want, "{query}");
        }
        // The day the old one was made, as a form sends it and as people write it.
        let day = kaamgar::export::date(T0 - 3 * 86_400 + 19_800);
        let (y, m, dd) = (&day[0..4], &day[5..7], &day[8..10]);
        for q in [
            format!("from={day}&to={day}"),
            format!("from={dd}/{m}/{y}&to={dd}/{m}/{y}"),
        ] {
            let p = admin.get(&format!("/requests?{q}")).await;
            assert_eq!(ids_listed(&p.body), [old], "{q}");
        }
        for bad in [
            "from=2026-02-30",
            "to=yesterday",
            "outcome=lost",
            "block=Atlantis",
            "trade=astronaut",
        ] {
            let p = admin.get(&format!("/requests?{bad}")).await;
            assert_eq!(p.status, StatusCode::OK, "{bad}");
            assert!(p.body.contains("role=\"alert\""), "{bad}: {}", p.body);
            assert!(ids_listed(&p.body).is_empty(), "{bad}");
        }
        // A block officer's list never widens: another block's name finds nothing.
        let ravi = d.signed_in("ravi").await;
        assert_eq!(
            ids_listed(&ravi.get("/requests").await.body),
            [fresh, stale]
        );
        assert!(ids_listed(&ravi.get("/requests?block=Sonepur").await.body).is_empty());
        // The next page keeps the filters.
        for i in 0..60 {
            request_at(store, "Sonepur", "plumber", T0 - 86_400 - i).await;
        }
        let p = admin.get("/requests?block=Sonepur&trade=plumber").await;
        assert!(
            p.body.contains("block=Sonepur&#38;trade=plumber"),
            "{}",
            p.body
        );
    })
    .await;
}

#[tokio::test]
async fn an_official_acts_on_a_waiting_request_and_every_act_is_checked_and_audited() {
    use dash_support::T0;
    each(async |d, store| {
        let waiting = request_at(store, "Marhaura", "plumber", T0 - 2 * 3600).await;
        let at = format!("/requests/{waiting}");
        let admin = d.signed_in("admin").await;
        let p = admin.get(&at).await;
        for id in ["id=\"reoffer\"", "id=\"call\"", "id=\"close\""] {
            assert!(p.body.contains(id), "{id}: {}", p.body);
        }
        assert!(!p.body.contains("9876543210"), "masked until asked for");
        // A viewer sees no actions and is refused them; a block officer elsewhere is refused too.
        let vik = d.signed_in("vik").await;
        assert!(!vik.get(&at).await.body.contains("id=\"actions\""));
        let p = vik
            .post(&format!("{at}/close"), &[("reason", "duplicate")])
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(
            d.audited(&format!("vik request.close denied request:{waiting}"))
                .await
        );
        let sonu = d.signed_in("sonu").await;
        sonu.get("/requests").await;
        for act in ["close", "reoffer", "call"] {
            let p = sonu
                .post(&format!("{at}/{act}"), &[("reason", "duplicate")])
                .await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{act}");
        }
        // A forged token changes nothing.
        let p = admin
            .post(
                &format!("{at}/close"),
                &[("reason", "duplicate"), ("csrf", "forged")],
            )
            .await;
        assert_ne!(p.status, StatusCode::SEE_OTHER);
        // Calling the citizen shows the number as a link, and that read is audited.
        admin.get(&at).await;
        let p = admin.post(&format!("{at}/call"), &[]).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("href=\"tel:+919876543210\""), "{}", p.body);
        assert!(
            d.audited(&format!("admin request.call ok request:{waiting}"))
                .await
        );
        // Another worker: a job for the bot, audited.
        let p = admin.post(&format!("{at}/reoffer"), &[]).await;
        assert_eq!(location(&p), format!("{at}?done=reoffer"));
        assert!(
            d.audited(&format!("admin request.reoffer ok request:{waiting}"))
                .await
        );
        let jobs = store.claim_jobs(T0 + 1, 60, 10).await.unwrap();
        assert!(
            jobs.iter()
                .any(|j| j.kind == "reoffer" && j.subject == waiting),
            "{jobs:?}"
        );
        // Closing needs a reason from the list; then it is closed once.
        let p = admin
            .post(&format!("{at}/close"), &[("reason", "because")])
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        admin.get(&at).await;
        let p = admin
            .post(&format!("{at}/close"), &[("reason", "citizen_unreachable")])
            .await;
        assert_eq!(location(&p), format!("{at}?done=closed"));
        let p = admin.get(&format!("{at}?done=closed")).await;
        assert!(p.body.contains("id=\"note\""), "{}", p.body);
        assert!(
            !p.body.contains("id=\"close\"") && !p.body.contains("id=\"reoffer\""),
            "nothing left to change"
        );
        assert!(
            d.audited(&format!("admin request.close ok request:{waiting}"))
                .await
        );
        let p = admin
            .post(&format!("{at}/close"), &[("reason", "duplicate")])
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert!(
            d.audited(&format!("admin request.close invalid request:{waiting}"))
                .await
        );
        let (r, _) = store
            .request_with_offers(kaamgar_domain::ids::RequestId(waiting))
            .await
            .unwrap();
        assert_eq!(r.note.as_deref(), Some("closed:citizen_unreachable"));
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_says_who_did_what_to_which_record_and_filters_by_person_action_and_day() {
    each(async |d, _store| {
        let w = d.worker_in("Marhaura", 0).await;
        let ravi = d.signed_in("ravi").await;
        ravi.get(&format!("/workers/{w}")).await;
        let admin = d.signed_in("admin").await;
        let all = admin.get("/audit").await;
        assert_eq!(all.status, StatusCode::OK);
        // In words (the accounts read Hindi), with a link to the record.
        assert!(all.body.contains("कामगार का रिकॉर्ड खोला"), "{}", all.body);
        assert!(all.body.contains(&format!("href=\"/workers/{w}\"")));
        assert!(all.body.contains("साइन इन किया"));
        assert!(!all.body.contains(">worker.view<"), "no raw codes");
        let p = admin.get("/audit?who=ravi&action=worker.view").await;
        let rows = p.body.matches("<tr class=\"out-").count();
        assert_eq!(rows, 1, "{}", p.body);
        let p = admin.get("/audit?who=ravi&action=signin").await;
        assert_eq!(p.body.matches("<tr class=\"out-").count(), 1);
        let today = kaamgar::export::date(dash_support::T0 + 19_800);
        let p = admin.get(&format!("/audit?from={today}&to={today}")).await;
        assert!(p.body.matches("<tr class=\"out-").count() >= 3);
        let p = admin.get("/audit?from=2001-01-01&to=2001-01-02").await;
        assert_eq!(p.body.matches("<tr class=\"out-").count(), 0);
        for bad in ["action=drop.table", "from=31/02/2026"] {
            let p = admin.get(&format!("/audit?{bad}")).await;
            assert_eq!(p.status, StatusCode::OK, "{bad}");
            assert!(p.body.contains("role=\"alert\""), "{bad}");
        }
    })
    .await;
}

/// `serve --demo` looks like a district: blocks of believable sizes, more requests by day than by night and not
/// the same number every day, busy, inactive and verified workers, and ratings that reach the workers.
#[tokio::test]
async fn the_demo_looks_like_a_district() {
    let t = common::sqlite_app().await;
    let app = &t.app;
    let sizes = kaamgar::demo::block_sizes(&app.places);
    let (lo, hi) = sizes.iter().fold((u64::MAX, 0), |(lo, hi), b| {
        (lo.min(b.weight), hi.max(b.weight))
    });
    assert!(
        sizes.len() >= 20 && hi * 2 <= 5 * lo,
        "{lo}..{hi} over {} blocks",
        sizes.len()
    );
    let now = kaamgar::app::now();
    kaamgar::serve::fill_demo(app, 6_000).await.unwrap();
    let made = kaamgar::demo_service::fill_requests(app, 120, now)
        .await
        .unwrap();
    kaamgar::demo_service::liven_registry(app, now)
        .await
        .unwrap();
    assert!(made > 14 * 60, "{made}");
    let store = app.store.as_ref();
    let all = store
        .list_requests(&kaamgar_store::RequestFilter::default(), 0, 10_000)
        .await
        .unwrap();
    let mut by_day = std::collections::BTreeMap::<i64, u64>::new();
    let mut night = 0;
    for r in &all {
        let local = r.created_at + 19_800;
        *by_day.entry(local.div_euclid(86_400)).or_default() += 1;
        if (0..5).contains(&(local.rem_euclid(86_400) / 3600)) {
            night += 1;
        }
    }
    assert_eq!(night, 0, "nobody asks for a plumber at 3 a.m.");
    let full: Vec<u64> = by_day.values().copied().collect::<Vec<_>>();
    let full = &full[..full.len() - 1]; // today is partial
    let (min, max) = (full.iter().min().unwrap(), full.iter().max().unwrap());
    assert!(max - min >= 15, "days differ: {full:?}");
    let rated = all.iter().filter(|r| r.rating.is_some()).count();
    assert!(rated > 50, "{rated}");
    let f = |a: Option<kaamgar_domain::worker::Availability>, v: Option<bool>| {
        kaamgar_store::WorkerFilter {
            availability: a,
            verified: v,
            ..Default::default()
        }
    };
    let total = store.count_workers(&f(None, None)).await.unwrap();
    let busy = store
        .count_workers(&f(Some(kaamgar_domain::worker::Availability::Busy), None))
        .await
        .unwrap();
    let verified = store.count_workers(&f(None, Some(true))).await.unwrap();
    assert!(
        busy * 100 > total * 3 && busy * 100 < total * 10,
        "{busy}/{total}"
    );
    assert!(
        verified * 100 > total * 15 && verified * 100 < total * 50,
        "{verified}/{total}"
    );
    // Ratings reached the workers who did the work.
    let w = all
        .iter()
        .find(|r| r.rating.is_some())
        .unwrap()
        .worker_id
        .unwrap();
    assert!(store.get_worker(w.0).await.unwrap().rating_count >= 1);
    t.cleanup().await;
}
