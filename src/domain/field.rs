//! One invalid field of an input, as every layer reports it: the rules here, the workflows, and
//! the HTTP front doors (a problem+json `errors` entry, or the message beside a form field).

use serde::Serialize;
use utoipa::ToSchema;

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
