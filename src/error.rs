//! The one error type of the service: what the workflows, the store and the extractors report.
//! It knows nothing of HTTP; `api::problem` maps it to RFC 9457 problem+json in one place, and the
//! pages map it to a page or to the form again.

pub use crate::domain::field::FieldError;

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
    /// 405: the path exists, but not for this method; `allow` lists the methods it serves.
    #[error("{method} is not served here; use {allow}")]
    MethodNotAllowed { method: String, allow: String },
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
