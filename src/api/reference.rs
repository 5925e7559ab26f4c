//! Theme areas, municipalities and the privacy notice.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query};
use super::idempotency::{self, IdempotencyKey};
use super::rules::{long_text, name_text};
use crate::domain::localized::LocalizedText;
use crate::domain::reference::{is_municipality_code, is_region_code};
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
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
    /// Only municipalities of this region (e.g. `12`, North Karelia).
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
    let region = query.0.region;
    if region.as_deref().is_some_and(|r| !is_region_code(r)) {
        return Err(AppError::invalid(
            "region",
            "region_code",
            "must be a two-digit region code such as 12",
        ));
    }
    let list = state
        .db
        .run(move |conn| store::list_municipalities(conn, region.as_deref()))
        .await?;
    Ok(web::Json(list.into_iter().map(Into::into).collect()))
}

fn municipality_code(code: &str) -> Result<(), ValidationError> {
    if is_municipality_code(code) {
        Ok(())
    } else {
        Err(ValidationError::new("municipality_code")
            .with_message("must be a three-digit Statistics Finland code".into()))
    }
}

fn region_code(code: &str) -> Result<(), ValidationError> {
    if is_region_code(code) {
        Ok(())
    } else {
        Err(ValidationError::new("region_code")
            .with_message("must be a two-digit Statistics Finland region code".into()))
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMunicipality {
    #[validate(custom(function = "municipality_code"))]
    #[schema(example = "091")]
    pub code: String,
    #[validate(custom(function = "name_text"))]
    pub name: LocalizedText,
    #[validate(custom(function = "region_code"))]
    #[schema(example = "01")]
    pub region_code: String,
}

/// Adds a municipality (admin).
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
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
    staff.require_admin()?;
    let Json(body, digest) = body;
    let municipality = Municipality {
        code: body.code,
        name: body.name.normalized(),
        region_code: body.region_code,
    };
    let now = state.now();
    let scope = idempotency::staff_scope("POST /api/v1/municipalities", &staff);
    let outcome = state
        .db
        .write(move |conn| {
            idempotency::once(conn, &key, &scope, &digest, now, |conn| {
                if !store::create_municipality(conn, &municipality, now)? {
                    return Err(AppError::Conflict(format!(
                        "municipality {} already exists",
                        municipality.code
                    )));
                }
                Ok(idempotency::created(MunicipalityView::from(municipality)))
            })
        })
        .await?;
    Ok(outcome.into_response())
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
    let notice = state.db.run(store::current_privacy_notice).await?;
    Ok(web::Json(notice.into()))
}

fn notice_version(version: &str) -> Result<(), ValidationError> {
    let ok = !version.is_empty()
        && version.len() <= 20
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("version")
            .with_message("1 to 20 letters, digits, dots, dashes or underscores".into()))
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishPrivacyNotice {
    /// A new version name; published versions are never rewritten.
    #[validate(custom(function = "notice_version"))]
    #[schema(example = "2")]
    pub version: String,
    #[validate(custom(function = "long_text"))]
    pub text: LocalizedText,
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
    staff.require_admin()?;
    let body = body.0;
    let now = state.now();
    let by = staff.0.id.to_string();
    let (version, text) = (body.version.clone(), body.text.normalized());
    let notice = state
        .db
        .write(move |conn| {
            if !store::publish_privacy_notice(conn, &version, &text, &by, now)? {
                return Err(AppError::Conflict(format!(
                    "privacy notice version {version} already exists"
                )));
            }
            store::current_privacy_notice(conn)
        })
        .await?;
    Ok(web::Json(notice.into()))
}
