//! The workflows of the open call, one module per part of the round. The JSON API, the pages and
//! the mail worker's housekeeping all call these functions; none of them holds a rule of its own.
//!
//! A workflow takes the `Round` (database, clock, configuration, templates), the caller and a
//! checked input; it runs one write transaction (or the read-solve-write of a selection run),
//! queues its messages in that transaction, and returns a domain value or an `AppError`. It knows
//! neither actix nor SQL: reading and writing rows is `store`'s, locking and transactions `db`'s.

pub mod access;
pub mod calls;
pub mod councils;
pub mod decision;
pub mod exports;
pub mod idempotency;
pub mod intake;
pub mod messages;
pub mod notifications;
pub mod offers;
pub mod privacy;
pub mod reference;
pub mod review;
pub mod selection;
pub mod users;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::mail::templates::Templates;

/// What every workflow can reach.
#[derive(Clone)]
pub struct Round {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub templates: Arc<Templates>,
    /// One permit per selection run being solved (`selection.max_concurrent_runs`).
    pub selection_permits: Arc<tokio::sync::Semaphore>,
    /// One permit per report being built (`server.max_concurrent_reports`).
    report_permits: Arc<tokio::sync::Semaphore>,
}

impl Round {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        config: Arc<Config>,
        templates: Arc<Templates>,
    ) -> Self {
        let selection_permits = Arc::new(tokio::sync::Semaphore::new(
            config.selection.max_concurrent_runs as usize,
        ));
        let report_permits = Arc::new(tokio::sync::Semaphore::new(
            config.server.max_concurrent_reports as usize,
        ));
        Self {
            db,
            clock,
            config,
            templates,
            selection_permits,
            report_permits,
        }
    }

    /// Waits for a free report slot. A report (the ranking, an export) holds a whole call in
    /// memory, tens of megabytes at 10,000 applications; the slots bound how many do at once,
    /// so that the service's peak memory does not grow with the number of clients asking.
    pub async fn report_slot(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.report_permits
            .acquire()
            .await
            .expect("the report semaphore is never closed")
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
