//! After the decision: the selected confirm or decline, offers not answered in time lapse (the
//! mail worker's housekeeping), members leave (`vacate`), and each seat given up is offered to the
//! theme's deputy or the best reserve who keeps the rules.
//!
//! A deputy offered the theme's representative seat keeps their deputy seat until they answer:
//! it shows as theirs (`moving_up_to`), no call decided meanwhile can fill it, and it goes to a
//! reserve only when they take the representative seat; declining or not answering seats them
//! there again as they were.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, ApplicationCaller, Staff};
use super::messages::{OutcomeContext, queue_outcome, respond_by};
use super::selection::{composition, member_of, rules_of_call};
use crate::config::Config;
use crate::db::{Db, DbConn};
use crate::domain::access::CallRole;
use crate::domain::application::ApplicationStatus;
use crate::domain::call::CallPhase;
use crate::domain::notification::Outcome;
use crate::domain::seat_plan::SeatRole;
use crate::domain::selection::{self as rules, Member, allows};
use crate::error::AppError;
use crate::ids::{ApplicationId, SeatId};
use crate::mail::templates::Templates;
use crate::store::applications::{self as applications_store, Application};
use crate::store::audit::{self, Actor, Change};
use crate::store::calls::{self as calls_store, Call};
use crate::store::seats::{self, Seat};
use crate::store::selection::{self as store, HoldingSource, HoldingStatus};

/// What the workflows after the decision need besides the database.
#[derive(Clone, Copy)]
pub struct Offering<'a> {
    pub templates: &'a Templates,
    pub config: &'a Config,
    pub now: DateTime<Utc>,
}

/// Offers `seat` to `application` after the decision (a reserve stepping in, a deputy moving
/// up): the holding, the application's outcome and the message.
fn offer_seat(
    conn: &mut DbConn,
    o: Offering<'_>,
    call: &Call,
    seat: &Seat,
    application: &Application,
    source: HoldingSource,
    reason: &str,
) -> Result<(), AppError> {
    let respond_by = respond_by(o.config, o.now);
    store::offer(
        conn,
        &store::NewHolding {
            seat: &seat.id,
            call: &call.id,
            application: &application.id,
            source,
            reason: Some(reason),
            now: o.now,
            respond_by,
        },
    )?;
    store::set_outcome(conn, &application.id, seat.role.as_str(), None)?;
    let context = OutcomeContext {
        templates: o.templates,
        config: o.config,
        call,
        respond_by,
        meeting: None,
        now: o.now,
    };
    queue_outcome(
        conn,
        &context,
        application,
        Outcome::Seat {
            role: seat.role,
            moving_up: source == HoldingSource::Deputy,
        },
    )?;
    Ok(())
}

/// Offers a vacant seat to the best reserve of its theme whose joining breaks no rule that
/// `before` (the composition before the change) did not already break; returns who.
fn offer_vacant(
    conn: &mut DbConn,
    o: Offering<'_>,
    call: &Call,
    seat: &Seat,
    before: &[(Application, SeatRole)],
    reason: &str,
) -> Result<Option<ApplicationId>, AppError> {
    let rules = rules_of_call(conn, &call.id)?;
    let all_seats = seats::of_council(conn, &call.council_id)?;
    let sizes = rules::RoleSizes::of(all_seats.iter().map(|s| s.role));
    let after_apps = composition(conn, call, &all_seats)?;
    let after: Vec<Member<'_>> = after_apps.iter().map(|(a, r)| member_of(a, *r)).collect();
    let before: Vec<Member<'_>> = before.iter().map(|(a, r)| member_of(a, *r)).collect();
    for (reserve_id, theme, _) in store::reserves_of_call(conn, &call.id)? {
        if theme != seat.theme.code() || store::current_of_application(conn, &reserve_id)?.is_some()
        {
            continue;
        }
        let reserve = applications_store::find(conn, &reserve_id)?
            .ok_or_else(|| AppError::not_found("application"))?;
        if !allows(reserve.role_preference, seat.role)
            || !rules::keeps_rules_sized(
                &before,
                &after,
                member_of(&reserve, seat.role),
                rules,
                Some(sizes),
            )
        {
            continue;
        }
        offer_seat(
            conn,
            o,
            call,
            seat,
            &reserve,
            HoldingSource::Reserve,
            reason,
        )?;
        audit::record(
            conn,
            Change {
                call_id: Some(&call.id),
                actor: &Actor::System,
                action: "seat.offered_to_reserve",
                entity: "seat",
                entity_id: seat.id.as_str(),
                before: None,
                after: audit::snapshot(
                    &json!({"application_id": reserve.id, "status": "offered", "reason": reason}),
                ),
            },
            o.now,
        )?;
        return Ok(Some(reserve.id));
    }
    Ok(None)
}

/// An open offer of a representative seat to the theme's deputy (`vacate`).
fn is_promotion_offer(holding: &store::Holding) -> bool {
    holding.status == HoldingStatus::Offered && holding.source == HoldingSource::Deputy
}

/// What became of a seat given up: who was offered it next and, for a deputy who did not take
/// the theme's representative seat, the deputy seat they keep.
pub struct Released {
    pub offered_to: Option<ApplicationId>,
    pub kept_seat: Option<SeatId>,
}

fn seat_of_council(all_seats: &[Seat], id: &SeatId) -> Result<Seat, AppError> {
    all_seats
        .iter()
        .find(|s| &s.id == id)
        .cloned()
        .ok_or_else(|| AppError::not_found("seat"))
}

/// Ends a holding and offers its seat to the best reserve of the theme who keeps the rules. Used
/// for declines, lapsed offers and vacated deputy seats. A deputy offered the representative
/// seat (`vacate`) who declines it or does not answer keeps their deputy seat, which was kept
/// for them meanwhile, unless a later call has filled it.
fn release_seat(
    conn: &mut DbConn,
    o: Offering<'_>,
    holding: &store::Holding,
    status: HoldingStatus,
    reason: &str,
) -> Result<Released, AppError> {
    let call =
        calls_store::find(conn, &holding.call_id)?.ok_or_else(|| AppError::not_found("call"))?;
    let all_seats = seats::of_council(conn, &call.council_id)?;
    let seat = seat_of_council(&all_seats, &holding.seat_id)?;
    let before = composition(conn, &call, &all_seats)?;
    if !store::end_or_confirm(conn, &holding.id, status, Some(reason), o.now)? {
        return Err(AppError::Conflict("the seat changed meanwhile".into()));
    }
    let mut kept_seat = None;
    if is_promotion_offer(holding)
        && matches!(status, HoldingStatus::Declined | HoldingStatus::Lapsed)
        && let Some((moved, confirmed)) = store::kept_seat_of(conn, &holding.application_id)?
    {
        store::seat_again(
            conn,
            &moved,
            confirmed,
            "did not take the representative seat",
            o.now,
        )?;
        store::set_outcome(
            conn,
            &holding.application_id,
            SeatRole::Deputy.as_str(),
            None,
        )?;
        kept_seat = Some(moved.seat_id);
    }
    let offered_to = offer_vacant(conn, o, &call, &seat, &before, reason)?;
    Ok(Released {
        offered_to,
        kept_seat,
    })
}

/// The deputy seat kept for a deputy who has now taken the representative seat goes to the best
/// reserve who keeps the rules; returns who was offered it.
fn release_kept_deputy_seat(
    conn: &mut DbConn,
    o: Offering<'_>,
    call: &Call,
    deputy: &ApplicationId,
) -> Result<Option<ApplicationId>, AppError> {
    let Some((moved, _)) = store::kept_seat_of(conn, deputy)? else {
        return Ok(None);
    };
    let all_seats = seats::of_council(conn, &call.council_id)?;
    let seat = seat_of_council(&all_seats, &moved.seat_id)?;
    let before = composition(conn, call, &all_seats)?;
    offer_vacant(
        conn,
        o,
        call,
        &seat,
        &before,
        "the deputy moved to the representative seat",
    )
}

/// Offers not answered in time lapse, and their seats go to the reserves. Run by the mail
/// worker's housekeeping, each lapse in its own write transaction in the writers' queue.
pub fn lapse_overdue(
    db: &Db,
    templates: &Templates,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let o = Offering {
        templates,
        config,
        now,
    };
    let mut lapsed = 0;
    let overdue = store::overdue_offers(&mut *db.conn()?, now)?;
    for holding in overdue {
        let done = db.write_blocking(|conn| {
            let call = calls_store::find(conn, &holding.call_id)?
                .ok_or_else(|| AppError::not_found("call"))?;
            access::lock_council_of(conn, &call)?;
            // Another instance may have handled it first.
            match store::current_of_application(conn, &holding.application_id)? {
                Some(h) if h.id == holding.id && h.status == HoldingStatus::Offered => {}
                _ => return Ok::<bool, AppError>(false),
            }
            release_seat(
                conn,
                o,
                &holding,
                HoldingStatus::Lapsed,
                "no answer in time",
            )?;
            Ok(true)
        })?;
        lapsed += usize::from(done);
    }
    Ok(lapsed)
}

/// The application, if the caller may answer for it (its applicant, or the call's managers), and
/// the call is decided; with the call, its council's rows locked.
fn answering(
    conn: &mut DbConn,
    id: &ApplicationId,
    caller: &ApplicationCaller,
) -> Result<(Application, Call), AppError> {
    let hidden = || AppError::not_found("application");
    let app = applications_store::find(conn, id)?.ok_or_else(hidden)?;
    let call = calls_store::find(conn, &app.call_id)?.ok_or_else(hidden)?;
    let allowed = match caller {
        ApplicationCaller::Applicant { token_digest } => {
            applications_store::opens(conn, &app, token_digest)?
        }
        ApplicationCaller::Staff(staff) => {
            access::role_in(conn, &call, staff)? == CallRole::Manager
        }
    };
    if !allowed {
        return Err(hidden());
    }
    if call.phase != CallPhase::Decided || app.status != ApplicationStatus::Submitted {
        return Err(AppError::Conflict(
            "answers are given after the call is decided".into(),
        ));
    }
    access::lock_council_of(conn, &call)?;
    Ok((app, call))
}

/// An answer to an offer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub application_id: ApplicationId,
    /// `confirmed` or `declined`.
    pub status: &'static str,
    pub seat_id: Option<SeatId>,
    /// Who the seat was offered to next, if anyone; when a deputy confirms the theme's
    /// representative seat, who their deputy seat was offered to.
    pub offered_to: Option<ApplicationId>,
    /// A deputy who declines the theme's representative seat keeps their deputy seat: this one.
    pub kept_seat_id: Option<SeatId>,
}

/// The applicant (or the call's managers) confirms the seat offered to the application, before
/// the time to answer runs out. Confirming again answers the same.
pub async fn confirm(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
) -> Result<Answer, AppError> {
    let now = round.now();
    let (templates, config) = (round.templates.clone(), round.config.clone());
    round
        .db
        .write(move |conn| {
            let (app, call) = answering(conn, &id, &caller)?;
            let holding = store::current_of_application(conn, &app.id)?.ok_or_else(|| {
                AppError::Conflict("no seat is offered to this application".into())
            })?;
            if holding.status == HoldingStatus::Offered && holding.respond_by <= now {
                return Err(AppError::Conflict(
                    "the time to answer has passed; the seat goes to the reserve list".into(),
                ));
            }
            let answer = |offered_to| Answer {
                application_id: app.id.clone(),
                status: "confirmed",
                seat_id: Some(holding.seat_id.clone()),
                offered_to,
                kept_seat_id: None,
            };
            if holding.status == HoldingStatus::Confirmed {
                return Ok(answer(None));
            }
            if !store::end_or_confirm(conn, &holding.id, HoldingStatus::Confirmed, None, now)? {
                return Err(AppError::Conflict("the offer changed meanwhile".into()));
            }
            audit::record(
                conn,
                Change {
                    call_id: Some(&app.call_id),
                    actor: &caller.actor(&app.id),
                    action: "seat.confirmed",
                    entity: "seat",
                    entity_id: holding.seat_id.as_str(),
                    before: audit::snapshot(
                        &json!({"status": "offered", "application_id": app.id}),
                    ),
                    after: audit::snapshot(
                        &json!({"status": "confirmed", "application_id": app.id}),
                    ),
                },
                now,
            )?;
            // A deputy who takes the representative seat gives up the deputy seat kept for them.
            let offered_to = if holding.source == HoldingSource::Deputy {
                let o = Offering {
                    templates: &templates,
                    config: &config,
                    now,
                };
                release_kept_deputy_seat(conn, o, &call, &app.id)?
            } else {
                None
            };
            Ok(answer(offered_to))
        })
        .await
}

/// The applicant (or the call's managers) declines the seat (or the place on the reserve list).
/// A declined seat is offered to the best reserve of the theme who keeps the rules, and the offer
/// is queued; with nobody, the seat stays vacant.
pub async fn decline(
    round: &Round,
    caller: ApplicationCaller,
    id: ApplicationId,
) -> Result<Answer, AppError> {
    let now = round.now();
    let (templates, config) = (round.templates.clone(), round.config.clone());
    round
        .db
        .write(move |conn| {
            let o = Offering {
                templates: &templates,
                config: &config,
                now,
            };
            let (app, _) = answering(conn, &id, &caller)?;
            let outcome = store::outcome_of(conn, &app.id)?;
            if outcome.declined_at.is_some() {
                return Err(AppError::Conflict(
                    "the application has already declined".into(),
                ));
            }
            let holding = store::current_of_application(conn, &app.id)?;
            let released = holding
                .as_ref()
                .map(|h| release_seat(conn, o, h, HoldingStatus::Declined, "declined"))
                .transpose()?;
            let kept_seat = released.as_ref().and_then(|r| r.kept_seat.clone());
            // A deputy who declines only the representative seat stays a member.
            if kept_seat.is_none() {
                store::set_declined(conn, &app.id, now)?;
            }
            audit::record(
                conn,
                Change {
                    call_id: Some(&app.call_id),
                    actor: &caller.actor(&app.id),
                    action: if kept_seat.is_some() {
                        "seat.promotion_declined"
                    } else {
                        "application.declined"
                    },
                    entity: "application",
                    entity_id: app.id.as_str(),
                    before: audit::snapshot(&json!({"outcome": outcome.outcome})),
                    after: audit::snapshot(&json!({
                        "declined": kept_seat.is_none(),
                        "seat_id": holding.as_ref().map(|h| h.seat_id.clone()),
                        "kept_seat_id": kept_seat,
                    })),
                },
                now,
            )?;
            Ok(Answer {
                application_id: app.id,
                status: "declined",
                seat_id: holding.map(|h| h.seat_id),
                offered_to: released.and_then(|r| r.offered_to),
                kept_seat_id: kept_seat,
            })
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Vacate {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// What vacating a seat did.
#[derive(Debug, Clone)]
pub struct Vacated {
    pub seat_id: SeatId,
    /// Whether someone is now offered the seat.
    pub offered: bool,
    pub left: ApplicationId,
    /// For a representative seat: the theme's deputy, now offered it; else the reserve, if any.
    pub proposed: Option<ApplicationId>,
    /// The deputy seat kept for the deputy now offered the representative seat.
    pub deputy_seat_id: Option<SeatId>,
}

/// Why there is nothing to vacate: the seat is unknown (404), not the caller's to change (403:
/// seats are public), kept for a deputy deciding on moving up, or already vacant (409).
fn nothing_to_vacate(conn: &mut DbConn, staff: &Staff, id: &SeatId) -> Result<AppError, AppError> {
    Ok(match seats::council_of(conn, id)? {
        Some(council) if staff.require_manager(&council).is_err() => {
            staff.require_manager(&council).unwrap_err()
        }
        Some(council) => {
            let current = store::current_of_councils(conn, std::slice::from_ref(&council))?;
            let kept = store::kept_for_promotion(conn, &current)?
                .iter()
                .any(|k| &k.seat_id == id);
            AppError::Conflict(if kept {
                "the seat is kept for its deputy, who is offered the theme's representative seat; it is theirs until they answer".into()
            } else {
                "the seat is already vacant".into()
            })
        }
        _ => AppError::not_found("seat"),
    })
}

/// The theme's deputy who may step up: the first held deputy seat of the theme whose holder
/// applied for either role.
fn stepping_up(
    conn: &mut DbConn,
    all_seats: &[Seat],
    seat: &Seat,
) -> Result<Option<(store::Holding, Application)>, AppError> {
    for s in all_seats
        .iter()
        .filter(|s| s.theme == seat.theme && s.role == SeatRole::Deputy)
    {
        if let Some(h) = store::current_of_seat(conn, &s.id)? {
            let app = applications_store::find(conn, &h.application_id)?
                .ok_or_else(|| AppError::not_found("application"))?;
            if allows(app.role_preference, SeatRole::Representative) {
                return Ok(Some((h, app)));
            }
        }
    }
    Ok(None)
}

/// A representative leaves: the theme's deputy is offered the seat, their deputy seat kept for
/// them; without one, the best reserve.
fn vacate_representative(
    conn: &mut DbConn,
    o: Offering<'_>,
    call: &Call,
    all_seats: &[Seat],
    seat: Seat,
    holding: store::Holding,
    reason: &str,
) -> Result<Vacated, AppError> {
    // The composition before anyone moves, as the rules count it.
    let before = composition(conn, call, all_seats)?;
    if !store::end_or_confirm(
        conn,
        &holding.id,
        HoldingStatus::Vacated,
        Some(reason),
        o.now,
    )? {
        return Err(AppError::Conflict("the seat changed meanwhile".into()));
    }
    let Some((deputy, deputy_app)) = stepping_up(conn, all_seats, &seat)? else {
        let offered = offer_vacant(conn, o, call, &seat, &before, reason)?;
        return Ok(Vacated {
            seat_id: seat.id,
            offered: offered.is_some(),
            left: holding.application_id,
            proposed: offered,
            deputy_seat_id: None,
        });
    };
    if !store::end_or_confirm(
        conn,
        &deputy.id,
        HoldingStatus::Moved,
        Some("moved to the representative seat"),
        o.now,
    )? {
        return Err(AppError::Conflict(
            "the deputy's seat changed meanwhile".into(),
        ));
    }
    offer_seat(
        conn,
        o,
        call,
        &seat,
        &deputy_app,
        HoldingSource::Deputy,
        reason,
    )?;
    Ok(Vacated {
        seat_id: seat.id,
        offered: true,
        left: holding.application_id,
        proposed: Some(deputy_app.id),
        deputy_seat_id: Some(deputy.seat_id),
    })
}

/// A member leaves (an admin, or a secretary of the council): the seat becomes vacant. For a
/// representative seat the deputy of the same theme is offered it, and their deputy seat is kept
/// for them until they answer; for a deputy seat, the best reserve is offered it.
pub async fn vacate(
    round: &Round,
    staff: Staff,
    id: SeatId,
    body: Vacate,
) -> Result<Vacated, AppError> {
    let now = round.now();
    let (templates, config) = (round.templates.clone(), round.config.clone());
    round
        .db
        .write(move |conn| {
            let o = Offering {
                templates: &templates,
                config: &config,
                now,
            };
            let Some(holding) = store::current_of_seat(conn, &id)? else {
                return Err(nothing_to_vacate(conn, &staff, &id)?);
            };
            let call = access::call(conn, &holding.call_id, Some(&staff))
                .and_then(access::CallAccess::managed)
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::not_found("seat"),
                    other => other,
                })?;
            access::lock_council_of(conn, &call)?;
            if is_promotion_offer(&holding) {
                // Vacating would leave the deputy seat kept for them empty for good.
                return Err(AppError::Conflict(
                    "the seat is offered to the theme's deputy, who has not answered yet; wait for the answer, or decline on their behalf".into(),
                ));
            }
            let all_seats = seats::of_council(conn, &call.council_id)?;
            let seat = seat_of_council(&all_seats, &id)?;
            audit::record(
                conn,
                Change {
                    call_id: Some(&call.id),
                    actor: &staff.actor(),
                    action: "seat.vacated",
                    entity: "seat",
                    entity_id: seat.id.as_str(),
                    before: audit::snapshot(&json!({"application_id": holding.application_id})),
                    after: audit::snapshot(
                        &json!({"application_id": null, "reason": body.reason}),
                    ),
                },
                now,
            )?;
            if seat.role == SeatRole::Representative {
                return vacate_representative(
                    conn,
                    o,
                    &call,
                    &all_seats,
                    seat,
                    holding,
                    &body.reason,
                );
            }
            let released = release_seat(conn, o, &holding, HoldingStatus::Vacated, &body.reason)?;
            Ok(Vacated {
                seat_id: seat.id,
                offered: released.offered_to.is_some(),
                left: holding.application_id,
                proposed: released.offered_to,
                deputy_seat_id: None,
            })
        })
        .await
}
