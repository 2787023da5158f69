//! The application context shared by commands: configuration, the store and the reference data.

use crate::config::Config;
use anyhow::{Context, Result};
use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_domain::understand::Understander;
use kaamgar_store::{SqlStore, Store};
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone)]
pub struct App {
    pub config: Config,
    pub store: Arc<SqlStore>,
    pub trades: Arc<TradeCatalogue>,
    pub places: Arc<PlaceDirectory>,
    /// Built on first use (about 130 ms): only serving and matching need it.
    understander: Arc<OnceLock<Arc<Understander>>>,
}

impl App {
    /// Connects, applies migrations and loads the reference data (trades, gazetteer, LGD codes).
    pub async fn open(config: Config) -> Result<App> {
        let store = connect(&config).await?;
        let trades = Arc::new(crate::reference::trades()?);
        let places = Arc::new(crate::reference::places(&store, &config.area_districts()).await?);
        Ok(App {
            config,
            store: Arc::new(store),
            trades,
            places,
            understander: Arc::default(),
        })
    }

    /// The message reader for this service area, built once.
    pub fn understander(&self) -> Result<Arc<Understander>> {
        if let Some(u) = self.understander.get() {
            return Ok(u.clone());
        }
        let u = Arc::new(
            Understander::new(&self.trades, &self.places, crate::reference::LEXICON)
                .context("building the understanding lexicons")?,
        );
        Ok(self.understander.get_or_init(|| u).clone())
    }
}

pub async fn connect(config: &Config) -> Result<SqlStore> {
    let url = kaamgar_store::redact(&config.database_url);
    let mut store = SqlStore::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    store
        .migrate()
        .await
        .with_context(|| format!("migrating {url}"))?;
    let secret = crate::secret_key::load(config)?;
    let rekeyed = store
        .adopt_phone_key(kaamgar_store::PhoneKey::derive(&secret))
        .await
        .with_context(|| format!("checking the secret key against {url}"))?;
    if rekeyed > 0 {
        tracing::info!(
            erasures = rekeyed,
            "erasure register re-keyed with the secret key"
        );
    }
    Ok(store)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
