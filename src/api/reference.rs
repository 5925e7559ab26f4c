//! Theme areas, municipalities and the privacy notice. The workflows are `round::reference`.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query};
use super::idempotency::{self, IdempotencyKey};
use crate::domain::localized::LocalizedText;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::round::reference as workflow;
pub use crate::round::reference::{CreateMunicipality, PublishPrivacyNotice};
use crate::store::reference::{self as store, Municipality};

#[derive(Serialize, ToSchema)]
pub struct ThemeAreaView {
    pub code: ThemeArea,
    pub name: LocalizedText,
}

/// The theme areas councils seek representatives for.
#[utoipa::path(tag = "reference", responses((status = 200, body = Vec<ThemeAreaView>)))]
#[get("/theme-areas")]
pub async fn theme_areas() -> web::Json<Vec<ThemeAreaView>> {
    web::Json(
        ThemeArea::ALL
            .into_iter()
            .map(|code| ThemeAreaView {
                code,
                name: code.name(),
            })
            .collect(),
    )
}

#[derive(Serialize, ToSchema)]
pub struct MunicipalityView {
    /// Statistics Finland municipality code.
    #[schema(example = "167")]
    pub code: String,
    pub name: LocalizedText,
    /// Statistics Finland region code; North Karelia is `12`.
    #[schema(example = "12")]
    pub region_code: String,
}

impl From<Municipality> for MunicipalityView {
    fn from(m: Municipality) -> Self {
        Self {
            code: m.code,
            name: m.name,
            region_code: m.region_code,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityQuery {
    /// Only municipalities of this region (e.g. `12`, North Karelia): two digits.
    #[param(pattern = "^[0-9]{2}$")]
    pub region: Option<String>,
}

/// Known municipalities, by code.
#[utoipa::path(
    tag = "reference",
    params(MunicipalityQuery),
    responses((status = 200, body = Vec<MunicipalityView>), (status = 422, response = super::docs::ValidationFailed))
)]
#[get("/municipalities")]
pub async fn list_municipalities(
    state: web::Data<AppState>,
    query: Query<MunicipalityQuery>,
) -> Result<web::Json<Vec<MunicipalityView>>, AppError> {
    let list = workflow::municipalities(&state.round, query.0.region).await?;
    Ok(web::Json(list.into_iter().map(Into::into).collect()))
}

/// Adds a municipality (admin).
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 16, max_length = 255, pattern = r"^[!-~]+$", description = "16 to 255 visible ASCII characters, e.g. a UUID. Repeat the same request with the same key to get the first response again")),
    request_body = CreateMunicipality,
    responses(
        (status = 201, body = MunicipalityView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/municipalities")]
pub async fn create_municipality(
    state: web::Data<AppState>,
    staff: Staff,
    key: IdempotencyKey,
    body: Json<CreateMunicipality>,
) -> Result<HttpResponse, AppError> {
    let Json(body, digest) = body;
    let once = key.of_staff("POST /api/v1/municipalities", &staff, &digest);
    let created = workflow::create_municipality(&state.round, staff, body, once).await?;
    Ok(idempotency::created(created, MunicipalityView::from, None))
}

#[derive(Serialize, ToSchema)]
pub struct PrivacyNoticeView {
    #[schema(example = "1")]
    pub version: String,
    pub text: LocalizedText,
    pub published_at: DateTime<Utc>,
}

impl From<store::PrivacyNotice> for PrivacyNoticeView {
    fn from(n: store::PrivacyNotice) -> Self {
        Self {
            version: n.version,
            text: n.text,
            published_at: n.published_at,
        }
    }
}

/// The privacy notice in force, which applicants accept by its version.
#[utoipa::path(tag = "reference", responses((status = 200, body = PrivacyNoticeView)))]
#[get("/privacy-notice")]
pub async fn privacy_notice(
    state: web::Data<AppState>,
) -> Result<web::Json<PrivacyNoticeView>, AppError> {
    let notice = workflow::privacy_notice(&state.round).await?;
    Ok(web::Json(notice.into()))
}

/// Publishes a new version of the privacy notice (admin). From now on applicants accept this one.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    request_body = PublishPrivacyNotice,
    responses(
        (status = 200, body = PrivacyNoticeView),
        (status = 401, response = super::docs::Unauthorized),
        (status = 403, response = super::docs::Forbidden),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[put("/privacy-notice")]
pub async fn publish_privacy_notice(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<PublishPrivacyNotice>,
) -> Result<web::Json<PrivacyNoticeView>, AppError> {
    let notice = workflow::publish_privacy_notice(&state.round, staff, body.0).await?;
    Ok(web::Json(notice.into()))
}
