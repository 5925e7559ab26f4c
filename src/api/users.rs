//! Staff users and their tokens. The workflows are `round::users`.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, RequestDigest, page_request};
use super::idempotency::{self, IdempotencyKey};
use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::error::AppError;
use crate::ids::{CouncilId, TokenId, UserId};
use crate::round::users::{self as workflow, TokenStatus};
pub use crate::round::users::{CreateUser, Deactivate};
use crate::store::users as store;

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
    /// When the user was deactivated (`POST /users/{id}/deactivate`); null while they are
    /// active. A deactivated user's tokens do not work.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// The reason given when the user was deactivated.
    pub deactivation_reason: Option<String>,
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
            deactivated_at: u.deactivated_at,
            deactivation_reason: u.deactivation_reason,
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

/// Creates a staff user and their first token. An admin creates anyone; a secretary creates
/// committee members for their own councils.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 16, max_length = 255, pattern = r"^[!-~]+$", description = "16 to 255 visible ASCII characters, e.g. a UUID. Repeat the same request with the same key to get the first response again")),
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
    let Json(body, digest) = body;
    let once = key.of_staff("POST /api/v1/users", &staff, &digest);
    let created = workflow::create(&state.round, staff, body, once).await?;
    Ok(idempotency::created(
        created,
        |new| UserWithToken {
            user: new.user.into(),
            token: new.token,
        },
        None,
    ))
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
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserView>,
    pub next_cursor: Option<String>,
}

/// Staff users: all of them for an admin, those of the caller's councils for a secretary.
/// Deactivated users are listed too, with `deactivated_at`.
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
    let page = page_request(query.0.limit, query.0.cursor)?;
    let page = workflow::list(&state.round, staff, page).await?;
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
/// It works for `auth.token_ttl_days` (default 365) unless revoked first. A deactivated user gets
/// none (409).
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(
        ("id" = UserId, Path, description = "The user"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 16, max_length = 255, pattern = r"^[!-~]+$", description = "16 to 255 visible ASCII characters, e.g. a UUID. Repeat the same request with the same key to get the first response again")
    ),
    responses(
        (status = 201, body = TokenView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
// Any segment but `me`: `POST /users/me/tokens` is then no route of this one (which would take
// `me` for an id) but a 405 naming the methods `/users/me/tokens` serves. The OpenAPI path is
// `/users/{id}/tokens` all the same.
#[post("/users/{id:(?:[^m/][^/]*|m[^e/][^/]*|me[^/]+|m)}/tokens")]
pub async fn issue_token(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<UserId>,
    key: IdempotencyKey,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let once = key.of_staff(
        &format!("POST /api/v1/users/{id}/tokens"),
        &staff,
        &RequestDigest::empty(),
    );
    let created = workflow::issue_token(&state.round, staff, id, once).await?;
    Ok(idempotency::created(
        created,
        |t| TokenView {
            user_id: t.user_id,
            token: t.token,
        },
        None,
    ))
}

/// A staff user: an admin sees anyone, a secretary the users of their councils, everyone
/// themselves. A deactivated user shows `deactivated_at`.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = UserId, Path, description = "The user")),
    responses(
        (status = 200, body = UserView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<UserId>,
) -> Result<web::Json<UserView>, AppError> {
    let user = workflow::get(&state.round, staff, id.into_inner()).await?;
    Ok(web::Json(user.into()))
}

/// Deactivates a staff user who leaves: an admin anyone but themselves, a secretary the
/// committee members of their own councils.
///
/// A member who also works for another council is an admin's to deactivate. In one transaction
/// every token of the user is revoked (their next request is a 401), they leave the committee of
/// every call not yet decided (their reviews there stay stored but no longer count in the
/// ranking; on decided calls they stay), and the deactivation is audited by ids. Deactivating a
/// deactivated user again changes nothing and answers 200 with the user as they are (the first
/// reason stays).
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = UserId, Path, description = "The user")),
    request_body = Deactivate,
    responses(
        (status = 200, body = UserView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<UserId>,
    body: Json<Deactivate>,
) -> Result<web::Json<UserView>, AppError> {
    let user = workflow::deactivate(&state.round, staff, id.into_inner(), body.0).await?;
    Ok(web::Json(user.into()))
}

/// One of the caller's tokens; the token itself is never shown again (only its digest is kept).
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: TokenId,
    /// How it was issued: `create-admin`, `POST /users` (with the user) or
    /// `POST /users/{id}/tokens`; null for tokens issued before labels were kept.
    #[schema(example = "POST /users")]
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it stops working (`auth.token_ttl_days` after it was issued).
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether it works now.
    pub status: TokenStatus,
    /// True for the token this request was made with.
    pub current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenInfo>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListTokensQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub cursor: Option<String>,
}

/// The caller's own tokens, active, expired and revoked, oldest first.
///
/// Each says how it was issued, when it expires, whether it works now, and whether it is the one
/// this request uses (`current`); never the token itself. Last use is not tracked (it would make
/// every request a write).
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(ListTokensQuery),
    responses(
        (status = 200, body = TokenList),
        (status = 401, response = super::docs::Unauthorized),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[get("/users/me/tokens")]
pub async fn my_tokens(
    state: web::Data<AppState>,
    staff: Staff,
    query: Query<ListTokensQuery>,
) -> Result<web::Json<TokenList>, AppError> {
    let page = page_request(query.0.limit, query.0.cursor)?;
    let current = staff.token_id().clone();
    let page = workflow::my_tokens(&state.round, staff, page).await?;
    let now = state.now();
    Ok(web::Json(TokenList {
        items: page
            .items
            .into_iter()
            .map(|t| TokenInfo {
                status: TokenStatus::of(&t, now),
                current: t.id == current,
                id: t.id,
                label: t.label,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Revokes one of the caller's own tokens, e.g. one on a lost laptop.
///
/// It stops working at once (the one in use too: the next request with it is a 401). Another
/// user's token is a 404; revoking a revoked token again changes nothing (204).
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = TokenId, Path, description = "The token's id, from `GET /users/me/tokens`")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = super::docs::Unauthorized),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[delete("/users/me/tokens/{id}")]
pub async fn revoke_my_token(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<TokenId>,
) -> Result<HttpResponse, AppError> {
    workflow::revoke_my_token(&state.round, staff, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
