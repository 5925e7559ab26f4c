//! Request extractors that turn every kind of bad input into a problem+json error naming the
//! field: JSON bodies (content type, size limit, unknown fields, types, then `validator` rules)
//! and query strings.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;
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
            Ok(Json(parse_body(&body)?))
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

/// Reads `bytes` as `T` and validates it, naming every bad field at once. Broken JSON is a 400;
/// JSON of the wrong shape (unknown or missing fields, wrong types) and values that break a rule
/// are one 422 listing each field.
///
/// serde stops at the first shape error, so after each one the offending value is repaired (an
/// unknown field removed, a missing or mistyped one replaced by a placeholder) and the parse is
/// tried again. Rule violations are collected once the shape is right; those on repaired fields
/// are left out, since they concern the placeholder and not what the client sent.
pub fn parse_body<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;
    if !value.is_object() {
        // Every request body of this API is an object (serde would also read a struct from an
        // array, which only confuses the error messages).
        return Err(AppError::invalid(
            "",
            "invalid_type",
            "the body must be a JSON object",
        ));
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let mut repaired: Vec<String> = Vec::new();
    let outcome = loop {
        if repaired.len() > MAX_REPAIRS {
            break None;
        }
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(parsed) => break Some(parsed),
            Err(error) => error,
        };
        let error = shape_error(&error.path().to_string(), &error.into_inner().to_string());
        if !repaired.iter().any(|r| related(&error.field, r)) {
            errors.push(error.clone());
        }
        if !repair::<T>(&mut value, &error) {
            break None;
        }
        repaired.push(error.field);
    };
    if let Some(parsed) = outcome {
        if let Err(invalid) = parsed.validate()
            && let AppError::Validation(list) = AppError::from(invalid)
        {
            errors.extend(
                list.into_iter()
                    .filter(|e| !repaired.iter().any(|r| related(&e.field, r))),
            );
        }
        if errors.is_empty() {
            return Ok(parsed);
        }
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
    errors.dedup();
    Err(AppError::Validation(errors))
}

/// Enough for any request body of this API.
const MAX_REPAIRS: usize = 64;

/// Whether one path is the other, or lies inside it.
fn related(a: &str, b: &str) -> bool {
    let inside = |x: &str, y: &str| {
        x == y || x.starts_with(&format!("{y}.")) || x.starts_with(&format!("{y}["))
    };
    inside(a, b) || inside(b, a)
}

/// One step of a path such as `themes[1].theme`.
enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        }
        while let Some(close) = rest.find(']') {
            steps.push(Step::Index(rest.get(1..close)?.parse().ok()?));
            rest = &rest[close + 1..];
        }
    }
    Some(steps)
}

fn child_mut<'a>(value: &'a mut Value, step: &Step) -> Option<&'a mut Value> {
    match step {
        Step::Key(key) => value.as_object_mut()?.get_mut(key),
        Step::Index(i) => value.as_array_mut()?.get_mut(*i),
    }
}

/// Makes `error` go away in `value`, so that parsing can go on to the next problem.
fn repair<T: DeserializeOwned>(value: &mut Value, error: &FieldError) -> bool {
    let Some(path) = steps(&error.field) else {
        return false;
    };
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut parent = &mut *value;
    for step in parents {
        match child_mut(parent, step) {
            Some(next) => parent = next,
            None => return false,
        }
    }
    if error.code == "unknown_field" {
        return matches!(last, Step::Key(key) if parent.as_object_mut().and_then(|o| o.remove(key)).is_some());
    }
    // serde names the expected variants of an enum in its message; any of them parses.
    let expected = error
        .message
        .split_once("expected")
        .map(|(_, rest)| {
            rest.split('`')
                .skip(1)
                .step_by(2)
                .map(|v| Value::String(v.to_owned()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let placeholders = expected.into_iter().chain([
        Value::Null,
        Value::String(String::new()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(Default::default()),
        Value::String("1970-01-01".into()),
        Value::String("00000000-0000-0000-0000-000000000000".into()),
    ]);
    for placeholder in placeholders {
        let slot = match last {
            Step::Key(key) => match parent.as_object_mut() {
                Some(object) => object.entry(key.clone()).or_insert(Value::Null),
                None => return false,
            },
            Step::Index(i) => match parent.as_array_mut().and_then(|a| a.get_mut(*i)) {
                Some(slot) => slot,
                None => return false,
            },
        };
        *slot = placeholder;
        // Accepted once the parse gets past this field (to another error or to success).
        match serde_path_to_error::deserialize::<_, T>(&*value) {
            Ok(_) => return true,
            Err(e)
                if shape_error(&e.path().to_string(), &e.inner().to_string()).field
                    != error.field =>
            {
                return true;
            }
            Err(_) => {}
        }
        // Re-walk to the parent: `value` was borrowed for the trial parse.
        parent = &mut *value;
        for step in parents {
            parent = child_mut(parent, step).expect("the path existed a moment ago");
        }
    }
    false
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

    impl Validate for Outer {
        fn validate(&self) -> Result<(), validator::ValidationErrors> {
            let mut errors = validator::ValidationErrors::new();
            if !self.candidate.email.contains('@') {
                errors.add("candidate", validator::ValidationError::new("email"));
            }
            if errors.is_empty() {
                Ok(())
            } else {
                Err(errors)
            }
        }
    }

    fn field_errors(body: &str) -> Vec<(String, String)> {
        match parse_body::<Outer>(body.as_bytes()) {
            Err(AppError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn field_error(body: &str) -> FieldError {
        match parse_body::<Outer>(body.as_bytes()) {
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
        let e = field_error(r#"{"candidate": {"email": "x@y"}, "themes": [1, "two"]}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("themes[1]", "invalid_type")
        );
        let e = field_error(r#"{"candidate": {"email": "x@y"}, "themes": [], "extra": 1}"#);
        assert_eq!(e.field, "extra");
    }

    #[test]
    fn every_shape_error_and_rule_violation_is_named_at_once() {
        let errors = field_errors(
            r#"{"candidate": {"email": 5, "age": 1}, "themes": [1, "x", -2], "more": true}"#,
        );
        assert_eq!(
            errors,
            [
                ("candidate.age".to_owned(), "unknown_field".to_owned()),
                ("candidate.email".to_owned(), "invalid_type".to_owned()),
                ("more".to_owned(), "unknown_field".to_owned()),
                ("themes[1]".to_owned(), "invalid_type".to_owned()),
                ("themes[2]".to_owned(), "invalid_type".to_owned()),
            ]
        );
        // Rules are checked too, except on fields that were themselves broken.
        assert_eq!(
            field_errors(r#"{"candidate": {"email": "no-at"}, "themes": [1, "x"]}"#),
            [
                ("candidate".to_owned(), "email".to_owned()),
                ("themes[1]".to_owned(), "invalid_type".to_owned()),
            ]
        );
        assert_eq!(
            field_errors(r#"{"themes": []}"#),
            [("candidate".to_owned(), "required".to_owned())]
        );
        assert_eq!(
            field_errors(r#"[1, 2]"#),
            [(String::new(), "invalid_type".to_owned())]
        );
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert!(matches!(
            parse_body::<Outer>(b"{\"candidate\": "),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_body::<Outer>(b"not json"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_body::<Outer>(br#"{"candidate": {"email": "x"}, "themes": []} trailing"#),
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
