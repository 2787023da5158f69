//! The officials' dashboard through its HTTP surface, on SQLite and (when configured) PostgreSQL: sign-in and its
//! limits, sessions, CSRF, roles and jurisdiction, correcting and verifying workers, uploads with their report,
//! requests, language, and the security headers.

mod common;
mod dash_support;

use axum::http::StatusCode;
use dash_support::{Dash, PASSWORD, XSS, location, setup};
use kaamgar_store::{NewRequest, Store};

async fn each(f: impl AsyncFn(&Dash, &dyn Store)) {
    for t in common::apps().await {
        let d = setup(&t).await;
        f(&d, t.app.store.as_ref()).await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_district_admin_signs_in_and_sees_the_overview_of_their_district() {
    each(async |d, _| {
        let b = d.browser();
        let first = b.get("/").await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(first.body.contains("action=\"/signin\""));
        let (status, to, _) = b.sign_in("admin", PASSWORD).await;
        assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/"));
        let cookie = b.cookie("kg_session").unwrap();
        assert!(cookie.starts_with("kgs") && cookie.len() > 60);
        let page = b.get("/").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"kpi-workers\">5<"), "{}", page.body);
        assert!(page.body.contains("<svg class=\"chart map\""));
        assert!(page.body.contains("Marhaura") && page.body.contains("Sonepur"));
        assert!(d.audit().await.iter().any(|a| a == "admin signin ok "));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_audited_and_repeated_failures_lock_the_name() {
    each(async |d, _| {
        let b = d.browser();
        let (status, _, body) = b.sign_in("admin", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body.contains("id=\"notice\""));
        assert!(b.cookie("kg_session").is_none());
        let (status, _, _) = b.sign_in("nobody", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(d.audit().await.iter().any(|a| a == "nobody signin denied "));
        for _ in 0..4 {
            b.sign_in("admin", "wrong-password").await;
        }
        let (status, _, _) = b.sign_in("admin", PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "locked even with the right password"
        );
        assert!(b.cookie("kg_session").is_none());
    })
    .await;
}

#[tokio::test]
async fn a_forged_csrf_token_changes_nothing_and_is_audited() {
    each(async |d, store| {
        let b = d.signed_in("admin").await;
        let id = d.worker_in("Marhaura", 1).await;
        let before = store.get_worker(id).await.unwrap();
        let p = b
            .post(&format!("/workers/{id}/verify"), &[("csrf", "csr-forged")])
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(store.get_worker(id).await.unwrap(), before);
        assert!(
            d.audit()
                .await
                .iter()
                .any(|a| a == &format!("admin worker.verify denied worker:{id}"))
        );
        // A sign-in form posted without the visitor's own token is refused too.
        let other = d.browser();
        let p = other
            .post(
                "/signin",
                &[
                    ("name", "admin"),
                    ("password", PASSWORD),
                    ("csrf", "pre-forged"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(other.cookie("kg_session").is_none());
    })
    .await;
}

#[tokio::test]
async fn a_block_officer_sees_and_edits_only_their_block_even_by_editing_the_url() {
    each(async |d, store| {
        let b = d.signed_in("ravi").await;
        let list = b.get("/workers").await;
        assert!(list.body.contains("id=\"total\">3<"), "{}", list.body);
        let other = d.worker_in("Sonepur", 0).await;
        let p = b.get(&format!("/workers/{other}")).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        let p = b.get(&format!("/workers/{other}/edit")).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        let own = d.worker_in("Marhaura", 1).await;
        b.get(&format!("/workers/{own}")).await;
        let before = store.get_worker(other).await.unwrap();
        let p = b
            .post(
                &format!("/workers/{other}"),
                &[("name", "Changed"), ("phone", "9811100004")],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(store.get_worker(other).await.unwrap(), before);
        let p = b.get("/workers?block=Sonepur").await;
        assert!(p.body.contains("id=\"empty\""));
        let audit = d.audit().await;
        assert!(
            audit
                .iter()
                .any(|a| a == &format!("ravi worker.view denied worker:{other}"))
        );
        assert!(
            audit
                .iter()
                .any(|a| a == &format!("ravi worker.edit denied worker:{other}"))
        );
        // Moving one of their workers into another block is refused as well.
        let p = b.get(&format!("/workers/{own}/edit")).await;
        assert_eq!(p.status, StatusCode::OK);
        let p = b
            .post(
                &format!("/workers/{own}"),
                &[
                    ("name", "कामगार 1"),
                    ("phone", "9811100001"),
                    ("trade", "plumber"),
                    ("block", "Sonepur"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            store
                .get_worker(own)
                .await
                .unwrap()
                .data
                .place
                .block
                .as_deref(),
            Some("Marhaura")
        );
    })
    .await;
}

#[tokio::test]
async fn a_viewer_reads_masked_numbers_and_cannot_change_anything() {
    each(async |d, store| {
        let b = d.signed_in("vik").await;
        let id = d.worker_in("Sonepur", 0).await;
        let p = b.get(&format!("/workers/{id}")).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            !p.body.contains("9811100003"),
            "the full number is hidden from viewers"
        );
        assert!(!p.body.contains("id=\"verify\"") && !p.body.contains("id=\"edit\""));
        let p = b.post(&format!("/workers/{id}/verify"), &[]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(!store.get_worker(id).await.unwrap().verified);
        assert_eq!(b.get("/uploads").await.status, StatusCode::FORBIDDEN);
        assert_eq!(b.get("/audit").await.status, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn a_script_in_a_workers_name_is_shown_as_text() {
    each(async |d, _| {
        let b = d.signed_in("admin").await;
        let id = d.worker_in("Marhaura", 0).await;
        for page in [
            b.get("/workers").await,
            b.get(&format!("/workers/{id}")).await,
        ] {
            assert!(!page.body.contains("<script>alert(1)</script>"));
            assert!(
                page.body
                    .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                    || page.body.contains("&lt;script&gt;")
            );
        }
        let _ = XSS;
    })
    .await;
}

#[tokio::test]
async fn an_idle_session_ends_and_sign_out_ends_it_at_once() {
    each(async |d, _| {
        let b = d.signed_in("admin").await;
        assert_eq!(b.get("/workers").await.status, StatusCode::OK);
        d.clock
            .advance(kaamgar_web::dashboard::session::IDLE_SECS + 1);
        let p = b.get("/workers?trade=plumber").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert_eq!(location(&p), "/?next=/workers%3Ftrade%3Dplumber&expired=1");
        let again = b.get(&location(&p)).await;
        assert!(again.body.contains("id=\"notice\""));

        let b = d.signed_in("admin").await;
        let token = b.cookie("kg_session").unwrap();
        b.get("/").await;
        let p = b.post("/signout", &[]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let old = d.browser();
        old.set_cookie("kg_session", &token);
        assert_eq!(old.get("/workers").await.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn an_admin_corrects_verifies_and_erases_a_worker() {
    each(async |d, store| {
        let b = d.signed_in("admin").await;
        let id = d.worker_in("Marhaura", 1).await;
        let p = b.get(&format!("/workers/{id}")).await;
        assert!(
            p.body.contains("+91 98111 00001") || p.body.contains("9811100001"),
            "admins see the number"
        );
        b.get(&format!("/workers/{id}/edit")).await;
        let p = b
            .post(
                &format!("/workers/{id}"),
                &[
                    ("name", "सुनील कुमार"),
                    ("phone", "98111 00001"),
                    ("trade", "electrician"),
                    ("experience", "7"),
                    ("block", "Marhaura"),
                    ("availability", "busy"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let w = store.get_worker(id).await.unwrap();
        assert_eq!(
            (
                w.data.name.as_str(),
                w.data.trade.as_str(),
                w.data.experience_years
            ),
            ("सुनील कुमार", "electrician", Some(7))
        );
        let p = b.get(&format!("/workers/{id}/edit")).await;
        assert_eq!(p.status, StatusCode::OK);
        let bad = b
            .post(
                &format!("/workers/{id}"),
                &[
                    ("name", "x"),
                    ("phone", "12345"),
                    ("trade", "plumber"),
                    ("block", "Marhaura"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"errors\""));
        assert_eq!(store.get_worker(id).await.unwrap().data.name, "सुनील कुमार");

        b.get(&format!("/workers/{id}")).await;
        let p = b.post(&format!("/workers/{id}/verify"), &[]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert!(store.get_worker(id).await.unwrap().verified);

        b.get(&format!("/workers/{id}")).await;
        let p = b
            .post(
                &format!("/workers/{id}/erasure"),
                &[("reason", "asked on the phone")],
            )
            .await;
        assert_eq!(
            p.status,
            StatusCode::BAD_REQUEST,
            "the confirmation box is required"
        );
        let p = b
            .post(
                &format!("/workers/{id}/erasure"),
                &[("reason", "asked on the phone"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert!(store.get_worker(id).await.is_err());
        let audit = d.audit().await;
        for action in [
            "worker.edit ok",
            "worker.verify ok",
            "worker.erase ok",
            "worker.erase invalid",
            "worker.edit invalid",
        ] {
            assert!(
                audit.iter().any(|a| a.contains(action)),
                "{action} in {audit:?}"
            );
        }
    })
    .await;
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
        assert!(
            d.audit()
                .await
                .iter()
                .any(|a| a.starts_with("ravi upload.report ok"))
        );
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
        assert!(
            d.audit()
                .await
                .iter()
                .any(|a| a.starts_with("admin upload invalid"))
        );
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
            let mut tx = store.begin_bot().await.unwrap();
            let id = tx
                .create_request(
                    &NewRequest {
                        citizen: format!("demo:{block}"),
                        citizen_phone: Some("+919876543210".into()),
                        channel: "whatsapp".into(),
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
            tx.create_offer(id, w, 1, dash_support::T0).await.unwrap();
            tx.commit().await.unwrap();
            ids.push(id);
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
        assert_eq!(
            b.get("/requests?status=nonsense").await.status,
            StatusCode::BAD_REQUEST
        );
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
