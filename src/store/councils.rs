//! Councils and the municipalities they cover.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{council_municipalities, councils};
use crate::db::{DbConn, from_db_time, from_json_text, to_db_time, to_json_text};
use crate::domain::council::CouncilKind;
use crate::domain::localized::LocalizedText;
use crate::error::AppError;
use crate::ids::CouncilId;
use crate::store::{Page, PageRequest};

/// A council as stored (and as a creating request's result is kept for its replay).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Council {
    pub id: CouncilId,
    pub kind: CouncilKind,
    pub parent_id: Option<CouncilId>,
    pub name: LocalizedText,
    pub municipality_codes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

type CouncilRow = (
    CouncilId,
    String,
    Option<CouncilId>,
    String,
    NaiveDateTime,
    NaiveDateTime,
);

fn columns() -> (
    councils::id,
    councils::kind,
    councils::parent_id,
    councils::name_json,
    councils::created_at,
    councils::updated_at,
) {
    (
        councils::id,
        councils::kind,
        councils::parent_id,
        councils::name_json,
        councils::created_at,
        councils::updated_at,
    )
}

fn with_municipalities(conn: &mut DbConn, rows: Vec<CouncilRow>) -> Result<Vec<Council>, AppError> {
    let query = council_municipalities::table
        .select((
            council_municipalities::council_id,
            council_municipalities::municipality_code,
        ))
        .order(council_municipalities::municipality_code);
    // One council (the common case, e.g. every application): `= ?` is a statement the backends
    // keep prepared; `IN (...)` of varying length is not.
    let links: Vec<(CouncilId, String)> = match rows.as_slice() {
        [(id, ..)] => query
            .filter(council_municipalities::council_id.eq(id))
            .load(conn)?,
        _ => {
            let ids: Vec<&CouncilId> = rows.iter().map(|r| &r.0).collect();
            query
                .filter(council_municipalities::council_id.eq_any(ids))
                .load(conn)?
        }
    };
    rows.into_iter()
        .map(|(id, kind, parent_id, name_json, created_at, updated_at)| {
            Ok(Council {
                kind: CouncilKind::parse(&kind).ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("unknown council kind `{kind}` stored"))
                })?,
                municipality_codes: links
                    .iter()
                    .filter(|(c, _)| *c == id)
                    .map(|(_, m)| m.clone())
                    .collect(),
                id,
                parent_id,
                name: from_json_text(&name_json)?,
                created_at: from_db_time(created_at),
                updated_at: from_db_time(updated_at),
            })
        })
        .collect()
}

pub fn find(conn: &mut DbConn, id: &CouncilId) -> Result<Option<Council>, AppError> {
    let rows: Vec<CouncilRow> = councils::table
        .select(columns())
        .filter(councils::id.eq(id))
        .load(conn)?;
    Ok(with_municipalities(conn, rows)?.pop())
}

/// The councils with these ids, in the order given (unknown ids are skipped).
pub fn find_many(conn: &mut DbConn, ids: &[CouncilId]) -> Result<Vec<Council>, AppError> {
    let rows: Vec<CouncilRow> = councils::table
        .select(columns())
        .filter(councils::id.eq_any(ids))
        .load(conn)?;
    let mut found = with_municipalities(conn, rows)?;
    found.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    Ok(found)
}

pub fn get(conn: &mut DbConn, id: &CouncilId) -> Result<Council, AppError> {
    find(conn, id)?.ok_or_else(|| AppError::not_found("council"))
}

pub struct ListFilter {
    pub kind: Option<CouncilKind>,
    pub parent_id: Option<CouncilId>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    page: &PageRequest,
) -> Result<Page<Council>, AppError> {
    let mut query = councils::table
        .select(columns())
        .order(councils::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(councils::id.gt(after.clone()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(councils::kind.eq(kind.as_str()));
    }
    if let Some(parent) = &filter.parent_id {
        query = query.filter(councils::parent_id.eq(parent.clone()));
    }
    let rows: Vec<CouncilRow> = query.load(conn)?;
    let page_rows = Page::from_rows(rows, page.limit, |r| r.0.to_string());
    Ok(Page {
        items: with_municipalities(conn, page_rows.items)?,
        next_cursor: page_rows.next_cursor,
    })
}

/// Every council's parent: the whole tree is small (one region, a few dozen councils).
pub fn parents(conn: &mut DbConn) -> Result<Vec<(CouncilId, Option<CouncilId>)>, AppError> {
    Ok(councils::table
        .select((councils::id, councils::parent_id))
        .load(conn)?)
}

/// Municipalities covered by the direct children of `id`.
pub fn children_municipalities(conn: &mut DbConn, id: &CouncilId) -> Result<Vec<String>, AppError> {
    let children = councils::table
        .select(councils::id)
        .filter(councils::parent_id.eq(id.clone()));
    let mut codes: Vec<String> = council_municipalities::table
        .select(council_municipalities::municipality_code)
        .filter(council_municipalities::council_id.eq_any(children))
        .load(conn)?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

pub fn insert(conn: &mut DbConn, council: &Council) -> Result<(), AppError> {
    diesel::insert_into(councils::table)
        .values((
            councils::id.eq(&council.id),
            councils::kind.eq(council.kind.as_str()),
            councils::parent_id.eq(&council.parent_id),
            councils::name_json.eq(to_json_text(&council.name)),
            councils::created_at.eq(to_db_time(council.created_at)),
            councils::updated_at.eq(to_db_time(council.updated_at)),
        ))
        .execute(conn)?;
    set_municipalities(conn, &council.id, &council.municipality_codes)
}

pub fn update(conn: &mut DbConn, council: &Council) -> Result<(), AppError> {
    diesel::update(councils::table.filter(councils::id.eq(&council.id)))
        .set((
            councils::name_json.eq(to_json_text(&council.name)),
            councils::updated_at.eq(to_db_time(council.updated_at)),
        ))
        .execute(conn)?;
    set_municipalities(conn, &council.id, &council.municipality_codes)
}

fn set_municipalities(conn: &mut DbConn, id: &CouncilId, codes: &[String]) -> Result<(), AppError> {
    diesel::delete(council_municipalities::table.filter(council_municipalities::council_id.eq(id)))
        .execute(conn)?;
    for code in codes {
        diesel::insert_into(council_municipalities::table)
            .values((
                council_municipalities::council_id.eq(id),
                council_municipalities::municipality_code.eq(code),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Of `ids`, those that are not councils.
pub fn unknown(conn: &mut DbConn, ids: &[CouncilId]) -> Result<Vec<CouncilId>, AppError> {
    let known: Vec<CouncilId> = councils::table
        .select(councils::id)
        .filter(councils::id.eq_any(ids))
        .load(conn)?;
    Ok(ids
        .iter()
        .filter(|id| !known.contains(id))
        .cloned()
        .collect())
}
