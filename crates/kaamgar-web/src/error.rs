//! The API's one error type. Status codes are decided in exactly one `match`; internal errors are logged with
//! their detail and shown to clients only as a generic message with a stable code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaamgar_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub enum ApiError {
    Validation(Vec<FieldError>),
    BadRequest { code: &'static str, message: String },
    Unauthorized,
    NotFound,
    Conflict { code: &'static str, message: String },
    Gone { code: &'static str, message: String },
    PayloadTooLarge(String),
    Unprocessable { code: &'static str, message: String },
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PhoneTaken => ApiError::Conflict {
                code: "worker_phone_taken",
                message: e.to_string(),
            },
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Erased => ApiError::Gone {
                code: "worker_erased",
                message: e.to_string(),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self {
            ApiError::Validation(fields) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed".to_string(),
                "some fields are not valid".to_string(),
                fields,
            ),
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, code.into(), message, vec![])
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized".into(),
                "a valid bearer token is required".into(),
                vec![],
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found".into(),
                "no such record".into(),
                vec![],
            ),
            ApiError::Conflict { code, message } => {
                (StatusCode::CONFLICT, code.into(), message, vec![])
            }
            ApiError::Gone { code, message } => (StatusCode::GONE, code.into(), message, vec![]),
            ApiError::PayloadTooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large".into(),
                message,
                vec![],
            ),
            ApiError::Unprocessable { code, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                code.into(),
                message,
                vec![],
            ),
            ApiError::Internal(detail) => {
                tracing::error!(error.detail = %detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal".into(),
                    "something went wrong on our side".into(),
                    vec![],
                )
            }
        };
        (
            status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code,
                    message,
                    fields,
                },
            }),
        )
            .into_response()
    }
}
