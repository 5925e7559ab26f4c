//! The audit log: every change to a call, its committee, rubric, conflicts, reviews and
//! applications, with who, when, and the value before and after. Written in the transaction of the
//! change; never changed afterwards (the database refuses updates and deletes).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::db::schema::audit_log;
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::ids::{ApplicationId, AuditId, CallId, UserId};
use crate::store::{Page, PageRequest};

/// Who made a change.
#[derive(Debug, Clone)]
pub enum Actor {
    Staff(UserId),
    /// An applicant, with their edit token.
    Applicant(ApplicationId),
    /// The service itself (a deadline passing, a reminder).
    System,
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<String>) {
        match self {
            Self::Staff(id) => ("staff", Some(id.to_string())),
            Self::Applicant(id) => ("applicant", Some(id.to_string())),
            Self::System => ("system", None),
        }
    }
}

/// One change.
pub struct Change<'a> {
    pub call_id: Option<&'a CallId>,
    pub actor: &'a Actor,
    /// What happened, e.g. `call.published`, `review.saved`.
    pub action: &'a str,
    /// The kind of thing changed, e.g. `call`, `review`.
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Serialises a value for the log.
pub fn snapshot<T: Serialize>(value: &T) -> Option<Value> {
    Some(serde_json::to_value(value).expect("audited values serialise"))
}

pub fn record(conn: &mut DbConn, change: Change<'_>, now: DateTime<Utc>) -> Result<(), AppError> {
    let (actor_kind, actor_id) = change.actor.parts();
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(AuditId::new()),
            audit_log::call_id.eq(change.call_id),
            audit_log::actor_kind.eq(actor_kind),
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(change.action),
            audit_log::entity.eq(change.entity),
            audit_log::entity_id.eq(change.entity_id),
            audit_log::before_json.eq(change.before.map(|v| v.to_string())),
            audit_log::after_json.eq(change.after.map(|v| v.to_string())),
            audit_log::at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct Row {
    id: AuditId,
    call_id: Option<CallId>,
    actor_kind: String,
    actor_id: Option<String>,
    action: String,
    entity: String,
    entity_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: AuditId,
    pub call_id: Option<CallId>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub at: DateTime<Utc>,
}

/// The call's log, oldest first.
pub fn of_call(
    conn: &mut DbConn,
    call: &CallId,
    page: &PageRequest,
) -> Result<Page<Entry>, AppError> {
    let mut query = audit_log::table
        .select(Row::as_select())
        .filter(audit_log::call_id.eq(call))
        .order(audit_log::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(audit_log::id.gt(after.clone()));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let page = Page::from_rows(rows, page.limit, |r| r.id.to_string());
    let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    Ok(page.map(|r| Entry {
        id: r.id,
        call_id: r.call_id,
        actor_kind: r.actor_kind,
        actor_id: r.actor_id,
        action: r.action,
        entity: r.entity,
        entity_id: r.entity_id,
        before: parse(r.before_json),
        after: parse(r.after_json),
        at: from_db_time(r.at),
    }))
}
