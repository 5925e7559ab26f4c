//! The application as served and as tested: the JSON API (`api`), the pages (`web`), the API
//! docs, and what they share: the state every handler reaches, the rate limits, request
//! observation, and the answers for paths no route serves.

pub mod limits;

use std::sync::{Arc, LazyLock};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, ResponseError, web};
use chrono::{DateTime, Utc};
use utoipa_actix_web::AppExt;

use crate::api::{self, problem};
use crate::error::AppError;
use crate::round::Round;
use crate::telemetry::{self, Metrics};

/// What every handler can reach: the workflows' context and the rate limits.
#[derive(Clone)]
pub struct AppState {
    pub round: Round,
    pub limits: Arc<limits::RateLimits>,
}

impl AppState {
    pub fn new(round: Round) -> Self {
        let limits = Arc::new(limits::RateLimits::from_config(&round.config.rate_limit));
        Self { round, limits }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.round.now()
    }
}

/// The whole application, as served and as tested.
pub fn app(
    state: AppState,
    metrics: web::Data<Metrics>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let pages = web::Data::new(crate::web::Pages::new(
        &state.round.config.server.public_url,
    ));
    App::new()
        .app_data(web::Data::new(state))
        .app_data(pages)
        .app_data(metrics)
        .app_data(
            web::PathConfig::default()
                .error_handler(|_, _| AppError::NotFound("not found".into()).into()),
        )
        .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
        .wrap(from_fn(limits::limit_public_applications))
        .wrap(from_fn(telemetry::observe_requests))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .configure(crate::web::routes)
        .into_utoipa_app()
        .configure(api::routes)
        .default_service(web::to(no_route))
        .split_for_parts()
        .0
}

/// The documented paths with the methods each serves, most specific first (OpenAPI: a concrete
/// path wins over a templated one, `/users/me` before `/users/{id}`). Built from the same
/// handlers as the route table, so the two cannot disagree.
struct MethodTable(Vec<(ResourceDef, Vec<Method>)>);

impl MethodTable {
    fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut table: Vec<(usize, ResourceDef, Vec<Method>)> = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, served)| served.then_some(method))
                .collect();
                (
                    template.matches('{').count(),
                    ResourceDef::new(template.as_str()),
                    methods,
                )
            })
            .collect();
        // The pages are no part of the API's document, but are paths all the same.
        table.extend(crate::web::PAGE_PATHS.iter().map(|(template, methods)| {
            (
                template.matches('{').count(),
                ResourceDef::new(*template),
                methods
                    .iter()
                    .map(|m| Method::from_bytes(m.as_bytes()).expect("a method name"))
                    .collect(),
            )
        }));
        table.sort_by_key(|(templated, _, _)| *templated);
        Self(table.into_iter().map(|(_, d, m)| (d, m)).collect())
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

static METHODS: LazyLock<MethodTable> =
    LazyLock::new(|| MethodTable::from_openapi(&api::openapi()));

/// What no route answered: a path that exists for other methods is a 405 naming them in `Allow`
/// (RFC 9110 §15.5.6); anything else is a 404, as a page for a browser outside the API.
async fn no_route(req: HttpRequest) -> HttpResponse {
    let allowed = METHODS.allowed(req.path());
    if allowed.is_none()
        && crate::web::wants_page(&req)
        && let Some(page) = crate::web::not_found(&req)
    {
        return page;
    }
    let error = match allowed {
        Some(methods) => AppError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        },
        None => AppError::NotFound("no such endpoint".into()),
    };
    error.error_response()
}

/// Error responses that did not come from `AppError` (actix's own, e.g. a panic's 500) are given
/// a problem+json body too, so clients meet one error format.
fn problem_for_plain_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem_or_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json") || v.starts_with("text/html"));
    if is_problem_or_page || res.status().as_u16() < 400 {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status.as_u16() {
        400 => AppError::BadRequest("the request could not be read".into()),
        404 => AppError::NotFound("not found".into()),
        413 => AppError::PayloadTooLarge { limit: 0 },
        s if s >= 500 => AppError::Internal(anyhow::anyhow!("unhandled {status}")),
        _ => AppError::BadRequest(status.canonical_reason().unwrap_or("error").to_owned()),
    };
    let mut problem = problem::problem_of(&error);
    problem.status = status.as_u16();
    let body = HttpResponse::build(status)
        .content_type("application/problem+json")
        .body(serde_json::to_string(&problem).expect("problems serialise"));
    let (req, _) = res.into_parts();
    let res: ServiceResponse<BoxBody> = ServiceResponse::new(req, body);
    Ok(ErrorHandlerResponse::Response(
        res.map_body(|_, body| EitherBody::right(body)),
    ))
}
