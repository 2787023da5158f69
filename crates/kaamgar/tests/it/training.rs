//! Training through the API as a partner runs it: a centre, a programme, a batch; enrolment with the window,
//! capacity, waiting list and duplicates; attendance on the day, corrections with a reason; an assessment; the
//! certificate issued by itself at the end, checked offline as a third party would, shown on `/verify`, re-issued
//! after a correction and revoked. Another partner sees none of it. On SQLite and PostgreSQL.

use crate::common;
use crate::dash_support::{Dash, T0, setup};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kaamgar_domain::training::check::{Verdict, check};
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_store::{AccountStore, NewUser, Store};
use serde_json::{Value, json};

const DAY: i64 = 86_400;

async fn partner(store: &dyn Store, name: &str) -> String {
    account(store, name, "training_partner", "Saran", None).await
}

async fn api(
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

async fn page(d: &Dash, uri: &str) -> (StatusCode, String) {
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

fn session(day: i64) -> Value {
    at(T0, day)
}

fn at(base: i64, day: i64) -> Value {
    let start = base + day * DAY;
    json!({"starts_at": utc_datetime(start), "ends_at": utc_datetime(start + 7_200), "topic": format!("day {day}")})
}

/// The partner's centre, programme and a batch of two seats with three sessions (days 2, 3 and 4).
async fn batch_of(d: &Dash, tp: &str) -> i64 {
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

#[tokio::test]
async fn trainees_mark_themselves_only_in_their_session_window() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let tp = partner(t.app.store.as_ref(), "tp").await;
        let batch = batch_of(&d, &tp).await;
        let (_, r) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/batches/{batch}/enrolments"),
            Some(json!({
            "trainee": {"name": "Sunita Devi", "phone": "9811199901"}})),
        )
        .await;
        assert_eq!(r["enrolled"], 1, "{r}");
        let (_, detail) = api(&d, &tp, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        let code = |i: usize| {
            detail["sessions"][i]["qr_code"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let training = kaamgar_app::training::Training::new(
            t.app.store.clone(),
            t.app.places.clone(),
            kaamgar_app::training::Issuer::new(
                b"0123456789abcdef0123456789abcdef",
                "http://127.0.0.1:8080",
            ),
        );
        use kaamgar_domain::training::rules::Method;
        let start = T0 + 2 * DAY;
        // Too early, another session's code, a stranger's number: refused.
        assert!(
            training
                .mark_self("+919811199901", None, Method::Whatsapp, start - 7_200)
                .await
                .is_err()
        );
        let other = training
            .mark_self("+919811199901", Some(&code(1)), Method::Qr, start)
            .await;
        assert!(matches!(
            other,
            Err(kaamgar_app::training::TrainingError::Refused {
                code: "qr_other_session",
                ..
            })
        ));
        assert!(
            training
                .mark_self("+919811100001", None, Method::Whatsapp, start)
                .await
                .is_err()
        );
        let ok = training
            .mark_self("+919811199901", Some(&code(0)), Method::Qr, start + 600)
            .await
            .unwrap();
        assert_eq!(ok.enrolment.trainee.name, "Sunita Devi");
        d.clock.advance(2 * DAY + 3_600);
        let (_, sheet) = api(
            &d,
            &tp,
            "GET",
            &format!("/api/v1/batches/{batch}/attendance"),
            None,
        )
        .await;
        assert_eq!(
            sheet["trainees"][0]["marks"],
            json!([true, null, null]),
            "{sheet}"
        );
        assert_eq!(sheet["trainees"][0]["attendance_pct"], 100.0);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_trainee_says_hazir_on_whatsapp_and_the_batch_ends_by_itself() {
    for mut t in common::apps().await {
        // Published at an HTTPS address with a WhatsApp number: certificates go out on WhatsApp.
        t.app.config.public_url = Some("https://kaamgar.test".into());
        t.app.config.whatsapp_phone_number_id = Some(crate::bot_support::PNID.into());
        let b = crate::bot_support::setup(&t).await;
        // The bot's router keeps the real clock; the bot itself is run at the times given.
        let base = kaamgar::app::now();
        let op = common::BEARER;
        let d = Dash {
            router: b.router.clone(),
            store: b.store.clone(),
            clock: std::sync::Arc::new(kaamgar_app::ManualClock::new(base)),
        };
        let (_, c) = api(
            &d,
            op,
            "POST",
            "/api/v1/centres",
            Some(json!({
            "name": "Bithoor Centre", "district": "Saran", "address": "Main road", "capacity": 30,
            "contact_name": "Asha", "contact_phone": "9811100099"})),
        )
        .await;
        let (_, p) = api(
            &d,
            op,
            "POST",
            "/api/v1/programmes",
            Some(json!({
            "title_en": "Panchayat leadership", "title_hi": "पंचायत नेतृत्व", "district": "Saran",
            "modules": [{"title": "Leadership", "hours": 6}],
            "completion": {"min_attendance_pct": 30, "min_score_pct": 0},
            "certificate_en": "Leadership course", "certificate_hi": "नेतृत्व पाठ्यक्रम"})),
        )
        .await;
        let (s, batch) = api(&d, op, "POST", "/api/v1/batches", Some(json!({"programme_id": p["id"],
            "centre_id": c["id"], "phase": 2, "name": "PRI phase 2", "enrol_from": utc_datetime(base - 60),
            "enrol_until": utc_datetime(base + DAY), "capacity": 30, "trainers": [],
            "sessions": [at(base, 2), at(base, 3), at(base, 4)]}))).await;
        assert_eq!(s, StatusCode::CREATED, "{batch}");
        let batch = batch["id"].as_i64().unwrap();
        let (_, r) = api(
            &d,
            op,
            "POST",
            &format!("/api/v1/batches/{batch}/enrolments"),
            Some(json!({
            "trainee": {"name": "Sunita Devi", "phone": "9811199901", "office": "ग्राम प्रधान"}})),
        )
        .await;
        assert_eq!(r["enrolled"], 1, "{r}");
        let me = "919811199901";
        let out = b.text(me, base, "hazir").await;
        assert!(
            crate::bot_support::only(&out, me)
                .text
                .contains("कोई प्रशिक्षण सत्र नहीं"),
            "{out:?}"
        );
        let start = base + 2 * DAY;
        let out = b.text(me, start + 300, "हाज़िर").await;
        let said = &crate::bot_support::only(&out, me).text;
        assert!(
            said.contains("Sunita Devi") && said.contains("हाज़िरी लग गई"),
            "{said}"
        );
        // A worker's ordinary message is not taken for attendance.
        let out = b
            .text(
                crate::bot_support::CITIZEN,
                start + 400,
                "plumber chahiye marhaura me",
            )
            .await;
        assert!(
            !crate::bot_support::only(&out, crate::bot_support::CITIZEN)
                .text
                .contains("हाज़िरी")
        );
        // After the last session the batch ends by itself: one of three sessions is 33 %, enough here.
        b.run(base + 4 * DAY + 7_200 + 120).await;
        let (_, detail) = api(&d, op, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        let line = &detail["trainees"][0];
        assert_eq!(line["status"], "completed", "{detail}");
        assert!(line["certificate_id"].is_string(), "{detail}");
        assert_eq!(line["marks"], json!([true, null, null]));
        // The certificate went out on WhatsApp with the issuing: its PDF from the public address, and a caption.
        let sent = b
            .store
            .claim_outbound(
                kaamgar_domain::channel::Channel::WhatsApp,
                500,
                kaamgar::app::now() + 10 * DAY,
            )
            .await
            .unwrap();
        let doc = sent
            .iter()
            .find(|m| {
                m.recipient.as_deref() == Some(me)
                    && matches!(
                        &m.message,
                        kaamgar_store::OutMessage::Reply(
                            kaamgar_domain::conversation::Reply::Document { .. }
                        )
                    )
            })
            .expect("a certificate document to the trainee");
        let kaamgar_store::OutMessage::Reply(reply) = &doc.message else {
            unreachable!()
        };
        let to = kaamgar_domain::whatsapp::ContactRef::addressed(me);
        let body = kaamgar_domain::whatsapp::outbound::graph_request(&to, reply).unwrap();
        assert_eq!(body["type"], "document", "{body}");
        assert!(
            body["document"]["link"]
                .as_str()
                .unwrap()
                .ends_with("/certificate.pdf"),
            "{body}"
        );
        assert!(
            body["document"]["link"]
                .as_str()
                .unwrap()
                .starts_with("https://kaamgar.test/verify/")
        );
        assert!(
            body["document"]["caption"]
                .as_str()
                .unwrap()
                .contains("Sunita Devi"),
            "{body}"
        );
        t.cleanup().await;
    }
}

/// The harness's password, hashed once.
fn hashed() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| kaamgar_app::accounts::hash_password(crate::dash_support::PASSWORD).unwrap())
        .clone()
}

/// An account of `role` in `district` (and `block`) with an API token.
async fn account(
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

#[tokio::test]
async fn every_role_sees_and_runs_training_only_where_it_may() {
    use kaamgar_domain::access::{Permission as P, Role, Scope};
    for t in common::apps().await {
        let d = setup(&t).await;
        let store = t.app.store.as_ref();
        let owner = partner(store, "tp").await;
        let batch = batch_of(&d, &owner).await;
        let mut callers = vec![(
            "tp",
            Role::TrainingPartner,
            Scope::District("Saran".into()),
            owner.clone(),
            true,
        )];
        for (name, role, district, block) in [
            ("st", "state_admin", "Saran", None),
            ("da", "district_admin", "Saran", None),
            ("bo", "block_officer", "Saran", Some("Marhaura")),
            ("bo2", "block_officer", "Saran", Some("Sonepur")),
            ("vw", "viewer", "Saran", None),
            ("tp2", "training_partner", "Saran", None),
            ("em", "employer", "Saran", None),
            ("cp", "child_protection", "Saran", None),
            ("kn", "district_admin", "Kanpur Nagar", None),
        ] {
            let auth = account(store, name, role, district, block).await;
            let user = store.user_by_name(name).await.unwrap();
            let (role, scope) = kaamgar_app::accounts::access_of(&user).unwrap();
            callers.push((name, role, scope, auth, false));
        }
        callers.push((
            "service",
            Role::StateAdmin,
            Scope::All,
            common::BEARER.to_string(),
            false,
        ));
        for (i, (name, role, scope, auth, owns)) in callers.iter().enumerate() {
            let reach = scope.covers("Saran", Some("Marhaura"))
                && (*role != Role::TrainingPartner || *owns);
            let (s, _) = api(&d, auth, "GET", &format!("/api/v1/batches/{batch}"), None).await;
            let want = if !role.can(P::ViewTraining) {
                StatusCode::FORBIDDEN
            } else if reach {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(s, want, "{name} reads the batch");
            let (s, list) = api(&d, auth, "GET", "/api/v1/batches", None).await;
            if role.can(P::ViewTraining) {
                assert_eq!(
                    (s, list.as_array().map(Vec::len)),
                    (StatusCode::OK, Some(usize::from(reach))),
                    "{name} lists batches"
                );
            }
            let (s, r) = api(&d, auth, "POST", &format!("/api/v1/batches/{batch}/enrolments"), Some(json!({
                "trainee": {"name": format!("Trainee {i}"), "phone": format!("98222000{i:02}")}, "wait_if_full": true}))).await;
            let want = if !role.can(P::ManageTraining) {
                StatusCode::FORBIDDEN
            } else if reach {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(s, want, "{name} enrols: {r}");
            let (s, _) = api(
                &d,
                auth,
                "POST",
                "/api/v1/centres",
                Some(json!({
                "name": format!("Centre {i}"), "district": "Saran", "address": "x", "capacity": 10,
                "contact_name": "A", "contact_phone": "9811100099"})),
            )
            .await;
            let may_create = role.can(P::ManageTraining) && scope.covers("Saran", None);
            let want = if !role.can(P::ManageTraining) {
                StatusCode::FORBIDDEN
            } else if may_create {
                StatusCode::CREATED
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            assert_eq!(s, want, "{name} registers a centre");
            if *name == "service" {
                continue;
            }
            // The same cells on the dashboard's pages.
            let b = d.signed_in(name).await;
            let want = if !role.can(P::ViewTraining) {
                StatusCode::FORBIDDEN
            } else if reach {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            let page = b.get(&format!("/training/batches/{batch}")).await;
            assert_eq!(page.status, want, "{name} opens the batch page");
            let list = b.get("/training").await;
            assert_eq!(
                list.status == StatusCode::OK,
                role.can(P::ViewTraining),
                "{name} opens /training"
            );
            assert_eq!(
                list.body.contains("Plumbing for factories"),
                reach && role.can(P::ViewTraining),
                "{name} sees the programme"
            );
        }
        // The public check needs no token; the API needs one.
        assert_eq!(
            page(&d, "/verify/00000000-0000-4000-8000-000000000000")
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            page(&d, "/api/v1/batches").await.0,
            StatusCode::UNAUTHORIZED
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_office_pages_show_batches_and_take_attendance_on_a_phone() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let tp = partner(t.app.store.as_ref(), "tp").await;
        account(
            t.app.store.as_ref(),
            "tp2",
            "training_partner",
            "Saran",
            None,
        )
        .await;
        let batch = batch_of(&d, &tp).await;
        let (_, r) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/batches/{batch}/enrolments"),
            Some(json!({
            "trainees": [{"name": "Sunita Devi", "phone": "9811199901", "office": "ग्राम प्रधान"},
                         {"name": "Rekha Kumari", "phone": "9811199902"}]})),
        )
        .await;
        assert_eq!(r["enrolled"], 2, "{r}");
        let (_, detail) = api(&d, &tp, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        let sunita = detail["trainees"][0]["enrolment_id"].as_i64().unwrap();
        let rekha = detail["trainees"][1]["enrolment_id"].as_i64().unwrap();
        let first = detail["sessions"][0]["id"].as_i64().unwrap();
        d.clock.advance(2 * DAY + 600);
        let b = d.signed_in("tp").await;
        let p = b.get("/training").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.body.contains("Plumbing for factories") && p.body.contains("All phases"),
            "{}",
            p.body
        );
        let p = b.get(&format!("/training/batches/{batch}")).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.body.contains("id=\"mark-form\"") && p.body.contains("Sunita Devi"),
            "{}",
            p.body
        );
        // Today's session shows its QR code: trainees scan it to mark themselves.
        assert!(
            p.body.contains("id=\"session-qr\"") && p.body.contains("<svg"),
            "no QR on the page"
        );
        assert!(!p.body.contains("9811199901"), "a number on the page");
        // Today's list: Sunita present, Rekha absent.
        let sid = first.to_string();
        let field = format!("e{sunita}");
        let p = b
            .post(
                &format!("/training/batches/{batch}/attendance"),
                &[("session", &sid), (&field, "1")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let (_, sheet) = api(
            &d,
            &tp,
            "GET",
            &format!("/api/v1/batches/{batch}/attendance"),
            None,
        )
        .await;
        assert_eq!(sheet["trainees"][0]["marks"][0], true, "{sheet}");
        assert_eq!(sheet["trainees"][1]["marks"][0], false, "{sheet}");
        // The next day the same list is a correction: refused without a reason.
        d.clock.advance(DAY);
        // (A day later the sign-in has lapsed.)
        let b = d.signed_in("tp").await;
        b.get(&format!("/training/batches/{batch}?session={first}"))
            .await;
        let rekha_field = format!("e{rekha}");
        let p = b
            .post(
                &format!("/training/batches/{batch}/attendance"),
                &[("session", &sid), (&field, "1"), (&rekha_field, "1")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("Give a reason"), "{}", p.body);
        let p = b
            .post(
                &format!("/training/batches/{batch}/attendance"),
                &[
                    ("session", &sid),
                    (&field, "1"),
                    ("reason", "register found"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert!(d.audited("tp training.correction ok").await);
        // A forged form, another partner, a viewer.
        let p = b
            .post(
                &format!("/training/batches/{batch}/attendance"),
                &[("session", &sid), ("csrf", "forged")],
            )
            .await;
        assert_ne!(p.status, StatusCode::SEE_OTHER);
        let other = d.signed_in("tp2").await;
        assert_eq!(
            other
                .get(&format!("/training/batches/{batch}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let viewer = d.signed_in("vik").await;
        let p = viewer.get(&format!("/training/batches/{batch}")).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            !p.body.contains("mark-form"),
            "a viewer gets no attendance form"
        );
        let p = viewer
            .post(
                &format!("/training/batches/{batch}/attendance"),
                &[("session", &sid)],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        let p = b.get(&format!("/training/enrolments/{sunita}")).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.body.contains("ग्राम प्रधान") && p.body.contains("✓ present"),
            "{}",
            p.body
        );
        assert_eq!(
            other
                .get(&format!("/training/enrolments/{sunita}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_list_with_hindi_headers_is_enrolled_row_by_row_with_a_report() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let tp = partner(t.app.store.as_ref(), "tp").await;
        let batch = batch_of(&d, &tp).await;
        let list = "प्रशिक्षण सूची\nक्रम,नाम,मोबाइल नं.,पद,ग्राम पंचायत,प्रखंड,जिला\n\
            1,सुनीता देवी,9811199901,ग्राम प्रधान,जलालपुर,मढ़ौरा,सारण\n\
            2,Rekha Kumari,+91 98111 99902,उप प्रधान,,,\n\
            3,=HYPERLINK(\"x\"),98111999,,,,\n\
            4,Sunita Again,9811199901,,,,\n\
            5,Third Person,9811199903,,,,\n";
        let file = t.dir.path().join("pri-phase-1.csv");
        std::fs::write(&file, list).unwrap();
        let job = |who, wait| kaamgar::training_list::ListEnrolment {
            batch,
            file: &file,
            as_user: Some(who),
            wait_if_full: wait,
            report: None,
        };
        kaamgar::training_list::enrol(t.app.config.clone(), job("tp", true), T0)
            .await
            .unwrap();
        let report =
            std::fs::read_to_string(t.dir.path().join("pri-phase-1.csv.enrolment.csv")).unwrap();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), 6, "{report}");
        assert!(lines[1].starts_with("3,सुनीता देवी,enrolled"), "{report}");
        assert!(lines[2].contains("Rekha Kumari,enrolled"), "{report}");
        assert!(
            lines[3].contains("'=HYPERLINK") && lines[3].contains("refused,bad_phone"),
            "{report}"
        );
        assert!(lines[4].contains("refused,already_enrolled"), "{report}");
        assert!(lines[5].contains("Third Person,waiting"), "{report}");
        let (_, detail) = api(&d, &tp, "GET", &format!("/api/v1/batches/{batch}"), None).await;
        let sunita = &detail["trainees"][0];
        assert_eq!(
            (
                sunita["office"].as_str(),
                sunita["block"].as_str(),
                sunita["district"].as_str()
            ),
            (Some("ग्राम प्रधान"), Some("Marhaura"), Some("Saran")),
            "{detail}"
        );
        // Another partner's account may not enrol into the batch.
        account(
            t.app.store.as_ref(),
            "tp2",
            "training_partner",
            "Saran",
            None,
        )
        .await;
        let refused =
            kaamgar::training_list::enrol(t.app.config.clone(), job("tp2", false), T0).await;
        assert!(refused.is_err());
        t.cleanup().await;
    }
}
