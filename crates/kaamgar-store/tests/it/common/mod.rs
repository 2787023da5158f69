//! Helpers shared by the store's integration tests: a fresh store on SQLite, and on PostgreSQL when
//! `KAAMGAR_TEST_POSTGRES_URL` is set (each run gets a database of its own, dropped at the end).
#![allow(dead_code)]

use kaamgar_domain::PhoneNumber;
use kaamgar_domain::places::{Place, Precision};
use kaamgar_domain::worker::{Availability, Consent, ConsentMethod, NewWorker};
use kaamgar_store::{SqlStore, Store, scratch};
use std::sync::atomic::{AtomicU32, Ordering};

static DB_COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct Backend {
    pub store: SqlStore,
    pub name: &'static str,
    _dir: Option<Dir>,
    pg_drop: Option<(String, String)>,
}

/// A throw-away directory removed on drop.
struct Dir(std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn test_key() -> kaamgar_store::PhoneKey {
    kaamgar_store::PhoneKey::derive(b"the secret key of a store test database")
}

pub async fn backends() -> Vec<Backend> {
    backends_at(None).await
}

/// Fresh stores migrated up to `version` (all migrations with `None`); the phone key is adopted only when fully
/// migrated.
pub async fn backends_at(version: Option<i64>) -> Vec<Backend> {
    let n = DB_COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("kaamgar-store-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let mut store = SqlStore::connect(&url).await.expect("sqlite connects");
    prepare(&mut store, version).await;
    let mut out = vec![Backend {
        store,
        name: "sqlite",
        _dir: Some(Dir(dir)),
        pg_drop: None,
    }];
    if let Ok(base) = std::env::var("KAAMGAR_TEST_POSTGRES_URL") {
        let db = format!("kaamgar_t_{}_{n}", std::process::id());
        let url = scratch::create_postgres_database(&base, &db)
            .await
            .expect("KAAMGAR_TEST_POSTGRES_URL must be reachable");
        let mut store = SqlStore::connect(&url).await.expect("postgres connects");
        prepare(&mut store, version).await;
        out.push(Backend {
            store,
            name: "postgres",
            _dir: None,
            pg_drop: Some((base, db)),
        });
    }
    out
}

async fn prepare(store: &mut SqlStore, version: Option<i64>) {
    match version {
        Some(v) => store.migrate_to(v).await.expect("migrates"),
        None => {
            store.migrate().await.expect("migrates");
            store
                .adopt_phone_key(test_key())
                .await
                .expect("key adopted");
        }
    }
}

pub async fn cleanup(backends: Vec<Backend>) {
    for b in backends {
        if let Some((base, db)) = b.pg_drop {
            b.store.close().await;
            let _ = scratch::drop_postgres_database(&base, &db).await;
        }
    }
}

pub fn worker(phone: &str, name: &str, trade: &str, block: &str) -> NewWorker {
    NewWorker {
        name: name.into(),
        phone: PhoneNumber::parse(phone).unwrap(),
        gender: None,
        age: Some(30),
        trade: trade.into(),
        other_trades: vec![],
        experience_years: Some(5),
        place: Place {
            village: Some("Marhaura".into()),
            panchayat: None,
            block: Some(block.into()),
            block_lgd: Some(2071),
            district: "Saran".into(),
            district_lgd: Some(218),
            state: "Bihar".into(),
            pin: Some(841418),
            lat: 25.97,
            lon: 84.87,
            precision: Precision::Village,
        },
        languages: vec!["hi".into(), "bho".into()],
        availability: Availability::Available,
        source: "returned migrant 2020 survey".into(),
        consent: Consent {
            given_at: 1_590_000_000,
            method: ConsentMethod::SurveyForm,
        },
    }
}
