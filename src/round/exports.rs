//! The exports for the selection meeting and the council's records: a call's applications, its
//! ranking and its decision, and a council's composition. Each export is one `Table` (a header
//! and typed rows), built here by one function; the API writes that same table as CSV or as an
//! Excel workbook, so that the two forms never disagree.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::Round;
use super::access::{self, Staff};
use super::decision::QuotaException;
use super::review::{self, Ranking};
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, CouncilId};
use crate::store::applications::{self as applications_store, Application};
use crate::store::calls::{self as calls_store, Call};
use crate::store::councils as councils_store;
use crate::store::seats::{self, Seat};
use crate::store::selection::{self as selection_store, Holding, HoldingSource};

/// One cell of an export, typed so that a workbook gets real numbers and dates.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Integer(i64),
    /// A score, written with four decimals; empty when there is none.
    Score(Option<f64>),
    /// RFC 3339 in UTC in a CSV; a date and time on the table's wall clock in a workbook.
    Instant(DateTime<Utc>),
    Date(NaiveDate),
    Empty,
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

/// An export: what both its CSV and its workbook hold.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file's name without its extension, e.g. `applications`.
    pub name: &'static str,
    /// The worksheet's name in a workbook.
    pub sheet: &'static str,
    pub header: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
    /// The wall clock a workbook shows instants on: the call's time zone.
    pub zone: Tz,
}

/// The council's own wall clock, for exports that are not of a call.
const FINLAND: Tz = chrono_tz::Europe::Helsinki;

const APPLICATIONS: &[&str] = &[
    "id",
    "status",
    "theme",
    "role_preference",
    "association",
    "business_id",
    "register_number",
    "association_municipality",
    "first_name",
    "last_name",
    "email",
    "phone",
    "candidate_municipality",
    "gender",
    "language",
    "motivation",
    "submitted_at",
];

/// Every application of the call, in id order (the order they came in).
pub fn applications_table(call: &Call, applications: Vec<Application>) -> Table {
    let rows = applications
        .into_iter()
        .map(|a| {
            vec![
                a.id.to_string().into(),
                a.status.as_str().into(),
                a.theme.code().into(),
                a.role_preference.as_str().into(),
                a.association.name.into(),
                a.association.business_id.into(),
                a.association.register_number.unwrap_or_default().into(),
                a.association.municipality_code.into(),
                a.candidate.first_name.into(),
                a.candidate.last_name.into(),
                a.candidate.email.into(),
                a.candidate.phone.into(),
                a.candidate.municipality_code.into(),
                a.candidate.gender.as_str().into(),
                a.candidate.language.code().into(),
                a.motivation.into(),
                Cell::Instant(a.submitted_at),
            ]
        })
        .collect();
    Table {
        name: "applications",
        sheet: "Applications",
        header: APPLICATIONS,
        rows,
        zone: call.time_zone,
    }
}

const RANKING: &[&str] = &[
    "theme",
    "rank",
    "tied",
    "application_id",
    "first_name",
    "last_name",
    "association",
    "role_preference",
    "reviews",
    "weighted_mean",
    "median",
    "normalized",
];

/// The ranking: per theme (in the call's order), best first.
pub fn ranking_table(call: &Call, ranking: Ranking) -> Table {
    let mut rows = Vec::new();
    for (theme, entries) in ranking {
        for e in entries {
            let aggregate = e.aggregate.as_ref();
            let reviews = aggregate.map_or(0, |a| a.reviews);
            rows.push(vec![
                theme.code().into(),
                Cell::Integer(i64::try_from(e.rank).unwrap_or(i64::MAX)),
                if e.tied { "yes" } else { "no" }.into(),
                e.application.id.to_string().into(),
                e.application.candidate.first_name.into(),
                e.application.candidate.last_name.into(),
                e.application.association.name.into(),
                e.application.role_preference.as_str().into(),
                Cell::Integer(i64::try_from(reviews).unwrap_or(i64::MAX)),
                Cell::Score(aggregate.and_then(|a| a.weighted_mean)),
                Cell::Score(aggregate.and_then(|a| a.median)),
                Cell::Score(aggregate.and_then(|a| a.normalized)),
            ]);
        }
    }
    Table {
        name: "ranking",
        sheet: "Ranking",
        header: RANKING,
        rows,
        zone: call.time_zone,
    }
}

const DECISION: &[&str] = &[
    "theme",
    "role",
    "first_name",
    "last_name",
    "association",
    "business_id",
    "association_municipality",
    "gender",
    "filled_by",
    "override_reason",
    "offer_status",
    "meeting_reference",
    "decided_at",
    "quota_exception_reason",
    "quota_exception_measures",
];

/// What a call's decision export is made of.
pub struct Decided {
    pub call: Call,
    pub meeting_reference: String,
    pub quota_exception: Option<QuotaException>,
    /// The council's seats, in seat order.
    pub seats: Vec<Seat>,
    /// The holdings the decision made.
    pub holdings: Vec<Holding>,
    /// The call's applications.
    pub applications: Vec<Application>,
}

/// The seats the decision filled, in seat order: who, how (by the run, or by the meeting's
/// override and its reason), where the offer stands now, and on every row the decision's meeting
/// reference, time and, when it states one, its special reason and measures.
pub fn decision_table(decided: Decided) -> Table {
    let (reason, measures) = match &decided.quota_exception {
        Some(q) => (
            Cell::from(q.reason.as_str()),
            Cell::from(q.measures.as_str()),
        ),
        None => (Cell::Empty, Cell::Empty),
    };
    let decided_at = decided.call.decided_at.map_or(Cell::Empty, Cell::Instant);
    let mut rows = Vec::new();
    for seat in &decided.seats {
        for holding in decided.holdings.iter().filter(|h| h.seat_id == seat.id) {
            let Some(a) = decided
                .applications
                .iter()
                .find(|a| a.id == holding.application_id)
            else {
                continue;
            };
            let filled_by = if holding.source == HoldingSource::Override {
                "override"
            } else {
                "run"
            };
            rows.push(vec![
                seat.theme.code().into(),
                seat.role.as_str().into(),
                a.candidate.first_name.as_str().into(),
                a.candidate.last_name.as_str().into(),
                a.association.name.as_str().into(),
                a.association.business_id.as_str().into(),
                a.association.municipality_code.as_str().into(),
                a.candidate.gender.as_str().into(),
                filled_by.into(),
                holding.reason.clone().map_or(Cell::Empty, Cell::Text),
                holding.status.as_str().into(),
                decided.meeting_reference.as_str().into(),
                decided_at.clone(),
                reason.clone(),
                measures.clone(),
            ]);
        }
    }
    Table {
        name: "decision",
        sheet: "Decision",
        header: DECISION,
        rows,
        zone: decided.call.time_zone,
    }
}

const COMPOSITION: &[&str] = &[
    "theme",
    "role",
    "status",
    "holder",
    "association",
    "term_start",
    "term_end",
];

/// The council's seats, in seat order: vacant, offered or confirmed, whose, and the term of the
/// call that filled it.
pub fn composition_table(
    seats: Vec<Seat>,
    terms: &[(ApplicationId, NaiveDate, NaiveDate)],
) -> Table {
    let rows = seats
        .into_iter()
        .map(|seat| {
            let mut row = vec![seat.theme.code().into(), seat.role.as_str().into()];
            match seat.holder {
                None => row.extend([
                    "vacant".into(),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ]),
                Some(holder) => {
                    let term = terms
                        .iter()
                        .find(|(id, ..)| id.as_str() == holder.application_id);
                    row.extend([
                        if holder.confirmed {
                            "confirmed"
                        } else {
                            "offered"
                        }
                        .into(),
                        holder.name.into(),
                        holder.association.into(),
                        term.map_or(Cell::Empty, |t| Cell::Date(t.1)),
                        term.map_or(Cell::Empty, |t| Cell::Date(t.2)),
                    ]);
                }
            }
            row
        })
        .collect();
    Table {
        name: "composition",
        sheet: "Composition",
        header: COMPOSITION,
        rows,
        zone: FINLAND,
    }
}

/// Every application of the call, for the selection meeting (the call's managers).
pub async fn applications(round: &Round, staff: Staff, id: CallId) -> Result<Table, AppError> {
    round
        .db
        .run(move |conn| {
            let call = access::call(conn, &id, Some(&staff))?.managed()?;
            let applications = applications_store::all_of_call(conn, &call.id)?;
            Ok(applications_table(&call, applications))
        })
        .await
}

/// The ranking, for the selection meeting (the call's managers).
pub async fn ranking(round: &Round, staff: Staff, id: CallId) -> Result<Table, AppError> {
    round
        .db
        .run(move |conn| {
            let call = access::call(conn, &id, Some(&staff))?.managed()?;
            let ranking = review::ranking(conn, &call)?;
            Ok(ranking_table(&call, ranking))
        })
        .await
}

/// The call's decision (the call's managers); 409 until the call is decided.
pub async fn decision(round: &Round, staff: Staff, id: CallId) -> Result<Table, AppError> {
    round
        .db
        .run(move |conn| {
            let call = access::call(conn, &id, Some(&staff))?.managed()?;
            let Some(super::calls::DecisionNote {
                meeting_reference,
                quota_exception,
            }) = super::calls::decision_note(conn, &call.id)?
            else {
                return Err(AppError::Conflict(
                    "the call is not decided yet; its decision can be exported once it is".into(),
                ));
            };
            let holdings = selection_store::decided_of_call(conn, &call.id)?;
            let seats = seats::of_council(conn, &call.council_id)?;
            let applications = applications_store::all_of_call(conn, &call.id)?;
            Ok(decision_table(Decided {
                call,
                meeting_reference,
                quota_exception,
                seats,
                holdings,
                applications,
            }))
        })
        .await
}

/// The council's current composition (an admin, or a secretary of the council).
pub async fn composition(round: &Round, staff: Staff, id: CouncilId) -> Result<Table, AppError> {
    staff.require_manager(&id)?;
    round
        .db
        .run(move |conn| {
            councils_store::get(conn, &id)?;
            let seats = seats::of_council(conn, &id)?;
            let holders: Vec<ApplicationId> = seats
                .iter()
                .filter_map(|s| s.holder.as_ref())
                .filter_map(|h| ApplicationId::parse(&h.application_id))
                .collect();
            let terms = calls_store::terms_of_applications(conn, &holders)?;
            Ok(composition_table(seats, &terms))
        })
        .await
}
