//! Seats of councils. A seat is filled while an application holds it (offered by a decision, a
//! reserve stepping in or a deputy moving up, or confirmed); see `store::selection`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{applications, seat_holders, seats};
use crate::db::{DbConn, LockableTable, to_db_time};
use crate::domain::seat_plan::{ExistingSeat, PlanLine, SeatRole, plan_change};
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CouncilId, SeatId};

#[derive(Debug, Clone)]
pub struct Seat {
    pub id: SeatId,
    pub council_id: CouncilId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub position: u32,
    pub holder: Option<Holder>,
}

/// Who sits in a filled seat.
#[derive(Debug, Clone)]
pub struct Holder {
    pub application_id: String,
    pub name: String,
    pub association: String,
    /// Until they confirm, the seat is offered to them.
    pub confirmed: bool,
    /// For a deputy seat whose holder is offered the theme's representative seat (this one): the
    /// seat stays theirs until they answer, and goes to a reserve only if they take the other.
    pub moving_up_to: Option<SeatId>,
}

type SeatRow = (SeatId, CouncilId, String, String, i32);

fn seat(row: SeatRow) -> Result<Seat, AppError> {
    let (id, council_id, theme, role, position) = row;
    Ok(Seat {
        theme: ThemeArea::from_code(&theme)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown theme `{theme}` stored")))?,
        role: SeatRole::parse(&role).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("unknown seat role `{role}` stored"))
        })?,
        id,
        council_id,
        position: position as u32,
        holder: None,
    })
}

/// Seats of the councils, in theme order, representatives first.
pub fn of_councils(conn: &mut DbConn, councils: &[CouncilId]) -> Result<Vec<Seat>, AppError> {
    let rows: Vec<SeatRow> = seats::table
        .select((
            seats::id,
            seats::council_id,
            seats::theme,
            seats::role,
            seats::position,
        ))
        .filter(seats::council_id.eq_any(councils))
        .load(conn)?;
    let mut list = rows.into_iter().map(seat).collect::<Result<Vec<_>, _>>()?;
    let holdings = super::selection::current_of_councils(conn, councils)?;
    if !holdings.is_empty() {
        let kept = super::selection::kept_for_promotion(conn, &holdings)?;
        let ids: Vec<&ApplicationId> = holdings.iter().map(|h| &h.application_id).collect();
        let names: Vec<(ApplicationId, String, String, String)> = applications::table
            .select((
                applications::id,
                applications::candidate_first_name,
                applications::candidate_last_name,
                applications::association_name,
            ))
            .filter(applications::id.eq_any(ids))
            .load(conn)?;
        for seat in &mut list {
            let (application, confirmed, moving_up_to) =
                if let Some(h) = holdings.iter().find(|h| h.seat_id == seat.id) {
                    (
                        &h.application_id,
                        h.status == super::selection::HoldingStatus::Confirmed,
                        None,
                    )
                } else if let Some(k) = kept.iter().find(|k| k.seat_id == seat.id) {
                    (
                        &k.application_id,
                        k.confirmed,
                        Some(k.offered_seat_id.clone()),
                    )
                } else {
                    continue;
                };
            if let Some((_, first, last, association)) = names.iter().find(|n| &n.0 == application)
            {
                seat.holder = Some(Holder {
                    application_id: application.as_str().to_owned(),
                    name: format!("{first} {last}"),
                    association: association.clone(),
                    confirmed,
                    moving_up_to,
                });
            }
        }
    }
    list.sort_by(|a, b| {
        (&a.council_id, a.theme, a.role, a.position).cmp(&(
            &b.council_id,
            b.theme,
            b.role,
            b.position,
        ))
    });
    Ok(list)
}

pub fn of_council(conn: &mut DbConn, council: &CouncilId) -> Result<Vec<Seat>, AppError> {
    of_councils(conn, std::slice::from_ref(council))
}

/// Replaces the council's seat plan inside the caller's transaction. Filled seats are never
/// removed: the domain refuses such a plan and this returns 409.
pub fn replace_plan(
    conn: &mut DbConn,
    council: &CouncilId,
    wanted: &[PlanLine],
    now: DateTime<Utc>,
) -> Result<Vec<Seat>, AppError> {
    // Two plans replaced at once must not both add the same positions.
    conn.lock_row(LockableTable::Councils, council.as_str())?;
    // A seat that anyone ever held keeps its history, so it stays like a filled one.
    let with_history: Vec<SeatId> = seat_holders::table
        .inner_join(seats::table)
        .select(seat_holders::seat_id)
        .filter(seats::council_id.eq(council))
        .distinct()
        .load(conn)?;
    let existing: Vec<ExistingSeat<SeatId>> = of_council(conn, council)?
        .into_iter()
        .map(|s| ExistingSeat {
            filled: s.holder.is_some() || with_history.contains(&s.id),
            id: s.id,
            theme: s.theme,
            role: s.role,
            position: s.position,
        })
        .collect();
    let change = plan_change(&existing, wanted).map_err(|e| AppError::Conflict(e.to_string()))?;
    if !change.remove.is_empty() {
        diesel::delete(seats::table.filter(seats::id.eq_any(&change.remove))).execute(conn)?;
    }
    for new in &change.add {
        diesel::insert_into(seats::table)
            .values((
                seats::id.eq(SeatId::new()),
                seats::council_id.eq(council),
                seats::theme.eq(new.theme.code()),
                seats::role.eq(new.role.as_str()),
                seats::position.eq(new.position as i32),
                seats::created_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
    }
    of_council(conn, council)
}

/// The council a seat belongs to, if the seat exists.
pub fn council_of(conn: &mut DbConn, seat: &SeatId) -> Result<Option<CouncilId>, AppError> {
    Ok(seats::table
        .select(seats::council_id)
        .filter(seats::id.eq(seat))
        .first(conn)
        .optional()?)
}
