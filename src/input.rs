//! Checked input from JSON documents, shared by the JSON API and the pages (whose forms are read
//! into the same document): every shape error, control character and rule violation is named at
//! once, with the path of its field (`candidate.email`, `themes[2].deputies`).

use serde::de::DeserializeOwned;
use serde_json::Value;
use validator::Validate;

use crate::error::{AppError, FieldError};

/// A JSON request body whose shape and rule errors are handed to the handler rather than answered
/// at once, so that the handler can add what only the database can check and answer with one
/// 422 listing everything.
#[derive(Debug)]
pub struct Form<T> {
    /// The body with any broken parts replaced by placeholders; `None` if it could not be read as
    /// `T` at all.
    pub value: Option<T>,
    pub errors: Vec<FieldError>,
    repaired: Vec<String>,
    pub digest: RequestDigest,
}

impl<T> Form<T> {
    /// Whether `field` (or a field around or inside it) was already found broken; checks of such
    /// fields would only judge a placeholder.
    pub fn already_invalid(&self, field: &str) -> bool {
        self.repaired
            .iter()
            .chain(self.errors.iter().map(|e| &e.field))
            .any(|r| related(field, r))
    }

    /// Adds the handler's own findings (those about fields not already reported) and answers 422
    /// if there is anything to report.
    pub fn finish(mut self, more: Vec<FieldError>) -> Result<T, AppError> {
        let more: Vec<FieldError> = more
            .into_iter()
            .filter(|e| !self.already_invalid(&e.field))
            .collect();
        self.errors.extend(more);
        match self.value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => {
                self.errors
                    .sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
                self.errors.dedup();
                Err(AppError::Validation(self.errors))
            }
        }
    }
}

/// A digest of the request body as JSON (key order and whitespace do not matter), for telling
/// a repeated request from a different one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDigest(pub String);

impl RequestDigest {
    fn of(value: &Value) -> Self {
        // serde_json's maps are sorted, so this text is canonical.
        Self(crate::tokens::digest(&value.to_string()))
    }

    /// For requests without a body.
    pub fn empty() -> Self {
        Self(crate::tokens::digest(""))
    }
}

/// Reads `bytes` as `T` and validates it, naming every bad field at once. Broken JSON is a 400;
/// JSON of the wrong shape (unknown or missing fields, wrong types) and values that break a rule
/// are one 422 listing each field.
pub fn parse_body<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    parse_form(bytes)?.finish(Vec::new())
}

/// Reads `bytes` as `T`, collecting every shape error and rule violation instead of stopping at
/// the first.
///
/// serde stops at the first shape error, so after each one the offending value is repaired (an
/// unknown field removed, a missing or mistyped one replaced by a placeholder) and the parse is
/// tried again. Rule violations are collected once the shape is right; those on repaired fields
/// are left out, since they concern the placeholder and not what the client sent.
pub fn parse_form<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<Form<T>, AppError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;
    parse_value(value)
}

/// As `parse_form`, for a document already read (a merge-patched application, a page's form).
pub fn parse_value<T: DeserializeOwned + Validate>(mut value: Value) -> Result<Form<T>, AppError> {
    if !value.is_object() {
        // Every request body of this API is an object (serde would also read a struct from an
        // array, which only confuses the error messages).
        return Err(AppError::invalid(
            "",
            "invalid_type",
            "the body must be a JSON object",
        ));
    }
    whole_numbers(&mut value);
    let digest = RequestDigest::of(&value);
    // Control characters are named first and taken out, so that no rule judges them again and
    // nothing that holds them is ever stored (PostgreSQL refuses U+0000 in text outright).
    let mut errors: Vec<FieldError> = control_characters(&mut value, "");
    let mut repaired: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    let parsed = loop {
        if repaired.len() > MAX_REPAIRS {
            break None;
        }
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(parsed) => break Some(parsed),
            Err(error) => error,
        };
        let (error, at) = located(&error);
        if !repaired.iter().any(|r| related(&error.field, r)) {
            errors.push(error.clone());
        }
        if !repair::<T>(&mut value, &error, &at) {
            break None;
        }
        repaired.push(error.field);
    };
    if let Some(parsed) = &parsed
        && let Err(invalid) = parsed.validate()
        && let AppError::Validation(list) = AppError::from(invalid)
    {
        errors.extend(
            list.into_iter()
                .filter(|e| !repaired.iter().any(|r| related(&e.field, r))),
        );
    }
    Ok(Form {
        value: parsed,
        errors,
        repaired,
        digest,
    })
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
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A shape error and where it is, as steps into the body. serde reports a missing field at its
/// parent, so its own name is added. The steps come from serde's own path rather than from the
/// text of `field`, which cannot tell a key `a.b` from a key `b` inside `a`.
fn located(error: &serde_path_to_error::Error<serde_json::Error>) -> (FieldError, Vec<Step>) {
    let field_error = shape_error(&error.path().to_string(), &error.inner().to_string());
    let mut at: Vec<Step> = error
        .path()
        .iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            _ => None,
        })
        .collect();
    if field_error.code == "required"
        && let Some(name) = error.inner().to_string().split('`').nth(1)
    {
        at.push(Step::Key(name.to_owned()));
    }
    (field_error, at)
}

fn child_mut<'a>(value: &'a mut Value, step: &Step) -> Option<&'a mut Value> {
    match step {
        Step::Key(key) => value.as_object_mut()?.get_mut(key),
        Step::Index(i) => value.as_array_mut()?.get_mut(*i),
    }
}

/// The values a serde message says it expected: "expected one of `a`, `b`" gives `a` and `b`.
fn expected_values(message: &str) -> Vec<Value> {
    message
        .split_once("expected")
        .map(|(_, rest)| {
            rest.split('`')
                .skip(1)
                .step_by(2)
                .map(|v| Value::String(v.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The place `last` names under the parent reached by `parents`, created if it is a missing key.
fn slot_mut<'a>(value: &'a mut Value, parents: &[Step], last: &Step) -> Option<&'a mut Value> {
    let mut parent = value;
    for step in parents {
        parent = child_mut(parent, step)?;
    }
    match last {
        Step::Key(key) => Some(
            parent
                .as_object_mut()?
                .entry(key.clone())
                .or_insert(Value::Null),
        ),
        Step::Index(i) => parent.as_array_mut()?.get_mut(*i),
    }
}

/// Makes `error` go away in `value`, so that parsing can go on to the next problem.
fn repair<T: DeserializeOwned>(value: &mut Value, error: &FieldError, at: &[Step]) -> bool {
    let Some((last, parents)) = at.split_last() else {
        return false;
    };
    if error.code == "unknown_field" {
        let mut parent = &mut *value;
        for step in parents {
            match child_mut(parent, step) {
                Some(next) => parent = next,
                None => return false,
            }
        }
        return matches!(last, Step::Key(key) if parent.as_object_mut().and_then(|o| o.remove(key)).is_some());
    }
    // Whether the parse now gets past this field (to another error, or to the end).
    let passes = |value: &Value| match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(_) => true,
        Err(e) => located(&e).1 != at,
    };
    // serde names the expected variants of an enum in its message; any of them parses. Then
    // values of the common types. Last, whatever an unknown string makes serde list as expected
    // (the variants of an enum whose field was missing altogether).
    let generic = [
        Value::Null,
        Value::String(String::new()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(Default::default()),
        Value::String("1970-01-01".into()),
        Value::String("00000000-0000-0000-0000-000000000000".into()),
    ];
    let probe = || {
        let mut trial = value.clone();
        if let Some(slot) = slot_mut(&mut trial, parents, last) {
            *slot = Value::String("\u{1}".into());
        }
        match serde_path_to_error::deserialize::<_, T>(&trial) {
            Err(e) => expected_values(&e.inner().to_string()),
            Ok(_) => Vec::new(),
        }
    };
    let mut candidates = expected_values(&error.message);
    candidates.extend(generic);
    candidates.extend(probe());
    for candidate in candidates {
        match slot_mut(value, parents, last) {
            Some(slot) => *slot = candidate,
            None => return false,
        }
        if passes(value) {
            return true;
        }
    }
    false
}

pub fn malformed(error: &serde_json::Error) -> AppError {
    AppError::BadRequest(format!("the body is not valid JSON: {error}"))
}

/// Turns a serde message into a field error. serde reports unknown and missing fields at the
/// enclosing object, so the field's own name is taken from the message.
pub fn shape_error(path: &str, message: &str) -> FieldError {
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

/// JSON does not tell `4` from `4.0`, and JSON Schema counts both as integers: a whole number
/// written with a fraction becomes the integer it is, so integer fields take it.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Within 2^53 a double holds every integer exactly.
            if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Whether `c` may appear in a text field: anything but control characters, except tab and
/// line feed (a form's CR LF line ends are made LF before they get here).
pub fn is_allowed_char(c: char) -> bool {
    !c.is_control() || c == '\t' || c == '\n'
}

/// Names every string (and object key) under `value` that holds a control character other than
/// tab and line feed, and removes those characters, so that the document can still be checked
/// for its other problems.
pub fn control_characters(value: &mut Value, path: &str) -> Vec<FieldError> {
    let mut found = Vec::new();
    let error = |field: &str, what: &str| {
        FieldError::new(
            field,
            "control_character",
            format!(
                "{what} a control character (such as U+0000); only tab and line feed are allowed"
            ),
        )
    };
    match value {
        Value::String(text) if !text.chars().all(is_allowed_char) => {
            found.push(error(path, "contains"));
            text.retain(is_allowed_char);
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                found.extend(control_characters(item, &format!("{path}[{i}]")));
            }
        }
        Value::Object(map) => {
            let bad_keys: Vec<String> = map
                .keys()
                .filter(|k| !k.chars().all(is_allowed_char))
                .cloned()
                .collect();
            for key in bad_keys {
                found.push(error(path, "has a key with"));
                map.remove(&key);
            }
            for (key, item) in map.iter_mut() {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                found.extend(control_characters(item, &field));
            }
        }
        _ => {}
    }
    found
}

/// RFC 7396 JSON merge patch: objects merge key by key, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(changes) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let object = target.as_object_mut().expect("made an object above");
            for (key, change) in changes {
                if change.is_null() {
                    object.remove(key);
                } else {
                    merge_patch(object.entry(key.clone()).or_insert(Value::Null), change);
                }
            }
        }
        other => *target = other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        email: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "`themes` is only deserialized, for its errors")]
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
    fn keys_with_dots_or_brackets_do_not_stop_the_search() {
        let errors = field_errors(
            r#"{"candidate": {"email": 5}, "themes": [1, "x"], "a.b": 1, "c[0]": 2, "": 3}"#,
        );
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["", "a.b", "c[0]", "candidate.email", "themes[1]"]);
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
    fn whole_numbers_with_a_fraction_are_integers() {
        let mut value = serde_json::json!({"a": 4.0, "b": [0.5, -2.0], "c": 1e300, "d": 7});
        whole_numbers(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"a": 4, "b": [0.5, -2], "c": 1e300, "d": 7})
        );
    }

    #[test]
    fn control_characters_are_named_and_taken_out() {
        let errors =
            field_errors("{\"candidate\": {\"email\": \"a\\u0000@b.fi\"}, \"themes\": []}");
        assert_eq!(
            errors,
            [("candidate.email".to_owned(), "control_character".to_owned())]
        );
        let mut value = serde_json::json!({"a": ["ok\ttab\nline", "bell\u{7}"], "k\u{1b}": 1});
        let found = control_characters(&mut value, "");
        let fields: Vec<&str> = found.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["", "a[1]"]);
        assert_eq!(value, serde_json::json!({"a": ["ok\ttab\nline", "bell"]}));
    }
}
