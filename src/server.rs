//! Start-up: open the database (migrating it), seed reference data, and serve HTTP until SIGTERM
//! or SIGINT, letting in-flight requests finish.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpServer, web};
use tokio::sync::watch;

use crate::app::{self, AppState};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::{Db, PoolSettings};
use crate::mail::templates::Templates;
use crate::mail::worker::{MailSettings, Worker};
use crate::round::Round;
use crate::store;
use crate::telemetry::Metrics;

/// Opens the configured database, runs migrations and seeds the shipped reference data.
pub fn open_database(config: &Config, clock: &dyn Clock) -> anyhow::Result<Db> {
    let url = config.database_url();
    let db = Db::connect(
        &url,
        PoolSettings {
            size: config.database.pool_size,
            connect_timeout: Duration::from_secs(config.database.connect_timeout_secs),
            sqlite_busy_timeout_ms: config.database.sqlite_busy_timeout_ms,
        },
    )?;
    let mut conn = db.conn()?;
    store::reference::seed(&mut conn, clock.now())?;
    Ok(db)
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let addr = config.bind_addr().map_err(anyhow::Error::msg)?;
    let db = {
        let (config, clock) = (config.clone(), clock.clone());
        tokio::task::spawn_blocking(move || open_database(&config, clock.as_ref())).await??
    };
    match config.database_url() {
        crate::db::DatabaseUrl::Sqlite(path) => {
            tracing::info!(backend = "sqlite", path = %path.display(), "database ready")
        }
        crate::db::DatabaseUrl::Postgres(_) => {
            tracing::info!(backend = "postgres", "database ready")
        }
    }
    let mail = MailSettings::from_config(&config)?;
    let sender_grace = mail.send_timeout + Duration::from_secs(5);
    if config.mail.smtp_url.is_empty() {
        tracing::warn!(
            outbox_dir = %config.mail.outbox_dir.display(),
            "no SMTP server configured (mail.smtp_url / JANE_SEATS_SMTP_URL): messages are written as .eml files"
        );
    }
    let templates = Arc::new(Templates::new());
    let state = AppState::new(Round::new(
        db.clone(),
        clock.clone(),
        Arc::new(config.clone()),
        templates.clone(),
    ));
    let (stop_sender, stop_signal) = watch::channel(false);
    let sender = config
        .mail
        .worker
        .then(|| actix_web::rt::spawn(Worker::new(db, clock, templates, mail).run(stop_signal)));
    let metrics = web::Data::new(Metrics::new());
    let mut server = HttpServer::new(move || app::app(state.clone(), metrics.clone()))
        .shutdown_timeout(config.server.shutdown_timeout_secs)
        .bind(addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    if config.server.workers > 0 {
        server = server.workers(config.server.workers);
    }
    tracing::info!(%addr, public_url = %config.server.public_url, "jane-seats listening");
    // actix-web handles SIGTERM and SIGINT: it stops accepting, lets in-flight requests finish
    // (up to shutdown_timeout) and then returns.
    let served = server.run().await;
    // Then the sender finishes the message it is on (bounded by the send timeout) and gives the
    // rest of its batch back to the queue; anything unsent goes out after the next start.
    let _ = stop_sender.send(true);
    if let Some(sender) = sender
        && tokio::time::timeout(sender_grace, sender).await.is_err()
    {
        tracing::warn!(
            "the mail sender did not stop in time; its claimed messages are retried after their lease"
        );
    }
    served?;
    tracing::info!("jane-seats stopped");
    Ok(())
}
