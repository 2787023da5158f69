//! A trainee marking themselves: only in their session's window and only with their own session's code, by
//! "हाज़िर" on WhatsApp through the signed webhook; and the batch's end deciding completion by itself, the certificate
//! queued on WhatsApp. On SQLite and PostgreSQL; the harness is `training`'s.

use crate::common;
use crate::dash_support::{Dash, T0, setup};
use crate::training::{DAY, api, at, batch_of, partner};
use axum::http::StatusCode;
use kaamgar_domain::training::dates::utc_datetime;
use serde_json::json;

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
        // Refused for a closed window, it goes again as the certificate template with the PDF in its header.
        let later = kaamgar::app::now() + 11 * DAY;
        assert!(b.store.outbound_use_fallback(doc.id, later).await.unwrap());
        let again = b
            .store
            .claim_outbound(kaamgar_domain::channel::Channel::WhatsApp, 500, later + 60)
            .await
            .unwrap();
        let t2 = again.iter().find(|m| m.id == doc.id).expect("the template");
        let kaamgar_store::OutMessage::Reply(reply) = &t2.message else {
            unreachable!()
        };
        let body = kaamgar_domain::whatsapp::outbound::graph_request(&to, reply).unwrap();
        assert_eq!(body["template"]["name"], "kaamgar_certificate", "{body}");
        let header = &body["template"]["components"][0];
        assert_eq!(header["type"], "header", "{body}");
        assert!(
            header["parameters"][0]["document"]["link"]
                .as_str()
                .unwrap()
                .starts_with("https://kaamgar.test/verify/"),
            "{body}"
        );
        assert_eq!(
            body["template"]["components"][1]["parameters"][0]["text"],
            "Sunita Devi"
        );
        t.cleanup().await;
    }
}
