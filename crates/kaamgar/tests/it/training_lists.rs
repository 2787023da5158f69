//! A list of trainees uploaded through the API and from the batch page: Hindi headers under a title row, each row
//! decided on its own with its reason, the report as JSON or CSV; a file that is not a list refused whole with
//! nothing written; a form without its token refused. On SQLite and PostgreSQL; the harness is `training`'s.

use crate::common;
use crate::dash_support::{Dash, setup};
use crate::training::{api, batch_of, partner};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;

pub(crate) const LIST: &str = "प्रशिक्षण सूची\nक्रम,नाम,मोबाइल नं.,पद,ग्राम पंचायत,प्रखंड,जिला\n\
    1,सुनीता देवी,9811199901,ग्राम प्रधान,जलालपुर,मढ़ौरा,सारण\n\
    2,Rekha Kumari,+91 98111 99902,उप प्रधान,,,\n\
    3,=HYPERLINK(\"x\"),98111999,,,,\n\
    4,Sunita Again,9811199901,,,,\n\
    5,Third Person,9811199903,,,,\n";

/// Posts a file as the body of the list upload.
pub(crate) async fn upload(
    d: &Dash,
    auth: &str,
    batch: i64,
    query: &str,
    content_type: &str,
    body: &[u8],
) -> (StatusCode, Value, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = Request::post(format!("/api/v1/batches/{batch}/enrolments/upload{query}"))
        .header(header::AUTHORIZATION, auth)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_vec()))
        .unwrap();
    let res = d.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

#[tokio::test]
async fn a_list_is_uploaded_through_the_api_with_every_rows_outcome() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let tp = partner(t.app.store.as_ref(), "tp").await;
        let batch = batch_of(&d, &tp).await;
        // Not a list: refused whole, nothing written.
        let (s, r, _) = upload(&d, &tp, batch, "", "text/csv", b"a,b\n1,2\n").await;
        assert_eq!(
            (s, r["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("list_unreadable")),
            "{r}"
        );
        let (s, r, _) = upload(&d, &tp, batch, "", "text/plain", LIST.as_bytes()).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{r}");
        let (s, r, _) = upload(&d, &tp, batch, "?report=xml", "text/csv", LIST.as_bytes()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
        let (_, list) = api(
            &d,
            &tp,
            "GET",
            &format!("/api/v1/batches/{batch}/enrolments"),
            None,
        )
        .await;
        assert_eq!(list, serde_json::json!([]), "nothing stored");
        // The list: two seats, a bad phone, a duplicate, and the waiting list for the last.
        let (s, r, _) = upload(
            &d,
            &tp,
            batch,
            "?wait_if_full=true",
            "text/csv",
            LIST.as_bytes(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(
            (&r["rows"], &r["enrolled"], &r["waiting"], &r["refused"]),
            (&5.into(), &2.into(), &1.into(), &2.into()),
            "{r}"
        );
        let lines = r["lines"].as_array().unwrap();
        assert_eq!(lines[0]["line"], 3);
        assert_eq!(lines[2]["code"], "bad_phone", "{r}");
        assert_eq!(lines[3]["code"], "already_enrolled", "{r}");
        assert_eq!(lines[4]["outcome"], "waiting");
        // The same list again as CSV: every row now a duplicate, the names formula-safe.
        let (s, _, csv) = upload(&d, &tp, batch, "?report=csv", "text/csv", LIST.as_bytes()).await;
        assert_eq!(s, StatusCode::OK);
        assert!(csv.starts_with("line,name,outcome,code,reason"), "{csv}");
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        assert_eq!(csv.matches("already_enrolled").count(), 4, "{csv}");
        // Another partner cannot upload into the batch.
        let tp2 = partner(t.app.store.as_ref(), "tp2").await;
        let (s, _, _) = upload(&d, &tp2, batch, "", "text/csv", LIST.as_bytes()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_list_is_uploaded_from_the_batch_page() {
    for t in common::apps().await {
        let d = setup(&t).await;
        let tp = partner(t.app.store.as_ref(), "tp").await;
        let batch = batch_of(&d, &tp).await;
        let b = d.signed_in("tp").await;
        let page = b.get(&format!("/training/batches/{batch}")).await;
        assert!(
            page.body.contains("id=\"list-form\""),
            "the form is offered"
        );
        // Without a business number the page offers no invitations.
        assert!(!page.body.contains("name=\"invite\""));
        let to = format!("/training/batches/{batch}/enrolments");
        let done = b
            .post_file(
                &to,
                &[("wait_if_full", "1")],
                "phase-1.csv",
                LIST.as_bytes(),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("id=\"n-enrolled\">2<"), "{}", done.body);
        assert!(done.body.contains("id=\"n-waiting\">1<"), "{}", done.body);
        assert!(done.body.contains("सुनीता देवी"));
        // An unreadable file: the reason, nothing written.
        let bad = b.post_file(&to, &[], "photo.csv", b"\x00\x01\x02").await;
        assert_eq!(bad.status, StatusCode::OK);
        assert!(bad.body.contains("id=\"error\""), "{}", bad.body);
        // A form without its token is refused.
        let (_, before) = api(
            &d,
            &tp,
            "GET",
            &format!("/api/v1/batches/{batch}/enrolments"),
            None,
        )
        .await;
        // (A second token part is the one read: the page's own comes first.)
        let forged = b
            .post_file(&to, &[("csrf", "not-the-token")], "l.csv", LIST.as_bytes())
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let (_, after) = api(
            &d,
            &tp,
            "GET",
            &format!("/api/v1/batches/{batch}/enrolments"),
            None,
        )
        .await;
        assert_eq!(before, after);
        t.cleanup().await;
    }
}
