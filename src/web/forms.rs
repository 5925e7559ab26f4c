//! Forms as the pages post them (`application/x-www-form-urlencoded`, field names that are the JSON
//! paths of the API's documents) turned into the same JSON documents the API takes, so that both
//! front doors are checked by the same code; and the form state a refused form is shown again
//! with: what was typed, and each field's error in the reader's language.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::i18n::Catalog;
use crate::domain::localized::Language;
use crate::error::FieldError;

/// A posted form: its fields in order, line ends made `\n` (a textarea sends CR LF).
#[derive(Debug, Clone, Default)]
pub struct Posted(Vec<(String, String)>);

impl Posted {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.replace("\r\n", "\n").replace('\r', "\n")))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a checkbox was ticked (it sends `true`; an unticked one sends nothing).
    pub fn ticked(&self, name: &str) -> bool {
        self.get(name) == Some("true")
    }

    /// The JSON document of the given fields: text fields as strings (an empty optional field
    /// left out), checkboxes as booleans. Other posted fields (the form token, the idempotency
    /// key) are not part of the document.
    pub fn document(&self, fields: &[FormField]) -> Value {
        let mut root = Value::Object(Map::new());
        for field in fields {
            let value = match field.kind {
                FieldKind::Checkbox => Value::Bool(self.ticked(field.name)),
                FieldKind::Text | FieldKind::Choice => match self.get(field.name) {
                    Some("") | None if field.optional => continue,
                    Some(v) => Value::String(v.to_owned()),
                    None => Value::String(String::new()),
                },
            };
            set_path(&mut root, field.name, value);
        }
        root
    }

    /// What was typed, by field name, for showing the form again.
    pub fn values(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let object = node.as_object_mut().expect("paths run through objects");
        if parts.peek().is_none() {
            object.insert(part.to_owned(), value);
            return;
        }
        node = object
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// A select or radio group.
    Choice,
    Checkbox,
}

/// A field of a form, by its name (the JSON path).
#[derive(Debug, Clone, Copy)]
pub struct FormField {
    pub name: &'static str,
    pub kind: FieldKind,
    pub optional: bool,
}

const fn text(name: &'static str) -> FormField {
    FormField {
        name,
        kind: FieldKind::Text,
        optional: false,
    }
}

const fn choice(name: &'static str) -> FormField {
    FormField {
        name,
        kind: FieldKind::Choice,
        optional: false,
    }
}

const fn checkbox(name: &'static str) -> FormField {
    FormField {
        name,
        kind: FieldKind::Checkbox,
        optional: false,
    }
}

/// The application form's fields, in the order the page shows them (and the error summary lists
/// them).
pub const APPLICATION_FIELDS: [FormField; 17] = [
    text("association.name"),
    text("association.business_id"),
    FormField {
        name: "association.register_number",
        kind: FieldKind::Text,
        optional: true,
    },
    choice("association.municipality_code"),
    text("candidate.first_name"),
    text("candidate.last_name"),
    text("candidate.email"),
    text("candidate.phone"),
    choice("candidate.municipality_code"),
    choice("candidate.gender"),
    choice("candidate.language"),
    choice("theme"),
    choice("role_preference"),
    text("motivation"),
    checkbox("commitments.has_time"),
    checkbox("commitments.will_liaise"),
    checkbox("consent.accepted"),
];

/// The fields an applicant edits (commitments and consent are given once).
pub fn edit_fields() -> Vec<FormField> {
    APPLICATION_FIELDS
        .iter()
        .copied()
        .filter(|f| !f.name.starts_with("commitments.") && !f.name.starts_with("consent."))
        .collect()
}

/// The element id of a field: its path with dots as dashes (`candidate-email`).
pub fn field_id(name: &str) -> String {
    name.replace('.', "-")
}

/// A refused field as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ShownError {
    pub field: String,
    pub id: String,
    pub message: String,
}

/// The message for a field error, in `language`, saying how to put it right: a message for the
/// field and this kind of error if there is one, else one for the field, else a general one.
pub fn message(catalog: &Catalog, language: Language, error: &FieldError) -> String {
    if error.code == "control_character" {
        return catalog.text(language, "error-control-character");
    }
    let field = field_id(&error.field);
    for key in [
        format!("error-{field}-{}", error.code),
        format!("error-{field}"),
    ] {
        if catalog.has(language, &key) {
            return catalog.text(language, &key);
        }
    }
    catalog.text(language, "error-field")
}

/// The errors of a refused form, one per field, in the order of `fields` (fields the form does
/// not show come last).
pub fn shown_errors(
    catalog: &Catalog,
    language: Language,
    fields: &[FormField],
    errors: &[FieldError],
) -> Vec<ShownError> {
    let position = |name: &str| {
        fields
            .iter()
            .position(|f| f.name == name || name.starts_with(&format!("{}.", f.name)))
            .unwrap_or(usize::MAX)
    };
    let mut shown: Vec<(usize, ShownError)> = Vec::new();
    for error in errors {
        let index = position(&error.field);
        let field = fields
            .get(index)
            .map_or(error.field.clone(), |f| f.name.to_owned());
        if shown.iter().any(|(_, s)| s.field == field) {
            continue;
        }
        shown.push((
            index,
            ShownError {
                id: field_id(&field),
                message: message(catalog, language, error),
                field,
            },
        ));
    }
    shown.sort_by_key(|(i, _)| *i);
    shown.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_form_becomes_the_apis_document() {
        let posted = Posted::parse(
            b"association.name=Kyl%C3%A4+ry&association.register_number=&candidate.first_name=Aino\
              &motivation=rivi%0D%0Atoinen&commitments.has_time=true&form_token=x",
        );
        let doc = posted.document(&APPLICATION_FIELDS);
        assert_eq!(doc["association"]["name"], "Kylä ry");
        assert!(doc["association"].get("register_number").is_none());
        assert_eq!(doc["candidate"]["first_name"], "Aino");
        assert_eq!(doc["candidate"]["email"], "");
        assert_eq!(doc["motivation"], "rivi\ntoinen");
        assert_eq!(doc["commitments"]["has_time"], true);
        assert_eq!(doc["commitments"]["will_liaise"], false);
        assert!(doc.get("form_token").is_none());
    }

    #[test]
    fn errors_follow_the_form_and_say_how_to_fix_them() {
        let catalog = Catalog::new();
        let errors = [
            FieldError::new("motivation", "length", "must not be blank"),
            FieldError::new("association.business_id", "business_id", "bad"),
            FieldError::new("association.business_id", "required", "is required"),
            FieldError::new("association.municipality_code", "outside_area", "outside"),
        ];
        let shown = shown_errors(&catalog, Language::Fi, &APPLICATION_FIELDS, &errors);
        let ids: Vec<&str> = shown.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "association-business_id",
                "association-municipality_code",
                "motivation"
            ]
        );
        assert_eq!(shown[0].message, "Kirjoita Y-tunnus muodossa 1234567-8.");
        assert!(shown[1].message.contains("neuvottelukunnan alueen"));
    }
}
