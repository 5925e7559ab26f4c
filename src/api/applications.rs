//! Applications: associations apply to an open call, and applicants read, change and withdraw
//! their application with the edit token until the call closes. Staff read and correct them. The
//! workflows are `round::intake`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::{ApplicationCaller, Staff};
use super::extract::{Form, Query, RawJson, page_request};
use super::idempotency::{self, IdempotencyKey};
use crate::domain::application::{ApplicationStatus, Gender, RolePreference};
use crate::domain::call::CallStatus;
use crate::domain::localized::Language;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId};
use crate::round::intake::{self, Precondition, Submitted};
pub use crate::round::intake::{
    ApplicationForm, AssociationInput, CandidateInput, Commitments, ConsentInput,
};
use crate::store::applications::{Application, Candidate};

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    pub privacy_notice_version: String,
    pub accepted: bool,
    pub accepted_at: DateTime<Utc>,
}

/// The candidate as stored: what they gave (the phone in E.164), or empty texts once their
/// personal data is erased (`POST /applications/{id}/erase`; the motivation is then empty too).
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub municipality_code: String,
    pub gender: Gender,
    pub language: Language,
}

impl From<&Candidate> for CandidateView {
    fn from(c: &Candidate) -> Self {
        Self {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            municipality_code: c.municipality_code.clone(),
            gender: c.gender,
            language: c.language,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub call_id: CallId,
    pub status: ApplicationStatus,
    pub theme: ThemeArea,
    pub role_preference: RolePreference,
    pub association: AssociationInput,
    pub candidate: CandidateView,
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
            association: intake::association_input(&a.association),
            candidate: CandidateView::from(&a.candidate),
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

fn submitted_view(s: Submitted) -> SubmittedApplication {
    SubmittedApplication {
        application: (&s.application).into(),
        edit_token: s.edit_token,
        edit_url: s.edit_url,
    }
}

/// Applies to an open call (public). 409 before `opens_at` and from `closes_at` on; 409 if the
/// candidate (by email) already applied. The response carries the edit token, shown once; a
/// receipt email with the edit link is queued in the same transaction. Send an
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "applications",
    params(
        ("id" = CallId, Path, description = "The call"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 16, max_length = 255, pattern = r"^[!-~]+$", description = "16 to 255 visible ASCII characters, e.g. a UUID. Repeat the same request with the same key to get the first response again")
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
    let once = key.public(
        format!("POST /api/v1/calls/{call_id}/applications"),
        &form.digest,
    );
    let created = intake::submit(&state.round, call_id, form, once).await?;
    let version = created.value.application.version;
    Ok(idempotency::created(created, submitted_view, Some(version)))
}

fn with_etag(application: &Application) -> HttpResponse {
    HttpResponse::Ok()
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
    let application = intake::read(&state.round, caller, id.into_inner()).await?;
    Ok(with_etag(&application))
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
    let application =
        intake::update(&state.round, caller, id.into_inner(), expected, patch.0).await?;
    Ok(with_etag(&application))
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
    let application = intake::withdraw(&state.round, caller, id.into_inner(), expected).await?;
    Ok(with_etag(&application))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApplicationQuery {
    /// Only applications for this theme.
    pub theme: Option<ThemeArea>,
    /// Only applications with this status.
    pub status: Option<ApplicationStatus>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
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
    let query = query.0;
    let page = page_request(query.limit, query.cursor)?;
    let page = intake::list(
        &state.round,
        staff,
        id.into_inner(),
        query.theme,
        query.status,
        page,
    )
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
    let (call, counts) = intake::counts(&state.round, staff, id.into_inner()).await?;
    let count = |theme: Option<ThemeArea>, status: ApplicationStatus| -> i64 {
        counts
            .iter()
            .filter(|(t, s, _)| theme.is_none_or(|theme| *t == theme) && *s == status)
            .map(|(_, _, n)| n)
            .sum()
    };
    Ok(web::Json(ApplicationSummary {
        call_status: call.status(state.now()),
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
