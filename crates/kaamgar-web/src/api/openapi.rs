//! The OpenAPI document for `/api/v1`, generated from the handlers' annotations so it cannot drift from them.

use super::{
    certificates, imports, matching, places, requests, training, training_acts, training_lists,
    workers,
};
use crate::{error, health};
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
        places::trades, places::by_pin, places::blocks, places::nearest,
        training::create_centre, training::list_centres, training::get_centre,
        training::create_programme, training::list_programmes, training::get_programme,
        training::create_batch, training::list_batches, training::get_batch,
        training_acts::enrol, training_acts::list_enrolments, training_acts::withdraw,
        training_acts::mark_attendance, training_acts::get_attendance,
        training_acts::list_assessments, training_acts::record_assessment, training_acts::complete,
        training_lists::upload,
        certificates::list, certificates::get, certificates::revoke, certificates::reissue,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail, error::FieldError)),
    modifiers(&BearerAuth, &CommonResponses),
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

/// The answers every API operation can give besides its own: a bad request, no or a wrong token, a role that may
/// not, an unknown id, a body too large or of the wrong type — each with the one error body. `/healthz` needs no
/// token.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |text: &str| {
            ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                if path == "/healthz" {
                    op.security = Some(vec![
                        utoipa::openapi::security::SecurityRequirement::default(),
                    ]);
                    continue;
                }
                let mut add = |code: &str, text: &str| {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| error(text).into());
                };
                add(
                    "400",
                    "the request is malformed or a value is not understood",
                );
                add("401", "a valid bearer token is needed");
                add("403", "the caller's role may not do this");
                if path.contains('{') {
                    add("404", "no such record in the caller's jurisdiction");
                }
                if op.request_body.is_some() {
                    add("413", "the body is too large");
                    add("415", "the body's content type is not accepted");
                    add(
                        "422",
                        "a field's value is not accepted; each is named with its reason",
                    );
                }
            }
        }
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
