//! Staff users, their councils and their bearer tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{api_tokens, user_councils, users};
use crate::db::{DbConn, to_db_time, unless_duplicate};
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

type UserRow = (UserId, String, String, String, String);

fn user_columns() -> (
    users::id,
    users::email,
    users::name,
    users::role,
    users::language,
) {
    (
        users::id,
        users::email,
        users::name,
        users::role,
        users::language,
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
        .map(|(id, email, name, role, lang)| {
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
            })
        })
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

/// The user a live token belongs to.
pub fn find_by_token(conn: &mut DbConn, token: &str) -> Result<Option<User>, AppError> {
    let rows: Vec<UserRow> = users::table
        .inner_join(api_tokens::table)
        .select(user_columns())
        .filter(api_tokens::token_hash.eq(tokens::digest(token)))
        .filter(api_tokens::revoked_at.is_null())
        .load(conn)?;
    Ok(with_councils(conn, rows)?.pop())
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

/// Creates the user with a first token, in one transaction. `Ok(None)` if the email is taken.
pub fn create(
    conn: &mut DbConn,
    new: &NewUser<'_>,
    now: DateTime<Utc>,
) -> Result<Option<(User, String)>, AppError> {
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
        let token = issue_token(conn, &id, now)?;
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
            },
            token,
        )))
    })
}

/// A new token for the user; the caller shows it once.
pub fn issue_token(
    conn: &mut DbConn,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let token = tokens::generate(tokens::STAFF_PREFIX);
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(TokenId::new()),
            api_tokens::user_id.eq(user),
            api_tokens::token_hash.eq(tokens::digest(&token)),
            api_tokens::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// For `create-admin`: the admin with this email (created if missing) and a new token.
pub fn ensure_admin(
    conn: &mut DbConn,
    email: &str,
    name: &str,
    now: DateTime<Utc>,
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
            let token = issue_token(conn, &user.id, now)?;
            return Ok((user, token));
        }
        let new = NewUser {
            email,
            name,
            role: Role::Admin,
            council_ids: &[],
            language: Language::Fi,
        };
        create(conn, &new, now)?
            .ok_or_else(|| AppError::Conflict(format!("{email} was created concurrently; retry")))
    })
}

/// Secretaries of a council (who receive its reminders).
pub fn secretaries_of(conn: &mut DbConn, council: &CouncilId) -> Result<Vec<User>, AppError> {
    let members = user_councils::table
        .select(user_councils::user_id)
        .filter(user_councils::council_id.eq(council));
    let rows: Vec<UserRow> = users::table
        .select(user_columns())
        .filter(users::role.eq(Role::Secretary.as_str()))
        .filter(users::id.eq_any(members))
        .order(users::id)
        .load(conn)?;
    with_councils(conn, rows)
}
