//! Seat filling: selection runs, the decision, the selected confirming or declining, and
//! vacancies. The workflows are `round::selection`, `round::decision` and `round::offers`; this
//! file holds the routes and the response views, built from the stored run record (whose form is
//! its own, `round::selection::record`).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::AppState;
use super::auth::{ApplicationCaller, Staff};
use super::extract::Json;
use crate::domain::seat_plan::SeatRole;
pub use crate::domain::selection::{Constraints, GenderBalance};
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, SeatId, SelectionRunId};
use crate::round::decision::{self, Decision};
pub use crate::round::decision::{Decide, Override, QuotaException};
pub use crate::round::messages::FoundingMeeting;
pub use crate::round::offers::Vacate;
use crate::round::offers::{self, Answer, Vacated};
pub use crate::round::selection::CreateRun;
use crate::round::selection::record::{
    AssignmentRecord, ExplanationRecord, RelaxationRecord, RunRecord, UnfilledRecord,
};
use crate::round::selection::{self as workflow};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Text3 {
    pub fi: String,
    pub sv: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub seat_id: SeatId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub application_id: ApplicationId,
    /// The normalised score used for selection; null without counted reviews.
    pub score: Option<f64>,
    /// The application's lot (higher wins a tie).
    pub lot: u32,
    pub name: String,
    pub association: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unfilled {
    pub seat_id: SeatId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    /// `no_eligible_applicant` (the theme needs a new call), `blocked_by_rules` or
    /// `search_limit`.
    pub reason: String,
    /// The rules that keep the seat empty, for `blocked_by_rules`.
    pub rules: Vec<String>,
    pub new_call_needed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    /// `seat`, `unfilled`, `left_out`, `relaxation`, or `search_limit` (the search stopped at
    /// its node limit: the best selection found, not proven the best).
    pub kind: String,
    pub seat_id: Option<SeatId>,
    pub application_id: Option<ApplicationId>,
    /// Machine-readable reasons: `outscored`, `association_limit`, `municipality_limit`,
    /// `gender_balance`, `no_seat`, `search_limit`, ...
    pub codes: Vec<String>,
    /// To be read aloud.
    pub text: Text3,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleChangeView {
    /// `max_seats_per_association`, `max_seats_per_municipality` or `gender_balance.min_share`.
    pub constraint: String,
    pub from: Value,
    /// `null` removes the limit or turns the rule off.
    pub to: Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelaxationView {
    pub changes: Vec<RuleChangeView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectiveView {
    pub representatives_filled: u32,
    pub representative_seats: u32,
    pub deputies_filled: u32,
    pub deputy_seats: u32,
    /// Representatives and deputies that could be filled without the rules.
    pub fillable: [u32; 2],
    /// Sum of the holders' selection scores (unscored holders count as −100.0001).
    pub total_score: f64,
    pub lot_sum: u64,
    /// The search proved that no assignment is better under the rule. When it is false, the
    /// search stopped at `search_node_limit` with the best assignment it had found.
    pub proven_optimal: bool,
    /// Nodes of every search the run made, the relaxation probes' included: at most
    /// `search_node_limit`.
    pub search_nodes: u64,
    /// The selection is proven, but the node limit was reached before the smallest relaxation
    /// of the rules was found, so none is named although seats are left empty.
    pub relaxations_cut_short: bool,
    /// The service's `selection.search_node_limit` when the run was made (runs stored before
    /// it was recorded ran with the default).
    pub search_node_limit: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunView {
    pub id: SelectionRunId,
    pub call_id: CallId,
    pub seed: String,
    pub constraints: Constraints,
    pub input_hash: String,
    pub algorithm_version: String,
    pub created_at: DateTime<Utc>,
    pub objective: ObjectiveView,
    pub assignments: Vec<Assignment>,
    pub unfilled: Vec<Unfilled>,
    /// The smallest changes of the rules that would fill every seat with an eligible applicant;
    /// empty when the rules already do, or when the search was cut short (`proven_optimal`
    /// false: it has not shown that the rules leave seats empty; or `relaxations_cut_short`).
    pub relaxations: Vec<RelaxationView>,
    pub explanations: Vec<Explanation>,
    /// The published rule that orders equal outcomes.
    pub tie_rule: String,
}

impl From<AssignmentRecord> for Assignment {
    fn from(a: AssignmentRecord) -> Self {
        Self {
            seat_id: a.seat_id,
            theme: a.theme,
            role: a.role,
            application_id: a.application_id,
            score: a.score,
            lot: a.lot,
            name: a.name,
            association: a.association,
        }
    }
}

impl From<UnfilledRecord> for Unfilled {
    fn from(u: UnfilledRecord) -> Self {
        Self {
            seat_id: u.seat_id,
            theme: u.theme,
            role: u.role,
            reason: u.reason,
            rules: u.rules,
            new_call_needed: u.new_call_needed,
        }
    }
}

impl From<ExplanationRecord> for Explanation {
    fn from(e: ExplanationRecord) -> Self {
        Self {
            kind: e.kind,
            seat_id: e.seat_id,
            application_id: e.application_id,
            codes: e.codes,
            text: Text3 {
                fi: e.text.fi,
                sv: e.text.sv,
                en: e.text.en,
            },
        }
    }
}

impl From<RelaxationRecord> for RelaxationView {
    fn from(r: RelaxationRecord) -> Self {
        Self {
            changes: r
                .changes
                .into_iter()
                .map(|c| RuleChangeView {
                    constraint: c.constraint,
                    from: c.from,
                    to: c.to,
                })
                .collect(),
        }
    }
}

impl From<RunRecord> for RunView {
    fn from(r: RunRecord) -> Self {
        let o = r.objective;
        Self {
            id: r.id,
            call_id: r.call_id,
            seed: r.seed,
            constraints: r.constraints,
            input_hash: r.input_hash,
            algorithm_version: r.algorithm_version,
            created_at: r.created_at,
            objective: ObjectiveView {
                representatives_filled: o.representatives_filled,
                representative_seats: o.representative_seats,
                deputies_filled: o.deputies_filled,
                deputy_seats: o.deputy_seats,
                fillable: o.fillable,
                total_score: o.total_score,
                lot_sum: o.lot_sum,
                proven_optimal: o.proven_optimal,
                search_nodes: o.search_nodes,
                relaxations_cut_short: o.relaxations_cut_short,
                search_node_limit: o.search_node_limit,
            },
            assignments: r.assignments.into_iter().map(Into::into).collect(),
            unfilled: r.unfilled.into_iter().map(Into::into).collect(),
            relaxations: r.relaxations.into_iter().map(Into::into).collect(),
            explanations: r.explanations.into_iter().map(Into::into).collect(),
            tie_rule: r.tie_rule,
        }
    }
}

/// Computes a selection run: the optimal assignment of the call's applications to its vacant
/// seats under the rules, with explanations, the smallest relaxation if the rules leave seats
/// empty, and the input hash. The same input and seed always give the same result. Only while
/// the call is `reviewing`.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = CreateRun,
    responses(
        (status = 201, body = RunView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/calls/{id}/selection-runs")]
pub async fn create_run(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<CreateRun>,
) -> Result<HttpResponse, AppError> {
    let record = workflow::create_run(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(RunView::from(record)))
}

/// A selection run as computed.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path), ("run_id" = SelectionRunId, Path)),
    responses(
        (status = 200, body = RunView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/selection-runs/{run_id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(CallId, SelectionRunId)>,
) -> Result<web::Json<RunView>, AppError> {
    let (id, run_id) = path.into_inner();
    let record = workflow::get_run(&state.round, staff, id, run_id).await?;
    Ok(web::Json(record.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleViolation {
    /// `association_limit`, `municipality_limit` or `gender_balance`.
    pub rule: String,
    /// Who breaks it and by how much, for example "Yhdistys ry (1234567-8) would hold 2 seats;
    /// the limit of seats per association is 1".
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub call_id: CallId,
    pub status: String,
    pub selection_run_id: SelectionRunId,
    pub meeting_reference: String,
    pub seats: Vec<Assignment>,
    /// Seats the decision leaves empty.
    pub vacant_seat_ids: Vec<SeatId>,
    /// Rules the decided composition breaks (because of overrides); reported, not refused.
    pub rule_violations: Vec<RuleViolation>,
    pub reserves: Vec<ReserveView>,
    pub messages_queued: usize,
    /// The special reason and the measures taken, stated when the composition does not meet the
    /// Equality Act's balance.
    pub quota_exception: Option<QuotaException>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReserveView {
    pub application_id: ApplicationId,
    pub theme: ThemeArea,
    pub rank: i32,
}

impl From<Decision> for DecisionView {
    fn from(d: Decision) -> Self {
        Self {
            call_id: d.call_id,
            status: "decided".into(),
            selection_run_id: d.selection_run_id,
            meeting_reference: d.meeting_reference,
            seats: d.seats.into_iter().map(Into::into).collect(),
            vacant_seat_ids: d.vacant_seat_ids,
            rule_violations: d
                .rule_violations
                .into_iter()
                .map(|v| RuleViolation {
                    rule: v.rule,
                    detail: v.detail,
                })
                .collect(),
            reserves: d
                .reserves
                .into_iter()
                .map(|r| ReserveView {
                    application_id: r.application_id,
                    theme: r.theme,
                    rank: r.rank,
                })
                .collect(),
            messages_queued: d.messages_queued,
            quota_exception: d.quota_exception,
        }
    }
}

/// Makes the decision: fills the seats from a run (and its overrides, each checked against the
/// same rules and reported if it breaks one), puts the next best applicants of each theme on the
/// reserve list, records the meeting reference, marks the call `decided` and queues every
/// applicant's outcome message and the founding-meeting invitations. The run must still match
/// the call's applications and scores (409 otherwise: run again).
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = Decide,
    responses(
        (status = 200, body = DecisionView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/calls/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<Decide>,
) -> Result<web::Json<DecisionView>, AppError> {
    let decided = decision::decide(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(web::Json(decided.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    pub application_id: ApplicationId,
    /// `confirmed` or `declined`.
    pub status: String,
    pub seat_id: Option<SeatId>,
    /// Who the seat was offered to next, if anyone. When a deputy confirms the theme's
    /// representative seat: who their deputy seat was offered to.
    pub offered_to: Option<ApplicationId>,
    /// A deputy who declines the theme's representative seat keeps their deputy seat: this one.
    pub kept_seat_id: Option<SeatId>,
}

impl From<Answer> for AnswerView {
    fn from(a: Answer) -> Self {
        Self {
            application_id: a.application_id,
            status: a.status.into(),
            seat_id: a.seat_id,
            offered_to: a.offered_to,
            kept_seat_id: a.kept_seat_id,
        }
    }
}

/// The applicant (edit token) or the call's staff: confirms the seat offered to the application.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, body = AnswerView),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/applications/{id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
) -> Result<web::Json<AnswerView>, AppError> {
    let answer = offers::confirm(&state.round, caller, id.into_inner()).await?;
    Ok(web::Json(answer.into()))
}

/// The applicant (edit token) or the call's staff: declines the seat (or the place on the
/// reserve list). A declined seat is offered to the best reserve of the theme who keeps the
/// rules, and the offer is queued; with nobody, the seat stays vacant.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, body = AnswerView),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/applications/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
) -> Result<web::Json<AnswerView>, AppError> {
    let answer = offers::decline(&state.round, caller, id.into_inner()).await?;
    Ok(web::Json(answer.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VacateView {
    pub seat_id: SeatId,
    pub status: String,
    pub left: ApplicationId,
    /// For a representative seat: the theme's deputy, now offered the seat.
    pub proposed: Option<ApplicationId>,
    /// The deputy seat of the deputy now offered the representative seat. It is kept for them
    /// until they answer: if they decline (or do not answer) they keep it, and if they confirm,
    /// it is offered to the best reserve who keeps the rules (the confirm answer's `offered_to`).
    pub deputy_seat_id: Option<SeatId>,
    /// Always null: the deputy seat is no longer offered before the deputy answers (see
    /// `deputy_seat_id`). Kept so that clients reading it still work.
    pub deputy_seat_offered_to: Option<ApplicationId>,
}

impl From<Vacated> for VacateView {
    fn from(v: Vacated) -> Self {
        Self {
            seat_id: v.seat_id,
            status: if v.offered { "filled" } else { "vacant" }.into(),
            left: v.left,
            proposed: v.proposed,
            deputy_seat_id: v.deputy_seat_id,
            deputy_seat_offered_to: None,
        }
    }
}

/// A member leaves: the seat becomes vacant. For a representative seat the deputy of the same
/// theme is offered it, and their deputy seat is kept for them until they answer: it goes to the
/// best reserve who keeps the rules when they confirm, and stays theirs if they decline or do
/// not answer; for a deputy seat, the best reserve is offered it.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = SeatId, Path)),
    request_body = Vacate,
    responses(
        (status = 200, body = VacateView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/seats/{id}/vacate")]
pub async fn vacate(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<SeatId>,
    body: Json<Vacate>,
) -> Result<web::Json<VacateView>, AppError> {
    let vacated = offers::vacate(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(web::Json(vacated.into()))
}
