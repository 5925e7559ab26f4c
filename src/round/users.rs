//! Staff users and their tokens.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::Staff;
use super::idempotency::{self, Created, Once};
use crate::db::DbConn;
use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::domain::rules::{email_address, first_duplicate, not_blank};
use crate::error::{AppError, FieldError};
use crate::ids::{CouncilId, UserId};
use crate::mail::context::{MessageContext, role_name};
use crate::mail::outbox::{self, Outgoing};
use crate::store::users::{self as store, User};
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
                let (user, token) = store::create(conn, &new, now)?.ok_or_else(|| {
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

/// Issues another token for a user, e.g. when one was lost (admin). Earlier tokens stay valid.
pub async fn issue_token(
    round: &Round,
    staff: Staff,
    id: UserId,
    once: Once,
) -> Result<Created<IssuedToken>, AppError> {
    staff.require_admin()?;
    let now = round.now();
    round
        .db
        .write(move |conn| {
            idempotency::once(conn, &once, now, |conn| {
                store::find(conn, &id)?.ok_or_else(|| AppError::not_found("user"))?;
                let token = store::issue_token(conn, &id, now)?;
                Ok(IssuedToken {
                    user_id: id.clone(),
                    token,
                })
            })
        })
        .await
}
