//! The authenticated caller as an extractor. Staff send `Authorization: Bearer <token>`; the token
//! is looked up by its digest on every request, and works only if it is not revoked, not expired
//! and its user not deactivated (else 401, the same answer for each). The caller types
//! themselves are `round::access`'s.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::AppState;
use crate::error::AppError;
use crate::round::access::UNKNOWN_TOKEN;
pub use crate::round::access::{ApplicationCaller, Staff};
use crate::store::users;
use crate::tokens;

/// The token from `Authorization: Bearer <token>`, if the header is present. A malformed header
/// is a 401 rather than an anonymous request, so that a client bug is not silently public.
pub fn bearer_token(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthorized("the Authorization header is not readable".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(AppError::Unauthorized(
            "use `Authorization: Bearer <token>`".into(),
        )),
    }
}

async fn resolve(req: &HttpRequest) -> Result<Option<Staff>, AppError> {
    let Some(token) = bearer_token(req)? else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    // The clock of the workflows (a test's manual clock too), read for every request: nothing
    // about a token is cached, so a revocation or deactivation holds from the next request.
    let now = state.round.now();
    let found = state
        .round
        .db
        .run(move |conn| users::find_by_token(conn, &token, now))
        .await?;
    match found {
        Some((user, token_id)) => Ok(Some(Staff(user, token_id))),
        None => Err(AppError::Unauthorized(UNKNOWN_TOKEN.into())),
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            resolve(&req).await?.ok_or_else(|| {
                AppError::Unauthorized("sign in with `Authorization: Bearer <token>`".into())
            })
        })
    }
}

/// A caller who may be anonymous (public endpoints that show staff more).
#[derive(Debug, Clone)]
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequest for MaybeStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(&req).await.map(MaybeStaff) })
    }
}

impl FromRequest for ApplicationCaller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match bearer_token(&req)? {
                Some(token) if token.starts_with(tokens::APPLICANT_PREFIX) => Ok(Self::Applicant {
                    token_digest: tokens::digest(&token),
                }),
                Some(_) => Ok(Self::Staff(
                    resolve(&req).await?.expect("a bearer token was sent, so a staff member or a 401"),
                )),
                None => Err(AppError::Unauthorized(
                    "send `Authorization: Bearer <token>`: the edit token from your submission, or a staff token".into(),
                )),
            }
        })
    }
}
