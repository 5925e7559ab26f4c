//! Staff users and their tokens.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, RequestDigest, page_request};
use super::idempotency::{self, IdempotencyKey};
use super::rules::{email_address, not_blank};
use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::error::{AppError, FieldError};
use crate::ids::{CouncilId, UserId};
use crate::mail::context::{MessageContext, role_name};
use crate::mail::outbox::{self, Outgoing};
use crate::store::{councils, users as store};

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    #[schema(example = "sihteeri@example.org")]
    pub email: String,
    #[schema(example = "Sanna Sihteeri")]
    pub name: String,
    pub role: Role,
    /// The councils a secretary or committee member works for; empty for admins.
    pub council_ids: Vec<CouncilId>,
    /// The language of messages to the user.
    pub language: Language,
}

impl From<store::User> for UserView {
    fn from(u: store::User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            council_ids: u.council_ids,
            language: u.language,
        }
    }
}

/// A user with a new token, which is shown only in this response.
#[derive(Serialize, ToSchema)]
pub struct UserWithToken {
    #[serde(flatten)]
    pub user: UserView,
    /// The bearer token; store it now, it cannot be shown again.
    #[schema(example = "jss_4f1c...")]
    pub token: String,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[validate(custom(function = "email_address"))]
    #[schema(example = "sihteeri@example.org")]
    pub email: String,
    #[validate(length(max = 200), custom(function = "not_blank"))]
    #[schema(example = "Sanna Sihteeri")]
    pub name: String,
    pub role: Role,
    /// Required for secretaries and committee members; empty for admins.
    #[serde(default)]
    #[validate(length(max = 100))]
    pub council_ids: Vec<CouncilId>,
    /// The language of messages to the user; default `fi`.
    #[serde(default)]
    pub language: Option<Language>,
}

/// Creates a staff user and their first token. An admin creates anyone; a secretary creates
/// committee members for their own councils.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, body = UserWithToken),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    staff: Staff,
    key: IdempotencyKey,
    body: Json<CreateUser>,
) -> Result<HttpResponse, AppError> {
    let Json(mut body, digest) = body;
    if let Some(i) = crate::api::rules::first_duplicate(&body.council_ids, |c| c.clone()) {
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
    let now = state.now();
    let templates = state.templates.clone();
    let docs_url = format!(
        "{}/docs/",
        state.config.server.public_url.trim_end_matches('/')
    );
    let inviter = staff.0.clone();
    let scope = idempotency::staff_scope("POST /api/v1/users", &staff);
    let outcome = state
        .db
        .write(move |conn| {
                idempotency::once(conn, &key, &scope, &digest, now, |conn| {
                let unknown = councils::unknown(conn, &body.council_ids)?;
                if !unknown.is_empty() {
                    let errors = body
                        .council_ids
                        .iter()
                        .enumerate()
                        .filter(|(_, id)| unknown.contains(id))
                        .map(|(i, id)| {
                            FieldError::new(
                                format!("council_ids[{i}]"),
                                "unknown",
                                format!("no council {id}"),
                            )
                        })
                        .collect();
                    return Err(AppError::Validation(errors));
                }
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
                Ok(idempotency::created(UserWithToken { user: user.into(), token }))
                })
            })
        .await?;
    Ok(outcome.into_response())
}

/// The caller.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, response = super::docs::Unauthorized))
)]
#[get("/users/me")]
pub async fn me(staff: Staff) -> web::Json<UserView> {
    web::Json(staff.0.into())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListUsersQuery {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserView>,
    pub next_cursor: Option<String>,
}

/// Staff users: all of them for an admin, those of the caller's councils for a secretary.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(ListUsersQuery),
    responses(
        (status = 200, body = UserList),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    staff: Staff,
    query: Query<ListUsersQuery>,
) -> Result<web::Json<UserList>, AppError> {
    let councils = match staff.0.role {
        Role::Admin => None,
        Role::Secretary => Some(staff.0.council_ids.clone()),
        Role::Committee => {
            return Err(AppError::Forbidden(
                "committee members cannot list users".into(),
            ));
        }
    };
    let page = page_request(query.0.limit, query.0.cursor)?;
    let page = state
        .db
        .run(move |conn| store::list(conn, councils.as_deref(), &page))
        .await?;
    Ok(web::Json(UserList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub user_id: UserId,
    /// The new bearer token; store it now, it cannot be shown again.
    pub token: String,
}

/// Issues another token for a user, e.g. when one was lost (admin). Earlier tokens stay valid.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = UserId, Path, description = "The user")),
    responses(
        (status = 201, body = TokenView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[post("/users/{id}/tokens")]
pub async fn issue_token(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<UserId>,
    key: IdempotencyKey,
) -> Result<HttpResponse, AppError> {
    staff.require_admin()?;
    let id = id.into_inner();
    let now = state.now();
    let scope = idempotency::staff_scope(&format!("POST /api/v1/users/{id}/tokens"), &staff);
    let outcome = state
        .db
        .write(move |conn| {
            idempotency::once(conn, &key, &scope, &RequestDigest::empty(), now, |conn| {
                store::find(conn, &id)?.ok_or_else(|| AppError::not_found("user"))?;
                let token = store::issue_token(conn, &id, now)?;
                Ok(idempotency::created(TokenView {
                    user_id: id.clone(),
                    token,
                }))
            })
        })
        .await?;
    Ok(outcome.into_response())
}
