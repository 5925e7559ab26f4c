//! The record of creating requests made with an `Idempotency-Key`: the first response is kept for
//! 24 hours and returned again for a repeat of the same request.
//!
//! The key is never stored; rows are found by a digest of it. The response is sealed
//! (ChaCha20-Poly1305) with a key derived from the client's key, because it may hold a secret shown
//! once (an applicant's edit token, a staff token): the database alone cannot reveal it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys;
use crate::db::{DbConn, to_db_time, unless_duplicate};
use crate::error::AppError;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// A response as first given.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: serde_json::Value,
}

/// What a request with a key should do.
#[derive(Debug)]
pub enum Claim {
    /// First use: go ahead; the key is now held by this transaction.
    Fresh,
    /// Seen before with the same request: answer as the first time.
    Replay(StoredResponse),
    /// Seen before with a different request.
    Mismatch,
}

fn derive(purpose: &str, scope: &str, key: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"jane-seats/idempotency/v1/");
    hash.update(purpose.as_bytes());
    hash.update([0]);
    hash.update(scope.as_bytes());
    hash.update([0]);
    hash.update(key.as_bytes());
    hash.finalize().into()
}

fn lookup_id(scope: &str, key: &str) -> String {
    hex::encode(derive("lookup", scope, key))
}

fn cipher(scope: &str, key: &str) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(&Key::from(derive("seal", scope, key)))
}

fn seal(scope: &str, key: &str, body: &serde_json::Value) -> String {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let plaintext = serde_json::to_vec(body).expect("JSON values serialise");
    let ciphertext = cipher(scope, key)
        .encrypt(&Nonce::from(nonce), plaintext.as_slice())
        .expect("encryption of a small buffer cannot fail");
    let mut sealed = nonce.to_vec();
    sealed.extend(ciphertext);
    BASE64.encode(sealed)
}

fn open(scope: &str, key: &str, sealed: &str) -> Result<serde_json::Value, AppError> {
    let broken =
        |what: &str| AppError::Internal(anyhow::anyhow!("stored idempotent response {what}"));
    let bytes = BASE64.decode(sealed).map_err(|_| broken("is not base64"))?;
    if bytes.len() < 12 {
        return Err(broken("is too short"));
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().expect("split at 12");
    let plaintext = cipher(scope, key)
        .decrypt(&Nonce::from(nonce), ciphertext)
        .map_err(|_| broken("does not decrypt"))?;
    serde_json::from_slice(&plaintext).map_err(|_| broken("is not JSON"))
}

type Row = (String, Option<i32>, Option<String>, NaiveDateTime);

fn read(conn: &mut DbConn, id: &str) -> Result<Option<Row>, AppError> {
    Ok(idempotency_keys::table
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_sealed,
            idempotency_keys::created_at,
        ))
        .filter(idempotency_keys::key_hash.eq(id))
        .get_result(conn)
        .optional()?)
}

/// How `key` was used before, without claiming it: `None` if it is free (or forgotten).
pub fn peek(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Claim>, AppError> {
    let expired_before = to_db_time(now - Duration::hours(RETENTION_HOURS));
    match read(conn, &lookup_id(scope, key))? {
        Some(row) if row.3 > expired_before => Ok(Some(judge(scope, key, request_hash, row)?)),
        _ => Ok(None),
    }
}

fn judge(scope: &str, key: &str, request_hash: &str, row: Row) -> Result<Claim, AppError> {
    let (stored_hash, status, sealed) = (row.0, row.1, row.2);
    if stored_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    match (status, sealed) {
        (Some(status), Some(sealed)) => Ok(Claim::Replay(StoredResponse {
            status: status as u16,
            body: open(scope, key, &sealed)?,
        })),
        _ => Err(AppError::Internal(anyhow::anyhow!(
            "idempotency record without a response"
        ))),
    }
}

/// Claims `key` for this request (inside the caller's write transaction), or says how the key was
/// used before. `scope` separates the same key used on different endpoints or by different staff.
pub fn claim(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    let id = lookup_id(scope, key);
    let expired_before = to_db_time(now - Duration::hours(RETENTION_HOURS));
    if let Some(row) = read(conn, &id)? {
        if row.3 > expired_before {
            return judge(scope, key, request_hash, row);
        }
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::key_hash.eq(&id)))
            .execute(conn)?;
    }
    let inserted = unless_duplicate(conn, |conn| {
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::key_hash.eq(&id),
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::created_at.eq(to_db_time(now)),
            ))
            .execute(conn)
    })?;
    match inserted {
        Some(_) => Ok(Claim::Fresh),
        // A concurrent request with the same key committed first (PostgreSQL made this insert
        // wait for it); its record is visible now.
        None => judge(
            scope,
            key,
            request_hash,
            read(conn, &id)?.ok_or_else(|| {
                AppError::Conflict("the same request is in progress; retry".into())
            })?,
        ),
    }
}

/// Records the response to a claimed key, in the same transaction as the work it describes.
pub fn finish(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), AppError> {
    diesel::update(
        idempotency_keys::table.filter(idempotency_keys::key_hash.eq(lookup_id(scope, key))),
    )
    .set((
        idempotency_keys::response_status.eq(i32::from(response.status)),
        idempotency_keys::response_sealed.eq(seal(scope, key, &response.body)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Notes which application a key's sealed response holds, so that erasing the application
/// forgets the record too.
pub fn set_subject(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    subject: &str,
) -> Result<(), AppError> {
    diesel::update(
        idempotency_keys::table.filter(idempotency_keys::key_hash.eq(lookup_id(scope, key))),
    )
    .set(idempotency_keys::subject_id.eq(Some(subject)))
    .execute(conn)?;
    Ok(())
}

/// Forgets keys older than the retention period; returns how many.
pub fn purge_expired(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(diesel::delete(idempotency_keys::table.filter(
        idempotency_keys::created_at.le(to_db_time(now - Duration::hours(RETENTION_HOURS))),
    ))
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_round_trips_only_with_the_same_key_and_scope() {
        let body = serde_json::json!({"edit_token": "jsa_secret"});
        let sealed = seal("POST /x", "key-1", &body);
        assert!(!sealed.contains("jsa_secret"));
        assert_eq!(open("POST /x", "key-1", &sealed).unwrap(), body);
        assert!(open("POST /x", "key-2", &sealed).is_err());
        assert!(open("POST /y", "key-1", &sealed).is_err());
        assert_ne!(
            seal("POST /x", "key-1", &body),
            sealed,
            "a fresh nonce each time"
        );
        assert_ne!(lookup_id("POST /x", "key-1"), lookup_id("POST /y", "key-1"));
    }
}
