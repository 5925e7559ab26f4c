//! Councils (JANE and paikallis-JANEs), their seat plans and seats, the published composition and
//! the coverage across a council and the councils below it.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::Round;
use super::access::Staff;
use super::idempotency::{self, Created, Once};
use crate::db::{DbConn, LockableTable};
use crate::domain::council::{CouncilKind, ParentCouncil, check_hierarchy};
use crate::domain::coverage::{self, CouncilCoverage, SeatState};
use crate::domain::localized::LocalizedText;
use crate::domain::rules::{field_error, first_duplicate, name_text, unique_strings};
use crate::domain::seat_plan::PlanLine;
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{CouncilId, SeatId};
use crate::store::councils::{self as store, Council};
use crate::store::seats::{self, Seat};
use crate::store::{Page, PageRequest, reference};

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
    #[schema(example = json!(["426"]), min_items = 1, max_items = 100, value_type = Vec<MunicipalityCode>)]
    pub municipality_codes: Vec<String>,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCouncil {
    #[validate(custom(function = "name_text"))]
    pub name: Option<LocalizedText>,
    /// Replaces the covered municipalities. A local council stays inside its regional council's
    /// area; a regional council keeps covering its local councils' municipalities.
    #[validate(length(min = 1, max = 100), custom(function = "unique_strings"))]
    #[schema(min_items = 1, max_items = 100, value_type = Option<Vec<MunicipalityCode>>)]
    pub municipality_codes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatPlanTheme {
    pub theme: ThemeArea,
    /// Edustajapaikat.
    #[validate(range(max = 50))]
    #[schema(example = 1, minimum = 0, maximum = 50)]
    pub representatives: u32,
    /// Varaedustajapaikat.
    #[validate(range(max = 50))]
    #[schema(example = 1, minimum = 0, maximum = 50)]
    pub deputies: u32,
}

/// A Statistics Finland municipality code, in the OpenAPI document.
#[derive(ToSchema)]
#[schema(pattern = "^[0-9]{3}$", example = "426")]
pub struct MunicipalityCode(pub String);

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
pub async fn create(
    round: &Round,
    staff: Staff,
    body: CreateCouncil,
    once: Once,
) -> Result<Created<Council>, AppError> {
    staff.require_admin()?;
    let now = round.now();
    round
        .db
        .write(move |conn| {
            idempotency::once(conn, &once, now, |conn| {
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
                Ok(council)
            })
        })
        .await
}

/// Councils, oldest first (public).
pub async fn list(
    round: &Round,
    kind: Option<CouncilKind>,
    parent_id: Option<CouncilId>,
    page: PageRequest,
) -> Result<Page<Council>, AppError> {
    let filter = store::ListFilter { kind, parent_id };
    round
        .db
        .run(move |conn| store::list(conn, &filter, &page))
        .await
}

/// One council (public).
pub async fn get(round: &Round, id: CouncilId) -> Result<Council, AppError> {
    round.db.run(move |conn| store::get(conn, &id)).await
}

/// Renames a council or changes its area (an admin, or a secretary of the council).
pub async fn update(
    round: &Round,
    staff: Staff,
    id: CouncilId,
    body: UpdateCouncil,
) -> Result<Council, AppError> {
    staff.require_manager(&id)?;
    let now = round.now();
    round
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
        .await
}

/// Replaces the council's seat plan (an admin, or a secretary of the council). Seats that remain
/// keep their ids; a plan that would remove a filled seat is refused with 409.
pub async fn replace_seat_plan(
    round: &Round,
    staff: Staff,
    id: CouncilId,
    body: SeatPlanRequest,
) -> Result<Vec<Seat>, AppError> {
    staff.require_manager(&id)?;
    let wanted: Vec<PlanLine> = body
        .themes
        .iter()
        .map(|t| PlanLine {
            theme: t.theme,
            representatives: t.representatives,
            deputies: t.deputies,
        })
        .collect();
    let now = round.now();
    round
        .db
        .write(move |conn| {
            store::get(conn, &id)?;
            seats::replace_plan(conn, &id, &wanted, now)
        })
        .await
}

/// The council's seats, in theme order, representatives first (public).
pub async fn seats(round: &Round, id: CouncilId) -> Result<Vec<Seat>, AppError> {
    round
        .db
        .run(move |conn| {
            store::get(conn, &id)?;
            seats::of_council(conn, &id)
        })
        .await
}

/// The council's filled seats after `after` (a seat id), at most `limit` (public). Seats are few
/// (tens), so the page is cut in memory, in seat order.
pub async fn members(
    round: &Round,
    id: CouncilId,
    page: PageRequest,
) -> Result<Page<Seat>, AppError> {
    let seats = seats(round, id).await?;
    let mut filled: Vec<Seat> = seats.into_iter().filter(|s| s.holder.is_some()).collect();
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
    Ok(Page::from_rows(filled, page.limit, |s| s.id.to_string()))
}

/// Which seats are filled in a council and every council below it.
pub struct Coverage {
    /// The council first, then the councils below it, each with its coverage.
    pub councils: Vec<(Council, CouncilCoverage<SeatId>)>,
    /// For a regional council: the municipalities of its area with no local council yet, by
    /// Finnish name (JANE's action plan counts the new paikallis-JANEs); empty for a local one.
    pub municipalities_without_local_council: Vec<reference::Municipality>,
}

/// Which seats are filled in the council and every council below it (public), and which of a
/// regional council's municipalities have no local council.
pub async fn coverage(round: &Round, id: CouncilId) -> Result<Coverage, AppError> {
    round
        .db
        .run(move |conn| {
            let root = store::get(conn, &id)?;
            let tree = coverage::subtree(&id, &store::parents(conn)?);
            let councils = store::find_many(conn, &tree)?;
            let seats = seats::of_councils(conn, &tree)?;
            let without_local = if root.kind == CouncilKind::Regional {
                let covered: Vec<&String> = councils
                    .iter()
                    .filter(|c| c.kind == CouncilKind::Local)
                    .flat_map(|c| &c.municipality_codes)
                    .collect();
                let mut area: Vec<reference::Municipality> =
                    reference::list_municipalities(conn, None)?
                        .into_iter()
                        .filter(|m| root.municipality_codes.contains(&m.code))
                        .filter(|m| !covered.contains(&&m.code))
                        .collect();
                area.sort_by(|a, b| a.name.fi.cmp(&b.name.fi));
                area
            } else {
                Vec::new()
            };
            let councils = councils
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
                    let covered = coverage::council_coverage(&states);
                    (council, covered)
                })
                .collect();
            Ok(Coverage {
                councils,
                municipalities_without_local_council: without_local,
            })
        })
        .await
}

/// A council as its public page shows it.
pub struct Composition {
    pub council: Council,
    pub seats: Vec<Seat>,
    /// The term of the council's latest decided call, if any.
    pub term: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    pub coverage: Coverage,
}

/// The published composition of a council and, for a regional one, its local councils.
pub async fn composition(round: &Round, id: CouncilId) -> Result<Composition, AppError> {
    let coverage = coverage(round, id.clone()).await?;
    let now = round.now();
    round
        .db
        .run(move |conn| {
            let council = store::get(conn, &id)?;
            let seats = seats::of_council(conn, &id)?;
            let decided = crate::store::calls::list(
                conn,
                &crate::store::calls::ListFilter {
                    status: Some(crate::domain::call::CallStatus::Decided),
                    council_id: Some(id.clone()),
                    drafts: crate::store::calls::Drafts::None,
                },
                &PageRequest {
                    limit: 1,
                    after: None,
                },
                now,
            )?;
            let term = decided
                .items
                .first()
                .map(|call| (call.term_start, call.term_end));
            Ok(Composition {
                council,
                seats,
                term,
                coverage,
            })
        })
        .await
}
