//! Liveness, readiness, metrics, the OpenAPI document and the problem type descriptions.

use std::sync::LazyLock;

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::problem::ProblemKind;
use crate::error::AppError;
use crate::telemetry::Metrics;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub database: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database answers.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, response = super::docs::Unavailable))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Readiness>, AppError> {
    state
        .round
        .db
        .run(|conn| {
            diesel::sql_query("SELECT 1")
                .execute(conn)
                .map_err(|e| AppError::Unavailable(format!("the database does not answer: {e}")))
        })
        .await?;
    Ok(web::Json(Readiness {
        status: "ready",
        database: state.round.db.backend(),
    }))
}

/// Request counts and latencies in the Prometheus text format.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}

static OPENAPI_JSON: LazyLock<String> = LazyLock::new(|| {
    serde_json::to_string_pretty(&super::docs::served(&super::openapi()))
        .expect("the OpenAPI document serialises")
});

/// This document (OpenAPI 3.1).
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object, content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI_JSON.as_str())
}

/// What a problem `type` means.
#[utoipa::path(
    tag = "operations",
    params(("slug" = String, Path, description = "The last segment of a problem's `type`")),
    responses(
        (status = 200, description = "A short description", body = String, content_type = "text/plain"),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/problems/{slug}")]
pub async fn problem_type(slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let kind =
        ProblemKind::by_slug(slug.as_str()).ok_or_else(|| AppError::not_found("problem type"))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "{} ({})\n\n{}\n",
            kind.title,
            kind.status.as_u16(),
            kind.description
        )))
}
