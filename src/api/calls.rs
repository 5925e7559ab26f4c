//! Open calls (avoin haku): creation, editing while draft, publication, the deadline extension,
//! the start of the review, and listing by status. The workflows are `round::calls`.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::{MaybeStaff, Staff};
use super::extract::{Json, Query, page_request};
use super::idempotency::{self, IdempotencyKey};
use crate::domain::call::{self, CallStatus, Contact};
use crate::domain::localized::LocalizedText;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{CallId, CouncilId};
use crate::round::calls as workflow;
pub use crate::round::calls::{CancelCall, CreateCall, DEFAULT_TIME_ZONE, UpdateCall};
use crate::store::calls::Call;

#[derive(Serialize, ToSchema)]
pub struct CallView {
    pub id: CallId,
    pub council_id: CouncilId,
    pub status: CallStatus,
    pub title: LocalizedText,
    /// The call announcement (hakutiedote): principles, schedule, how to apply.
    pub announcement: LocalizedText,
    /// Selection criteria, shown to applicants.
    pub criteria: Vec<LocalizedText>,
    /// Applications are accepted from this instant (inclusive).
    pub opens_at: DateTime<Utc>,
    /// Applications are accepted until this instant (exclusive), exact to the second.
    pub closes_at: DateTime<Utc>,
    /// `opens_at` on the call's wall clock.
    #[schema(example = "2027-05-01T09:00:00+03:00")]
    pub opens_at_local: String,
    /// `closes_at` on the call's wall clock.
    #[schema(example = "2027-05-31T16:00:00+03:00")]
    pub closes_at_local: String,
    #[schema(example = "Europe/Helsinki")]
    pub time_zone: String,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub contacts: Vec<Contact>,
    /// The themes the call seeks applicants for.
    pub themes: Vec<ThemeArea>,
    pub published_at: Option<DateTime<Utc>>,
    pub review_started_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the published call's texts or opening were last corrected; its page says so.
    pub corrected_at: Option<DateTime<Utc>>,
    /// Set once the call is cancelled.
    pub cancellation: Option<CancellationView>,
}

/// Why and when a call was cancelled; public, as the call's page shows it.
#[derive(Serialize, ToSchema)]
pub struct CancellationView {
    pub cancelled_at: DateTime<Utc>,
    pub reason: LocalizedText,
}

impl CallView {
    pub fn new(c: Call, now: DateTime<Utc>) -> Self {
        Self {
            status: c.status(now),
            opens_at_local: call::format_local(c.window.opens_at, c.time_zone),
            closes_at_local: call::format_local(c.window.closes_at, c.time_zone),
            time_zone: c.time_zone.name().to_owned(),
            id: c.id,
            council_id: c.council_id,
            title: c.title,
            announcement: c.announcement,
            criteria: c.criteria,
            opens_at: c.window.opens_at,
            closes_at: c.window.closes_at,
            term_start: c.term_start,
            term_end: c.term_end,
            contacts: c.contacts,
            themes: c.themes,
            published_at: c.published_at,
            review_started_at: c.review_started_at,
            decided_at: c.decided_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
            corrected_at: c.corrected_at,
            cancellation: c.cancellation.map(|x| CancellationView {
                cancelled_at: x.at,
                reason: x.reason,
            }),
        }
    }
}

/// Creates a draft call for the council (an admin, or a secretary of the council).
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(
        ("id" = CouncilId, Path, description = "The council"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 16, max_length = 255, pattern = r"^[!-~]+$", description = "16 to 255 visible ASCII characters, e.g. a UUID. Repeat the same request with the same key to get the first response again")
    ),
    request_body = CreateCall,
    responses(
        (status = 201, body = CallView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/councils/{id}/calls")]
pub async fn create_call(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CouncilId>,
    key: IdempotencyKey,
    body: Json<CreateCall>,
) -> Result<HttpResponse, AppError> {
    let council_id = id.into_inner();
    let Json(body, digest) = body;
    let once = key.of_staff(
        &format!("POST /api/v1/councils/{council_id}/calls"),
        &staff,
        &digest,
    );
    let created = workflow::create(&state.round, staff, council_id, body, once).await?;
    let now = state.now();
    Ok(idempotency::created(
        created,
        |call| CallView::new(call, now),
        None,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListCallsQuery {
    /// Only calls with this status (decided by the server's clock).
    pub status: Option<CallStatus>,
    /// Only calls of this council.
    pub council_id: Option<CouncilId>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CallList {
    pub items: Vec<CallView>,
    pub next_cursor: Option<String>,
}

/// Calls, newest first. Published calls are public; drafts are listed for those who manage the
/// council.
#[utoipa::path(
    tag = "calls",
    params(ListCallsQuery),
    responses(
        (status = 200, body = CallList),
        (status = 401, response = super::docs::Unauthorized),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[get("/calls")]
pub async fn list_calls(
    state: web::Data<AppState>,
    caller: MaybeStaff,
    query: Query<ListCallsQuery>,
) -> Result<web::Json<CallList>, AppError> {
    let query = query.0;
    let page = page_request(query.limit, query.cursor)?;
    let page = workflow::list(&state.round, caller.0, query.status, query.council_id, page).await?;
    let now = state.now();
    Ok(web::Json(CallList {
        items: page
            .items
            .into_iter()
            .map(|c| CallView::new(c, now))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One call: public once published; a draft only for those who manage its council.
#[utoipa::path(
    tag = "calls",
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = CallView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}")]
pub async fn get_call(
    state: web::Data<AppState>,
    caller: MaybeStaff,
    id: web::Path<CallId>,
) -> Result<web::Json<CallView>, AppError> {
    let call = workflow::get(&state.round, caller.0, id.into_inner()).await?;
    Ok(web::Json(CallView::new(call, state.now())))
}

/// Edits a draft. Once published, and until the decision, corrects the call's texts (`title`,
/// `announcement`, `criteria`, `contacts`), moves `opens_at` while the call is scheduled, and
/// moves `closes_at` later while it is scheduled or open; anything else is 409. Every change is
/// audited, and the call's page shows when it was corrected.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = UpdateCall,
    responses(
        (status = 200, body = CallView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[patch("/calls/{id}")]
pub async fn update_call(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<UpdateCall>,
) -> Result<web::Json<CallView>, AppError> {
    let call = workflow::update(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(web::Json(CallView::new(call, state.now())))
}

/// Publishes a draft. It becomes `scheduled`, then `open` at `opens_at` and `closed` at
/// `closes_at`, by the server's clock.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = CallView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/calls/{id}/publish")]
pub async fn publish_call(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<CallView>, AppError> {
    let call = workflow::publish(&state.round, staff, id.into_inner()).await?;
    Ok(web::Json(CallView::new(call, state.now())))
}

/// Moves a closed call to review (an admin, or a secretary of the council); 409 before
/// `closes_at`.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = CallView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/calls/{id}/start-review")]
pub async fn start_review(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<CallView>, AppError> {
    let call = workflow::start_review(&state.round, staff, id.into_inner()).await?;
    Ok(web::Json(CallView::new(call, state.now())))
}

/// Cancels a call that is not decided (an admin, or a secretary of the council): it takes no more
/// applications, its page shows the reason, and every applicant is told by email (the
/// `call_cancelled` message, overridable per call). A cancelled call changes no more.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = CancelCall,
    responses(
        (status = 200, body = CallView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/calls/{id}/cancel")]
pub async fn cancel_call(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<CancelCall>,
) -> Result<web::Json<CallView>, AppError> {
    let (call, _) = workflow::cancel(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(web::Json(CallView::new(call, state.now())))
}
