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

/// The request's path with every query value replaced by `***`: queries carry phone digits (`q=98…`,
/// `near=98…`) and the webhook's verification token, and traces must not.
pub fn redacted_uri(uri: &axum::http::Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.path().to_string();
    };
    let mut out = String::with_capacity(uri.path().len() + query.len());
    out.push_str(uri.path());
    for (i, pair) in query.split('&').enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        match pair.split_once('=') {
            Some((key, _)) => {
                out.push_str(key);
                out.push_str("=***");
            }
            None => out.push_str("***"),
        }
    }
    out
}

/// The span of one request in traces (debug level), without query values.
pub fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %req.method(), uri = %redacted_uri(req.uri()))
}

#[cfg(test)]
mod tests {
    use super::redacted_uri;

    #[test]
    fn query_values_never_reach_a_trace() {
        let cases = [
            (
                "/workers?q=9876543210&trade=plumber",
                "/workers?q=***&trade=***",
            ),
            (
                "/api/v1/match?near=98765&limit=3",
                "/api/v1/match?near=***&limit=***",
            ),
            (
                "/webhooks/whatsapp?hub.verify_token=s3cret",
                "/webhooks/whatsapp?hub.verify_token=***",
            ),
            ("/x?9876543210", "/x?***"),
            ("/plain", "/plain"),
        ];
        for (uri, want) in cases {
            let uri: axum::http::Uri = uri.parse().unwrap();
            assert_eq!(redacted_uri(&uri), want);
        }
    }
}
