//! The overview: the jurisdiction's figures (cached), its charts and map, and the sign-in page for visitors.

mod charts;
mod map;
mod page;
mod stats;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub(crate) use charts::civil_from_days;
pub use stats::StatsCache;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/", get(page::page))
}
