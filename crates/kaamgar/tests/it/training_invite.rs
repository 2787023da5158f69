//! Invitations on WhatsApp: a partner invites people to a batch; each takes the seat by a tap on the template's
//! quick reply or by typing "haan", goes on the waiting list when the batch is full, or says no; a stranger cannot
//! answer someone else's invitation and an answered one cannot be answered twice. Without a business number an
//! invitation is refused with its reason. On SQLite and PostgreSQL; the harness is `training`'s.

use crate::bot_support::{self, CITIZEN, PNID, only};
use crate::common;
use crate::dash_support::{Dash, setup};
use crate::training::{DAY, api, at, batch_of, partner};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::Reply;
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_store::OutMessage;
use serde_json::{Value, json};

/// A batch of one seat, its window open for a day from `base`.
async fn one_seat(d: &Dash, op: &str, base: i64) -> i64 {
    let (_, c) = api(
        d,
        op,
        "POST",
        "/api/v1/centres",
        Some(json!({
        "name": "Bithoor Skill Centre", "district": "Saran", "address": "Main road", "capacity": 30,
        "contact_name": "Asha", "contact_phone": "9811100099"})),
    )
    .await;
    let (_, p) = api(
        d,
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
    let (_, b) = api(d, op, "POST", "/api/v1/batches", Some(json!({"programme_id": p["id"],
        "centre_id": c["id"], "phase": 1, "name": "PRI phase 1", "enrol_from": utc_datetime(base - 60),
        "enrol_until": utc_datetime(base + DAY), "capacity": 1, "trainers": [],
        "sessions": [at(base, 2)]}))).await;
    b["id"].as_i64().expect("a batch")
}

/// The invitations queued for WhatsApp since the last call, by recipient.
async fn invitations(store: &dyn kaamgar_store::Store) -> Vec<(String, Reply)> {
    store
        .claim_outbound(Channel::WhatsApp, 500, kaamgar::app::now() + 30 * DAY)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| match m.message {
            OutMessage::Reply(r) => Some((m.recipient.unwrap_or_default(), r)),
            _ => None,
        })
        .collect()
}

fn statuses(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn invited_people_take_the_seat_themselves_on_whatsapp() {
    for mut t in common::apps().await {
        t.app.config.whatsapp_phone_number_id = Some(PNID.into());
        let b = bot_support::setup(&t).await;
        let base = kaamgar::app::now();
        let op = common::BEARER;
        let d = Dash {
            router: b.router.clone(),
            store: b.store.clone(),
            clock: std::sync::Arc::new(kaamgar_app::ManualClock::new(base)),
        };
        let batch = one_seat(&d, op, base).await;
        let uri = format!("/api/v1/batches/{batch}/enrolments");
        let (_, r) = api(
            &d,
            op,
            "POST",
            &uri,
            Some(json!({"invite": true, "trainees": [
            {"name": "Sunita Devi", "phone": "9811199901", "office": "ग्राम प्रधान"},
            {"name": "Ramesh Kumar", "phone": "+91 98111 99902"},
            {"name": "Geeta", "phone": "9811199903"},
            {"name": "No phone"}]})),
        )
        .await;
        assert_eq!(
            (r["invited"].as_u64(), r["refused"].as_u64()),
            (Some(3), Some(1)),
            "{r}"
        );
        let sunita = r["results"][0]["enrolment_id"].as_i64().unwrap();
        // Nobody has written in: the invitation goes as the approved template with its two quick replies.
        let sent = invitations(b.store.as_ref()).await;
        assert_eq!(sent.len(), 3);
        let (to, first) = &sent[0];
        assert_eq!(to, "919811199901");
        let Reply::Template {
            name,
            body_params,
            quick_replies,
            ..
        } = first
        else {
            panic!("{first:?}")
        };
        assert_eq!(name, "kaamgar_training_invite");
        assert_eq!(body_params[0], "Sunita Devi");
        assert_eq!(body_params[1], "पंचायत नेतृत्व");
        let yes = format!("invite:{sunita}:yes");
        assert_eq!(quick_replies, &[yes.clone(), format!("invite:{sunita}:no")]);
        let graph = kaamgar_domain::whatsapp::outbound::graph_request(
            &kaamgar_domain::whatsapp::ContactRef::addressed(to),
            first,
        )
        .unwrap();
        assert_eq!(graph["type"], "template", "{graph}");
        // Invited again: the same enrolment, the message once more; a seat is not held meanwhile.
        let (_, again) = api(
            &d,
            op,
            "POST",
            &uri,
            Some(
                json!({"invite": true, "trainee": {"name": "Sunita Devi", "phone": "9811199901"}}),
            ),
        )
        .await;
        assert_eq!(
            again["results"][0]["enrolment_id"].as_i64(),
            Some(sunita),
            "{again}"
        );
        assert_eq!(invitations(b.store.as_ref()).await.len(), 1);
        // Someone else tapping Sunita's answer changes nothing.
        let out = b.template_tap(CITIZEN, base + 60, &yes).await;
        assert!(
            only(&out, CITIZEN).text.contains("निमंत्रण अब मान्य नहीं"),
            "{out:?}"
        );
        // Sunita accepts with the quick reply: the one seat is hers.
        let me = "919811199901";
        let out = b.template_tap(me, base + 120, &yes).await;
        let said = &only(&out, me).text;
        assert!(
            said.contains("नामांकित") && said.contains("पंचायत नेतृत्व"),
            "{said}"
        );
        // Answered already: a second tap is told so.
        let out = b.template_tap(me, base + 130, &yes).await;
        assert!(only(&out, me).text.contains("मान्य नहीं"), "{out:?}");
        // Ramesh types "haan": the batch is full, so the waiting list.
        let out = b.text("919811199902", base + 180, "haan ji").await;
        assert!(
            only(&out, "919811199902").text.contains("प्रतीक्षा सूची"),
            "{out:?}"
        );
        // Geeta types "nahi".
        let out = b.text("919811199903", base + 240, "nahi").await;
        assert!(
            only(&out, "919811199903").text.contains("नामांकित नहीं"),
            "{out:?}"
        );
        let (_, list) = api(&d, op, "GET", &uri, None).await;
        assert_eq!(
            statuses(&list),
            [
                ("Sunita Devi".to_string(), "enrolled".to_string()),
                ("Ramesh Kumar".into(), "waiting".into()),
                ("Geeta".into(), "declined".into())
            ]
        );
        // Direct enrolment of an invited or seated phone is a duplicate.
        let (_, dup) = api(
            &d,
            op,
            "POST",
            &uri,
            Some(json!({"trainee": {"name": "Sunita", "phone": "9811199901"}})),
        )
        .await;
        assert_eq!(dup["error"]["code"], "already_enrolled", "{dup}");
        // Someone who said no may still be enrolled by the partner: their one enrolment takes the waiting list.
        let (_, geeta) = api(
            &d,
            op,
            "POST",
            &uri,
            Some(
                json!({"trainee": {"name": "Geeta", "phone": "9811199903"}, "wait_if_full": true}),
            ),
        )
        .await;
        assert_eq!(geeta["results"][0]["status"], "waiting", "{geeta}");
        // Someone who stopped messages is not invited.
        b.text("919811199904", base + 300, "STOP").await;
        let (s, stopped) = api(
            &d,
            op,
            "POST",
            &uri,
            Some(json!({"invite": true, "trainee": {"name": "Stopped", "phone": "9811199904"}})),
        )
        .await;
        assert_eq!(stopped["error"]["code"], "opted_out", "{s} {stopped}");
        // An answer after the enrolment window has closed takes no seat; the invitation stays as it was.
        let (_, late) = api(
            &d,
            op,
            "POST",
            &uri,
            Some(json!({"invite": true, "trainee": {"name": "Late", "phone": "9811199909"}})),
        )
        .await;
        assert_eq!(late["invited"], 1, "{late}");
        let out = b.text("919811199909", base + 2 * DAY, "haan").await;
        assert!(
            only(&out, "919811199909").text.contains("खुला नहीं"),
            "{out:?}"
        );
        let (_, list) = api(&d, op, "GET", &uri, None).await;
        assert_eq!(statuses(&list)[3], ("Late".into(), "invited".into()));
        assert_eq!(statuses(&list)[2], ("Geeta".into(), "waiting".into()));
        assert_eq!(
            statuses(&list).len(),
            4,
            "nothing stored for the stopped number"
        );
        let log = b.store.audit_log(i64::MAX, 200, None).await.unwrap();
        let actions: Vec<_> = log.iter().map(|(_, a)| a.action.as_str()).collect();
        assert!(
            actions.contains(&"training.invite") && actions.contains(&"training.decline"),
            "{actions:?}"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn without_a_business_number_an_invitation_is_refused() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let tp = partner(t.app.store.as_ref(), "tp").await;
        let batch = batch_of(&d, &tp).await;
        let (s, r) = api(
            &d,
            &tp,
            "POST",
            &format!("/api/v1/batches/{batch}/enrolments"),
            Some(json!({"invite": true, "trainee": {"name": "Sunita", "phone": "9811199901"}})),
        )
        .await;
        assert_eq!(r["error"]["code"], "whatsapp_not_configured", "{s} {r}");
        let (_, list) = api(
            &d,
            &tp,
            "GET",
            &format!("/api/v1/batches/{batch}/enrolments"),
            None,
        )
        .await;
        assert_eq!(list, json!([]), "nothing stored");
        t.cleanup().await;
    }
}
