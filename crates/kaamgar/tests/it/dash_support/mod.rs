//! The dashboard test harness: a district with workers in two blocks (one with a script in its name), accounts
//! for each role, a clock the test moves, and a small browser over the router (cookies kept, forms posted with the
//! page's CSRF token).
#![allow(dead_code)]

use crate::common::{self, HINDI_HEADER, csv, import_bytes};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use kaamgar_store::{AccountStore, NewUser, Store, WorkerFilter};
use kaamgar_web::ManualClock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct-horse-42";
pub const T0: i64 = 1_780_000_000;
pub const XSS: &str = "<script>alert(1)</script> राम";

pub struct Dash {
    pub router: axum::Router,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
}

fn hash() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| kaamgar_app::accounts::hash_password(PASSWORD).unwrap())
        .clone()
}

pub async fn setup(t: &common::TestApp) -> Dash {
    let mut rows: Vec<[String; 8]> = Vec::new();
    for (i, block) in ["Marhaura", "Marhaura", "Marhaura", "Sonepur", "Sonepur"]
        .iter()
        .enumerate()
    {
        rows.push([
            (i + 1).to_string(),
            if i == 0 {
                XSS.to_string()
            } else {
                format!("कामगार {i}")
            },
            format!("98111000{i:02}"),
            "पुरुष".into(),
            "30".into(),
            "plumber".into(),
            (*block).into(),
            "Saran".into(),
        ]);
    }
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let mut all: Vec<&[&str]> = vec![&HINDI_HEADER];
    all.extend(refs.iter().map(Vec::as_slice));
    let (out, _) = import_bytes(&t.app, "saran.csv", csv(&all)).await;
    assert_eq!(out.unwrap().summary.inserted, 5);
    for (name, role, district, block) in [
        ("state", "state_admin", None, None),
        ("admin", "district_admin", Some("Saran"), None),
        ("ravi", "block_officer", Some("Saran"), Some("Marhaura")),
        ("sonu", "block_officer", Some("Saran"), Some("Sonepur")),
        ("vik", "viewer", Some("Saran"), None),
    ] {
        t.app
            .store
            .create_user(
                &NewUser {
                    name: name.into(),
                    password_hash: hash(),
                    role: role.into(),
                    district: district.map(str::to_string),
                    block: block.map(str::to_string),
                    lang: "hi".into(),
                },
                T0,
            )
            .await
            .unwrap();
    }
    let clock = Arc::new(ManualClock::new(T0));
    let mut state = kaamgar::serve::state(&t.app).unwrap();
    state.clock = clock.clone();
    Dash {
        router: kaamgar_web::router(state),
        store: t.app.store.clone(),
        clock,
    }
}

impl Dash {
    /// A worker's id by block, in import order.
    pub async fn worker_in(&self, block: &str, nth: usize) -> i64 {
        let f = WorkerFilter {
            block: Some(block.into()),
            ..Default::default()
        };
        self.store
            .list_workers(
                &f,
                kaamgar_store::Page {
                    after: 0,
                    limit: 10,
                },
            )
            .await
            .unwrap()[nth]
            .id
    }

    /// Audit entries, newest first, as "action outcome target".
    pub async fn audit(&self) -> Vec<String> {
        self.store
            .audit_log(i64::MAX, 1000, None)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, e)| {
                format!(
                    "{} {} {} {}",
                    e.actor,
                    e.action,
                    e.outcome,
                    e.target.unwrap_or_default()
                )
            })
            .collect()
    }

    /// Whether an audit entry starts with `prefix` ("actor action outcome target").
    pub async fn audited(&self, prefix: &str) -> bool {
        self.audit().await.iter().any(|a| a.starts_with(prefix))
    }

    pub fn browser(&self) -> Browser {
        Browser {
            router: self.router.clone(),
            cookies: Mutex::new(HashMap::new()),
            csrf: Mutex::new(String::new()),
        }
    }

    pub async fn signed_in(&self, name: &str) -> Browser {
        let b = self.browser();
        let (status, _, _) = b.sign_in(name, PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in of {name}");
        b
    }
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// Cookies and the last CSRF token seen, like a browser tab.
pub struct Browser {
    router: axum::Router,
    cookies: Mutex<HashMap<String, String>>,
    csrf: Mutex<String>,
}

impl Browser {
    pub async fn send(&self, req: Request<Body>) -> Page {
        let mut req = req;
        let cookie = {
            let jar = self.cookies.lock().unwrap();
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !cookie.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, cookie.parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (kv, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if attrs.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), v.to_string());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(i) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[i + 19..];
            *self.csrf.lock().unwrap() = rest[..rest.find('"').unwrap()].to_string();
        }
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Page {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().unwrap().clone()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.into(), value.into());
    }

    /// Posts a form with the CSRF token of the last page (unless the fields bring their own).
    pub async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let mut body = form_urlencoded(fields);
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            body.push_str(&format!("&csrf={}", self.csrf()));
        }
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn sign_in(&self, name: &str, password: &str) -> (StatusCode, String, String) {
        self.get("/").await;
        let p = self
            .post("/signin", &[("name", name), ("password", password)])
            .await;
        let to = p
            .headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (p.status, to, p.body)
    }

    /// Uploads a file through the upload form (multipart).
    pub async fn upload(&self, file_name: &str, bytes: &[u8]) -> Page {
        self.get("/uploads").await;
        self.post_file("/uploads", &[], file_name, bytes).await
    }

    /// Posts a multipart form: the CSRF token, `fields`, and the part `file`.
    pub async fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> Page {
        let boundary = "XkaamgarBoundary";
        let mut body = Vec::new();
        let csrf = self.csrf();
        for (k, v) in std::iter::once(&("csrf", csrf.as_str())).chain(fields) {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .bytes(),
            );
        }
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        self.send(
            Request::post(path)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

fn form_urlencoded(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", kaamgar_web::dashboard::session::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn location(p: &Page) -> String {
    p.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}
