//! Erasure of a person's data: the one place that overwrites what an applicant gave (name, email,
//! phone, motivation), the messages to them, the comments and notes about them, the records that
//! hold their submission, and their traces in the audit log and the call's stored runs. What
//! remains (ids, theme, role preference, gender, scores, seat history, the decision) names no one.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{
    application_links, applications, audit_log, calls, conflicts, idempotency_keys, notifications,
    reviews, seat_holders, selection_runs,
};
use crate::db::{DbConn, to_db_time};
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, NotificationId};
use crate::store::applications::Application;

/// What erased text is replaced with where it stood inside other text (the audit log, runs).
pub const ERASED: &str = "[erased]";

/// Erases the personal data of `application` and everything that repeats it; returns the
/// messages whose texts went (their `.eml` copies, when the service writes them, go too). `None`
/// when it was erased already: erasure is idempotent, and of two instances erasing at once, one
/// does it (the row update is the claim).
pub fn erase_application(
    conn: &mut DbConn,
    application: &Application,
    now: DateTime<Utc>,
) -> Result<Option<Vec<NotificationId>>, AppError> {
    let id = &application.id;
    let claimed = diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::erased_at.is_null()),
    )
    .set((
        applications::candidate_first_name.eq(""),
        applications::candidate_last_name.eq(""),
        applications::candidate_email.eq(""),
        // Unique per call among live applications, and no address.
        applications::candidate_email_key.eq(format!("erased:{id}")),
        applications::candidate_phone.eq(""),
        applications::motivation.eq(""),
        // The edit token opens nothing any more (it is unique, hence the id).
        applications::edit_token_hash.eq(format!("erased:{id}")),
        // Off the reserve list.
        applications::reserve_rank.eq(None::<i32>),
        applications::erased_at.eq(Some(to_db_time(now))),
        applications::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    diesel::update(reviews::table.filter(reviews::application_id.eq(id)))
        .set(reviews::comment.eq(None::<String>))
        .execute(conn)?;
    diesel::update(conflicts::table.filter(conflicts::application_id.eq(id)))
        .set(conflicts::note.eq(None::<String>))
        .execute(conn)?;
    diesel::delete(application_links::table.filter(application_links::application_id.eq(id)))
        .execute(conn)?;
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::subject_id.eq(id.as_str())))
        .execute(conn)?;
    let messages = erase_messages(conn, Some(id), &application.candidate.email, now)?;
    let texts = Texts::of(application);
    redact_audit(conn, &application.call_id, id, &texts)?;
    redact_runs(conn, &application.call_id, &texts)?;
    Ok(Some(messages))
}

/// Empties the messages about `application` or to `email`: recipient, subject and bodies. One
/// not yet sent is failed instead of sent to no one. Returns their ids.
pub fn erase_messages(
    conn: &mut DbConn,
    application: Option<&ApplicationId>,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Vec<NotificationId>, AppError> {
    let mut ids: Vec<NotificationId> = Vec::new();
    if let Some(application) = application {
        ids.extend(
            notifications::table
                .select(notifications::id)
                .filter(notifications::application_id.eq(application.as_str()))
                .load::<NotificationId>(conn)?,
        );
    }
    if !email.is_empty() {
        ids.extend(
            notifications::table
                .select(notifications::id)
                .filter(notifications::recipient.eq(email))
                .load::<NotificationId>(conn)?,
        );
    }
    ids.sort();
    ids.dedup();
    for chunk in ids.chunks(500) {
        diesel::update(
            notifications::table
                .filter(notifications::id.eq_any(chunk))
                .filter(notifications::status.eq_any(["queued", "sending"])),
        )
        .set((
            notifications::status.eq("failed"),
            notifications::last_error.eq(Some("the recipient's data was erased")),
            notifications::claim_token.eq(None::<String>),
        ))
        .execute(conn)?;
        diesel::update(notifications::table.filter(notifications::id.eq_any(chunk)))
            .set((
                notifications::recipient.eq(""),
                notifications::subject.eq(""),
                notifications::body_text.eq(""),
                notifications::body_html.eq(""),
                notifications::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
    }
    Ok(ids)
}

/// The texts of a person as they appear inside stored JSON (escaped as JSON escapes them).
struct Texts {
    /// Replaced wherever they occur: the full name, email, phone, motivation.
    anywhere: Vec<String>,
    /// Replaced only as whole JSON strings: the first and the last name on their own.
    whole: Vec<String>,
}

impl Texts {
    fn of(a: &Application) -> Self {
        // As JSON writes a string, without its quotes.
        let escaped = |s: &str| {
            let quoted = serde_json::to_string(s).expect("a string serialises");
            quoted[1..quoted.len() - 1].to_owned()
        };
        let c = &a.candidate;
        let full = format!("{} {}", c.first_name, c.last_name);
        let anywhere = [full.as_str(), &c.email, &c.phone, &a.motivation]
            .into_iter()
            .filter(|t| t.trim().chars().count() >= 3)
            .map(escaped)
            .collect();
        let whole = [&c.first_name, &c.last_name]
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| format!("\"{}\"", escaped(t)))
            .collect();
        Self { anywhere, whole }
    }

    /// `text` with every occurrence replaced; `None` when nothing occurs.
    fn redact(&self, text: &str) -> Option<String> {
        let mut out = text.to_owned();
        for t in &self.anywhere {
            out = out.replace(t.as_str(), ERASED);
        }
        for t in &self.whole {
            out = out.replace(t.as_str(), &format!("\"{ERASED}\""));
        }
        (out != text).then_some(out)
    }

    /// SQL `LIKE` patterns that find a text holding any of them.
    fn patterns(&self) -> Vec<String> {
        self.anywhere
            .iter()
            .chain(&self.whole)
            .map(|t| {
                let escaped = t
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
            .collect()
    }
}

#[derive(Queryable)]
struct AuditTexts {
    id: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

/// The one change the audit log allows: personal data replaced in an entry's before and after
/// values, the entry's `redactions` counted up (the database refuses any other change).
fn redact_audit(
    conn: &mut DbConn,
    call: &CallId,
    application: &ApplicationId,
    texts: &Texts,
) -> Result<(), AppError> {
    let mut rows: Vec<AuditTexts> = Vec::new();
    for pattern in texts.patterns() {
        rows.extend(
            audit_log::table
                .select((audit_log::id, audit_log::before_json, audit_log::after_json))
                .filter(
                    audit_log::call_id
                        .eq(call)
                        .or(audit_log::entity_id.eq(application.as_str())),
                )
                .filter(
                    audit_log::before_json
                        .like(&pattern)
                        .escape('\\')
                        .or(audit_log::after_json.like(&pattern).escape('\\')),
                )
                .load::<AuditTexts>(conn)?,
        );
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows.dedup_by(|a, b| a.id == b.id);
    for row in rows {
        let before = row.before_json.as_deref().and_then(|t| texts.redact(t));
        let after = row.after_json.as_deref().and_then(|t| texts.redact(t));
        if before.is_none() && after.is_none() {
            continue;
        }
        diesel::update(audit_log::table.filter(audit_log::id.eq(&row.id)))
            .set((
                audit_log::before_json.eq(before.or(row.before_json)),
                audit_log::after_json.eq(after.or(row.after_json)),
                audit_log::redactions.eq(audit_log::redactions + 1),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The call's stored runs name people in their assignments and explanations; an override's
/// reason and a decision's special reason may too.
fn redact_runs(conn: &mut DbConn, call: &CallId, texts: &Texts) -> Result<(), AppError> {
    let runs: Vec<(String, String)> = selection_runs::table
        .select((selection_runs::id, selection_runs::result_json))
        .filter(selection_runs::call_id.eq(call))
        .load(conn)?;
    for (id, result) in runs {
        if let Some(redacted) = texts.redact(&result) {
            diesel::update(selection_runs::table.filter(selection_runs::id.eq(&id)))
                .set(selection_runs::result_json.eq(redacted))
                .execute(conn)?;
        }
    }
    let reasons: Vec<(String, Option<String>)> = seat_holders::table
        .select((seat_holders::id, seat_holders::reason))
        .filter(seat_holders::call_id.eq(call))
        .filter(seat_holders::reason.is_not_null())
        .load(conn)?;
    for (id, reason) in reasons {
        if let Some(redacted) = reason.as_deref().and_then(|r| texts.redact(r)) {
            diesel::update(seat_holders::table.filter(seat_holders::id.eq(&id)))
                .set(seat_holders::reason.eq(Some(redacted)))
                .execute(conn)?;
        }
    }
    let exception: Option<Option<String>> = calls::table
        .select(calls::quota_exception_json)
        .filter(calls::id.eq(call))
        .first(conn)
        .optional()?;
    if let Some(redacted) = exception.flatten().as_deref().and_then(|t| texts.redact(t)) {
        diesel::update(calls::table.filter(calls::id.eq(call)))
            .set(calls::quota_exception_json.eq(Some(redacted)))
            .execute(conn)?;
    }
    Ok(())
}

/// Applications whose personal data the retention rules have made due, at most `limit`:
/// withdrawn ones `months` after the withdrawal; those of a decided call holding no seat
/// `months` after the decision; all of a cancelled call `months` after the cancellation; and,
/// with `member_months`, those of a call whose term ended that long ago.
pub fn due_for_erasure(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    months: u32,
    member_months: Option<u32>,
    limit: i64,
) -> Result<Vec<ApplicationId>, AppError> {
    let before = |m: u32| to_db_time(months_before(now, m));
    let cutoff = before(months);
    let holding = seat_holders::table
        .select(seat_holders::application_id)
        .filter(seat_holders::status.eq_any(crate::store::selection::HOLDING));
    let mut due: Vec<ApplicationId> = applications::table
        .select(applications::id)
        .filter(applications::erased_at.is_null())
        .filter(applications::withdrawn_at.le(cutoff))
        .limit(limit)
        .load(conn)?;
    let decided = calls::table
        .select(calls::id)
        .filter(calls::decided_at.le(cutoff));
    due.extend(
        applications::table
            .select(applications::id)
            .filter(applications::erased_at.is_null())
            .filter(applications::call_id.eq_any(decided))
            .filter(applications::id.ne_all(holding))
            .limit(limit)
            .load::<ApplicationId>(conn)?,
    );
    let cancelled = calls::table
        .select(calls::id)
        .filter(calls::cancelled_at.le(cutoff));
    due.extend(
        applications::table
            .select(applications::id)
            .filter(applications::erased_at.is_null())
            .filter(applications::call_id.eq_any(cancelled))
            .limit(limit)
            .load::<ApplicationId>(conn)?,
    );
    if let Some(member_months) = member_months {
        // Calls whose term ended `member_months` ago or more.
        let ended = months_before(now, member_months).date_naive();
        let over = calls::table
            .select(calls::id)
            .filter(calls::decided_at.is_not_null())
            .filter(calls::term_end.lt(ended));
        due.extend(
            applications::table
                .select(applications::id)
                .filter(applications::erased_at.is_null())
                .filter(applications::call_id.eq_any(over))
                .limit(limit)
                .load::<ApplicationId>(conn)?,
        );
    }
    due.sort();
    due.dedup();
    due.truncate(limit as usize);
    Ok(due)
}

/// Empties the bodies of messages sent before `before` (the recipient stays, for the record of
/// what was sent to whom; the text of it goes). Returns how many.
pub fn purge_sent_bodies(conn: &mut DbConn, before: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::status.eq("sent"))
            .filter(notifications::sent_at.le(to_db_time(before)))
            .filter(
                notifications::body_text
                    .ne("")
                    .or(notifications::body_html.ne("")),
            ),
    )
    .set((
        notifications::body_text.eq(""),
        notifications::body_html.eq(""),
    ))
    .execute(conn)?)
}

/// `months` calendar months before `now` (the last day of a shorter month where needed).
pub fn months_before(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(chrono::Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Withdraws an open application on its way to erasure (its person asked for both).
pub fn withdraw(conn: &mut DbConn, id: &ApplicationId, now: DateTime<Utc>) -> Result<(), AppError> {
    diesel::update(applications::table.filter(applications::id.eq(id)))
        .set((
            applications::status.eq("withdrawn"),
            applications::withdrawn_at.eq(Some(to_db_time(now))),
            applications::version.eq(applications::version + 1),
            applications::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = notifications)]
struct MessageCopy {
    id: String,
    kind: String,
    language: String,
    recipient: String,
    subject: String,
    body_text: String,
    status: String,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

impl MessageCopy {
    fn into_json(self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "kind": self.kind, "language": self.language,
            "recipient": self.recipient, "subject": self.subject, "body_text": self.body_text,
            "status": self.status, "created_at": crate::db::from_db_time(self.created_at),
            "sent_at": self.sent_at.map(crate::db::from_db_time),
        })
    }
}

/// The messages about an application, and to its address, oldest first.
pub fn messages_of(
    conn: &mut DbConn,
    application: &ApplicationId,
    email: &str,
) -> Result<Vec<serde_json::Value>, AppError> {
    let rows: Vec<MessageCopy> = notifications::table
        .select(MessageCopy::as_select())
        .filter(
            notifications::application_id
                .eq(application.as_str())
                .or(notifications::recipient
                    .eq(email)
                    .and(notifications::application_id.is_null())),
        )
        .order(notifications::id)
        .load(conn)?;
    Ok(rows.into_iter().map(MessageCopy::into_json).collect())
}

/// The messages to an address that belong to no application (staff invitations and the like).
pub fn messages_to(conn: &mut DbConn, email: &str) -> Result<Vec<serde_json::Value>, AppError> {
    let rows: Vec<MessageCopy> = notifications::table
        .select(MessageCopy::as_select())
        .filter(notifications::recipient.eq(email))
        .filter(notifications::application_id.is_null())
        .order(notifications::id)
        .load(conn)?;
    Ok(rows.into_iter().map(MessageCopy::into_json).collect())
}

/// A seat holding as stored: seat, status, source, offered, respond by, answered, ended, why.
type HoldingRow = (
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
);

/// An application's seat history: every offer of a seat, with how it ended.
pub fn holdings_of(
    conn: &mut DbConn,
    application: &ApplicationId,
) -> Result<Vec<serde_json::Value>, AppError> {
    let rows: Vec<HoldingRow> = seat_holders::table
        .select((
            seat_holders::seat_id,
            seat_holders::status,
            seat_holders::source,
            seat_holders::offered_at,
            seat_holders::respond_by,
            seat_holders::answered_at,
            seat_holders::ended_at,
            seat_holders::end_reason,
        ))
        .filter(seat_holders::application_id.eq(application.as_str()))
        .order(seat_holders::id)
        .load(conn)?;
    let time = crate::db::from_db_time;
    Ok(rows
        .into_iter()
        .map(|(seat, status, source, offered, respond_by, answered, ended, end_reason)| {
            serde_json::json!({
                "seat_id": seat, "status": status, "source": source, "offered_at": time(offered),
                "respond_by": time(respond_by), "answered_at": answered.map(time),
                "ended_at": ended.map(time), "end_reason": end_reason,
            })
        })
        .collect())
}
