//! Intake: associations apply to an open call (the JSON API and the application form alike), and
//! applicants read, change and withdraw their application until the call closes; staff read and
//! correct them until the decision.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, ApplicationCaller, Staff};
use super::idempotency::{self, Created, Once};
use crate::db::DbConn;
use crate::domain::access::CallRole;
use crate::domain::application::{
    ApplicationStatus, CallSetting, Editor, Gender, Misplacement, Placement, RolePreference,
    edit_refusal, misplacements, normalize_phone, normalize_register_number,
};
use crate::domain::call::{self, CallAction};
use crate::domain::delivery::mask_email;
use crate::domain::localized::Language;
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, CallId};
use crate::input::{self, Form};
use crate::mail::context::{CallInfo, Candidate as MailCandidate, MessageContext};
use crate::mail::outbox::{self, Outgoing};
use crate::mail::templates::Templates;
use crate::store::applications::{self as store, Application, Association, Candidate, Updated};
use crate::store::calls::Call;
use crate::store::councils::{self, Council};
use crate::store::review as review_store;
use crate::store::{Page, PageRequest, audit, reference};
use crate::tokens;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssociationInput {
    #[validate(custom(function = "crate::domain::rules::name"))]
    #[schema(
        example = "Ylämyllyn Kyläyhdistys ry",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// Y-tunnus, `NNNNNNN-C`, with a valid check digit.
    #[validate(custom(function = "crate::domain::rules::business_id"))]
    #[schema(example = "0112038-9", pattern = "^ *[0-9]{7}-[0-9] *$")]
    pub business_id: String,
    /// Association register number, 1 to 6 digits, with or without the dot (blank: not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "crate::domain::rules::register_number"))]
    #[schema(
        example = "123.456",
        pattern = "^ *([0-9]{1,3}|[0-9]{1,3}\\.?[0-9]{3})? *$"
    )]
    pub register_number: Option<String>,
    /// Where the association operates: one of the council's municipalities.
    #[validate(custom(function = "crate::domain::rules::municipality_code"))]
    #[schema(example = "426", pattern = "^[0-9]{3}$")]
    pub municipality_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    #[validate(custom(function = "crate::domain::rules::name"))]
    #[schema(example = "Äijä", min_length = 1, max_length = 200)]
    pub first_name: String,
    #[validate(custom(function = "crate::domain::rules::name"))]
    #[schema(example = "Öhman", min_length = 1, max_length = 200)]
    pub last_name: String,
    #[validate(custom(function = "crate::domain::rules::email_address"))]
    #[schema(example = "aija.ohman@example.org", format = "email", max_length = 254)]
    pub email: String,
    /// Finnish numbers may be written as usual; stored in E.164.
    #[validate(custom(function = "crate::domain::rules::phone"))]
    #[schema(example = "040 123 4567", pattern = "^ *\\+?[0-9][0-9 ()-]{4,30} *$")]
    pub phone: String,
    #[validate(custom(function = "crate::domain::rules::municipality_code"))]
    #[schema(example = "426", pattern = "^[0-9]{3}$")]
    pub municipality_code: String,
    pub gender: Gender,
    /// The language of messages to the candidate.
    pub language: Language,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Commitments {
    /// The candidate has time for the council's work (must be true).
    #[validate(custom(function = "crate::domain::rules::must_be_true"))]
    pub has_time: bool,
    /// The candidate will carry messages between the council and the theme's associations (must
    /// be true).
    #[validate(custom(function = "crate::domain::rules::must_be_true"))]
    pub will_liaise: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// The version of the privacy notice in force (`GET /privacy-notice`).
    #[validate(length(min = 1, max = 20))]
    #[schema(example = "1", min_length = 1, max_length = 20)]
    pub privacy_notice_version: String,
    /// Must be true.
    #[validate(custom(function = "crate::domain::rules::must_be_true"))]
    pub accepted: bool,
}

/// An application, as submitted. `PATCH` takes a JSON merge patch of the same document (without
/// `commitments` and `consent`).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationForm {
    #[validate(nested)]
    pub association: AssociationInput,
    /// One of the themes the call seeks.
    pub theme: ThemeArea,
    pub role_preference: RolePreference,
    #[validate(nested)]
    pub candidate: CandidateInput,
    /// Why the candidate applies; kept exactly as written.
    #[validate(custom(function = "crate::domain::rules::free_text"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub motivation: String,
    #[validate(nested)]
    pub commitments: Commitments,
    #[validate(nested)]
    pub consent: ConsentInput,
}

/// What a submission gives back, once: the application, its edit token (shown only here and in
/// the receipt's link) and that link. Kept sealed for the replay of a repeated submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submitted {
    pub application: Application,
    pub edit_token: String,
    pub edit_url: String,
}

/// The link in the receipt email: it opens the application's page, which exchanges the token for
/// a session cookie and moves on to the address without it.
pub fn edit_url(public_url: &str, id: &ApplicationId, token: &str) -> String {
    super::messages::application_link(public_url, id, token)
}

/// The form's municipalities and notice judged against the call and the reference data
/// (`domain::application::misplacements`), as field errors. Only a new application is held to
/// the privacy notice in force.
fn placement_errors(
    conn: &mut DbConn,
    form: &ApplicationForm,
    call: &Call,
    council: &Council,
    check_consent: bool,
) -> Result<Vec<FieldError>, AppError> {
    let codes = [
        form.association.municipality_code.clone(),
        form.candidate.municipality_code.clone(),
    ];
    let unknown = reference::unknown_municipalities(conn, &codes)?;
    let notice = reference::current_privacy_notice(conn)?;
    let found = misplacements(
        &Placement {
            theme: form.theme,
            association_municipality: &form.association.municipality_code,
            candidate_municipality: &form.candidate.municipality_code,
            accepted_notice: check_consent.then_some(form.consent.privacy_notice_version.as_str()),
        },
        &CallSetting {
            themes_sought: &call.themes,
            council_area: &council.municipality_codes,
            unknown_municipalities: &unknown,
            notice_in_force: &notice.version,
        },
    );
    let mut errors = Vec::new();
    for problem in found {
        let (code, message) = match &problem {
            Misplacement::ThemeNotSought => {
                let sought: Vec<&str> = call.themes.iter().map(|t| t.code()).collect();
                (
                    "not_sought",
                    format!(
                        "this call does not seek applicants for {}; it seeks {}",
                        form.theme.code(),
                        sought.join(", ")
                    ),
                )
            }
            Misplacement::UnknownMunicipality { field } => {
                let code = if *field == "association.municipality_code" {
                    &codes[0]
                } else {
                    &codes[1]
                };
                ("unknown", format!("no municipality {code}"))
            }
            Misplacement::OutsideArea => {
                let area: Vec<String> = reference::list_municipalities(conn, None)?
                    .into_iter()
                    .filter(|m| council.municipality_codes.contains(&m.code))
                    .map(|m| format!("{} ({})", m.name.fi, m.code))
                    .collect();
                (
                    "outside_area",
                    format!(
                        "the association must operate in the council's area; {} covers {}",
                        council.name.fi,
                        area.join(", ")
                    ),
                )
            }
            Misplacement::OutdatedNotice => (
                "outdated",
                format!(
                    "accept the privacy notice in force, version {} (GET /api/v1/privacy-notice)",
                    notice.version
                ),
            ),
        };
        errors.push(FieldError::new(problem.field(), code, message));
    }
    Ok(errors)
}

/// The call, if it is published (a draft is "not found" here, for everyone).
fn published_call(conn: &mut DbConn, id: &CallId) -> Result<Call, AppError> {
    Ok(access::call(conn, id, None)?.call)
}

/// Applies to an open call (public): 409 before `opens_at` and from `closes_at` on, and if the
/// candidate (by email) already applied. Every bad field of the form, including those only the
/// database can judge, is named in one 422. The application, its receipt in the outbox, the
/// audit entry and the idempotency record are written in one transaction.
pub async fn submit(
    round: &Round,
    call_id: CallId,
    form: Form<ApplicationForm>,
    once: Once,
) -> Result<Created<Submitted>, AppError> {
    let now = round.now();
    let (templates, public_url) = (
        round.templates.clone(),
        round.config.server.public_url.clone(),
    );
    // Everything that only reads happens before the write lock is taken: the earlier use of the
    // key, the call's state, the checks, the receipt's rendering. The write transaction then only
    // claims the key and inserts the rows, so writers queue for as short a time as possible.
    round
        .db
        .blocking(move |db| {
            let prepared = {
                let mut conn = db.conn()?;
                if let Some(earlier) = idempotency::earlier(&mut conn, &once, now)? {
                    return Ok(earlier);
                }
                prepare(&mut conn, &templates, &public_url, &call_id, form, now)?
            };
            db.write_blocking(|conn| {
                let created = idempotency::once(conn, &once, now, |conn| {
                    write_submission(conn, prepared, now)
                })?;
                if !created.replayed {
                    let id = created.value.application.id.as_str();
                    idempotency::mark_subject(conn, &once, id)?;
                }
                Ok(created)
            })
        })
        .await
}

fn write_submission(
    conn: &mut DbConn,
    prepared: Prepared,
    now: DateTime<Utc>,
) -> Result<Submitted, AppError> {
    let a = &prepared.submitted.application;
    if !store::insert(conn, a)? {
        return Err(AppError::Conflict(format!(
            "{} has already applied to this call. To change that application, use the edit link in \
             its receipt email; to apply for another theme instead, withdraw it first.",
            mask_email(&a.candidate.email)
        )));
    }
    outbox::insert(conn, &prepared.receipt, now)?;
    audit::record(
        conn,
        audit::Change {
            call_id: Some(&a.call_id),
            actor: &audit::Actor::Applicant(a.id.clone()),
            action: "application.submitted",
            entity: "application",
            entity_id: a.id.as_str(),
            before: None,
            after: audit::snapshot(&serde_json::json!({
                "status": a.status, "theme": a.theme, "role_preference": a.role_preference,
            })),
        },
        now,
    )?;
    Ok(prepared.submitted)
}

/// A checked submission, ready to be written.
struct Prepared {
    submitted: Submitted,
    receipt: outbox::Prepared,
}

/// Checks a submission against the call and the form's rules and prepares what to write; reads
/// only.
fn prepare(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    call_id: &CallId,
    form: Form<ApplicationForm>,
    now: DateTime<Utc>,
) -> Result<Prepared, AppError> {
    let call = published_call(conn, call_id)?;
    call::transition(call.status(now), CallAction::Apply)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let council = councils::get(conn, &call.council_id)?;
    let extra = match &form.value {
        Some(value) => placement_errors(conn, value, &call, &council, true)?,
        None => Vec::new(),
    };
    let form = form.finish(extra)?;
    let token = tokens::generate(tokens::APPLICANT_PREFIX);
    let application = Application {
        id: ApplicationId::new(),
        call_id: call.id.clone(),
        status: ApplicationStatus::Submitted,
        theme: form.theme,
        role_preference: form.role_preference,
        association: stored_association(&form.association),
        candidate: stored_candidate(&form.candidate),
        motivation: form.motivation,
        privacy_notice_version: form.consent.privacy_notice_version,
        consented_at: now,
        edit_token_hash: tokens::digest(&token),
        version: 1,
        submitted_at: now,
        updated_at: now,
        withdrawn_at: None,
    };
    let url = edit_url(public_url, &application.id, &token);
    let language = application.candidate.language;
    let receipt = outbox::prepare(
        conn,
        templates,
        Outgoing {
            language,
            recipient: &application.candidate.email,
            call_id: Some(&call.id),
            application_id: Some(application.id.as_str()),
            user_id: None,
            context: MessageContext::ApplicationReceived {
                call: CallInfo::of(&call, &council, language),
                candidate: MailCandidate {
                    first_name: application.candidate.first_name.clone(),
                    last_name: application.candidate.last_name.clone(),
                },
                association: application.association.name.clone(),
                theme: application.theme.name().get(language).to_owned(),
                edit_url: url.clone(),
            },
        },
    )?;
    Ok(Prepared {
        submitted: Submitted {
            application,
            edit_token: token,
            edit_url: url,
        },
        receipt,
    })
}

fn stored_association(a: &AssociationInput) -> Association {
    Association {
        name: a.name.clone(),
        business_id: a.business_id.trim().to_owned(),
        register_number: a
            .register_number
            .as_deref()
            .and_then(normalize_register_number),
        municipality_code: a.municipality_code.clone(),
    }
}

fn stored_candidate(c: &CandidateInput) -> Candidate {
    Candidate {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.trim().to_owned(),
        phone: normalize_phone(&c.phone).unwrap_or_else(|| c.phone.clone()),
        municipality_code: c.municipality_code.clone(),
        gender: c.gender,
        language: c.language,
    }
}

pub fn association_input(a: &Association) -> AssociationInput {
    AssociationInput {
        name: a.name.clone(),
        business_id: a.business_id.clone(),
        register_number: a.register_number.clone(),
        municipality_code: a.municipality_code.clone(),
    }
}

pub fn candidate_input(c: &Candidate) -> CandidateInput {
    CandidateInput {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        municipality_code: c.municipality_code.clone(),
        gender: c.gender,
        language: c.language,
    }
}

/// The application as its form: what a merge patch applies to, and what an edit form shows.
pub fn form_of(a: &Application) -> ApplicationForm {
    ApplicationForm {
        association: association_input(&a.association),
        theme: a.theme,
        role_preference: a.role_preference,
        candidate: candidate_input(&a.candidate),
        motivation: a.motivation.clone(),
        commitments: Commitments {
            has_time: true,
            will_liaise: true,
        },
        consent: ConsentInput {
            privacy_notice_version: a.privacy_notice_version.clone(),
            accepted: true,
        },
    }
}

fn form_document(a: &Application) -> Value {
    serde_json::to_value(form_of(a)).expect("forms serialise")
}

/// The application and its call, if the caller may read it: the applicant with this
/// application's token, an admin, or staff of the call's council; a committee member unless
/// they have a conflict of interest for it. Anything else is "not found". With `for_change`, the
/// call's row is locked first (a staff edit during the review changes what selection reads).
pub fn readable(
    conn: &mut DbConn,
    id: &ApplicationId,
    caller: &ApplicationCaller,
    for_change: bool,
) -> Result<(Application, Call), AppError> {
    let application = store::find(conn, id)?.ok_or_else(|| AppError::not_found("application"))?;
    if for_change {
        access::lock_call(conn, &application.call_id)?;
    }
    let hidden = || AppError::not_found("application");
    let call = crate::store::calls::find(conn, &application.call_id)?.ok_or_else(hidden)?;
    let allowed = match caller {
        ApplicationCaller::Applicant { token_digest } => {
            store::opens(conn, &application, token_digest)?
        }
        ApplicationCaller::Staff(staff) => match access::role_in(conn, &call, staff)? {
            CallRole::Manager => true,
            // A member with a conflict of interest steps aside: the application is not there.
            CallRole::Member => !review_store::has_conflict(conn, id, staff.id())?,
            CallRole::Outsider => false,
        },
    };
    if allowed {
        Ok((application, call))
    } else {
        Err(hidden())
    }
}

/// One application: for the applicant (with the edit token) and for staff of the call's council.
pub async fn read(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
) -> Result<Application, AppError> {
    round
        .db
        .run(move |conn| Ok(readable(conn, &id, &caller, false)?.0))
        .await
}

/// The fields of a form that differ between two versions, before and after.
fn changed_fields(before: &Value, after: &Value) -> (Value, Value) {
    let (mut old, mut new) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for key in b.keys().chain(a.keys()) {
            if b.get(key) != a.get(key) && !old.contains_key(key) {
                old.insert(key.clone(), b.get(key).cloned().unwrap_or(Value::Null));
                new.insert(key.clone(), a.get(key).cloned().unwrap_or(Value::Null));
            }
        }
    }
    (Value::Object(old), Value::Object(new))
}

/// Who may change it, or 403 (a committee member may read but not change).
fn editor(caller: &ApplicationCaller, call: &Call) -> Result<Editor, AppError> {
    match caller {
        ApplicationCaller::Applicant { .. } => Ok(Editor::Applicant),
        ApplicationCaller::Staff(staff) => {
            staff.require_manager(&call.council_id)?;
            Ok(Editor::Staff)
        }
    }
}

/// What `If-Match` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any current version.
    Any,
    /// One of these versions (strong ETags only; a weak one never matches, RFC 9110 §13.1.1).
    Versions(Vec<i32>),
}

fn check_version(
    application: &Application,
    expected: Option<&Precondition>,
) -> Result<(), AppError> {
    match expected {
        Some(Precondition::Versions(versions)) if !versions.contains(&application.version) => {
            Err(AppError::PreconditionFailed(format!(
                "If-Match does not name the current version (\"{}\"); read the application again",
                application.version
            )))
        }
        _ => Ok(()),
    }
}

/// The application, if the caller may change it now and `expected` names its version.
fn changeable(
    conn: &mut DbConn,
    id: &ApplicationId,
    caller: &ApplicationCaller,
    expected: Option<&Precondition>,
    now: DateTime<Utc>,
) -> Result<(Application, Call), AppError> {
    let (current, call) = readable(conn, id, caller, true)?;
    let editor = editor(caller, &call)?;
    if let Some(reason) = edit_refusal(editor, call.status(now), current.status) {
        return Err(AppError::Conflict(reason));
    }
    check_version(&current, expected)?;
    Ok((current, call))
}

/// Changes an application with a JSON merge patch of its form (not `commitments` or `consent`):
/// the applicant while the call is open, staff of the council until it is decided. The merged
/// form goes through the same checks as a submission.
pub async fn update(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
    expected: Option<Precondition>,
    patch: Value,
) -> Result<Application, AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            let (current, call) = changeable(conn, &id, &caller, expected.as_ref(), now)?;
            let read_only: Vec<FieldError> = ["commitments", "consent"]
                .into_iter()
                .filter(|k| patch.get(*k).is_some())
                .map(|k| {
                    FieldError::new(
                        k,
                        "read_only",
                        "is given once, when applying, and cannot be changed",
                    )
                })
                .collect();
            let before = form_document(&current);
            let mut document = before.clone();
            let mut changes = patch;
            if let Some(object) = changes.as_object_mut() {
                object.remove("commitments");
                object.remove("consent");
            }
            input::merge_patch(&mut document, &changes);
            let form = input::parse_value::<ApplicationForm>(document)?;
            let council = councils::get(conn, &call.council_id)?;
            let mut extra = read_only;
            if let Some(value) = &form.value {
                extra.extend(placement_errors(conn, value, &call, &council, false)?);
            }
            let form = form.finish(extra)?;
            let updated = Application {
                theme: form.theme,
                role_preference: form.role_preference,
                association: stored_association(&form.association),
                candidate: stored_candidate(&form.candidate),
                motivation: form.motivation,
                version: current.version + 1,
                updated_at: now,
                ..current.clone()
            };
            let (old, new) = changed_fields(&before, &form_document(&updated));
            if new.as_object().is_some_and(|o| o.is_empty()) {
                // Nothing changes: the version (the ETag) stays, and nothing is logged.
                return Ok(current);
            }
            write_edit(conn, &caller, &call, &current, updated, (old, new), now)
        })
        .await
}

fn write_edit(
    conn: &mut DbConn,
    caller: &ApplicationCaller,
    call: &Call,
    current: &Application,
    updated: Application,
    (old, new): (Value, Value),
    now: DateTime<Utc>,
) -> Result<Application, AppError> {
    match store::update(conn, &updated, current.version)? {
        Updated::Done => {
            audit::record(
                conn,
                audit::Change {
                    call_id: Some(&call.id),
                    actor: &caller.actor(&updated.id),
                    action: "application.edited",
                    entity: "application",
                    entity_id: updated.id.as_str(),
                    before: Some(old),
                    after: Some(new),
                },
                now,
            )?;
            Ok(updated)
        }
        Updated::VersionMoved => Err(AppError::PreconditionFailed(
            "the application changed meanwhile; read it again".into(),
        )),
        Updated::EmailTaken => Err(AppError::Conflict(format!(
            "{} already has an application to this call",
            mask_email(&updated.candidate.email)
        ))),
    }
}

/// Withdraws an application: the applicant while the call is open, staff of the council until it
/// is decided. A withdrawn application is never selected and no longer counts against the
/// candidate's one application per call.
pub async fn withdraw(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
    expected: Option<Precondition>,
) -> Result<Application, AppError> {
    let now = round.now();
    let application = round
        .db
        .write(move |conn| {
            let (current, call) = changeable(conn, &id, &caller, expected.as_ref(), now)?;
            let withdrawn = Application {
                status: ApplicationStatus::Withdrawn,
                withdrawn_at: Some(now),
                version: current.version + 1,
                updated_at: now,
                ..current.clone()
            };
            if store::update(conn, &withdrawn, current.version)? != Updated::Done {
                return Err(AppError::PreconditionFailed(
                    "the application changed meanwhile; read it again".into(),
                ));
            }
            audit::record(
                conn,
                audit::Change {
                    call_id: Some(&call.id),
                    actor: &caller.actor(&withdrawn.id),
                    action: "application.withdrawn",
                    entity: "application",
                    entity_id: withdrawn.id.as_str(),
                    before: audit::snapshot(&serde_json::json!({"status": current.status})),
                    after: audit::snapshot(&serde_json::json!({"status": withdrawn.status})),
                },
                now,
            )?;
            Ok(withdrawn)
        })
        .await?;
    tracing::info!(application_id = %application.id, "application withdrawn");
    Ok(application)
}

/// The call, if `staff` may read its applications (its managers and committee members), with the
/// applications the caller must not see (those a member has a conflict for).
fn call_for_staff(
    conn: &mut DbConn,
    id: &CallId,
    staff: &Staff,
) -> Result<(Call, Vec<ApplicationId>), AppError> {
    let (call, role) =
        access::call(conn, id, Some(staff))?.managers_and_committee("read its applications")?;
    let hidden = match role {
        CallRole::Member => review_store::conflicts_of_call(conn, id)?
            .into_iter()
            .filter(|c| &c.user_id == staff.id())
            .map(|c| c.application_id)
            .collect(),
        _ => Vec::new(),
    };
    Ok((call, hidden))
}

/// The call's applications, oldest first (its managers and committee).
pub async fn list(
    round: &Round,
    staff: Staff,
    call_id: CallId,
    theme: Option<ThemeArea>,
    status: Option<ApplicationStatus>,
    page: PageRequest,
) -> Result<Page<Application>, AppError> {
    round
        .db
        .run(move |conn| {
            let (_, hidden) = call_for_staff(conn, &call_id, &staff)?;
            let filter = store::ListFilter {
                theme,
                status,
                exclude: hidden,
            };
            store::list(conn, &call_id, &filter, &page)
        })
        .await
}

/// How many applied, per theme and status (the call's managers and committee).
pub async fn counts(
    round: &Round,
    staff: Staff,
    call_id: CallId,
) -> Result<(Call, Vec<(ThemeArea, ApplicationStatus, i64)>), AppError> {
    round
        .db
        .run(move |conn| {
            let (call, _) = call_for_staff(conn, &call_id, &staff)?;
            let counts = store::counts(conn, &call_id)?;
            Ok((call, counts))
        })
        .await
}

/// What the application form offers: the call and its council, the municipalities of the
/// council's area (for the association) and all known ones (for the candidate), and the privacy
/// notice the applicant accepts.
pub struct FormSetting {
    pub call: Call,
    pub council: Council,
    pub area: Vec<reference::Municipality>,
    pub municipalities: Vec<reference::Municipality>,
    pub notice: reference::PrivacyNotice,
}

/// The form's setting for a published call (a draft is not found).
pub async fn form_setting(round: &Round, call_id: CallId) -> Result<FormSetting, AppError> {
    round
        .db
        .run(move |conn| {
            let call = published_call(conn, &call_id)?;
            let council = councils::get(conn, &call.council_id)?;
            let mut municipalities = reference::list_municipalities(conn, None)?;
            municipalities.sort_by(|a, b| a.name.fi.cmp(&b.name.fi));
            let area = municipalities
                .iter()
                .filter(|m| council.municipality_codes.contains(&m.code))
                .cloned()
                .collect();
            let notice = reference::current_privacy_notice(conn)?;
            Ok(FormSetting {
                call,
                council,
                area,
                municipalities,
                notice,
            })
        })
        .await
}

/// A seat offered to the applicant, as their page shows it.
#[derive(Debug, Clone)]
pub struct Offer {
    pub role: crate::domain::seat_plan::SeatRole,
    pub confirmed: bool,
    pub respond_by: DateTime<Utc>,
    /// A deputy offered the theme's representative seat, whose deputy seat waits for the answer.
    pub moving_up: bool,
}

/// Everything the applicant's own page shows.
pub struct ApplicantView {
    pub application: Application,
    pub call: Call,
    pub council: Council,
    pub outcome: crate::store::selection::Outcome,
    pub offer: Option<Offer>,
}

/// The application with its call, council, outcome and any seat offered (the applicant, or
/// staff who may read it).
pub async fn applicant_view(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
) -> Result<ApplicantView, AppError> {
    use crate::store::selection::{self as holdings, HoldingSource, HoldingStatus};
    round
        .db
        .run(move |conn| {
            let (application, call) = readable(conn, &id, &caller, false)?;
            let council = councils::get(conn, &call.council_id)?;
            let outcome = holdings::outcome_of(conn, &id)?;
            let offer = match holdings::current_of_application(conn, &id)? {
                Some(h) => {
                    let seats = crate::store::seats::of_council(conn, &call.council_id)?;
                    seats.iter().find(|s| s.id == h.seat_id).map(|seat| Offer {
                        role: seat.role,
                        confirmed: h.status == HoldingStatus::Confirmed,
                        respond_by: h.respond_by,
                        moving_up: h.status == HoldingStatus::Offered
                            && h.source == HoldingSource::Deputy,
                    })
                }
                None => None,
            };
            Ok(ApplicantView {
                application,
                call,
                council,
                outcome,
                offer,
            })
        })
        .await
}
