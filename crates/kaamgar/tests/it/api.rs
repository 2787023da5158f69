//! The JSON API end to end: the real router over a fresh SQLite registry, requests as clients send them.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{call, get, send, sqlite_app};
use http_body_util::BodyExt;
use kaamgar_store::{AccountStore, DashboardStore};
use serde_json::{Value, json};
use tower::ServiceExt;

fn sunita() -> Value {
    json!({
        "name": "सुनीता देवी", "phone": "98765 43210", "gender": "महिला", "age": 31, "trade": "दर्जी",
        "other_trades": ["embroidery"], "block": "Marhaura", "district": "सारण",
        "consent": {"method": "web"}
    })
}

#[tokio::test]
async fn a_worker_is_registered_read_listed_and_cannot_be_registered_twice() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let (status, created) = call(&r, send("POST", "/api/v1/workers", &sunita())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["phone"], "+919876543210");
    assert_eq!(created["trade"], "tailor");
    assert_eq!(created["place"]["district"], "Saran");
    let id = created["id"].as_i64().unwrap();
    let audit = t.app.store.audit_log(i64::MAX, 10, None).await.unwrap();
    assert!(
        audit.iter().any(|(_, e)| e.action == "worker.create"
            && e.target == Some(format!("worker:{id}"))
            && e.outcome == "ok"),
        "the new worker and its audit row are written together: {audit:?}"
    );

    let (status, got) = call(&r, get(&format!("/api/v1/workers/{id}"))).await;
    assert_eq!(
        (status, &got["name"]),
        (StatusCode::OK, &json!("सुनीता देवी"))
    );

    let (status, again) = call(&r, send("POST", "/api/v1/workers", &sunita())).await;
    assert_eq!(
        (status, &again["error"]["code"]),
        (StatusCode::CONFLICT, &json!("worker_phone_taken"))
    );

    let (status, page) = call(
        &r,
        get("/api/v1/workers?trade=%E0%A4%95%E0%A4%A2%E0%A4%BC%E0%A4%BE%E0%A4%88&block=marhora"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        page["total"], 1,
        "secondary trade (कढ़ाई) and a misspelt block find her: {page}"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn invalid_fields_are_reported_one_by_one_and_nothing_is_stored() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let mut bad = sunita();
    bad["phone"] = json!("98765");
    bad["trade"] = json!("astronaut");
    bad["age"] = json!(12);
    let (status, body) = call(&r, send("POST", "/api/v1/workers", &bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["phone_invalid", "age_out_of_range", "trade_unknown"]
    );
    let (_, page) = call(&r, get("/api/v1/workers")).await;
    assert_eq!(page["total"], 0);
    t.cleanup().await;
}

#[tokio::test]
async fn malformed_bodies_and_queries_get_json_errors() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let req = Request::post("/api/v1/workers")
        .header(header::AUTHORIZATION, common::BEARER)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, body) = call(&r, req).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_json"))
    );
    let req = Request::post("/api/v1/workers")
        .header(header::AUTHORIZATION, common::BEARER)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(call(&r, req).await.0, StatusCode::BAD_REQUEST);
    let (status, body) = call(&r, get("/api/v1/workers?limit=0")).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_limit"))
    );
    let (status, body) = call(&r, get("/api/v1/workers?trade=astronaut")).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("trade_unknown"))
    );
    let (status, _) = call(&r, get("/api/v1/workers/abc")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let huge = json!({"name": "x".repeat(100_000)});
    assert_eq!(
        call(&r, send("POST", "/api/v1/workers", &huge)).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    t.cleanup().await;
}

#[tokio::test]
async fn availability_removal_and_erasure_follow_the_worker_s_wishes() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let (_, created) = call(&r, send("POST", "/api/v1/workers", &sunita())).await;
    let id = created["id"].as_i64().unwrap();
    let (status, w) = call(
        &r,
        send(
            "POST",
            &format!("/api/v1/workers/{id}/availability"),
            &json!({"availability": "व्यस्त"}),
        ),
    )
    .await;
    assert_eq!(
        (status, &w["availability"]),
        (StatusCode::OK, &json!("busy"))
    );
    let (status, _) = call(
        &r,
        send(
            "POST",
            &format!("/api/v1/workers/{id}/erasure"),
            &json!({"reason": "asked by phone on 2026-11-20"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&r, get(&format!("/api/v1/workers/{id}"))).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = call(&r, send("POST", "/api/v1/workers", &sunita())).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::GONE, &json!("worker_erased"))
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_list_is_uploaded_through_the_api_and_garbage_is_refused() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let list = "नाम,मोबाइल,कौशल,प्रखंड\nरमेश,9876543210,नल मिस्त्री,मढ़ौरा\nगलत,12345,x,y\n";
    let req = Request::post("/api/v1/imports?file_name=marhaura.csv")
        .header(header::AUTHORIZATION, common::BEARER)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(list))
        .unwrap();
    let (status, body) = call(&r, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["summary"]["inserted"].as_u64(),
            body["summary"]["rejected"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(body["errors"][0]["line"], 3);
    // A plain form's content type (what a page on another site can post) is refused before anything is read.
    for form_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let req = Request::post("/api/v1/imports")
            .header(header::AUTHORIZATION, common::BEARER)
            .header(header::CONTENT_TYPE, form_type)
            .body(Body::from(list))
            .unwrap();
        assert_eq!(
            call(&r, req).await.0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{form_type}"
        );
    }
    // The list as the part `file` of a multipart form, as `curl -F file=@list.csv` sends it.
    let multipart = |boundary: &str, parts: &str| {
        Request::post("/api/v1/imports")
            .header(header::AUTHORIZATION, common::BEARER)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(parts.replace("\n", "\r\n")))
            .unwrap()
    };
    let form = "--XyZ\nContent-Disposition: form-data; name=\"note\"\n\nसोनपुर\n\
                --XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"sonepur.csv\"\n\
                Content-Type: text/csv\n\nname,mobile,trade,block\nSita,9876500001,darzi,Sonepur\n--XyZ--\n";
    let (status, body) = call(&r, multipart("XyZ", form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["summary"]["inserted"].as_u64(), Some(1), "{body}");
    for broken in [
        "--XyZ\nContent-Disposition: form-data; name=\"note\"\n\nno file\n--XyZ--\n",
        "--XyZ\nContent-Disposition: form-data; name=\"file\"\n\nunterminated",
        "not multipart at all",
    ] {
        let (status, body) = call(&r, multipart("XyZ", broken)).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (StatusCode::BAD_REQUEST, &json!("invalid_body")),
            "{broken}: {body}"
        );
    }
    // Each import is an upload of origin `api`, recorded together with its audit row.
    let uploads = t
        .app
        .store
        .list_uploads(&kaamgar_store::Area::default(), 10)
        .await
        .unwrap();
    let names: Vec<(&str, &str, &str)> = uploads
        .iter()
        .map(|u| (u.origin.as_str(), u.file_name.as_str(), u.status.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("api", "sonepur.csv", "done"),
            ("api", "marhaura.csv", "done")
        ]
    );
    let audit = t.app.store.audit_log(i64::MAX, 100, None).await.unwrap();
    for u in &uploads {
        let target = format!("upload:{}", u.id);
        assert!(
            audit
                .iter()
                .any(|(_, e)| e.action == "upload" && e.target.as_deref() == Some(&target)),
            "{target}"
        );
    }
    // A list over the server's upload limit is refused whole, in either form.
    let mut small = kaamgar::serve::state(&t.app).unwrap();
    small.max_upload_bytes = 4096;
    let small = kaamgar_web::router(small);
    let big_list = format!(
        "name,mobile,trade,block\n{}",
        "Sita,9876500001,darzi,Sonepur\n".repeat(400)
    );
    let big_form = format!(
        "--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\n\n{big_list}\n--XyZ--\n"
    );
    let (status, body) = call(&small, multipart("XyZ", &big_form)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let req = Request::post("/api/v1/imports")
        .header(header::AUTHORIZATION, common::BEARER)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(big_list))
        .unwrap();
    assert_eq!(call(&small, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    // The list with a rejected row keeps its report, as a dashboard upload does.
    assert_eq!(
        (uploads[1].summary.rejected, uploads[1].has_report),
        (1, true)
    );
    let stored = t.app.store.upload_report(uploads[1].id).await.unwrap();
    assert!(stored.is_some_and(|r| r.contains("12345")));
    // The same report as the answer, with ?report=csv.
    let req = Request::post("/api/v1/imports?file_name=again.csv&report=csv")
        .header(header::AUTHORIZATION, common::BEARER)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(list))
        .unwrap();
    let resp = r.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.into_body().collect().await.unwrap().to_bytes();
    let csv = String::from_utf8_lossy(&csv);
    assert!(csv.contains("12345") && csv.lines().count() >= 2, "{csv}");
    let req = Request::post("/api/v1/imports")
        .header(header::AUTHORIZATION, common::BEARER)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from([0u8, 159, 146, 150, 7, 200].repeat(1000)))
        .unwrap();
    let (status, body) = call(&r, req).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("import_rejected")),
        "{body}"
    );
    assert_eq!(
        call(&r, get("/healthz")).await.0,
        StatusCode::OK,
        "the server keeps serving"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn health_metrics_and_the_openapi_document_are_served() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let (status, health) = call(&r, get("/healthz")).await;
    assert_eq!(
        (status, &health["database"]),
        (StatusCode::OK, &json!("ok"))
    );
    let (status, spec) = call(&r, get("/api/v1/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/workers",
        "/api/v1/workers/{id}",
        "/api/v1/imports",
        "/api/v1/trades",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from the spec"
        );
    }
    // Query parameters are in the query, path parameters in the path, and every operation documents the errors.
    for (path, name, place) in [
        ("/api/v1/workers", "limit", "query"),
        ("/api/v1/match", "trade", "query"),
        ("/api/v1/requests/{id}", "id", "path"),
        ("/api/v1/workers/{id}", "id", "path"),
    ] {
        let params = spec["paths"][path]["get"]["parameters"].as_array().unwrap();
        let p = params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} {name}"));
        assert_eq!(p["in"], place, "{path} {name}");
    }
    for code in ["400", "401", "403"] {
        assert!(
            spec["paths"]["/api/v1/workers"]["get"]["responses"][code].is_object(),
            "{code}"
        );
    }
    assert!(spec["paths"]["/api/v1/workers/{id}"]["put"]["responses"]["415"].is_object());
    assert_eq!(
        spec["paths"]["/healthz"]["get"]["security"],
        json!([{}]),
        "health needs no token"
    );
    let res = r.clone().oneshot(get("/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    t.cleanup().await;
}

#[tokio::test]
async fn with_a_token_configured_the_api_needs_it() {
    let mut t = sqlite_app().await;
    t.app.config.api_token = Some("s3cret-token".into());
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let (status, body) = call(&r, get("/api/v1/workers")).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNAUTHORIZED, &json!("unauthorized"))
    );
    let req = Request::get("/api/v1/workers")
        .header(header::AUTHORIZATION, "Bearer s3cret-token")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&r, req).await.0, StatusCode::OK);
    assert_eq!(
        call(&r, get("/healthz")).await.0,
        StatusCode::OK,
        "health stays open for load balancers"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn places_are_looked_up_by_pin_block_and_position() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let (status, offices) = call(&r, get("/api/v1/places/pin/841418")).await;
    assert_eq!(status, StatusCode::OK, "{offices}");
    assert_eq!(offices[0]["district"], "Saran");
    let (_, blocks) = call(&r, get("/api/v1/places/blocks?district=Saran")).await;
    assert_eq!(blocks.as_array().unwrap().len(), 20, "{blocks}");
    let (status, _) = call(&r, get("/api/v1/places/nearest?lat=51.5&lon=0.1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    t.cleanup().await;
}
