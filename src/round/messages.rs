//! The outcome messages of the round, queued in the transaction of the change that causes them:
//! the decision, a reserve stepping in, a deputy moving up, the cancellation of a call.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::config::Config;
use crate::db::DbConn;
use crate::domain::notification::{Outcome, founding_meeting_agenda};
use crate::domain::seat_plan::SeatRole;
use crate::error::AppError;
use crate::ids::ApplicationId;
use crate::mail::context::{
    CallInfo, Candidate as MailCandidate, Meeting, MessageContext, human_datetime,
};
use crate::mail::outbox::{self, Outgoing};
use crate::mail::templates::Templates;
use crate::store::applications::{self, Application};
use crate::store::calls::Call;
use crate::store::councils;
use crate::tokens;

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FoundingMeeting {
    /// When, as the invitation should say it (for example "ti 16.3.2027 klo 17").
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub time: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub place: String,
}

/// Until when an offer made `now` may be answered.
pub fn respond_by(config: &Config, now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(i64::from(config.selection.confirm_within_days))
}

/// Where the applicant answers: their own page, through a link of its own that opens it (the
/// edit token is known only to the receipt, and is stored only as a digest).
fn respond_url(
    conn: &mut DbConn,
    config: &Config,
    application: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let token = tokens::generate(tokens::APPLICANT_PREFIX);
    applications::add_link(conn, application, &tokens::digest(&token), now)?;
    Ok(application_link(
        &config.server.public_url,
        application,
        &token,
    ))
}

/// The link that opens an application's page in any browser: the page exchanges the token for a
/// session cookie and sends the browser on to the address without it.
pub fn application_link(public_url: &str, application: &ApplicationId, token: &str) -> String {
    format!(
        "{}/applications/{application}?token={token}",
        public_url.trim_end_matches('/')
    )
}

/// What the messages of one outcome need besides the applicant.
pub struct OutcomeContext<'a> {
    pub templates: &'a Templates,
    pub config: &'a Config,
    pub call: &'a Call,
    /// Until when a seat offered now may be answered.
    pub respond_by: DateTime<Utc>,
    /// The founding meeting the selected are invited to, if the decision names one.
    pub meeting: Option<&'a FoundingMeeting>,
    pub now: DateTime<Utc>,
}

/// Queues the outcome message of one applicant (and the founding-meeting invitation if they are
/// offered a seat and a meeting is named); returns how many messages.
pub fn queue_outcome(
    conn: &mut DbConn,
    context: &OutcomeContext<'_>,
    app: &Application,
    outcome: Outcome,
) -> Result<usize, AppError> {
    let call = context.call;
    let council = councils::get(conn, &call.council_id)?;
    let language = app.candidate.language;
    let info = CallInfo::of(call, &council, language);
    let candidate = MailCandidate {
        first_name: app.candidate.first_name.clone(),
        last_name: app.candidate.last_name.clone(),
    };
    let theme = app.theme.name().get(language).to_owned();
    let mut messages = Vec::new();
    match outcome {
        Outcome::Seat { role, moving_up } => {
            let association = app.association.name.clone();
            let respond_url = respond_url(conn, context.config, &app.id, context.now)?;
            let respond_by = human_datetime(context.respond_by, call.time_zone, language);
            messages.push(match role {
                SeatRole::Representative => MessageContext::SelectedRepresentative {
                    call: info.clone(),
                    candidate: candidate.clone(),
                    association,
                    theme,
                    respond_url,
                    respond_by,
                    moving_up,
                },
                SeatRole::Deputy => MessageContext::SelectedDeputy {
                    call: info.clone(),
                    candidate: candidate.clone(),
                    association,
                    theme,
                    respond_url,
                    respond_by,
                },
            });
        }
        Outcome::Reserve => messages.push(MessageContext::Reserve {
            call: info.clone(),
            candidate: candidate.clone(),
            theme,
        }),
        Outcome::NotSelected => messages.push(MessageContext::NotSelected {
            call: info.clone(),
            candidate: candidate.clone(),
            theme,
        }),
    }
    if outcome.invites_to_founding_meeting()
        && let Some(m) = context.meeting
    {
        messages.push(MessageContext::FoundingMeetingInvitation {
            call: info,
            candidate,
            meeting: Meeting {
                time: m.time.clone(),
                place: m.place.clone(),
            },
            agenda: founding_meeting_agenda(language),
        });
    }
    let n = messages.len();
    for message in messages {
        debug_assert!(
            message.kind() == outcome.message_kind()
                || message.kind()
                    == crate::domain::notification::MessageKind::FoundingMeetingInvitation
        );
        outbox::queue(
            conn,
            context.templates,
            Outgoing {
                language,
                recipient: &app.candidate.email,
                call_id: Some(&call.id),
                application_id: Some(app.id.as_str()),
                user_id: None,
                context: message,
            },
            context.now,
        )?;
    }
    Ok(n)
}

/// Tells every applicant of a cancelled call, in their language, that it was cancelled and why;
/// returns how many messages were queued.
pub fn queue_cancellation(
    conn: &mut DbConn,
    templates: &Templates,
    config: &Config,
    call: &Call,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Some(cancellation) = &call.cancellation else {
        return Ok(0);
    };
    let council = councils::get(conn, &call.council_id)?;
    let call_url = format!(
        "{}/calls/{}",
        config.server.public_url.trim_end_matches('/'),
        call.id
    );
    let applications = applications::submitted_of_call(conn, &call.id)?;
    for app in &applications {
        let language = app.candidate.language;
        outbox::queue(
            conn,
            templates,
            Outgoing {
                language,
                recipient: &app.candidate.email,
                call_id: Some(&call.id),
                application_id: Some(app.id.as_str()),
                user_id: None,
                context: MessageContext::CallCancelled {
                    call: CallInfo::of(call, &council, language),
                    candidate: MailCandidate {
                        first_name: app.candidate.first_name.clone(),
                        last_name: app.candidate.last_name.clone(),
                    },
                    reason: cancellation.reason.get(language).to_owned(),
                    call_url: call_url.clone(),
                },
            },
            now,
        )?;
    }
    Ok(applications.len())
}
