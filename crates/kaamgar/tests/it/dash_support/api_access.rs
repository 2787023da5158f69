//! The API obeys the dashboard's rules: every role × endpoint × jurisdiction cell is called through the API with
//! the account's own token and compared with what the role's permissions and jurisdiction allow — the same
//! `Role::can` and `Scope::covers` the dashboard decides by — and, for a worker's profile, with what the dashboard
//! itself shows the same account.

use crate::common;
use crate::dash_support::{Dash, T0, setup};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use kaamgar_domain::access::{Permission, Role, Scope};
use kaamgar_store::{AccountStore, NewRequest, NewUser, Store};
use tower::ServiceExt;

async fn api(
    d: &Dash,
    method: &str,
    uri: &str,
    auth: Option<&str>,
) -> (StatusCode, serde_json::Value, HeaderMap) {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    let body = if method == "GET" {
        Body::empty()
    } else {
        Body::from(r#"{"availability":"busy"}"#)
    };
    let res = d
        .router
        .clone()
        .oneshot(b.body(body).unwrap())
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or_default(),
        headers,
    )
}

async fn add_account(store: &dyn Store, name: &str, role: &str, district: &str) {
    store
        .create_user(
            &NewUser {
                name: name.into(),
                password_hash: kaamgar_app::accounts::hash_password(crate::dash_support::PASSWORD)
                    .unwrap(),
                role: role.into(),
                district: Some(district.into()),
                block: None,
                lang: "en".into(),
            },
            T0,
        )
        .await
        .unwrap();
}

async fn token_of(store: &dyn Store, name: &str) -> String {
    let user = store.user_by_name(name).await.unwrap();
    let token = kaamgar_app::accounts::new_token("kg_").unwrap();
    let digest = kaamgar_app::accounts::token_digest(&token);
    store
        .create_api_token(&digest, user.id, "matrix", T0)
        .await
        .unwrap();
    format!("Bearer {token}")
}

async fn request_in(store: &dyn Store, block: &str) -> i64 {
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
            T0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id.0
}

/// One place in the district: (block, a worker's id, a request's id).
struct Spot {
    block: &'static str,
    worker: i64,
    request: i64,
}

#[tokio::test]
async fn every_role_endpoint_and_jurisdiction_cell_follows_the_dashboards_rule() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let store = t.app.store.as_ref();
        for (name, role) in [
            ("tp", "training_partner"),
            ("emp", "employer"),
            ("cp", "child_protection"),
        ] {
            add_account(store, name, role, "Saran").await;
        }
        add_account(store, "knp", "district_admin", "Kanpur Nagar").await;
        let spots = [
            Spot {
                block: "Marhaura",
                worker: d.worker_in("Marhaura", 0).await,
                request: request_in(store, "Marhaura").await,
            },
            Spot {
                block: "Sonepur",
                worker: d.worker_in("Sonepur", 0).await,
                request: request_in(store, "Sonepur").await,
            },
        ];
        let in_block = |b: &str| if b == "Marhaura" { 3 } else { 2 };
        let mut callers: Vec<(String, Role, Scope, String)> = Vec::new();
        for name in [
            "state", "admin", "ravi", "sonu", "vik", "tp", "emp", "cp", "knp",
        ] {
            let user = store.user_by_name(name).await.unwrap();
            let (role, scope) = kaamgar_app::accounts::access_of(&user).unwrap();
            callers.push((name.into(), role, scope, token_of(store, name).await));
        }
        callers.push((
            "service".into(),
            Role::StateAdmin,
            Scope::All,
            common::BEARER.into(),
        ));
        let mut cells = 0;
        for (name, role, scope, auth) in &callers {
            let auth = Some(auth.as_str());
            let covers = |b: &str| scope.covers("Saran", Some(b));
            // The worker list: only the caller's jurisdiction, numbers only for roles that read personal data.
            let (s, body, h) = api(&d, "GET", "/api/v1/workers", auth).await;
            cells += 1;
            if role.can(Permission::ViewWorkers) {
                assert_eq!(s, StatusCode::OK, "{name} list");
                let want: i64 = spots
                    .iter()
                    .filter(|p| covers(p.block))
                    .map(|p| in_block(p.block))
                    .sum();
                assert_eq!(body["total"], want, "{name} list total");
                for w in body["items"].as_array().unwrap() {
                    let phone = w["phone"].as_str().unwrap();
                    assert_eq!(
                        !phone.contains('X'),
                        role.can(Permission::ViewPersonal),
                        "{name} sees {phone}"
                    );
                }
                assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-store", "{name}");
            } else {
                assert_eq!(s, StatusCode::FORBIDDEN, "{name} list");
            }
            for p in &spots {
                // A worker's profile, compared with the dashboard's page for the same account.
                let (s, body, _) =
                    api(&d, "GET", &format!("/api/v1/workers/{}", p.worker), auth).await;
                cells += 1;
                let visible = role.can(Permission::ViewWorkers) && covers(p.block);
                assert_eq!(
                    s == StatusCode::OK,
                    visible,
                    "{name} worker in {}: {s}",
                    p.block
                );
                if visible {
                    let full = !body["phone"].as_str().unwrap().contains('X');
                    assert_eq!(
                        full,
                        role.can(Permission::ViewPersonal),
                        "{name} worker phone"
                    );
                    if full {
                        let actor = if *name == "service" {
                            "service token"
                        } else {
                            name.as_str()
                        };
                        let entry = format!("{actor} worker.view ok worker:{}", p.worker);
                        assert!(d.audited(&entry).await, "{name} audited");
                    }
                }
                if *name != "service" {
                    let page = d
                        .signed_in(name)
                        .await
                        .get(&format!("/workers/{}", p.worker))
                        .await;
                    assert_eq!(
                        page.status == StatusCode::OK,
                        visible,
                        "{name}: the dashboard disagrees about {}",
                        p.block
                    );
                }
                // A request.
                let (s, body, _) =
                    api(&d, "GET", &format!("/api/v1/requests/{}", p.request), auth).await;
                cells += 1;
                let visible = role.can(Permission::ViewRequests) && covers(p.block);
                assert_eq!(
                    s == StatusCode::OK,
                    visible,
                    "{name} request in {}: {s}",
                    p.block
                );
                if visible {
                    assert!(
                        !body.to_string().contains("9876543210"),
                        "{name}: a number in a request: {body}"
                    );
                }
                // A change: allowed by the role, and through the API for the whole state only.
                let (s, _, _) = api(
                    &d,
                    "POST",
                    &format!("/api/v1/workers/{}/availability", p.worker),
                    auth,
                )
                .await;
                cells += 1;
                let may = role.can(Permission::EditWorkers) && *scope == Scope::All;
                assert_eq!(
                    s == StatusCode::OK,
                    may,
                    "{name} changes a worker in {}: {s}",
                    p.block
                );
                if !may {
                    assert_eq!(
                        s,
                        StatusCode::FORBIDDEN,
                        "{name} changes a worker in {}",
                        p.block
                    );
                } else {
                    // The change and its audit row were written together, once.
                    let actor = if *name == "service" {
                        "service token"
                    } else {
                        name.as_str()
                    };
                    let entry = format!("{actor} worker.availability ok worker:{}", p.worker);
                    let rows = d.audit().await;
                    assert!(
                        rows.iter().any(|r| r.starts_with(&entry)),
                        "{entry} in {rows:?}"
                    );
                    assert!(
                        !rows.iter().any(|r| r.contains("api.write")),
                        "audited twice: {rows:?}"
                    );
                }
            }
            // Matching returns only workers the caller may see.
            let (s, body, _) = api(
                &d,
                "GET",
                "/api/v1/match?trade=plumber&near=Marhaura&limit=10",
                auth,
            )
            .await;
            cells += 1;
            if role.can(Permission::ViewWorkers) {
                assert_eq!(s, StatusCode::OK, "{name} match: {body}");
                let got = body["results"].as_array().unwrap();
                let want: usize = spots
                    .iter()
                    .filter(|p| covers(p.block))
                    .map(|p| in_block(p.block) as usize)
                    .sum();
                assert!(
                    got.len() <= want,
                    "{name} match: {} results, {want} in scope",
                    got.len()
                );
                for r in got {
                    assert!(
                        covers(r["block"].as_str().unwrap()),
                        "{name} match outside scope: {r}"
                    );
                }
            } else {
                assert_eq!(s, StatusCode::FORBIDDEN, "{name} match");
            }
            // The request list, and reference data anyone signed in may read.
            let (s, _, _) = api(&d, "GET", "/api/v1/requests", auth).await;
            cells += 1;
            assert_eq!(
                s == StatusCode::OK,
                role.can(Permission::ViewRequests),
                "{name} requests"
            );
            let (s, _, _) = api(&d, "GET", "/api/v1/trades", auth).await;
            cells += 1;
            assert_eq!(s, StatusCode::OK, "{name} trades");
        }
        eprintln!(
            "api access matrix: {} callers, {cells} cells",
            callers.len()
        );
        assert!(cells >= 100);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn nobody_calls_the_api_without_a_valid_token_and_the_bearer_scheme_is_read_in_any_case() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let store = t.app.store.as_ref();
        for (uri, method) in [
            ("/api/v1/workers", "GET"),
            ("/api/v1/trades", "GET"),
            ("/api/v1/workers", "POST"),
            ("/metrics", "GET"),
        ] {
            let (s, _, _) = api(&d, method, uri, None).await;
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} without a token"
            );
            let (s, _, _) = api(&d, method, uri, Some("bearer")).await;
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} with the bare word"
            );
        }
        let token = token_of(store, "admin").await;
        let lower = token.replacen("Bearer", "bearer", 1);
        assert_eq!(
            api(&d, "GET", "/api/v1/workers", Some(&lower)).await.0,
            StatusCode::OK
        );
        let admin = store.user_by_name("admin").await.unwrap();
        store.disable_user(admin.id, T0).await.unwrap();
        for t in [&token, &lower] {
            assert_eq!(
                api(&d, "GET", "/api/v1/workers", Some(t)).await.0,
                StatusCode::UNAUTHORIZED
            );
        }
        let (s, _, _) = api(&d, "GET", "/metrics", Some(common::BEARER)).await;
        assert_eq!(s, StatusCode::OK, "metrics for the service token");
        // A request for a host that is not this service's (DNS rebinding) is refused.
        let req = Request::get("/api/v1/trades")
            .header(header::HOST, "evil.example")
            .header(header::AUTHORIZATION, common::BEARER)
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            d.router.clone().oneshot(req).await.unwrap().status(),
            StatusCode::MISDIRECTED_REQUEST
        );
        let req = Request::get("/api/v1/trades")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::AUTHORIZATION, common::BEARER)
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            d.router.clone().oneshot(req).await.unwrap().status(),
            StatusCode::OK
        );
        t.cleanup().await;
    }
}

/// The office pages that act or take data away follow the same rule: every role × page × jurisdiction cell is
/// called through the dashboard with the account's own session.
#[tokio::test]
async fn every_role_page_and_jurisdiction_cell_of_the_office_pages_follows_the_rule() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let store = t.app.store.as_ref();
        for (name, role) in [
            ("tp", "training_partner"),
            ("emp", "employer"),
            ("cp", "child_protection"),
        ] {
            add_account(store, name, role, "Saran").await;
        }
        add_account(store, "knp", "district_admin", "Kanpur Nagar").await;
        let spots = [
            ("Marhaura", request_in(store, "Marhaura").await),
            ("Sonepur", request_in(store, "Sonepur").await),
        ];
        let mut cells = 0;
        for name in [
            "state", "admin", "ravi", "sonu", "vik", "tp", "emp", "cp", "knp",
        ] {
            let user = store.user_by_name(name).await.unwrap();
            let (role, scope) = kaamgar_app::accounts::access_of(&user).unwrap();
            let b = d.signed_in(name).await;
            let ok = |s: StatusCode| s == StatusCode::OK || s == StatusCode::SEE_OTHER;
            for (block, request) in spots {
                let covers = scope.covers("Saran", Some(block));
                let at = format!("/requests/{request}");
                let p = b.get(&at).await;
                cells += 1;
                assert_eq!(
                    ok(p.status),
                    role.can(Permission::ViewRequests) && covers,
                    "{name} {at}"
                );
                let act = role.can(Permission::ActOnRequests) && covers;
                b.get("/").await;
                let p = b.post(&format!("{at}/reoffer"), &[]).await;
                cells += 1;
                assert_eq!(ok(p.status), act, "{name} reoffer in {block}: {}", p.status);
                let p = b.post(&format!("{at}/call"), &[]).await;
                cells += 1;
                assert_eq!(
                    ok(p.status),
                    act && role.can(Permission::ViewPersonal),
                    "{name} call in {block}"
                );
                assert_eq!(p.body.contains("tel:+919876543210"), ok(p.status), "{name}");
                let p = b.get(&format!("/workers/export.csv?block={block}")).await;
                cells += 1;
                assert_eq!(
                    ok(p.status),
                    role.can(Permission::DownloadWorkers),
                    "{name} export {block}"
                );
                if ok(p.status) {
                    let rows = p.body.lines().count() - 1;
                    let want = if !covers {
                        0
                    } else if block == "Marhaura" {
                        3
                    } else {
                        2
                    };
                    assert_eq!(rows, want, "{name} export of {block}");
                }
            }
            let p = b.get("/workers/new").await;
            cells += 1;
            assert_eq!(
                ok(p.status),
                role.can(Permission::EditWorkers),
                "{name} add form"
            );
        }
        eprintln!("office page matrix: {cells} cells");
        assert!(cells >= 80);
        t.cleanup().await;
    }
}
