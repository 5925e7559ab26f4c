//! Queuing a message: render it now (with the call's own template if the secretary wrote one) and
//! write it to the outbox inside the caller's transaction, so that the message exists exactly when
//! the change that caused it does.

use chrono::{DateTime, Utc};

use super::context::MessageContext;
use super::templates::{Rendered, Templates};
use crate::db::DbConn;
use crate::domain::delivery::mask_email;
use crate::domain::localized::Language;
use crate::domain::notification::MessageKind;
use crate::error::AppError;
use crate::ids::{CallId, NotificationId, UserId};
use crate::store::notifications::{self as store, NewNotification};

pub struct Outgoing<'a> {
    pub language: Language,
    pub recipient: &'a str,
    pub call_id: Option<&'a CallId>,
    pub application_id: Option<&'a str>,
    pub user_id: Option<&'a UserId>,
    pub context: MessageContext,
}

/// A rendered message, ready to be written to the outbox.
pub struct Prepared {
    kind: MessageKind,
    language: Language,
    recipient: String,
    call_id: Option<CallId>,
    application_id: Option<String>,
    user_id: Option<UserId>,
    rendered: Rendered,
}

/// Renders a message: with the call's own template if the secretary wrote one, else the built-in.
/// Only reads; can run before the write transaction that queues the message.
pub fn prepare(
    conn: &mut DbConn,
    templates: &Templates,
    message: Outgoing<'_>,
) -> Result<Prepared, AppError> {
    let kind = message.context.kind();
    let custom = match message.call_id {
        Some(call) => store::template_override(conn, call, kind, message.language)?,
        None => None,
    };
    let rendered = match templates.render(message.language, custom.as_ref(), &message.context) {
        Ok(rendered) => rendered,
        // Overrides are checked when saved, against a sample; should real values still break
        // one, the message goes out with the built-in template rather than not at all.
        Err(error) if custom.is_some() => {
            tracing::warn!(kind = kind.code(), %error, "the call's template did not render; using the built-in one");
            templates
                .render(message.language, None, &message.context)
                .map_err(|e| {
                    AppError::Internal(anyhow::anyhow!(
                        "built-in template {} failed: {e}",
                        kind.code()
                    ))
                })?
        }
        Err(e) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "built-in template {} failed: {e}",
                kind.code()
            )));
        }
    };
    Ok(Prepared {
        kind,
        language: message.language,
        recipient: message.recipient.trim().to_owned(),
        call_id: message.call_id.cloned(),
        application_id: message.application_id.map(str::to_owned),
        user_id: message.user_id.cloned(),
        rendered,
    })
}

/// Writes a prepared message to the outbox, inside the transaction of the change that causes it.
pub fn insert(
    conn: &mut DbConn,
    message: &Prepared,
    now: DateTime<Utc>,
) -> Result<NotificationId, AppError> {
    let id = store::insert(
        conn,
        &NewNotification {
            kind: message.kind,
            language: message.language,
            recipient: &message.recipient,
            subject: &message.rendered.subject,
            body_text: &message.rendered.text,
            body_html: &message.rendered.html,
            call_id: message.call_id.as_ref(),
            application_id: message.application_id.as_deref(),
            user_id: message.user_id.as_ref(),
        },
        now,
    )?;
    tracing::info!(notification_id = %id, kind = message.kind.code(), recipient = %mask_email(&message.recipient), "message queued");
    Ok(id)
}

/// Renders and writes a message in one go.
pub fn queue(
    conn: &mut DbConn,
    templates: &Templates,
    message: Outgoing<'_>,
    now: DateTime<Utc>,
) -> Result<NotificationId, AppError> {
    let prepared = prepare(conn, templates, message)?;
    insert(conn, &prepared, now)
}
