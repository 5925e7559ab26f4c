//! Request extractors that turn every kind of bad input into a problem+json error naming the
//! field: JSON bodies (content type, size limit, then `input`'s checks: unknown fields, types,
//! control characters, `validator` rules) and query strings.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;
use validator::Validate;

use super::AppState;
use crate::error::AppError;
pub use crate::input::{Form, RequestDigest, parse_body, parse_form};
use crate::input::{is_allowed_char, malformed, shape_error};
use crate::store::PageRequest;

/// A JSON request body, deserialised strictly and validated (422 naming every bad field), with
/// the digest of what was sent.
#[derive(Debug)]
pub struct Json<T>(pub T, pub RequestDigest);

fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<web::Bytes, AppError>> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.round.config.server.body_limit_bytes)
        .unwrap_or(64 * 1024);
    let content_type = check_content_type(req);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        content_type?;
        if declared_length.is_some_and(|n| n > limit) {
            return Err(AppError::PayloadTooLarge { limit });
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                AppError::BadRequest(format!("the request body could not be read: {e}"))
            })?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    })
}

/// A JSON object body, as it is (for merge patches).
#[derive(Debug)]
pub struct RawJson(pub Value);

impl FromRequest for RawJson {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move {
            let value: Value = serde_json::from_slice(&body.await?).map_err(|e| malformed(&e))?;
            if !value.is_object() {
                return Err(AppError::invalid(
                    "",
                    "invalid_type",
                    "the body must be a JSON object",
                ));
            }
            Ok(RawJson(value))
        })
    }
}

impl<T> FromRequest for Json<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move {
            let form = parse_form::<T>(&body.await?)?;
            let digest = form.digest.clone();
            Ok(Json(form.finish(Vec::new())?, digest))
        })
    }
}

impl<T> FromRequest for Form<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move { parse_form::<T>(&body.await?) })
    }
}

fn check_content_type(req: &HttpRequest) -> Result<(), AppError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err(AppError::UnsupportedMediaType(
            "the body must be JSON; send `Content-Type: application/json`".into(),
        ));
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(format!(
            "the body must be JSON (`application/json`), not `{essence}`"
        )))
    }
}

/// A query string, deserialised strictly (unknown parameters are refused).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        let controlled: Vec<crate::error::FieldError> = pairs
            .filter(|(k, v)| !k.chars().chain(v.chars()).all(is_allowed_char))
            .map(|(k, _)| {
                crate::error::FieldError::new(
                    k.chars().filter(|c| !c.is_control()).collect::<String>(),
                    "control_character",
                    "contains a control character (such as U+0000)",
                )
            })
            .collect();
        if !controlled.is_empty() {
            return std::future::ready(Err(AppError::Validation(controlled)));
        }
        let deserializer = serde_urlencoded::Deserializer::new(pairs);
        let result = serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let path = error.path().to_string();
                AppError::Validation(vec![shape_error(&path, &error.into_inner().to_string())])
            });
        std::future::ready(result)
    }
}

/// `?limit=` (default 50, at most 500) and `?cursor=`.
pub fn page_request(limit: Option<u32>, cursor: Option<String>) -> Result<PageRequest, AppError> {
    let limit = limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            "range",
            "must be between 1 and 500",
        ));
    }
    // A cursor is an id as a list returns it: a UUID, hyphenated, lower case.
    let after = match cursor.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            uuid::Uuid::try_parse(text)
                .ok()
                .map(|u| u.hyphenated().to_string())
                .filter(|canonical| canonical == text)
                .ok_or_else(|| {
                    AppError::invalid("cursor", "invalid", "is not a cursor returned by this list")
                })?,
        ),
    };
    Ok(PageRequest {
        limit: i64::from(limit),
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_limits() {
        assert_eq!(page_request(None, None).unwrap().limit, 50);
        assert!(page_request(Some(0), None).is_err());
        assert!(page_request(Some(501), None).is_err());
        assert!(page_request(Some(10), Some("nope".into())).is_err());
    }
}
