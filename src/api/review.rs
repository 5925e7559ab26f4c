//! The committee's review of a call: its members and rubric, conflicts of interest, the members'
//! reviews, the ranking, progress, the audit log and the exports for the meeting.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, page_request};
use crate::db::{DbConn, LockableTable, from_db_time};
use crate::domain::access::Role;
use crate::domain::application::{ApplicationStatus, Gender, RolePreference};
use crate::domain::call::{CallPhase, CallStatus};
use crate::domain::scoring::{self, Criterion, Scored};
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, CallId, ConflictId, ReviewId, UserId};
use crate::store::applications::{self as applications_store, Application};
use crate::store::audit::{self, Actor, Change};
use crate::store::calls::{self as calls_store, Call};
use crate::store::review::{self as store, Conflict, Review};
use crate::store::{Page, users};

/// How a staff member stands towards a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallRole {
    /// An admin, or a secretary of the call's council.
    Manager,
    /// On the call's selection committee.
    Member,
    /// Neither.
    Outsider,
}

pub fn call_role(conn: &mut DbConn, call: &Call, staff: &Staff) -> Result<CallRole, AppError> {
    if staff.scope().manages(&call.council_id) {
        return Ok(CallRole::Manager);
    }
    if store::is_member(conn, &call.id, &staff.0.id)? {
        return Ok(CallRole::Member);
    }
    Ok(CallRole::Outsider)
}

/// The call and the caller's role in it. A draft is "not found" to all but its managers; a
/// published call is visible, so other refusals are 403.
fn call_and_role(
    conn: &mut DbConn,
    id: &CallId,
    staff: &Staff,
) -> Result<(Call, CallRole), AppError> {
    let call = calls_store::find(conn, id)?.ok_or_else(|| AppError::not_found("call"))?;
    let role = call_role(conn, &call, staff)?;
    if call.phase == CallPhase::Draft && role != CallRole::Manager {
        return Err(AppError::not_found("call"));
    }
    Ok((call, role))
}

fn managers_only(role: CallRole) -> Result<(), AppError> {
    match role {
        CallRole::Manager => Ok(()),
        _ => Err(AppError::Forbidden(
            "only an admin or a secretary of the call's council may do this".into(),
        )),
    }
}

fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff(staff.0.id.clone())
}

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

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCommittee {
    /// Staff users of the call's council (committee members or secretaries).
    #[validate(length(max = 50))]
    pub user_ids: Vec<UserId>,
}

fn committee_view(conn: &mut DbConn, call: &CallId) -> Result<CommitteeView, AppError> {
    Ok(CommitteeView {
        call_id: call.clone(),
        members: store::committee(conn, call)?
            .into_iter()
            .map(|(user_id, name, email)| CommitteeMember {
                user_id,
                name,
                email,
            })
            .collect(),
    })
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
    let Json(body, _) = body;
    let now = state.now();
    let view = state
        .db
        .write(move |conn| {
            conn.lock_row(LockableTable::Calls, id.as_str())?;
            let (call, role) = call_and_role(conn, &id, &staff)?;
            managers_only(role)?;
            if call.phase == CallPhase::Decided {
                return Err(AppError::Conflict("the call is decided; its committee no longer changes".into()));
            }
            let mut errors = Vec::new();
            for (i, user_id) in body.user_ids.iter().enumerate() {
                let field = format!("user_ids[{i}]");
                match users::find(conn, user_id)? {
                    None => errors.push(FieldError::new(field, "unknown", format!("no user {user_id}"))),
                    Some(u) if u.role == Role::Admin || !u.council_ids.contains(&call.council_id) => errors.push(
                        FieldError::new(field, "not_council_staff", "is not a committee member or secretary of the call's council"),
                    ),
                    Some(_) if body.user_ids[..i].contains(user_id) => {
                        errors.push(FieldError::new(field, "unique", "is listed twice"))
                    }
                    Some(_) => {}
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let before = store::committee(conn, &id)?;
            for (member, name, _) in &before {
                if !body.user_ids.contains(member) && store::count_by_reviewer(conn, &id, member)? > 0 {
                    return Err(AppError::Conflict(format!(
                        "{name} has already reviewed applications of this call and stays on the committee"
                    )));
                }
            }
            store::set_committee(conn, &id, &body.user_ids, now)?;
            let before_ids: Vec<&UserId> = before.iter().map(|m| &m.0).collect();
            audit::record(
                conn,
                Change {
                    call_id: Some(&id),
                    actor: &staff_actor(&staff),
                    action: "committee.set",
                    entity: "call",
                    entity_id: id.as_str(),
                    before: audit::snapshot(&before_ids),
                    after: audit::snapshot(&body.user_ids),
                },
                now,
            )?;
            committee_view(conn, &id)
        })
        .await?;
    Ok(web::Json(view))
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
    let view = state
        .db
        .run(move |conn| {
            let (_, role) = call_and_role(conn, &id, &staff)?;
            if role == CallRole::Outsider {
                return Err(AppError::Forbidden(
                    "only the call's managers and committee see its committee".into(),
                ));
            }
            committee_view(conn, &id)
        })
        .await?;
    Ok(web::Json(view))
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

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRubric {
    pub criteria: Vec<Criterion>,
}

fn rubric_view(conn: &mut DbConn, call: &CallId) -> Result<RubricView, AppError> {
    let (criteria, default) = calls_store::rubric(conn, call)?;
    Ok(RubricView {
        call_id: call.clone(),
        criteria,
        default,
        frozen: store::count_for_call(conn, call)? > 0,
    })
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
    let view = state
        .db
        .run(move |conn| {
            let (_, role) = call_and_role(conn, &id, &staff)?;
            if role == CallRole::Outsider {
                return Err(AppError::Forbidden(
                    "only the call's managers and committee see its rubric".into(),
                ));
            }
            rubric_view(conn, &id)
        })
        .await?;
    Ok(web::Json(view))
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
    let Json(body, _) = body;
    let now = state.now();
    let view = state
        .db
        .write(move |conn| {
            conn.lock_row(LockableTable::Calls, id.as_str())?;
            let (_, role) = call_and_role(conn, &id, &staff)?;
            managers_only(role)?;
            let errors: Vec<FieldError> = scoring::check_rubric(&body.criteria)
                .into_iter()
                .map(|e| FieldError::new(e.field, "rubric", e.message))
                .collect();
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            if store::count_for_call(conn, &id)? > 0 {
                return Err(AppError::Conflict(
                    "reviews are in; the rubric is frozen".into(),
                ));
            }
            let (before, _) = calls_store::rubric(conn, &id)?;
            let criteria: Vec<Criterion> = body
                .criteria
                .into_iter()
                .map(|c| Criterion {
                    name: c.name.normalized(),
                    ..c
                })
                .collect();
            calls_store::set_rubric(conn, &id, &criteria)?;
            audit::record(
                conn,
                Change {
                    call_id: Some(&id),
                    actor: &staff_actor(&staff),
                    action: "rubric.set",
                    entity: "call",
                    entity_id: id.as_str(),
                    before: audit::snapshot(&before),
                    after: audit::snapshot(&criteria),
                },
                now,
            )?;
            rubric_view(conn, &id)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The member sits on the association's board.
    BoardMember,
    /// The member works for the association.
    Employee,
    /// The member is related to the candidate.
    Relative,
    Other,
}

impl ConflictKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::BoardMember => "board_member",
            Self::Employee => "employee",
            Self::Relative => "relative",
            Self::Other => "other",
        }
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareConflict {
    /// The member who steps aside; a member may declare only their own conflicts.
    pub user_id: UserId,
    pub application_id: ApplicationId,
    pub kind: ConflictKind,
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub note: Option<String>,
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
    let id = id.into_inner();
    let Json(body, _) = body;
    let now = state.now();
    let conflict = state
        .db
        .write(move |conn| {
            let (call, role) = call_and_role(conn, &id, &staff)?;
            match role {
                CallRole::Manager => {}
                CallRole::Member if body.user_id == staff.0.id => {}
                CallRole::Member => {
                    return Err(AppError::Forbidden(
                        "a member declares their own conflicts; the secretary records others'"
                            .into(),
                    ));
                }
                CallRole::Outsider => {
                    return Err(AppError::Forbidden(
                        "only the call's managers and committee record conflicts".into(),
                    ));
                }
            }
            if call.phase == CallPhase::Decided {
                return Err(AppError::Conflict("the call is decided".into()));
            }
            let mut errors = Vec::new();
            if !store::is_member(conn, &id, &body.user_id)? {
                errors.push(FieldError::new(
                    "user_id",
                    "not_member",
                    "is not on the call's committee",
                ));
            }
            let application = applications_store::find(conn, &body.application_id)?;
            if application.as_ref().is_none_or(|a| a.call_id != id) {
                errors.push(FieldError::new(
                    "application_id",
                    "unknown",
                    "is not an application to this call",
                ));
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let conflict = Conflict {
                id: ConflictId::new(),
                call_id: id.clone(),
                application_id: body.application_id,
                user_id: body.user_id,
                kind: body.kind.as_str().to_owned(),
                note: body.note,
                declared_by: staff.0.id.clone(),
                created_at: crate::db::to_db_time(now),
            };
            if !store::add_conflict(conn, &conflict)? {
                return Err(AppError::Conflict(
                    "this conflict is already recorded".into(),
                ));
            }
            audit::record(
                conn,
                Change {
                    call_id: Some(&id),
                    actor: &staff_actor(&staff),
                    action: "conflict.recorded",
                    entity: "application",
                    entity_id: conflict.application_id.as_str(),
                    before: None,
                    after: audit::snapshot(&serde_json::json!({
                        "user_id": conflict.user_id, "kind": conflict.kind, "note": conflict.note,
                    })),
                },
                now,
            )?;
            Ok(conflict)
        })
        .await?;
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
    let id = id.into_inner();
    let items = state
        .db
        .run(move |conn| {
            let (_, role) = call_and_role(conn, &id, &staff)?;
            let all = store::conflicts_of_call(conn, &id)?;
            match role {
                CallRole::Manager => Ok(all),
                CallRole::Member => Ok(all
                    .into_iter()
                    .filter(|c| c.user_id == staff.0.id)
                    .collect()),
                CallRole::Outsider => Err(AppError::Forbidden(
                    "only the call's managers and committee see its conflicts".into(),
                )),
            }
        })
        .await?;
    Ok(web::Json(ConflictList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveReview {
    /// A whole number for every criterion of the rubric, within its range.
    #[schema(example = json!({"activity": 4, "liaison": 5, "theme_knowledge": 3, "local_knowledge": 4}))]
    pub scores: BTreeMap<String, i64>,
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
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

fn review_view(review: Review, rubric: &[Criterion]) -> ReviewView {
    ReviewView {
        score: scoring::review_score(rubric, &review.scores),
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
    let id = id.into_inner();
    let Json(body, _) = body;
    let now = state.now();
    let view = state
        .db
        .write(move |conn| {
            let application = applications_store::find(conn, &id)?
                .ok_or_else(|| AppError::not_found("application"))?;
            let (call, role) = call_and_role(conn, &application.call_id, &staff)
                .map_err(|_| AppError::not_found("application"))?;
            match role {
                CallRole::Member => {}
                CallRole::Manager => {
                    return Err(AppError::Forbidden(
                        "only members of the call's committee review; name yourself to it first"
                            .into(),
                    ));
                }
                CallRole::Outsider => return Err(AppError::not_found("application")),
            }
            if store::has_conflict(conn, &id, &staff.0.id)? {
                return Err(AppError::Forbidden(
                    "you have a conflict of interest for this application and step aside".into(),
                ));
            }
            let status = call.status(now);
            if status != CallStatus::Reviewing {
                return Err(AppError::Conflict(format!(
                    "the call is {status}; reviews are given while it is reviewing"
                )));
            }
            if application.status == ApplicationStatus::Withdrawn {
                return Err(AppError::Conflict(
                    "the application has been withdrawn".into(),
                ));
            }
            let (rubric, _) = calls_store::rubric(conn, &call.id)?;
            let errors: Vec<FieldError> = scoring::check_scores(&rubric, &body.scores)
                .into_iter()
                .map(|e| FieldError::new(e.field, "score", e.message))
                .collect();
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let (before, after) = store::save(
                conn,
                &call.id,
                &id,
                &staff.0.id,
                &body.scores,
                body.comment.as_deref(),
                now,
            )?;
            let audited =
                |r: &Review| serde_json::json!({"scores": r.scores, "comment": r.comment});
            audit::record(
                conn,
                Change {
                    call_id: Some(&call.id),
                    actor: &staff_actor(&staff),
                    action: "review.saved",
                    entity: "application",
                    entity_id: id.as_str(),
                    before: before.as_ref().map(audited),
                    after: Some(audited(&after)),
                },
                now,
            )?;
            Ok(review_view(after, &rubric))
        })
        .await?;
    Ok(web::Json(view))
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
    let view = state
        .db
        .run(move |conn| {
            let application = applications_store::find(conn, &id)?
                .ok_or_else(|| AppError::not_found("application"))?;
            let (call, role) = call_and_role(conn, &application.call_id, &staff)
                .map_err(|_| AppError::not_found("application"))?;
            let (rubric, _) = calls_store::rubric(conn, &call.id)?;
            let reviews = store::reviews_of_application(conn, &id)?;
            let (visible, hidden) = match role {
                CallRole::Manager => (reviews, false),
                CallRole::Member if store::has_conflict(conn, &id, &staff.0.id)? => {
                    return Err(AppError::not_found("application"));
                }
                CallRole::Member => {
                    let reviewed = reviews.iter().any(|r| r.reviewer_id == staff.0.id);
                    if reviewed {
                        (reviews, false)
                    } else {
                        (Vec::new(), true)
                    }
                }
                CallRole::Outsider => return Err(AppError::not_found("application")),
            };
            Ok(ApplicationReviews {
                application_id: id,
                others_hidden: hidden,
                reviews: visible
                    .into_iter()
                    .map(|r| review_view(r, &rubric))
                    .collect(),
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// Everything the ranking and the selection need about one application.
#[derive(Debug, Clone)]
pub struct RankedApplication {
    pub application: Application,
    pub rank: usize,
    pub tied: bool,
    pub aggregate: Option<scoring::Aggregate<UserId>>,
}

impl RankedApplication {
    /// The score used for selection (the normalised one); `None` without counted reviews.
    pub fn selection_score(&self) -> Option<f64> {
        self.aggregate.as_ref().and_then(|a| a.normalized)
    }
}

/// The call's submitted applications, ranked per theme (in the call's theme order) by their
/// normalised score. Counted reviews: those of current committee members without a conflict of
/// interest for the application.
pub fn ranking(
    conn: &mut DbConn,
    call: &Call,
) -> Result<Vec<(ThemeArea, Vec<RankedApplication>)>, AppError> {
    let (rubric, _) = calls_store::rubric(conn, &call.id)?;
    let members: Vec<UserId> = store::committee(conn, &call.id)?
        .into_iter()
        .map(|m| m.0)
        .collect();
    let conflicts = store::conflicts_of_call(conn, &call.id)?;
    let submitted = applications_store::submitted_of_call(conn, &call.id)?;
    let counted: Vec<Scored<ApplicationId, UserId>> = store::reviews_of_call(conn, &call.id)?
        .into_iter()
        .filter(|r| members.contains(&r.reviewer_id))
        .filter(|r| {
            !conflicts
                .iter()
                .any(|c| c.application_id == r.application_id && c.user_id == r.reviewer_id)
        })
        .filter(|r| submitted.iter().any(|a| a.id == r.application_id))
        .map(|r| Scored {
            score: scoring::review_score(&rubric, &r.scores),
            application: r.application_id,
            reviewer: r.reviewer_id,
        })
        .collect();
    let mut aggregates = scoring::aggregate(&counted);
    let mut by_theme: BTreeMap<usize, (ThemeArea, Vec<RankedApplication>)> = BTreeMap::new();
    for application in submitted {
        let position = call
            .themes
            .iter()
            .position(|t| *t == application.theme)
            .unwrap_or(usize::MAX);
        by_theme
            .entry(position)
            .or_insert((application.theme, Vec::new()))
            .1
            .push(RankedApplication {
                aggregate: aggregates.remove(&application.id),
                application,
                rank: 0,
                tied: false,
            });
    }
    Ok(by_theme
        .into_values()
        .map(|(theme, mut entries)| {
            let ranks = scoring::rank(&mut entries, RankedApplication::selection_score, |e| {
                e.application.id.clone()
            });
            for (entry, (rank, tied)) in entries.iter_mut().zip(ranks) {
                entry.rank = rank;
                entry.tied = tied;
            }
            (theme, entries)
        })
        .collect())
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

/// Applications a member still has to review: submitted, not conflicted, not yet reviewed by them.
fn remaining_for(
    conn: &mut DbConn,
    call: &CallId,
    member: &UserId,
) -> Result<(usize, Vec<ApplicationId>), AppError> {
    let submitted = applications_store::submitted_of_call(conn, call)?;
    let conflicted: Vec<ApplicationId> = store::conflicts_of_call(conn, call)?
        .into_iter()
        .filter(|c| &c.user_id == member)
        .map(|c| c.application_id)
        .collect();
    let reviewed: Vec<ApplicationId> = store::reviews_of_call(conn, call)?
        .into_iter()
        .filter(|r| &r.reviewer_id == member)
        .map(|r| r.application_id)
        .collect();
    let remaining = submitted
        .iter()
        .filter(|a| !conflicted.contains(&a.id) && !reviewed.contains(&a.id))
        .count();
    Ok((remaining, conflicted))
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
) -> Result<web::Json<RankingView>, AppError> {
    let id = id.into_inner();
    let now = state.now();
    let view = state
        .db
        .run(move |conn| {
            let (call, role) = call_and_role(conn, &id, &staff)?;
            let hide = ranking_access(conn, &call, role, &staff)?;
            Ok(ranking_view(&call, now, ranking(conn, &call)?, &hide))
        })
        .await?;
    Ok(web::Json(view))
}

/// Who may see the ranking; returns the applications to hide from the caller.
fn ranking_access(
    conn: &mut DbConn,
    call: &Call,
    role: CallRole,
    staff: &Staff,
) -> Result<Vec<ApplicationId>, AppError> {
    match role {
        CallRole::Manager => Ok(Vec::new()),
        CallRole::Member => {
            let (remaining, conflicted) = remaining_for(conn, &call.id, &staff.0.id)?;
            if remaining > 0 {
                return Err(AppError::Forbidden(format!(
                    "review your remaining {remaining} application(s) first; the ranking opens to members after their own reviews"
                )));
            }
            Ok(conflicted)
        }
        CallRole::Outsider => Err(AppError::Forbidden(
            "only the call's managers and committee see its ranking".into(),
        )),
    }
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
    let view = state
        .db
        .run(move |conn| {
            let (_, role) = call_and_role(conn, &id, &staff)?;
            if role == CallRole::Outsider {
                return Err(AppError::Forbidden(
                    "only the call's managers and committee see its progress".into(),
                ));
            }
            let members = store::committee(conn, &id)?;
            let submitted = applications_store::submitted_of_call(conn, &id)?;
            let conflicts = store::conflicts_of_call(conn, &id)?;
            let reviews = store::reviews_of_call(conn, &id)?;
            let conflicted = |a: &ApplicationId, u: &UserId| {
                conflicts
                    .iter()
                    .any(|c| &c.application_id == a && &c.user_id == u)
            };
            let member_lines = members
                .iter()
                .filter(|(user, ..)| role == CallRole::Manager || *user == staff.0.id)
                .map(|(user, name, _)| {
                    let to_review = submitted
                        .iter()
                        .filter(|a| !conflicted(&a.id, user))
                        .count();
                    let reviewed = submitted
                        .iter()
                        .filter(|a| {
                            !conflicted(&a.id, user)
                                && reviews
                                    .iter()
                                    .any(|r| r.application_id == a.id && &r.reviewer_id == user)
                        })
                        .count();
                    MemberProgress {
                        user_id: user.clone(),
                        name: name.clone(),
                        to_review,
                        reviewed,
                        remaining: to_review - reviewed,
                        conflicts: submitted.iter().filter(|a| conflicted(&a.id, user)).count(),
                    }
                })
                .collect();
            let application_lines = submitted
                .iter()
                .filter(|a| role == CallRole::Manager || !conflicted(&a.id, &staff.0.id))
                .map(|a| ApplicationProgress {
                    application_id: a.id.clone(),
                    theme: a.theme,
                    reviews: reviews
                        .iter()
                        .filter(|r| {
                            r.application_id == a.id
                                && members.iter().any(|m| m.0 == r.reviewer_id)
                                && !conflicted(&a.id, &r.reviewer_id)
                        })
                        .count(),
                    expected: members.iter().filter(|m| !conflicted(&a.id, &m.0)).count(),
                })
                .collect();
            Ok(ProgressView {
                call_id: id,
                members: member_lines,
                applications: application_lines,
            })
        })
        .await?;
    Ok(web::Json(view))
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
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
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
    staff.require_admin()?;
    let id = id.into_inner();
    let page = page_request(query.0.limit, query.0.cursor)?;
    let entries: Page<audit::Entry> = state
        .db
        .run(move |conn| {
            calls_store::find(conn, &id)?.ok_or_else(|| AppError::not_found("call"))?;
            audit::of_call(conn, &id, &page)
        })
        .await?;
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CsvQuery {
    /// `comma` (default) or `semicolon`. Spreadsheet programs set to Finnish expect semicolons,
    /// and then also get decimal commas.
    pub delimiter: Option<CsvDelimiter>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CsvDelimiter {
    Comma,
    Semicolon,
}

/// A spreadsheet-ready CSV: UTF-8 with a byte-order mark (so that spreadsheet programs recognise
/// UTF-8 and show ä and ö), CRLF line ends, every field quoted as needed, and cells that a
/// spreadsheet would read as a formula prefixed with an apostrophe.
fn csv_response(
    filename: &str,
    delimiter: CsvDelimiter,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<HttpResponse, AppError> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(if delimiter == CsvDelimiter::Semicolon {
            b';'
        } else {
            b','
        })
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let failed = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    writer.write_record(header).map_err(failed)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| {
                if cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err() {
                    format!("'{cell}")
                } else {
                    cell.clone()
                }
            }))
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(bytes))
}

fn number(value: Option<f64>, delimiter: CsvDelimiter) -> String {
    match value {
        None => String::new(),
        Some(v) if delimiter == CsvDelimiter::Semicolon => format!("{v:.4}").replace('.', ","),
        Some(v) => format!("{v:.4}"),
    }
}

/// The call's applications as CSV, for the selection meeting (the call's managers).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path), CsvQuery),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/applications.csv")]
pub async fn applications_csv(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    query: Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let delimiter = query.0.delimiter.unwrap_or(CsvDelimiter::Comma);
    let applications = state
        .db
        .run(move |conn| {
            let (_, role) = call_and_role(conn, &id, &staff)?;
            managers_only(role)?;
            applications_store::all_of_call(conn, &id)
        })
        .await?;
    let rows = applications
        .into_iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                a.status.as_str().into(),
                a.theme.code().into(),
                a.role_preference.as_str().into(),
                a.association.name,
                a.association.business_id,
                a.association.register_number.unwrap_or_default(),
                a.association.municipality_code,
                a.candidate.first_name,
                a.candidate.last_name,
                a.candidate.email,
                a.candidate.phone,
                a.candidate.municipality_code,
                a.candidate.gender.as_str().into(),
                a.candidate.language.code().into(),
                a.motivation,
                crate::domain::call::format_utc(a.submitted_at),
            ]
        })
        .collect();
    csv_response(
        "applications.csv",
        delimiter,
        &[
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
        ],
        rows,
    )
}

/// The ranking as CSV, for the selection meeting (the call's managers).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path), CsvQuery),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/ranking.csv")]
pub async fn ranking_csv(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    query: Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let delimiter = query.0.delimiter.unwrap_or(CsvDelimiter::Comma);
    let ranked = state
        .db
        .run(move |conn| {
            let (call, role) = call_and_role(conn, &id, &staff)?;
            managers_only(role)?;
            ranking(conn, &call)
        })
        .await?;
    let mut rows = Vec::new();
    for (theme, entries) in ranked {
        for e in entries {
            let aggregate = e.aggregate.as_ref();
            rows.push(vec![
                theme.code().to_owned(),
                e.rank.to_string(),
                if e.tied { "yes" } else { "no" }.to_owned(),
                e.application.id.to_string(),
                e.application.candidate.first_name.clone(),
                e.application.candidate.last_name.clone(),
                e.application.association.name.clone(),
                e.application.role_preference.as_str().to_owned(),
                aggregate.map_or(0, |a| a.reviews).to_string(),
                number(aggregate.and_then(|a| a.weighted_mean), delimiter),
                number(aggregate.and_then(|a| a.median), delimiter),
                number(aggregate.and_then(|a| a.normalized), delimiter),
            ]);
        }
    }
    csv_response(
        "ranking.csv",
        delimiter,
        &[
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
        ],
        rows,
    )
}
