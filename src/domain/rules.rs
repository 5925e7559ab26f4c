//! Field rules shared by request types, as `validator` custom functions.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::Hash;

use validator::{ValidateEmail, ValidationError};

use crate::domain::localized::LocalizedText;

fn error(code: &'static str, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// A struct-level error about one of the struct's fields (see `error`'s flattening of validator errors).
pub fn field_error(
    field: String,
    code: &'static str,
    message: impl Into<Cow<'static, str>>,
) -> ValidationError {
    let mut e = error(code, message);
    e.add_param(Cow::Borrowed("field"), &field);
    e
}

/// Field errors found by hand, in the form `validator` reports, keyed by their full paths.
pub fn to_validation_errors(
    errors: Vec<crate::domain::field::FieldError>,
) -> validator::ValidationErrors {
    let mut out = validator::ValidationErrors::new();
    for e in errors {
        let error = ValidationError::new("invalid").with_message(e.message.into());
        let error = ValidationError {
            code: e.code.into(),
            ..error
        };
        match out
            .errors_mut()
            .entry(e.field.into())
            .or_insert_with(|| validator::ValidationErrorsKind::Field(Vec::new()))
        {
            validator::ValidationErrorsKind::Field(list) => list.push(error),
            _ => unreachable!("only field errors are inserted"),
        }
    }
    out
}

/// A person's or association's name: not blank, no control characters, at most 200 characters.
/// Kept exactly as typed otherwise (å, ä, ö, emoji and all).
pub fn name(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(error("length", "must not be blank"));
    }
    if text.chars().any(char::is_control) {
        return Err(error(
            "characters",
            "must not contain control characters such as line breaks",
        ));
    }
    if text.chars().count() > 200 {
        return Err(error("length", "must have at most 200 characters"));
    }
    Ok(())
}

/// Free text such as a motivation: not blank, at most 4000 characters.
pub fn free_text(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(error("length", "must not be blank"));
    }
    if text.chars().count() > 4000 {
        return Err(error("length", "must have at most 4000 characters"));
    }
    Ok(())
}

pub fn business_id(text: &str) -> Result<(), ValidationError> {
    if crate::domain::application::is_valid_business_id(text.trim()) {
        Ok(())
    } else {
        Err(error(
            "business_id",
            "is not a valid Finnish business ID (Y-tunnus): seven digits, a dash and the check digit, e.g. 0112038-9",
        ))
    }
}

pub fn register_number(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        // Optional: left blank in a form means not given.
        return Ok(());
    }
    match crate::domain::application::normalize_register_number(text) {
        Some(_) => Ok(()),
        None => Err(error(
            "register_number",
            "must be 1 to 6 digits, with or without the dot, e.g. 123.456",
        )),
    }
}

pub fn phone(text: &str) -> Result<(), ValidationError> {
    match crate::domain::application::normalize_phone(text) {
        Some(_) => Ok(()),
        None => Err(error(
            "phone",
            "is not a phone number; give a Finnish number (040 123 4567) or one with its country code (+46 70 123 45 67)",
        )),
    }
}

pub fn municipality_code(text: &str) -> Result<(), ValidationError> {
    if crate::domain::reference::is_municipality_code(text) {
        Ok(())
    } else {
        Err(error(
            "municipality_code",
            "must be a three-digit Statistics Finland code, e.g. 167",
        ))
    }
}

pub fn must_be_true(value: &bool) -> Result<(), ValidationError> {
    if *value {
        Ok(())
    } else {
        Err(error("must_be_true", "must be true to apply"))
    }
}

/// An email address; surrounding spaces (common from phone keyboards) are ignored.
pub fn email_address(email: &str) -> Result<(), ValidationError> {
    let trimmed = email.trim();
    if trimmed.validate_email() && trimmed.len() <= 254 {
        Ok(())
    } else {
        Err(error("email", "is not a valid email address"))
    }
}

/// A short localized name: Finnish required, at most 200 characters each.
pub fn name_text(text: &LocalizedText) -> Result<(), ValidationError> {
    text.check(200).map_err(|m| error("localized_text", m))
}

/// A long localized text: Finnish required, at most 20 000 characters each.
pub fn long_text(text: &LocalizedText) -> Result<(), ValidationError> {
    text.check(20_000).map_err(|m| error("localized_text", m))
}

/// Not blank after trimming.
pub fn not_blank(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        Err(error("length", "must not be blank"))
    } else {
        Ok(())
    }
}

/// The index of the first item that repeats an earlier one, by `key`.
pub fn first_duplicate<T, K: Hash + Eq>(items: &[T], key: impl Fn(&T) -> K) -> Option<usize> {
    let mut seen = HashSet::new();
    items.iter().position(|item| !seen.insert(key(item)))
}

pub fn unique_strings(items: &[String]) -> Result<(), ValidationError> {
    match first_duplicate(items, |s| s.clone()) {
        Some(i) => Err(error("unique", format!("{} is listed twice", items[i]))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_before_checking() {
        assert!(email_address("  sanna@example.org ").is_ok());
        assert!(email_address("sanna(at)example.org").is_err());
        assert!(email_address("").is_err());
    }

    #[test]
    fn duplicates() {
        assert_eq!(first_duplicate(&[1, 2, 1], |x| *x), Some(2));
        assert_eq!(first_duplicate(&[1, 2, 3], |x| *x), None);
    }
}
