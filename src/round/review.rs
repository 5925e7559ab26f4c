//! The committee's review of a call: its members and rubric, conflicts of interest (Hallintolaki
//! 28 §), the members' reviews, the ranking, progress, the audit log and the data of the exports.
//!
//! Everything that changes what a selection run reads (a review, a conflict, the committee) locks
//! the call's row first and reads the call after the lock, so that on PostgreSQL it takes turns
//! with a decision: a review never lands after a decision, and a decision never stands on scores
//! that changed after it read them.

use std::collections::BTreeMap;

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, Staff};
use crate::db::DbConn;
use crate::domain::access::{CallRole, Role};
use crate::domain::call::CallPhase;
use crate::domain::review::{ReviewRefusal, ReviewsShown, review_refusal, reviews_shown};
use crate::domain::scoring::{self, Criterion, Scored};
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, CallId, ConflictId, UserId};
use crate::store::applications::{self as applications_store, Application};
use crate::store::audit::{self, Change};
use crate::store::calls::{self as calls_store, Call};
use crate::store::review::{self as store, Conflict, Review};
use crate::store::{Page, PageRequest, users};

/// A committee member: id, name, email.
pub type CommitteeMember = (UserId, String, String);

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCommittee {
    /// Staff users of the call's council (committee members or secretaries).
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub user_ids: Vec<UserId>,
}

/// The call's committee (its managers and members).
pub async fn committee(
    round: &Round,
    staff: Staff,
    id: CallId,
) -> Result<Vec<CommitteeMember>, AppError> {
    round
        .db
        .run(move |conn| {
            access::call(conn, &id, Some(&staff))?.managers_and_committee("see its committee")?;
            store::committee(conn, &id)
        })
        .await
}

fn check_committee(conn: &mut DbConn, call: &Call, user_ids: &[UserId]) -> Result<(), AppError> {
    let mut errors = Vec::new();
    for (i, user_id) in user_ids.iter().enumerate() {
        let field = format!("user_ids[{i}]");
        match users::find(conn, user_id)? {
            None => errors.push(FieldError::new(
                field,
                "unknown",
                format!("no user {user_id}"),
            )),
            Some(u) if u.role == Role::Admin || !u.council_ids.contains(&call.council_id) => errors
                .push(FieldError::new(
                    field,
                    "not_council_staff",
                    "is not a committee member or secretary of the call's council",
                )),
            Some(u) if u.deactivated_at.is_some() => errors.push(FieldError::new(
                field,
                "deactivated",
                "has been deactivated and no longer reviews",
            )),
            Some(_) if user_ids[..i].contains(user_id) => {
                errors.push(FieldError::new(field, "unique", "is listed twice"))
            }
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Names the call's selection committee (an admin, or a secretary of the council). Members must
/// be staff of the call's council, not deactivated; a member who has already reviewed cannot be
/// removed (409).
pub async fn set_committee(
    round: &Round,
    staff: Staff,
    id: CallId,
    body: SetCommittee,
) -> Result<Vec<CommitteeMember>, AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            // The members' rows before the call's, as a deactivation takes them: a member being
            // deactivated meanwhile is either seen deactivated here, or sees this committee.
            users::lock(conn, &body.user_ids.iter().collect::<Vec<_>>())?;
            let call = access::call_for_change(conn, &id, Some(&staff))?.managed()?;
            if call.phase == CallPhase::Decided {
                return Err(AppError::Conflict(
                    "the call is decided; its committee no longer changes".into(),
                ));
            }
            check_committee(conn, &call, &body.user_ids)?;
            let before = store::committee(conn, &id)?;
            for (member, name, _) in &before {
                if !body.user_ids.contains(member)
                    && store::count_by_reviewer(conn, &id, member)? > 0
                {
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
                    actor: &staff.actor(),
                    action: "committee.set",
                    entity: "call",
                    entity_id: id.as_str(),
                    before: audit::snapshot(&before_ids),
                    after: audit::snapshot(&body.user_ids),
                },
                now,
            )?;
            store::committee(conn, &id)
        })
        .await
}

/// A call's rubric as it stands.
pub struct Rubric {
    pub criteria: Vec<Criterion>,
    /// True while the call uses the default rubric.
    pub default: bool,
    /// True once a review is in: the rubric no longer changes.
    pub frozen: bool,
}

fn rubric_of(conn: &mut DbConn, call: &CallId) -> Result<Rubric, AppError> {
    let (criteria, default) = calls_store::rubric(conn, call)?;
    Ok(Rubric {
        criteria,
        default,
        frozen: store::count_for_call(conn, call)? > 0,
    })
}

/// The call's rubric: its own, or the default one following the call criteria of the
/// paikallis-JANE model (activity and time, liaison, knowledge of the theme, local knowledge).
pub async fn rubric(round: &Round, staff: Staff, id: CallId) -> Result<Rubric, AppError> {
    round
        .db
        .run(move |conn| {
            access::call(conn, &id, Some(&staff))?.managers_and_committee("see its rubric")?;
            rubric_of(conn, &id)
        })
        .await
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRubric {
    /// 1 to 12 criteria, with distinct keys.
    #[schema(min_items = 1, max_items = 12)]
    pub criteria: Vec<Criterion>,
}

/// Sets the call's rubric (an admin, or a secretary of the council): criteria with a localised
/// name, a weight and a whole-number range. Frozen once the first review is in (409).
pub async fn set_rubric(
    round: &Round,
    staff: Staff,
    id: CallId,
    body: SetRubric,
) -> Result<Rubric, AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            access::call_for_change(conn, &id, Some(&staff))?.managed()?;
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
                    actor: &staff.actor(),
                    action: "rubric.set",
                    entity: "call",
                    entity_id: id.as_str(),
                    before: audit::snapshot(&before),
                    after: audit::snapshot(&criteria),
                },
                now,
            )?;
            rubric_of(conn, &id)
        })
        .await
}

#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize, ToSchema, PartialEq, Eq)]
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
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

fn check_conflict(
    conn: &mut DbConn,
    call: &CallId,
    body: &DeclareConflict,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if !store::is_member(conn, call, &body.user_id)? {
        errors.push(FieldError::new(
            "user_id",
            "not_member",
            "is not on the call's committee",
        ));
    }
    let application = applications_store::find(conn, &body.application_id)?;
    if application.as_ref().is_none_or(|a| &a.call_id != call) {
        errors.push(FieldError::new(
            "application_id",
            "unknown",
            "is not an application to this call",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Records a conflict of interest: a member declares their own, or an admin or secretary records
/// one for a member. From then on the member can neither read nor score the application, and any
/// score they gave it is left out of every aggregate.
pub async fn declare_conflict(
    round: &Round,
    staff: Staff,
    id: CallId,
    body: DeclareConflict,
) -> Result<Conflict, AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            let (call, role) = access::call_for_change(conn, &id, Some(&staff))?
                .managers_and_committee("record conflicts")?;
            if role == CallRole::Member && &body.user_id != staff.id() {
                return Err(AppError::Forbidden(
                    "a member declares their own conflicts; the secretary records others'".into(),
                ));
            }
            if call.phase == CallPhase::Decided {
                return Err(AppError::Conflict("the call is decided".into()));
            }
            check_conflict(conn, &id, &body)?;
            let conflict = Conflict {
                id: ConflictId::new(),
                call_id: id.clone(),
                application_id: body.application_id,
                user_id: body.user_id,
                kind: body.kind.as_str().to_owned(),
                note: body.note,
                declared_by: staff.id().clone(),
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
                    actor: &staff.actor(),
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
        .await
}

/// The call's conflicts: all of them for its managers, a member's own for a member.
pub async fn conflicts(round: &Round, staff: Staff, id: CallId) -> Result<Vec<Conflict>, AppError> {
    round
        .db
        .run(move |conn| {
            let (_, role) = access::call(conn, &id, Some(&staff))?
                .managers_and_committee("see its conflicts")?;
            let all = store::conflicts_of_call(conn, &id)?;
            Ok(match role {
                CallRole::Member => all
                    .into_iter()
                    .filter(|c| &c.user_id == staff.id())
                    .collect(),
                _ => all,
            })
        })
        .await
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveReview {
    /// A whole number for every criterion of the rubric, within its range.
    #[schema(example = json!({"activity": 4, "liaison": 5, "theme_knowledge": 3, "local_knowledge": 4}))]
    pub scores: BTreeMap<String, i64>,
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// A review with its score on 0..100 under the call's rubric.
pub struct ScoredReview {
    pub review: Review,
    pub score: f64,
}

fn scored(review: Review, rubric: &[Criterion]) -> ScoredReview {
    ScoredReview {
        score: scoring::review_score(rubric, &review.scores),
        review,
    }
}

fn refused(refusal: ReviewRefusal) -> AppError {
    let text = refusal.to_string();
    match refusal {
        ReviewRefusal::NotVisible => AppError::NotFound(text),
        ReviewRefusal::NotOnCommittee | ReviewRefusal::Conflicted => AppError::Forbidden(text),
        ReviewRefusal::CallNotReviewing(_) | ReviewRefusal::Withdrawn => AppError::Conflict(text),
    }
}

/// The caller's review of an application (a committee member of its call, without a conflict of
/// interest for it). Saving again replaces it (the last save wins), until the review ends.
pub async fn save_review(
    round: &Round,
    staff: Staff,
    id: ApplicationId,
    body: SaveReview,
) -> Result<ScoredReview, AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            let application = applications_store::find(conn, &id)?
                .ok_or_else(|| AppError::not_found("application"))?;
            // Locked before the call is read: a decision of this call waits for this review, or
            // this review sees the decided call.
            let access = access::call_for_change(conn, &application.call_id, Some(&staff))
                .map_err(|_| AppError::not_found("application"))?;
            let call = &access.call;
            let conflicted = store::has_conflict(conn, &id, staff.id())?;
            if let Some(refusal) = review_refusal(
                access.staff_role(),
                conflicted,
                call.status(now),
                application.status,
            ) {
                return Err(refused(refusal));
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
                staff.id(),
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
                    actor: &staff.actor(),
                    action: "review.saved",
                    entity: "application",
                    entity_id: id.as_str(),
                    before: before.as_ref().map(audited),
                    after: Some(audited(&after)),
                },
                now,
            )?;
            Ok(scored(after, &rubric))
        })
        .await
}

/// The reviews of an application a staff member may see, and whether the others' are hidden
/// because the caller has not reviewed it yet.
pub async fn reviews_of_application(
    round: &Round,
    staff: Staff,
    id: ApplicationId,
) -> Result<(Vec<ScoredReview>, bool), AppError> {
    round
        .db
        .run(move |conn| {
            let hidden = || AppError::not_found("application");
            let application = applications_store::find(conn, &id)?.ok_or_else(hidden)?;
            let access =
                access::call(conn, &application.call_id, Some(&staff)).map_err(|_| hidden())?;
            let (rubric, _) = calls_store::rubric(conn, &access.call.id)?;
            let reviews = store::reviews_of_application(conn, &id)?;
            let conflicted = store::has_conflict(conn, &id, staff.id())?;
            let reviewed = reviews.iter().any(|r| &r.reviewer_id == staff.id());
            match reviews_shown(access.staff_role(), conflicted, reviewed) {
                ReviewsShown::All => Ok((
                    reviews.into_iter().map(|r| scored(r, &rubric)).collect(),
                    false,
                )),
                ReviewsShown::NoneUntilOwn => Ok((Vec::new(), true)),
                ReviewsShown::NotVisible => Err(hidden()),
            }
        })
        .await
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

/// The call's ranking: per theme, in the call's theme order.
pub type Ranking = Vec<(ThemeArea, Vec<RankedApplication>)>;

/// The call's submitted applications, ranked per theme (in the call's theme order) by their
/// normalised score. Counted reviews: those of current committee members without a conflict of
/// interest for the application.
pub fn ranking(conn: &mut DbConn, call: &Call) -> Result<Ranking, AppError> {
    let (rubric, _) = calls_store::rubric(conn, &call.id)?;
    let members: Vec<UserId> = store::committee(conn, &call.id)?
        .into_iter()
        .map(|m| m.0)
        .collect();
    let conflicts = store::conflicts_of_call(conn, &call.id)?;
    let submitted = applications_store::submitted_of_call(conn, &call.id)?;
    let submitted_ids: std::collections::HashSet<&ApplicationId> =
        submitted.iter().map(|a| &a.id).collect();
    let conflicted: std::collections::HashSet<(&ApplicationId, &UserId)> = conflicts
        .iter()
        .map(|c| (&c.application_id, &c.user_id))
        .collect();
    let counted: Vec<Scored<ApplicationId, UserId>> = store::reviews_of_call(conn, &call.id)?
        .into_iter()
        .filter(|r| members.contains(&r.reviewer_id))
        .filter(|r| !conflicted.contains(&(&r.application_id, &r.reviewer_id)))
        .filter(|r| submitted_ids.contains(&r.application_id))
        .map(|r| Scored {
            score: scoring::review_score(&rubric, &r.scores),
            application: r.application_id,
            reviewer: r.reviewer_id,
        })
        .collect();
    drop(submitted_ids);
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
    let reviewed: std::collections::HashSet<ApplicationId> = store::reviews_of_call(conn, call)?
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

/// The ranking for its managers, and for committee members once they have reviewed every
/// application they do not have a conflict for; with the applications to hide from the caller
/// (those a member has a conflict for).
pub async fn ranking_for(
    round: &Round,
    staff: Staff,
    id: CallId,
) -> Result<(Call, Ranking, Vec<ApplicationId>), AppError> {
    round
        .db
        .run(move |conn| {
            let (call, role) = access::call(conn, &id, Some(&staff))?
                .managers_and_committee("see its ranking")?;
            let hide = match role {
                CallRole::Member => {
                    let (remaining, conflicted) = remaining_for(conn, &call.id, staff.id())?;
                    if remaining > 0 {
                        return Err(AppError::Forbidden(format!(
                            "review your remaining {remaining} application(s) first; the ranking opens to members after their own reviews"
                        )));
                    }
                    conflicted
                }
                _ => Vec::new(),
            };
            let ranked = ranking(conn, &call)?;
            Ok((call, ranked, hide))
        })
        .await
}

/// Review progress of one member.
pub struct MemberProgress {
    pub user_id: UserId,
    pub name: String,
    pub to_review: usize,
    pub reviewed: usize,
    pub conflicts: usize,
}

/// Review progress of one application.
pub struct ApplicationProgress {
    pub application_id: ApplicationId,
    pub theme: ThemeArea,
    pub reviews: usize,
    pub expected: usize,
}

/// Review progress: per member (a member sees their own line), and per application (those the
/// caller may see).
pub async fn progress(
    round: &Round,
    staff: Staff,
    id: CallId,
) -> Result<(Vec<MemberProgress>, Vec<ApplicationProgress>), AppError> {
    round
        .db
        .run(move |conn| {
            let (_, role) = access::call(conn, &id, Some(&staff))?
                .managers_and_committee("see its progress")?;
            let members = store::committee(conn, &id)?;
            let submitted = applications_store::submitted_of_call(conn, &id)?;
            let conflicts = store::conflicts_of_call(conn, &id)?;
            let reviews = store::reviews_of_call(conn, &id)?;
            let conflicted = |a: &ApplicationId, u: &UserId| {
                conflicts
                    .iter()
                    .any(|c| &c.application_id == a && &c.user_id == u)
            };
            let reviewed_by = |a: &ApplicationId, u: &UserId| {
                reviews
                    .iter()
                    .any(|r| &r.application_id == a && &r.reviewer_id == u)
            };
            let manager = role == CallRole::Manager;
            let member_lines = members
                .iter()
                .filter(|(user, ..)| manager || user == staff.id())
                .map(|(user, name, _)| MemberProgress {
                    user_id: user.clone(),
                    name: name.clone(),
                    to_review: submitted
                        .iter()
                        .filter(|a| !conflicted(&a.id, user))
                        .count(),
                    reviewed: submitted
                        .iter()
                        .filter(|a| !conflicted(&a.id, user) && reviewed_by(&a.id, user))
                        .count(),
                    conflicts: submitted.iter().filter(|a| conflicted(&a.id, user)).count(),
                })
                .collect();
            let application_lines = submitted
                .iter()
                .filter(|a| manager || !conflicted(&a.id, staff.id()))
                .map(|a| ApplicationProgress {
                    application_id: a.id.clone(),
                    theme: a.theme,
                    reviews: members
                        .iter()
                        .filter(|m| !conflicted(&a.id, &m.0) && reviewed_by(&a.id, &m.0))
                        .count(),
                    expected: members.iter().filter(|m| !conflicted(&a.id, &m.0)).count(),
                })
                .collect();
            Ok((member_lines, application_lines))
        })
        .await
}

/// The call's audit log, oldest first (admins).
pub async fn audit_log(
    round: &Round,
    staff: Staff,
    id: CallId,
    page: PageRequest,
) -> Result<Page<audit::Entry>, AppError> {
    round
        .db
        .run(move |conn| {
            access::call(conn, &id, Some(&staff))?;
            staff.require_admin()?;
            audit::of_call(conn, &id, &page)
        })
        .await
}
