//! Who may do what. Staff roles: an admin may do everything; a secretary runs the calls of their
//! own councils; a committee member reviews the calls they are named to.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Secretary,
    Committee,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Secretary => "secretary",
            Self::Committee => "committee",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Admin, Self::Secretary, Self::Committee]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// How a staff member stands towards a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallRole {
    /// An admin, or a secretary of the call's council.
    Manager,
    /// On the call's selection committee.
    Member,
    /// Neither.
    Outsider,
}

/// What a caller learns of a call they may not act on, the same on every endpoint: a draft does
/// not exist for anyone but its managers (404); a published call is public, so a refusal is 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallVisibility {
    Visible,
    Hidden,
}

pub fn call_visibility(is_draft: bool, role: Option<CallRole>) -> CallVisibility {
    match (is_draft, role) {
        (false, _) | (true, Some(CallRole::Manager)) => CallVisibility::Visible,
        (true, _) => CallVisibility::Hidden,
    }
}

/// A staff member's role and councils.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<C> {
    pub role: Role,
    pub councils: Vec<C>,
}

impl<C: PartialEq> Scope<C> {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May change the council's seats and calls: an admin, or a secretary of that council.
    pub fn manages(&self, council: &C) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Secretary => self.councils.contains(council),
            Role::Committee => false,
        }
    }

    /// Whether this caller may create a user with `role` for `councils`. Admins create anyone;
    /// a secretary creates committee members for their own councils only.
    pub fn may_create_user(&self, role: Role, councils: &[C]) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Secretary => {
                role == Role::Committee
                    && !councils.is_empty()
                    && councils.iter().all(|c| self.councils.contains(c))
            }
            Role::Committee => false,
        }
    }

    /// Whether this caller may deactivate a user with `role` and `councils` (someone other than
    /// themselves; that is the caller's to check). The same people as `may_create_user`: an admin
    /// anyone, a secretary committee members who work for their own councils only (a member
    /// who also works for another council is an admin's to deactivate, since it drops them
    /// from that council's committees too).
    pub fn may_deactivate_user(&self, role: Role, councils: &[C]) -> bool {
        self.may_create_user(role, councils)
    }

    /// Whether this caller may see a user with `councils` (someone other than themselves): an
    /// admin anyone, a secretary the users of their councils, as they are listed to them.
    pub fn may_see_user(&self, councils: &[C]) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Secretary => councils.iter().any(|c| self.councils.contains(c)),
            Role::Committee => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(role: Role, councils: &[u8]) -> Scope<u8> {
        Scope {
            role,
            councils: councils.to_vec(),
        }
    }

    #[test]
    fn managing_councils() {
        assert!(scope(Role::Admin, &[]).manages(&1));
        assert!(scope(Role::Secretary, &[1]).manages(&1));
        assert!(!scope(Role::Secretary, &[1]).manages(&2));
        assert!(!scope(Role::Committee, &[1]).manages(&1));
    }

    #[test]
    fn who_deactivates_and_sees_whom() {
        let admin = scope(Role::Admin, &[]);
        let secretary = scope(Role::Secretary, &[1, 2]);
        let committee = scope(Role::Committee, &[1]);
        for role in [Role::Admin, Role::Secretary, Role::Committee] {
            assert!(admin.may_deactivate_user(role, &[3]));
            assert!(!committee.may_deactivate_user(role, &[1]));
        }
        assert!(secretary.may_deactivate_user(Role::Committee, &[1]));
        assert!(secretary.may_deactivate_user(Role::Committee, &[1, 2]));
        assert!(!secretary.may_deactivate_user(Role::Committee, &[1, 3]));
        assert!(!secretary.may_deactivate_user(Role::Committee, &[3]));
        assert!(!secretary.may_deactivate_user(Role::Secretary, &[1]));
        assert!(!secretary.may_deactivate_user(Role::Admin, &[]));
        assert!(admin.may_see_user(&[]));
        assert!(secretary.may_see_user(&[3, 2]));
        assert!(!secretary.may_see_user(&[3]));
        assert!(!secretary.may_see_user(&[]));
        assert!(!committee.may_see_user(&[1]));
    }

    #[test]
    fn drafts_are_hidden_from_all_but_their_managers() {
        use CallVisibility::*;
        assert_eq!(call_visibility(true, Some(CallRole::Manager)), Visible);
        assert_eq!(call_visibility(true, Some(CallRole::Member)), Hidden);
        assert_eq!(call_visibility(true, Some(CallRole::Outsider)), Hidden);
        assert_eq!(call_visibility(true, None), Hidden);
        assert_eq!(call_visibility(false, None), Visible);
        assert_eq!(call_visibility(false, Some(CallRole::Outsider)), Visible);
    }

    #[test]
    fn creating_users() {
        let secretary = scope(Role::Secretary, &[1, 2]);
        assert!(secretary.may_create_user(Role::Committee, &[1]));
        assert!(secretary.may_create_user(Role::Committee, &[1, 2]));
        assert!(!secretary.may_create_user(Role::Committee, &[1, 3]));
        assert!(!secretary.may_create_user(Role::Committee, &[]));
        assert!(!secretary.may_create_user(Role::Secretary, &[1]));
        assert!(!secretary.may_create_user(Role::Admin, &[]));
        assert!(scope(Role::Admin, &[]).may_create_user(Role::Secretary, &[5]));
        assert!(!scope(Role::Committee, &[1]).may_create_user(Role::Committee, &[1]));
    }
}
