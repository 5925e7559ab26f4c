//! Calls (avoin haku). The phase is stored; the status readers see is derived from the phase and
//! the clock (`domain::call::status`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::schema::{applications, calls};
use crate::db::{DbConn, from_db_time, from_json_text, to_db_time, to_json_text};
use crate::domain::call::{self, CallPhase, CallStatus, Cancellation, Contact, Window};
use crate::domain::localized::LocalizedText;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, CouncilId, UserId};
use crate::store::{Page, PageRequest};

/// A call as stored (and as a creating request's result is kept for its replay).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub id: CallId,
    pub council_id: CouncilId,
    pub phase: CallPhase,
    pub title: LocalizedText,
    pub announcement: LocalizedText,
    pub criteria: Vec<LocalizedText>,
    pub contacts: Vec<Contact>,
    pub themes: Vec<ThemeArea>,
    pub window: Window,
    pub time_zone: Tz,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub published_at: Option<DateTime<Utc>>,
    pub review_started_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When its texts or opening were last corrected after publication. (Absent from the
    /// replays of requests stored before corrections existed.)
    #[serde(default)]
    pub corrected_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub cancellation: Option<Cancellation>,
}

impl Call {
    pub fn status(&self, now: DateTime<Utc>) -> CallStatus {
        call::status(self.phase, self.window, self.cancellation.is_some(), now)
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = calls)]
#[diesel(treat_none_as_null = true)]
struct CallRow {
    id: CallId,
    council_id: CouncilId,
    phase: String,
    title_json: String,
    announcement_json: String,
    criteria_json: String,
    contacts_json: String,
    themes_json: String,
    opens_at: NaiveDateTime,
    closes_at: NaiveDateTime,
    time_zone: String,
    term_start: NaiveDate,
    term_end: NaiveDate,
    published_at: Option<NaiveDateTime>,
    review_started_at: Option<NaiveDateTime>,
    decided_at: Option<NaiveDateTime>,
    created_by: Option<UserId>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    corrected_at: Option<NaiveDateTime>,
    cancelled_at: Option<NaiveDateTime>,
    cancellation_reason_json: Option<String>,
}

impl CallRow {
    fn from_call(c: &Call) -> Self {
        Self {
            id: c.id.clone(),
            council_id: c.council_id.clone(),
            phase: c.phase.as_str().to_owned(),
            title_json: to_json_text(&c.title),
            announcement_json: to_json_text(&c.announcement),
            criteria_json: to_json_text(&c.criteria),
            contacts_json: to_json_text(&c.contacts),
            themes_json: to_json_text(&c.themes),
            opens_at: to_db_time(c.window.opens_at),
            closes_at: to_db_time(c.window.closes_at),
            time_zone: c.time_zone.name().to_owned(),
            term_start: c.term_start,
            term_end: c.term_end,
            published_at: c.published_at.map(to_db_time),
            review_started_at: c.review_started_at.map(to_db_time),
            decided_at: c.decided_at.map(to_db_time),
            created_by: c.created_by.clone(),
            created_at: to_db_time(c.created_at),
            updated_at: to_db_time(c.updated_at),
            corrected_at: c.corrected_at.map(to_db_time),
            cancelled_at: c.cancellation.as_ref().map(|x| to_db_time(x.at)),
            cancellation_reason_json: c.cancellation.as_ref().map(|x| to_json_text(&x.reason)),
        }
    }

    fn into_call(self) -> Result<Call, AppError> {
        let corrupt = |what: &str| {
            AppError::Internal(anyhow::anyhow!("stored call {} has a bad {what}", self.id))
        };
        let cancellation = match (self.cancelled_at, &self.cancellation_reason_json) {
            (None, None) => None,
            (Some(at), Some(reason)) => Some(Cancellation {
                at: from_db_time(at),
                reason: from_json_text(reason)?,
            }),
            _ => return Err(corrupt("cancellation")),
        };
        Ok(Call {
            phase: CallPhase::parse(&self.phase).ok_or_else(|| corrupt("phase"))?,
            time_zone: call::parse_time_zone(&self.time_zone)
                .ok_or_else(|| corrupt("time zone"))?,
            title: from_json_text(&self.title_json)?,
            announcement: from_json_text(&self.announcement_json)?,
            criteria: from_json_text(&self.criteria_json)?,
            contacts: from_json_text(&self.contacts_json)?,
            themes: from_json_text(&self.themes_json)?,
            window: Window {
                opens_at: from_db_time(self.opens_at),
                closes_at: from_db_time(self.closes_at),
            },
            term_start: self.term_start,
            term_end: self.term_end,
            published_at: self.published_at.map(from_db_time),
            review_started_at: self.review_started_at.map(from_db_time),
            decided_at: self.decided_at.map(from_db_time),
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
            corrected_at: self.corrected_at.map(from_db_time),
            cancellation,
            id: self.id,
            council_id: self.council_id,
            created_by: self.created_by,
        })
    }
}

pub fn insert(conn: &mut DbConn, call: &Call) -> Result<(), AppError> {
    diesel::insert_into(calls::table)
        .values(CallRow::from_call(call))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &CallId) -> Result<Option<Call>, AppError> {
    calls::table
        .select(CallRow::as_select())
        .filter(calls::id.eq(id))
        .get_result(conn)
        .optional()?
        .map(CallRow::into_call)
        .transpose()
}

/// The term (start, end) of each application's call.
pub fn terms_of_applications(
    conn: &mut DbConn,
    ids: &[ApplicationId],
) -> Result<Vec<(ApplicationId, NaiveDate, NaiveDate)>, AppError> {
    Ok(applications::table
        .inner_join(calls::table)
        .select((applications::id, calls::term_start, calls::term_end))
        .filter(applications::id.eq_any(ids))
        .load(conn)?)
}

/// Writes every field of the call (its cancellation too), but only if its phase is still
/// `expected_phase` and it was not cancelled; `Ok(false)` if a concurrent request changed the
/// phase or cancelled the call first.
pub fn update(conn: &mut DbConn, call: &Call, expected_phase: CallPhase) -> Result<bool, AppError> {
    let changed = diesel::update(
        calls::table
            .filter(calls::id.eq(&call.id))
            .filter(calls::phase.eq(expected_phase.as_str()))
            .filter(calls::cancelled_at.is_null()),
    )
    .set(CallRow::from_call(call))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Whose drafts a listing may include.
pub enum Drafts {
    None,
    OfCouncils(Vec<CouncilId>),
    All,
}

pub struct ListFilter {
    pub status: Option<CallStatus>,
    pub council_id: Option<CouncilId>,
    pub drafts: Drafts,
}

/// Calls, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<Call>, AppError> {
    let now = to_db_time(now);
    let mut query = calls::table
        .select(CallRow::as_select())
        .order(calls::id.desc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(calls::id.lt(after.clone()));
    }
    if let Some(council) = &filter.council_id {
        query = query.filter(calls::council_id.eq(council.clone()));
    }
    query = match &filter.drafts {
        Drafts::All => query,
        Drafts::None => query.filter(calls::phase.ne(CallPhase::Draft.as_str())),
        Drafts::OfCouncils(councils) => query.filter(
            calls::phase
                .ne(CallPhase::Draft.as_str())
                .or(calls::council_id.eq_any(councils.clone())),
        ),
    };
    let published = CallPhase::Published.as_str();
    query = match filter.status {
        None | Some(CallStatus::Cancelled) => query,
        Some(_) => query.filter(calls::cancelled_at.is_null()),
    };
    query = match filter.status {
        None => query,
        Some(CallStatus::Cancelled) => query.filter(calls::cancelled_at.is_not_null()),
        Some(CallStatus::Draft) => query.filter(calls::phase.eq(CallPhase::Draft.as_str())),
        Some(CallStatus::Scheduled) => query
            .filter(calls::phase.eq(published))
            .filter(calls::opens_at.gt(now)),
        Some(CallStatus::Open) => query
            .filter(calls::phase.eq(published))
            .filter(calls::opens_at.le(now))
            .filter(calls::closes_at.gt(now)),
        Some(CallStatus::Closed) => query
            .filter(calls::phase.eq(published))
            .filter(calls::closes_at.le(now)),
        Some(CallStatus::Reviewing) => query.filter(calls::phase.eq(CallPhase::Reviewing.as_str())),
        Some(CallStatus::Decided) => query.filter(calls::phase.eq(CallPhase::Decided.as_str())),
    };
    let rows: Vec<CallRow> = query.load(conn)?;
    let page_rows = Page::from_rows(rows, page.limit, |r| r.id.to_string());
    Ok(Page {
        items: page_rows
            .items
            .into_iter()
            .map(CallRow::into_call)
            .collect::<Result<_, _>>()?,
        next_cursor: page_rows.next_cursor,
    })
}

/// Published calls that close within `until` and whose closing reminder has not been queued.
pub fn due_for_closing_reminder(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<CallId>, AppError> {
    Ok(calls::table
        .select(calls::id)
        .filter(calls::phase.eq(CallPhase::Published.as_str()))
        .filter(calls::cancelled_at.is_null())
        .filter(calls::closing_reminder_queued_at.is_null())
        .filter(calls::opens_at.le(to_db_time(now)))
        .filter(calls::closes_at.gt(to_db_time(now)))
        .filter(calls::closes_at.le(to_db_time(until)))
        .load(conn)?)
}

/// Marks the closing reminder queued; `Ok(false)` if it already was.
pub fn mark_closing_reminder(
    conn: &mut DbConn,
    id: &CallId,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let changed = diesel::update(
        calls::table
            .filter(calls::id.eq(id))
            .filter(calls::closing_reminder_queued_at.is_null()),
    )
    .set(calls::closing_reminder_queued_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The call's rubric: its own, or the default one (`None` stored).
pub fn rubric(
    conn: &mut DbConn,
    id: &CallId,
) -> Result<(Vec<crate::domain::scoring::Criterion>, bool), AppError> {
    let stored: Option<String> = calls::table
        .select(calls::rubric_json)
        .filter(calls::id.eq(id))
        .get_result(conn)?;
    Ok(match stored {
        Some(text) => (from_json_text(&text)?, false),
        None => (crate::domain::scoring::default_rubric(), true),
    })
}

pub fn set_rubric(
    conn: &mut DbConn,
    id: &CallId,
    criteria: &[crate::domain::scoring::Criterion],
) -> Result<(), AppError> {
    diesel::update(calls::table.filter(calls::id.eq(id)))
        .set(calls::rubric_json.eq(Some(to_json_text(&criteria))))
        .execute(conn)?;
    Ok(())
}
