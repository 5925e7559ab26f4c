//! Who is acting, and the one rule for who may see and change a call.
//!
//! Every workflow that takes a call id goes through `call` (or `call_for_change`): the call is
//! "not found" when it does not exist, and when it is a draft and the caller does not manage its
//! council; a published call is public, so what the caller may not do with it is a 403 ("not
//! allowed"), the same on every endpoint.

use crate::db::{DbConn, LockableTable};
use crate::domain::access::{CallRole, CallVisibility, Scope, call_visibility};
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, CouncilId, TokenId, UserId};
use crate::store::audit::Actor;
use crate::store::calls::{self as calls_store, Call};
use crate::store::review as review_store;
use crate::store::users::User;

/// The one answer to a bearer token that does not work, whatever the reason (unknown, expired,
/// revoked, or its user deactivated): a client learns nothing about which it was.
pub const UNKNOWN_TOKEN: &str = "the token is unknown, expired or revoked";

/// A signed-in staff member, and the token this request came with.
#[derive(Debug, Clone)]
pub struct Staff(pub User, pub TokenId);

impl Staff {
    pub fn id(&self) -> &UserId {
        &self.0.id
    }

    /// The token the caller signed in with.
    pub fn token_id(&self) -> &TokenId {
        &self.1
    }

    pub fn scope(&self) -> Scope<CouncilId> {
        Scope {
            role: self.0.role,
            councils: self.0.council_ids.clone(),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::Staff(self.0.id.clone())
    }

    /// 403 unless the caller may manage the council (admin, or its secretary).
    pub fn require_manager(&self, council: &CouncilId) -> Result<(), AppError> {
        if self.scope().manages(council) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only an admin or a secretary of this council may do this".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.scope().is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden("only an admin may do this".into()))
        }
    }
}

/// Who is asking about an application: staff, or the applicant with the edit token (or the
/// session cookie of the pages, which carries the same digest).
#[derive(Debug, Clone)]
pub enum ApplicationCaller {
    Staff(Staff),
    Applicant { token_digest: String },
}

impl ApplicationCaller {
    pub fn actor(&self, application: &ApplicationId) -> Actor {
        match self {
            Self::Staff(staff) => staff.actor(),
            Self::Applicant { .. } => Actor::Applicant(application.clone()),
        }
    }
}

/// How `staff` stands towards `call`.
pub fn role_in(conn: &mut DbConn, call: &Call, staff: &Staff) -> Result<CallRole, AppError> {
    if staff.scope().manages(&call.council_id) {
        return Ok(CallRole::Manager);
    }
    if review_store::is_member(conn, &call.id, staff.id())? {
        return Ok(CallRole::Member);
    }
    Ok(CallRole::Outsider)
}

/// A call and how the caller stands towards it.
#[derive(Debug, Clone)]
pub struct CallAccess {
    pub call: Call,
    /// `None` for an anonymous caller.
    pub role: Option<CallRole>,
}

const MANAGERS_ONLY: &str = "only an admin or a secretary of the call's council may do this";

impl CallAccess {
    /// The call, if the caller manages it (an admin, or a secretary of its council); else 403.
    pub fn managed(self) -> Result<Call, AppError> {
        match self.role {
            Some(CallRole::Manager) => Ok(self.call),
            _ => Err(AppError::Forbidden(MANAGERS_ONLY.into())),
        }
    }

    /// The call, if the caller manages it or sits on its committee; else 403 saying what only
    /// they may do (e.g. "see its rubric").
    pub fn managers_and_committee(self, what: &str) -> Result<(Call, CallRole), AppError> {
        match self.role {
            Some(role @ (CallRole::Manager | CallRole::Member)) => Ok((self.call, role)),
            _ => Err(AppError::Forbidden(format!(
                "only the call's managers and committee {what}"
            ))),
        }
    }

    /// The caller's role (staff callers only).
    pub fn staff_role(&self) -> CallRole {
        self.role.unwrap_or(CallRole::Outsider)
    }
}

/// The one rule: the call, if the caller may know it exists (404 otherwise), with their role.
pub fn call(
    conn: &mut DbConn,
    id: &CallId,
    caller: Option<&Staff>,
) -> Result<CallAccess, AppError> {
    let call = calls_store::find(conn, id)?.ok_or_else(|| AppError::not_found("call"))?;
    let role = match caller {
        Some(staff) => Some(role_in(conn, &call, staff)?),
        None => None,
    };
    match call_visibility(call.phase.is_draft(), role) {
        CallVisibility::Visible => Ok(CallAccess { call, role }),
        CallVisibility::Hidden => Err(AppError::not_found("call")),
    }
}

/// As `call`, inside a write transaction that is going to change the call or what its selection
/// reads: the call's row is locked first, so that the call read here is the one the change
/// commits against (on PostgreSQL, a review and a decision of the same call then take turns).
pub fn call_for_change(
    conn: &mut DbConn,
    id: &CallId,
    caller: Option<&Staff>,
) -> Result<CallAccess, AppError> {
    lock_call(conn, id)?;
    call(conn, id, caller)
}

/// Locks the call's row until the transaction ends (PostgreSQL; SQLite's write transaction holds
/// the whole database already).
pub fn lock_call(conn: &mut DbConn, id: &CallId) -> Result<(), AppError> {
    conn.lock_row(LockableTable::Calls, id.as_str())?;
    Ok(())
}

/// Serialises every change of a council's seats: the rules count the whole council, so two
/// replacements at once must not both pass them.
pub fn lock_council_of(conn: &mut DbConn, call: &Call) -> Result<(), AppError> {
    conn.lock_row(LockableTable::Councils, call.council_id.as_str())?;
    lock_call(conn, &call.id)
}
