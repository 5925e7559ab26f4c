//! The sender: claims due messages from the outbox, delivers them over SMTP (or writes them as
//! `.eml` files when no SMTP server is configured), and records each outcome with retries and
//! exponential backoff. Safe with several service instances on one database (see
//! `store::notifications::claim_due`); a sender that dies mid-send loses its claim when the lease
//! ends and another sender retries the message.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::domain::delivery::{Failure, Outcome, RetryPolicy, mask_email, mask_emails_in};
use crate::error::AppError;
use crate::mail::templates::Templates;
use crate::store::notifications::{self as store, Completion, Notification};
use crate::tokens;

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP server configured: `.eml` files in this directory.
    Directory(PathBuf),
}

#[derive(Clone)]
pub struct MailSettings {
    pub transport: Transport,
    pub from: Mailbox,
    pub policy: RetryPolicy,
    /// How long a claim lasts; longer than `send_timeout`, so a live sender always finishes first.
    pub lease: Duration,
    pub send_timeout: Duration,
    pub poll_interval: Duration,
    pub batch_size: i64,
    /// The right-hand side of Message-IDs.
    pub message_id_domain: String,
    /// How long before a call closes its secretaries are reminded; `None`: no reminders.
    pub closing_reminder: Option<chrono::Duration>,
    /// The whole configuration, for the offers to reserves that lapsed answers trigger (the
    /// answer period and the links in messages).
    pub config: Arc<Config>,
}

impl MailSettings {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let mail = &config.mail;
        let send_timeout = Duration::from_secs(mail.smtp_timeout_secs);
        let transport = if mail.smtp_url.is_empty() {
            Transport::Directory(mail.outbox_dir.clone())
        } else {
            Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&mail.smtp_url)
                    .map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?
                    .timeout(Some(send_timeout))
                    .build(),
            )
        };
        let host = url::Url::parse(&config.server.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "jane-seats.invalid".into());
        Ok(Self {
            transport,
            from: mail
                .from
                .parse()
                .map_err(|e| anyhow::anyhow!("mail.from `{}`: {e}", mail.from))?,
            policy: RetryPolicy {
                max_attempts: mail.max_attempts,
                base_delay: Duration::from_secs(mail.retry_base_secs),
                max_delay: Duration::from_secs(mail.retry_max_secs),
            },
            lease: Duration::from_secs(mail.lease_secs),
            send_timeout,
            poll_interval: Duration::from_millis(mail.poll_interval_ms),
            batch_size: i64::from(mail.batch_size),
            message_id_domain: host,
            closing_reminder: (mail.closing_reminder_hours > 0)
                .then(|| chrono::Duration::hours(i64::from(mail.closing_reminder_hours))),
            config: Arc::new(config.clone()),
        })
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".into(),
            Transport::Directory(dir) => format!("files in {}", dir.display()),
        }
    }
}

#[derive(Clone)]
pub struct Worker {
    db: Db,
    clock: Arc<dyn Clock>,
    templates: Arc<Templates>,
    settings: Arc<MailSettings>,
    /// Names this sender in claim tokens.
    name: String,
}

impl Worker {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        templates: Arc<Templates>,
        settings: MailSettings,
    ) -> Self {
        Self {
            db,
            clock,
            templates,
            settings: Arc::new(settings),
            name: uuid::Uuid::now_v7().simple().to_string(),
        }
    }

    /// Delivers until `shutdown` turns true. On shutdown the message being sent is finished (its
    /// send is bounded by the send timeout) and the rest of the batch is given back to the queue.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(transport = %self.settings.describe(), "mail sender started");
        let mut last_housekeeping: Option<std::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            // Once a minute: reminders of calls about to close, and forgetting old idempotency keys.
            if last_housekeeping.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                last_housekeeping = Some(std::time::Instant::now());
                if let Err(error) = self.housekeeping().await {
                    tracing::warn!(%error, "periodic jobs failed; retrying later");
                }
            }
            let handled = match self.run_batch(Some(&shutdown)).await {
                Ok(n) => n,
                Err(error) => {
                    tracing::warn!(%error, "mail sender could not read the outbox; retrying");
                    0
                }
            };
            if handled == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!("mail sender stopped");
    }

    /// Queues due closing reminders, lets seat offers not answered in time lapse (offering the
    /// seats to reserves), forgets expired idempotency keys and erases the personal data that the
    /// retention rules have made due (`round::privacy::retention`); returns how many reminders
    /// were queued.
    pub async fn housekeeping(&self) -> Result<usize, AppError> {
        let now = self.clock.now();
        let templates = self.templates.clone();
        let within = self.settings.closing_reminder;
        let config = self.settings.config.clone();
        // Every write goes through the writers' queue (`write_blocking`), as requests' do, so
        // that on SQLite housekeeping waits its turn instead of contending for the lock.
        self.db
            .blocking(move |db| {
                db.write_blocking(|conn| crate::store::idempotency::purge_expired(conn, now))?;
                let lapsed = crate::round::offers::lapse_overdue(db, &templates, &config, now)?;
                crate::round::privacy::retention(db, &config, now)?;
                if lapsed > 0 {
                    tracing::info!(lapsed, "seat offers lapsed without an answer");
                }
                match within {
                    Some(within) => crate::mail::reminders::queue_due(db, &templates, now, within),
                    None => Ok(0),
                }
            })
            .await
    }

    /// Claims one batch of due messages and attempts each; returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, AppError> {
        self.run_batch(None).await
    }

    fn lease_from(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        now + chrono::Duration::from_std(self.settings.lease)
            .unwrap_or(chrono::Duration::minutes(5))
    }

    async fn run_batch(&self, shutdown: Option<&watch::Receiver<bool>>) -> Result<usize, AppError> {
        let now = self.clock.now();
        let lease_until = self.lease_from(now);
        let token = format!("{}-{}", self.name, uuid::Uuid::now_v7().simple());
        let limit = self.settings.batch_size;
        let claim = token.clone();
        let batch = self
            .db
            .write(move |conn| store::claim_due(conn, &claim, now, lease_until, limit))
            .await?;
        let count = batch.len();
        let mut batch = batch.into_iter();
        while let Some(message) = batch.next() {
            if shutdown.is_some_and(|s| *s.borrow()) {
                self.give_back(std::iter::once(message).chain(batch.by_ref()), &token)
                    .await;
                break;
            }
            // The batch's lease started when it was claimed; the messages before this one may
            // have used it up. Renew it for this message before sending, so that the send (which
            // the timeout keeps shorter than the lease) always ends before another sender may take
            // the message over. A lost claim means someone else has it: leave it alone.
            let (now, id, claim) = (self.clock.now(), message.id.clone(), token.clone());
            let until = self.lease_from(now);
            let held = self
                .db
                .write(move |conn| store::renew_claim(conn, &id, &claim, now, until))
                .await;
            match held {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => {
                    tracing::warn!(%error, notification_id = %message.id, "could not renew a claim; leaving the message to its lease");
                    continue;
                }
            }
            let result = self.deliver(&message).await;
            let outcome = self
                .settings
                .policy
                .decide(message.attempts.max(1) as u32, result);
            let id = message.id.clone();
            if let Err(error) = self.record(message, &token, outcome).await {
                // The outcome is lost; the message stays claimed until its lease ends and is then
                // tried again. The rest of the batch goes on.
                tracing::error!(%error, notification_id = %id, "could not record a delivery outcome");
            }
        }
        Ok(count)
    }

    /// Returns unsent claimed messages to the queue (on shutdown).
    async fn give_back(&self, messages: impl Iterator<Item = Notification>, token: &str) {
        let ids: Vec<_> = messages.map(|m| m.id).collect();
        let (token, now) = (token.to_owned(), self.clock.now());
        let released = self
            .db
            .write(move |conn| {
                for id in &ids {
                    store::release(conn, id, &token, now)?;
                }
                Ok(ids.len())
            })
            .await;
        match released {
            Ok(n) if n > 0 => tracing::info!(
                messages = n,
                "stopping: unsent messages returned to the queue"
            ),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "stopping: unsent messages stay claimed until their lease ends")
            }
        }
    }

    async fn deliver(&self, n: &Notification) -> Result<(), Failure> {
        let email = self.build(n)?;
        match &self.settings.transport {
            Transport::Smtp(smtp) => {
                match tokio::time::timeout(self.settings.send_timeout, smtp.send(email)).await {
                    Err(_) => Err(Failure::Temporary(format!(
                        "no answer from the SMTP server within {} s",
                        self.settings.send_timeout.as_secs()
                    ))),
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
                    // 4xx answers, refused connections, TLS and I/O trouble: worth another try.
                    Ok(Err(e)) => Err(Failure::Temporary(e.to_string())),
                }
            }
            Transport::Directory(dir) => write_eml(dir, n, &email.formatted())
                .await
                .map_err(|e| Failure::Temporary(format!("cannot write to {}: {e}", dir.display()))),
        }
    }

    fn build(&self, n: &Notification) -> Result<Message, Failure> {
        let to: Mailbox = n
            .recipient
            .parse()
            .map_err(|e| Failure::Permanent(format!("the recipient address is not valid: {e}")))?;
        Message::builder()
            .from(self.settings.from.clone())
            .to(to)
            .subject(&n.subject)
            .message_id(Some(format!(
                "<{}@{}>",
                n.id, self.settings.message_id_domain
            )))
            .header(ContentLanguage(n.language.clone()))
            .multipart(MultiPart::alternative_plain_html(
                n.body_text.clone(),
                n.body_html.clone(),
            ))
            .map_err(|e| Failure::Permanent(format!("the message cannot be built: {e}")))
    }

    async fn record(&self, n: Notification, token: &str, outcome: Outcome) -> Result<(), AppError> {
        let now = self.clock.now();
        let recipient = mask_email(&n.recipient);
        // Servers quote the recipient in their replies; logs get it masked.
        match &outcome {
            Outcome::Sent => {
                tracing::info!(notification_id = %n.id, kind = %n.kind, %recipient, attempts = n.attempts, "message sent")
            }
            Outcome::RetryAfter { delay, reason } => tracing::warn!(
                notification_id = %n.id, kind = %n.kind, %recipient, attempts = n.attempts,
                retry_in_secs = delay.as_secs(), reason = %mask_emails_in(reason), "message not delivered; will retry"
            ),
            Outcome::Failed { reason } => tracing::error!(
                notification_id = %n.id, kind = %n.kind, %recipient, attempts = n.attempts,
                reason = %mask_emails_in(reason), "message failed"
            ),
        }
        let token = token.to_owned();
        let held = self
            .db
            .write(move |conn| {
                let redacted =
                    [&n.subject, &n.body_text, &n.body_html].map(|text| tokens::redact(text));
                let completion = match &outcome {
                    Outcome::Sent => Completion::Sent {
                        subject: &redacted[0],
                        text: &redacted[1],
                        html: &redacted[2],
                    },
                    Outcome::RetryAfter { delay, reason } => Completion::Retry {
                        at: now
                            + chrono::Duration::from_std(*delay)
                                .unwrap_or(chrono::Duration::hours(1)),
                        reason,
                    },
                    Outcome::Failed { reason } => Completion::Failed { reason },
                };
                store::complete(conn, &n.id, &token, completion, now)
            })
            .await?;
        if !held {
            tracing::warn!("a message's claim had expired before its outcome was recorded");
        }
        Ok(())
    }
}

/// `Content-Language`, so mail clients know the message's language.
#[derive(Clone)]
struct ContentLanguage(String);

impl header::Header for ContentLanguage {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Writes the message as `<id>.eml`, atomically (a reader never sees half a file).
async fn write_eml(dir: &std::path::Path, n: &Notification, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("{}.eml", n.id));
    let partial = dir.join(format!(".{}.eml.partial", n.id));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &path).await
}
