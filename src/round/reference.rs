//! Reference data: municipalities and the privacy notice.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::Round;
use super::access::Staff;
use super::idempotency::{self, Created, Once};
use crate::domain::localized::LocalizedText;
use crate::domain::reference::{is_municipality_code, is_region_code};
use crate::domain::rules::{long_text, name_text};
use crate::error::AppError;
use crate::store::reference::{self as store, Municipality, PrivacyNotice};

/// Known municipalities, by code; of one region if given (a two-digit code such as `12`).
pub async fn municipalities(
    round: &Round,
    region: Option<String>,
) -> Result<Vec<Municipality>, AppError> {
    if region.as_deref().is_some_and(|r| !is_region_code(r)) {
        return Err(AppError::invalid(
            "region",
            "region_code",
            "must be a two-digit region code such as 12",
        ));
    }
    round
        .db
        .run(move |conn| store::list_municipalities(conn, region.as_deref()))
        .await
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
    #[schema(example = "091", pattern = "^[0-9]{3}$")]
    pub code: String,
    #[validate(custom(function = "name_text"))]
    pub name: LocalizedText,
    #[validate(custom(function = "region_code"))]
    #[schema(example = "01", pattern = "^[0-9]{2}$")]
    pub region_code: String,
}

/// Adds a municipality (admin).
pub async fn create_municipality(
    round: &Round,
    staff: Staff,
    body: CreateMunicipality,
    once: Once,
) -> Result<Created<Municipality>, AppError> {
    staff.require_admin()?;
    let municipality = Municipality {
        code: body.code,
        name: body.name.normalized(),
        region_code: body.region_code,
    };
    let now = round.now();
    round
        .db
        .write(move |conn| {
            idempotency::once(conn, &once, now, |conn| {
                if !store::create_municipality(conn, &municipality, now)? {
                    return Err(AppError::Conflict(format!(
                        "municipality {} already exists",
                        municipality.code
                    )));
                }
                Ok(municipality.clone())
            })
        })
        .await
}

/// The privacy notice in force, which applicants accept by its version.
pub async fn privacy_notice(round: &Round) -> Result<PrivacyNotice, AppError> {
    round.db.run(store::current_privacy_notice).await
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
    #[schema(
        example = "2",
        min_length = 1,
        max_length = 20,
        pattern = "^[A-Za-z0-9._-]{1,20}$"
    )]
    pub version: String,
    #[validate(custom(function = "long_text"))]
    pub text: LocalizedText,
}

/// Publishes a new version of the privacy notice (admin). From now on applicants accept this one.
pub async fn publish_privacy_notice(
    round: &Round,
    staff: Staff,
    body: PublishPrivacyNotice,
) -> Result<PrivacyNotice, AppError> {
    staff.require_admin()?;
    let now = round.now();
    let by = staff.id().to_string();
    let (version, text) = (body.version, body.text.normalized());
    round
        .db
        .write(move |conn| {
            if !store::publish_privacy_notice(conn, &version, &text, &by, now)? {
                return Err(AppError::Conflict(format!(
                    "privacy notice version {version} already exists"
                )));
            }
            store::current_privacy_notice(conn)
        })
        .await
}
