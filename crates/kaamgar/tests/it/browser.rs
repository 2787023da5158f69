//! The dashboard in a real browser: Debian's Chromium driven by playwright-core (`tests/browser/dashboard.mjs`)
//! against a server on a prepared database (a synthetic district, two weeks of requests, test accounts).
//! Screenshots at phone and desktop sizes go to `target/browser-screenshots/`.
//!
//! Needs `chromium` on the PATH and `npm ci` in `tests/browser`. Without them the test is skipped, unless
//! `KAAMGAR_BROWSER_TESTS=1` (CI sets it), which turns their absence into a failure.

use crate::common;
use crate::dash_support;

use std::path::PathBuf;
use std::sync::Arc;

fn ready(root: &std::path::Path) -> Result<(), String> {
    let chromium = std::process::Command::new("sh")
        .args(["-c", "command -v chromium"])
        .output()
        .map_err(|e| e.to_string())?;
    if !chromium.status.success() {
        return Err("chromium is not installed (apt-get install chromium)".into());
    }
    if !root
        .join("tests/browser/node_modules/playwright-core")
        .exists()
    {
        return Err("playwright-core is not installed (cd tests/browser && npm ci)".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_chromium_on_a_phone_and_a_desktop() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Err(why) = ready(&root) {
        if std::env::var("KAAMGAR_BROWSER_TESTS").is_ok_and(|v| v == "1") {
            panic!("browser tests required but {why}");
        }
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let t = common::sqlite_app().await;
    let now = kaamgar::app::now();
    kaamgar::serve::fill_demo(&t.app, 3_000).await.unwrap();
    kaamgar::demo_service::fill_requests(&t.app, 30, now)
        .await
        .unwrap();
    let _ = dash_support::setup(&t).await;
    let mut state = kaamgar::serve::state(&t.app).unwrap();
    state.clock = Arc::new(kaamgar_web::SystemClock);
    let router = kaamgar_web::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let shots = root.join("target/browser-screenshots");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg("tests/browser/dashboard.mjs")
            .current_dir(&root)
            .env("KAAMGAR_BASE", format!("http://{addr}"))
            .env("KAAMGAR_PASSWORD", dash_support::PASSWORD)
            .env("KAAMGAR_SHOTS", shots)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.cleanup().await;
}
