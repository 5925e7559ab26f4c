//! Pages for people, served by the same binary as the API: the list of calls, the call
//! announcement, the application form and its receipt, the applicant's own page, a council's
//! composition, the privacy notice and the accessibility statement.
//!
//! Server-rendered HTML that works without JavaScript, in Finnish, Swedish and English (`i18n`),
//! from templates and a stylesheet compiled into the binary. Every page calls the same workflows
//! (`round`) as the JSON API; forms are read into the API's own documents (`forms`).

pub mod apply;
pub mod dates;
pub mod forms;
pub mod i18n;
pub mod mine;
pub mod public;
pub mod render;
pub mod session;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

pub use render::{Pages, View};

use crate::error::AppError;

/// The page paths with their methods (the contract's "Pages for people"), for the route table and
/// for answering other methods with 405.
pub const PAGE_PATHS: [(&str, &[&str]); 12] = [
    ("/", &["GET"]),
    ("/calls/{id}", &["GET"]),
    ("/calls/{id}/apply", &["GET", "POST"]),
    ("/applications/{id}", &["GET"]),
    ("/applications/{id}/receipt", &["GET"]),
    ("/applications/{id}/edit", &["GET", "POST"]),
    ("/applications/{id}/withdraw", &["GET", "POST"]),
    ("/applications/{id}/confirm", &["POST"]),
    ("/applications/{id}/decline", &["GET", "POST"]),
    ("/councils/{id}", &["GET"]),
    ("/privacy", &["GET"]),
    ("/accessibility", &["GET"]),
];

/// The page routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home))
        .route("/calls/{id}", web::get().to(public::call))
        .route("/calls/{id}/apply", web::get().to(apply::form))
        .route("/calls/{id}/apply", web::post().to(apply::submit))
        .route("/applications/{id}", web::get().to(mine::page))
        .route("/applications/{id}/receipt", web::get().to(apply::receipt))
        .route("/applications/{id}/edit", web::get().to(mine::edit_form))
        .route("/applications/{id}/edit", web::post().to(mine::edit))
        .route(
            "/applications/{id}/withdraw",
            web::get().to(mine::withdraw_step),
        )
        .route(
            "/applications/{id}/withdraw",
            web::post().to(mine::withdraw),
        )
        .route("/applications/{id}/confirm", web::post().to(mine::confirm))
        .route(
            "/applications/{id}/decline",
            web::get().to(mine::decline_step),
        )
        .route("/applications/{id}/decline", web::post().to(mine::decline))
        .route("/applications/{id}/erase", web::get().to(mine::erase_step))
        .route("/applications/{id}/erase", web::post().to(mine::erase))
        .route(
            "/applications/{id}/personal-data",
            web::get().to(mine::personal_data),
        )
        .route("/councils/{id}", web::get().to(public::council))
        .route("/privacy", web::get().to(public::privacy))
        .route("/accessibility", web::get().to(public::accessibility))
        .route("/assets/site-{hash}.css", web::get().to(public::stylesheet));
}

/// A short page with a heading, a text and links: errors, and the steps that end a flow.
pub fn message(
    pages: &Pages,
    view: &View,
    status: StatusCode,
    title_key: &str,
    text_key: &str,
) -> HttpResponse {
    pages.page(
        view,
        status,
        "message.html",
        context! {
            title_key => title_key,
            text_key => text_key,
            links => vec![context! { href => "/", text => pages.text(view, "back-to-calls") }],
        },
    )
}

/// The page for a workflow's refusal.
pub fn error_page(pages: &Pages, view: &View, error: &AppError) -> HttpResponse {
    match error {
        AppError::NotFound(_) => message(
            pages,
            view,
            StatusCode::NOT_FOUND,
            "notfound-title",
            "notfound-text",
        ),
        AppError::Forbidden(_) | AppError::Unauthorized(_) => message(
            pages,
            view,
            StatusCode::FORBIDDEN,
            "forbidden-title",
            "forbidden-text",
        ),
        AppError::TooManyRequests { .. } => message(
            pages,
            view,
            StatusCode::TOO_MANY_REQUESTS,
            "toomany-title",
            "toomany-text",
        ),
        AppError::Internal(e) => {
            tracing::error!(error = format!("{e:#}"), "page failed");
            message(
                pages,
                view,
                StatusCode::INTERNAL_SERVER_ERROR,
                "servererror-title",
                "servererror-text",
            )
        }
        other => {
            tracing::info!(error = %other, "page refused");
            message(
                pages,
                view,
                StatusCode::from_u16(crate::api::problem::ProblemKind::of(other).status.as_u16())
                    .unwrap_or(StatusCode::CONFLICT),
                "conflict-title",
                "servererror-text",
            )
        }
    }
}

/// For requests no route answered: whether the client wants a page rather than a problem
/// document (a browser, not under `/api/`).
pub fn wants_page(req: &HttpRequest) -> bool {
    !req.path().starts_with("/api/")
        && req
            .headers()
            .get(actix_web::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
}

/// The "not found" page, for paths no route answers.
pub fn not_found(req: &HttpRequest) -> Option<HttpResponse> {
    let pages = req.app_data::<web::Data<Pages>>()?;
    let view = View::of(req, pages);
    Some(message(
        pages,
        &view,
        StatusCode::NOT_FOUND,
        "notfound-title",
        "notfound-text",
    ))
}

/// The "too many requests" page, for the rate limit on the public pages.
pub fn too_many(req: &HttpRequest, retry_after_secs: u64) -> Option<HttpResponse> {
    let pages = req.app_data::<web::Data<Pages>>()?;
    let view = View::of(req, pages);
    let mut response = message(
        pages,
        &view,
        StatusCode::TOO_MANY_REQUESTS,
        "toomany-title",
        "toomany-text",
    );
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(retry_after_secs),
    );
    Some(response)
}
