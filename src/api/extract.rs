//! Request extractors that turn every kind of bad input into a problem+json error naming the
//! field: JSON bodies (content type, size limit, unknown fields, types, then `validator` rules)
//! and query strings.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use super::AppState;
use crate::error::{AppError, FieldError};
use crate::store::PageRequest;

/// A JSON request body, deserialised strictly and validated.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> FromRequest for Json<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.config.server.body_limit_bytes)
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
            let value: T = parse_json(&body)?;
            value.validate()?;
            Ok(Json(value))
        })
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

/// Deserialises `bytes` as `T`. Broken JSON is a 400; JSON of the wrong shape (unknown field,
/// missing field, wrong type) is a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Syntax first: a body that is not one complete JSON value is a 400 even if its start has the
    // wrong shape.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| malformed(&e))?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                AppError::Validation(vec![shape_error(&path, &inner.to_string())])
            }
            _ => malformed(&inner),
        }
    })?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> AppError {
    AppError::BadRequest(format!("the body is not valid JSON: {error}"))
}

/// Turns a serde message into a field error. serde reports unknown and missing fields at the
/// enclosing object, so the field's own name is taken from the message.
fn shape_error(path: &str, message: &str) -> FieldError {
    let message = strip_position(message);
    let join = |name: &str| match path {
        "." | "" => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    let quoted = message.split('`').nth(1).unwrap_or("").to_owned();
    let field_at = |p: &str| {
        if p == "." {
            String::new()
        } else {
            p.to_owned()
        }
    };
    if message.starts_with("unknown field") {
        // serde_path_to_error already ends the path with the unknown key.
        FieldError::new(
            field_at(path),
            "unknown_field",
            format!("is not a known field; {message}"),
        )
    } else if message.starts_with("missing field") {
        FieldError::new(join(&quoted), "required", "is required")
    } else if message.starts_with("unknown variant") {
        FieldError::new(field_at(path), "invalid_value", message)
    } else if message.starts_with("invalid type")
        || message.starts_with("invalid value")
        || message.starts_with("invalid length")
    {
        FieldError::new(field_at(path), "invalid_type", message)
    } else {
        FieldError::new(field_at(path), "invalid", message)
    }
}

/// serde_json appends " at line 1 column 42"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
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
    let after = match cursor.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            uuid::Uuid::parse_str(text)
                .map_err(|_| {
                    AppError::invalid("cursor", "invalid", "is not a cursor returned by this list")
                })?
                .hyphenated()
                .to_string(),
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
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        email: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        candidate: Inner,
        themes: Vec<u8>,
    }

    fn field_error(body: &str) -> FieldError {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(AppError::Validation(mut errors)) => errors.remove(0),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = field_error(r#"{"candidate": {"email": "a@b.fi", "age": 3}, "themes": []}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("candidate.age", "unknown_field")
        );
        let e = field_error(r#"{"candidate": {}, "themes": []}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("candidate.email", "required")
        );
        let e = field_error(r#"{"candidate": {"email": "x"}, "themes": [1, "two"]}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("themes[1]", "invalid_type")
        );
        let e = field_error(r#"{"candidate": {"email": "x"}, "themes": [], "extra": 1}"#);
        assert_eq!(e.field, "extra");
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert!(matches!(
            parse_json::<Outer>(b"{\"candidate\": "),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Outer>(b"not json"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Outer>(br#"{"candidate": {"email": "x"}, "themes": []} trailing"#),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn page_limits() {
        assert_eq!(page_request(None, None).unwrap().limit, 50);
        assert!(page_request(Some(0), None).is_err());
        assert!(page_request(Some(501), None).is_err());
        assert!(page_request(Some(10), Some("nope".into())).is_err());
    }
}
