//! The officials' dashboard through its HTTP surface, on SQLite and (when configured) PostgreSQL: sign-in and its
//! limits, sessions, CSRF, roles and jurisdiction, correcting, verifying and erasing workers,
//! and the audit trail of refusals.

#[path = "dash_support/api_access.rs"]
mod api_access;
use crate::common;
use crate::dash_support;

use axum::http::StatusCode;
use dash_support::{Dash, PASSWORD, XSS, location, setup};
use kaamgar_store::Store;

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
        assert!(page.body.contains("<svg class=\"chart map only-wide-map\""));
        assert!(
            page.body
                .contains("<svg class=\"chart map only-narrow-map\"")
        );
        // The Hindi interface names places in Devanagari, the English one as lists spell them.
        assert!(
            page.body.contains("मढ़ौरा") && page.body.contains("सोनपुर"),
            "{}",
            page.body
        );
        assert!(page.body.contains("सारण"), "the area in the header");
        assert!(!page.body.contains(">Marhaura<"));
        assert!(d.audit().await.iter().any(|a| a == "admin signin ok "));
        b.get("/").await;
        b.post("/lang", &[("lang", "en"), ("next", "/")]).await;
        let page = b.get("/").await;
        assert!(page.body.contains("Marhaura") && page.body.contains("Sonepur"));
        let list = b.get("/workers").await;
        assert!(list.body.contains("Marhaura") && !list.body.contains("मढ़ौरा"));
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

/// Names stored in Devanagari are found by a Latin search (and the other way round) within the official's
/// jurisdiction, and a list's total is the true count, kept up to date as workers change.
#[tokio::test]
async fn a_name_is_found_across_scripts_and_the_total_is_exact() {
    each(async |d, store| {
        let admin = d.signed_in("admin").await;
        let p = admin.get("/workers?q=kamgar").await;
        assert!(p.body.contains("id=\"total\">4<"), "{}", p.body);
        assert!(p.body.contains("कामगार 3"), "{}", p.body);
        let p = admin
            .get(&format!(
                "/workers?q={}",
                "%E0%A4%95%E0%A4%BE%E0%A4%AE%E0%A4%97%E0%A4%BE%E0%A4%B0%204"
            ))
            .await;
        assert!(p.body.contains("id=\"total\">1<"), "{}", p.body);
        let ravi = d.signed_in("ravi").await;
        let p = ravi.get("/workers?q=KAMGAR").await;
        assert!(p.body.contains("id=\"total\">2<"), "{}", p.body);
        assert!(!p.body.contains("कामगार 3"), "{}", p.body);
        // A removal is counted at once on the next page.
        let gone = d.worker_in("Sonepur", 0).await;
        store.remove_worker(gone, 10).await.unwrap();
        let p = admin.get("/workers").await;
        assert!(p.body.contains("id=\"total\">4<"), "{}", p.body);
    })
    .await;
}

#[tokio::test]
async fn the_registry_downloads_inside_the_jurisdiction_and_imports_back_unchanged() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let admin = d.signed_in("admin").await;
        let list = admin.get("/workers").await;
        assert!(
            list.body.contains("href=\"/workers/export.csv\""),
            "{}",
            list.body
        );
        let p = admin.get("/workers/export.csv").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(
            p.headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        assert!(
            p.body.starts_with("\u{feff}क्रमांक,नाम,मोबाइल"),
            "Hindi headers: {}",
            &p.body[..80]
        );
        assert_eq!(p.body.lines().count(), 1 + 5, "{}", p.body);
        assert!(
            p.body.contains("+9198111000"),
            "full numbers for a role that may take them"
        );
        assert!(d.audited("admin worker.export ok").await);
        // The file goes back in as it came out: nothing new, nothing refused.
        let (out, _) =
            common::import_bytes(&t.app, "download.csv", p.body.clone().into_bytes()).await;
        let s = out.unwrap().summary;
        assert_eq!((s.inserted, s.rejected), (0, 0), "{s:?}");
        // A filtered list, and a block officer's own block only.
        let p = admin.get("/workers/export.csv?block=Sonepur").await;
        assert_eq!(p.body.lines().count(), 1 + 2);
        let ravi = d.signed_in("ravi").await;
        assert_eq!(
            ravi.get("/workers/export.csv").await.body.lines().count(),
            1 + 3
        );
        assert_eq!(
            ravi.get("/workers/export.csv?block=Sonepur")
                .await
                .body
                .lines()
                .count(),
            1,
            "another block's name gives the header only"
        );
        assert_eq!(
            admin
                .get("/workers/export.csv?trade=astronaut")
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        // A viewer may read the list but not take it away.
        let vik = d.signed_in("vik").await;
        assert!(!vik.get("/workers").await.body.contains("export.csv"));
        assert_eq!(
            vik.get("/workers/export.csv").await.status,
            StatusCode::FORBIDDEN
        );
        assert!(d.audited("vik worker.export denied").await);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_officer_adds_one_worker_at_the_block_office_with_consent_inside_their_block() {
    each(async |d, store| {
        let ravi = d.signed_in("ravi").await;
        let p = ravi.get("/workers/new").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("name=\"agreed\""), "{}", p.body);
        let good = [
            ("name", "सुनीता देवी"),
            ("phone", "98223 34455"),
            ("trade", "tailor"),
            ("block", "Marhaura"),
            ("village", "Gopalpur"),
            ("availability", "available"),
            ("consent", "survey_form"),
            ("agreed", "yes"),
        ];
        // Without the consent confirmation, outside the block, or a broken number: sent back, nothing stored.
        let without: Vec<(&str, &str)> = good
            .iter()
            .copied()
            .filter(|(k, _)| *k != "agreed")
            .collect();
        let p = ravi.post("/workers", &without).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("id=\"errors\""));
        let elsewhere: Vec<(&str, &str)> = good
            .iter()
            .map(|&(k, v)| if k == "block" { (k, "Sonepur") } else { (k, v) })
            .collect();
        assert_eq!(
            ravi.post("/workers", &elsewhere).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let broken: Vec<(&str, &str)> = good
            .iter()
            .map(|&(k, v)| if k == "phone" { (k, "12345") } else { (k, v) })
            .collect();
        assert_eq!(
            ravi.post("/workers", &broken).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let f = kaamgar_store::WorkerFilter::default();
        assert_eq!(store.count_workers(&f).await.unwrap(), 5);
        assert!(d.audited("ravi worker.add invalid").await);
        // Then as it should be.
        let p = ravi.post("/workers", &good).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let to = location(&p);
        assert!(to.ends_with("?done=added"), "{to}");
        let id: i64 = to["/workers/".len()..to.find('?').unwrap()]
            .parse()
            .unwrap();
        let w = store.get_worker(id).await.unwrap();
        assert_eq!(w.data.place.block.as_deref(), Some("Marhaura"));
        assert_eq!(w.data.consent.method.as_str(), "survey_form");
        assert!(d.audited(&format!("ravi worker.add ok worker:{id}")).await);
        // The same number twice is refused.
        ravi.get("/workers/new").await;
        let p = ravi.post("/workers", &good).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        // A viewer has no form.
        let vik = d.signed_in("vik").await;
        assert_eq!(vik.get("/workers/new").await.status, StatusCode::FORBIDDEN);
    })
    .await;
}
