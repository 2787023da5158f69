//! Training as the office uses it: the role × jurisdiction matrix of the training routes and pages, the pages
//! (ticking and correcting attendance on a phone, the session's QR, a trainee's record) and enrolling a list with
//! Hindi headers. On SQLite and PostgreSQL; the harness is `training`'s.

use crate::common;
use crate::dash_support::{T0, setup};
use crate::training::{DAY, account, api, batch_of, page, partner};
use axum::http::StatusCode;
use kaamgar_store::AccountStore;
use serde_json::json;

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
            let list = format!("name,phone\nList {i},98333000{i:02}\n");
            let (s, _, body) =
                crate::training_lists::upload(&d, auth, batch, "", "text/csv", list.as_bytes())
                    .await;
            assert_eq!(s, want, "{name} uploads a list: {body}");
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
            // (After /training, whose page carries the session's form token.)
            let list = format!("नाम,मोबाइल\nPage {i},98444000{i:02}\n");
            let sent = b
                .post_file(
                    &format!("/training/batches/{batch}/enrolments"),
                    &[],
                    "l.csv",
                    list.as_bytes(),
                )
                .await;
            let may = if !role.can(P::ManageTraining) {
                StatusCode::FORBIDDEN
            } else if reach {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(sent.status, may, "{name} uploads a list on the page");
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
