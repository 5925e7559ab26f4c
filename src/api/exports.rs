//! The exports: a call's applications, ranking and decision, and a council's composition, each as
//! a spreadsheet-ready CSV and as an Excel workbook (.xlsx). The workflows (`round::exports`)
//! build each export's table once; this file holds the routes and writes that table in either
//! form.

use actix_web::{HttpResponse, get, web};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Staff;
use super::extract::Query;
use crate::domain::call::format_utc;
use crate::error::AppError;
use crate::ids::{CallId, CouncilId};
use crate::round::exports::{self as workflow, Cell, Table};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CsvQuery {
    /// `comma` (default) or `semicolon`. Spreadsheet programs set to Finnish expect semicolons,
    /// and then also get decimal commas.
    #[param(inline)]
    pub delimiter: Option<CsvDelimiter>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CsvDelimiter {
    Comma,
    Semicolon,
}

/// An Excel workbook (Office Open XML): one worksheet, its header row bold and frozen, numbers
/// as numbers, times as dates (d.m.yyyy h:mm on the call's wall clock).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct XlsxFile(pub Vec<u8>);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn number(value: Option<f64>, delimiter: CsvDelimiter) -> String {
    match value {
        None => String::new(),
        Some(v) if delimiter == CsvDelimiter::Semicolon => format!("{v:.4}").replace('.', ","),
        Some(v) => format!("{v:.4}"),
    }
}

/// A cell as CSV text. Text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first,
/// and not a number) is prefixed with an apostrophe; numbers never are, so that a negative score with a decimal
/// comma (`-0,7071`) stays a number in a Finnish spreadsheet.
fn csv_text(cell: &Cell, delimiter: CsvDelimiter) -> String {
    match cell {
        Cell::Text(text)
            if text.starts_with(['=', '+', '-', '@', '\t', '\r'])
                && text.parse::<f64>().is_err() =>
        {
            format!("'{text}")
        }
        Cell::Text(text) => text.clone(),
        Cell::Integer(n) => n.to_string(),
        Cell::Score(score) => number(*score, delimiter),
        Cell::Instant(t) => format_utc(*t),
        Cell::Date(d) => d.to_string(),
        Cell::Empty => String::new(),
    }
}

fn attachment(response: &mut actix_web::HttpResponseBuilder, filename: &str) {
    response.insert_header((
        "Content-Disposition",
        format!("attachment; filename=\"{filename}\""),
    ));
}

/// A spreadsheet-ready CSV: UTF-8 with a byte-order mark (so that spreadsheet programs recognise
/// UTF-8 and show ä and ö), CRLF line ends, every field quoted as needed, and cells that a
/// spreadsheet would read as a formula prefixed with an apostrophe.
fn csv_response(table: &Table, delimiter: CsvDelimiter) -> Result<HttpResponse, AppError> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(if delimiter == CsvDelimiter::Semicolon {
            b';'
        } else {
            b','
        })
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let failed = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    writer.write_record(table.header).map_err(failed)?;
    for row in &table.rows {
        writer
            .write_record(row.iter().map(|cell| csv_text(cell, delimiter)))
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    let mut response = HttpResponse::Ok();
    response.content_type("text/csv; charset=utf-8");
    attachment(&mut response, &format!("{}.csv", table.name));
    Ok(response.body(bytes))
}

/// The widest a column is autofitted to, in pixels: a long motivation wraps no wider than this.
const MAX_COLUMN_WIDTH: u32 = 400;

fn excel_time(t: NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    excel_date(t.date())?.and_hms(t.hour() as u16, t.minute() as u8, f64::from(t.second()))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year())
        .map_err(|_| XlsxError::DateTimeRangeError(format!("year {}", d.year())))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

/// The table as a workbook of one worksheet: the header row bold and frozen, text always as text
/// (never a formula), counts and scores as numbers, instants on the table's wall clock and dates
/// as Finnish-readable dates, the columns autofitted.
fn xlsx_bytes(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let bold = Format::new().set_bold();
    let score = Format::new().set_num_format("0.0000");
    let instant = Format::new().set_num_format("d.m.yyyy h:mm");
    let date = Format::new().set_num_format("d.m.yyyy");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(table.sheet)?;
    for (col, title) in (0u16..).zip(table.header) {
        sheet.write_string_with_format(0, col, *title, &bold)?;
    }
    for (row, cells) in (1u32..).zip(&table.rows) {
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) if text.is_empty() => {}
                Cell::Text(text) => {
                    sheet.write_string(row, col, text)?;
                }
                Cell::Integer(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Score(Some(value)) => {
                    sheet.write_number_with_format(row, col, *value, &score)?;
                }
                Cell::Instant(t) => {
                    let local = t.with_timezone(&table.zone).naive_local();
                    sheet.write_datetime_with_format(row, col, excel_time(local)?, &instant)?;
                }
                Cell::Date(d) => {
                    sheet.write_datetime_with_format(row, col, excel_date(*d)?, &date)?;
                }
                Cell::Score(None) | Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_autofit_max_width(MAX_COLUMN_WIDTH);
    sheet.autofit();
    workbook.save_to_buffer()
}

fn xlsx_response(table: &Table) -> Result<HttpResponse, AppError> {
    let bytes = xlsx_bytes(table)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the workbook: {e}")))?;
    let mut response = HttpResponse::Ok();
    response.content_type(XLSX);
    attachment(&mut response, &format!("{}.xlsx", table.name));
    Ok(response.body(bytes))
}

/// The call's applications as CSV, for the selection meeting (the call's managers).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path), CsvQuery),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/applications.csv")]
pub async fn applications_csv(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    query: Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let delimiter = query.0.delimiter.unwrap_or(CsvDelimiter::Comma);
    // One of `server.max_concurrent_reports`: the whole call is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::applications(&state.round, staff, id.into_inner()).await?;
    csv_response(&table, delimiter)
}

/// The call's applications as an Excel workbook, for the selection meeting (the call's managers):
/// the same columns and rows as the CSV.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, description = "A workbook with a header row", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/applications.xlsx")]
pub async fn applications_xlsx(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<HttpResponse, AppError> {
    // One of `server.max_concurrent_reports`: the whole call is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::applications(&state.round, staff, id.into_inner()).await?;
    xlsx_response(&table)
}

/// The ranking as CSV, for the selection meeting (the call's managers).
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path), CsvQuery),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/ranking.csv")]
pub async fn ranking_csv(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    query: Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let delimiter = query.0.delimiter.unwrap_or(CsvDelimiter::Comma);
    // One of `server.max_concurrent_reports`: the whole call is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::ranking(&state.round, staff, id.into_inner()).await?;
    csv_response(&table, delimiter)
}

/// The ranking as an Excel workbook, for the selection meeting (the call's managers): the same
/// columns and rows as the CSV, the rank, review count and scores as numbers.
#[utoipa::path(
    tag = "review",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, description = "A workbook with a header row", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/ranking.xlsx")]
pub async fn ranking_xlsx(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<HttpResponse, AppError> {
    // One of `server.max_concurrent_reports`: the whole call is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::ranking(&state.round, staff, id.into_inner()).await?;
    xlsx_response(&table)
}

/// The decision as CSV (the call's managers, once the call is decided; 409 before): one row per
/// seat the decision filled, with its holder, whether the run or the meeting's override (and its
/// reason) filled it and where the offer stands, and on every row the meeting's reference, the
/// time of the decision and, when the decision states one, its special reason and measures.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path), CsvQuery),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[get("/calls/{id}/decision.csv")]
pub async fn decision_csv(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    query: Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let delimiter = query.0.delimiter.unwrap_or(CsvDelimiter::Comma);
    // One of `server.max_concurrent_reports`: the whole call is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::decision(&state.round, staff, id.into_inner()).await?;
    csv_response(&table, delimiter)
}

/// The decision as an Excel workbook (the call's managers, once the call is decided; 409 before):
/// the same columns and rows as the CSV.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, description = "A workbook with a header row", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[get("/calls/{id}/decision.xlsx")]
pub async fn decision_xlsx(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<HttpResponse, AppError> {
    // One of `server.max_concurrent_reports`: the whole call is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::decision(&state.round, staff, id.into_inner()).await?;
    xlsx_response(&table)
}

/// The council's current composition as CSV (an admin, or a secretary of the council): every
/// seat, vacant, offered or confirmed, with its holder, their association and the term of the
/// call that filled it.
#[utoipa::path(
    tag = "councils",
    security(("bearer" = [])),
    params(("id" = CouncilId, Path), CsvQuery),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/councils/{id}/composition.csv")]
pub async fn composition_csv(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CouncilId>,
    query: Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let delimiter = query.0.delimiter.unwrap_or(CsvDelimiter::Comma);
    // One of `server.max_concurrent_reports`: the composition is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::composition(&state.round, staff, id.into_inner()).await?;
    csv_response(&table, delimiter)
}

/// The council's current composition as an Excel workbook (an admin, or a secretary of the
/// council): the same columns and rows as the CSV, the term as dates.
#[utoipa::path(
    tag = "councils",
    security(("bearer" = [])),
    params(("id" = CouncilId, Path)),
    responses(
        (status = 200, description = "A workbook with a header row", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/councils/{id}/composition.xlsx")]
pub async fn composition_xlsx(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CouncilId>,
) -> Result<HttpResponse, AppError> {
    // One of `server.max_concurrent_reports`: the composition is in memory until the file is.
    let _slot = state.round.report_slot().await;
    let table = workflow::composition(&state.round, staff, id.into_inner()).await?;
    xlsx_response(&table)
}
