//! Helpers shared by the integration tests: a fresh application on a temporary SQLite file (and on PostgreSQL
//! when `KAAMGAR_TEST_POSTGRES_URL` is set), and running an import the way the CLI does.
#![allow(dead_code)]

use kaamgar::app::App;
use kaamgar::config::Config;
use kaamgar::import::report::MemoryReport;
use kaamgar::import::source::Input;
use kaamgar::import::{ImportError, ImportOptions, ImportOutcome, Progress};
use kaamgar_domain::worker::ConsentMethod;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

static N: AtomicU32 = AtomicU32::new(0);

pub struct TestApp {
    pub app: App,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestApp {
    pub async fn cleanup(self) {
        self.app.store.close().await;
        if let Some((url, name)) = &self.pg {
            kaamgar_store::scratch::drop_postgres_database(url, name)
                .await
                .unwrap();
        }
    }
}

pub async fn sqlite_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let app = App::open(Config {
        database_url: url,
        api_token: Some(SERVICE_TOKEN.into()),
        ..Config::default()
    })
    .await
    .unwrap();
    TestApp { app, dir, pg: None }
}

/// SQLite always; PostgreSQL too when the test database URL is set (CI sets it).
pub async fn apps() -> Vec<TestApp> {
    let mut out = vec![sqlite_app().await];
    if let Ok(base) = std::env::var("KAAMGAR_TEST_POSTGRES_URL") {
        let name = format!(
            "kaamgar_it_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let url = kaamgar_store::scratch::create_postgres_database(&base, &name)
            .await
            .expect("KAAMGAR_TEST_POSTGRES_URL must be reachable");
        let app = App::open(Config {
            database_url: url,
            secret_key: Some("secret-key-of-a-test-database-000".into()),
            api_token: Some(SERVICE_TOKEN.into()),
            ..Config::default()
        })
        .await
        .unwrap();
        out.push(TestApp {
            app,
            dir: tempfile::tempdir().unwrap(),
            pg: Some((base, name)),
        });
    }
    out
}

pub async fn import_bytes(
    app: &App,
    name: &str,
    bytes: Vec<u8>,
) -> (Result<ImportOutcome, ImportError>, MemoryReport) {
    let mut report = MemoryReport::new(100_000);
    let opts = ImportOptions {
        file_name: name.into(),
        source: "test list".into(),
        consent: ConsentMethod::SurveyForm,
        now: 1_700_000_000,
        only: None,
    };
    let out = kaamgar::importer::run(
        app,
        Input::Memory(std::io::Cursor::new(bytes)),
        &opts,
        &mut report,
        Arc::new(Progress::default()),
    )
    .await;
    (out, report)
}

pub fn csv(rows: &[&[&str]]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(*r).unwrap();
    }
    w.into_inner().unwrap()
}

pub const HINDI_HEADER: [&str; 8] = [
    "क्रम संख्या",
    "नाम",
    "मोबाइल नंबर",
    "लिंग",
    "उम्र",
    "कौशल",
    "प्रखंड",
    "जिला",
];

/// Sends a request through the router and returns the status and the JSON body (`Null` when not JSON).
pub async fn call(
    router: &axum::Router,
    req: axum::http::Request<axum::body::Body>,
) -> (axum::http::StatusCode, serde_json::Value) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// The service token of the test applications; [`get`] and [`send`] carry it.
pub const SERVICE_TOKEN: &str = "service-token-of-the-tests";
pub const BEARER: &str = "Bearer service-token-of-the-tests";

pub fn get(uri: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(uri)
        .header(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {SERVICE_TOKEN}"),
        )
        .body(axum::body::Body::empty())
        .unwrap()
}

pub fn send(
    method: &str,
    uri: &str,
    body: &serde_json::Value,
) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {SERVICE_TOKEN}"),
        )
        .body(axum::body::Body::from(body.to_string()))
        .unwrap()
}
