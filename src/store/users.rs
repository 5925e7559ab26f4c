//! Staff users, their councils and their bearer tokens.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{api_tokens, user_councils, users};
use crate::db::{DbConn, LockableTable, from_db_time, to_db_time, unless_duplicate};
use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::error::AppError;
use crate::ids::{CouncilId, TokenId, UserId};
use crate::store::{Page, PageRequest};
use crate::tokens;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub council_ids: Vec<CouncilId>,
    /// The language of messages to this user.
    pub language: Language,
    /// When the user was deactivated: none of their tokens works since. (`default`: users
    /// sealed into idempotency records before deactivation existed read as active.)
    #[serde(default)]
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Why, as the deactivating admin or secretary gave it.
    #[serde(default)]
    pub deactivation_reason: Option<String>,
}

/// One of a user's bearer tokens, without its secret (only its digest is stored).
#[derive(Debug, Clone)]
pub struct Token {
    pub id: TokenId,
    /// How it was issued, e.g. `POST /users`; `None` for tokens issued before labels existed.
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `None` only for a row written by an older version; such a token does not work.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// How a token was issued (its label).
pub mod label {
    pub const CREATE_ADMIN: &str = "create-admin";
    pub const NEW_USER: &str = "POST /users";
    pub const ISSUED: &str = "POST /users/{id}/tokens";
}

/// When a new token is issued and when it stops working (`auth.token_ttl_days` later).
#[derive(Debug, Clone, Copy)]
pub struct TokenTerm {
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl TokenTerm {
    /// A token issued at `now` under `auth`.
    pub fn from(now: DateTime<Utc>, auth: &crate::config::AuthConfig) -> Self {
        Self {
            issued_at: now,
            expires_at: auth.token_expires_at(now),
        }
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub council_ids: &'a [CouncilId],
    pub language: Language,
}

/// Emails are compared trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

type UserRow = (
    UserId,
    String,
    String,
    String,
    String,
    Option<NaiveDateTime>,
    Option<String>,
);

fn user_columns() -> (
    users::id,
    users::email,
    users::name,
    users::role,
    users::language,
    users::deactivated_at,
    users::deactivation_reason,
) {
    (
        users::id,
        users::email,
        users::name,
        users::role,
        users::language,
        users::deactivated_at,
        users::deactivation_reason,
    )
}

fn with_councils(conn: &mut DbConn, rows: Vec<UserRow>) -> Result<Vec<User>, AppError> {
    let ids: Vec<&UserId> = rows.iter().map(|r| &r.0).collect();
    let links: Vec<(UserId, CouncilId)> = user_councils::table
        .select((user_councils::user_id, user_councils::council_id))
        .filter(user_councils::user_id.eq_any(ids))
        .order(user_councils::council_id)
        .load(conn)?;
    rows.into_iter()
        .map(
            |(id, email, name, role, lang, deactivated_at, deactivation_reason)| {
                let role = Role::parse(&role).ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("unknown role `{role}` stored"))
                })?;
                let council_ids = links
                    .iter()
                    .filter(|(u, _)| *u == id)
                    .map(|(_, c)| c.clone())
                    .collect();
                Ok(User {
                    id,
                    email,
                    name,
                    role,
                    council_ids,
                    language: Language::parse(&lang).unwrap_or(Language::Fi),
                    deactivated_at: deactivated_at.map(from_db_time),
                    deactivation_reason,
                })
            },
        )
        .collect()
}

pub fn find(conn: &mut DbConn, id: &UserId) -> Result<Option<User>, AppError> {
    let rows: Vec<UserRow> = users::table
        .select(user_columns())
        .filter(users::id.eq(id))
        .load(conn)?;
    Ok(with_councils(conn, rows)?.pop())
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, AppError> {
    let rows: Vec<UserRow> = users::table
        .select(user_columns())
        .filter(users::email.eq(normalize_email(email)))
        .load(conn)?;
    Ok(with_councils(conn, rows)?.pop())
}

/// The user a live token belongs to, with the token's id: a token that is known, not revoked,
/// not expired at `now` (a row without an expiry is not live), of a user not deactivated. Read
/// afresh on every request, so a revocation or deactivation holds from the next one.
pub fn find_by_token(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(User, TokenId)>, AppError> {
    let rows: Vec<(TokenId, UserRow)> = users::table
        .inner_join(api_tokens::table)
        .select((api_tokens::id, user_columns()))
        .filter(api_tokens::token_hash.eq(tokens::digest(token)))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(to_db_time(now)))
        .filter(users::deactivated_at.is_null())
        .load(conn)?;
    let Some((token_id, row)) = rows.into_iter().next() else {
        return Ok(None);
    };
    Ok(with_councils(conn, vec![row])?
        .pop()
        .map(|user| (user, token_id)))
}

/// Whether the token (by id) still works at `now`, as `find_by_token` would find it.
pub fn token_is_live(
    conn: &mut DbConn,
    token: &TokenId,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let n: i64 = users::table
        .inner_join(api_tokens::table)
        .filter(api_tokens::id.eq(token))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(to_db_time(now)))
        .filter(users::deactivated_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Users of the given councils (all users when `councils` is `None`), by id.
pub fn list(
    conn: &mut DbConn,
    councils: Option<&[CouncilId]>,
    page: &PageRequest,
) -> Result<Page<User>, AppError> {
    let mut query = users::table
        .select(user_columns())
        .order(users::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(users::id.gt(after.clone()));
    }
    if let Some(councils) = councils {
        let members = user_councils::table
            .select(user_councils::user_id)
            .filter(user_councils::council_id.eq_any(councils.to_vec()));
        query = query.filter(users::id.eq_any(members));
    }
    let rows: Vec<UserRow> = query.load(conn)?;
    let page_rows = Page::from_rows(rows, page.limit, |r| r.0.to_string());
    Ok(Page {
        items: with_councils(conn, page_rows.items)?,
        next_cursor: page_rows.next_cursor,
    })
}

/// Creates the user with a first token (labelled `label`), in one transaction. `Ok(None)` if the
/// email is taken.
pub fn create(
    conn: &mut DbConn,
    new: &NewUser<'_>,
    label: &str,
    term: TokenTerm,
) -> Result<Option<(User, String)>, AppError> {
    let now = term.issued_at;
    conn.write_transaction(|conn| {
        let id = UserId::new();
        let email = normalize_email(new.email);
        let inserted = unless_duplicate(conn, |conn| {
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(&id),
                    users::email.eq(&email),
                    users::name.eq(new.name.trim()),
                    users::role.eq(new.role.as_str()),
                    users::created_at.eq(to_db_time(now)),
                    users::language.eq(new.language.code()),
                ))
                .execute(conn)
        })?;
        if inserted.is_none() {
            return Ok(None);
        }
        for council in new.council_ids {
            diesel::insert_into(user_councils::table)
                .values((
                    user_councils::user_id.eq(&id),
                    user_councils::council_id.eq(council),
                ))
                .execute(conn)?;
        }
        let token = issue_token(conn, &id, label, term)?;
        let mut council_ids = new.council_ids.to_vec();
        council_ids.sort();
        council_ids.dedup();
        Ok(Some((
            User {
                id,
                email,
                name: new.name.trim().to_owned(),
                role: new.role,
                council_ids,
                language: new.language,
                deactivated_at: None,
                deactivation_reason: None,
            },
            token,
        )))
    })
}

/// A new token for the user, labelled with how it was issued; the caller shows it once.
pub fn issue_token(
    conn: &mut DbConn,
    user: &UserId,
    label: &str,
    term: TokenTerm,
) -> Result<String, AppError> {
    let token = tokens::generate(tokens::STAFF_PREFIX);
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(TokenId::new()),
            api_tokens::user_id.eq(user),
            api_tokens::token_hash.eq(tokens::digest(&token)),
            api_tokens::created_at.eq(to_db_time(term.issued_at)),
            api_tokens::expires_at.eq(to_db_time(term.expires_at)),
            api_tokens::label.eq(label),
        ))
        .execute(conn)?;
    Ok(token)
}

/// For `create-admin`: the admin with this email (created if missing) and a new token. A
/// deactivated admin stays deactivated (409): pick another email.
pub fn ensure_admin(
    conn: &mut DbConn,
    email: &str,
    name: &str,
    term: TokenTerm,
) -> Result<(User, String), AppError> {
    conn.write_transaction(|conn| {
        if let Some(user) = find_by_email(conn, email)? {
            if user.role != Role::Admin {
                return Err(AppError::Conflict(format!(
                    "{} already exists with the role {}; pick another email for the admin",
                    user.email,
                    user.role.as_str()
                )));
            }
            if user.deactivated_at.is_some() {
                return Err(AppError::Conflict(format!(
                    "{} was deactivated and gets no new tokens; pick another email for the admin",
                    user.email
                )));
            }
            let token = issue_token(conn, &user.id, label::CREATE_ADMIN, term)?;
            return Ok((user, token));
        }
        let new = NewUser {
            email,
            name,
            role: Role::Admin,
            council_ids: &[],
            language: Language::Fi,
        };
        create(conn, &new, label::CREATE_ADMIN, term)?
            .ok_or_else(|| AppError::Conflict(format!("{email} was created concurrently; retry")))
    })
}

/// Secretaries of a council who have not been deactivated (they receive its reminders).
pub fn secretaries_of(conn: &mut DbConn, council: &CouncilId) -> Result<Vec<User>, AppError> {
    let members = user_councils::table
        .select(user_councils::user_id)
        .filter(user_councils::council_id.eq(council));
    let rows: Vec<UserRow> = users::table
        .select(user_columns())
        .filter(users::role.eq(Role::Secretary.as_str()))
        .filter(users::deactivated_at.is_null())
        .filter(users::id.eq_any(members))
        .order(users::id)
        .load(conn)?;
    with_councils(conn, rows)
}

/// Locks the users' rows until the transaction ends (PostgreSQL), in id order, so that two
/// transactions locking some of the same users never wait for each other in a circle.
pub fn lock(conn: &mut DbConn, ids: &[&UserId]) -> Result<(), AppError> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        conn.lock_row(LockableTable::Users, id.as_str())?;
    }
    Ok(())
}

/// Marks the user deactivated (if they are not already) and revokes every token of theirs not
/// yet revoked; returns how many tokens were revoked.
pub fn deactivate(
    conn: &mut DbConn,
    id: &UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::deactivated_at.is_null()),
    )
    .set((
        users::deactivated_at.eq(to_db_time(now)),
        users::deactivation_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(to_db_time(now)))
    .execute(conn)?)
}

type TokenRow = (
    TokenId,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn token_columns() -> (
    api_tokens::id,
    api_tokens::label,
    api_tokens::created_at,
    api_tokens::expires_at,
    api_tokens::revoked_at,
) {
    (
        api_tokens::id,
        api_tokens::label,
        api_tokens::created_at,
        api_tokens::expires_at,
        api_tokens::revoked_at,
    )
}

fn token_of(row: TokenRow) -> Token {
    let (id, label, created_at, expires_at, revoked_at) = row;
    Token {
        id,
        label,
        created_at: from_db_time(created_at),
        expires_at: expires_at.map(from_db_time),
        revoked_at: revoked_at.map(from_db_time),
    }
}

/// The user's tokens (live, expired and revoked), oldest first.
pub fn tokens_of(
    conn: &mut DbConn,
    user: &UserId,
    page: &PageRequest,
) -> Result<Page<Token>, AppError> {
    let mut query = api_tokens::table
        .select(token_columns())
        .filter(api_tokens::user_id.eq(user))
        .order(api_tokens::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(api_tokens::id.gt(after.clone()));
    }
    let rows: Vec<TokenRow> = query.load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| r.0.to_string()).map(token_of))
}

/// The user's token `token` (`None` if it is not theirs or does not exist).
pub fn token_of_user(
    conn: &mut DbConn,
    user: &UserId,
    token: &TokenId,
) -> Result<Option<Token>, AppError> {
    Ok(api_tokens::table
        .select(token_columns())
        .filter(api_tokens::user_id.eq(user))
        .filter(api_tokens::id.eq(token))
        .get_result::<TokenRow>(conn)
        .optional()?
        .map(token_of))
}

/// Revokes the token if it is not revoked yet; `false` if it already was.
pub fn revoke_token(
    conn: &mut DbConn,
    token: &TokenId,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let changed = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(token))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(changed > 0)
}
