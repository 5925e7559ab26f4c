//! Personal data (GDPR 15, 17, 20): an applicant's export and erasure of their application, and
//! staff answering a person's request by email address. The rules are in `round::privacy`.

use actix_web::{get, post, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::AppState;
use super::auth::{ApplicationCaller, Staff};
use super::extract::{Json, Query};
use crate::error::AppError;
use crate::ids::ApplicationId;
use crate::round::privacy::{self as workflow, Erase, ErasePerson, ErasureReport};

/// Everything held about the applicant of this application, as JSON: the application as given,
/// the call, the outcome and seat history, the reviews of it (scores and comments, not who wrote
/// them) and the messages sent about it. For the applicant (their edit token) and the call's
/// managers.
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, description = "`{\"exported_at\", \"applications\": [{\"application\", \"call\", \"outcome\", \"seats\", \"reviews\", \"messages\"}]}`", body = Object),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/applications/{id}/personal-data")]
pub async fn personal_data(
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
) -> Result<web::Json<Value>, AppError> {
    let document = workflow::export_own(&state.round, caller, id.into_inner()).await?;
    Ok(web::Json(document))
}

/// Erases the personal data of this application: name, email, phone, motivation, the messages
/// to them, comments about them, and their traces in the audit log and the stored runs. What
/// remains (ids, theme, scores, seat history) names no one. The applicant needs no reason (while
/// the call is open this also withdraws the application); the call's managers give one. A person
/// holding or offered a seat is refused (409): leaving the council is a decision of its own.
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    request_body = Erase,
    responses(
        (status = 200, body = ErasureReport),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/applications/{id}/erase")]
pub async fn erase_application(
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
    body: Json<Erase>,
) -> Result<web::Json<ErasureReport>, AppError> {
    let report = workflow::erase_own(&state.round, caller, id.into_inner(), body.0).await?;
    Ok(web::Json(report))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// The person's email address, as they gave it.
    #[param(min_length = 3, max_length = 254)]
    pub email: String,
}

/// Everything held about an email address, for answering a person's request: every application
/// of that address with what refers to it (an admin: in every council; a secretary: in their
/// councils), and for an admin also the other messages sent to it.
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    params(PersonQuery),
    responses(
        (status = 200, description = "`{\"exported_at\", \"email\", \"applications\": [...], \"other_messages\": [...]}`", body = Object),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[get("/people/export")]
pub async fn export_person(
    state: web::Data<AppState>,
    staff: Staff,
    query: Query<PersonQuery>,
) -> Result<web::Json<Value>, AppError> {
    let document = workflow::export_person(&state.round, staff, query.0.email).await?;
    Ok(web::Json(document))
}

/// Erases every application of an email address (an admin: in every council, with every other
/// message to it; a secretary: in their councils), with the request's reason, except those whose
/// person holds or is offered a seat (listed in `kept_seated`).
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    request_body = ErasePerson,
    responses(
        (status = 200, body = ErasureReport),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/people/erase")]
pub async fn erase_person(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<ErasePerson>,
) -> Result<web::Json<ErasureReport>, AppError> {
    let report = workflow::erase_person(&state.round, staff, body.0).await?;
    Ok(web::Json(report))
}
