//! `Idempotency-Key` on creating requests: the same key and request within 24 hours gives the
//! first result again and creates nothing new; the same key with a different request is a 422.
//! The JSON API takes the key from the header, the application form from a hidden field.
//!
//! What is kept is the workflow's result (sealed, `store::idempotency`), not an HTTP response, so
//! a replay is answered by the same view code as the first request.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::DbConn;
use crate::error::AppError;
use crate::store::idempotency::{self as store, Claim, StoredResponse};

/// Whether `text` is a well-formed key: 16 to 255 visible ASCII characters, e.g. a UUID. The
/// length is required because the first result is sealed under the key.
pub fn is_valid_key(text: &str) -> bool {
    (16..=255).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic())
}

/// A creating request's key, if it came with one, and what identifies the request.
#[derive(Debug, Clone)]
pub struct Once {
    pub key: Option<String>,
    /// The endpoint, and for staff the user: one caller's key never replays another's result.
    pub scope: String,
    /// A digest of the request (`RequestDigest`), to tell a repeat from a different request.
    pub digest: String,
}

impl Once {
    /// No key: the request is simply made.
    pub fn none() -> Self {
        Self {
            key: None,
            scope: String::new(),
            digest: String::new(),
        }
    }
}

/// What a creating workflow returns: its result, and whether it repeats an earlier one.
#[derive(Debug, Clone)]
pub struct Created<T> {
    pub value: T,
    pub replayed: bool,
}

fn reused() -> AppError {
    AppError::invalid(
        "Idempotency-Key",
        "idempotency_key_reused",
        "was used with a different request body in the last 24 hours; use a new key for a new request",
    )
}

fn replay<T: DeserializeOwned>(response: StoredResponse) -> Result<Created<T>, AppError> {
    let value = serde_json::from_value(response.body).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored idempotent result unreadable: {e}"))
    })?;
    Ok(Created {
        value,
        replayed: true,
    })
}

/// For workflows that prepare their work before the write transaction: the earlier result of
/// this key, if there is one (or a 422 for a different request).
pub fn earlier<T: DeserializeOwned>(
    conn: &mut DbConn,
    once: &Once,
    now: DateTime<Utc>,
) -> Result<Option<Created<T>>, AppError> {
    let Some(key) = &once.key else {
        return Ok(None);
    };
    match store::peek(conn, &once.scope, key, &once.digest, now)? {
        None | Some(Claim::Fresh) => Ok(None),
        Some(Claim::Replay(response)) => replay(response).map(Some),
        Some(Claim::Mismatch) => Err(reused()),
    }
}

/// Runs `create` once per key, inside the caller's write transaction, so that the record of the
/// key and the work it describes commit (or roll back) together. A refused request is not
/// recorded: the key can be used again to retry it.
pub fn once<T: Serialize + DeserializeOwned>(
    conn: &mut DbConn,
    once: &Once,
    now: DateTime<Utc>,
    create: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<Created<T>, AppError> {
    let Some(key) = &once.key else {
        return Ok(Created {
            value: create(conn)?,
            replayed: false,
        });
    };
    match store::claim(conn, &once.scope, key, &once.digest, now)? {
        Claim::Replay(response) => replay(response),
        Claim::Mismatch => Err(reused()),
        Claim::Fresh => {
            let value = create(conn)?;
            let body = serde_json::to_value(&value).map_err(anyhow::Error::from)?;
            store::finish(
                conn,
                &once.scope,
                key,
                &StoredResponse { status: 201, body },
            )?;
            Ok(Created {
                value,
                replayed: false,
            })
        }
    }
}

/// Records which application a fresh result of `once` holds (see `store::set_subject`).
pub fn mark_subject(conn: &mut DbConn, once: &Once, subject: &str) -> Result<(), AppError> {
    match &once.key {
        Some(key) => store::set_subject(conn, &once.scope, key, subject),
        None => Ok(()),
    }
}
