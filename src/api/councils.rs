//! Councils (JANE and paikallis-JANEs), their seat plans and seats, the published composition and
//! coverage across a council and the councils below it. The workflows are `round::councils`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, page_request};
use super::idempotency::{self, IdempotencyKey};
use super::reference::MunicipalityView;
use crate::domain::council::CouncilKind;
use crate::domain::coverage::CouncilCoverage;
use crate::domain::localized::LocalizedText;
use crate::domain::seat_plan::SeatRole;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{CouncilId, SeatId};
use crate::round::councils as workflow;
pub use crate::round::councils::{CreateCouncil, SeatPlanRequest, SeatPlanTheme, UpdateCouncil};
use crate::store::councils::Council;
use crate::store::seats;

#[derive(Serialize, ToSchema)]
pub struct CouncilView {
    pub id: CouncilId,
    pub name: LocalizedText,
    pub kind: CouncilKind,
    /// The regional council of a local one; `null` for a regional council.
    pub parent_id: Option<CouncilId>,
    /// Statistics Finland codes of the municipalities the council covers.
    #[schema(example = json!(["426"]))]
    pub municipality_codes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Council> for CouncilView {
    fn from(c: Council) -> Self {
        Self {
            id: c.id,
            name: c.name,
            kind: c.kind,
            parent_id: c.parent_id,
            municipality_codes: c.municipality_codes,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Creates a council (admin).
#[utoipa::path(
    tag = "councils",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 16, max_length = 255, pattern = r"^[!-~]+$", description = "16 to 255 visible ASCII characters, e.g. a UUID. Repeat the same request with the same key to get the first response again")),
    request_body = CreateCouncil,
    responses(
        (status = 201, body = CouncilView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/councils")]
pub async fn create_council(
    state: web::Data<AppState>,
    staff: Staff,
    key: IdempotencyKey,
    body: Json<CreateCouncil>,
) -> Result<HttpResponse, AppError> {
    let Json(body, digest) = body;
    let once = key.of_staff("POST /api/v1/councils", &staff, &digest);
    let created = workflow::create(&state.round, staff, body, once).await?;
    Ok(idempotency::created(created, CouncilView::from, None))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListCouncilsQuery {
    /// Only councils of this kind.
    pub kind: Option<CouncilKind>,
    /// Only the local councils under this regional council.
    pub parent_id: Option<CouncilId>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CouncilList {
    pub items: Vec<CouncilView>,
    pub next_cursor: Option<String>,
}

/// Councils, oldest first.
#[utoipa::path(
    tag = "councils",
    params(ListCouncilsQuery),
    responses((status = 200, body = CouncilList), (status = 422, response = super::docs::ValidationFailed))
)]
#[get("/councils")]
pub async fn list_councils(
    state: web::Data<AppState>,
    query: Query<ListCouncilsQuery>,
) -> Result<web::Json<CouncilList>, AppError> {
    let query = query.0;
    let page = page_request(query.limit, query.cursor)?;
    let page = workflow::list(&state.round, query.kind, query.parent_id, page).await?;
    Ok(web::Json(CouncilList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One council.
#[utoipa::path(
    tag = "councils",
    params(("id" = CouncilId, Path)),
    responses((status = 200, body = CouncilView), (status = 404, response = super::docs::NotFound))
)]
#[get("/councils/{id}")]
pub async fn get_council(
    state: web::Data<AppState>,
    id: web::Path<CouncilId>,
) -> Result<web::Json<CouncilView>, AppError> {
    let council = workflow::get(&state.round, id.into_inner()).await?;
    Ok(web::Json(council.into()))
}

/// Renames a council or changes its area (an admin, or a secretary of the council).
#[utoipa::path(
    tag = "councils",
    security(("bearer" = [])),
    params(("id" = CouncilId, Path)),
    request_body = UpdateCouncil,
    responses(
        (status = 200, body = CouncilView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[patch("/councils/{id}")]
pub async fn update_council(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CouncilId>,
    body: Json<UpdateCouncil>,
) -> Result<web::Json<CouncilView>, AppError> {
    let council = workflow::update(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(web::Json(council.into()))
}

#[derive(Serialize, ToSchema)]
pub struct SeatHolder {
    pub application_id: String,
    pub name: String,
    pub association: String,
    /// False while the seat is offered and not yet confirmed.
    pub confirmed: bool,
    /// Set on a deputy seat whose holder is offered the theme's representative seat (this id):
    /// the deputy seat stays theirs until they answer, and goes to a reserve only if they take
    /// the representative seat.
    pub moving_up_to: Option<SeatId>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    Vacant,
    Filled,
}

#[derive(Serialize, ToSchema)]
pub struct SeatView {
    pub id: SeatId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    /// 1, 2, ... among the council's seats of the same theme and role.
    pub position: u32,
    pub status: SeatStatus,
    pub holder: Option<SeatHolder>,
}

impl From<seats::Seat> for SeatView {
    fn from(s: seats::Seat) -> Self {
        Self {
            id: s.id,
            theme: s.theme,
            role: s.role,
            position: s.position,
            status: if s.holder.is_some() {
                SeatStatus::Filled
            } else {
                SeatStatus::Vacant
            },
            holder: s.holder.map(|h| SeatHolder {
                application_id: h.application_id,
                name: h.name,
                association: h.association,
                confirmed: h.confirmed,
                moving_up_to: h.moving_up_to,
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SeatPlanView {
    pub council_id: CouncilId,
    /// Seats per theme, in catalogue order.
    pub themes: Vec<SeatPlanTheme>,
    pub seats: Vec<SeatView>,
}

fn seat_plan_view(council_id: CouncilId, seats: Vec<seats::Seat>) -> SeatPlanView {
    let mut counts: BTreeMap<ThemeArea, SeatPlanTheme> = BTreeMap::new();
    for seat in &seats {
        let line = counts.entry(seat.theme).or_insert(SeatPlanTheme {
            theme: seat.theme,
            representatives: 0,
            deputies: 0,
        });
        match seat.role {
            SeatRole::Representative => line.representatives += 1,
            SeatRole::Deputy => line.deputies += 1,
        }
    }
    SeatPlanView {
        council_id,
        themes: counts.into_values().collect(),
        seats: seats.into_iter().map(Into::into).collect(),
    }
}

/// Replaces the council's seat plan (an admin, or a secretary of the council). Seats that remain
/// keep their ids; a plan that would remove a filled seat is refused with 409.
#[utoipa::path(
    tag = "councils",
    security(("bearer" = [])),
    params(("id" = CouncilId, Path)),
    request_body = SeatPlanRequest,
    responses(
        (status = 200, body = SeatPlanView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[put("/councils/{id}/seat-plan")]
pub async fn put_seat_plan(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CouncilId>,
    body: Json<SeatPlanRequest>,
) -> Result<web::Json<SeatPlanView>, AppError> {
    let id = id.into_inner();
    let seats = workflow::replace_seat_plan(&state.round, staff, id.clone(), body.0).await?;
    Ok(web::Json(seat_plan_view(id, seats)))
}

/// The council's seat plan and seats.
#[utoipa::path(
    tag = "councils",
    params(("id" = CouncilId, Path)),
    responses((status = 200, body = SeatPlanView), (status = 404, response = super::docs::NotFound))
)]
#[get("/councils/{id}/seat-plan")]
pub async fn get_seat_plan(
    state: web::Data<AppState>,
    id: web::Path<CouncilId>,
) -> Result<web::Json<SeatPlanView>, AppError> {
    let id = id.into_inner();
    let seats = workflow::seats(&state.round, id.clone()).await?;
    Ok(web::Json(seat_plan_view(id, seats)))
}

/// The council's seats, in theme order, representatives first.
#[utoipa::path(
    tag = "councils",
    params(("id" = CouncilId, Path)),
    responses((status = 200, body = Vec<SeatView>), (status = 404, response = super::docs::NotFound))
)]
#[get("/councils/{id}/seats")]
pub async fn list_seats(
    state: web::Data<AppState>,
    id: web::Path<CouncilId>,
) -> Result<web::Json<Vec<SeatView>>, AppError> {
    let seats = workflow::seats(&state.round, id.into_inner()).await?;
    Ok(web::Json(seats.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct Member {
    pub seat_id: SeatId,
    #[schema(example = "Aino Virtanen")]
    pub name: String,
    #[schema(example = "Liperin Kyläyhdistys ry")]
    pub association: String,
    pub theme: ThemeArea,
    pub role: SeatRole,
    /// False while the member has not yet confirmed the seat offered to them.
    pub confirmed: bool,
    /// Set while this deputy is offered the theme's representative seat (this id); they stay the
    /// deputy until they answer.
    pub moving_up_to: Option<SeatId>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<Member>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MembersQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub cursor: Option<String>,
}

/// The council's current composition (public): who holds each filled seat.
#[utoipa::path(
    tag = "councils",
    params(("id" = CouncilId, Path), MembersQuery),
    responses(
        (status = 200, body = MemberList),
        (status = 404, response = super::docs::NotFound),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[get("/councils/{id}/members")]
pub async fn members(
    state: web::Data<AppState>,
    id: web::Path<CouncilId>,
    query: Query<MembersQuery>,
) -> Result<web::Json<MemberList>, AppError> {
    let page = page_request(query.0.limit, query.0.cursor)?;
    let page = workflow::members(&state.round, id.into_inner(), page).await?;
    Ok(web::Json(MemberList {
        items: page
            .items
            .into_iter()
            .filter_map(|s| {
                let holder = s.holder?;
                Some(Member {
                    seat_id: s.id,
                    name: holder.name,
                    association: holder.association,
                    theme: s.theme,
                    role: s.role,
                    confirmed: holder.confirmed,
                    moving_up_to: holder.moving_up_to,
                })
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Tally {
    pub total: u32,
    pub filled: u32,
}

#[derive(Serialize, ToSchema)]
pub struct Gap {
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub seat_id: SeatId,
}

#[derive(Serialize, ToSchema)]
pub struct CouncilCoverageView {
    pub id: CouncilId,
    pub name: LocalizedText,
    pub kind: CouncilKind,
    pub parent_id: Option<CouncilId>,
    /// False when the council has no seats yet; such a council counts as not filled.
    pub has_seat_plan: bool,
    pub representative: Tally,
    pub deputy: Tally,
    pub all_representative_seats_filled: bool,
    pub all_seats_filled: bool,
    pub gaps: Vec<Gap>,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageView {
    pub council_id: CouncilId,
    /// Every representative seat of this council and of every council below it is filled (and
    /// every one of them has a seat plan).
    pub all_representative_seats_filled: bool,
    /// The same for every seat, deputies included.
    pub all_seats_filled: bool,
    /// This council first, then the councils below it.
    pub councils: Vec<CouncilCoverageView>,
    /// For a regional council, the municipalities of its area that have no local council
    /// (paikallis-JANE) yet, by Finnish name; empty for a local council.
    pub municipalities_without_local_council: Vec<MunicipalityView>,
}

fn council_coverage_view(council: Council, c: CouncilCoverage<SeatId>) -> CouncilCoverageView {
    CouncilCoverageView {
        has_seat_plan: c.has_seat_plan(),
        all_representative_seats_filled: c.all_representative_seats_filled(),
        all_seats_filled: c.all_seats_filled(),
        representative: Tally {
            total: c.representative.total,
            filled: c.representative.filled,
        },
        deputy: Tally {
            total: c.deputy.total,
            filled: c.deputy.filled,
        },
        gaps: c
            .gaps
            .into_iter()
            .map(|g| Gap {
                theme: g.theme,
                role: g.role,
                seat_id: g.seat_id,
            })
            .collect(),
        id: council.id,
        name: council.name,
        kind: council.kind,
        parent_id: council.parent_id,
    }
}

/// Which seats are filled in the council and every council below it (public), and, for a regional
/// council, which of its municipalities have no local council yet.
#[utoipa::path(
    tag = "councils",
    params(("id" = CouncilId, Path)),
    responses((status = 200, body = CoverageView), (status = 404, response = super::docs::NotFound))
)]
#[get("/councils/{id}/coverage")]
pub async fn coverage(
    state: web::Data<AppState>,
    id: web::Path<CouncilId>,
) -> Result<web::Json<CoverageView>, AppError> {
    let id = id.into_inner();
    let coverage = workflow::coverage(&state.round, id.clone()).await?;
    let views: Vec<CouncilCoverageView> = coverage
        .councils
        .into_iter()
        .map(|(council, c)| council_coverage_view(council, c))
        .collect();
    let all_representative_seats_filled = views.iter().all(|v| v.all_representative_seats_filled);
    let all_seats_filled =
        all_representative_seats_filled && views.iter().all(|v| v.deputy.filled == v.deputy.total);
    Ok(web::Json(CoverageView {
        council_id: id,
        all_representative_seats_filled,
        all_seats_filled,
        councils: views,
        municipalities_without_local_council: coverage
            .municipalities_without_local_council
            .into_iter()
            .map(MunicipalityView::from)
            .collect(),
    }))
}
