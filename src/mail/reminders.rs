//! "The call closes soon" reminders to the council's secretaries, with the number of applications
//! per theme, so that thin themes can still be promoted. Queued once per call, by whichever sender
//! gets there first.

use chrono::{DateTime, Duration, Utc};

use super::context::{CallInfo, MessageContext, ThemeCount};
use super::outbox::{self, Outgoing};
use super::templates::Templates;
use crate::db::{Db, LockableTable};
use crate::domain::application::ApplicationStatus;
use crate::error::AppError;
use crate::store::{applications, calls, councils, users};

/// Queues the reminders of every call that closes within `within`; returns how many messages.
pub fn queue_due(
    db: &Db,
    templates: &Templates,
    now: DateTime<Utc>,
    within: Duration,
) -> Result<usize, AppError> {
    let mut queued = 0;
    let due = calls::due_for_closing_reminder(&mut *db.conn()?, now, now + within)?;
    for call_id in due {
        // Each call in its own write transaction, in the writers' queue like a request's.
        queued += db.write_blocking(|conn| {
            conn.lock_row(LockableTable::Calls, call_id.as_str())?;
            // Whoever marks the call first sends its reminders; a concurrent sender finds it marked.
            if !calls::mark_closing_reminder(conn, &call_id, now)? {
                return Ok::<usize, AppError>(0);
            }
            let call = calls::find(conn, &call_id)?.ok_or_else(|| AppError::not_found("call"))?;
            let council = councils::get(conn, &call.council_id)?;
            let counts = applications::counts(conn, &call.id)?;
            let submitted = |theme| {
                counts
                    .iter()
                    .filter(|(t, s, _)| *t == theme && *s == ApplicationStatus::Submitted)
                    .map(|(_, _, n)| *n as u32)
                    .sum::<u32>()
            };
            let secretaries = users::secretaries_of(conn, &council.id)?;
            for secretary in &secretaries {
                let language = secretary.language;
                let info = CallInfo::of(&call, &council, language);
                let themes: Vec<ThemeCount> = call
                    .themes
                    .iter()
                    .map(|&theme| ThemeCount {
                        theme: theme.name().get(language).to_owned(),
                        applications: submitted(theme),
                    })
                    .collect();
                outbox::queue(
                    conn,
                    templates,
                    Outgoing {
                        language,
                        recipient: &secretary.email,
                        call_id: Some(&call.id),
                        application_id: None,
                        user_id: Some(&secretary.id),
                        context: MessageContext::ClosingReminder {
                            call: info,
                            recipient: secretary.name.clone(),
                            total_applications: themes.iter().map(|t| t.applications).sum(),
                            themes,
                        },
                    },
                    now,
                )?;
            }
            Ok(secretaries.len())
        })?;
    }
    Ok(queued)
}
