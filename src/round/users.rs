//! Staff users and their tokens.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use chrono::{DateTime, Utc};

use super::Round;
use super::access::{self, Staff, UNKNOWN_TOKEN};
use super::idempotency::{self, Created, Once};
use crate::db::DbConn;
use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::domain::rules::{email_address, first_duplicate, not_blank};
use crate::error::{AppError, FieldError};
use crate::ids::{CallId, CouncilId, TokenId, UserId};
use crate::mail::context::{MessageContext, role_name};
use crate::mail::outbox::{self, Outgoing};
use crate::store::audit::{self, Change};
use crate::store::review as review_store;
use crate::store::users::{self as store, Token, TokenTerm, User};
use crate::store::{Page, PageRequest, councils};

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[validate(custom(function = "email_address"))]
    #[schema(example = "sihteeri@example.org")]
    pub email: String,
    #[validate(length(max = 200), custom(function = "not_blank"))]
    #[schema(example = "Sanna Sihteeri", min_length = 1, max_length = 200)]
    pub name: String,
    pub role: Role,
    /// Required for secretaries and committee members; empty for admins.
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub council_ids: Vec<CouncilId>,
    /// The language of messages to the user; default `fi`.
    #[serde(default)]
    pub language: Option<Language>,
}

/// A new user and their first token, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewStaff {
    pub user: User,
    pub token: String,
}

/// The councils fit the role, and the caller may create such a user.
fn check_new_user(staff: &Staff, body: &CreateUser) -> Result<(), AppError> {
    if let Some(i) = first_duplicate(&body.council_ids, |c| c.clone()) {
        return Err(AppError::invalid(
            format!("council_ids[{i}]"),
            "unique",
            "is listed twice",
        ));
    }
    match (body.role, body.council_ids.is_empty()) {
        (Role::Admin, false) => {
            return Err(AppError::invalid(
                "council_ids",
                "not_allowed",
                "admins are not tied to councils; leave it empty",
            ));
        }
        (Role::Secretary | Role::Committee, true) => {
            return Err(AppError::invalid(
                "council_ids",
                "required",
                "name at least one council",
            ));
        }
        _ => {}
    }
    if !staff.scope().may_create_user(body.role, &body.council_ids) {
        return Err(AppError::Forbidden(
            "a secretary may create committee members for their own councils only; other users are created by an admin".into(),
        ));
    }
    Ok(())
}

fn known_councils(conn: &mut DbConn, ids: &[CouncilId]) -> Result<(), AppError> {
    let unknown = councils::unknown(conn, ids)?;
    if unknown.is_empty() {
        return Ok(());
    }
    Err(AppError::Validation(
        ids.iter()
            .enumerate()
            .filter(|(_, id)| unknown.contains(id))
            .map(|(i, id)| {
                FieldError::new(
                    format!("council_ids[{i}]"),
                    "unknown",
                    format!("no council {id}"),
                )
            })
            .collect(),
    ))
}

/// Creates a staff user and their first token, and queues their invitation. An admin creates
/// anyone; a secretary creates committee members for their own councils.
pub async fn create(
    round: &Round,
    staff: Staff,
    mut body: CreateUser,
    once: Once,
) -> Result<Created<NewStaff>, AppError> {
    check_new_user(&staff, &body)?;
    let now = round.now();
    let term = token_term(round, now);
    let templates = round.templates.clone();
    let docs_url = format!(
        "{}/docs/",
        round.config.server.public_url.trim_end_matches('/')
    );
    let inviter = staff.0;
    round
        .db
        .write(move |conn| {
            idempotency::once(conn, &once, now, |conn| {
                known_councils(conn, &body.council_ids)?;
                let language = body.language.unwrap_or(Language::Fi);
                body.council_ids.sort();
                let new = store::NewUser {
                    email: &body.email,
                    name: &body.name,
                    role: body.role,
                    council_ids: &body.council_ids,
                    language,
                };
                let (user, token) = store::create(conn, &new, store::label::NEW_USER, term)?
                    .ok_or_else(|| {
                    AppError::Conflict(format!(
                        "a user with the email {} already exists",
                        store::normalize_email(&body.email)
                    ))
                })?;
                let council_names = councils::find_many(conn, &user.council_ids)?
                    .into_iter()
                    .map(|c| c.name.get(language).to_owned())
                    .collect();
                outbox::queue(
                    conn,
                    &templates,
                    Outgoing {
                        language,
                        recipient: &user.email,
                        call_id: None,
                        application_id: None,
                        user_id: Some(&user.id),
                        context: MessageContext::StaffInvitation {
                            recipient: user.name.clone(),
                            role: role_name(user.role, language).to_owned(),
                            councils: council_names,
                            inviter: inviter.name.clone(),
                            docs_url,
                        },
                    },
                    now,
                )?;
                tracing::info!(user_id = %user.id, role = user.role.as_str(), by = %inviter.id, "staff user created");
                Ok(NewStaff { user, token })
            })
        })
        .await
}

/// Staff users: all of them for an admin, those of the caller's councils for a secretary.
pub async fn list(round: &Round, staff: Staff, page: PageRequest) -> Result<Page<User>, AppError> {
    let councils = match staff.0.role {
        Role::Admin => None,
        Role::Secretary => Some(staff.0.council_ids.clone()),
        Role::Committee => {
            return Err(AppError::Forbidden(
                "committee members cannot list users".into(),
            ));
        }
    };
    round
        .db
        .run(move |conn| store::list(conn, councils.as_deref(), &page))
        .await
}

/// A token issued for a user, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedToken {
    pub user_id: UserId,
    pub token: String,
}

/// When a token issued now stops working: `auth.token_ttl_days` later.
fn token_term(round: &Round, now: DateTime<Utc>) -> TokenTerm {
    TokenTerm::from(now, &round.config.auth)
}

/// Issues another token for a user, e.g. when one was lost (admin). Earlier tokens stay valid. A
/// deactivated user gets none (409).
pub async fn issue_token(
    round: &Round,
    staff: Staff,
    id: UserId,
    once: Once,
) -> Result<Created<IssuedToken>, AppError> {
    staff.require_admin()?;
    let now = round.now();
    let term = token_term(round, now);
    round
        .db
        .write(move |conn| {
            idempotency::once(conn, &once, now, |conn| {
                // Takes turns with a deactivation of the same user.
                store::lock(conn, &[&id])?;
                let user = store::find(conn, &id)?.ok_or_else(|| AppError::not_found("user"))?;
                if user.deactivated_at.is_some() {
                    return Err(AppError::Conflict(
                        "the user has been deactivated and gets no new tokens".into(),
                    ));
                }
                let token = store::issue_token(conn, &id, store::label::ISSUED, term)?;
                Ok(IssuedToken {
                    user_id: id.clone(),
                    token,
                })
            })
        })
        .await
}

/// A staff user: an admin sees anyone, a secretary the users of their councils, everyone
/// themselves (403 for anyone else; 404 for an unknown id).
pub async fn get(round: &Round, staff: Staff, id: UserId) -> Result<User, AppError> {
    round
        .db
        .run(move |conn| {
            let user = store::find(conn, &id)?.ok_or_else(|| AppError::not_found("user"))?;
            if user.id != *staff.id() && !staff.scope().may_see_user(&user.council_ids) {
                return Err(AppError::Forbidden(
                    "an admin sees every user, a secretary the users of their councils, others themselves only".into(),
                ));
            }
            Ok(user)
        })
        .await
}

/// Why a user is deactivated.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deactivate {
    /// Why the user leaves. Kept with the user and shown to those who may see them; the audit
    /// log records the deactivation by ids only.
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Left the association's staff."
    )]
    pub reason: String,
}

/// 401, as for an unknown token, if the caller's token stopped working (revoked, expired, or the
/// caller deactivated) after this request was authenticated: checked under the caller's row
/// lock, so that of two admins deactivating each other at once the second finds itself out.
fn still_signed_in(conn: &mut DbConn, staff: &Staff, now: DateTime<Utc>) -> Result<(), AppError> {
    if store::token_is_live(conn, staff.token_id(), now)? {
        Ok(())
    } else {
        Err(AppError::Unauthorized(UNKNOWN_TOKEN.into()))
    }
}

/// Takes the user off the committee of every call not yet decided, each call's row locked first
/// (as every change of what a selection reads), each change audited with the members' ids before
/// and after. Their reviews stay stored; the ranking counts current members' reviews only.
/// Returns the calls left.
fn leave_committees(
    conn: &mut DbConn,
    staff: &Staff,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Vec<CallId>, AppError> {
    let mut locked: Vec<CallId> = Vec::new();
    // Lock, then read again: a call decided while this waited for its lock is left as decided.
    let calls = loop {
        let calls = review_store::undecided_calls_of_member(conn, user)?;
        let unlocked: Vec<CallId> = calls
            .iter()
            .filter(|c| !locked.contains(c))
            .cloned()
            .collect();
        if unlocked.is_empty() {
            break calls;
        }
        for call in unlocked {
            access::lock_call(conn, &call)?;
            locked.push(call);
        }
    };
    for call in &calls {
        let before: Vec<UserId> = review_store::committee(conn, call)?
            .into_iter()
            .map(|m| m.0)
            .collect();
        review_store::remove_member(conn, call, user)?;
        let after: Vec<&UserId> = before.iter().filter(|m| *m != user).collect();
        audit::record(
            conn,
            Change {
                call_id: Some(call),
                actor: &staff.actor(),
                action: "committee.member_deactivated",
                entity: "call",
                entity_id: call.as_str(),
                before: audit::snapshot(&before),
                after: audit::snapshot(&after),
            },
            now,
        )?;
    }
    Ok(calls)
}

/// Deactivates a staff user who leaves (an admin: anyone but themselves; a secretary: committee
/// members of their own councils only). In one transaction: the user is marked deactivated with
/// the reason, every token of theirs is revoked (the next request with one is a 401), they leave
/// the committee of every call not yet decided, and it is audited. Deactivating a deactivated
/// user again changes nothing and answers the user as they are.
pub async fn deactivate(
    round: &Round,
    staff: Staff,
    id: UserId,
    body: Deactivate,
) -> Result<User, AppError> {
    let now = round.now();
    let by = staff.id().clone();
    let (user, changed) = round
        .db
        .write(move |conn| {
            store::lock(conn, &[staff.id(), &id])?;
            still_signed_in(conn, &staff, now)?;
            let user = store::find(conn, &id)?.ok_or_else(|| AppError::not_found("user"))?;
            if user.id == *staff.id() {
                return Err(AppError::Forbidden(
                    "you cannot deactivate yourself; another admin can".into(),
                ));
            }
            if !staff
                .scope()
                .may_deactivate_user(user.role, &user.council_ids)
            {
                return Err(AppError::Forbidden(
                    "a secretary may deactivate committee members of their own councils only; other users are deactivated by an admin".into(),
                ));
            }
            if user.deactivated_at.is_some() {
                return Ok((user, false));
            }
            let left = leave_committees(conn, &staff, &id, now)?;
            let revoked = store::deactivate(conn, &id, &body.reason, now)?;
            audit::record(
                conn,
                Change {
                    call_id: None,
                    actor: &staff.actor(),
                    action: "user.deactivated",
                    entity: "user",
                    entity_id: id.as_str(),
                    before: audit::snapshot(&serde_json::json!({ "deactivated_at": null })),
                    after: audit::snapshot(&serde_json::json!({
                        "deactivated_at": now,
                        "tokens_revoked": revoked,
                        "committees_left": left,
                    })),
                },
                now,
            )?;
            let user = store::find(conn, &id)?
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the user vanished")))?;
            Ok((user, true))
        })
        .await?;
    if changed {
        tracing::info!(user_id = %user.id, by = %by, "staff user deactivated");
    }
    Ok(user)
}

/// Whether a token works now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn of(token: &Token, now: DateTime<Utc>) -> Self {
        if token.revoked_at.is_some() {
            Self::Revoked
        } else if token.expires_at.is_none_or(|at| at <= now) {
            Self::Expired
        } else {
            Self::Active
        }
    }
}

/// The caller's own tokens (active, expired and revoked), oldest first; never their secrets.
pub async fn my_tokens(
    round: &Round,
    staff: Staff,
    page: PageRequest,
) -> Result<Page<Token>, AppError> {
    round
        .db
        .run(move |conn| store::tokens_of(conn, staff.id(), &page))
        .await
}

/// Revokes one of the caller's own tokens (the one in use too: the next request with it is a
/// 401). Someone else's token, or an unknown id, is a 404; revoking a revoked token again
/// changes nothing.
pub async fn revoke_my_token(round: &Round, staff: Staff, id: TokenId) -> Result<(), AppError> {
    let now = round.now();
    round
        .db
        .write(move |conn| {
            let token = store::token_of_user(conn, staff.id(), &id)?
                .ok_or_else(|| AppError::not_found("token"))?;
            if store::revoke_token(conn, &token.id, now)? {
                audit::record(
                    conn,
                    Change {
                        call_id: None,
                        actor: &staff.actor(),
                        action: "token.revoked",
                        entity: "api_token",
                        entity_id: token.id.as_str(),
                        before: audit::snapshot(&serde_json::json!({ "revoked_at": null })),
                        after: audit::snapshot(&serde_json::json!({ "revoked_at": now })),
                    },
                    now,
                )?;
            }
            Ok(())
        })
        .await
}
