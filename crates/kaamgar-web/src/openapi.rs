//! The OpenAPI document for `/api/v1`, generated from the handlers' annotations so it cannot drift from them.

use crate::{error, health, imports, matching, reference, requests, workers};
use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "kaamgar API", description = "Registry of skilled workers for district administrations."),
    paths(
        health::healthz,
        workers::create, workers::get, workers::replace, workers::list, workers::set_availability,
        workers::set_verified, workers::remove, workers::erase,
        imports::upload,
        matching::find,
        requests::list, requests::get,
        reference::trades, reference::by_pin, reference::blocks, reference::nearest,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail, error::FieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
