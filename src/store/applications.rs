//! Applications to calls.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::applications;
use crate::db::{DbConn, from_db_time, to_db_time, unless_duplicate};
use crate::domain::application::{ApplicationStatus, Gender, RolePreference};
use crate::domain::localized::Language;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId};
use crate::store::{Page, PageRequest};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Association {
    pub name: String,
    pub business_id: String,
    pub register_number: Option<String>,
    pub municipality_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub municipality_code: String,
    pub gender: Gender,
    pub language: Language,
}

/// An application as stored (and as a submission's result is kept for its replay).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Application {
    pub id: ApplicationId,
    pub call_id: CallId,
    pub status: ApplicationStatus,
    pub theme: ThemeArea,
    pub role_preference: RolePreference,
    pub association: Association,
    pub candidate: Candidate,
    pub motivation: String,
    pub privacy_notice_version: String,
    pub consented_at: DateTime<Utc>,
    pub edit_token_hash: String,
    /// Increases with every change; the ETag.
    pub version: i32,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = applications)]
#[diesel(treat_none_as_null = true)]
struct Row {
    id: ApplicationId,
    call_id: CallId,
    status: String,
    theme: String,
    role_preference: String,
    association_name: String,
    association_business_id: String,
    association_register_number: Option<String>,
    association_municipality_code: String,
    candidate_first_name: String,
    candidate_last_name: String,
    candidate_email: String,
    candidate_email_key: String,
    candidate_phone: String,
    candidate_municipality_code: String,
    candidate_gender: String,
    candidate_language: String,
    motivation: String,
    privacy_notice_version: String,
    consented_at: NaiveDateTime,
    edit_token_hash: String,
    version: i32,
    submitted_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    withdrawn_at: Option<NaiveDateTime>,
}

impl Row {
    fn from_application(a: &Application) -> Self {
        Self {
            id: a.id.clone(),
            call_id: a.call_id.clone(),
            status: a.status.as_str().to_owned(),
            theme: a.theme.code().to_owned(),
            role_preference: a.role_preference.as_str().to_owned(),
            association_name: a.association.name.clone(),
            association_business_id: a.association.business_id.clone(),
            association_register_number: a.association.register_number.clone(),
            association_municipality_code: a.association.municipality_code.clone(),
            candidate_first_name: a.candidate.first_name.clone(),
            candidate_last_name: a.candidate.last_name.clone(),
            candidate_email: a.candidate.email.clone(),
            candidate_email_key: crate::domain::application::normalize_email(&a.candidate.email),
            candidate_phone: a.candidate.phone.clone(),
            candidate_municipality_code: a.candidate.municipality_code.clone(),
            candidate_gender: a.candidate.gender.as_str().to_owned(),
            candidate_language: a.candidate.language.code().to_owned(),
            motivation: a.motivation.clone(),
            privacy_notice_version: a.privacy_notice_version.clone(),
            consented_at: to_db_time(a.consented_at),
            edit_token_hash: a.edit_token_hash.clone(),
            version: a.version,
            submitted_at: to_db_time(a.submitted_at),
            updated_at: to_db_time(a.updated_at),
            withdrawn_at: a.withdrawn_at.map(to_db_time),
        }
    }

    fn into_application(self) -> Result<Application, AppError> {
        let corrupt = |what: &str| {
            AppError::Internal(anyhow::anyhow!(
                "stored application {} has a bad {what}",
                self.id
            ))
        };
        Ok(Application {
            status: ApplicationStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            theme: ThemeArea::from_code(&self.theme).ok_or_else(|| corrupt("theme"))?,
            role_preference: RolePreference::parse(&self.role_preference)
                .ok_or_else(|| corrupt("role preference"))?,
            candidate: Candidate {
                gender: Gender::parse(&self.candidate_gender).ok_or_else(|| corrupt("gender"))?,
                language: Language::parse(&self.candidate_language)
                    .ok_or_else(|| corrupt("language"))?,
                first_name: self.candidate_first_name,
                last_name: self.candidate_last_name,
                email: self.candidate_email,
                phone: self.candidate_phone,
                municipality_code: self.candidate_municipality_code,
            },
            association: Association {
                name: self.association_name,
                business_id: self.association_business_id,
                register_number: self.association_register_number,
                municipality_code: self.association_municipality_code,
            },
            id: self.id,
            call_id: self.call_id,
            motivation: self.motivation,
            privacy_notice_version: self.privacy_notice_version,
            consented_at: from_db_time(self.consented_at),
            edit_token_hash: self.edit_token_hash,
            version: self.version,
            submitted_at: from_db_time(self.submitted_at),
            updated_at: from_db_time(self.updated_at),
            withdrawn_at: self.withdrawn_at.map(from_db_time),
        })
    }
}

/// `Ok(false)` if the candidate (by email) already has an application to the call that is not
/// withdrawn (a partial unique index, so two concurrent submissions cannot both get in).
pub fn insert(conn: &mut DbConn, application: &Application) -> Result<bool, AppError> {
    let row = Row::from_application(application);
    Ok(unless_duplicate(conn, |conn| {
        diesel::insert_into(applications::table)
            .values(&row)
            .execute(conn)
    })?
    .is_some())
}

pub fn find(conn: &mut DbConn, id: &ApplicationId) -> Result<Option<Application>, AppError> {
    applications::table
        .select(Row::as_select())
        .filter(applications::id.eq(id))
        .get_result(conn)
        .optional()?
        .map(Row::into_application)
        .transpose()
}

/// How a guarded update ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Updated {
    Done,
    /// Someone else changed it first (the version moved on).
    VersionMoved,
    /// The new email belongs to another of the call's active applications.
    EmailTaken,
}

/// Writes `application` (whose `version` is already the new one) if the stored version is still
/// `expected_version`.
pub fn update(
    conn: &mut DbConn,
    application: &Application,
    expected_version: i32,
) -> Result<Updated, AppError> {
    let row = Row::from_application(application);
    let changed = unless_duplicate(conn, |conn| {
        diesel::update(
            applications::table
                .filter(applications::id.eq(&application.id))
                .filter(applications::version.eq(expected_version)),
        )
        .set(&row)
        .execute(conn)
    })?;
    Ok(match changed {
        None => Updated::EmailTaken,
        Some(0) => Updated::VersionMoved,
        Some(_) => Updated::Done,
    })
}

pub struct ListFilter {
    pub theme: Option<ThemeArea>,
    pub status: Option<ApplicationStatus>,
    /// Applications to leave out (those the caller may not see).
    pub exclude: Vec<ApplicationId>,
}

/// The call's applications, oldest first.
pub fn list(
    conn: &mut DbConn,
    call: &CallId,
    filter: &ListFilter,
    page: &PageRequest,
) -> Result<Page<Application>, AppError> {
    let mut query = applications::table
        .select(Row::as_select())
        .filter(applications::call_id.eq(call))
        .order(applications::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(applications::id.gt(after.clone()));
    }
    if let Some(theme) = filter.theme {
        query = query.filter(applications::theme.eq(theme.code()));
    }
    if let Some(status) = filter.status {
        query = query.filter(applications::status.eq(status.as_str()));
    }
    if !filter.exclude.is_empty() {
        query = query.filter(applications::id.ne_all(filter.exclude.clone()));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let page = Page::from_rows(rows, page.limit, |r| r.id.to_string());
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(Row::into_application)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
}

/// How many applications the call has, per theme and status.
pub fn counts(
    conn: &mut DbConn,
    call: &CallId,
) -> Result<Vec<(ThemeArea, ApplicationStatus, i64)>, AppError> {
    let rows: Vec<(String, String, i64)> = applications::table
        .filter(applications::call_id.eq(call))
        .group_by((applications::theme, applications::status))
        .select((
            applications::theme,
            applications::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(theme, status, n)| {
            Some((
                ThemeArea::from_code(&theme)?,
                ApplicationStatus::parse(&status)?,
                n,
            ))
        })
        .collect())
}

/// The call's submitted (not withdrawn) applications, oldest first.
pub fn submitted_of_call(conn: &mut DbConn, call: &CallId) -> Result<Vec<Application>, AppError> {
    applications::table
        .select(Row::as_select())
        .filter(applications::call_id.eq(call))
        .filter(applications::status.eq(ApplicationStatus::Submitted.as_str()))
        .order(applications::id)
        .load::<Row>(conn)?
        .into_iter()
        .map(Row::into_application)
        .collect()
}

/// The applications of a normalised email address, oldest first (an erased one has none).
pub fn of_email_key(conn: &mut DbConn, email_key: &str) -> Result<Vec<Application>, AppError> {
    applications::table
        .select(Row::as_select())
        .filter(applications::candidate_email_key.eq(email_key))
        .order(applications::id)
        .load::<Row>(conn)?
        .into_iter()
        .map(Row::into_application)
        .collect()
}

/// All of the call's applications, oldest first.
pub fn all_of_call(conn: &mut DbConn, call: &CallId) -> Result<Vec<Application>, AppError> {
    applications::table
        .select(Row::as_select())
        .filter(applications::call_id.eq(call))
        .order(applications::id)
        .load::<Row>(conn)?
        .into_iter()
        .map(Row::into_application)
        .collect()
}

/// Records a link token (its digest) that opens the application, as sent in a message.
pub fn add_link(
    conn: &mut DbConn,
    application: &ApplicationId,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use crate::db::schema::application_links;
    diesel::insert_into(application_links::table)
        .values((
            application_links::token_hash.eq(token_hash),
            application_links::application_id.eq(application),
            application_links::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether a token with this digest opens the application: its edit token, or a link token
/// sent to its applicant.
pub fn opens(
    conn: &mut DbConn,
    application: &Application,
    token_hash: &str,
) -> Result<bool, AppError> {
    use crate::db::schema::application_links;
    if application.edit_token_hash == token_hash {
        return Ok(true);
    }
    let n: i64 = application_links::table
        .filter(application_links::token_hash.eq(token_hash))
        .filter(application_links::application_id.eq(&application.id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
