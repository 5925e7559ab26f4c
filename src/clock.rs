//! The service's notion of "now". Handlers never call `Utc::now()` directly: deadlines are decided by
//! this clock, so tests can stand one second before or after a deadline without sleeping.

use std::sync::Mutex;

use chrono::{DateTime, Duration, DurationRound, Utc};

pub trait Clock: Send + Sync + 'static {
    /// The current instant, truncated to microseconds (the precision both databases keep).
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate_to_micros(Utc::now())
    }
}

/// A clock that only moves when told to; used by tests and demos.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(truncate_to_micros(start)))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().expect("clock mutex poisoned") = truncate_to_micros(now);
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock mutex poisoned");
        *now = truncate_to_micros(*now + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock mutex poisoned")
    }
}

/// PostgreSQL keeps microseconds and SQLite keeps whatever text it is given; truncating before
/// storing makes a value read back equal to the value written on both.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}
