//! The parts of the OpenAPI document that do not come from a handler: title, description, the
//! bearer security scheme and the reusable error responses.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

use utoipa::openapi::{Ref, RefOr};

use super::problem::Problem;
use crate::error::FieldError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jane-seats",
        description = "Open application rounds (avoin haku) for seats on the North Karelian NGO advisory boards: \
the regional JANE and the municipal paikallis-JANEs.\n\n\
Conventions: JSON in UTF-8; unknown JSON fields are rejected with 422; ids are UUID v7; instants are RFC 3339 \
in UTC (`2027-05-31T13:00:00Z`). Deadlines may be entered as local times in the call's time zone. Lists take \
`?limit=` (default 50, max 500) and `?cursor=` and answer `{\"items\", \"next_cursor\"}`. Every error is an RFC 9457 \
`application/problem+json` document; validation errors list every bad field in `errors`. \
Staff authenticate with `Authorization: Bearer <token>`.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    components(
        schemas(Problem, FieldError),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
            PreconditionRequired, PayloadTooLarge, UnsupportedMediaType, ValidationFailed,
            TooManyRequests, Internal, Unavailable
        )
    ),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "reference", description = "Theme areas, municipalities and the privacy notice"),
        (name = "staff", description = "Staff users and their tokens"),
        (name = "councils", description = "JANE and paikallis-JANEs, their seats, members and coverage"),
        (name = "calls", description = "Open calls (avoin haku) and their life cycle"),
        (name = "applications", description = "Applying to a call; the applicant's own view; staff lists"),
        (name = "review", description = "The selection committee: members, rubric, conflicts of interest, reviews, ranking, audit, exports"),
        (name = "selection", description = "Seat filling: optimal, explained selection runs under the council's rules, the decision, confirmations and declines with reserves stepping in, vacancies"),
        (name = "notifications", description = "The email outbox and the per-call email templates"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A staff token from `create-admin`, `POST /users` or `POST /users/{id}/tokens`. \
It works for `auth.token_ttl_days` (default 365) after it is issued, until it is revoked \
(`DELETE /users/me/tokens/{id}`) or its user is deactivated",
                    ))
                    .build(),
            ),
        );
    }
}

/// The body is not valid JSON.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(pub Problem);

/// Missing or malformed bearer token, or one that does not work: unknown, expired, revoked, or of a
/// deactivated user (one answer for all of them).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthorized(pub Problem);

/// The caller's role or councils do not allow this.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(pub Problem);

/// Not found, or not visible to this caller.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// The resource is in the wrong state for this request.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(pub Problem);

/// `If-Match` names an older version.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionFailed(pub Problem);

/// `If-Match` is required.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionRequired(pub Problem);

/// Too many requests from this address; `Retry-After` says when to try again.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait")))]
pub struct TooManyRequests(pub Problem);

/// The body exceeds the configured limit.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(pub Problem);

/// The body is not `application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub Problem);

/// One or more fields are invalid; `errors` names each.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct ValidationFailed(pub Problem);

/// An unexpected failure; it has been logged.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Internal(pub Problem);

/// The database is unreachable.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unavailable(pub Problem);

/// Adds what every operation shares, so that no handler has to repeat it: the errors any JSON body
/// can cause (400, 413, 415, 422), the 422 of a query or header parameter, 401 where a token is
/// required, 500 everywhere, and a description for success responses that have none.
pub fn complete(openapi: &mut utoipa::openapi::OpenApi) {
    let response = |name: &str| RefOr::Ref(Ref::from_response_name(name));
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if operation.request_body.is_some() {
                for (status, name) in [
                    ("400", "BadRequest"),
                    ("413", "PayloadTooLarge"),
                    ("415", "UnsupportedMediaType"),
                    ("422", "ValidationFailed"),
                ] {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| response(name));
                }
            }
            // A query string or a header is checked like a body: an unknown, mistyped or
            // out-of-range parameter (or a control character in one) is a 422 naming it.
            let checks_parameters = operation.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| !matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path))
            });
            if checks_parameters {
                responses
                    .entry("422".to_owned())
                    .or_insert_with(|| response("ValidationFailed"));
            }
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                responses
                    .entry("401".to_owned())
                    .or_insert_with(|| response("Unauthorized"));
            }
            responses
                .entry("500".to_owned())
                .or_insert_with(|| response("Internal"));
            for (status, r) in responses.iter_mut() {
                if let RefOr::T(r) = r
                    && r.description.is_empty()
                {
                    r.description = match status.as_str() {
                        "201" => "Created",
                        _ => "OK",
                    }
                    .to_owned();
                }
            }
        }
    }
}

/// Characters a text field may hold: anything but control characters, except tab and line feed
/// (as `input::is_allowed_char` checks), as an ECMA-262 pattern.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$";

/// The document as served: the generated one, with what every request's strings obey written
/// into every string schema that says nothing narrower (no pattern, format or enumeration), and
/// into the keys of every map, so that the document is no looser than the server.
pub fn served(doc: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(doc).expect("the OpenAPI document serialises");
    // Booleans an application must give as true (utoipa has no attribute for `const`).
    for pointer in [
        "/components/schemas/Commitments/properties/has_time",
        "/components/schemas/Commitments/properties/will_liaise",
        "/components/schemas/ConsentInput/properties/accepted",
    ] {
        let schema = value
            .pointer_mut(pointer)
            .and_then(serde_json::Value::as_object_mut)
            .unwrap_or_else(|| panic!("no schema at {pointer}"));
        schema.insert("const".into(), serde_json::Value::Bool(true));
    }
    // An admin belongs to no council; a secretary or committee member to at least one.
    let user = value
        .pointer_mut("/components/schemas/CreateUser")
        .and_then(serde_json::Value::as_object_mut)
        .expect("a CreateUser schema");
    user.insert(
        "if".into(),
        serde_json::json!({"properties": {"role": {"const": "admin"}}, "required": ["role"]}),
    );
    user.insert(
        "then".into(),
        serde_json::json!({"properties": {"council_ids": {"maxItems": 0}}}),
    );
    user.insert(
        "else".into(),
        serde_json::json!({"properties": {"council_ids": {"minItems": 1}}, "required": ["council_ids"]}),
    );
    // Lists whose items the server takes once each (utoipa has no attribute for `uniqueItems`).
    for pointer in [
        "/components/schemas/CreateCall/properties/themes",
        "/components/schemas/UpdateCall/properties/themes",
        "/components/schemas/CreateCouncil/properties/municipality_codes",
        "/components/schemas/UpdateCouncil/properties/municipality_codes",
        "/components/schemas/SetCommittee/properties/user_ids",
        "/components/schemas/CreateUser/properties/council_ids",
    ] {
        let schema = value
            .pointer_mut(pointer)
            .and_then(serde_json::Value::as_object_mut)
            .unwrap_or_else(|| panic!("no schema at {pointer}"));
        schema.insert("uniqueItems".into(), serde_json::Value::Bool(true));
    }
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            strict_strings(schema);
        }
    }
    if let Some(paths) = value
        .pointer_mut("/paths")
        .and_then(serde_json::Value::as_object_mut)
    {
        for item in paths.values_mut() {
            let Some(operations) = item.as_object_mut() else {
                continue;
            };
            for operation in operations.values_mut() {
                if let Some(parameters) = operation
                    .get_mut("parameters")
                    .and_then(serde_json::Value::as_array_mut)
                {
                    for parameter in parameters {
                        let is_path = parameter["in"] == "path";
                        if let Some(schema) = parameter.get_mut("schema")
                            && !is_path
                        {
                            strict_strings(schema);
                        }
                    }
                }
                if let Some(contents) = operation
                    .pointer_mut("/requestBody/content")
                    .and_then(serde_json::Value::as_object_mut)
                {
                    for content in contents.values_mut() {
                        if let Some(schema) = content.get_mut("schema") {
                            strict_strings(schema);
                        }
                    }
                }
            }
        }
    }
    value
}

fn is_string_schema(schema: &serde_json::Map<String, serde_json::Value>) -> bool {
    match schema.get("type") {
        Some(serde_json::Value::String(t)) => t == "string",
        Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

fn strict_strings(schema: &mut serde_json::Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if is_string_schema(object)
        && !["pattern", "format", "enum", "const"]
            .iter()
            .any(|k| object.contains_key(*k))
    {
        object.insert("pattern".into(), TEXT_PATTERN.into());
    }
    if object.get("type").is_some_and(|t| t == "object")
        && object
            .get("additionalProperties")
            .is_some_and(serde_json::Value::is_object)
    {
        object.insert(
            "propertyNames".into(),
            serde_json::json!({ "pattern": TEXT_PATTERN }),
        );
    }
    for key in ["properties"] {
        if let Some(properties) = object
            .get_mut(key)
            .and_then(serde_json::Value::as_object_mut)
        {
            for property in properties.values_mut() {
                strict_strings(property);
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = object.get_mut(key) {
            strict_strings(inner);
        }
    }
    for key in ["oneOf", "anyOf", "allOf", "prefixItems"] {
        if let Some(list) = object
            .get_mut(key)
            .and_then(serde_json::Value::as_array_mut)
        {
            for inner in list {
                strict_strings(inner);
            }
        }
    }
}
