//! The outbox as staff see it (status, retry) and the per-call email templates. The workflows are
//! `round::notifications`.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::Staff;
use super::extract::{Json, Query, page_request};
use crate::db::from_db_time;
use crate::domain::localized::Language;
use crate::domain::notification::{DeliveryStatus, MessageKind};
use crate::error::AppError;
use crate::ids::{CallId, NotificationId, UserId};
use crate::mail::context::MessageContext;
use crate::mail::templates::Templates;
use crate::round::notifications as workflow;
pub use crate::round::notifications::PutEmailTemplate;
use crate::store::notifications::{ListFilter, Notification, Visibility};
use crate::tokens;

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: NotificationId,
    pub kind: MessageKind,
    pub language: Language,
    /// The recipient's address.
    pub recipient: String,
    pub subject: String,
    pub status: DeliveryStatus,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When a queued message is next tried.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub call_id: Option<CallId>,
    pub application_id: Option<String>,
    pub user_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        let status = n.status();
        Self {
            id: n.id.clone(),
            kind: n.kind().unwrap_or(MessageKind::StaffInvitation),
            language: Language::parse(&n.language).unwrap_or(Language::Fi),
            recipient: n.recipient.clone(),
            subject: tokens::redact(&n.subject),
            status,
            attempts: n.attempts,
            next_attempt_at: (status == DeliveryStatus::Queued)
                .then(|| from_db_time(n.next_attempt_at)),
            last_error: n.last_error.clone(),
            call_id: n.call_id.clone(),
            application_id: n.application_id.clone(),
            user_id: n.user_id.clone(),
            created_at: from_db_time(n.created_at),
            sent_at: n.sent_at.map(from_db_time),
        }
    }
}

/// A message with its bodies. Tokens in them (edit links) are never shown.
#[derive(Serialize, ToSchema)]
pub struct NotificationDetail {
    #[serde(flatten)]
    pub notification: NotificationView,
    pub body_text: String,
    pub body_html: String,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Only messages with this delivery status.
    pub status: Option<DeliveryStatus>,
    /// Only messages of this kind.
    pub kind: Option<MessageKind>,
    /// Only messages about this call.
    pub call_id: Option<CallId>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub cursor: Option<String>,
}

/// Messages, newest first: all of them for an admin; for a secretary those about their councils'
/// calls and staff.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(NotificationQuery),
    responses(
        (status = 200, body = NotificationList),
        (status = 403, response = super::docs::Forbidden),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    staff: Staff,
    query: Query<NotificationQuery>,
) -> Result<web::Json<NotificationList>, AppError> {
    let query = query.0;
    let filter = ListFilter {
        status: query.status,
        kind: query.kind,
        call_id: query.call_id,
        visibility: Visibility::All,
    };
    let page = page_request(query.limit, query.cursor)?;
    let page = workflow::list(&state.round, staff, filter, page).await?;
    Ok(web::Json(NotificationList {
        items: page.items.iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One message with its bodies.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = NotificationId, Path)),
    responses(
        (status = 200, body = NotificationDetail),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/notifications/{id}")]
pub async fn get_notification(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<NotificationId>,
) -> Result<web::Json<NotificationDetail>, AppError> {
    let n = workflow::get(&state.round, staff, id.into_inner()).await?;
    Ok(web::Json(NotificationDetail {
        notification: (&n).into(),
        body_text: tokens::redact(&n.body_text),
        body_html: tokens::redact(&n.body_html),
    }))
}

/// Sends a failed (or waiting) message again now, with a fresh set of attempts. 409 while it is
/// being sent or once sent.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = NotificationId, Path)),
    responses(
        (status = 200, body = NotificationView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/notifications/{id}/retry")]
pub async fn retry_notification(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<NotificationId>,
) -> Result<web::Json<NotificationView>, AppError> {
    let requeued = workflow::retry(&state.round, staff, id.into_inner()).await?;
    Ok(web::Json((&requeued).into()))
}

#[derive(Serialize, ToSchema)]
pub struct EmailTemplateView {
    pub kind: MessageKind,
    pub language: Language,
    pub subject: String,
    /// Plain text; paragraphs are separated by blank lines. The HTML part is made from it.
    pub body: String,
    /// True when this call overrides the built-in template.
    pub custom: bool,
    pub updated_at: Option<DateTime<Utc>>,
    /// The variables the template may use, e.g. `call`, `candidate`, `edit_url`.
    pub variables: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EmailTemplateList {
    pub call_id: CallId,
    /// Every kind in every language: the call's own template where it has one, else the built-in.
    pub items: Vec<EmailTemplateView>,
}

/// The email templates of a call (an admin, or a secretary of its council).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    responses(
        (status = 200, body = EmailTemplateList),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/email-templates")]
pub async fn list_email_templates(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
) -> Result<web::Json<EmailTemplateList>, AppError> {
    let call_id = id.into_inner();
    let overrides = workflow::template_overrides(&state.round, staff, call_id.clone()).await?;
    let mut items = Vec::new();
    for kind in MessageKind::ALL {
        let variables = MessageContext::variables(kind);
        for language in Language::ALL {
            let custom = overrides
                .iter()
                .find(|o| o.kind == kind.code() && o.language == language.code());
            let source = custom
                .map(|o| o.source.clone())
                .unwrap_or_else(|| Templates::builtin_source(kind, language));
            items.push(EmailTemplateView {
                kind,
                language,
                subject: source.subject,
                body: source.body,
                custom: custom.is_some(),
                updated_at: custom.map(|o| o.updated_at),
                variables: variables.clone(),
            });
        }
    }
    Ok(web::Json(EmailTemplateList { call_id, items }))
}

/// Replaces the call's template for one kind of message in one language. A template that does not
/// render (a syntax error, an unknown variable) is refused with 422 now, not when a message is
/// sent.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = CallId, Path), ("kind" = MessageKind, Path)),
    request_body = PutEmailTemplate,
    responses(
        (status = 200, body = EmailTemplateView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[put("/calls/{id}/email-templates/{kind}")]
pub async fn put_email_template(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(CallId, String)>,
    body: Json<PutEmailTemplate>,
) -> Result<web::Json<EmailTemplateView>, AppError> {
    let (call_id, kind) = path.into_inner();
    let kind = MessageKind::parse(&kind).ok_or_else(|| AppError::not_found("message kind"))?;
    let language = body.0.language;
    let source = workflow::put_template(&state.round, staff, call_id, kind, body.0).await?;
    Ok(web::Json(EmailTemplateView {
        kind,
        language,
        subject: source.subject,
        body: source.body,
        custom: true,
        updated_at: Some(state.now()),
        variables: MessageContext::variables(kind),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateLanguage {
    /// The language whose override is removed.
    pub language: Language,
}

/// Removes the call's template for a kind and language; the built-in one applies again.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = CallId, Path), ("kind" = MessageKind, Path), TemplateLanguage),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[delete("/calls/{id}/email-templates/{kind}")]
pub async fn delete_email_template(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(CallId, String)>,
    query: Query<TemplateLanguage>,
) -> Result<HttpResponse, AppError> {
    let (call_id, kind) = path.into_inner();
    let kind = MessageKind::parse(&kind).ok_or_else(|| AppError::not_found("message kind"))?;
    let language = query.0.language;
    let deleted = workflow::delete_template(&state.round, staff, call_id, kind, language).await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::not_found("template override"))
    }
}
