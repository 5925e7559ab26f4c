//! The decision: the seats are filled from a selection run (and the meeting's overrides, each
//! checked against the same rules and reported if it breaks one), the next best applicants of
//! each theme go on the reserve list, the call becomes `decided`, and every applicant's outcome
//! message and the founding-meeting invitations are queued, all in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, Staff};
use super::messages::{FoundingMeeting, OutcomeContext, queue_outcome, respond_by};
use super::review::RankedApplication;
use super::selection::explain::{breach_detail, name_of};
use super::selection::record::{AssignmentRecord, RunRecord};
use super::selection::{self, Input, member_of};
use crate::config::Config;
use crate::db::DbConn;
use crate::domain::call::{CallAction, transition};
use crate::domain::notification::Outcome;
use crate::domain::selection::{self as rules, Constraints, Member, Rules, allows};
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, CallId, SeatId, SelectionRunId};
use crate::mail::templates::Templates;
use crate::store::audit::{self, Change};
use crate::store::calls::{self as calls_store, Call};
use crate::store::seats::Seat;
use crate::store::selection::{self as store, HoldingSource};

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub seat_id: SeatId,
    pub application_id: ApplicationId,
    /// Why the meeting departed from the run; kept in the audit log.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// The special reason (erityinen syy) and the measures taken, which the decision states when its
/// composition does not have at least 40 % of women and of men among the council's members, or
/// among its deputies (Equality Act 609/1986, 4 a §).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct QuotaException {
    /// Why the balance could not be met, e.g. "no men applied for the deputy seats".
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
    /// What was done to find candidates of the under-represented gender, e.g. a second call.
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub measures: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    pub selection_run_id: SelectionRunId,
    #[serde(default)]
    #[validate(nested)]
    pub overrides: Vec<Override>,
    /// The minutes' reference, e.g. "JANE 2/2027 § 5".
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub meeting_reference: String,
    #[validate(nested)]
    pub founding_meeting: Option<FoundingMeeting>,
    /// Applicants per theme on the reserve list (default from configuration).
    #[validate(range(max = 100))]
    #[schema(maximum = 100)]
    pub reserves_per_theme: Option<u32>,
    /// Required (422 without it) when the decided composition does not meet the Equality Act's
    /// balance, whatever rules the run applied; stored and shown with the decision.
    #[validate(nested)]
    pub quota_exception: Option<QuotaException>,
}

/// A rule the decided composition breaks (because of overrides): reported, not refused.
#[derive(Debug, Clone)]
pub struct RuleViolation {
    /// `association_limit`, `municipality_limit` or `gender_balance`.
    pub rule: String,
    /// Who breaks it and by how much.
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct Reserve {
    pub application_id: ApplicationId,
    pub theme: ThemeArea,
    pub rank: i32,
}

/// What the decision did.
#[derive(Debug, Clone)]
pub struct Decision {
    pub call_id: CallId,
    pub selection_run_id: SelectionRunId,
    pub meeting_reference: String,
    pub seats: Vec<AssignmentRecord>,
    pub vacant_seat_ids: Vec<SeatId>,
    pub rule_violations: Vec<RuleViolation>,
    pub reserves: Vec<Reserve>,
    pub messages_queued: usize,
    pub quota_exception: Option<QuotaException>,
}

/// Each override names a vacant seat of the call and a submitted application of its theme that
/// asked for the seat's role, each at most once.
fn check_overrides(input: &Input, overrides: &[Override]) -> Result<(), AppError> {
    let mut errors = Vec::new();
    for (i, o) in overrides.iter().enumerate() {
        let Some(seat) = input.seats.iter().find(|s| s.id == o.seat_id) else {
            errors.push(FieldError::new(
                format!("overrides[{i}].seat_id"),
                "unknown",
                "not a vacant seat of this call",
            ));
            continue;
        };
        let Some(app) = input
            .applications
            .iter()
            .map(|a| &a.application)
            .find(|a| a.id == o.application_id)
        else {
            errors.push(FieldError::new(
                format!("overrides[{i}].application_id"),
                "unknown",
                "not a submitted application of this call",
            ));
            continue;
        };
        let field = format!("overrides[{i}].application_id");
        if app.theme != seat.theme {
            errors.push(FieldError::new(
                &field,
                "theme",
                "the application is for another theme than the seat",
            ));
        } else if !allows(app.role_preference, seat.role) {
            errors.push(FieldError::new(
                &field,
                "role",
                "the candidate did not apply for this role",
            ));
        }
        if overrides[..i].iter().any(|p| p.seat_id == o.seat_id) {
            errors.push(FieldError::new(
                format!("overrides[{i}].seat_id"),
                "duplicate",
                "the seat is overridden twice",
            ));
        }
        if overrides[..i]
            .iter()
            .any(|p| p.application_id == o.application_id)
        {
            errors.push(FieldError::new(
                &field,
                "duplicate",
                "the application is placed twice",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The council's composition: the holders of its other seats, and `assignment`.
fn composition<'a>(
    input: &'a Input,
    assignment: &mut dyn Iterator<Item = (&'a SeatId, &'a ApplicationId)>,
) -> Vec<Member<'a>> {
    let by_id: BTreeMap<&ApplicationId, &crate::store::applications::Application> = input
        .applications
        .iter()
        .map(|a| (&a.application.id, &a.application))
        .collect();
    let seat_by_id: BTreeMap<&SeatId, &Seat> = input.seats.iter().map(|s| (&s.id, s)).collect();
    let mut members: Vec<Member<'_>> = input
        .seated
        .iter()
        .map(|(a, role)| member_of(a, *role))
        .collect();
    members.extend(assignment.map(|(s, a)| member_of(by_id[a], seat_by_id[s].role)));
    members
}

/// The composition's council names its associations by business ID.
fn association_names(input: &Input) -> BTreeMap<&str, &str> {
    input
        .seated
        .iter()
        .map(|(a, _)| a)
        .chain(input.applications.iter().map(|a| &a.application))
        .map(|a| {
            (
                a.association.business_id.as_str(),
                a.association.name.as_str(),
            )
        })
        .collect()
}

/// The council's roles as large as the run saw them: the call's seats and the seated members'.
fn role_sizes(input: &Input) -> rules::RoleSizes {
    rules::RoleSizes::of(
        input
            .seats
            .iter()
            .map(|s| s.role)
            .chain(input.seated.iter().map(|(_, role)| *role)),
    )
}

/// A decided composition that does not meet the Equality Act's balance (whatever the run's own
/// rules were) must state the special reason and the measures taken; 422 naming
/// `quota_exception` otherwise.
fn require_quota_exception(
    input: &Input,
    decided: &BTreeMap<SeatId, ApplicationId>,
    given: Option<&QuotaException>,
) -> Result<(), AppError> {
    let members = composition(input, &mut decided.iter());
    let breaches = rules::breaches_sized(&members, Rules::EQUALITY_ACT, Some(role_sizes(input)));
    if breaches.is_empty() || given.is_some() {
        return Ok(());
    }
    let names = association_names(input);
    let details: Vec<String> = breaches.iter().map(|b| breach_detail(b, &names)).collect();
    Err(AppError::invalid(
        "quota_exception",
        "required",
        format!(
            "the decided composition does not meet the Equality Act's balance ({}): the decision \
             must state the special reason and the measures taken, as quota_exception \
             {{\"reason\", \"measures\"}}",
            details.join("; ")
        ),
    ))
}

/// The council's composition (the holders of its other seats, and these assignments) checked
/// against the run's rules. What the run's own assignment already breaks with them (only what the
/// seated alone break: the run keeps every rule it can) is not the overrides' doing; a breach
/// they add, or make worse for the same association, municipality or role, is reported.
fn rule_violations(
    input: &Input,
    run: &RunRecord,
    decided: &BTreeMap<SeatId, ApplicationId>,
    rules: Rules,
) -> Vec<RuleViolation> {
    let by_run = composition(
        input,
        &mut run
            .assignments
            .iter()
            .map(|a| (&a.seat_id, &a.application_id)),
    );
    let decided = composition(input, &mut decided.iter());
    let names = association_names(input);
    let sizes = Some(role_sizes(input));
    rules::added_breaches(
        &rules::breaches_sized(&by_run, rules, sizes),
        rules::breaches_sized(&decided, rules, sizes),
    )
    .iter()
    .map(|breach| RuleViolation {
        rule: breach.rule().as_str().to_owned(),
        detail: breach_detail(breach, &names),
    })
    .collect()
}

/// Per theme, the best applicants left out who could take a seat of it; the rest are not
/// selected. Records each one's outcome.
fn reserve_list(
    conn: &mut DbConn,
    input: &Input,
    selected: &BTreeMap<SeatId, ApplicationId>,
    per_theme_limit: usize,
) -> Result<Vec<Reserve>, AppError> {
    let selected: Vec<&ApplicationId> = selected.values().collect();
    let mut per_theme: BTreeMap<ThemeArea, Vec<&RankedApplication>> = BTreeMap::new();
    for a in &input.applications {
        if !selected.contains(&&a.application.id) {
            per_theme.entry(a.application.theme).or_default().push(a);
        }
    }
    let mut reserves = Vec::new();
    for (theme, mut list) in per_theme {
        list.sort_by(|a, b| {
            rules::quantized_score(b.selection_score())
                .cmp(&rules::quantized_score(a.selection_score()))
                .then(a.application.id.cmp(&b.application.id))
        });
        let mut rank = 0;
        for a in list {
            let eligible = input
                .seats
                .iter()
                .any(|s| s.theme == theme && allows(a.application.role_preference, s.role));
            if eligible && rank < per_theme_limit {
                rank += 1;
                store::set_outcome(conn, &a.application.id, "reserve", Some(rank as i32))?;
                reserves.push(Reserve {
                    application_id: a.application.id.clone(),
                    theme,
                    rank: rank as i32,
                });
            } else {
                store::set_outcome(conn, &a.application.id, "not_selected", None)?;
            }
        }
    }
    Ok(reserves)
}

/// The run, if it belongs to the call and its input is still the call's (409 otherwise: the
/// applications, scores or seats changed since it was made), with the rules it applied.
fn current_run(
    conn: &mut DbConn,
    call: &Call,
    run_id: &SelectionRunId,
) -> Result<(RunRecord, Constraints, Input), AppError> {
    let run = store::find_run(conn, run_id)?
        .filter(|r| r.call_id == call.id)
        .ok_or_else(|| {
            AppError::invalid("selection_run_id", "unknown", "no such run of this call")
        })?;
    let constraints: Constraints = crate::db::from_json_text(&run.constraints_json)?;
    let input = selection::input(conn, call, &json!(constraints), &run.seed)?;
    if input.hash != run.input_hash {
        return Err(AppError::Conflict(
            "the applications, scores or seats changed since this run; make a new run and decide on it".into(),
        ));
    }
    Ok((RunRecord::from_json(&run.result_json)?, constraints, input))
}

/// Everything a decision needs to write the seats and the messages.
struct Writing<'a> {
    call: &'a Call,
    input: &'a Input,
    templates: &'a Templates,
    config: &'a Config,
    now: DateTime<Utc>,
}

/// Offers each decided seat to its holder and records their outcome.
fn fill_seats(
    conn: &mut DbConn,
    w: &Writing<'_>,
    seat_of: &BTreeMap<SeatId, ApplicationId>,
    overrides: &[Override],
) -> Result<Vec<AssignmentRecord>, AppError> {
    let respond_by = respond_by(w.config, w.now);
    let mut filled = Vec::new();
    for seat in &w.input.seats {
        let Some(app_id) = seat_of.get(&seat.id) else {
            continue;
        };
        let reason = overrides
            .iter()
            .find(|o| o.seat_id == seat.id)
            .map(|o| o.reason.as_str());
        store::offer(
            conn,
            &store::NewHolding {
                seat: &seat.id,
                call: &w.call.id,
                application: app_id,
                source: if reason.is_some() {
                    HoldingSource::Override
                } else {
                    HoldingSource::Selection
                },
                reason,
                now: w.now,
                respond_by,
            },
        )?;
        store::set_outcome(conn, app_id, seat.role.as_str(), None)?;
        let ranked = w
            .input
            .applications
            .iter()
            .find(|a| &a.application.id == app_id)
            .expect("a decided application is one of the run's");
        filled.push(AssignmentRecord {
            seat_id: seat.id.clone(),
            theme: seat.theme,
            role: seat.role,
            application_id: app_id.clone(),
            score: ranked.selection_score(),
            lot: 0,
            name: name_of(&ranked.application),
            association: ranked.application.association.name.clone(),
        });
    }
    Ok(filled)
}

/// Every applicant's outcome message, and the invitation to the selected.
fn queue_outcomes(
    conn: &mut DbConn,
    w: &Writing<'_>,
    seat_of: &BTreeMap<SeatId, ApplicationId>,
    reserves: &[Reserve],
    meeting: Option<&FoundingMeeting>,
) -> Result<usize, AppError> {
    let decided =
        calls_store::find(conn, &w.call.id)?.ok_or_else(|| AppError::not_found("call"))?;
    let context = OutcomeContext {
        templates: w.templates,
        config: w.config,
        call: &decided,
        respond_by: respond_by(w.config, w.now),
        meeting,
        now: w.now,
    };
    let mut queued = 0;
    for a in &w.input.applications {
        let app = &a.application;
        let held = seat_of
            .iter()
            .find(|(_, id)| **id == app.id)
            .and_then(|(s, _)| w.input.seats.iter().find(|seat| &seat.id == s))
            .map(|seat| seat.role);
        let outcome = match held {
            Some(role) => Outcome::Seat {
                role,
                moving_up: false,
            },
            None if reserves.iter().any(|r| r.application_id == app.id) => Outcome::Reserve,
            None => Outcome::NotSelected,
        };
        queued += queue_outcome(conn, &context, app, outcome)?;
    }
    Ok(queued)
}

/// Makes the decision (the call's managers, while it is reviewing). The run must still match the
/// call's applications and scores (409 otherwise: run again).
pub async fn decide(
    round: &Round,
    staff: Staff,
    id: CallId,
    body: Decide,
) -> Result<Decision, AppError> {
    let now = round.now();
    let (templates, config) = (round.templates.clone(), round.config.clone());
    round
        .db
        .write(move |conn| {
            // The council's rows are locked before the call's, as every change of seats does;
            // the call is read again under the lock, so that a review saved meanwhile is seen
            // (and refuses the run), and no review is saved after this decision.
            let unlocked = access::call(conn, &id, Some(&staff))?.managed()?;
            access::lock_council_of(conn, &unlocked)?;
            let call = access::call(conn, &id, Some(&staff))?.managed()?;
            transition(call.status(now), CallAction::Decide)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            let (run, constraints, input) = current_run(conn, &call, &body.selection_run_id)?;
            let rules = selection::rules(&constraints)?;
            check_overrides(&input, &body.overrides)?;
            let mut seat_of: BTreeMap<SeatId, ApplicationId> = run
                .assignments
                .iter()
                .map(|a| (a.seat_id.clone(), a.application_id.clone()))
                .collect();
            for o in &body.overrides {
                // The application leaves any other seat the run gave it.
                seat_of.retain(|_, a| *a != o.application_id);
                seat_of.insert(o.seat_id.clone(), o.application_id.clone());
            }
            require_quota_exception(&input, &seat_of, body.quota_exception.as_ref())?;
            let rule_violations = rule_violations(&input, &run, &seat_of, rules);
            let writing = Writing {
                call: &call,
                input: &input,
                templates: &templates,
                config: &config,
                now,
            };
            let seats = fill_seats(conn, &writing, &seat_of, &body.overrides)?;
            let vacant_seat_ids = input
                .seats
                .iter()
                .filter(|s| !seat_of.contains_key(&s.id))
                .map(|s| s.id.clone())
                .collect();
            let per_theme = body
                .reserves_per_theme
                .unwrap_or(config.selection.reserves_per_theme) as usize;
            let reserves = reserve_list(conn, &input, &seat_of, per_theme)?;
            if !store::record_decision(
                conn,
                &store::DecisionRecord {
                    call: &call.id,
                    run: &run.id,
                    meeting_reference: &body.meeting_reference,
                    rules_json: &json!(constraints).to_string(),
                    quota_exception_json: body
                        .quota_exception
                        .as_ref()
                        .map(|q| json!(q).to_string())
                        .as_deref(),
                },
                now,
            )? {
                return Err(AppError::Conflict("the call changed meanwhile".into()));
            }
            audit::record(
                conn,
                Change {
                    call_id: Some(&call.id),
                    actor: &staff.actor(),
                    action: "call.decided",
                    entity: "call",
                    entity_id: call.id.as_str(),
                    before: audit::snapshot(&json!({"status": "reviewing"})),
                    after: audit::snapshot(&json!({
                        "status": "decided", "selection_run_id": run.id,
                        "meeting_reference": body.meeting_reference,
                        "overrides": body.overrides.iter().map(|o| json!({
                            "seat_id": o.seat_id, "application_id": o.application_id, "reason": o.reason,
                        })).collect::<Vec<_>>(),
                        "rule_violations": rule_violations.iter().map(|v| v.rule.clone()).collect::<Vec<_>>(),
                        "quota_exception": body.quota_exception,
                    })),
                },
                now,
            )?;
            let messages_queued = queue_outcomes(
                conn,
                &writing,
                &seat_of,
                &reserves,
                body.founding_meeting.as_ref(),
            )?;
            Ok(Decision {
                call_id: call.id.clone(),
                selection_run_id: run.id.clone(),
                meeting_reference: body.meeting_reference,
                seats,
                vacant_seat_ids,
                rule_violations,
                reserves,
                messages_queued,
                quota_exception: body.quota_exception,
            })
        })
        .await
}
