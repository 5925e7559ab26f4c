//! The HTTP/JSON API: the one route table (version 1 under `/api/v1`) and the OpenAPI document
//! generated from the handlers' annotations. The application that serves it (with the pages) is
//! `crate::app`.

pub mod applications;
pub mod auth;
pub mod calls;
pub mod councils;
pub mod docs;
pub mod exports;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod notifications;
pub mod privacy;
pub mod problem;
pub mod reference;
pub mod review;
pub mod selection;
pub mod users;

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::app::AppState;

/// The route table. Every endpoint is registered here and nowhere else.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(health::problem_type)
        .service(
            scope("/api/v1")
                .service(health::openapi_json)
                // reference data
                .service(reference::theme_areas)
                .service(reference::list_municipalities)
                .service(reference::create_municipality)
                .service(reference::privacy_notice)
                .service(reference::publish_privacy_notice)
                // staff
                .service(users::create_user)
                .service(users::me)
                .service(users::my_tokens)
                .service(users::revoke_my_token)
                .service(users::list_users)
                .service(users::get_user)
                .service(users::issue_token)
                .service(users::deactivate_user)
                // councils and seats
                .service(councils::create_council)
                .service(councils::list_councils)
                .service(councils::get_council)
                .service(councils::update_council)
                .service(councils::put_seat_plan)
                .service(councils::get_seat_plan)
                .service(councils::list_seats)
                .service(councils::members)
                .service(councils::coverage)
                // calls
                .service(calls::create_call)
                .service(calls::list_calls)
                .service(calls::get_call)
                .service(calls::update_call)
                .service(calls::publish_call)
                .service(calls::start_review)
                .service(calls::cancel_call)
                // applications
                .service(applications::submit_application)
                .service(applications::get_application)
                .service(applications::update_application)
                .service(applications::withdraw_application)
                .service(applications::list_applications)
                .service(applications::application_summary)
                .service(privacy::personal_data)
                .service(privacy::erase_application)
                .service(privacy::export_person)
                .service(privacy::erase_person)
                // review
                .service(review::set_committee)
                .service(review::get_committee)
                .service(review::get_rubric)
                .service(review::set_rubric)
                .service(review::declare_conflict)
                .service(review::list_conflicts)
                .service(review::save_review)
                .service(review::application_reviews)
                .service(review::get_ranking)
                .service(review::review_progress)
                .service(review::call_audit)
                // exports
                .service(exports::applications_csv)
                .service(exports::applications_xlsx)
                .service(exports::ranking_csv)
                .service(exports::ranking_xlsx)
                .service(exports::decision_csv)
                .service(exports::decision_xlsx)
                .service(exports::composition_csv)
                .service(exports::composition_xlsx)
                // selection and decision
                .service(selection::create_run)
                .service(selection::get_run)
                .service(selection::decide)
                .service(selection::confirm)
                .service(selection::decline)
                .service(selection::vacate)
                // email
                .service(notifications::list_notifications)
                .service(notifications::get_notification)
                .service(notifications::retry_notification)
                .service(notifications::list_email_templates)
                .service(notifications::put_email_template)
                .service(notifications::delete_email_template),
        );
}

/// The OpenAPI 3.1 document of the API, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = App::new()
        .into_utoipa_app()
        .openapi(docs::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1;
    docs::complete(&mut doc);
    doc
}
