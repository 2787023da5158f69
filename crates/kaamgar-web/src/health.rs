//! Liveness and readiness (`/healthz`), Prometheus metrics (`/metrics`) and the request metrics middleware.

use crate::AppState;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Instant;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
    database: &'static str,
    backend: &'static str,
}

/// 200 when the database answers, 503 otherwise (load balancers take the process out of rotation).
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let backend = state.store.backend().name();
    match state.store.ping().await {
        Ok(()) => Json(Health {
            status: "ok",
            database: "ok",
            backend,
        })
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "degraded",
                    database: "unreachable",
                    backend,
                }),
            )
                .into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(h) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )],
            h.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are not enabled").into_response(),
    }
}

/// Counts requests and records their duration per route (the matched pattern, never the raw path with ids).
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let secs = start.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method)
        .record(secs);
    response
}
