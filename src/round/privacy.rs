//! Personal data, as the privacy notice promises it (GDPR articles 5, 15, 17 and 20): an applicant
//! reads everything held about them and erases their application; staff answer a person's
//! request by email address; and the retention rules erase by themselves, run by the mail
//! worker's housekeeping. Erasure is one path (`store::privacy::erase_application`) whoever asks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, ApplicationCaller, Staff};
use super::intake::readable;
use crate::config::Config;
use crate::db::{Db, DbConn};
use crate::domain::access::CallRole;
use crate::domain::application::{ApplicationStatus, normalize_email};
use crate::domain::call::CallStatus;
use crate::error::AppError;
use crate::ids::{ApplicationId, NotificationId};
use crate::store::applications::{self as applications_store, Application};
use crate::store::audit::{self, Actor};
use crate::store::privacy as store;
use crate::store::review as review_store;
use crate::store::selection as selection_store;

/// `POST /applications/{id}/erase`: the applicant needs no reason; staff give one.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// Why staff erase it (required from staff; recorded in the audit log).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// `POST /people/erase`: everything of one email address, with the request's reason.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ErasePerson {
    #[validate(length(min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErasureReport {
    /// Applications whose personal data was erased.
    pub erased: Vec<ApplicationId>,
    /// Applications that were open and were withdrawn first.
    pub withdrawn: Vec<ApplicationId>,
    /// Applications kept because their person holds a seat: leaving the council is a decision
    /// of its own (`POST /seats/{id}/vacate`), after which they can be erased.
    pub kept_seated: Vec<ApplicationId>,
    /// Messages whose recipient and text were erased.
    pub messages: usize,
}

/// Everything held about the person of `id`, for them (with their credential) or for the call's
/// managers.
pub async fn export_own(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
) -> Result<Value, AppError> {
    let now = round.now();
    round
        .db
        .run(move |conn| {
            let (application, call) = readable(conn, &id, &caller, false)?;
            if let ApplicationCaller::Staff(staff) = &caller
                && access::role_in(conn, &call, staff)? != CallRole::Manager
            {
                return Err(AppError::Forbidden(
                    "only the call's managers export an applicant's personal data".into(),
                ));
            }
            let document = document_of(conn, &application, now)?;
            Ok(json!({"exported_at": now, "applications": [document]}))
        })
        .await
}

/// One application's personal data and what refers to it: the application as given, its
/// outcome and seat history, the reviews of it (scores and comments, not who wrote them), and
/// the messages sent about it.
fn document_of(conn: &mut DbConn, a: &Application, now: DateTime<Utc>) -> Result<Value, AppError> {
    let call =
        crate::store::calls::find(conn, &a.call_id)?.ok_or_else(|| AppError::not_found("call"))?;
    let outcome = selection_store::outcome_of(conn, &a.id)?;
    let reviews: Vec<Value> = review_store::reviews_of_application(conn, &a.id)?
        .into_iter()
        .map(|r| json!({"scores": r.scores, "comment": r.comment, "updated_at": r.updated_at}))
        .collect();
    let messages = store::messages_of(conn, &a.id, &a.candidate.email)?;
    let seats = store::holdings_of(conn, &a.id)?;
    Ok(json!({
        "application": {
            "id": a.id, "call_id": a.call_id, "status": a.status, "theme": a.theme,
            "role_preference": a.role_preference, "association": a.association,
            "candidate": a.candidate, "motivation": a.motivation,
            "privacy_notice_version": a.privacy_notice_version, "consented_at": a.consented_at,
            "submitted_at": a.submitted_at, "updated_at": a.updated_at,
            "withdrawn_at": a.withdrawn_at,
        },
        "call": {"id": call.id, "title": call.title, "status": call.status(now)},
        "outcome": {"outcome": outcome.outcome, "reserve_rank": outcome.reserve_rank,
                    "declined_at": outcome.declined_at},
        "seats": seats,
        "reviews": reviews,
        "messages": messages,
    }))
}

/// Why an application is not erased now: its person holds (or is offered) a seat.
fn seated(conn: &mut DbConn, id: &ApplicationId) -> Result<bool, AppError> {
    Ok(selection_store::current_of_application(conn, id)?.is_some())
}

/// Erases one application's personal data: the applicant (while the call is open this also
/// withdraws it), or the call's managers with a reason. A person holding or offered a seat is
/// told to ask the secretary (applicant) or to vacate it first (staff).
pub async fn erase_own(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
    body: Erase,
) -> Result<ErasureReport, AppError> {
    let now = round.now();
    let report = round
        .db
        .write(move |conn| {
            let (application, call) = readable(conn, &id, &caller, true)?;
            if let ApplicationCaller::Staff(staff) = &caller {
                if access::role_in(conn, &call, staff)? != CallRole::Manager {
                    return Err(AppError::Forbidden(
                        "only the call's managers erase an application".into(),
                    ));
                }
                if body.reason.is_none() {
                    return Err(AppError::invalid(
                        "reason",
                        "required",
                        "is required when staff erase an application: say whose request or which rule",
                    ));
                }
            }
            if seated(conn, &id)? {
                return Err(AppError::Conflict(match caller {
                    ApplicationCaller::Applicant { .. } => "you hold a seat of the council (or are offered one): leaving it is a decision of the council; ask its secretary, who can then erase your data".into(),
                    ApplicationCaller::Staff(_) => "the applicant holds or is offered a seat: vacate it first (POST /seats/{id}/vacate), then erase".into(),
                }));
            }
            let withdraw = application.status == ApplicationStatus::Submitted
                && matches!(call.status(now), CallStatus::Open | CallStatus::Scheduled);
            erase_one(conn, &application, withdraw, &caller.actor(&id), body.reason.as_deref(), now)
        })
        .await?;
    forget_copies(&round.config, &report.1);
    Ok(report.0)
}

/// Erases `application` in the caller's transaction (withdrawing it first when asked), and
/// audits it without the person's data.
fn erase_one(
    conn: &mut DbConn,
    application: &Application,
    withdraw: bool,
    actor: &Actor,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(ErasureReport, Vec<NotificationId>), AppError> {
    let mut report = ErasureReport {
        erased: Vec::new(),
        withdrawn: Vec::new(),
        kept_seated: Vec::new(),
        messages: 0,
    };
    if withdraw {
        store::withdraw(conn, &application.id, now)?;
        report.withdrawn.push(application.id.clone());
    }
    let Some(messages) = store::erase_application(conn, application, now)? else {
        return Err(AppError::Conflict(
            "the application's personal data is erased already".into(),
        ));
    };
    audit::record(
        conn,
        audit::Change {
            call_id: Some(&application.call_id),
            actor,
            action: "application.erased",
            entity: "application",
            entity_id: application.id.as_str(),
            before: None,
            after: audit::snapshot(&json!({
                "withdrawn": withdraw, "messages": messages.len(), "reason": reason,
            })),
        },
        now,
    )?;
    report.erased.push(application.id.clone());
    report.messages = messages.len();
    Ok((report, messages))
}

/// The `.eml` copies of erased messages, when the service writes messages to files.
fn forget_copies(config: &Config, messages: &[NotificationId]) {
    if !config.mail.smtp_url.is_empty() {
        return;
    }
    for id in messages {
        let _ = std::fs::remove_file(config.mail.outbox_dir.join(format!("{id}.eml")));
    }
}

/// The applications of `email` that `staff` may answer for: every call's for an admin, their
/// councils' calls' for a secretary.
fn applications_of(
    conn: &mut DbConn,
    staff: &Staff,
    email: &str,
) -> Result<Vec<Application>, AppError> {
    let scope = staff.scope();
    if !scope.is_admin() && staff.0.role != crate::domain::access::Role::Secretary {
        return Err(AppError::Forbidden(
            "only an admin or a council's secretary answers a person's request".into(),
        ));
    }
    let mut found = Vec::new();
    for application in applications_store::of_email_key(conn, &normalize_email(email))? {
        let call = crate::store::calls::find(conn, &application.call_id)?
            .ok_or_else(|| AppError::not_found("call"))?;
        if scope.manages(&call.council_id) {
            found.push(application);
        }
    }
    Ok(found)
}

/// `GET /people/export?email=`: everything held about an email address, within the caller's
/// councils (every council for an admin).
pub async fn export_person(round: &Round, staff: Staff, email: String) -> Result<Value, AppError> {
    // As the query's schema says (and the erasure's body): 3 to 254 characters.
    if !(3..=254).contains(&email.chars().count()) {
        return Err(AppError::invalid(
            "email",
            "length",
            "must be 3 to 254 characters",
        ));
    }
    let now = round.now();
    round
        .db
        .run(move |conn| {
            let mut documents = Vec::new();
            for application in applications_of(conn, &staff, &email)? {
                documents.push(document_of(conn, &application, now)?);
            }
            let other_messages = if staff.scope().is_admin() {
                store::messages_to(conn, email.trim())?
            } else {
                Vec::new()
            };
            Ok(json!({
                "exported_at": now, "email": email.trim(), "applications": documents,
                "other_messages": other_messages,
            }))
        })
        .await
}

/// `POST /people/erase`: erases every application of an email address within the caller's
/// councils, except those whose person holds a seat (listed), and (for an admin) every other
/// message to the address.
pub async fn erase_person(
    round: &Round,
    staff: Staff,
    body: ErasePerson,
) -> Result<ErasureReport, AppError> {
    let now = round.now();
    let (report, messages) = round
        .db
        .write(move |conn| {
            let mut report = ErasureReport {
                erased: Vec::new(),
                withdrawn: Vec::new(),
                kept_seated: Vec::new(),
                messages: 0,
            };
            let mut all_messages = Vec::new();
            for application in applications_of(conn, &staff, &body.email)? {
                access::lock_call(conn, &application.call_id)?;
                if seated(conn, &application.id)? {
                    report.kept_seated.push(application.id.clone());
                    continue;
                }
                let call = crate::store::calls::find(conn, &application.call_id)?
                    .ok_or_else(|| AppError::not_found("call"))?;
                let withdraw = application.status == ApplicationStatus::Submitted
                    && matches!(call.status(now), CallStatus::Open | CallStatus::Scheduled);
                match erase_one(
                    conn,
                    &application,
                    withdraw,
                    &staff.actor(),
                    Some(&body.reason),
                    now,
                ) {
                    Ok((one, messages)) => {
                        report.erased.extend(one.erased);
                        report.withdrawn.extend(one.withdrawn);
                        all_messages.extend(messages);
                    }
                    Err(AppError::Conflict(_)) => {} // erased already
                    Err(e) => return Err(e),
                }
            }
            if staff.scope().is_admin() {
                all_messages.extend(store::erase_messages(conn, None, body.email.trim(), now)?);
            }
            all_messages.sort();
            all_messages.dedup();
            report.messages = all_messages.len();
            audit::record(
                conn,
                audit::Change {
                    call_id: None,
                    actor: &staff.actor(),
                    action: "person.erased",
                    entity: "person",
                    entity_id: "request",
                    before: None,
                    after: audit::snapshot(&json!({
                        "applications": report.erased, "kept_seated": report.kept_seated,
                        "messages": report.messages, "reason": body.reason,
                    })),
                },
                now,
            )?;
            Ok((report, all_messages))
        })
        .await?;
    forget_copies(&round.config, &messages);
    Ok(report)
}

/// What one housekeeping pass of the retention rules did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub erased: usize,
    pub message_bodies: usize,
}

/// The retention rules, from the mail worker's housekeeping (at least once a minute; one indexed
/// query when nothing is due): erases what `privacy.retention_months` (and
/// `privacy.member_retention_months`, when set) have made due, at most 500 a pass, each in its
/// own write transaction; empties the bodies of messages sent more than `mail.keep_sent_days`
/// ago; audits the pass with counts, not names. Several instances may run it at once: the
/// erasure's own update claims each application, so each is erased once.
pub fn retention(db: &Db, config: &Config, now: DateTime<Utc>) -> Result<Retention, AppError> {
    let due = {
        let mut conn = db.conn()?;
        store::due_for_erasure(
            &mut conn,
            now,
            config.privacy.retention_months,
            config.privacy.member_retention_months,
            500,
        )?
    };
    let mut done = Retention::default();
    let mut messages = Vec::new();
    for id in due {
        let erased = db.write_blocking(|conn| {
            let Some(application) = applications_store::find(conn, &id)? else {
                return Ok(None);
            };
            store::erase_application(conn, &application, now)
        })?;
        if let Some(erased) = erased {
            done.erased += 1;
            messages.extend(erased);
        }
    }
    let keep = chrono::Duration::days(i64::from(config.mail.keep_sent_days));
    done.message_bodies = db.write_blocking(|conn| store::purge_sent_bodies(conn, now - keep))?;
    if done != Retention::default() {
        db.write_blocking(|conn| {
            audit::record(
                conn,
                audit::Change {
                    call_id: None,
                    actor: &Actor::System,
                    action: "privacy.retention",
                    entity: "housekeeping",
                    entity_id: "retention",
                    before: None,
                    after: audit::snapshot(&json!({
                        "erased": done.erased, "message_bodies": done.message_bodies,
                    })),
                },
                now,
            )
        })?;
        tracing::info!(
            erased = done.erased,
            message_bodies = done.message_bodies,
            "retention: personal data erased as the privacy notice says"
        );
    }
    forget_copies(config, &messages);
    Ok(done)
}
