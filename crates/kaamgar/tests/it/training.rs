//! Training through the API as a partner runs it: a centre, a programme, a batch; enrolment with the window,
//! capacity, waiting list and duplicates; attendance on the day, corrections with a reason; an assessment; the
//! certificate issued by itself at the end, checked offline as a third party would, shown on `/verify`, re-issued
//! after a correction and revoked. Another partner sees none of it. On SQLite and PostgreSQL. The shared harness
//! (accounts, a partner's batch, API and page calls) is here; `training_office` holds the pages, the role ×
//! jurisdiction matrix and list enrolment.

use crate::common;
use crate::dash_support::{Dash, T0, setup};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kaamgar_domain::training::check::{Verdict, check};
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_store::{NewUser, Store};
use serde_json::{Value, json};

pub(crate) const DAY: i64 = 86_400;

pub(crate) async fn partner(store: &dyn Store, name: &str) -> String {
    account(store, name, "training_partner", "Saran", None).await
}

pub(crate) async fn api(
    d: &Dash,
    auth: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, auth);
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    common::call(&d.router, b.body(body).unwrap()).await
}

pub(crate) async fn page(d: &Dash, uri: &str) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = d
        .router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) fn session(day: i64) -> Value {
    at(T0, day)
}

pub(crate) fn at(base: i64, day: i64) -> Value {
    let start = base + day * DAY;
    json!({"starts_at": utc_datetime(start), "ends_at": utc_datetime(start + 7_200), "topic": format!("day {day}")})
}

/// The partner's centre, programme and a batch of two seats with three sessions (days 2, 3 and 4).
pub(crate) async fn batch_of(d: &Dash, tp: &str) -> i64 {
    let (s, c) = api(
        d,
        tp,
        "POST",
        "/api/v1/centres",
        Some(json!({
        "name": "Marhaura ITI", "district": "saran", "block": "marhaura", "address": "Station Road",
        "capacity": 40, "contact_name": "Asha", "contact_phone": "9811100099"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["district"], "Saran");
    let (s, p) = api(d, tp, "POST", "/api/v1/programmes", Some(json!({
        "title_en": "Plumbing for factories", "title_hi": "कारखानों के लिए प्लंबिंग", "district": "Saran",
        "modules": [{"title": "Pipes", "hours": 20}, {"title": "Safety", "hours": 10}],
        "completion": {"min_attendance_pct": 60, "min_score_pct": 40},
        "certificate_en": "Plumbing assistant", "certificate_hi": "प्लंबिंग सहायक", "trade": "plumber"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let form = json!({"programme_id": p["id"], "centre_id": c["id"], "phase": 1, "name": "Batch A",
        "enrol_from": utc_datetime(T0 - 3_600), "enrol_until": utc_datetime(T0 + DAY),
        "capacity": 2, "trainers": ["R. Singh"], "sessions": [session(2), session(3), session(4)]});
    let mut overlapping = form.clone();
    overlapping["sessions"] = json!([session(2), session(2)]);
    let (s, e) = api(d, tp, "POST", "/api/v1/batches", Some(overlapping)).await;
    assert_eq!(
        (s, e["error"]["fields"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("sessions_overlap"))
    );
    let (s, b) = api(d, tp, "POST", "/api/v1/batches", Some(form)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, all) = api(d, tp, "GET", "/api/v1/batches", None).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        1,
        "the refused batch left nothing"
    );
    b["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_partner_runs_a_batch_to_verifiable_certificates() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let store = t.app.store.as_ref();
        let tp = partner(store, "tp").await;
        let other = partner(store, "tp2").await;
        let batch = batch_of(&d, &tp).await;
        let enrol_uri = format!("/api/v1/batches/{batch}/enrolments");
        let enrol = |body: Value| api(&d, &tp, "POST", &enrol_uri, Some(body));
        let worker = d.worker_in("Marhaura", 1).await;
        let (s, r) = enrol(json!({"trainee": {"worker_id": worker}})).await;
        assert_eq!(
            (s, r["enrolled"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{r}"
        );
        let pri = json!({"name": "Sunita Devi", "phone": "9811199901", "office": "ग्राम प्रधान",
            "panchayat": "Jalalpur", "block": "Marhaura", "district": "Saran"});
        let (_, r) = enrol(json!({"trainees": [pri.clone(), pri.clone(), {"worker_id": d.worker_in("Marhaura", 2).await}]})).await;
        let codes: Vec<Value> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["error"]["code"].clone())
            .collect();
        assert_eq!(
            codes,
            [Value::Null, json!("already_enrolled"), json!("batch_full")],
            "{r}"
        );
        let (_, r) = enrol(json!({"trainee": {"worker_id": d.worker_in("Marhaura", 2).await}, "wait_if_full": true})).await;
        assert_eq!(r["results"][0]["status"], "waiting", "{r}");
        let waiting = r["results"][0]["enrolment_id"].as_i64().unwrap();
        // Another partner's token finds no such batch.
        let (s, _) = api(&d, &other, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = api(
            &d,
            &other,
            "POST",
            &format!("/api/v1/batches/{batch}/enrolments"),
            Some(json!({"trainee": pri.clone()})),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The PRI member leaves; the waiting worker takes the seat.
        let (_, detail) = api(&d, &tp, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        let sunita = detail["trainees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "Sunita Devi")
            .unwrap()["enrolment_id"]
            .as_i64()
            .unwrap();
        assert!(
            !detail.to_string().contains("9811199901"),
            "a number in {detail}"
        );
        let (s, w) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/batches/{batch}/enrolments/{sunita}/withdrawal"),
            None,
        )
        .await;
        assert_eq!(
            (s, w["promoted_enrolment_id"].as_i64()),
            (StatusCode::OK, Some(waiting)),
            "{w}"
        );
        // After the window nobody enrols.
        d.clock.advance(2 * DAY + 60);
        let (s, r) = enrol(json!({"trainee": {"name": "Late Comer", "phone": "9811199902"}})).await;
        assert_eq!(
            (s, r["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("enrolment_closed")),
            "{r}"
        );
        // Attendance on the session's day; another day needs a reason.
        let (_, detail) = api(&d, &tp, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        let sessions: Vec<i64> = detail["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        let seated: Vec<i64> = detail["trainees"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["status"] == "enrolled")
            .map(|x| x["enrolment_id"].as_i64().unwrap())
            .collect();
        assert_eq!(seated.len(), 2);
        let mark_uri = format!("/api/v1/batches/{batch}/attendance");
        let mark = |session: i64, present: bool, reason: Option<&str>| {
            let marks: Vec<Value> = seated
                .iter()
                .map(|e| json!({"enrolment_id": e, "present": present}))
                .collect();
            api(
                &d,
                &tp,
                "POST",
                &mark_uri,
                Some(json!({"session_id": session, "marks": marks, "correction_reason": reason})),
            )
        };
        let (s, r) = mark(sessions[1], true, None).await;
        assert_eq!(
            (s, r["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("session_not_today")),
            "{r}"
        );
        assert_eq!(mark(sessions[0], true, None).await.0, StatusCode::OK);
        d.clock.advance(3 * DAY - 60);
        let (s, r) = mark(sessions[1], true, Some("  ")).await;
        assert_eq!(
            (s, r["error"]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("correction_needs_reason")
            )
        );
        assert_eq!(
            mark(sessions[1], true, Some("register was late")).await.0,
            StatusCode::OK
        );
        assert!(d.audited("tp training.correction ok").await);
        // The worker passes; the other trainee's score is too low. Each score decides completion again.
        let assess_uri = format!("/api/v1/batches/{batch}/assessments");
        let assess = |e: i64, score: f64| {
            api(
                &d,
                &tp,
                "POST",
                &assess_uri,
                Some(
                    json!({"enrolment_id": e, "score": score, "max_score": 100.0, "pass_mark": 40.0}),
                ),
            )
        };
        assert_eq!(assess(seated[0], 72.0).await.0, StatusCode::NO_CONTENT);
        assert_eq!(assess(seated[1], 20.0).await.0, StatusCode::NO_CONTENT);
        let (s, r) = assess(seated[0], 120.0).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        let (_, detail) = api(&d, &tp, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        let line = |e: i64| {
            detail["trainees"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["enrolment_id"] == e)
                .unwrap()
                .clone()
        };
        assert_eq!(
            (
                line(seated[0])["status"].as_str(),
                line(seated[1])["status"].as_str()
            ),
            (Some("completed"), Some("not_completed"))
        );
        assert_eq!(line(seated[0])["attendance_pct"], 66.7);
        let cert = line(seated[0])["certificate_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(line(seated[1])["certificate_id"].is_null());
        // Matching now knows the worker is certified in their trade (plumbing) and says so.
        let (s, m) = api(
            &d,
            common::BEARER,
            "GET",
            "/api/v1/match?trade=plumber&near=Marhaura&limit=10",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{m}");
        let me = m["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["worker_id"] == worker)
            .unwrap_or_else(|| panic!("{m}"));
        assert_eq!(me["certified"], true, "{m}");
        assert!(me["reason"].as_str().unwrap().contains("certified"));
        // The credential as a third party checks it, with the district's signed list.
        let (s, vc) = api(
            &d,
            &tp,
            "GET",
            &format!("/api/v1/certificates/{cert}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let list_url = vc["credentialStatus"]["statusListCredential"]
            .as_str()
            .unwrap()
            .to_string();
        let list_path = list_url
            .split_once("/status-lists/")
            .map(|(_, n)| format!("/status-lists/{n}"))
            .unwrap();
        let (s, list) = page(&d, &list_path).await;
        assert_eq!(s, StatusCode::OK);
        let list: Value = serde_json::from_str(&list).unwrap();
        let now = T0 + 5 * DAY;
        assert_eq!(check(&vc, None, Some(&list), now).verdict, Verdict::Valid);
        let mut forged = vc.clone();
        forged["credentialSubject"]["name"] = json!("Somebody Else");
        assert!(matches!(
            check(&forged, None, None, now).verdict,
            Verdict::Invalid(_)
        ));
        assert!(
            !vc.to_string().contains("98111"),
            "no phone in a certificate"
        );
        // The PDF to print, and its QR code's text checked offline by the command line.
        let pdf = d.router.clone();
        let res = tower::ServiceExt::oneshot(
            pdf,
            Request::get(format!("/verify/{cert}/certificate.pdf"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
        let bytes = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert!(
            bytes.starts_with(b"%PDF-") && bytes.len() > 5_000,
            "{} bytes",
            bytes.len()
        );
        let qr = kaamgar_domain::training::compact::qr_text(
            &format!("http://127.0.0.1:8080/verify/{cert}"),
            &vc,
        );
        let file = t.dir.path().join("qr.txt");
        std::fs::write(&file, &qr).unwrap();
        assert!(kaamgar::certificate::verify(&file, None, None, now).is_ok());
        let mut tampered = vc.clone();
        tampered["validUntil"] = json!("2099-01-01T00:00:00Z");
        std::fs::write(
            &file,
            kaamgar_domain::training::compact::qr_text("http://x/verify/1", &tampered),
        )
        .unwrap();
        assert!(kaamgar::certificate::verify(&file, None, None, now).is_err());
        let (s, html) = page(&d, &format!("/verify/{cert}?lang=en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("VALID") && html.contains("Plumbing assistant"),
            "{html}"
        );
        // A worker's name is corrected in the registry, not on the certificate; the re-issue takes it from there.
        let (s, r) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/certificates/{cert}/reissue"),
            Some(json!({"name": "Somebody Else", "reason": "name misspelt"})),
        )
        .await;
        assert_eq!(
            (s, r["error"]["fields"][0]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("correct_in_registry")
            ),
            "{r}"
        );
        let (s, r) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/certificates/{cert}/reissue"),
            Some(json!({"reason": "name corrected in the registry"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let new = r["id"].as_str().unwrap().to_string();
        let (_, html) = page(&d, &format!("/verify/{cert}?lang=en")).await;
        assert!(html.contains("REVOKED"), "{html}");
        let (_, vc2) = api(&d, &tp, "GET", &format!("/api/v1/certificates/{new}"), None).await;
        assert_eq!(vc2["credentialSubject"]["name"], "कामगार 1");
        let (s, r) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/certificates/{new}/revocation"),
            Some(json!({"reason": "obtained by impersonation"})),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{r}");
        let (_, list) = page(&d, &list_path).await;
        let list: Value = serde_json::from_str(&list).unwrap();
        assert_eq!(
            check(&vc2, None, Some(&list), now).verdict,
            Verdict::Revoked
        );
        let (s, j) = page(&d, &format!("/verify/{new}?format=json")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(j.contains("\"status\":\"revoked\""), "{j}");
        // Deciding completion again does not undo an official's revocation.
        let (s, r) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/batches/{batch}/completion"),
            None,
        )
        .await;
        assert_eq!(
            (s, r["issued"].as_array().map(Vec::len)),
            (StatusCode::OK, Some(0)),
            "{r}"
        );
        // Erasing the worker withdraws what their records say about them.
        let (s, _) = common::call(
            &d.router,
            common::send(
                "POST",
                &format!("/api/v1/workers/{worker}/erasure"),
                &json!({"reason": "asked"}),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, html) = page(&d, &format!("/verify/{new}?lang=en")).await;
        assert!(
            html.contains("REVOKED") && !html.contains("कामगार 1"),
            "{html}"
        );
        let (_, detail) = api(&d, &tp, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        assert!(!detail.to_string().contains("कामगार 1"), "{detail}");
        assert_eq!(
            page(&d, "/verify/00000000-0000-4000-8000-000000000000")
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            page(&d, "/verify/..%2F..%2Fetc").await.0,
            StatusCode::NOT_FOUND
        );
        for a in [
            "certificate.issue",
            "certificate.reissue",
            "certificate.revoke",
            "training.enrol",
            "training.withdraw",
        ] {
            assert!(d.audited(&format!("tp {a} ok")).await, "{a} audited");
        }
        t.cleanup().await;
    }
}

/// The harness's password, hashed once.
pub(crate) fn hashed() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| kaamgar_app::accounts::hash_password(crate::dash_support::PASSWORD).unwrap())
        .clone()
}

/// An account of `role` in `district` (and `block`) with an API token.
pub(crate) async fn account(
    store: &dyn Store,
    name: &str,
    role: &str,
    district: &str,
    block: Option<&str>,
) -> String {
    store
        .create_user(
            &NewUser {
                name: name.into(),
                password_hash: hashed(),
                role: role.into(),
                district: Some(district.into()),
                block: block.map(str::to_string),
                lang: "en".into(),
            },
            T0,
        )
        .await
        .unwrap();
    let user = store.user_by_name(name).await.unwrap();
    let token = kaamgar_app::accounts::new_token("kg_").unwrap();
    store
        .create_api_token(
            &kaamgar_app::accounts::token_digest(&token),
            user.id,
            "t",
            T0,
        )
        .await
        .unwrap();
    format!("Bearer {token}")
}
