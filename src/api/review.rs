//! The committee's review of a call: its members and rubric, conflicts of interest, the members'
//! reviews, the ranking, progress and the audit log. The workflows are `round::review`; this file
//! holds the routes and the views. The exports for the meeting are `api::exports`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, page_request};
use crate::db::from_db_time;
use crate::domain::application::{Gender, RolePreference};
use crate::domain::call::CallStatus;
use crate::domain::scoring::Criterion;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, ConflictId, ReviewId, UserId};
use crate::round::review::{self as workflow, RankedApplication, ScoredReview};
pub use crate::round::review::{
    ConflictKind, DeclareConflict, SaveReview, SetCommittee, SetRubric,
};
use crate::store::calls::Call;
use crate::store::review::Conflict;

#[derive(Serialize, ToSchema)]
pub struct CommitteeMember {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeView {
    pub call_id: CallId,
    pub members: Vec<CommitteeMember>,
}

fn committee_view(call_id: CallId, members: Vec<workflow::CommitteeMember>) -> CommitteeView {
    CommitteeView {
        call_id,
        members: members
            .into_iter()
            .map(|(user_id, name, email)| CommitteeMember {
                user_id,
                name,
                email,
            })
            .collect(),
    }
}

/// Names the call's selection committee (an admin, or a secretary of the council). Members must
/// be staff of the call's council; a member who has already reviewed cannot be removed (409).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = SetCommittee,
    responses(
        (status = 200, body = CommitteeView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[put("/calls/{id}/committee")]
pub async fn set_committee(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<SetCommittee>,
) -> Result<web::Json<CommitteeView>, AppError> {
    let id = id.into_inner();
    let members = workflow::set_committee(&state.round, staff, id.clone(), body.0).await?;
    Ok(web::Json(committee_view(id, members)))
}

/// The call's committee (its managers and members).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = CommitteeView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/committee")]
pub async fn get_committee(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<CommitteeView>, AppError> {
    let id = id.into_inner();
    let members = workflow::committee(&state.round, staff, id.clone()).await?;
    Ok(web::Json(committee_view(id, members)))
}

#[derive(Serialize, ToSchema)]
pub struct RubricView {
    pub call_id: CallId,
    pub criteria: Vec<Criterion>,
    /// True while the call uses the default rubric.
    pub default: bool,
    /// True once a review is in: the rubric no longer changes.
    pub frozen: bool,
}

fn rubric_view(call_id: CallId, rubric: workflow::Rubric) -> RubricView {
    RubricView {
        call_id,
        criteria: rubric.criteria,
        default: rubric.default,
        frozen: rubric.frozen,
    }
}

/// The call's rubric: its own, or the default one following the call criteria of the
/// paikallis-JANE model (activity and time, liaison, knowledge of the theme, local knowledge).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = RubricView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/rubric")]
pub async fn get_rubric(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<RubricView>, AppError> {
    let id = id.into_inner();
    let rubric = workflow::rubric(&state.round, staff, id.clone()).await?;
    Ok(web::Json(rubric_view(id, rubric)))
}

/// Sets the call's rubric (an admin, or a secretary of the council): criteria with a localised
/// name, a weight and a whole-number range. Frozen once the first review is in (409).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = SetRubric,
    responses(
        (status = 200, body = RubricView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[put("/calls/{id}/rubric")]
pub async fn set_rubric(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<SetRubric>,
) -> Result<web::Json<RubricView>, AppError> {
    let id = id.into_inner();
    let rubric = workflow::set_rubric(&state.round, staff, id.clone(), body.0).await?;
    Ok(web::Json(rubric_view(id, rubric)))
}

#[derive(Serialize, ToSchema)]
pub struct ConflictView {
    pub id: ConflictId,
    pub call_id: CallId,
    pub application_id: ApplicationId,
    pub user_id: UserId,
    pub kind: String,
    pub note: Option<String>,
    pub declared_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl From<Conflict> for ConflictView {
    fn from(c: Conflict) -> Self {
        Self {
            id: c.id,
            call_id: c.call_id,
            application_id: c.application_id,
            user_id: c.user_id,
            kind: c.kind,
            note: c.note,
            declared_by: c.declared_by,
            created_at: from_db_time(c.created_at),
        }
    }
}

/// Records a conflict of interest (Hallintolaki 28 §): a member declares their own, or an admin or
/// secretary records one for a member. From then on the member can neither read nor score the
/// application, and any score they gave it is left out of every aggregate.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = DeclareConflict,
    responses(
        (status = 201, body = ConflictView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/calls/{id}/conflicts")]
pub async fn declare_conflict(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<DeclareConflict>,
) -> Result<HttpResponse, AppError> {
    let conflict = workflow::declare_conflict(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(ConflictView::from(conflict)))
}

#[derive(Serialize, ToSchema)]
pub struct ConflictList {
    pub items: Vec<ConflictView>,
}

/// The call's conflicts: all of them for its managers, a member's own for a member.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = ConflictList),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/conflicts")]
pub async fn list_conflicts(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<ConflictList>, AppError> {
    let items = workflow::conflicts(&state.round, staff, id.into_inner()).await?;
    Ok(web::Json(ConflictList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    pub id: ReviewId,
    pub application_id: ApplicationId,
    pub reviewer_id: UserId,
    pub scores: BTreeMap<String, i64>,
    pub comment: Option<String>,
    /// The review's score, 0 to 100: each criterion placed within its range, weighted.
    pub score: f64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn review_view(ScoredReview { review, score }: ScoredReview) -> ReviewView {
    ReviewView {
        score,
        id: review.id,
        application_id: review.application_id,
        reviewer_id: review.reviewer_id,
        scores: review.scores,
        comment: review.comment,
        created_at: review.created_at,
        updated_at: review.updated_at,
    }
}

/// The caller's review of an application (a committee member of its call, without a conflict of
/// interest for it). Saving again replaces it, until the review phase ends. Only while the call is
/// `reviewing`.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    request_body = SaveReview,
    responses(
        (status = 200, body = ReviewView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[put("/applications/{id}/review")]
pub async fn save_review(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<ApplicationId>,
    body: Json<SaveReview>,
) -> Result<web::Json<ReviewView>, AppError> {
    let saved = workflow::save_review(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(web::Json(review_view(saved)))
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationReviews {
    pub application_id: ApplicationId,
    /// True when the others' reviews are hidden because the caller has not reviewed yet.
    pub others_hidden: bool,
    pub reviews: Vec<ReviewView>,
}

/// The reviews of an application: for its call's managers; for a committee member, their own, and
/// the others' once they have submitted theirs.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, body = ApplicationReviews),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/applications/{id}/reviews")]
pub async fn application_reviews(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<ApplicationId>,
) -> Result<web::Json<ApplicationReviews>, AppError> {
    let id = id.into_inner();
    let (reviews, others_hidden) =
        workflow::reviews_of_application(&state.round, staff, id.clone()).await?;
    Ok(web::Json(ApplicationReviews {
        application_id: id,
        others_hidden,
        reviews: reviews.into_iter().map(review_view).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewShareView {
    pub reviewer_id: UserId,
    /// The review's score, 0..100.
    pub score: f64,
    /// The review's score as a z-score among its reviewer's reviews.
    pub z_score: f64,
    /// Its share of the application's aggregate.
    pub weight: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateName {
    pub first_name: String,
    pub last_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct RankingEntry {
    /// 1 for the best; tied applications share a rank (1, 2, 2, 4).
    pub rank: usize,
    pub tied: bool,
    pub application_id: ApplicationId,
    pub candidate: CandidateName,
    pub association: String,
    pub role_preference: RolePreference,
    pub gender: Gender,
    /// Counted reviews (conflicted ones are left out).
    pub reviews: usize,
    /// Mean of the reviews' scores, 0..100.
    pub weighted_mean: Option<f64>,
    pub median: Option<f64>,
    /// Mean of the reviews' z-scores: the score used for selection.
    pub normalized: Option<f64>,
    pub review_weights: Vec<ReviewShareView>,
}

#[derive(Serialize, ToSchema)]
pub struct ThemeRanking {
    pub theme: ThemeArea,
    pub entries: Vec<RankingEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingView {
    pub call_id: CallId,
    pub call_status: CallStatus,
    /// The aggregate that selection uses: `normalized`.
    #[schema(example = "normalized")]
    pub selection_score: &'static str,
    pub method: &'static str,
    pub themes: Vec<ThemeRanking>,
}

const METHOD: &str = "Each review's score is the weighted mean of its criteria, each placed on 0..1 within its \
range, times 100. Per application: weighted_mean and median of its reviews' scores; normalized is the mean of the \
reviews' z-scores, each computed among all of its reviewer's counted reviews in this call (population standard \
deviation; a reviewer with equal scores contributes 0), so that a strict and a lenient reviewer count alike. \
Selection uses normalized. Reviews of members with a conflict of interest for the application are left out.";

fn ranking_view(
    call: &Call,
    now: DateTime<Utc>,
    ranked: Vec<(ThemeArea, Vec<RankedApplication>)>,
    hide: &[ApplicationId],
) -> RankingView {
    RankingView {
        call_id: call.id.clone(),
        call_status: call.status(now),
        selection_score: "normalized",
        method: METHOD,
        themes: ranked
            .into_iter()
            .map(|(theme, entries)| ThemeRanking {
                theme,
                entries: entries
                    .into_iter()
                    .filter(|e| !hide.contains(&e.application.id))
                    .map(|e| {
                        let aggregate = e.aggregate.as_ref();
                        RankingEntry {
                            rank: e.rank,
                            tied: e.tied,
                            application_id: e.application.id.clone(),
                            candidate: CandidateName {
                                first_name: e.application.candidate.first_name.clone(),
                                last_name: e.application.candidate.last_name.clone(),
                            },
                            association: e.application.association.name.clone(),
                            role_preference: e.application.role_preference,
                            gender: e.application.candidate.gender,
                            reviews: aggregate.map_or(0, |a| a.reviews),
                            weighted_mean: aggregate.and_then(|a| a.weighted_mean),
                            median: aggregate.and_then(|a| a.median),
                            normalized: aggregate.and_then(|a| a.normalized),
                            review_weights: aggregate
                                .map(|a| {
                                    a.shares
                                        .iter()
                                        .map(|s| ReviewShareView {
                                            reviewer_id: s.reviewer.clone(),
                                            score: s.score,
                                            z_score: s.z_score,
                                            weight: s.weight,
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The ranking: per theme, the submitted applications ordered by the normalised score, with the
/// weighted mean, the median and each review's share. For the call's managers, and for committee
/// members once they have reviewed every application they do not have a conflict for (the ones
/// they have a conflict for are not shown to them).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = RankingView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/ranking")]
pub async fn get_ranking(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<HttpResponse, AppError> {
    // One of `server.max_concurrent_reports` until the body is serialised (here, not after the
    // handler returns): the whole call is in memory until then.
    let _slot = state.round.report_slot().await;
    let (call, ranked, hide) = workflow::ranking_for(&state.round, staff, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ranking_view(&call, state.now(), ranked, &hide)))
}

#[derive(Serialize, ToSchema)]
pub struct MemberProgress {
    pub user_id: UserId,
    pub name: String,
    /// Submitted applications the member does not have a conflict for.
    pub to_review: usize,
    pub reviewed: usize,
    pub remaining: usize,
    pub conflicts: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationProgress {
    pub application_id: ApplicationId,
    pub theme: ThemeArea,
    pub reviews: usize,
    /// Members expected to review it: the committee less those with a conflict.
    pub expected: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    pub call_id: CallId,
    pub members: Vec<MemberProgress>,
    pub applications: Vec<ApplicationProgress>,
}

/// Review progress: per member, how many applications they still have to review; per application,
/// how many reviews it has. A committee member sees their own line and the applications.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = ProgressView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/review-progress")]
pub async fn review_progress(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<ProgressView>, AppError> {
    let id = id.into_inner();
    let (members, applications) = workflow::progress(&state.round, staff, id.clone()).await?;
    Ok(web::Json(ProgressView {
        call_id: id,
        members: members
            .into_iter()
            .map(|m| MemberProgress {
                user_id: m.user_id,
                name: m.name,
                to_review: m.to_review,
                reviewed: m.reviewed,
                remaining: m.to_review - m.reviewed,
                conflicts: m.conflicts,
            })
            .collect(),
        applications: applications
            .into_iter()
            .map(|a| ApplicationProgress {
                application_id: a.application_id,
                theme: a.theme,
                reviews: a.reviews,
                expected: a.expected,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `staff`, `applicant` or `system`.
    pub actor_kind: String,
    /// The staff user or the application that acted.
    pub actor_id: Option<String>,
    /// What happened, e.g. `call.published`, `review.saved`, `conflict.recorded`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub cursor: Option<String>,
}

/// The call's audit log, oldest first (admins). It records every state change, committee and
/// rubric change, conflict, review and application change: who, when, what, before and after.
/// It cannot be changed through the API (nor in the database: updates and deletes are refused).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path), AuditQuery),
    responses(
        (status = 200, body = AuditList),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/audit")]
pub async fn call_audit(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    query: Query<AuditQuery>,
) -> Result<web::Json<AuditList>, AppError> {
    let page = page_request(query.0.limit, query.0.cursor)?;
    let entries = workflow::audit_log(&state.round, staff, id.into_inner(), page).await?;
    Ok(web::Json(AuditList {
        items: entries
            .items
            .into_iter()
            .map(|e| AuditEntryView {
                id: e.id.to_string(),
                at: e.at,
                actor_kind: e.actor_kind,
                actor_id: e.actor_id,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                before: e.before,
                after: e.after,
            })
            .collect(),
        next_cursor: entries.next_cursor,
    }))
}
