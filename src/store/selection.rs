//! Seat filling in the database: selection runs, who holds each seat (and who held it), the
//! call's decision and each application's outcome.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{applications, calls, seat_holders, seats, selection_runs};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, CouncilId, SeatHolderId, SeatId, SelectionRunId, UserId};

#[derive(Debug, Clone)]
pub struct Run {
    pub id: SelectionRunId,
    pub call_id: CallId,
    pub seed: String,
    pub constraints_json: String,
    pub input_hash: String,
    pub algorithm_version: String,
    pub result_json: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

type RunRow = (
    SelectionRunId,
    CallId,
    String,
    String,
    String,
    String,
    String,
    UserId,
    NaiveDateTime,
);

fn run(row: RunRow) -> Run {
    let (
        id,
        call_id,
        seed,
        constraints_json,
        input_hash,
        algorithm_version,
        result_json,
        created_by,
        at,
    ) = row;
    Run {
        id,
        call_id,
        seed,
        constraints_json,
        input_hash,
        algorithm_version,
        result_json,
        created_by,
        created_at: from_db_time(at),
    }
}

const RUN_COLUMNS: (
    selection_runs::id,
    selection_runs::call_id,
    selection_runs::seed,
    selection_runs::constraints_json,
    selection_runs::input_hash,
    selection_runs::algorithm_version,
    selection_runs::result_json,
    selection_runs::created_by,
    selection_runs::created_at,
) = (
    selection_runs::id,
    selection_runs::call_id,
    selection_runs::seed,
    selection_runs::constraints_json,
    selection_runs::input_hash,
    selection_runs::algorithm_version,
    selection_runs::result_json,
    selection_runs::created_by,
    selection_runs::created_at,
);

pub fn insert_run(conn: &mut DbConn, r: &Run) -> Result<(), AppError> {
    diesel::insert_into(selection_runs::table)
        .values((
            selection_runs::id.eq(&r.id),
            selection_runs::call_id.eq(&r.call_id),
            selection_runs::seed.eq(&r.seed),
            selection_runs::constraints_json.eq(&r.constraints_json),
            selection_runs::input_hash.eq(&r.input_hash),
            selection_runs::algorithm_version.eq(&r.algorithm_version),
            selection_runs::result_json.eq(&r.result_json),
            selection_runs::created_by.eq(&r.created_by),
            selection_runs::created_at.eq(to_db_time(r.created_at)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_run(conn: &mut DbConn, id: &SelectionRunId) -> Result<Option<Run>, AppError> {
    Ok(selection_runs::table
        .select(RUN_COLUMNS)
        .filter(selection_runs::id.eq(id))
        .first::<RunRow>(conn)
        .optional()?
        .map(run))
}

/// Where a holding stands: `offered` and `confirmed` hold the seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldingStatus {
    Offered,
    Confirmed,
    Declined,
    Lapsed,
    Vacated,
    Moved,
}

impl HoldingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Confirmed => "confirmed",
            Self::Declined => "declined",
            Self::Lapsed => "lapsed",
            Self::Vacated => "vacated",
            Self::Moved => "moved",
        }
    }

    fn parse(s: &str) -> Result<Self, AppError> {
        Ok(match s {
            "offered" => Self::Offered,
            "confirmed" => Self::Confirmed,
            "declined" => Self::Declined,
            "lapsed" => Self::Lapsed,
            "vacated" => Self::Vacated,
            "moved" => Self::Moved,
            other => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "unknown holding status `{other}` stored"
                )));
            }
        })
    }

    pub fn holds(self) -> bool {
        matches!(self, Self::Offered | Self::Confirmed)
    }
}

/// How an application came to a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldingSource {
    Selection,
    Override,
    Reserve,
    Deputy,
}

impl HoldingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Selection => "selection",
            Self::Override => "override",
            Self::Reserve => "reserve",
            Self::Deputy => "deputy",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        Ok(match s {
            "selection" => Self::Selection,
            "override" => Self::Override,
            "reserve" => Self::Reserve,
            "deputy" => Self::Deputy,
            other => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "unknown holding source `{other}` stored"
                )));
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct Holding {
    pub id: SeatHolderId,
    pub seat_id: SeatId,
    pub call_id: CallId,
    pub application_id: ApplicationId,
    pub status: HoldingStatus,
    pub source: HoldingSource,
    pub reason: Option<String>,
    pub offered_at: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
}

type HoldingRow = (
    SeatHolderId,
    SeatId,
    CallId,
    ApplicationId,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

const HOLDING_COLUMNS: (
    seat_holders::id,
    seat_holders::seat_id,
    seat_holders::call_id,
    seat_holders::application_id,
    seat_holders::status,
    seat_holders::source,
    seat_holders::reason,
    seat_holders::offered_at,
    seat_holders::respond_by,
) = (
    seat_holders::id,
    seat_holders::seat_id,
    seat_holders::call_id,
    seat_holders::application_id,
    seat_holders::status,
    seat_holders::source,
    seat_holders::reason,
    seat_holders::offered_at,
    seat_holders::respond_by,
);

fn holding(row: HoldingRow) -> Result<Holding, AppError> {
    let (id, seat_id, call_id, application_id, status, source, reason, offered_at, respond_by) =
        row;
    Ok(Holding {
        id,
        seat_id,
        call_id,
        application_id,
        status: HoldingStatus::parse(&status)?,
        source: HoldingSource::parse(&source)?,
        reason,
        offered_at: from_db_time(offered_at),
        respond_by: from_db_time(respond_by),
    })
}

/// The statuses in which a holding holds its seat.
pub const HOLDING: [&str; 2] = ["offered", "confirmed"];

/// A seat offered to an application.
pub struct NewHolding<'a> {
    pub seat: &'a SeatId,
    pub call: &'a CallId,
    pub application: &'a ApplicationId,
    pub source: HoldingSource,
    pub reason: Option<&'a str>,
    pub now: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
}

/// Offers a seat. The partial unique indexes refuse a second holder of a seat or a second seat
/// for an application.
pub fn offer(conn: &mut DbConn, new: &NewHolding<'_>) -> Result<SeatHolderId, AppError> {
    let NewHolding {
        seat,
        call,
        application,
        source,
        reason,
        now,
        respond_by,
    } = *new;
    let id = SeatHolderId::new();
    diesel::insert_into(seat_holders::table)
        .values((
            seat_holders::id.eq(&id),
            seat_holders::seat_id.eq(seat),
            seat_holders::call_id.eq(call),
            seat_holders::application_id.eq(application),
            seat_holders::status.eq(HoldingStatus::Offered.as_str()),
            seat_holders::source.eq(source.as_str()),
            seat_holders::reason.eq(reason),
            seat_holders::offered_at.eq(to_db_time(now)),
            seat_holders::respond_by.eq(to_db_time(respond_by)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Moves a current holding to `status`; false if it no longer holds the seat (a concurrent
/// change got there first).
pub fn end_or_confirm(
    conn: &mut DbConn,
    holding: &SeatHolderId,
    status: HoldingStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    // Confirming and lapsing apply to an open offer only; ending (decline, vacancy, move) to
    // either holding state.
    let from: &[&str] = match status {
        HoldingStatus::Confirmed | HoldingStatus::Lapsed => &["offered"],
        _ => &HOLDING,
    };
    let target = seat_holders::table
        .filter(seat_holders::id.eq(holding))
        .filter(seat_holders::status.eq_any(from));
    let n = if status == HoldingStatus::Confirmed {
        diesel::update(target)
            .set((
                seat_holders::status.eq(status.as_str()),
                seat_holders::answered_at.eq(Some(to_db_time(now))),
            ))
            .execute(conn)?
    } else if status == HoldingStatus::Declined {
        diesel::update(target)
            .set((
                seat_holders::status.eq(status.as_str()),
                seat_holders::answered_at.eq(Some(to_db_time(now))),
                seat_holders::ended_at.eq(Some(to_db_time(now))),
                seat_holders::end_reason.eq(reason),
            ))
            .execute(conn)?
    } else {
        // A confirmation given before stays recorded (`seat_again` reads it).
        diesel::update(target)
            .set((
                seat_holders::status.eq(status.as_str()),
                seat_holders::ended_at.eq(Some(to_db_time(now))),
                seat_holders::end_reason.eq(reason),
            ))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// The deputy seat kept for `application` while it decides on its theme's representative seat
/// (`vacate` offered it): the seat it left, ending that holding as `moved` (the latest, if it
/// moved more than once), unless another holding fills that seat; with whether it had
/// confirmed the seat.
pub fn kept_seat_of(
    conn: &mut DbConn,
    application: &ApplicationId,
) -> Result<Option<(Holding, bool)>, AppError> {
    let moved = seat_holders::table
        .select((HOLDING_COLUMNS, seat_holders::answered_at))
        .filter(seat_holders::application_id.eq(application))
        .filter(seat_holders::status.eq(HoldingStatus::Moved.as_str()))
        .order((seat_holders::ended_at.desc(), seat_holders::id.desc()))
        .first::<(HoldingRow, Option<NaiveDateTime>)>(conn)
        .optional()?;
    let Some((row, answered)) = moved else {
        return Ok(None);
    };
    let moved = holding(row)?;
    if current_of_seat(conn, &moved.seat_id)?.is_some() {
        return Ok(None);
    }
    Ok(Some((moved, answered.is_some())))
}

/// Deputy seats kept for their deputies while those decide on moving up: for each open offer of
/// a representative seat to a theme's deputy among `current`, the seat kept for them
/// (`kept_seat_of`). Such a seat is theirs until they answer (see
/// `api::selection::release_seat`), so it is neither a gap nor open to another call.
pub fn kept_for_promotion(
    conn: &mut DbConn,
    current: &[Holding],
) -> Result<Vec<KeptSeat>, AppError> {
    let mut kept = Vec::new();
    for offer in current
        .iter()
        .filter(|h| h.status == HoldingStatus::Offered && h.source == HoldingSource::Deputy)
    {
        if let Some((seat, confirmed)) = kept_seat_of(conn, &offer.application_id)? {
            kept.push(KeptSeat {
                seat_id: seat.seat_id,
                application_id: offer.application_id.clone(),
                confirmed,
                offered_seat_id: offer.seat_id.clone(),
            });
        }
    }
    Ok(kept)
}

/// A deputy seat kept for its deputy, who is offered the theme's representative seat.
#[derive(Debug, Clone)]
pub struct KeptSeat {
    pub seat_id: SeatId,
    pub application_id: ApplicationId,
    /// Whether the deputy had confirmed the kept seat before moving up.
    pub confirmed: bool,
    /// The representative seat offered to them.
    pub offered_seat_id: SeatId,
}

/// Seats `moved`'s application again in the seat it moved from, as it held it before: with the
/// same source, confirmed if it had confirmed, else offered with the same time to answer. A
/// deputy who declined moving up keeps their seat.
pub fn seat_again(
    conn: &mut DbConn,
    moved: &Holding,
    confirmed: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = offer(
        conn,
        &NewHolding {
            seat: &moved.seat_id,
            call: &moved.call_id,
            application: &moved.application_id,
            source: moved.source,
            reason: Some(reason),
            now,
            respond_by: moved.respond_by,
        },
    )?;
    if confirmed {
        end_or_confirm(conn, &id, HoldingStatus::Confirmed, None, now)?;
    }
    Ok(())
}

/// The current holdings of the councils' seats.
pub fn current_of_councils(
    conn: &mut DbConn,
    councils: &[CouncilId],
) -> Result<Vec<Holding>, AppError> {
    seat_holders::table
        .inner_join(seats::table)
        .select(HOLDING_COLUMNS)
        .filter(seats::council_id.eq_any(councils))
        .filter(seat_holders::status.eq_any(HOLDING))
        .load::<HoldingRow>(conn)?
        .into_iter()
        .map(holding)
        .collect()
}

/// The holdings a call's decision made (from its run, or overridden by the meeting), whatever
/// became of them since (confirmed, declined, lapsed, vacated, moved up).
pub fn decided_of_call(conn: &mut DbConn, call: &CallId) -> Result<Vec<Holding>, AppError> {
    seat_holders::table
        .select(HOLDING_COLUMNS)
        .filter(seat_holders::call_id.eq(call))
        .filter(seat_holders::source.eq_any([
            HoldingSource::Selection.as_str(),
            HoldingSource::Override.as_str(),
        ]))
        .order(seat_holders::id)
        .load::<HoldingRow>(conn)?
        .into_iter()
        .map(holding)
        .collect()
}

/// The holding of an application that still holds its seat, if any.
pub fn current_of_application(
    conn: &mut DbConn,
    application: &ApplicationId,
) -> Result<Option<Holding>, AppError> {
    seat_holders::table
        .select(HOLDING_COLUMNS)
        .filter(seat_holders::application_id.eq(application))
        .filter(seat_holders::status.eq_any(HOLDING))
        .first::<HoldingRow>(conn)
        .optional()?
        .map(holding)
        .transpose()
}

pub fn current_of_seat(conn: &mut DbConn, seat: &SeatId) -> Result<Option<Holding>, AppError> {
    seat_holders::table
        .select(HOLDING_COLUMNS)
        .filter(seat_holders::seat_id.eq(seat))
        .filter(seat_holders::status.eq_any(HOLDING))
        .first::<HoldingRow>(conn)
        .optional()?
        .map(holding)
        .transpose()
}

/// Offers not answered in time, oldest first.
pub fn overdue_offers(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<Holding>, AppError> {
    seat_holders::table
        .select(HOLDING_COLUMNS)
        .filter(seat_holders::status.eq(HoldingStatus::Offered.as_str()))
        .filter(seat_holders::respond_by.le(to_db_time(now)))
        .order(seat_holders::respond_by)
        .limit(100)
        .load::<HoldingRow>(conn)?
        .into_iter()
        .map(holding)
        .collect()
}

/// An application's outcome as the decision set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub outcome: Option<String>,
    pub reserve_rank: Option<i32>,
    pub declined_at: Option<DateTime<Utc>>,
}

pub fn set_outcome(
    conn: &mut DbConn,
    application: &ApplicationId,
    outcome: &str,
    reserve_rank: Option<i32>,
) -> Result<(), AppError> {
    diesel::update(applications::table.filter(applications::id.eq(application)))
        .set((
            applications::outcome.eq(Some(outcome)),
            applications::reserve_rank.eq(reserve_rank),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_declined(
    conn: &mut DbConn,
    application: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    diesel::update(applications::table.filter(applications::id.eq(application)))
        .set(applications::declined_at.eq(Some(to_db_time(now))))
        .execute(conn)?;
    Ok(())
}

pub fn outcome_of(conn: &mut DbConn, application: &ApplicationId) -> Result<Outcome, AppError> {
    let (outcome, reserve_rank, declined_at): (Option<String>, Option<i32>, Option<NaiveDateTime>) =
        applications::table
            .select((
                applications::outcome,
                applications::reserve_rank,
                applications::declined_at,
            ))
            .filter(applications::id.eq(application))
            .first(conn)?;
    Ok(Outcome {
        outcome,
        reserve_rank,
        declined_at: declined_at.map(from_db_time),
    })
}

/// The call's applications that declined, by id.
pub fn declined_of_call(conn: &mut DbConn, call: &CallId) -> Result<Vec<ApplicationId>, AppError> {
    Ok(applications::table
        .select(applications::id)
        .filter(applications::call_id.eq(call))
        .filter(applications::declined_at.is_not_null())
        .load(conn)?)
}

/// The call's reserve list: (application, theme, rank), best first within each theme.
pub fn reserves_of_call(
    conn: &mut DbConn,
    call: &CallId,
) -> Result<Vec<(ApplicationId, String, i32)>, AppError> {
    let rows: Vec<(ApplicationId, String, Option<i32>)> = applications::table
        .select((
            applications::id,
            applications::theme,
            applications::reserve_rank,
        ))
        .filter(applications::call_id.eq(call))
        .filter(applications::outcome.eq("reserve"))
        .filter(applications::declined_at.is_null())
        // An erased reserve has left the list: no one to offer the seat to.
        .filter(applications::erased_at.is_null())
        .filter(applications::status.eq("submitted"))
        .order((applications::theme, applications::reserve_rank))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, theme, rank)| (id, theme, rank.unwrap_or(i32::MAX)))
        .collect())
}

/// Records the decision on the call; false if the call was no longer in review.
/// What a decision records on its call.
pub struct DecisionRecord<'a> {
    pub call: &'a CallId,
    pub run: &'a SelectionRunId,
    pub meeting_reference: &'a str,
    /// The rules the run applied.
    pub rules_json: &'a str,
    /// The special reason and measures, when the composition breaks the balance.
    pub quota_exception_json: Option<&'a str>,
}

pub fn record_decision(
    conn: &mut DbConn,
    decision: &DecisionRecord<'_>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let n = diesel::update(
        calls::table
            .filter(calls::id.eq(decision.call))
            .filter(calls::phase.eq("reviewing"))
            .filter(calls::cancelled_at.is_null()),
    )
    .set((
        calls::phase.eq("decided"),
        calls::decided_at.eq(Some(to_db_time(now))),
        calls::updated_at.eq(to_db_time(now)),
        calls::selection_run_id.eq(Some(decision.run)),
        calls::meeting_reference.eq(Some(decision.meeting_reference)),
        calls::decision_rules_json.eq(Some(decision.rules_json)),
        calls::quota_exception_json.eq(decision.quota_exception_json),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// What a decided call's page says of its decision: the meeting's reference and, when stated, the
/// special reason (as JSON); `None` until decided.
pub fn decision_note(
    conn: &mut DbConn,
    call: &CallId,
) -> Result<Option<(String, Option<String>)>, AppError> {
    let (reference, quota): (Option<String>, Option<String>) = calls::table
        .select((calls::meeting_reference, calls::quota_exception_json))
        .filter(calls::id.eq(call))
        .first(conn)?;
    Ok(reference.map(|r| (r, quota)))
}

/// A call's decision: its run, meeting reference and rules (as JSON); all `None` until decided.
pub type Decision = (Option<SelectionRunId>, Option<String>, Option<String>);

pub fn decision_of(conn: &mut DbConn, call: &CallId) -> Result<Decision, AppError> {
    Ok(calls::table
        .select((
            calls::selection_run_id,
            calls::meeting_reference,
            calls::decision_rules_json,
        ))
        .filter(calls::id.eq(call))
        .first(conn)?)
}
