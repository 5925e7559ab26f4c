//! Councils (JANE and paikallis-JANEs), their seat plans and seats, the published composition and
//! coverage across a council and the councils below it.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, page_request};
use super::idempotency::{self, IdempotencyKey};
use super::rules::{field_error, first_duplicate, name_text, unique_strings};
use crate::db::{DbConn, LockableTable};
use crate::domain::council::{CouncilKind, ParentCouncil, check_hierarchy};
use crate::domain::coverage::{self as coverage_rules, SeatState};
use crate::domain::localized::LocalizedText;
use crate::domain::seat_plan::{PlanLine, SeatRole};
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{CouncilId, SeatId};
use crate::store::councils::{self as store, Council};
use crate::store::{Page, reference, seats};

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

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCouncil {
    #[validate(custom(function = "name_text"))]
    pub name: LocalizedText,
    pub kind: CouncilKind,
    /// Required for a local council: its regional council.
    #[serde(default)]
    pub parent_id: Option<CouncilId>,
    #[validate(length(min = 1, max = 100), custom(function = "unique_strings"))]
    #[schema(example = json!(["426"]))]
    pub municipality_codes: Vec<String>,
}

fn lock_and_find(conn: &mut DbConn, id: &CouncilId) -> Result<Option<Council>, AppError> {
    conn.lock_row(LockableTable::Councils, id.as_str())?;
    store::find(conn, id)
}

/// Every municipality code must be known; names each unknown one.
fn check_municipalities(conn: &mut DbConn, codes: &[String]) -> Result<(), AppError> {
    let unknown = reference::unknown_municipalities(conn, codes)?;
    if unknown.is_empty() {
        return Ok(());
    }
    Err(AppError::Validation(
        codes
            .iter()
            .enumerate()
            .filter(|(_, c)| unknown.contains(c))
            .map(|(i, c)| {
                FieldError::new(
                    format!("municipality_codes[{i}]"),
                    "unknown",
                    format!("no municipality {c}"),
                )
            })
            .collect(),
    ))
}

fn hierarchy(
    kind: CouncilKind,
    parent: Option<&Council>,
    codes: &[String],
    children: &[String],
) -> Result<(), AppError> {
    let parent = parent.map(|p| ParentCouncil {
        kind: p.kind,
        municipality_codes: &p.municipality_codes,
    });
    check_hierarchy(kind, parent, codes, children)
        .map_err(|e| AppError::invalid(e.field, "hierarchy", e.message))
}

/// Creates a council (admin).
#[utoipa::path(
    tag = "councils",
    security(("bearer" = [])),
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
    staff.require_admin()?;
    let Json(body, digest) = body;
    let now = state.now();
    let scope = idempotency::staff_scope("POST /api/v1/councils", &staff);
    let outcome = state
        .db
        .write(move |conn| {
            idempotency::once(conn, &key, &scope, &digest, now, |conn| {
                check_municipalities(conn, &body.municipality_codes)?;
                let parent = match &body.parent_id {
                    // Locked: the parent's area must not shrink while a child is added inside it.
                    Some(id) => Some(lock_and_find(conn, id)?.ok_or_else(|| {
                        AppError::invalid("parent_id", "unknown", format!("no council {id}"))
                    })?),
                    None => None,
                };
                hierarchy(body.kind, parent.as_ref(), &body.municipality_codes, &[])?;
                let mut codes = body.municipality_codes;
                codes.sort();
                let council = Council {
                    id: CouncilId::new(),
                    kind: body.kind,
                    parent_id: body.parent_id,
                    name: body.name.normalized(),
                    municipality_codes: codes,
                    created_at: now,
                    updated_at: now,
                };
                store::insert(conn, &council)?;
                Ok(idempotency::created(CouncilView::from(council)))
            })
        })
        .await?;
    Ok(outcome.into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListCouncilsQuery {
    /// Only councils of this kind.
    pub kind: Option<CouncilKind>,
    /// Only the local councils under this regional council.
    pub parent_id: Option<CouncilId>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
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
    let filter = store::ListFilter {
        kind: query.kind,
        parent_id: query.parent_id,
    };
    let page = state
        .db
        .run(move |conn| store::list(conn, &filter, &page))
        .await?;
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
    let id = id.into_inner();
    let council = state.db.run(move |conn| store::get(conn, &id)).await?;
    Ok(web::Json(council.into()))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCouncil {
    #[validate(custom(function = "name_text"))]
    pub name: Option<LocalizedText>,
    /// Replaces the covered municipalities. A local council stays inside its regional council's
    /// area; a regional council keeps covering its local councils' municipalities.
    #[validate(length(min = 1, max = 100), custom(function = "unique_strings"))]
    pub municipality_codes: Option<Vec<String>>,
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
    let id = id.into_inner();
    staff.require_manager(&id)?;
    let body = body.0;
    let now = state.now();
    let council = state
        .db
        .write(move |conn| {
            // Locked: concurrent edits of the same council must not overwrite each other.
            let mut council =
                lock_and_find(conn, &id)?.ok_or_else(|| AppError::not_found("council"))?;
            if let Some(name) = body.name {
                council.name = name.normalized();
            }
            if let Some(mut codes) = body.municipality_codes {
                check_municipalities(conn, &codes)?;
                let parent = match &council.parent_id {
                    Some(parent) => Some(store::get(conn, parent)?),
                    None => None,
                };
                let children = store::children_municipalities(conn, &id)?;
                hierarchy(council.kind, parent.as_ref(), &codes, &children)?;
                codes.sort();
                council.municipality_codes = codes;
            }
            council.updated_at = now;
            store::update(conn, &council)?;
            Ok(council)
        })
        .await?;
    Ok(web::Json(council.into()))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatPlanTheme {
    pub theme: ThemeArea,
    /// Edustajapaikat.
    #[validate(range(max = 50))]
    #[schema(example = 1, maximum = 50)]
    pub representatives: u32,
    /// Varaedustajapaikat.
    #[validate(range(max = 50))]
    #[schema(example = 1, maximum = 50)]
    pub deputies: u32,
}

fn unique_themes(plan: &SeatPlanRequest) -> Result<(), ValidationError> {
    match first_duplicate(&plan.themes, |t| t.theme) {
        Some(i) => Err(field_error(
            format!("themes[{i}].theme"),
            "unique",
            format!("{} is listed twice", plan.themes[i].theme.code()),
        )),
        None => Ok(()),
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "unique_themes", skip_on_field_errors = false))]
pub struct SeatPlanRequest {
    /// Seats per theme; themes not listed get no seats.
    #[validate(nested)]
    pub themes: Vec<SeatPlanTheme>,
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
    staff.require_manager(&id)?;
    let wanted: Vec<PlanLine> = body
        .0
        .themes
        .iter()
        .map(|t| PlanLine {
            theme: t.theme,
            representatives: t.representatives,
            deputies: t.deputies,
        })
        .collect();
    let now = state.now();
    let council = id.clone();
    let seats = state
        .db
        .write(move |conn| {
            store::get(conn, &council)?;
            seats::replace_plan(conn, &council, &wanted, now)
        })
        .await?;
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
    let council = id.clone();
    let seats = state
        .db
        .run(move |conn| {
            store::get(conn, &council)?;
            seats::of_council(conn, &council)
        })
        .await?;
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
    let id = id.into_inner();
    let seats = state
        .db
        .run(move |conn| {
            store::get(conn, &id)?;
            seats::of_council(conn, &id)
        })
        .await?;
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
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
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
    let id = id.into_inner();
    let page = page_request(query.0.limit, query.0.cursor)?;
    let seats = state
        .db
        .run(move |conn| {
            store::get(conn, &id)?;
            seats::of_council(conn, &id)
        })
        .await?;
    // Seats are few (tens), so the page is cut in memory, in seat order; the cursor is the last
    // seat id of the previous page.
    let mut filled: Vec<_> = seats.into_iter().filter(|s| s.holder.is_some()).collect();
    if let Some(after) = &page.after {
        let position = filled
            .iter()
            .position(|s| s.id.as_str() == after)
            .ok_or_else(|| {
                AppError::invalid(
                    "cursor",
                    "invalid",
                    "no longer valid; the composition changed, start again",
                )
            })?;
        filled.drain(..=position);
    }
    let page = Page::from_rows(filled, page.limit, |s| s.id.to_string());
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
}

/// Which seats are filled in the council and every council below it (public).
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
    let root = id.clone();
    let (councils, seats) = state
        .db
        .run(move |conn| {
            store::get(conn, &root)?;
            let tree = coverage_rules::subtree(&root, &store::parents(conn)?);
            let councils = store::find_many(conn, &tree)?;
            let seats = seats::of_councils(conn, &tree)?;
            Ok((councils, seats))
        })
        .await?;
    let views: Vec<CouncilCoverageView> = councils
        .into_iter()
        .map(|council| {
            let states: Vec<SeatState<SeatId>> = seats
                .iter()
                .filter(|s| s.council_id == council.id)
                .map(|s| SeatState {
                    seat_id: s.id.clone(),
                    theme: s.theme,
                    role: s.role,
                    filled: s.holder.is_some(),
                })
                .collect();
            let c = coverage_rules::council_coverage(&states);
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
        })
        .collect();
    let all_representative_seats_filled = views.iter().all(|v| v.all_representative_seats_filled);
    let all_seats_filled =
        all_representative_seats_filled && views.iter().all(|v| v.deputy.filled == v.deputy.total);
    Ok(web::Json(CoverageView {
        council_id: id,
        all_representative_seats_filled,
        all_seats_filled,
        councils: views,
    }))
}
