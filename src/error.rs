//! The one error type of the service and its one mapping to HTTP: every error body is an RFC 9457
//! `application/problem+json` document.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body or query is not well-formed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or unknown credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: known caller, not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: absent, or hidden from this caller (the two are indistinguishable on purpose).
    #[error("{0}")]
    NotFound(String),
    /// 409: the resource is in the wrong state for this request.
    #[error("{0}")]
    Conflict(String),
    /// 412: `If-Match` does not match the current version.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 428: a change that needs `If-Match` came without it.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 413
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: one entry per bad field.
    #[error("{} field(s) are invalid", .0.len())]
    Validation(Vec<FieldError>),
    /// 429
    #[error("too many requests; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// 503: the database is unreachable or the pool is exhausted.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a bug or an unexpected failure; details go to the log, not to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `candidate.email` or `themes[2].deputies`.
    #[schema(example = "candidate.email")]
    pub field: String,
    /// Machine-readable reason, e.g. `required`, `email`, `length`, `unknown_field`.
    #[schema(example = "email")]
    pub code: String,
    /// Human-readable reason.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem; `GET` it for a description.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation-failed")]
    pub problem_type: String,
    #[schema(example = "Invalid fields")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    pub detail: String,
    /// For 422: every invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The kinds of problem the service reports, with their type URI slugs and titles.
pub const PROBLEM_KINDS: &[(&str, &str, &str)] = &[
    (
        "malformed-request",
        "Malformed request",
        "The body or query string could not be read as JSON of the expected shape.",
    ),
    (
        "unauthorized",
        "Authentication required",
        "Send `Authorization: Bearer <token>` with a valid staff token or edit token.",
    ),
    (
        "forbidden",
        "Not allowed",
        "The caller is known but their role or councils do not allow this request.",
    ),
    (
        "not-found",
        "Not found",
        "The resource does not exist, or the caller may not know that it exists.",
    ),
    (
        "conflict",
        "Wrong state",
        "The resource is not in a state that allows this request, e.g. the call is not open or is already decided.",
    ),
    (
        "precondition-failed",
        "Version mismatch",
        "`If-Match` does not name the current version; read the resource again and retry.",
    ),
    (
        "payload-too-large",
        "Request body too large",
        "The body exceeds the configured limit.",
    ),
    (
        "unsupported-media-type",
        "Unsupported media type",
        "Send the body as `application/json`.",
    ),
    (
        "validation-failed",
        "Invalid fields",
        "One or more fields are invalid; `errors` names each of them.",
    ),
    (
        "rate-limited",
        "Too many requests",
        "Wait for the number of seconds in `Retry-After` before retrying.",
    ),
    (
        "unavailable",
        "Service unavailable",
        "The database is unreachable or busy; retry shortly.",
    ),
    (
        "internal",
        "Internal error",
        "An unexpected failure; it has been logged.",
    ),
];

impl AppError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn invalid(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "malformed-request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::PreconditionRequired(_) => "precondition-required",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::Validation(_) => "validation-failed",
            Self::TooManyRequests { .. } => "rate-limited",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let slug = self.slug();
        let title = PROBLEM_KINDS
            .iter()
            .find(|(s, _, _)| *s == slug)
            .map(|(_, title, _)| *title)
            .unwrap_or("Error");
        let detail = match self {
            Self::Internal(_) => "An unexpected error occurred; it has been logged.".to_owned(),
            Self::Validation(errors) if errors.len() == 1 => {
                format!("`{}`: {}", errors[0].field, errors[0].message)
            }
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(error) = self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).expect("problems serialise"))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => Self::NotFound("not found".into()),
            other => Self::Internal(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(error: r2d2::Error) -> Self {
        Self::Unavailable(format!("no database connection available: {error}"))
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        flatten_validation_errors("", &errors, &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
        Self::Validation(fields)
    }
}

fn flatten_validation_errors(
    prefix: &str,
    errors: &validator::ValidationErrors,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            }
        };
        // `__all__` holds struct-level (schema) errors: they name their field in the `field`
        // parameter, relative to the struct; without it they belong to the struct itself.
        let path = if field == "__all__" {
            prefix.to_owned()
        } else {
            join(field)
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let path = match error.params.get("field").and_then(|v| v.as_str()) {
                        Some(name) if field == "__all__" => join(name),
                        _ => path.clone(),
                    };
                    out.push(FieldError::new(
                        path,
                        error.code.to_string(),
                        describe(error),
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation_errors(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_validation_errors(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

/// The error's own message, or a sentence made from its code and parameters.
fn describe(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "email" => "is not a valid email address".into(),
        "required" => "is required".into(),
        "url" => "is not a valid URL".into(),
        "length" => match (param("min"), param("max"), param("equal")) {
            (_, _, Some(n)) => format!("must have exactly {n} characters"),
            (Some(min), Some(max), _) => format!("must have {min} to {max} characters"),
            (Some(min), None, _) => format!("must have at least {min} characters"),
            (None, Some(max), _) => format!("must have at most {max} characters"),
            _ => "has the wrong length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        code => format!("is invalid ({code})"),
    }
}
