//! The `Idempotency-Key` header of creating requests, and the 201 response of a creating workflow
//! (`round::idempotency` keeps the first result and replays it).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use super::extract::RequestDigest;
use crate::error::AppError;
use crate::round::access::Staff;
use crate::round::idempotency::{Created, Once};

/// The `Idempotency-Key` header, if sent: 16 to 255 visible ASCII characters, e.g. a UUID. The
/// length is required because the first result is sealed under the key: a guessable key would
/// protect it less.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

pub use crate::round::idempotency::is_valid_key;

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("Idempotency-Key") {
            None => Ok(Self(None)),
            Some(value) => match value.to_str() {
                Ok(text) if is_valid_key(text) => Ok(Self(Some(text.to_owned()))),
                _ => Err(AppError::invalid(
                    "Idempotency-Key",
                    "header",
                    "must be 16 to 255 visible ASCII characters, e.g. a UUID",
                )),
            },
        };
        std::future::ready(key)
    }
}

impl IdempotencyKey {
    /// The key of a public request to `endpoint`.
    pub fn public(self, endpoint: String, digest: &RequestDigest) -> Once {
        Once {
            key: self.0,
            scope: endpoint,
            digest: digest.0.clone(),
        }
    }

    /// Keys are per endpoint and, for staff, per user: one user's key never replays another's
    /// result.
    pub fn of_staff(self, endpoint: &str, staff: &Staff, digest: &RequestDigest) -> Once {
        Once {
            key: self.0,
            scope: format!("{endpoint} by {}", staff.id()),
            digest: digest.0.clone(),
        }
    }
}

/// The 201 response of a creating workflow, marked `Idempotent-Replayed` when it repeats an
/// earlier one; `etag` is the resource's version, if it has one.
pub fn created<T, V: Serialize>(
    created: Created<T>,
    view: impl FnOnce(T) -> V,
    etag: Option<i32>,
) -> HttpResponse {
    let mut builder = HttpResponse::Created();
    if created.replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    if let Some(version) = etag {
        builder.insert_header(("ETag", format!("\"{version}\"")));
    }
    builder.json(view(created.value))
}
