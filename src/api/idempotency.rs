//! `Idempotency-Key` on creating requests: the same key and body within 24 hours returns the first
//! response again and creates nothing new; the same key with a different body is a 422.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::extract::RequestDigest;
use crate::db::DbConn;
use crate::error::AppError;
use crate::store::idempotency::{self as store, Claim, StoredResponse};

/// The `Idempotency-Key` header, if sent: 16 to 255 visible ASCII characters, e.g. a UUID. The
/// length is required because the first response is sealed under the key: a guessable key would
/// protect it less.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("Idempotency-Key") {
            None => Ok(Self(None)),
            Some(value) => match value.to_str() {
                Ok(text)
                    if (16..=255).contains(&text.len())
                        && text.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(Self(Some(text.to_owned())))
                }
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

/// A 201 response with `value` as its body.
pub fn created<T: serde::Serialize>(value: T) -> StoredResponse {
    StoredResponse {
        status: 201,
        body: serde_json::to_value(value).expect("views serialise"),
    }
}

/// Keys are per endpoint and, for staff, per user: one user's key never replays another's response.
pub fn staff_scope(endpoint: &str, staff: &super::auth::Staff) -> String {
    format!("{endpoint} by {}", staff.0.id)
}

/// The outcome of a creating request: its response, and whether it repeats an earlier one.
pub struct Outcome {
    pub response: StoredResponse,
    pub replayed: bool,
}

impl Outcome {
    pub fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.response.status).unwrap_or(StatusCode::OK);
        let mut builder = HttpResponse::build(status);
        if self.replayed {
            builder.insert_header(("Idempotent-Replayed", "true"));
        }
        // Resources with a version (applications) carry it as their ETag.
        if let Some(version) = self.response.body.get("version").and_then(|v| v.as_i64()) {
            builder.insert_header(("ETag", format!("\"{version}\"")));
        }
        builder.json(self.response.body)
    }
}

/// For requests that prepare their work before the write transaction: the earlier outcome of
/// this key, if there is one (a replay, or a 422 for a different body).
pub fn earlier(
    conn: &mut DbConn,
    key: &IdempotencyKey,
    scope: &str,
    digest: &RequestDigest,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, AppError> {
    let Some(key) = &key.0 else { return Ok(None) };
    match store::peek(conn, scope, key, &digest.0, now)? {
        None | Some(Claim::Fresh) => Ok(None),
        Some(Claim::Replay(response)) => Ok(Some(Outcome {
            response,
            replayed: true,
        })),
        Some(Claim::Mismatch) => Err(reused()),
    }
}

fn reused() -> AppError {
    AppError::invalid(
        "Idempotency-Key",
        "idempotency_key_reused",
        "was used with a different request body in the last 24 hours; use a new key for a new request",
    )
}

/// Runs `create` once per key, inside the caller's write transaction, so that the record of the
/// key and the work it describes commit (or roll back) together. A refused request is not
/// recorded: the key can be used again to retry it.
pub fn once(
    conn: &mut DbConn,
    key: &IdempotencyKey,
    scope: &str,
    digest: &RequestDigest,
    now: DateTime<Utc>,
    create: impl FnOnce(&mut DbConn) -> Result<StoredResponse, AppError>,
) -> Result<Outcome, AppError> {
    let Some(key) = &key.0 else {
        return Ok(Outcome {
            response: create(conn)?,
            replayed: false,
        });
    };
    match store::claim(conn, scope, key, &digest.0, now)? {
        Claim::Replay(response) => Ok(Outcome {
            response,
            replayed: true,
        }),
        Claim::Mismatch => Err(reused()),
        Claim::Fresh => {
            let response = create(conn)?;
            store::finish(conn, scope, key, &response)?;
            Ok(Outcome {
                response,
                replayed: false,
            })
        }
    }
}
