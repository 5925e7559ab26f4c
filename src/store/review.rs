//! The committee's side of a call: its members, their conflicts of interest and their reviews.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{calls, committee_members, conflicts, reviews, users};
use crate::db::{DbConn, from_db_time, from_json_text, to_db_time, to_json_text, unless_duplicate};
use crate::domain::call::CallPhase;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, ConflictId, ReviewId, UserId};

/// The call's committee members: id, name and email.
pub fn committee(
    conn: &mut DbConn,
    call: &CallId,
) -> Result<Vec<(UserId, String, String)>, AppError> {
    Ok(committee_members::table
        .inner_join(users::table)
        .select((users::id, users::name, users::email))
        .filter(committee_members::call_id.eq(call))
        .order(users::name)
        .load(conn)?)
}

pub fn is_member(conn: &mut DbConn, call: &CallId, user: &UserId) -> Result<bool, AppError> {
    let n: i64 = committee_members::table
        .filter(committee_members::call_id.eq(call))
        .filter(committee_members::user_id.eq(user))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The calls not yet decided on whose committee the user sits, by id.
pub fn undecided_calls_of_member(
    conn: &mut DbConn,
    user: &UserId,
) -> Result<Vec<CallId>, AppError> {
    Ok(committee_members::table
        .inner_join(calls::table)
        .select(calls::id)
        .filter(committee_members::user_id.eq(user))
        .filter(calls::phase.ne(CallPhase::Decided.as_str()))
        .order(calls::id)
        .load(conn)?)
}

/// Takes the user off the call's committee (their reviews stay stored).
pub fn remove_member(conn: &mut DbConn, call: &CallId, user: &UserId) -> Result<(), AppError> {
    diesel::delete(
        committee_members::table
            .filter(committee_members::call_id.eq(call))
            .filter(committee_members::user_id.eq(user)),
    )
    .execute(conn)?;
    Ok(())
}

/// Makes `members` the call's committee.
pub fn set_committee(
    conn: &mut DbConn,
    call: &CallId,
    members: &[UserId],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    diesel::delete(
        committee_members::table
            .filter(committee_members::call_id.eq(call))
            .filter(committee_members::user_id.ne_all(members)),
    )
    .execute(conn)?;
    let present: Vec<UserId> = committee_members::table
        .select(committee_members::user_id)
        .filter(committee_members::call_id.eq(call))
        .load(conn)?;
    for member in members.iter().filter(|m| !present.contains(m)) {
        diesel::insert_into(committee_members::table)
            .values((
                committee_members::call_id.eq(call),
                committee_members::user_id.eq(member),
                committee_members::added_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conflicts)]
pub struct Conflict {
    pub id: ConflictId,
    pub call_id: CallId,
    pub application_id: ApplicationId,
    pub user_id: UserId,
    pub kind: String,
    pub note: Option<String>,
    pub declared_by: UserId,
    pub created_at: NaiveDateTime,
}

/// `Ok(false)` if the member already has a conflict recorded for the application.
pub fn add_conflict(conn: &mut DbConn, conflict: &Conflict) -> Result<bool, AppError> {
    Ok(unless_duplicate(conn, |conn| {
        diesel::insert_into(conflicts::table)
            .values((
                conflicts::id.eq(&conflict.id),
                conflicts::call_id.eq(&conflict.call_id),
                conflicts::application_id.eq(&conflict.application_id),
                conflicts::user_id.eq(&conflict.user_id),
                conflicts::kind.eq(&conflict.kind),
                conflicts::note.eq(&conflict.note),
                conflicts::declared_by.eq(&conflict.declared_by),
                conflicts::created_at.eq(conflict.created_at),
            ))
            .execute(conn)
    })?
    .is_some())
}

pub fn conflicts_of_call(conn: &mut DbConn, call: &CallId) -> Result<Vec<Conflict>, AppError> {
    Ok(conflicts::table
        .select(Conflict::as_select())
        .filter(conflicts::call_id.eq(call))
        .order(conflicts::id)
        .load(conn)?)
}

pub fn has_conflict(
    conn: &mut DbConn,
    application: &ApplicationId,
    user: &UserId,
) -> Result<bool, AppError> {
    let n: i64 = conflicts::table
        .filter(conflicts::application_id.eq(application))
        .filter(conflicts::user_id.eq(user))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: ReviewId,
    pub call_id: CallId,
    pub application_id: ApplicationId,
    pub reviewer_id: UserId,
    pub scores: BTreeMap<String, i64>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = reviews)]
struct ReviewRow {
    id: ReviewId,
    call_id: CallId,
    application_id: ApplicationId,
    reviewer_id: UserId,
    scores_json: String,
    comment: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl ReviewRow {
    fn into_review(self) -> Result<Review, AppError> {
        Ok(Review {
            scores: from_json_text(&self.scores_json)?,
            id: self.id,
            call_id: self.call_id,
            application_id: self.application_id,
            reviewer_id: self.reviewer_id,
            comment: self.comment,
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
        })
    }
}

pub fn reviews_of_call(conn: &mut DbConn, call: &CallId) -> Result<Vec<Review>, AppError> {
    reviews::table
        .select(ReviewRow::as_select())
        .filter(reviews::call_id.eq(call))
        .order(reviews::id)
        .load(conn)?
        .into_iter()
        .map(ReviewRow::into_review)
        .collect()
}

pub fn reviews_of_application(
    conn: &mut DbConn,
    application: &ApplicationId,
) -> Result<Vec<Review>, AppError> {
    reviews::table
        .select(ReviewRow::as_select())
        .filter(reviews::application_id.eq(application))
        .order(reviews::id)
        .load(conn)?
        .into_iter()
        .map(ReviewRow::into_review)
        .collect()
}

pub fn count_for_call(conn: &mut DbConn, call: &CallId) -> Result<i64, AppError> {
    Ok(reviews::table
        .filter(reviews::call_id.eq(call))
        .count()
        .get_result(conn)?)
}

pub fn count_by_reviewer(
    conn: &mut DbConn,
    call: &CallId,
    reviewer: &UserId,
) -> Result<i64, AppError> {
    Ok(reviews::table
        .filter(reviews::call_id.eq(call))
        .filter(reviews::reviewer_id.eq(reviewer))
        .count()
        .get_result(conn)?)
}

/// Saves the reviewer's review of the application (a new one, or replacing theirs); returns the
/// review before and after.
pub fn save(
    conn: &mut DbConn,
    call: &CallId,
    application: &ApplicationId,
    reviewer: &UserId,
    scores: &BTreeMap<String, i64>,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Option<Review>, Review), AppError> {
    let before = reviews::table
        .select(ReviewRow::as_select())
        .filter(reviews::application_id.eq(application))
        .filter(reviews::reviewer_id.eq(reviewer))
        .get_result(conn)
        .optional()?
        .map(ReviewRow::into_review)
        .transpose()?;
    let update = |conn: &mut DbConn| {
        diesel::update(
            reviews::table
                .filter(reviews::application_id.eq(application))
                .filter(reviews::reviewer_id.eq(reviewer)),
        )
        .set((
            reviews::scores_json.eq(to_json_text(scores)),
            reviews::comment.eq(comment),
            reviews::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)
    };
    if before.is_some() {
        update(conn)?;
    } else {
        let inserted = unless_duplicate(conn, |conn| {
            diesel::insert_into(reviews::table)
                .values((
                    reviews::id.eq(ReviewId::new()),
                    reviews::call_id.eq(call),
                    reviews::application_id.eq(application),
                    reviews::reviewer_id.eq(reviewer),
                    reviews::scores_json.eq(to_json_text(scores)),
                    reviews::comment.eq(comment),
                    reviews::created_at.eq(to_db_time(now)),
                    reviews::updated_at.eq(to_db_time(now)),
                ))
                .execute(conn)
        })?;
        // Another save of the same review got in first (the callers serialise on the call's
        // row, so only a caller that does not would get here): this one replaces it.
        if inserted.is_none() {
            update(conn)?;
        }
    }
    let after = reviews::table
        .select(ReviewRow::as_select())
        .filter(reviews::application_id.eq(application))
        .filter(reviews::reviewer_id.eq(reviewer))
        .get_result(conn)?
        .into_review()?;
    Ok((before, after))
}
