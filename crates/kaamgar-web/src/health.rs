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

/// `/metrics` on the main address: for the service token only (`KAAMGAR_API_TOKEN`); a scraper without it uses
/// the separate listener of `KAAMGAR_METRICS_ADDR`.
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let given = crate::extract::bearer(&headers).unwrap_or("");
    match &state.api_token {
        Some(t) if crate::extract::constant_time_eq(given.as_bytes(), t.as_bytes()) => {
            render_metrics(state.metrics.as_ref())
        }
        _ => crate::ApiError::Unauthorized.into_response(),
    }
}

/// The metrics in Prometheus' text format.
fn render_metrics(handle: Option<&metrics_exporter_prometheus::PrometheusHandle>) -> Response {
    match handle {
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

/// The router of the separate metrics listener (`KAAMGAR_METRICS_ADDR`, kept off the public network): the metrics
/// without a token.
pub fn metrics_router(
    handle: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move { render_metrics(handle.as_ref()) }
        }),
    )
}

/// Refuses a request whose `Host` is not this service's: `KAAMGAR_PUBLIC_URL`'s host, or a loopback name. A page
/// on another site that resolves its own name to this server (DNS rebinding) gets nothing.
pub async fn check_host(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok());
    match host {
        Some(h) if !host_allowed(h, state.public_host.as_deref()) => (
            StatusCode::MISDIRECTED_REQUEST,
            "this host is not served here; set KAAMGAR_PUBLIC_URL to the address users reach kaamgar at",
        )
            .into_response(),
        _ => next.run(req).await,
    }
}

/// The host name of an authority (`Host` header or URL part), without port or IPv6 brackets.
pub fn host_name(authority: &str) -> &str {
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(n, _)| n),
    }
}

/// Whether a `Host` header names this service.
pub fn host_allowed(host: &str, public_host: Option<&str>) -> bool {
    let name = host_name(host);
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback || public_host.is_some_and(|p| p.eq_ignore_ascii_case(name))
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

    #[test]
    fn only_this_services_host_names_are_served() {
        use super::host_allowed;
        let public = Some("kaamgar.saran.example");
        assert!(host_allowed("127.0.0.1:8080", None));
        assert!(host_allowed("localhost:8080", None));
        assert!(host_allowed("[::1]:8080", None));
        assert!(host_allowed("KAAMGAR.saran.example", public));
        assert!(host_allowed("kaamgar.saran.example:443", public));
        assert!(!host_allowed("evil.example", public));
        assert!(!host_allowed("evil.example", None));
        assert!(!host_allowed("kaamgar.saran.example.evil.example", public));
    }
}
