//! The life of an open call: its stored phase, the status a reader sees (which also depends on the
//! clock), the actions taken on it, and the one table that says which action is legal when.
//! Deadlines are instants exact to the second; people enter them as wall-clock times in the call's
//! time zone.

use std::fmt;

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::localized::LocalizedText;

/// Whom applicants contact about the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[schema(example = "Maija Meikäläinen", min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(example = "maija@example.org", format = "email", max_length = 254)]
    pub email: String,
    /// 5 to 15 digits; spaces, `+`, `-` and parentheses allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "+358401234567", pattern = "^[0-9 +()-]{5,40}$")]
    pub phone: Option<String>,
}

/// What is stored. `Published` becomes scheduled, open or closed by the clock alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    Draft,
    Published,
    Reviewing,
    Decided,
}

impl CallPhase {
    pub fn is_draft(self) -> bool {
        self == Self::Draft
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Reviewing => "reviewing",
            Self::Decided => "decided",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::Published, Self::Reviewing, Self::Decided]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// What readers see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// Being prepared; visible to staff only.
    Draft,
    /// Published; applications are accepted from `opens_at`.
    Scheduled,
    /// Accepting applications: `opens_at <= now < closes_at`.
    Open,
    /// `closes_at` has passed; waiting for the review to start.
    Closed,
    /// The committee is scoring applications.
    Reviewing,
    /// Seats have been filled.
    Decided,
    /// Called off before a decision, with a reason the public sees; takes no applications.
    Cancelled,
}

impl CallStatus {
    pub const ALL: [CallStatus; 7] = [
        Self::Draft,
        Self::Scheduled,
        Self::Open,
        Self::Closed,
        Self::Reviewing,
        Self::Decided,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Reviewing => "reviewing",
            Self::Decided => "decided",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn is_public(self) -> bool {
        self != Self::Draft
    }
}

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why and when a call was called off. The public sees the reason on the call page; every
/// applicant is told by email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cancellation {
    pub at: DateTime<Utc>,
    pub reason: LocalizedText,
}

/// The application window: open from `opens_at` (inclusive) until `closes_at` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// The status a reader sees. A cancellation is kept beside the phase the call had reached (so
/// that a cancelled draft stays as private as a draft), and overrides it.
pub fn status(phase: CallPhase, window: Window, cancelled: bool, now: DateTime<Utc>) -> CallStatus {
    match phase {
        _ if cancelled => CallStatus::Cancelled,
        CallPhase::Draft => CallStatus::Draft,
        CallPhase::Published if now < window.opens_at => CallStatus::Scheduled,
        CallPhase::Published if now < window.closes_at => CallStatus::Open,
        CallPhase::Published => CallStatus::Closed,
        CallPhase::Reviewing => CallStatus::Reviewing,
        CallPhase::Decided => CallStatus::Decided,
    }
}

/// Everything that can be done to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallAction {
    /// Change any field of a draft.
    Edit,
    /// Correct a published call's texts (title, announcement, criteria, contacts).
    Correct,
    /// Move `opens_at` of a published call that has not opened yet.
    MoveOpening,
    /// Move `closes_at` later after publication.
    ExtendDeadline,
    Publish,
    /// Accept, change or withdraw an application.
    Apply,
    StartReview,
    Decide,
    /// Call off a call not yet decided.
    Cancel,
}

impl CallAction {
    pub const ALL: [CallAction; 9] = [
        Self::Edit,
        Self::Correct,
        Self::MoveOpening,
        Self::ExtendDeadline,
        Self::Publish,
        Self::Apply,
        Self::StartReview,
        Self::Decide,
        Self::Cancel,
    ];

    fn verb(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Correct => "correct",
            Self::MoveOpening => "move the opening of",
            Self::ExtendDeadline => "extend the deadline of",
            Self::Publish => "publish",
            Self::Apply => "apply to",
            Self::StartReview => "start the review of",
            Self::Decide => "decide",
            Self::Cancel => "cancel",
        }
    }
}

/// Why an action is refused (an HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    pub status: CallStatus,
    pub action: CallAction,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} a call that is {}",
            self.action.verb(),
            self.status
        )?;
        let hint = match (self.action, self.status) {
            (CallAction::Edit, _) => {
                "; once published, only its texts (title, announcement, criteria, contacts), \
                 opens_at before the call opens and a later closes_at can change"
            }
            (CallAction::Correct, CallStatus::Draft) => "; a draft is edited as a whole",
            (CallAction::MoveOpening, CallStatus::Open | CallStatus::Closed) => {
                "; the call has already opened"
            }
            (CallAction::Cancel, CallStatus::Decided) => {
                "; a decided composition is changed by vacating seats"
            }
            (CallAction::Apply, CallStatus::Scheduled) => "; applications open at opens_at",
            (CallAction::Apply, _) => "; applications are accepted from opens_at until closes_at",
            (CallAction::StartReview, CallStatus::Scheduled | CallStatus::Open) => {
                "; the review starts after closes_at"
            }
            (
                CallAction::ExtendDeadline,
                CallStatus::Closed | CallStatus::Reviewing | CallStatus::Decided,
            ) => "; the deadline has already passed",
            (CallAction::Decide, _) => "; a decision is made while the call is reviewing",
            _ => "",
        };
        f.write_str(hint)
    }
}

impl std::error::Error for IllegalTransition {}

/// The state machine: given the status now, is `action` legal, and which phase follows?
pub fn transition(status: CallStatus, action: CallAction) -> Result<CallPhase, IllegalTransition> {
    use CallAction as A;
    use CallStatus as S;
    let next = match (status, action) {
        (S::Draft, A::Edit) => CallPhase::Draft,
        (S::Draft, A::Publish) => CallPhase::Published,
        (S::Scheduled | S::Open | S::Closed, A::Correct) => CallPhase::Published,
        (S::Reviewing, A::Correct) => CallPhase::Reviewing,
        (S::Scheduled, A::MoveOpening) => CallPhase::Published,
        (S::Scheduled | S::Open, A::ExtendDeadline) => CallPhase::Published,
        (S::Open, A::Apply) => CallPhase::Published,
        (S::Closed, A::StartReview) => CallPhase::Reviewing,
        (S::Reviewing, A::Decide) => CallPhase::Decided,
        // A cancellation keeps the phase the call had reached.
        (S::Draft, A::Cancel) => CallPhase::Draft,
        (S::Scheduled | S::Open | S::Closed, A::Cancel) => CallPhase::Published,
        (S::Reviewing, A::Cancel) => CallPhase::Reviewing,
        _ => return Err(IllegalTransition { status, action }),
    };
    Ok(next)
}

/// Why an entered instant is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstantError {
    Unparseable,
    /// Outside the years the service plans for (2000 to 2100).
    OutOfRange,
    FractionalSeconds,
    /// The wall-clock time is skipped when clocks go forward.
    Nonexistent {
        zone: String,
    },
    /// The wall-clock time happens twice when clocks go back.
    Ambiguous {
        zone: String,
        earlier: String,
        later: String,
    },
}

impl fmt::Display for InstantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unparseable => f.write_str(
                "must be an RFC 3339 instant (2027-05-31T13:00:00Z, 2027-05-31T16:00:00+03:00) \
                 or a local time in the call's time zone (2027-05-31T16:00:00)",
            ),
            Self::OutOfRange => write!(
                f,
                "must be between {} and {}",
                EARLIEST.format("%Y-%m-%d"),
                LATEST.format("%Y-%m-%d")
            ),
            Self::FractionalSeconds => {
                f.write_str("deadlines are exact to the second; drop the fraction")
            }
            Self::Nonexistent { zone } => write!(
                f,
                "this local time does not exist in {zone} (clocks go forward that night); pick another time"
            ),
            Self::Ambiguous {
                zone,
                earlier,
                later,
            } => write!(
                f,
                "this local time happens twice in {zone} (clocks go back that night): \
                 give the offset, {earlier} or {later}"
            ),
        }
    }
}

/// Reads an instant entered either with an explicit offset (`Z`, `+03:00`) or as a wall-clock time
/// (`2027-03-28T12:00:00`, seconds optional) in `zone`. Daylight-saving changes are handled by the
/// zone's rules; a wall-clock time that does not exist or exists twice is refused rather than
/// guessed, because a deadline off by an hour is worse than a question.
pub fn parse_instant(text: &str, zone: Tz) -> Result<DateTime<Utc>, InstantError> {
    let text = text.trim();
    let instant = if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        with_offset.with_timezone(&Utc)
    } else {
        let local = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or(InstantError::Unparseable)?;
        match zone.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::None => {
                return Err(InstantError::Nonexistent {
                    zone: zone.name().to_owned(),
                });
            }
            LocalResult::Ambiguous(a, b) => {
                return Err(InstantError::Ambiguous {
                    zone: zone.name().to_owned(),
                    earlier: a.to_rfc3339_opts(SecondsFormat::Secs, false),
                    later: b.to_rfc3339_opts(SecondsFormat::Secs, false),
                });
            }
        }
    };
    if instant.nanosecond() != 0 {
        return Err(InstantError::FractionalSeconds);
    }
    if !is_plausible_date(instant.date_naive()) {
        return Err(InstantError::OutOfRange);
    }
    Ok(instant)
}

/// The first and last day the service accepts in a date or an instant: a year such as 9999 is a
/// typing error, and far dates only make the arithmetic of deadlines and terms fragile.
pub const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
pub const LATEST: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a valid date");

/// Whether a date lies in the years 2000 to 2100.
pub fn is_plausible_date(date: NaiveDate) -> bool {
    (EARLIEST..=LATEST).contains(&date)
}

pub fn parse_time_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// `2027-05-31T13:00:00Z`
pub fn format_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `2027-05-31T16:00:00+03:00`, the same instant on the call's wall clock.
pub fn format_local(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    const HELSINKI: Tz = chrono_tz::Europe::Helsinki;

    #[test]
    fn status_follows_the_clock_to_the_second() {
        let window = Window {
            opens_at: utc("2027-05-01T09:00:00Z"),
            closes_at: utc("2027-05-31T13:00:00Z"),
        };
        let at = |t: DateTime<Utc>| status(CallPhase::Published, window, false, t);
        assert_eq!(
            at(window.opens_at - Duration::seconds(1)),
            CallStatus::Scheduled
        );
        assert_eq!(at(window.opens_at), CallStatus::Open);
        assert_eq!(
            at(window.closes_at - Duration::seconds(1)),
            CallStatus::Open
        );
        assert_eq!(
            at(window.closes_at - Duration::microseconds(1)),
            CallStatus::Open
        );
        assert_eq!(at(window.closes_at), CallStatus::Closed);
        assert_eq!(
            at(window.closes_at + Duration::seconds(1)),
            CallStatus::Closed
        );
        assert_eq!(
            status(CallPhase::Draft, window, false, window.closes_at),
            CallStatus::Draft
        );
        assert_eq!(
            status(CallPhase::Reviewing, window, false, window.opens_at),
            CallStatus::Reviewing
        );
        for phase in [CallPhase::Draft, CallPhase::Published, CallPhase::Reviewing] {
            assert_eq!(
                status(phase, window, true, window.opens_at),
                CallStatus::Cancelled
            );
        }
    }

    #[test]
    fn every_status_and_action_pair_is_decided_by_the_table() {
        use CallAction as A;
        use CallStatus as S;
        let legal = [
            (S::Draft, A::Edit),
            (S::Draft, A::Publish),
            (S::Scheduled, A::ExtendDeadline),
            (S::Open, A::ExtendDeadline),
            (S::Open, A::Apply),
            (S::Closed, A::StartReview),
            (S::Reviewing, A::Decide),
            (S::Scheduled, A::Correct),
            (S::Open, A::Correct),
            (S::Closed, A::Correct),
            (S::Reviewing, A::Correct),
            (S::Scheduled, A::MoveOpening),
            (S::Draft, A::Cancel),
            (S::Scheduled, A::Cancel),
            (S::Open, A::Cancel),
            (S::Closed, A::Cancel),
            (S::Reviewing, A::Cancel),
        ];
        for status in CallStatus::ALL {
            for action in CallAction::ALL {
                let result = transition(status, action);
                assert_eq!(
                    result.is_ok(),
                    legal.contains(&(status, action)),
                    "{status:?} {action:?}"
                );
            }
        }
        assert_eq!(
            transition(S::Closed, A::StartReview),
            Ok(CallPhase::Reviewing)
        );
        assert_eq!(transition(S::Reviewing, A::Decide), Ok(CallPhase::Decided));
        // Nothing at all happens to a cancelled call.
        assert!(
            CallAction::ALL
                .iter()
                .all(|&a| transition(S::Cancelled, a).is_err())
        );
        assert_eq!(
            transition(S::Reviewing, A::Cancel),
            Ok(CallPhase::Reviewing)
        );
    }

    #[test]
    fn refusals_explain_themselves() {
        let err = transition(CallStatus::Open, CallAction::StartReview).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot start the review of a call that is open; the review starts after closes_at"
        );
        let err = transition(CallStatus::Decided, CallAction::Publish).unwrap_err();
        assert_eq!(err.to_string(), "cannot publish a call that is decided");
    }

    #[test]
    fn instants_with_an_offset_are_exact() {
        assert_eq!(
            parse_instant("2027-05-31T13:00:00Z", HELSINKI).unwrap(),
            utc("2027-05-31T13:00:00Z")
        );
        assert_eq!(
            parse_instant("2027-05-31T16:00:00+03:00", HELSINKI).unwrap(),
            utc("2027-05-31T13:00:00Z")
        );
        assert_eq!(
            parse_instant("2027-05-31T13:00:00.000Z", HELSINKI).unwrap(),
            utc("2027-05-31T13:00:00Z")
        );
        assert_eq!(
            parse_instant("2027-05-31T13:00:00.5Z", HELSINKI),
            Err(InstantError::FractionalSeconds)
        );
        assert_eq!(
            parse_instant("31.5.2027 16:00", HELSINKI),
            Err(InstantError::Unparseable)
        );
    }

    #[test]
    fn local_times_follow_helsinki_summer_and_winter_time() {
        // EET (+02:00) in winter, EEST (+03:00) in summer.
        assert_eq!(
            parse_instant("2027-01-15T16:00:00", HELSINKI).unwrap(),
            utc("2027-01-15T14:00:00Z")
        );
        assert_eq!(
            parse_instant("2027-05-31T16:00", HELSINKI).unwrap(),
            utc("2027-05-31T13:00:00Z")
        );
        // 28 March 2027: clocks go from 03:00 to 04:00.
        assert_eq!(
            parse_instant("2027-03-28T02:59:59", HELSINKI).unwrap(),
            utc("2027-03-28T00:59:59Z")
        );
        assert_eq!(
            parse_instant("2027-03-28T04:00:00", HELSINKI).unwrap(),
            utc("2027-03-28T01:00:00Z")
        );
        assert!(matches!(
            parse_instant("2027-03-28T03:30:00", HELSINKI),
            Err(InstantError::Nonexistent { .. })
        ));
        // 31 October 2027: clocks go from 04:00 back to 03:00.
        let ambiguous = parse_instant("2027-10-31T03:30:00", HELSINKI).unwrap_err();
        assert_eq!(
            ambiguous,
            InstantError::Ambiguous {
                zone: "Europe/Helsinki".into(),
                earlier: "2027-10-31T03:30:00+03:00".into(),
                later: "2027-10-31T03:30:00+02:00".into(),
            }
        );
        assert_eq!(
            parse_instant("2027-10-31T23:59:59", HELSINKI).unwrap(),
            utc("2027-10-31T21:59:59Z")
        );
    }

    #[test]
    fn formatting() {
        let t = utc("2027-05-31T13:00:00Z");
        assert_eq!(format_utc(t), "2027-05-31T13:00:00Z");
        assert_eq!(format_local(t, HELSINKI), "2027-05-31T16:00:00+03:00");
        assert!(parse_time_zone("Europe/Stockholm").is_some());
        assert!(parse_time_zone("Europe/Joensuu").is_none());
    }
}
