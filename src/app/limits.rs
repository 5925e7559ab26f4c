//! Rate limits on the public application endpoints, per client address: a token bucket per
//! address (governor), answered with 429 and `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, ResponseError, web};

use super::AppState;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimitConfig;
use crate::error::AppError;

pub struct RateLimits {
    applications: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trust_forwarded_for: bool,
    checks: AtomicU64,
}

impl RateLimits {
    pub fn from_config(config: &RateLimitConfig) -> Self {
        let applications = NonZeroU32::new(config.applications_per_minute).map(|per_minute| {
            let burst = NonZeroU32::new(config.applications_burst).unwrap_or(per_minute);
            RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
        });
        Self {
            applications,
            trust_forwarded_for: config.trust_forwarded_for,
            checks: AtomicU64::new(0),
        }
    }

    /// The client's address: the connection's peer, or behind a trusted reverse proxy the last
    /// address in `X-Forwarded-For`, the one the proxy itself added. Earlier entries and the
    /// `Forwarded` header are the client's to write, so they are never used.
    fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.trust_forwarded_for
            && let Some(ip) = req
                .headers()
                .get_all("X-Forwarded-For")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|a| a.trim().parse::<IpAddr>().ok())
        {
            return Some(ip);
        }
        req.peer_addr().map(|a| a.ip())
    }

    /// Counts one request to the public application endpoints against the client's budget.
    pub fn check_applications(&self, req: &HttpRequest) -> Result<(), AppError> {
        let (Some(limiter), Some(client)) = (&self.applications, self.client(req)) else {
            return Ok(());
        };
        // Forget idle clients now and then, so the table does not grow without bound.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            limiter.retain_recent();
        }
        limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooManyRequests {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }
}

/// Whether a request is one of the public application requests the limit applies to: a
/// submission (through the API or the form), or anything done to an application with an
/// applicant's edit token (the API) or session (the applicant's pages).
fn is_public_application_request(req: &ServiceRequest) -> bool {
    match req.match_pattern().as_deref() {
        Some("/api/v1/calls/{id}/applications" | "/calls/{id}/apply") => {
            req.method() == Method::POST
        }
        Some(pattern) if pattern.starts_with("/applications/{id}") => true,
        Some(pattern) if pattern.starts_with("/api/v1/applications/{id}") => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start_matches("Bearer ")
                    .trim()
                    .starts_with(crate::tokens::APPLICANT_PREFIX)
            }),
        _ => false,
    }
}

/// Middleware: counts public application requests before anything else is done with them (so a
/// client sending broken bodies is limited too) and answers 429 over the limit.
pub async fn limit_public_applications(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if is_public_application_request(&req)
        && let Some(state) = req.app_data::<web::Data<AppState>>()
        && let Err(refusal) = state.limits.check_applications(req.request())
    {
        let page = match &refusal {
            AppError::TooManyRequests { retry_after_secs } if !req.path().starts_with("/api/") => {
                crate::web::too_many(req.request(), *retry_after_secs)
            }
            _ => None,
        };
        let response = page.unwrap_or_else(|| refusal.error_response());
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
