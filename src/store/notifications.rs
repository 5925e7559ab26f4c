//! The outbox: queued messages, their claims by senders, their outcomes, and per-call template
//! overrides.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{calls, email_templates, notifications, user_councils};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::domain::localized::Language;
use crate::domain::notification::{DeliveryStatus, MessageKind};
use crate::error::AppError;
use crate::ids::{CallId, CouncilId, NotificationId, UserId};
use crate::mail::templates::TemplateSource;
use crate::store::{Page, PageRequest};

/// A message as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: String,
    pub language: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub call_id: Option<CallId>,
    pub application_id: Option<String>,
    pub user_id: Option<UserId>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claim_token: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl Notification {
    pub fn status(&self) -> DeliveryStatus {
        DeliveryStatus::parse(&self.status).unwrap_or(DeliveryStatus::Failed)
    }

    pub fn kind(&self) -> Option<MessageKind> {
        MessageKind::parse(&self.kind)
    }
}

/// A rendered message to queue.
pub struct NewNotification<'a> {
    pub kind: MessageKind,
    pub language: Language,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub call_id: Option<&'a CallId>,
    pub application_id: Option<&'a str>,
    pub user_id: Option<&'a UserId>,
}

pub fn insert(
    conn: &mut DbConn,
    new: &NewNotification<'_>,
    now: DateTime<Utc>,
) -> Result<NotificationId, AppError> {
    let id = NotificationId::new();
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(&id),
            notifications::kind.eq(new.kind.code()),
            notifications::language.eq(new.language.code()),
            notifications::recipient.eq(new.recipient),
            notifications::subject.eq(new.subject),
            notifications::body_text.eq(new.body_text),
            notifications::body_html.eq(new.body_html),
            notifications::call_id.eq(new.call_id),
            notifications::application_id.eq(new.application_id),
            notifications::user_id.eq(new.user_id),
            notifications::status.eq(DeliveryStatus::Queued.as_str()),
            notifications::next_attempt_at.eq(to_db_time(now)),
            notifications::created_at.eq(to_db_time(now)),
            notifications::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn find(conn: &mut DbConn, id: &NotificationId) -> Result<Option<Notification>, AppError> {
    Ok(notifications::table
        .select(Notification::as_select())
        .filter(notifications::id.eq(id))
        .get_result(conn)
        .optional()?)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// Claims up to `limit` messages that are due (queued and past their next attempt, or held by a
/// sender whose lease ran out) for the caller, marking them `sending` and counting the attempt.
/// Two senders never claim the same message: PostgreSQL skips rows another transaction has
/// locked (`FOR UPDATE SKIP LOCKED`); SQLite lets one writer in at a time.
pub fn claim_due(
    conn: &mut DbConn,
    claim_token: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Notification>, AppError> {
    let now = to_db_time(now);
    conn.write_transaction(|conn| {
        let due = notifications::status
            .eq(DeliveryStatus::Queued.as_str())
            .and(notifications::next_attempt_at.le(now))
            .or(notifications::status
                .eq(DeliveryStatus::Sending.as_str())
                .and(notifications::lease_expires_at.le(now)));
        let ids: Vec<String> = match conn {
            DbConn::Postgres(pg) => diesel::sql_query(
                "SELECT id FROM notifications \
                 WHERE (status = 'queued' AND next_attempt_at <= $1) \
                    OR (status = 'sending' AND lease_expires_at <= $1) \
                 ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
            )
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .load::<IdRow>(pg)?
            .into_iter()
            .map(|r| r.id)
            .collect(),
            DbConn::Sqlite(_) => notifications::table
                .select(notifications::id)
                .filter(due)
                .order((notifications::next_attempt_at, notifications::id))
                .limit(limit)
                .load(conn)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(notifications::table.filter(notifications::id.eq_any(&ids)))
            .set((
                notifications::status.eq(DeliveryStatus::Sending.as_str()),
                notifications::claim_token.eq(claim_token),
                notifications::lease_expires_at.eq(to_db_time(lease_until)),
                notifications::attempts.eq(notifications::attempts + 1),
                notifications::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(notifications::table
            .select(Notification::as_select())
            .filter(notifications::claim_token.eq(claim_token))
            .filter(notifications::id.eq_any(&ids))
            .order((notifications::next_attempt_at, notifications::id))
            .load(conn)?)
    })
}

/// Extends the caller's claim on one message to `lease_until`, just before sending it, so that the
/// whole of the send falls inside the lease; `Ok(false)` if the claim was lost (its lease ran out
/// and another sender took the message), in which case the caller must not send it.
pub fn renew_claim(
    conn: &mut DbConn,
    id: &NotificationId,
    claim_token: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<bool, AppError> {
    let changed = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::claim_token.eq(claim_token))
            .filter(notifications::status.eq(DeliveryStatus::Sending.as_str()))
            .filter(notifications::lease_expires_at.gt(to_db_time(now))),
    )
    .set(notifications::lease_expires_at.eq(to_db_time(lease_until)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives a claimed message back unsent (the sender is stopping): queued again, due now, and the
/// attempt it was claimed for not counted.
pub fn release(
    conn: &mut DbConn,
    id: &NotificationId,
    claim_token: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::claim_token.eq(claim_token)),
    )
    .set((
        notifications::status.eq(DeliveryStatus::Queued.as_str()),
        notifications::claim_token.eq(None::<String>),
        notifications::lease_expires_at.eq(None::<NaiveDateTime>),
        notifications::attempts.eq(notifications::attempts - 1),
        notifications::next_attempt_at.eq(to_db_time(now)),
        notifications::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// How an attempt ended, as stored.
pub enum Completion<'a> {
    /// Sent: the stored subject and bodies are replaced with these copies without tokens.
    Sent {
        subject: &'a str,
        text: &'a str,
        html: &'a str,
    },
    Retry {
        at: DateTime<Utc>,
        reason: &'a str,
    },
    /// Given up. The message is kept as it was (tokens and all), so that a retry still sends a
    /// working link.
    Failed {
        reason: &'a str,
    },
}

/// Records the outcome of an attempt, but only if the caller still holds the claim (a sender
/// whose lease ran out must not overwrite the outcome of the one that took over).
pub fn complete(
    conn: &mut DbConn,
    id: &NotificationId,
    claim_token: &str,
    completion: Completion<'_>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let now = to_db_time(now);
    let target = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::claim_token.eq(claim_token));
    let released = (
        notifications::claim_token.eq(None::<String>),
        notifications::lease_expires_at.eq(None::<NaiveDateTime>),
        notifications::updated_at.eq(now),
    );
    let changed = match completion {
        Completion::Sent {
            subject,
            text,
            html,
        } => diesel::update(target)
            .set((
                released,
                notifications::status.eq(DeliveryStatus::Sent.as_str()),
                notifications::sent_at.eq(now),
                notifications::last_error.eq(None::<String>),
                notifications::subject.eq(subject),
                notifications::body_text.eq(text),
                notifications::body_html.eq(html),
            ))
            .execute(conn)?,
        Completion::Retry { at, reason } => diesel::update(target)
            .set((
                released,
                notifications::status.eq(DeliveryStatus::Queued.as_str()),
                notifications::next_attempt_at.eq(to_db_time(at)),
                notifications::last_error.eq(reason),
            ))
            .execute(conn)?,
        Completion::Failed { reason } => diesel::update(target)
            .set((
                released,
                notifications::status.eq(DeliveryStatus::Failed.as_str()),
                notifications::last_error.eq(reason),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Puts a failed or queued message back in the queue, due now, with a fresh set of attempts.
/// `Ok(None)` if it is being sent or already sent.
pub fn requeue(
    conn: &mut DbConn,
    id: &NotificationId,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, AppError> {
    let now = to_db_time(now);
    let changed = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::status.eq_any([
                DeliveryStatus::Failed.as_str(),
                DeliveryStatus::Queued.as_str(),
            ])),
    )
    .set((
        notifications::status.eq(DeliveryStatus::Queued.as_str()),
        notifications::attempts.eq(0),
        notifications::next_attempt_at.eq(now),
        notifications::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// Which messages a caller may see: all (admin), or those about their councils' calls and users.
pub enum Visibility {
    All,
    Councils(Vec<CouncilId>),
}

pub struct ListFilter {
    pub status: Option<DeliveryStatus>,
    pub kind: Option<MessageKind>,
    pub call_id: Option<CallId>,
    pub visibility: Visibility,
}

/// Newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    page: &PageRequest,
) -> Result<Page<Notification>, AppError> {
    let mut query = notifications::table
        .select(Notification::as_select())
        .order(notifications::id.desc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(notifications::id.lt(after.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(notifications::status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(notifications::kind.eq(kind.code()));
    }
    if let Some(call) = &filter.call_id {
        query = query.filter(notifications::call_id.eq(call.clone()));
    }
    if let Visibility::Councils(councils) = &filter.visibility {
        let their_calls = calls::table
            .select(calls::id.nullable())
            .filter(calls::council_id.eq_any(councils.clone()));
        let their_users = user_councils::table
            .select(user_councils::user_id.nullable())
            .filter(user_councils::council_id.eq_any(councils.clone()));
        query = query.filter(
            notifications::call_id
                .eq_any(their_calls)
                .or(notifications::user_id.eq_any(their_users)),
        );
    }
    let rows = query.load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |n: &Notification| {
        n.id.to_string()
    }))
}

/// Whether a secretary of `councils` may see the message.
pub fn visible_to(
    conn: &mut DbConn,
    n: &Notification,
    councils: &[CouncilId],
) -> Result<bool, AppError> {
    if let Some(call) = &n.call_id {
        let council: Option<CouncilId> = calls::table
            .select(calls::council_id)
            .filter(calls::id.eq(call))
            .get_result(conn)
            .optional()?;
        if council.is_some_and(|c| councils.contains(&c)) {
            return Ok(true);
        }
    }
    if let Some(user) = &n.user_id {
        let shared: i64 = user_councils::table
            .filter(user_councils::user_id.eq(user))
            .filter(user_councils::council_id.eq_any(councils))
            .count()
            .get_result(conn)?;
        return Ok(shared > 0);
    }
    Ok(false)
}

/// The call's template for a kind and language, if the secretary wrote one.
pub fn template_override(
    conn: &mut DbConn,
    call: &CallId,
    kind: MessageKind,
    language: Language,
) -> Result<Option<TemplateSource>, AppError> {
    Ok(email_templates::table
        .select((email_templates::subject, email_templates::body))
        .filter(email_templates::call_id.eq(call))
        .filter(email_templates::kind.eq(kind.code()))
        .filter(email_templates::language.eq(language.code()))
        .get_result::<(String, String)>(conn)
        .optional()?
        .map(|(subject, body)| TemplateSource { subject, body }))
}

pub struct StoredOverride {
    pub kind: String,
    pub language: String,
    pub source: TemplateSource,
    pub updated_at: DateTime<Utc>,
}

pub fn template_overrides(
    conn: &mut DbConn,
    call: &CallId,
) -> Result<Vec<StoredOverride>, AppError> {
    let rows: Vec<(String, String, String, String, NaiveDateTime)> = email_templates::table
        .select((
            email_templates::kind,
            email_templates::language,
            email_templates::subject,
            email_templates::body,
            email_templates::updated_at,
        ))
        .filter(email_templates::call_id.eq(call))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(kind, language, subject, body, updated_at)| StoredOverride {
                kind,
                language,
                source: TemplateSource { subject, body },
                updated_at: from_db_time(updated_at),
            },
        )
        .collect())
}

/// Saves the call's template for a kind and language, replacing an earlier one. An upsert, which
/// diesel builds per backend (both speak `INSERT ... ON CONFLICT ... DO UPDATE`).
pub fn save_template_override(
    conn: &mut DbConn,
    call: &CallId,
    kind: MessageKind,
    language: Language,
    source: &TemplateSource,
    by: &UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let values = (
        email_templates::call_id.eq(call),
        email_templates::kind.eq(kind.code()),
        email_templates::language.eq(language.code()),
        email_templates::subject.eq(&source.subject),
        email_templates::body.eq(&source.body),
        email_templates::updated_at.eq(to_db_time(now)),
        email_templates::updated_by.eq(by),
    );
    let changes = (
        email_templates::subject.eq(&source.subject),
        email_templates::body.eq(&source.body),
        email_templates::updated_at.eq(to_db_time(now)),
        email_templates::updated_by.eq(by),
    );
    let target = (
        email_templates::call_id,
        email_templates::kind,
        email_templates::language,
    );
    match conn {
        DbConn::Postgres(pg) => diesel::insert_into(email_templates::table)
            .values(values)
            .on_conflict(target)
            .do_update()
            .set(changes)
            .execute(pg)?,
        DbConn::Sqlite(lite) => diesel::insert_into(email_templates::table)
            .values(values)
            .on_conflict(target)
            .do_update()
            .set(changes)
            .execute(lite)?,
    };
    Ok(())
}

/// `Ok(false)` if there was no override.
pub fn delete_template_override(
    conn: &mut DbConn,
    call: &CallId,
    kind: MessageKind,
    language: Language,
) -> Result<bool, AppError> {
    let deleted = diesel::delete(
        email_templates::table
            .filter(email_templates::call_id.eq(call))
            .filter(email_templates::kind.eq(kind.code()))
            .filter(email_templates::language.eq(language.code())),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}
