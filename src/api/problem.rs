//! The one mapping of the service's errors to HTTP: every error body is an RFC 9457
//! `application/problem+json` document whose `type` names a kind listed in `ProblemKind::ALL`,
//! and `GET /problems/{slug}` describes each kind.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, FieldError};

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

/// A kind of problem: its `type` slug, title, status and description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemKind {
    pub slug: &'static str,
    pub title: &'static str,
    pub status: StatusCode,
    pub description: &'static str,
}

const fn kind(
    slug: &'static str,
    title: &'static str,
    status: StatusCode,
    description: &'static str,
) -> ProblemKind {
    ProblemKind {
        slug,
        title,
        status,
        description,
    }
}

impl ProblemKind {
    pub const MALFORMED: Self = kind(
        "malformed-request",
        "Malformed request",
        StatusCode::BAD_REQUEST,
        "The body or query string could not be read as JSON of the expected shape.",
    );
    pub const UNAUTHORIZED: Self = kind(
        "unauthorized",
        "Authentication required",
        StatusCode::UNAUTHORIZED,
        "Send `Authorization: Bearer <token>` with a valid staff token or edit token.",
    );
    pub const FORBIDDEN: Self = kind(
        "forbidden",
        "Not allowed",
        StatusCode::FORBIDDEN,
        "The caller is known but their role or councils do not allow this request.",
    );
    pub const NOT_FOUND: Self = kind(
        "not-found",
        "Not found",
        StatusCode::NOT_FOUND,
        "The resource does not exist, or the caller may not know that it exists.",
    );
    pub const METHOD_NOT_ALLOWED: Self = kind(
        "method-not-allowed",
        "Method not allowed",
        StatusCode::METHOD_NOT_ALLOWED,
        "The path exists, but not for this method; `Allow` lists the methods it serves.",
    );
    pub const CONFLICT: Self = kind(
        "conflict",
        "Wrong state",
        StatusCode::CONFLICT,
        "The resource is not in a state that allows this request, e.g. the call is not open or is already decided.",
    );
    pub const PRECONDITION_FAILED: Self = kind(
        "precondition-failed",
        "Version mismatch",
        StatusCode::PRECONDITION_FAILED,
        "`If-Match` does not name the current version; read the resource again and retry.",
    );
    pub const PRECONDITION_REQUIRED: Self = kind(
        "precondition-required",
        "Version required",
        StatusCode::PRECONDITION_REQUIRED,
        "This change needs `If-Match` with the ETag from `GET`, so that two edits cannot overwrite each other.",
    );
    pub const PAYLOAD_TOO_LARGE: Self = kind(
        "payload-too-large",
        "Request body too large",
        StatusCode::PAYLOAD_TOO_LARGE,
        "The body exceeds the configured limit.",
    );
    pub const UNSUPPORTED_MEDIA_TYPE: Self = kind(
        "unsupported-media-type",
        "Unsupported media type",
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Send the body as `application/json`.",
    );
    pub const VALIDATION_FAILED: Self = kind(
        "validation-failed",
        "Invalid fields",
        StatusCode::UNPROCESSABLE_ENTITY,
        "One or more fields are invalid; `errors` names each of them.",
    );
    pub const RATE_LIMITED: Self = kind(
        "rate-limited",
        "Too many requests",
        StatusCode::TOO_MANY_REQUESTS,
        "Wait for the number of seconds in `Retry-After` before retrying.",
    );
    pub const UNAVAILABLE: Self = kind(
        "unavailable",
        "Service unavailable",
        StatusCode::SERVICE_UNAVAILABLE,
        "The database is unreachable or busy; retry shortly.",
    );
    pub const INTERNAL: Self = kind(
        "internal",
        "Internal error",
        StatusCode::INTERNAL_SERVER_ERROR,
        "An unexpected failure; it has been logged.",
    );

    /// Every kind the service reports (`GET /problems/{slug}` describes each).
    pub const ALL: [Self; 14] = [
        Self::MALFORMED,
        Self::UNAUTHORIZED,
        Self::FORBIDDEN,
        Self::NOT_FOUND,
        Self::METHOD_NOT_ALLOWED,
        Self::CONFLICT,
        Self::PRECONDITION_FAILED,
        Self::PRECONDITION_REQUIRED,
        Self::PAYLOAD_TOO_LARGE,
        Self::UNSUPPORTED_MEDIA_TYPE,
        Self::VALIDATION_FAILED,
        Self::RATE_LIMITED,
        Self::UNAVAILABLE,
        Self::INTERNAL,
    ];

    pub fn by_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug == slug)
    }

    /// The kind of an error: an exhaustive match, so a new error cannot go without one.
    pub fn of(error: &AppError) -> Self {
        match error {
            AppError::BadRequest(_) => Self::MALFORMED,
            AppError::Unauthorized(_) => Self::UNAUTHORIZED,
            AppError::Forbidden(_) => Self::FORBIDDEN,
            AppError::NotFound(_) => Self::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => Self::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => Self::CONFLICT,
            AppError::PreconditionFailed(_) => Self::PRECONDITION_FAILED,
            AppError::PreconditionRequired(_) => Self::PRECONDITION_REQUIRED,
            AppError::PayloadTooLarge { .. } => Self::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => Self::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => Self::VALIDATION_FAILED,
            AppError::TooManyRequests { .. } => Self::RATE_LIMITED,
            AppError::Unavailable(_) => Self::UNAVAILABLE,
            AppError::Internal(_) => Self::INTERNAL,
        }
    }

    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.slug)
    }
}

/// The problem document of an error.
pub fn problem_of(error: &AppError) -> Problem {
    let kind = ProblemKind::of(error);
    let detail = match error {
        AppError::Internal(_) => "An unexpected error occurred; it has been logged.".to_owned(),
        AppError::Validation(errors) if errors.len() == 1 => {
            format!("`{}`: {}", errors[0].field, errors[0].message)
        }
        other => other.to_string(),
    };
    Problem {
        problem_type: kind.type_uri(),
        title: kind.title.to_owned(),
        status: kind.status.as_u16(),
        detail,
        errors: match error {
            AppError::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        },
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        ProblemKind::of(self).status
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
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem_of(self)).expect("problems serialise"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_slug_and_status() {
        for (i, a) in ProblemKind::ALL.iter().enumerate() {
            for b in &ProblemKind::ALL[i + 1..] {
                assert_ne!(a.slug, b.slug);
                assert_ne!(a.status, b.status, "{} and {}", a.slug, b.slug);
            }
            assert_eq!(ProblemKind::by_slug(a.slug), Some(*a));
        }
    }
}
