//! The dashboard's pages beyond sign-in and workers, on SQLite and (when configured) PostgreSQL: uploads with their
//! report, requests, the language switch, security headers and API tokens of accounts.

use crate::common;
use crate::dash_support;

use axum::http::StatusCode;
use dash_support::{Dash, PASSWORD, location, setup};
use kaamgar_store::NewRequest;
use kaamgar_store::prelude::*;

async fn each(f: impl AsyncFn(&Dash, &dyn Store)) {
    for t in common::apps().await {
        let d = setup(&t).await;
        f(&d, t.app.store.as_ref()).await;
        t.cleanup().await;
    }
}

fn list(rows: &[[&str; 8]]) -> Vec<u8> {
    let mut all: Vec<&[&str]> = vec![&common::HINDI_HEADER];
    all.extend(rows.iter().map(|r| r.as_slice()));
    common::csv(&all)
}

async fn wait_for_upload(b: &dash_support::Browser, at: &str) -> dash_support::Page {
    for _ in 0..200 {
        let p = b.get(at).await;
        if !p.body.contains("<progress") {
            return p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("upload did not finish");
}

#[tokio::test]
async fn a_block_officer_uploads_a_list_and_downloads_the_rejected_rows() {
    each(async |d, store| {
        let b = d.signed_in("ravi").await;
        let file = list(&[
            [
                "1",
                "नया कामगार",
                "9822200001",
                "पुरुष",
                "28",
                "बढ़ई",
                "Marhaura",
                "Saran",
            ],
            [
                "2",
                "गलत फ़ोन",
                "12345",
                "पुरुष",
                "28",
                "plumber",
                "Marhaura",
                "Saran",
            ],
            [
                "3",
                "दूसरा प्रखंड",
                "9822200003",
                "पुरुष",
                "28",
                "plumber",
                "Sonepur",
                "Saran",
            ],
        ]);
        let p = b.upload("marhaura.csv", &file).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let at = location(&p);
        let done = wait_for_upload(&b, &at).await;
        assert!(
            done.body.contains("id=\"rejected-count\">2<"),
            "{}",
            done.body
        );
        let report = b.get(&format!("{at}/report.csv")).await;
        assert_eq!(report.status, StatusCode::OK);
        assert!(report.body.contains("phone"));
        assert!(
            report.body.contains("outside_jurisdiction"),
            "{}",
            report.body
        );
        assert_eq!(store.count_workers(&Default::default()).await.unwrap(), 6);
        // Another block's officer cannot open this upload or its report.
        let sonu = d.signed_in("sonu").await;
        assert_eq!(sonu.get(&at).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            sonu.get(&format!("{at}/report.csv")).await.status,
            StatusCode::FORBIDDEN
        );
        assert!(d.audited("ravi upload.report ok").await);
    })
    .await;
}

#[tokio::test]
async fn a_file_that_is_not_a_list_is_refused_with_a_message_and_nothing_is_stored() {
    each(async |d, store| {
        let b = d.signed_in("admin").await;
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let p = b.upload("photo.png", png).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"upload-error\""));
        let p = b
            .upload("old.xls", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
            .await;
        assert!(p.body.contains(".xlsx"));
        let p = b.upload("empty.csv", b"").await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        let p = b
            .upload("garbage.csv", b"just some words\nwithout any header\n")
            .await;
        let done = wait_for_upload(&b, &location(&p)).await;
        assert!(done.body.contains("id=\"upload-message\""), "{}", done.body);
        assert_eq!(store.count_workers(&Default::default()).await.unwrap(), 5);
        assert!(d.audited("admin upload invalid").await);
    })
    .await;
}

#[tokio::test]
async fn an_oversized_upload_is_refused_with_a_message() {
    for t in common::apps().await {
        let mut d = setup(&t).await;
        let mut state = kaamgar::serve::state(&t.app).unwrap();
        state.max_upload_bytes = 64 * 1024;
        state.clock = d.clock.clone();
        d.router = kaamgar_web::router(state);
        let b = d.signed_in("admin").await;
        let big = vec![b'a'; 300 * 1024];
        let p = b.upload("big.csv", &big).await;
        assert!(
            p.status == StatusCode::UNPROCESSABLE_ENTITY
                || p.status == StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            p.status
        );
        assert_eq!(
            t.app
                .store
                .count_workers(&Default::default())
                .await
                .unwrap(),
            5
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_language_switch_is_remembered_in_the_browser_and_the_account() {
    each(async |d, store| {
        let b = d.signed_in("admin").await;
        let p = b.get("/workers").await;
        assert!(p.body.contains("<html lang=\"hi\">"));
        let p = b
            .post("/lang", &[("lang", "en"), ("next", "/workers")])
            .await;
        assert_eq!(
            (p.status, location(&p).as_str()),
            (StatusCode::SEE_OTHER, "/workers")
        );
        assert!(b.get("/workers").await.body.contains("<html lang=\"en\">"));
        assert_eq!(store.user_by_name("admin").await.unwrap().lang, "en");
        // Another browser: the account's language applies after sign-in.
        let other = d.signed_in("admin").await;
        assert!(other.get("/").await.body.contains("<html lang=\"en\">"));
        let p = b.post("/lang", &[("lang", "fr")]).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        let p = b
            .post(
                "/lang",
                &[("lang", "hi"), ("next", "https://evil.example/")],
            )
            .await;
        assert_eq!(location(&p), "/");
    })
    .await;
}

#[tokio::test]
async fn requests_are_listed_in_scope_with_offers_and_a_masked_conversation() {
    each(async |d, store| {
        let mut ids = Vec::new();
        for block in ["Marhaura", "Sonepur"] {
            let mut tx = store.begin().await.unwrap();
            let id = tx
                .create_request(
                    &NewRequest {
                        citizen: format!("demo:{block}"),
                        citizen_phone: Some("+919876543210".into()),
                        channel: kaamgar_domain::channel::Channel::WhatsApp,
                        trade: "plumber".into(),
                        place_name: block.into(),
                        district: "Saran".into(),
                        block: Some(block.into()),
                        lat: 25.9,
                        lon: 84.9,
                        message: "plumber chahiye, call 9876543210".into(),
                    },
                    dash_support::T0,
                )
                .await
                .unwrap();
            let w = d.worker_in(block, 0).await;
            tx.create_offer(id, kaamgar_domain::ids::WorkerId(w), 1, dash_support::T0)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            ids.push(id.0);
        }
        let b = d.signed_in("ravi").await;
        let list = b.get("/requests").await;
        assert!(list.body.contains(&format!("/requests/{}", ids[0])));
        assert!(!list.body.contains(&format!("/requests/{}\"", ids[1])));
        let p = b.get(&format!("/requests/{}", ids[0])).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(!p.body.contains("9876543210"), "numbers are masked");
        assert!(p.body.contains("id=\"offers\""));
        assert_eq!(
            b.get(&format!("/requests/{}", ids[1])).await.status,
            StatusCode::FORBIDDEN
        );
        let p = b.get("/requests?status=offered").await;
        assert_eq!(p.status, StatusCode::OK);
        let p = b.get("/requests?status=nonsense").await;
        assert_eq!(
            p.status,
            StatusCode::OK,
            "said on the page, with its filters"
        );
        assert!(p.body.contains("role=\"alert\""));
        let admin = d.signed_in("admin").await;
        assert!(admin.get("/").await.body.contains("id=\"kpi-workers\""));
    })
    .await;
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_are_not_cached() {
    each(async |d, _| {
        let b = d.signed_in("admin").await;
        for path in ["/", "/workers", "/requests", "/uploads", "/audit"] {
            let p = b.get(path).await;
            assert_eq!(p.status, StatusCode::OK, "{path}");
            let h = |k: &str| {
                p.headers
                    .get(k)
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default()
            };
            assert!(
                h("content-security-policy").contains("frame-ancestors 'none'"),
                "{path}"
            );
            assert!(h("content-security-policy").contains("script-src 'self'"));
            assert_eq!(h("x-content-type-options"), "nosniff");
            assert_eq!(h("referrer-policy"), "same-origin");
            assert_eq!(h("cache-control"), "no-store");
            assert!(
                p.body.len() < 200_000,
                "{path} weighs {} bytes",
                p.body.len()
            );
        }
        let session = d.browser();
        session.get("/").await;
        let (_, _, _) = session.sign_in("admin", PASSWORD).await;
        let set = session.cookie("kg_session");
        assert!(set.is_some());
    })
    .await;
}

#[tokio::test]
async fn an_accounts_api_token_reads_only_its_jurisdiction() {
    each(async |d, store| {
        let ravi = store.user_by_name("ravi").await.unwrap();
        let token = kaamgar_app::accounts::new_token("kg_").unwrap();
        let digest = kaamgar_app::accounts::token_digest(&token);
        store
            .create_api_token(&digest, ravi.id, "test", dash_support::T0)
            .await
            .unwrap();
        let call = |method: &str, uri: &str, bearer: &str| {
            axum::http::Request::builder()
                .method(method)
                .uri(uri)
                .header("authorization", format!("Bearer {bearer}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(if method == "GET" {
                    ""
                } else {
                    "{}"
                }))
                .unwrap()
        };
        let (status, body) = common::call(&d.router, call("GET", "/api/v1/workers", &token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 3, "{body}");
        let other = d.worker_in("Sonepur", 0).await;
        let (status, _) = common::call(
            &d.router,
            call("GET", &format!("/api/v1/workers/{other}"), &token),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = common::call(
            &d.router,
            call("GET", "/api/v1/workers?block=Sonepur", &token),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = common::call(&d.router, call("POST", "/api/v1/workers", &token)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("token_read_only"))
        );
        let (status, _) =
            common::call(&d.router, call("GET", "/api/v1/workers", "kg_not-a-token")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        store.disable_user(ravi.id, dash_support::T0).await.unwrap();
        let (status, _) = common::call(&d.router, call("GET", "/api/v1/workers", &token)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a disabled account's token is revoked"
        );
    })
    .await;
}

#[tokio::test]
async fn an_upload_left_queued_or_running_by_a_restart_is_marked_failed_at_start() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let admin = d.store.user_by_name("admin").await.unwrap();
        let id = d
            .store
            .create_upload(
                &kaamgar_store::NewUpload {
                    user_id: Some(admin.id),
                    origin: "dashboard",
                    district: Some("Saran".into()),
                    block: None,
                    file_name: "marhaura.xlsx".into(),
                },
                dash_support::T0,
                &kaamgar_store::AuditEntry {
                    at: dash_support::T0,
                    user_id: Some(admin.id),
                    actor: "admin".into(),
                    action: "upload".into(),
                    target: None,
                    outcome: "ok".into(),
                    detail: None,
                    ip: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(d.store.upload(id).await.unwrap().status, "queued");
        // The server starts again.
        let _router = kaamgar::serve::start(t.app.clone()).await.unwrap();
        let u = d.store.upload(id).await.unwrap();
        assert_eq!(u.status, "failed");
        assert!(
            u.message
                .unwrap_or_default()
                .contains("upload the list again")
        );
        let page = d
            .signed_in("admin")
            .await
            .get(&format!("/uploads/{id}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("http-equiv=\"refresh\""),
            "the page stops refreshing"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_timed_job_that_failed_for_good_is_shown_to_administrators() {
    each(async |d, store| {
        let mut tx = store.begin().await.unwrap();
        let follow_up =
            kaamgar_domain::jobs::Job::new(kaamgar_domain::jobs::JobKind::FollowUp, 4242);
        tx.schedule(follow_up, dash_support::T0).await.unwrap();
        tx.commit().await.unwrap();
        let job = store
            .claim_jobs(dash_support::T0, 60, 10)
            .await
            .unwrap()
            .remove(0);
        store
            .fail_job(&job, "database is locked", dash_support::T0, None)
            .await
            .unwrap();
        let page = d.signed_in("admin").await.get("/audit").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"dead-jobs\""), "{}", page.body);
        assert!(page.body.contains("request:4242") && page.body.contains("database is locked"));
        let page = d.signed_in("ravi").await.get("/audit").await;
        assert_eq!(
            page.status,
            StatusCode::FORBIDDEN,
            "block officers do not read the audit page"
        );
    })
    .await;
}

/// A worker's profile shows their leads and how they answered, the jobs done with the citizen's rating, and a
/// link to each request the official may open; the number is a link to call for roles that may read it.
#[tokio::test]
async fn a_profile_shows_the_workers_leads_jobs_and_ratings() {
    use kaamgar_domain::ids::WorkerId;
    use kaamgar_domain::request::{Actor, Change, OfferStatus};
    each(async |d, store| {
        let w = d.worker_in("Marhaura", 0).await;
        let mut ids = Vec::new();
        for (i, block) in ["Marhaura", "Marhaura", "Sonepur"].into_iter().enumerate() {
            let mut tx = store.begin().await.unwrap();
            let id = tx
                .create_request(
                    &NewRequest {
                        citizen: format!("demo:{i}"),
                        citizen_phone: None,
                        channel: kaamgar_domain::channel::Channel::WhatsApp,
                        trade: "plumber".into(),
                        place_name: block.into(),
                        district: "Saran".into(),
                        block: Some(block.into()),
                        lat: 25.9,
                        lon: 84.9,
                        message: "plumber chahiye".into(),
                    },
                    dash_support::T0 + i as i64,
                )
                .await
                .unwrap();
            let offer = tx
                .create_offer(id, WorkerId(w), 1, dash_support::T0 + i as i64)
                .await
                .unwrap();
            let mut r = tx.request(id).await.unwrap().unwrap();
            r.apply(Actor::System, Change::Offer, dash_support::T0)
                .unwrap();
            if i == 1 {
                tx.set_offer(offer, OfferStatus::Accepted, dash_support::T0 + 5)
                    .await
                    .unwrap();
                r.apply(
                    Actor::Worker(WorkerId(w)),
                    Change::Accept {
                        worker: WorkerId(w),
                    },
                    dash_support::T0 + 5,
                )
                .unwrap();
                r.apply(Actor::Citizen("demo:1"), Change::Done, dash_support::T0 + 9)
                    .unwrap();
                r.apply(
                    Actor::Citizen("demo:1"),
                    Change::Rate { stars: 4 },
                    dash_support::T0 + 9,
                )
                .unwrap();
            } else {
                tx.set_offer(offer, OfferStatus::Declined, dash_support::T0 + 5)
                    .await
                    .unwrap();
            }
            tx.save_request(&r, dash_support::T0 + 9).await.unwrap();
            tx.commit().await.unwrap();
            ids.push(id.0);
        }
        let ravi = d.signed_in("ravi").await;
        let p = ravi.get(&format!("/workers/{w}")).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("id=\"leads\">3<"), "{}", p.body);
        assert!(p.body.contains("id=\"jobs-done\">1<"), "{}", p.body);
        assert!(p.body.contains("★★★★<"), "{}", p.body);
        // The requests in the officer's block are links; the one in another block is not.
        assert!(p.body.contains(&format!("href=\"/requests/{}\"", ids[1])));
        assert!(!p.body.contains(&format!("href=\"/requests/{}\"", ids[2])));
        assert!(
            !p.body.contains("Sonepur"),
            "the place of a request outside the block is not shown"
        );
        let admin = d.signed_in("admin").await;
        let p = admin.get(&format!("/workers/{w}")).await;
        assert!(p.body.contains("href=\"tel:+91"), "{}", p.body);
        let viewer = d.signed_in("vik").await;
        let p = viewer.get(&format!("/workers/{w}")).await;
        assert!(!p.body.contains("tel:"), "a viewer does not see the number");
        // A worker offered nothing says so.
        let other = d.worker_in("Marhaura", 1).await;
        assert!(
            ravi.get(&format!("/workers/{other}"))
                .await
                .body
                .contains("id=\"no-leads\"")
        );
    })
    .await;
}
