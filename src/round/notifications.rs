//! The outbox as staff see it (status, retry), and the per-call email templates.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, Staff};
use crate::db::DbConn;
use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::domain::notification::MessageKind;
use crate::error::AppError;
use crate::ids::{CallId, NotificationId};
use crate::mail::templates::{TemplateError, TemplateSource};
use crate::store::notifications::{
    self as store, ListFilter, Notification, StoredOverride, Visibility,
};
use crate::store::{Page, PageRequest};

/// Whose messages the caller sees: an admin all, a secretary those of their councils' calls and
/// staff; committee members none.
pub fn visibility(staff: &Staff) -> Result<Visibility, AppError> {
    match staff.0.role {
        Role::Admin => Ok(Visibility::All),
        Role::Secretary => Ok(Visibility::Councils(staff.0.council_ids.clone())),
        Role::Committee => Err(AppError::Forbidden(
            "only admins and secretaries see the outbox".into(),
        )),
    }
}

/// A message the caller may see, or 404.
fn visible_notification(
    conn: &mut DbConn,
    id: &NotificationId,
    visibility: &Visibility,
) -> Result<Notification, AppError> {
    let n = store::find(conn, id)?.ok_or_else(|| AppError::not_found("notification"))?;
    let visible = match visibility {
        Visibility::All => true,
        Visibility::Councils(councils) => store::visible_to(conn, &n, councils)?,
    };
    if visible {
        Ok(n)
    } else {
        Err(AppError::not_found("notification"))
    }
}

/// Messages, newest first, of those the caller sees.
pub async fn list(
    round: &Round,
    staff: Staff,
    mut filter: ListFilter,
    page: PageRequest,
) -> Result<Page<Notification>, AppError> {
    filter.visibility = visibility(&staff)?;
    round
        .db
        .run(move |conn| store::list(conn, &filter, &page))
        .await
}

/// One message with its bodies.
pub async fn get(
    round: &Round,
    staff: Staff,
    id: NotificationId,
) -> Result<Notification, AppError> {
    let visibility = visibility(&staff)?;
    round
        .db
        .run(move |conn| visible_notification(conn, &id, &visibility))
        .await
}

/// Sends a failed (or waiting) message again now, with a fresh set of attempts. 409 while it is
/// being sent or once sent.
pub async fn retry(
    round: &Round,
    staff: Staff,
    id: NotificationId,
) -> Result<Notification, AppError> {
    let visibility = visibility(&staff)?;
    let now = round.now();
    let requeued = round
        .db
        .write(move |conn| {
            let n = visible_notification(conn, &id, &visibility)?;
            store::requeue(conn, &id, now)?.ok_or_else(|| {
                AppError::Conflict(format!(
                    "the message is {}; only failed or queued messages are retried",
                    n.status().as_str()
                ))
            })
        })
        .await?;
    tracing::info!(notification_id = %requeued.id, by = %staff.0.id, "message queued again");
    Ok(requeued)
}

/// The call's own templates (an admin, or a secretary of its council).
pub async fn template_overrides(
    round: &Round,
    staff: Staff,
    id: CallId,
) -> Result<Vec<StoredOverride>, AppError> {
    round
        .db
        .run(move |conn| {
            access::call(conn, &id, Some(&staff))?.managed()?;
            store::template_overrides(conn, &id)
        })
        .await
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutEmailTemplate {
    pub language: Language,
    /// One line; may use the kind's variables, e.g. `Kiitos, {{ candidate.first_name }}`.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub subject: String,
    /// Plain text (minijinja syntax); paragraphs separated by blank lines.
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

/// Replaces the call's template for one kind of message in one language (its managers). A
/// template that does not render (a syntax error, an unknown variable) is refused with 422 now,
/// not when a message is sent.
pub async fn put_template(
    round: &Round,
    staff: Staff,
    call_id: CallId,
    kind: MessageKind,
    body: PutEmailTemplate,
) -> Result<TemplateSource, AppError> {
    let source = TemplateSource {
        subject: body.subject,
        body: body.body,
    };
    let now = round.now();
    let language = body.language;
    // Who may change the call is settled before what they sent is judged; the template is tried
    // outside the write transaction, as rendering it takes time.
    let (check_id, check_staff) = (call_id.clone(), staff.clone());
    round
        .db
        .run(move |conn| {
            access::call(conn, &check_id, Some(&check_staff))?.managed()?;
            Ok(())
        })
        .await?;
    if let Err(error) = round.templates.check(kind, language, &source) {
        let (field, message) = match error {
            TemplateError::Subject(m) => ("subject", m),
            TemplateError::Body(m) => ("body", m),
        };
        return Err(AppError::invalid(
            field,
            "template",
            format!("does not render: {message}"),
        ));
    }
    let saved = source.clone();
    round
        .db
        .write(move |conn| {
            access::call_for_change(conn, &call_id, Some(&staff))?.managed()?;
            store::save_template_override(conn, &call_id, kind, language, &saved, staff.id(), now)
        })
        .await?;
    Ok(source)
}

/// Removes the call's template for a kind and language; the built-in one applies again. `false`
/// if the call had none.
pub async fn delete_template(
    round: &Round,
    staff: Staff,
    call_id: CallId,
    kind: MessageKind,
    language: Language,
) -> Result<bool, AppError> {
    round
        .db
        .write(move |conn| {
            access::call_for_change(conn, &call_id, Some(&staff))?.managed()?;
            store::delete_template_override(conn, &call_id, kind, language)
        })
        .await
}
