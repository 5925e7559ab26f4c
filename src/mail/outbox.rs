//! Queuing a message: render it now (with the call's own template if the secretary wrote one) and
//! write it to the outbox inside the caller's transaction, so that the message exists exactly when
//! the change that caused it does.

use chrono::{DateTime, Utc};

use super::context::MessageContext;
use super::templates::Templates;
use crate::db::DbConn;
use crate::domain::delivery::mask_email;
use crate::domain::localized::Language;
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

pub fn queue(
    conn: &mut DbConn,
    templates: &Templates,
    message: Outgoing<'_>,
    now: DateTime<Utc>,
) -> Result<NotificationId, AppError> {
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
    let id = store::insert(
        conn,
        &NewNotification {
            kind,
            language: message.language,
            recipient: message.recipient.trim(),
            subject: &rendered.subject,
            body_text: &rendered.text,
            body_html: &rendered.html,
            call_id: message.call_id,
            application_id: message.application_id,
            user_id: message.user_id,
        },
        now,
    )?;
    tracing::info!(notification_id = %id, kind = kind.code(), recipient = %mask_email(message.recipient), "message queued");
    Ok(id)
}
