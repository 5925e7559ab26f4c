//! Applications: associations apply to an open call, and applicants read, change and withdraw
//! their application with the edit token until the call closes. Staff read and correct them.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::AppState;
use super::auth::{ApplicationCaller, Staff};
use super::extract::{Form, Query, RawJson, page_request, parse_form};
use super::idempotency::{self, IdempotencyKey};
use super::review::{CallRole, call_role};
use super::rules;
use crate::db::DbConn;
use crate::domain::application::{
    ApplicationStatus, Editor, Gender, RolePreference, edit_refusal, normalize_phone,
    normalize_register_number,
};
use crate::domain::call::{self, CallAction, CallPhase, CallStatus};
use crate::domain::delivery::mask_email;
use crate::domain::localized::Language;
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, CallId};
use crate::mail::context::{CallInfo, Candidate as MailCandidate, MessageContext};
use crate::mail::outbox::{self, Outgoing};
use crate::store::applications::{self as store, Application, Association, Candidate, Updated};
use crate::store::audit;
use crate::store::calls::{self as calls_store, Call};
use crate::store::councils::{self, Council};
use crate::store::idempotency::StoredResponse;
use crate::store::reference;
use crate::store::review as review_store;
use crate::tokens;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssociationInput {
    #[validate(custom(function = "rules::name"))]
    #[schema(example = "Ylämyllyn Kyläyhdistys ry")]
    pub name: String,
    /// Y-tunnus, `NNNNNNN-C`.
    #[validate(custom(function = "rules::business_id"))]
    #[schema(example = "0112038-9")]
    pub business_id: String,
    /// Association register number, 1 to 6 digits, with or without the dot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "rules::register_number"))]
    #[schema(example = "123.456")]
    pub register_number: Option<String>,
    /// Where the association operates: one of the council's municipalities.
    #[validate(custom(function = "rules::municipality_code"))]
    #[schema(example = "426")]
    pub municipality_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    #[validate(custom(function = "rules::name"))]
    #[schema(example = "Äijä")]
    pub first_name: String,
    #[validate(custom(function = "rules::name"))]
    #[schema(example = "Öhman")]
    pub last_name: String,
    #[validate(custom(function = "rules::email_address"))]
    #[schema(example = "aija.ohman@example.org")]
    pub email: String,
    /// Finnish numbers may be written as usual; stored in E.164.
    #[validate(custom(function = "rules::phone"))]
    #[schema(example = "040 123 4567")]
    pub phone: String,
    #[validate(custom(function = "rules::municipality_code"))]
    #[schema(example = "426")]
    pub municipality_code: String,
    pub gender: Gender,
    /// The language of messages to the candidate.
    pub language: Language,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Commitments {
    /// The candidate has time for the council's work.
    #[validate(custom(function = "rules::must_be_true"))]
    pub has_time: bool,
    /// The candidate will carry messages between the council and the theme's associations.
    #[validate(custom(function = "rules::must_be_true"))]
    pub will_liaise: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// The version of the privacy notice in force (`GET /privacy-notice`).
    #[validate(length(min = 1, max = 20))]
    #[schema(example = "1")]
    pub privacy_notice_version: String,
    #[validate(custom(function = "rules::must_be_true"))]
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
    #[validate(custom(function = "rules::free_text"))]
    pub motivation: String,
    #[validate(nested)]
    pub commitments: Commitments,
    #[validate(nested)]
    pub consent: ConsentInput,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    pub privacy_notice_version: String,
    pub accepted: bool,
    pub accepted_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub call_id: CallId,
    pub status: ApplicationStatus,
    pub theme: ThemeArea,
    pub role_preference: RolePreference,
    pub association: AssociationInput,
    pub candidate: CandidateInput,
    pub motivation: String,
    pub commitments: Commitments,
    pub consent: ConsentView,
    /// Changes with every change; also the `ETag`.
    pub version: i32,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl From<&Application> for ApplicationView {
    fn from(a: &Application) -> Self {
        Self {
            id: a.id.clone(),
            call_id: a.call_id.clone(),
            status: a.status,
            theme: a.theme,
            role_preference: a.role_preference,
            association: association_input(&a.association),
            candidate: candidate_input(&a.candidate),
            motivation: a.motivation.clone(),
            // Applications exist only with both commitments given.
            commitments: Commitments {
                has_time: true,
                will_liaise: true,
            },
            consent: ConsentView {
                privacy_notice_version: a.privacy_notice_version.clone(),
                accepted: true,
                accepted_at: a.consented_at,
            },
            version: a.version,
            submitted_at: a.submitted_at,
            updated_at: a.updated_at,
            withdrawn_at: a.withdrawn_at,
        }
    }
}

fn association_input(a: &Association) -> AssociationInput {
    AssociationInput {
        name: a.name.clone(),
        business_id: a.business_id.clone(),
        register_number: a.register_number.clone(),
        municipality_code: a.municipality_code.clone(),
    }
}

fn candidate_input(c: &Candidate) -> CandidateInput {
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

/// The submission response: the application, and the edit token, shown only here.
#[derive(Serialize, ToSchema)]
pub struct SubmittedApplication {
    #[serde(flatten)]
    pub application: ApplicationView,
    /// Opens this application (`Authorization: Bearer <edit_token>`) until the call closes. Shown
    /// once; also in the receipt email's link.
    #[schema(example = "jsa_9f2c...")]
    pub edit_token: String,
    /// The link in the receipt email.
    pub edit_url: String,
}

/// What only the database can judge about a form: the theme is one the call seeks, the
/// municipalities are known, the association operates in the council's area, and (for a new
/// application) the privacy notice is the one in force.
fn context_errors(
    conn: &mut DbConn,
    form: &ApplicationForm,
    call: &Call,
    council: &Council,
    check_consent: bool,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    if !call.themes.contains(&form.theme) {
        let sought: Vec<&str> = call.themes.iter().map(|t| t.code()).collect();
        errors.push(FieldError::new(
            "theme",
            "not_sought",
            format!(
                "this call does not seek applicants for {}; it seeks {}",
                form.theme.code(),
                sought.join(", ")
            ),
        ));
    }
    let codes = [
        form.association.municipality_code.clone(),
        form.candidate.municipality_code.clone(),
    ];
    let unknown = reference::unknown_municipalities(conn, &codes)?;
    for (field, code) in [
        ("association.municipality_code", &codes[0]),
        ("candidate.municipality_code", &codes[1]),
    ] {
        if unknown.contains(code) {
            errors.push(FieldError::new(
                field,
                "unknown",
                format!("no municipality {code}"),
            ));
        }
    }
    let association_code = &form.association.municipality_code;
    if !unknown.contains(association_code) && !council.municipality_codes.contains(association_code)
    {
        let area: Vec<String> = reference::list_municipalities(conn, None)?
            .into_iter()
            .filter(|m| council.municipality_codes.contains(&m.code))
            .map(|m| format!("{} ({})", m.name.fi, m.code))
            .collect();
        errors.push(FieldError::new(
            "association.municipality_code",
            "outside_area",
            format!(
                "the association must operate in the council's area; {} covers {}",
                council.name.fi,
                area.join(", ")
            ),
        ));
    }
    if check_consent {
        let notice = reference::current_privacy_notice(conn)?;
        if form.consent.privacy_notice_version != notice.version {
            errors.push(FieldError::new(
                "consent.privacy_notice_version",
                "outdated",
                format!(
                    "accept the privacy notice in force, version {} (GET /api/v1/privacy-notice)",
                    notice.version
                ),
            ));
        }
    }
    Ok(errors)
}

/// The call, if it is published (a draft is "not found" here, for everyone).
fn published_call(conn: &mut DbConn, id: &CallId) -> Result<Call, AppError> {
    match calls_store::find(conn, id)? {
        Some(call) if call.phase != CallPhase::Draft => Ok(call),
        _ => Err(AppError::not_found("call")),
    }
}

fn edit_url(state_public_url: &str, id: &ApplicationId, token: &str) -> String {
    // The token travels in the fragment, which browsers never send to a server.
    format!(
        "{}/applications/{id}#token={token}",
        state_public_url.trim_end_matches('/')
    )
}

/// Applies to an open call (public). 409 before `opens_at` and from `closes_at` on; 409 if the
/// candidate (by email) already applied. The response carries the edit token, shown once; a
/// receipt email with the edit link is queued in the same transaction. Send an
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "applications",
    params(
        ("id" = CallId, Path, description = "The call"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat the same request with the same key to get the first response again")
    ),
    request_body = ApplicationForm,
    responses(
        (status = 201, body = SubmittedApplication, headers(("ETag" = String, description = "The version"))),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 429, response = super::docs::TooManyRequests)
    )
)]
#[post("/calls/{id}/applications")]
pub async fn submit_application(
    state: web::Data<AppState>,
    id: web::Path<CallId>,
    key: IdempotencyKey,
    form: Form<ApplicationForm>,
) -> Result<HttpResponse, AppError> {
    let call_id = id.into_inner();
    let now = state.now();
    let scope = format!("POST /api/v1/calls/{call_id}/applications");
    let digest = form.digest.clone();
    // Everything that only reads happens before the write lock is taken: the earlier use of the
    // key, the call's state, the checks, the receipt's rendering. The write transaction then only
    // claims the key and inserts the two rows, so writers queue for as short a time as possible.
    let (templates, public_url) = (
        state.templates.clone(),
        state.config.server.public_url.clone(),
    );
    let outcome = state
        .db
        .blocking(move |db| {
            let submission = {
                let mut conn = db.conn()?;
                if let Some(outcome) = idempotency::earlier(&mut conn, &key, &scope, &digest, now)? {
                    return Ok(outcome);
                }
                prepare_submission(&mut conn, &templates, &public_url, &call_id, form, now)?
            };
            db.write_blocking(|conn| {
                idempotency::once(conn, &key, &scope, &digest, now, |conn| {
                    if !store::insert(conn, &submission.application)? {
                        return Err(AppError::Conflict(format!(
                            "{} has already applied to this call. To change that application, use the edit link in \
                             its receipt email; to apply for another theme instead, withdraw it first.",
                            mask_email(&submission.application.candidate.email)
                        )));
                    }
                    outbox::insert(conn, &submission.receipt, now)?;
                    let a = &submission.application;
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
                    Ok(submission.response)
                })
            })
        })
        .await?;
    Ok(outcome.into_response())
}

/// A checked submission, ready to be written.
struct Submission {
    application: Application,
    receipt: outbox::Prepared,
    response: StoredResponse,
}

/// Checks a submission against the call and the form's rules and prepares what to write; reads
/// only.
fn prepare_submission(
    conn: &mut DbConn,
    templates: &crate::mail::templates::Templates,
    public_url: &str,
    call_id: &CallId,
    form: Form<ApplicationForm>,
    now: DateTime<Utc>,
) -> Result<Submission, AppError> {
    let call = published_call(conn, call_id)?;
    call::transition(call.status(now), CallAction::Apply)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let council = councils::get(conn, &call.council_id)?;
    let extra = match &form.value {
        Some(value) => context_errors(conn, value, &call, &council, true)?,
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
    let response = StoredResponse {
        status: 201,
        body: serde_json::to_value(SubmittedApplication {
            application: (&application).into(),
            edit_token: token,
            edit_url: url,
        })
        .expect("views serialise"),
    };
    Ok(Submission {
        application,
        receipt,
        response,
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

/// The application and its call, if the caller may read it: the applicant with this
/// application's token, an admin, or staff of the call's council. Anything else is "not found".
fn readable(
    conn: &mut DbConn,
    id: &ApplicationId,
    caller: &ApplicationCaller,
) -> Result<(Application, Call), AppError> {
    let application = store::find(conn, id)?.ok_or_else(|| AppError::not_found("application"))?;
    let call = calls_store::find(conn, &application.call_id)?
        .ok_or_else(|| AppError::not_found("application"))?;
    let allowed = match caller {
        ApplicationCaller::Applicant { token_digest } => {
            *token_digest == application.edit_token_hash
        }
        ApplicationCaller::Staff(staff) => match call_role(conn, &call, staff)? {
            CallRole::Manager => true,
            // A member with a conflict of interest steps aside: the application is not there.
            CallRole::Member => !review_store::has_conflict(conn, id, &staff.0.id)?,
            CallRole::Outsider => false,
        },
    };
    if allowed {
        Ok((application, call))
    } else {
        Err(AppError::not_found("application"))
    }
}

/// The application as its form: what a merge patch applies to.
fn form_document(a: &Application) -> Value {
    serde_json::to_value(ApplicationForm {
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
    })
    .expect("forms serialise")
}

pub(crate) fn actor(caller: &ApplicationCaller, application: &ApplicationId) -> audit::Actor {
    match caller {
        ApplicationCaller::Staff(staff) => audit::Actor::Staff(staff.0.id.clone()),
        ApplicationCaller::Applicant { .. } => audit::Actor::Applicant(application.clone()),
    }
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

fn with_etag(application: &Application, status: actix_web::http::StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", format!("\"{}\"", application.version)))
        .json(ApplicationView::from(application))
}

/// One application: for the applicant (with the edit token) and for staff of the call's council.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, body = ApplicationView, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = super::docs::NotFound),
        (status = 429, response = super::docs::TooManyRequests)
    )
)]
#[get("/applications/{id}")]
pub async fn get_application(
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (application, _) = state
        .db
        .run(move |conn| readable(conn, &id, &caller))
        .await?;
    Ok(with_etag(&application, actix_web::http::StatusCode::OK))
}

/// What `If-Match` asks for.
enum Precondition {
    /// `*`: any current version.
    Any,
    /// One of these versions (strong ETags only; a weak one never matches, RFC 9110 §13.1.1).
    Versions(Vec<i32>),
}

/// The `If-Match` header, read as a list of ETags (`"3"`, `"3", "4"`) or `*`.
fn if_match(req: &HttpRequest, required: bool) -> Result<Option<Precondition>, AppError> {
    let Some(value) = req.headers().get("If-Match") else {
        return if required {
            Err(AppError::PreconditionRequired(
                "send If-Match with the ETag from GET, so that two edits cannot overwrite each other".into(),
            ))
        } else {
            Ok(None)
        };
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(Some(Precondition::Any));
    }
    let versions = text
        .split(',')
        .map(str::trim)
        .filter(|tag| tag.starts_with('"') && tag.ends_with('"') && tag.len() >= 2)
        .filter_map(|tag| tag[1..tag.len() - 1].parse::<i32>().ok())
        .collect();
    Ok(Some(Precondition::Versions(versions)))
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

/// RFC 7396 JSON merge patch: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(changes) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let object = target.as_object_mut().expect("made an object above");
            for (key, change) in changes {
                if change.is_null() {
                    object.remove(key);
                } else {
                    merge_patch(object.entry(key.clone()).or_insert(Value::Null), change);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Changes an application with a JSON merge patch of its document (not `commitments` or
/// `consent`): the applicant while the call is open, staff of the council until it is decided.
/// `If-Match` with the ETag from `GET` is required; a stale one is refused with 412.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(
        ("id" = ApplicationId, Path),
        ("If-Match" = String, Header, description = "The ETag of the version being changed")
    ),
    request_body(content = Object, description = "A JSON merge patch of the application form", content_type = "application/merge-patch+json"),
    responses(
        (status = 200, body = ApplicationView, headers(("ETag" = String))),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 412, response = super::docs::PreconditionFailed),
        (status = 428, response = super::docs::PreconditionRequired),
        (status = 429, response = super::docs::TooManyRequests)
    )
)]
#[patch("/applications/{id}")]
pub async fn update_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
    patch: RawJson,
) -> Result<HttpResponse, AppError> {
    let expected = if_match(&req, true)?;
    let id = id.into_inner();
    let now = state.now();
    let application = state
        .db
        .write(move |conn| {
            let (current, call) = readable(conn, &id, &caller)?;
            let editor = editor(&caller, &call)?;
            if let Some(reason) = edit_refusal(editor, call.status(now), current.status) {
                return Err(AppError::Conflict(reason));
            }
            check_version(&current, expected.as_ref())?;
            let read_only: Vec<FieldError> = ["commitments", "consent"]
                .into_iter()
                .filter(|k| patch.0.get(*k).is_some())
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
            let mut changes = patch.0.clone();
            if let Some(object) = changes.as_object_mut() {
                object.remove("commitments");
                object.remove("consent");
            }
            merge_patch(&mut document, &changes);
            let form = parse_form::<ApplicationForm>(document.to_string().as_bytes())?;
            let council = councils::get(conn, &call.council_id)?;
            let mut extra = read_only;
            if let Some(value) = &form.value {
                extra.extend(context_errors(conn, value, &call, &council, false)?);
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
            match store::update(conn, &updated, current.version)? {
                Updated::Done => {
                    audit::record(
                        conn,
                        audit::Change {
                            call_id: Some(&call.id),
                            actor: &actor(&caller, &updated.id),
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
        })
        .await?;
    Ok(with_etag(&application, actix_web::http::StatusCode::OK))
}

/// Withdraws an application: the applicant while the call is open, staff of the council until it
/// is decided. A withdrawn application is never selected and no longer counts against the
/// candidate's one application per call. `If-Match` is honoured if sent.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, body = ApplicationView, headers(("ETag" = String))),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 412, response = super::docs::PreconditionFailed),
        (status = 429, response = super::docs::TooManyRequests)
    )
)]
#[post("/applications/{id}/withdraw")]
pub async fn withdraw_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let expected = if_match(&req, false)?;
    let id = id.into_inner();
    let now = state.now();
    let application = state
        .db
        .write(move |conn| {
            let (current, call) = readable(conn, &id, &caller)?;
            let editor = editor(&caller, &call)?;
            if let Some(reason) = edit_refusal(editor, call.status(now), current.status) {
                return Err(AppError::Conflict(reason));
            }
            check_version(&current, expected.as_ref())?;
            let withdrawn = Application {
                status: ApplicationStatus::Withdrawn,
                withdrawn_at: Some(now),
                version: current.version + 1,
                updated_at: now,
                ..current.clone()
            };
            match store::update(conn, &withdrawn, current.version)? {
                Updated::Done => {
                    audit::record(
                        conn,
                        audit::Change {
                            call_id: Some(&call.id),
                            actor: &actor(&caller, &withdrawn.id),
                            action: "application.withdrawn",
                            entity: "application",
                            entity_id: withdrawn.id.as_str(),
                            before: audit::snapshot(&serde_json::json!({"status": current.status})),
                            after: audit::snapshot(
                                &serde_json::json!({"status": withdrawn.status}),
                            ),
                        },
                        now,
                    )?;
                    Ok(withdrawn)
                }
                _ => Err(AppError::PreconditionFailed(
                    "the application changed meanwhile; read it again".into(),
                )),
            }
        })
        .await?;
    tracing::info!(application_id = %application.id, "application withdrawn");
    Ok(with_etag(&application, actix_web::http::StatusCode::OK))
}

/// The call, if `staff` may read its applications (its managers and committee members), with the
/// applications the caller must not see (those a member has a conflict for).
fn call_for_staff(
    conn: &mut DbConn,
    id: &CallId,
    staff: &Staff,
) -> Result<(Call, Vec<ApplicationId>), AppError> {
    let call = calls_store::find(conn, id)?.ok_or_else(|| AppError::not_found("call"))?;
    match call_role(conn, &call, staff)? {
        CallRole::Manager => Ok((call, Vec::new())),
        CallRole::Member if call.phase != CallPhase::Draft => {
            let hidden = review_store::conflicts_of_call(conn, id)?
                .into_iter()
                .filter(|c| c.user_id == staff.0.id)
                .map(|c| c.application_id)
                .collect();
            Ok((call, hidden))
        }
        _ if call.phase == CallPhase::Draft => Err(AppError::not_found("call")),
        _ => Err(AppError::Forbidden(
            "only the call's managers and its selection committee read its applications".into(),
        )),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApplicationQuery {
    /// Only applications for this theme.
    pub theme: Option<ThemeArea>,
    /// Only applications with this status.
    pub status: Option<ApplicationStatus>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationView>,
    pub next_cursor: Option<String>,
}

/// The call's applications, oldest first (staff of the call's council).
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = CallId, Path), ApplicationQuery),
    responses(
        (status = 200, body = ApplicationList),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[get("/calls/{id}/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    query: Query<ApplicationQuery>,
) -> Result<web::Json<ApplicationList>, AppError> {
    let id = id.into_inner();
    let query = query.0;
    let page = page_request(query.limit, query.cursor)?;
    let page = state
        .db
        .run(move |conn| {
            let (_, hidden) = call_for_staff(conn, &id, &staff)?;
            let filter = store::ListFilter {
                theme: query.theme,
                status: query.status,
                exclude: hidden,
            };
            store::list(conn, &id, &filter, &page)
        })
        .await?;
    Ok(web::Json(ApplicationList {
        items: page.items.iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ThemeTally {
    pub theme: ThemeArea,
    pub submitted: i64,
    pub withdrawn: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationSummary {
    pub call_id: CallId,
    pub call_status: CallStatus,
    pub submitted: i64,
    pub withdrawn: i64,
    /// Every theme the call seeks, with how many applied: thin themes can be promoted before
    /// the deadline.
    pub themes: Vec<ThemeTally>,
}

/// How many applied, per theme (staff of the call's council).
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = ApplicationSummary),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/applications/summary")]
pub async fn application_summary(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<ApplicationSummary>, AppError> {
    let id = id.into_inner();
    let now = state.now();
    let (call, counts) = state
        .db
        .run(move |conn| {
            let (call, _) = call_for_staff(conn, &id, &staff)?;
            let counts = store::counts(conn, &id)?;
            Ok((call, counts))
        })
        .await?;
    let count = |theme: Option<ThemeArea>, status: ApplicationStatus| -> i64 {
        counts
            .iter()
            .filter(|(t, s, _)| theme.is_none_or(|theme| *t == theme) && *s == status)
            .map(|(_, _, n)| n)
            .sum()
    };
    Ok(web::Json(ApplicationSummary {
        call_status: call.status(now),
        submitted: count(None, ApplicationStatus::Submitted),
        withdrawn: count(None, ApplicationStatus::Withdrawn),
        themes: call
            .themes
            .iter()
            .map(|&theme| ThemeTally {
                theme,
                submitted: count(Some(theme), ApplicationStatus::Submitted),
                withdrawn: count(Some(theme), ApplicationStatus::Withdrawn),
            })
            .collect(),
        call_id: call.id,
    }))
}
