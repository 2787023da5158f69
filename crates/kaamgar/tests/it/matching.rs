//! `GET /api/v1/match` end to end over a fresh registry, on SQLite and (when configured) PostgreSQL: nearest
//! workers first, busy workers out within a second also when another process made the change, fairness, and
//! clear errors for an unknown trade or place and bad limits.

use crate::common;

use common::{call, get, send};

use axum::http::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn worker(name: &str, phone: &str, trade: &str, pin: &str, experience: u8) -> Value {
    json!({
        "name": name, "phone": phone, "trade": trade, "pin": pin, "district": "Saran",
        "experience_years": experience, "consent": {"method": "web"}
    })
}

/// Registers a worker through the API and returns their id.
async fn register(
    r: &axum::Router,
    name: &str,
    phone: &str,
    trade: &str,
    pin: &str,
    experience: u8,
) -> i64 {
    let (s, w) = call(
        r,
        send(
            "POST",
            "/api/v1/workers",
            &worker(name, phone, trade, pin, experience),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    w["id"].as_i64().unwrap()
}

fn ids(v: &Value) -> Vec<i64> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["worker_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_nearest_available_workers_come_first_and_a_busy_one_stops_being_offered() {
    for t in common::apps().await {
        let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
        let mut made = Vec::new();
        // Two plumbers at Marhaura (841418), one at Chapra (841301, ~25 km), an electrician at Marhaura.
        for (i, (trade, pin)) in [
            ("plumber", "841418"),
            ("nal mistri", "841418"),
            ("plumber", "841301"),
            ("electrician", "841418"),
        ]
        .iter()
        .enumerate()
        {
            made.push(
                register(
                    &r,
                    &format!("Worker {i}"),
                    &format!("98765 0000{i}"),
                    trade,
                    pin,
                    5,
                )
                .await,
            );
        }
        let (s, m) = call(&r, get("/api/v1/match?trade=plumber&near=Marhaura&limit=5")).await;
        assert_eq!(s, StatusCode::OK, "{m}");
        let got = ids(&m);
        assert_eq!(got.len(), 3, "{m}");
        assert!(
            got[..2].contains(&made[0]) && got[..2].contains(&made[1]),
            "{m}"
        );
        assert_eq!(got[2], made[2], "the Chapra plumber comes last: {m}");
        assert_eq!(m["trade"]["nco"], "7126");
        assert!(
            m["results"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("km away")
        );
        assert!(
            m["results"][0]["phone"].as_str().unwrap().contains("XXXX"),
            "numbers stay masked"
        );

        // The first Marhaura plumber says "busy": within a second nobody is offered them.
        let (s, _) = call(
            &r,
            send(
                "POST",
                &format!("/api/v1/workers/{}/availability", made[0]),
                &json!({"availability": "busy"}),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        tokio::time::sleep(kaamgar_app::matching::FRESH + Duration::from_millis(50)).await;
        let (_, m) = call(&r, get("/api/v1/match?trade=plumber&near=841418")).await;
        assert!(!ids(&m).contains(&made[0]), "{m}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_change_made_by_another_process_reaches_this_index_within_a_second() {
    for t in common::apps().await {
        // Two servers on one database: each has its own state and index.
        let a = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
        let b_state = kaamgar::serve::state(&t.app).unwrap();
        let follower = b_state
            .matcher
            .spawn_follower(b_state.store.clone(), Duration::from_millis(250));
        let b = kaamgar_web::router(b_state);
        let id = register(&a, "Ramesh", "98765 11111", "welder", "841418", 3).await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (_, m) = call(&b, get("/api/v1/match?trade=welder&near=Marhaura")).await;
        assert_eq!(ids(&m), [id], "{m}");
        call(
            &a,
            send(
                "POST",
                &format!("/api/v1/workers/{id}/availability"),
                &json!({"availability": "busy"}),
            ),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (_, m) = call(&b, get("/api/v1/match?trade=welder&near=Marhaura")).await;
        assert!(ids(&m).is_empty(), "{m}");
        follower.abort();
        t.cleanup().await;
    }
}

#[tokio::test]
async fn unknown_trades_and_places_and_bad_limits_are_refused_with_a_message() {
    let t = common::sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let cases = [
        (
            "/api/v1/match?trade=plumbre&near=Marhaura",
            StatusCode::OK,
            "",
        ),
        (
            "/api/v1/match?trade=xyzzy&near=Marhaura",
            StatusCode::BAD_REQUEST,
            "unknown_trade",
        ),
        (
            "/api/v1/match?trade=carpentr&near=Qwzxv",
            StatusCode::BAD_REQUEST,
            "unknown_place",
        ),
        (
            "/api/v1/match?trade=plumber&near=51.5,-0.12",
            StatusCode::BAD_REQUEST,
            "place_outside_india",
        ),
        (
            "/api/v1/match?trade=plumber&near=Marhaura&limit=0",
            StatusCode::BAD_REQUEST,
            "bad_limit",
        ),
        (
            "/api/v1/match?trade=plumber&near=Marhaura&limit=100000",
            StatusCode::BAD_REQUEST,
            "bad_limit",
        ),
        (
            "/api/v1/match?trade=plumber&near=Marhaura&limit=-3",
            StatusCode::BAD_REQUEST,
            "",
        ),
        ("/api/v1/match?trade=plumber", StatusCode::BAD_REQUEST, ""),
        (
            "/api/v1/match?trade=7126&near=25.95,84.81",
            StatusCode::OK,
            "",
        ),
    ];
    for (uri, status, code) in cases {
        let (s, v) = call(&r, get(uri)).await;
        assert_eq!(s, status, "{uri}: {v}");
        if !code.is_empty() {
            assert_eq!(v["error"]["code"], code, "{uri}: {v}");
            assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        }
    }
    let (_, v) = call(
        &r,
        get("/api/v1/match?trade=plumber&near=Marhaaura%20block"),
    )
    .await;
    assert_eq!(v["near"]["district"], "Saran", "{v}");
    t.cleanup().await;
}

/// The plumbers near Marhaura in ranking order, as a matcher sees them at `now`.
fn ranking(m: &kaamgar_app::matching::Matcher, now: i64) -> Vec<i64> {
    m.find("plumber", 25.96, 84.86, 5, now)
        .unwrap()
        .iter()
        .map(|r| r.worker_id)
        .collect()
}

/// Offers `worker` one lead at `at` (a request of its own), refused at `refused` if given.
async fn offer(store: &dyn kaamgar_store::Store, worker: i64, at: i64, refused: Option<i64>) {
    let mut tx = store.begin().await.unwrap();
    let request = tx
        .create_request(
            &kaamgar_store::NewRequest {
                citizen: format!("web:citizen-{at}"),
                citizen_phone: None,
                channel: kaamgar_domain::channel::Channel::Web,
                trade: "plumber".into(),
                place_name: "Marhaura".into(),
                district: "Saran".into(),
                block: Some("Marhaura".into()),
                lat: 25.96,
                lon: 84.86,
                message: "plumber chahiye".into(),
            },
            at,
        )
        .await
        .unwrap();
    let id = tx
        .create_offer(request, kaamgar_domain::ids::WorkerId(worker), 1, at)
        .await
        .unwrap();
    if let Some(t) = refused {
        tx.set_offer(id, kaamgar_domain::request::OfferStatus::Declined, t)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_restarted_server_rotates_leads_exactly_as_the_running_one() {
    for t in common::apps().await {
        let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
        for i in 0..5 {
            let name = format!("Plumber {i}");
            register(&r, &name, &format!("98765 1000{i}"), "plumber", "841418", 5).await;
        }
        let store = t.app.store.as_ref();
        let running = kaamgar_app::matching::Matcher::new(&t.app.trades);
        running.refresh(store).await.unwrap();
        let t0 = 1_780_000_000;
        let fresh = ranking(&running, t0);
        assert_eq!(fresh.len(), 5);

        // Leads go to the first in the ranking, one after another; one worker declines. The running server takes
        // each offer in as it is stored, the way the bot's refresh before each lead does.
        let mut now = t0;
        for round in 0..7 {
            let first = ranking(&running, now)[0];
            let refused = (round == 2).then_some(now + 600);
            offer(store, first, now, refused).await;
            running.refresh(store).await.unwrap();
            now += 3_600;
        }
        let restarted = kaamgar_app::matching::Matcher::new(&t.app.trades);
        restarted.refresh(store).await.unwrap();
        for at in [now, now + 86_400, now + 4 * 86_400, now + 30 * 86_400] {
            assert_eq!(ranking(&restarted, at), ranking(&running, at), "at {at}");
        }
        assert_ne!(ranking(&running, now), fresh, "leads moved the ranking");

        // Both keep rotating the same way as more leads come (one of them written by "another server").
        for _ in 0..5 {
            let (a, b) = (ranking(&running, now), ranking(&restarted, now));
            assert_eq!(a, b);
            offer(store, a[0], now, None).await;
            running.refresh(store).await.unwrap();
            restarted.refresh(store).await.unwrap();
            now += 1_800;
        }
        assert_eq!(ranking(&restarted, now), ranking(&running, now));
        t.cleanup().await;
    }
}
