//! Staff users and their tokens. The workflows are `round::users`.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, RequestDigest, page_request};
use super::idempotency::{self, IdempotencyKey};
use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::error::AppError;
use crate::ids::{CouncilId, UserId};
use crate::round::users as workflow;
pub use crate::round::users::CreateUser;
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
