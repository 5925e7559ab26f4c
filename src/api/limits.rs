//! Rate limits on the public application endpoints, per client address: a token bucket per
//! address (governor), answered with 429 and `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::HttpRequest;
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

    /// The client's address: the connection's peer, or (behind a trusted reverse proxy) the
    /// first address in `X-Forwarded-For` / `Forwarded`.
    fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.trust_forwarded_for {
            let info = req.connection_info();
            if let Some(ip) = info.realip_remote_addr().and_then(|a| {
                a.parse::<IpAddr>()
                    .ok()
                    .or_else(|| a.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
            }) {
                return Some(ip);
            }
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
