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
    BadRequest {
        code: &'static str,
        message: String,
    },
    Unauthorized,
    /// The token is valid but may not do this.
    Forbidden {
        code: &'static str,
        message: String,
    },
    NotFound,
    Conflict {
        code: &'static str,
        message: String,
    },
    Gone {
        code: &'static str,
        message: String,
    },
    PayloadTooLarge(String),
    Unprocessable {
        code: &'static str,
        message: String,
    },
    /// A request that must be signed (the WhatsApp webhook) was not, or not rightly.
    Unsigned {
        code: &'static str,
        message: String,
    },
    UnsupportedMediaType(String),
    Unavailable {
        code: &'static str,
        message: String,
    },
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

impl std::fmt::Display for ApiError {
    /// The message a client sees (internal detail stays in the logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Validation(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                write!(f, "some fields are not valid: {}", parts.join("; "))
            }
            ApiError::BadRequest { message, .. }
            | ApiError::Forbidden { message, .. }
            | ApiError::Conflict { message, .. }
            | ApiError::Gone { message, .. }
            | ApiError::Unprocessable { message, .. }
            | ApiError::Unsigned { message, .. }
            | ApiError::Unavailable { message, .. }
            | ApiError::UnsupportedMediaType(message)
            | ApiError::PayloadTooLarge(message) => f.write_str(message),
            ApiError::Unauthorized => f.write_str("a valid API token is needed"),
            ApiError::NotFound => f.write_str("not found"),
            ApiError::Internal(_) => f.write_str("internal error"),
        }
    }
}

impl std::error::Error for ApiError {}

/// The one authorization check's refusal: a permission the caller lacks is 403; a record outside their jurisdiction
/// is answered as if it did not exist.
impl From<kaamgar_domain::access::Denied> for ApiError {
    fn from(d: kaamgar_domain::access::Denied) -> Self {
        match d {
            kaamgar_domain::access::Denied::Permission { .. } => ApiError::Forbidden {
                code: "forbidden",
                message: d.to_string(),
            },
            kaamgar_domain::access::Denied::Jurisdiction => ApiError::NotFound,
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
            StoreError::AlreadyEnrolled => ApiError::Conflict {
                code: "already_enrolled",
                message: e.to_string(),
            },
            StoreError::Erased => ApiError::Gone {
                code: "worker_erased",
                message: e.to_string(),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<kaamgar_app::training::TrainingError> for ApiError {
    fn from(e: kaamgar_app::training::TrainingError) -> Self {
        use kaamgar_app::training::TrainingError as T;
        match e {
            T::Store(s) => s.into(),
            T::Invalid(fields) => ApiError::Validation(
                fields
                    .into_iter()
                    .map(|f| FieldError {
                        field: f.field,
                        code: f.code.into(),
                        message: f.message,
                    })
                    .collect(),
            ),
            T::Denied(d) => d.into(),
            T::Enrol(r) => ApiError::Conflict {
                code: r.code(),
                message: r.to_string(),
            },
            T::Attendance(r) => ApiError::Unprocessable {
                code: r.code(),
                message: r.to_string(),
            },
            T::Refused { code, message } => ApiError::Conflict { code, message },
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
            ApiError::Forbidden { code, message } => {
                (StatusCode::FORBIDDEN, code.into(), message, vec![])
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
            ApiError::Unsigned { code, message } => {
                (StatusCode::UNAUTHORIZED, code.into(), message, vec![])
            }
            ApiError::UnsupportedMediaType(message) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type".into(),
                message,
                vec![],
            ),
            ApiError::Unavailable { code, message } => (
                StatusCode::SERVICE_UNAVAILABLE,
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
