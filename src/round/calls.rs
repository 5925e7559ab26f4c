//! Open calls (avoin haku): creation, editing while draft, publication, the deadline extension,
//! the start of the review, and listing by status. Legal moves come from `domain::call`; who may
//! see and change a call from `access`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, Staff};
use super::idempotency::{self, Created, Once};
use super::messages;
use crate::db::DbConn;
use crate::domain::access::Role;
use crate::domain::call::{self, CallAction, CallPhase, CallStatus, Cancellation, Contact, Window};
use crate::domain::localized::LocalizedText;
use crate::domain::reference::default_criteria;
use crate::domain::rules::{email_address, first_duplicate, to_validation_errors};
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{CallId, CouncilId};
use crate::store::calls::{self as store, Call, Drafts};
use crate::store::{Page, PageRequest, audit, councils, reference, seats};

pub const DEFAULT_TIME_ZONE: &str = "Europe/Helsinki";

/// Calling a call off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelCall {
    /// Why, in the languages the call is announced in; the public sees it on the call's page and
    /// every applicant in their message.
    pub reason: LocalizedText,
}

impl Validate for CancelCall {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        match check_reason(self.reason.clone()) {
            Err(AppError::Validation(errors)) => Err(to_validation_errors(errors)),
            _ => Ok(()),
        }
    }
}

/// A new call.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCall {
    pub title: LocalizedText,
    /// The call announcement (hakutiedote): principles, schedule, how to apply.
    pub announcement: LocalizedText,
    /// Default: the four criteria of the paikallis-JANE model, naming the council's municipalities.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub criteria: Option<Vec<LocalizedText>>,
    /// An RFC 3339 instant (`2027-05-01T06:00:00Z`, `2027-05-01T09:00:00+03:00`) or a local time
    /// in `time_zone` (`2027-05-01T09:00:00`), in the years 2000 to 2100, whole seconds.
    #[schema(
        example = "2027-05-01T09:00:00",
        pattern = "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
    )]
    pub opens_at: String,
    /// As `opens_at`, and later. Applications are accepted until this instant, exclusive.
    #[schema(
        example = "2027-05-31T16:00:00",
        pattern = "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
    )]
    pub closes_at: String,
    /// IANA time zone of the call; default `Europe/Helsinki`.
    #[serde(default)]
    #[schema(example = "Europe/Helsinki")]
    pub time_zone: Option<String>,
    /// In the years 2000 to 2100.
    pub term_start: NaiveDate,
    /// After `term_start`, in the years 2000 to 2100.
    pub term_end: NaiveDate,
    #[schema(min_items = 1, max_items = 10)]
    pub contacts: Vec<Contact>,
    /// Default: the themes of the council's seat plan that have a vacant seat; each once, each
    /// with seats.
    #[serde(default)]
    #[schema(min_items = 1)]
    pub themes: Option<Vec<ThemeArea>>,
}

/// Changes to a call. A draft accepts any field. A published call, until the decision, accepts
/// corrections of its texts (`title`, `announcement`, `criteria`, `contacts`), a new `opens_at`
/// while it is scheduled, and a later `closes_at` while it is scheduled or open.
#[derive(Debug, PartialEq, Deserialize, Validate, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateCall {
    pub title: Option<LocalizedText>,
    pub announcement: Option<LocalizedText>,
    #[schema(max_items = 20)]
    pub criteria: Option<Vec<LocalizedText>>,
    #[schema(
        pattern = "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
    )]
    pub opens_at: Option<String>,
    #[schema(
        pattern = "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
    )]
    pub closes_at: Option<String>,
    pub time_zone: Option<String>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    #[schema(min_items = 1, max_items = 10)]
    pub contacts: Option<Vec<Contact>>,
    #[schema(min_items = 1)]
    pub themes: Option<Vec<ThemeArea>>,
}

/// Every rule that needs no database, so that a refusal also names fields next to missing or
/// mistyped ones (the defaults, which come from the database, are checked in the handler).
impl Validate for CreateCall {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        let entered = EnteredCall {
            title: self.title.clone(),
            announcement: self.announcement.clone(),
            criteria: self.criteria.clone().unwrap_or_default(),
            opens_at: self.opens_at.clone(),
            closes_at: self.closes_at.clone(),
            time_zone: self
                .time_zone
                .clone()
                .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned()),
            term_start: self.term_start,
            term_end: self.term_end,
            contacts: self.contacts.clone(),
            themes: self
                .themes
                .clone()
                .unwrap_or_else(|| vec![ThemeArea::Other]),
        };
        match check_fields(entered) {
            Err(AppError::Validation(errors)) => Err(to_validation_errors(errors)),
            _ => Ok(()),
        }
    }
}

/// Every field of a call, as entered.
struct EnteredCall {
    title: LocalizedText,
    announcement: LocalizedText,
    criteria: Vec<LocalizedText>,
    opens_at: String,
    closes_at: String,
    time_zone: String,
    term_start: NaiveDate,
    term_end: NaiveDate,
    contacts: Vec<Contact>,
    themes: Vec<ThemeArea>,
}

/// The checked fields.
struct CheckedCall {
    title: LocalizedText,
    announcement: LocalizedText,
    criteria: Vec<LocalizedText>,
    window: Window,
    time_zone: Tz,
    term_start: NaiveDate,
    term_end: NaiveDate,
    contacts: Vec<Contact>,
    themes: Vec<ThemeArea>,
}

fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (5..=15).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        && text.len() <= 40
}

/// Checks every field against the rules that need no database; all problems at once.
fn check_fields(entered: EnteredCall) -> Result<CheckedCall, AppError> {
    let mut errors = Vec::new();
    let mut text = |field: &str, value: &LocalizedText, max: usize| {
        if let Err(message) = value.check(max) {
            errors.push(FieldError::new(field, "localized_text", message));
        }
    };
    text("title", &entered.title, 200);
    text("announcement", &entered.announcement, 20_000);
    for (i, criterion) in entered.criteria.iter().enumerate() {
        text(&format!("criteria[{i}]"), criterion, 1_000);
    }
    if entered.criteria.len() > 20 {
        errors.push(FieldError::new("criteria", "length", "at most 20 criteria"));
    }

    let zone = call::parse_time_zone(&entered.time_zone);
    if zone.is_none() {
        errors.push(FieldError::new(
            "time_zone",
            "time_zone",
            format!(
                "`{}` is not an IANA time zone such as Europe/Helsinki",
                entered.time_zone
            ),
        ));
    }
    let zone = zone.unwrap_or(chrono_tz::Europe::Helsinki);
    let mut instant = |field: &str, value: &str| match call::parse_instant(value, zone) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(FieldError::new(field, "instant", e.to_string()));
            None
        }
    };
    let opens_at = instant("opens_at", &entered.opens_at);
    let closes_at = instant("closes_at", &entered.closes_at);
    if let (Some(opens), Some(closes)) = (opens_at, closes_at)
        && closes <= opens
    {
        errors.push(FieldError::new(
            "closes_at",
            "order",
            "must be after opens_at",
        ));
    }
    for (field, date) in [
        ("term_start", entered.term_start),
        ("term_end", entered.term_end),
    ] {
        if !call::is_plausible_date(date) {
            errors.push(FieldError::new(
                field,
                "range",
                format!(
                    "must be between {} and {}",
                    call::EARLIEST.format("%Y-%m-%d"),
                    call::LATEST.format("%Y-%m-%d")
                ),
            ));
        }
    }
    if entered.term_end <= entered.term_start {
        errors.push(FieldError::new(
            "term_end",
            "order",
            "must be after term_start",
        ));
    }

    if entered.contacts.is_empty() || entered.contacts.len() > 10 {
        errors.push(FieldError::new(
            "contacts",
            "length",
            "give 1 to 10 contacts",
        ));
    }
    for (i, contact) in entered.contacts.iter().enumerate() {
        let name_len = contact.name.trim().chars().count();
        if name_len == 0 || name_len > 200 {
            errors.push(FieldError::new(
                format!("contacts[{i}].name"),
                "length",
                "must have 1 to 200 characters",
            ));
        }
        if email_address(&contact.email).is_err() {
            errors.push(FieldError::new(
                format!("contacts[{i}].email"),
                "email",
                "is not a valid email address",
            ));
        }
        if contact.phone.as_deref().is_some_and(|p| !is_phone(p)) {
            errors.push(FieldError::new(
                format!("contacts[{i}].phone"),
                "phone",
                "is not a phone number",
            ));
        }
    }
    if entered.themes.is_empty() {
        errors.push(FieldError::new(
            "themes",
            "length",
            "name at least one theme",
        ));
    }
    if let Some(i) = first_duplicate(&entered.themes, |t| *t) {
        errors.push(FieldError::new(
            format!("themes[{i}]"),
            "unique",
            format!("{} is listed twice", entered.themes[i].code()),
        ));
    }
    match (opens_at, closes_at) {
        (Some(opens_at), Some(closes_at)) if errors.is_empty() => Ok(CheckedCall {
            title: entered.title.normalized(),
            announcement: entered.announcement.normalized(),
            criteria: entered
                .criteria
                .into_iter()
                .map(LocalizedText::normalized)
                .collect(),
            window: Window {
                opens_at,
                closes_at,
            },
            time_zone: zone,
            term_start: entered.term_start,
            term_end: entered.term_end,
            contacts: entered.contacts,
            themes: entered.themes,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Themes of the council's seat plan, in catalogue order.
pub fn planned_themes(conn: &mut DbConn, council: &CouncilId) -> Result<Vec<ThemeArea>, AppError> {
    let mut themes: Vec<ThemeArea> = seats::of_council(conn, council)?
        .into_iter()
        .map(|s| s.theme)
        .collect();
    themes.dedup();
    Ok(themes)
}

/// What a call seeks by default: the themes of the seat plan that have a vacant seat (a follow-up
/// call seeks only what an earlier one left empty). With every seat filled there is nothing to
/// default to.
fn default_themes(conn: &mut DbConn, council: &CouncilId) -> Result<Vec<ThemeArea>, AppError> {
    let mut themes: Vec<ThemeArea> = seats::of_council(conn, council)?
        .into_iter()
        .filter(|s| s.holder.is_none())
        .map(|s| s.theme)
        .collect();
    themes.dedup();
    if themes.is_empty() {
        return Err(AppError::invalid(
            "themes",
            "no_vacant_seat",
            "every seat of the council is filled; name the themes the call seeks",
        ));
    }
    Ok(themes)
}

/// A call needs a council with seats.
fn require_seat_plan(planned: &[ThemeArea]) -> Result<(), AppError> {
    if planned.is_empty() {
        return Err(AppError::invalid(
            "themes",
            "no_seat_plan",
            "the council has no seats yet; set its seat plan (PUT /councils/{id}/seat-plan) first",
        ));
    }
    Ok(())
}

/// A call seeks applicants only for themes that have seats.
fn check_themes_planned(themes: &[ThemeArea], planned: &[ThemeArea]) -> Result<(), AppError> {
    let errors: Vec<FieldError> = themes
        .iter()
        .enumerate()
        .filter(|(_, t)| !planned.contains(t))
        .map(|(i, t)| {
            FieldError::new(
                format!("themes[{i}]"),
                "not_in_seat_plan",
                format!("the council has no seats for {}", t.code()),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// What the audit log keeps of a call: everything a correction or a cancellation can change, so
/// that the log shows what a published call said before and after.
fn audited(call: &Call) -> Option<serde_json::Value> {
    audit::snapshot(&serde_json::json!({
        "phase": call.phase.as_str(),
        "title": call.title,
        "announcement": call.announcement,
        "criteria": call.criteria,
        "contacts": call.contacts,
        "opens_at": call::format_utc(call.window.opens_at),
        "closes_at": call::format_utc(call.window.closes_at),
        "time_zone": call.time_zone.name(),
        "term_start": call.term_start,
        "term_end": call.term_end,
        "themes": call.themes,
        "cancellation": call.cancellation,
    }))
}

fn record(
    conn: &mut DbConn,
    staff: &Staff,
    action: &str,
    before: Option<&Call>,
    after: &Call,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        audit::Change {
            call_id: Some(&after.id),
            actor: &staff.actor(),
            action,
            entity: "call",
            entity_id: after.id.as_str(),
            before: before.and_then(audited),
            after: audited(after),
        },
        now,
    )
}

fn illegal(e: call::IllegalTransition) -> AppError {
    AppError::Conflict(e.to_string())
}

/// Creates a draft call for the council (an admin, or a secretary of the council).
pub async fn create(
    round: &Round,
    staff: Staff,
    council_id: CouncilId,
    body: CreateCall,
    once: Once,
) -> Result<Created<Call>, AppError> {
    staff.require_manager(&council_id)?;
    let now = round.now();
    round
        .db
        .write(move |conn| {
            idempotency::once(conn, &once, now, |conn| {
                create_in(conn, &staff, &council_id, body, now)
            })
        })
        .await
}

fn default_criteria_of(
    conn: &mut DbConn,
    council: &councils::Council,
) -> Result<Vec<LocalizedText>, AppError> {
    let mut names = reference::list_municipalities(conn, None)?
        .into_iter()
        .filter(|m| council.municipality_codes.contains(&m.code))
        .collect::<Vec<_>>();
    names.sort_by(|a, b| a.name.fi.cmp(&b.name.fi));
    let join = |f: fn(&reference::Municipality) -> &str| {
        names.iter().map(f).collect::<Vec<_>>().join(", ")
    };
    Ok(default_criteria(
        &join(|m| &m.name.fi),
        &join(|m| m.name.sv.as_deref().unwrap_or(&m.name.fi)),
        &join(|m| m.name.en.as_deref().unwrap_or(&m.name.fi)),
    ))
}

fn create_in(
    conn: &mut DbConn,
    staff: &Staff,
    council_id: &CouncilId,
    body: CreateCall,
    now: DateTime<Utc>,
) -> Result<Call, AppError> {
    let council = councils::get(conn, council_id)?;
    let planned = planned_themes(conn, council_id)?;
    require_seat_plan(&planned)?;
    let criteria = match body.criteria {
        Some(criteria) => criteria,
        None => default_criteria_of(conn, &council)?,
    };
    let checked = check_fields(EnteredCall {
        title: body.title,
        announcement: body.announcement,
        criteria,
        opens_at: body.opens_at,
        closes_at: body.closes_at,
        time_zone: body
            .time_zone
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned()),
        term_start: body.term_start,
        term_end: body.term_end,
        contacts: body.contacts,
        themes: match body.themes {
            Some(themes) => themes,
            None => default_themes(conn, council_id)?,
        },
    })?;
    check_themes_planned(&checked.themes, &planned)?;
    let call = Call {
        id: CallId::new(),
        council_id: council.id,
        phase: CallPhase::Draft,
        title: checked.title,
        announcement: checked.announcement,
        criteria: checked.criteria,
        contacts: checked.contacts,
        themes: checked.themes,
        window: checked.window,
        time_zone: checked.time_zone,
        term_start: checked.term_start,
        term_end: checked.term_end,
        published_at: None,
        review_started_at: None,
        decided_at: None,
        created_by: Some(staff.id().clone()),
        created_at: now,
        updated_at: now,
        corrected_at: None,
        cancellation: None,
    };
    store::insert(conn, &call)?;
    record(conn, staff, "call.created", None, &call, now)?;
    Ok(call)
}

/// Calls, newest first. Published calls are public; drafts are listed for those who manage the
/// council.
pub async fn list(
    round: &Round,
    caller: Option<Staff>,
    status: Option<CallStatus>,
    council_id: Option<CouncilId>,
    page: PageRequest,
) -> Result<Page<Call>, AppError> {
    let drafts = match caller.as_ref().map(Staff::scope) {
        Some(scope) if scope.is_admin() => Drafts::All,
        Some(scope) if scope.role == Role::Secretary => Drafts::OfCouncils(scope.councils),
        _ => Drafts::None,
    };
    let filter = store::ListFilter {
        status,
        council_id,
        drafts,
    };
    let now = round.now();
    round
        .db
        .run(move |conn| store::list(conn, &filter, &page, now))
        .await
}

/// One call: public once published; a draft only for those who manage its council.
pub async fn get(round: &Round, caller: Option<Staff>, id: CallId) -> Result<Call, AppError> {
    round
        .db
        .run(move |conn| Ok(access::call(conn, &id, caller.as_ref())?.call))
        .await
}

/// Edits a draft. Once published, and until the decision, it corrects the call's texts (title,
/// announcement, criteria, contacts); moves `opens_at` while the call is scheduled; and moves
/// `closes_at` later while it is scheduled or open. Anything else is 409; every change is
/// audited.
pub async fn update(
    round: &Round,
    staff: Staff,
    id: CallId,
    patch: UpdateCall,
) -> Result<Call, AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            let call = access::call_for_change(conn, &id, Some(&staff))?.managed()?;
            let before = call.clone();
            let status = call.status(now);
            let (updated, action) = if status == CallStatus::Draft {
                call::transition(status, CallAction::Edit).map_err(illegal)?;
                (edit_draft(conn, call, patch, now)?, "call.edited")
            } else {
                match correct_published(call, patch, status, now)? {
                    Some(change) => change,
                    None => return Ok(before),
                }
            };
            record(conn, &staff, action, Some(&before), &updated, now)?;
            if !store::update(conn, &updated, updated.phase)? {
                return Err(AppError::Conflict(
                    "the call changed meanwhile; read it again".into(),
                ));
            }
            Ok(updated)
        })
        .await
}

/// The call's fields with the patch's in their place, as entered.
fn merged(call: &Call, patch: UpdateCall) -> EnteredCall {
    EnteredCall {
        title: patch.title.unwrap_or_else(|| call.title.clone()),
        announcement: patch
            .announcement
            .unwrap_or_else(|| call.announcement.clone()),
        criteria: patch.criteria.unwrap_or_else(|| call.criteria.clone()),
        opens_at: patch
            .opens_at
            .unwrap_or_else(|| call::format_utc(call.window.opens_at)),
        closes_at: patch
            .closes_at
            .unwrap_or_else(|| call::format_utc(call.window.closes_at)),
        time_zone: patch
            .time_zone
            .unwrap_or_else(|| call.time_zone.name().to_owned()),
        term_start: patch.term_start.unwrap_or(call.term_start),
        term_end: patch.term_end.unwrap_or(call.term_end),
        contacts: patch.contacts.unwrap_or_else(|| call.contacts.clone()),
        themes: patch.themes.unwrap_or_else(|| call.themes.clone()),
    }
}

fn edit_draft(
    conn: &mut DbConn,
    call: Call,
    patch: UpdateCall,
    now: DateTime<Utc>,
) -> Result<Call, AppError> {
    let planned = planned_themes(conn, &call.council_id)?;
    let themes_changed = patch.themes.is_some();
    let checked = check_fields(merged(&call, patch))?;
    if themes_changed {
        check_themes_planned(&checked.themes, &planned)?;
    }
    Ok(Call {
        title: checked.title,
        announcement: checked.announcement,
        criteria: checked.criteria,
        window: checked.window,
        time_zone: checked.time_zone,
        term_start: checked.term_start,
        term_end: checked.term_end,
        contacts: checked.contacts,
        themes: checked.themes,
        updated_at: now,
        ..call
    })
}

/// A published call's correction, and the audit action that names it; `None` for an empty patch.
/// What applicants planned by (the time zone, the term, the themes sought) stays: a call whose
/// terms were wrong is cancelled and announced again.
fn correct_published(
    call: Call,
    patch: UpdateCall,
    status: CallStatus,
    now: DateTime<Utc>,
) -> Result<Option<(Call, &'static str)>, AppError> {
    let fixed: Vec<&str> = [
        ("time_zone", patch.time_zone.is_some()),
        ("term_start", patch.term_start.is_some()),
        ("term_end", patch.term_end.is_some()),
        ("themes", patch.themes.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, given)| given.then_some(field))
    .collect();
    if !fixed.is_empty() {
        return Err(AppError::Conflict(format!(
            "the call is {status}; once published, {} can no longer change (cancel the call and \
             announce a new one instead)",
            fixed.join(", ")
        )));
    }
    let texts = patch.title.is_some()
        || patch.announcement.is_some()
        || patch.criteria.is_some()
        || patch.contacts.is_some();
    let actions: Vec<CallAction> = [
        (CallAction::Correct, texts),
        (CallAction::MoveOpening, patch.opens_at.is_some()),
        (CallAction::ExtendDeadline, patch.closes_at.is_some()),
    ]
    .into_iter()
    .filter_map(|(action, asked)| asked.then_some(action))
    .collect();
    if actions.is_empty() {
        return Ok(None);
    }
    for &action in &actions {
        call::transition(status, action).map_err(illegal)?;
    }
    let extends = patch.closes_at.is_some();
    let checked = check_fields(merged(&call, patch))?;
    if extends && checked.window.closes_at <= call.window.closes_at {
        return Err(AppError::Conflict(format!(
            "a published call's deadline can only be extended; closes_at must be later than {}",
            call::format_utc(call.window.closes_at)
        )));
    }
    let corrected = actions != [CallAction::ExtendDeadline];
    let action = if corrected {
        "call.corrected"
    } else {
        "call.deadline_extended"
    };
    Ok(Some((
        Call {
            title: checked.title,
            announcement: checked.announcement,
            criteria: checked.criteria,
            contacts: checked.contacts,
            window: checked.window,
            corrected_at: if corrected {
                Some(now)
            } else {
                call.corrected_at
            },
            updated_at: now,
            ..call
        },
        action,
    )))
}

/// Cancels a call not yet decided (an admin, or a secretary of its council): it takes no more
/// applications, the public sees the reason on its page, and every applicant is told by email,
/// in the same transaction. Returns the call and the number of messages queued.
pub async fn cancel(
    round: &Round,
    staff: Staff,
    id: CallId,
    body: CancelCall,
) -> Result<(Call, usize), AppError> {
    let reason = check_reason(body.reason)?;
    let now = round.now();
    let (templates, config) = (round.templates.clone(), round.config.clone());
    let (call, queued) = round
        .db
        .write(move |conn| {
            // The council's rows first, as a decision takes them: a cancellation and a decision
            // of the same call take turns, and the later one sees the other's result.
            let unlocked = access::call_for_change(conn, &id, Some(&staff))?.managed()?;
            access::lock_council_of(conn, &unlocked)?;
            let call = access::call_for_change(conn, &id, Some(&staff))?.managed()?;
            let phase = call::transition(call.status(now), CallAction::Cancel).map_err(illegal)?;
            let before = call.clone();
            let cancelled = Call {
                cancellation: Some(Cancellation { at: now, reason }),
                updated_at: now,
                ..call
            };
            if !store::update(conn, &cancelled, phase)? {
                return Err(AppError::Conflict(
                    "the call changed meanwhile; read it again".into(),
                ));
            }
            record(
                conn,
                &staff,
                "call.cancelled",
                Some(&before),
                &cancelled,
                now,
            )?;
            let queued = messages::queue_cancellation(conn, &templates, &config, &cancelled, now)?;
            Ok((cancelled, queued))
        })
        .await?;
    tracing::info!(call_id = %call.id, messages = queued, "call cancelled");
    Ok((call, queued))
}

fn check_reason(reason: LocalizedText) -> Result<LocalizedText, AppError> {
    reason
        .check(2_000)
        .map_err(|message| AppError::invalid("reason", "localized_text", message))?;
    Ok(reason.normalized())
}

/// Publishes a draft. It becomes `scheduled`, then `open` at `opens_at` and `closed` at
/// `closes_at`, by the server's clock.
pub async fn publish(round: &Round, staff: Staff, id: CallId) -> Result<Call, AppError> {
    let now = round.now();
    let call = round
        .db
        .write(move |conn| {
            let call = access::call_for_change(conn, &id, Some(&staff))?.managed()?;
            let phase =
                call::transition(call.status(now), CallAction::Publish).map_err(illegal)?;
            if call.window.closes_at <= now {
                return Err(AppError::Conflict(
                    "closes_at has already passed; set a later closes_at before publishing".into(),
                ));
            }
            let planned = planned_themes(conn, &call.council_id)?;
            if check_themes_planned(&call.themes, &planned).is_err() {
                return Err(AppError::Conflict(
                    "some of the call's themes no longer have seats; edit the themes or the seat plan".into(),
                ));
            }
            let before = call.clone();
            let published = Call {
                phase,
                published_at: Some(now),
                updated_at: now,
                ..call
            };
            if !store::update(conn, &published, CallPhase::Draft)? {
                return Err(AppError::Conflict(
                    "the call was published meanwhile".into(),
                ));
            }
            record(conn, &staff, "call.published", Some(&before), &published, now)?;
            Ok(published)
        })
        .await?;
    tracing::info!(call_id = %call.id, "call published");
    Ok(call)
}

/// Moves a closed call to review (an admin, or a secretary of the council); 409 before
/// `closes_at`.
pub async fn start_review(round: &Round, staff: Staff, id: CallId) -> Result<Call, AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            let call = access::call_for_change(conn, &id, Some(&staff))?.managed()?;
            let phase =
                call::transition(call.status(now), CallAction::StartReview).map_err(illegal)?;
            let before = call.clone();
            let reviewing = Call {
                phase,
                review_started_at: Some(now),
                updated_at: now,
                ..call
            };
            if !store::update(conn, &reviewing, CallPhase::Published)? {
                return Err(AppError::Conflict(
                    "the call changed meanwhile; read it again".into(),
                ));
            }
            record(
                conn,
                &staff,
                "call.review_started",
                Some(&before),
                &reviewing,
                now,
            )?;
            Ok(reviewing)
        })
        .await
}

/// What the front page lists: the open and upcoming calls of every council, with their councils,
/// those closing first first.
pub async fn open_and_upcoming(round: &Round) -> Result<Vec<(Call, councils::Council)>, AppError> {
    let now = round.now();
    round
        .db
        .run(move |conn| {
            let page = PageRequest {
                limit: 500,
                after: None,
            };
            let mut calls = Vec::new();
            for status in [CallStatus::Open, CallStatus::Scheduled] {
                let filter = store::ListFilter {
                    status: Some(status),
                    council_id: None,
                    drafts: Drafts::None,
                };
                calls.extend(store::list(conn, &filter, &page, now)?.items);
            }
            calls.sort_by_key(|c| (c.window.opens_at > now, c.window.closes_at));
            let ids: Vec<CouncilId> = calls.iter().map(|c| c.council_id.clone()).collect();
            let councils = councils::find_many(conn, &ids)?;
            Ok(calls
                .into_iter()
                .filter_map(|call| {
                    let council = councils.iter().find(|c| c.id == call.council_id)?.clone();
                    Some((call, council))
                })
                .collect())
        })
        .await
}

/// Seats a call seeks for one theme: its council's vacant seats of the theme.
#[derive(Debug, Clone)]
pub struct SoughtSeats {
    pub theme: ThemeArea,
    pub representatives: u32,
    pub deputies: u32,
}

/// A decision as the call's page shows it.
pub struct DecisionNote {
    pub meeting_reference: String,
    /// The special reason and measures, when the composition breaks the Equality Act's balance.
    pub quota_exception: Option<super::decision::QuotaException>,
}

/// A call as its announcement (hakutiedote) shows it.
pub struct Announcement {
    pub call: Call,
    pub council: councils::Council,
    pub seats: Vec<SoughtSeats>,
    pub notice: reference::PrivacyNotice,
    /// Once decided.
    pub decision: Option<DecisionNote>,
}

/// The announcement of a published call (public; a draft is not found).
pub async fn announcement(round: &Round, id: CallId) -> Result<Announcement, AppError> {
    round
        .db
        .run(move |conn| {
            let call = access::call(conn, &id, None)?.call;
            let council = councils::get(conn, &call.council_id)?;
            let vacant: Vec<seats::Seat> = seats::of_council(conn, &call.council_id)?
                .into_iter()
                .filter(|s| s.holder.is_none())
                .collect();
            let seats = call
                .themes
                .iter()
                .map(|&theme| {
                    let count = |role| {
                        vacant
                            .iter()
                            .filter(|s| s.theme == theme && s.role == role)
                            .count() as u32
                    };
                    SoughtSeats {
                        theme,
                        representatives: count(crate::domain::seat_plan::SeatRole::Representative),
                        deputies: count(crate::domain::seat_plan::SeatRole::Deputy),
                    }
                })
                .collect();
            let notice = reference::current_privacy_notice(conn)?;
            let decision = decision_note(conn, &call.id)?;
            Ok(Announcement {
                call,
                council,
                seats,
                notice,
                decision,
            })
        })
        .await
}

/// The call's decision as the public and the exports state it: the meeting reference and, when
/// given, the special reason; `None` before the decision.
pub fn decision_note(conn: &mut DbConn, call: &CallId) -> Result<Option<DecisionNote>, AppError> {
    crate::store::selection::decision_note(conn, call)?
        .map(|(meeting_reference, quota)| {
            Ok(DecisionNote {
                meeting_reference,
                quota_exception: quota
                    .as_deref()
                    .map(crate::db::from_json_text)
                    .transpose()?,
            })
        })
        .transpose()
}
