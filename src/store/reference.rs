//! Municipalities and privacy notices.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{municipalities, privacy_notices};
use crate::db::{DbConn, from_db_time, from_json_text, to_db_time, to_json_text, unless_duplicate};
use crate::domain::localized::LocalizedText;
use crate::domain::reference::{
    NORTH_KARELIA_MUNICIPALITIES, PRIVACY_NOTICE_V1_VERSION, privacy_notice_v1,
};
use crate::error::AppError;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Municipality {
    pub code: String,
    pub name: LocalizedText,
    pub region_code: String,
}

#[derive(Debug, Clone)]
pub struct PrivacyNotice {
    pub version: String,
    pub text: LocalizedText,
    pub published_at: DateTime<Utc>,
}

/// Inserts the shipped reference data that is missing. Runs at every start; several instances
/// starting at once may race, and the loser's unique violations are harmless.
pub fn seed(conn: &mut DbConn, now: DateTime<Utc>) -> Result<(), AppError> {
    let existing: Vec<String> = municipalities::table
        .select(municipalities::code)
        .load(conn)?;
    for m in NORTH_KARELIA_MUNICIPALITIES
        .iter()
        .filter(|m| !existing.iter().any(|c| c == m.code))
    {
        unless_duplicate(conn, |conn| {
            diesel::insert_into(municipalities::table)
                .values((
                    municipalities::code.eq(m.code),
                    municipalities::name_json.eq(to_json_text(&m.name())),
                    municipalities::region_code.eq(m.region_code),
                    municipalities::created_at.eq(to_db_time(now)),
                ))
                .execute(conn)
        })?;
    }
    let notices: i64 = privacy_notices::table.count().get_result(conn)?;
    if notices == 0 {
        unless_duplicate(conn, |conn| {
            diesel::insert_into(privacy_notices::table)
                .values((
                    privacy_notices::version.eq(PRIVACY_NOTICE_V1_VERSION),
                    privacy_notices::text_json.eq(to_json_text(&privacy_notice_v1())),
                    privacy_notices::published_at.eq(to_db_time(now)),
                ))
                .execute(conn)
        })?;
    }
    Ok(())
}

type MunicipalityRow = (String, String, String);

fn municipality(row: MunicipalityRow) -> Result<Municipality, AppError> {
    Ok(Municipality {
        code: row.0,
        name: from_json_text(&row.1)?,
        region_code: row.2,
    })
}

pub fn list_municipalities(
    conn: &mut DbConn,
    region: Option<&str>,
) -> Result<Vec<Municipality>, AppError> {
    let mut query = municipalities::table
        .select((
            municipalities::code,
            municipalities::name_json,
            municipalities::region_code,
        ))
        .order(municipalities::code)
        .into_boxed();
    if let Some(region) = region {
        query = query.filter(municipalities::region_code.eq(region.to_owned()));
    }
    query
        .load::<MunicipalityRow>(conn)?
        .into_iter()
        .map(municipality)
        .collect()
}

/// Of `codes`, those that are not known municipalities.
pub fn unknown_municipalities(
    conn: &mut DbConn,
    codes: &[String],
) -> Result<Vec<String>, AppError> {
    // Each code on its own: `code = ?` stays prepared, where `IN (...)` of varying length would be
    // parsed afresh every time (this runs for every application).
    let mut unknown = Vec::new();
    for code in codes {
        let known: i64 = municipalities::table
            .filter(municipalities::code.eq(code))
            .count()
            .get_result(conn)?;
        if known == 0 && !unknown.contains(code) {
            unknown.push(code.clone());
        }
    }
    Ok(unknown)
}

/// `Ok(false)` if the code is taken.
pub fn create_municipality(
    conn: &mut DbConn,
    m: &Municipality,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(unless_duplicate(conn, |conn| {
        diesel::insert_into(municipalities::table)
            .values((
                municipalities::code.eq(&m.code),
                municipalities::name_json.eq(to_json_text(&m.name)),
                municipalities::region_code.eq(&m.region_code),
                municipalities::created_at.eq(to_db_time(now)),
            ))
            .execute(conn)
    })?
    .is_some())
}

/// The notice in force: the most recently published one.
pub fn current_privacy_notice(conn: &mut DbConn) -> Result<PrivacyNotice, AppError> {
    // The latest publication (ties: the greatest version), picked from the few versions there are
    // rather than with ORDER BY ... LIMIT: a bound LIMIT makes SQLite prepare the statement anew
    // at every run (see the `db` module notes).
    let versions: Vec<(chrono::NaiveDateTime, String)> = privacy_notices::table
        .select((privacy_notices::published_at, privacy_notices::version))
        .load(conn)?;
    let (_, version) = versions
        .into_iter()
        .max()
        .ok_or_else(|| AppError::not_found("privacy notice"))?;
    let (text_json, published_at) = privacy_notices::table
        .select((privacy_notices::text_json, privacy_notices::published_at))
        .filter(privacy_notices::version.eq(&version))
        .get_result::<(String, chrono::NaiveDateTime)>(conn)?;
    Ok(PrivacyNotice {
        version,
        text: from_json_text(&text_json)?,
        published_at: from_db_time(published_at),
    })
}

/// `Ok(false)` if the version already exists: a published notice is never rewritten, since
/// applicants have accepted it as it was.
pub fn publish_privacy_notice(
    conn: &mut DbConn,
    version: &str,
    text: &LocalizedText,
    published_by: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(unless_duplicate(conn, |conn| {
        diesel::insert_into(privacy_notices::table)
            .values((
                privacy_notices::version.eq(version),
                privacy_notices::text_json.eq(to_json_text(text)),
                privacy_notices::published_at.eq(to_db_time(now)),
                privacy_notices::published_by.eq(published_by),
            ))
            .execute(conn)
    })?
    .is_some())
}
