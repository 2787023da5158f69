//! `kaamgar match`: the same match use case as `GET /api/v1/match`, run once from the command line (the index is
//! filled from the database for this one query).

use crate::app::{self, App};
use crate::config::Config;
use anyhow::Result;
use kaamgar_app::matching::{MatchParams, Matcher};

pub async fn command(cfg: Config, trade: String, near: String, limit: usize) -> Result<()> {
    let app = App::open(cfg).await?;
    let understander = app.understander()?;
    let matcher = Matcher::new(&app.trades);
    let params = MatchParams {
        trade,
        near,
        limit: Some(limit),
    };
    let r = kaamgar_app::matching::run(
        app.store.as_ref(),
        &app.trades,
        &understander,
        &matcher,
        &params,
        &kaamgar_domain::access::Scope::All,
        app::now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", serde_json::to_string_pretty(&r)?);
    Ok(())
}
