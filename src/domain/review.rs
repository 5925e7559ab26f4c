//! Who may review what, and whose reviews a committee member sees (Hallintolaki 28 §: a member
//! with a conflict of interest steps aside, and the application is not there for them).

use std::fmt;

use super::access::CallRole;
use super::application::ApplicationStatus;
use super::call::CallStatus;

/// Why a staff member may not review an application now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// A manager of the call who is not on its committee.
    NotOnCommittee,
    /// Neither manager nor member: the application does not exist for them.
    NotVisible,
    /// A member with a conflict of interest for the application.
    Conflicted,
    /// The call is not in its review.
    CallNotReviewing(CallStatus),
    /// The application has been withdrawn.
    Withdrawn,
}

impl fmt::Display for ReviewRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOnCommittee => f.write_str(
                "only members of the call's committee review; name yourself to it first",
            ),
            Self::NotVisible => f.write_str("application not found"),
            Self::Conflicted => {
                f.write_str("you have a conflict of interest for this application and step aside")
            }
            Self::CallNotReviewing(status) => write!(
                f,
                "the call is {status}; reviews are given while it is reviewing"
            ),
            Self::Withdrawn => f.write_str("the application has been withdrawn"),
        }
    }
}

/// Whether a staff member standing `role` towards the call may save a review of the application:
/// the checks in the order a refusal should name them (who, then conflict, then when).
pub fn review_refusal(
    role: CallRole,
    conflicted: bool,
    call: CallStatus,
    application: ApplicationStatus,
) -> Option<ReviewRefusal> {
    match role {
        CallRole::Member => {}
        CallRole::Manager => return Some(ReviewRefusal::NotOnCommittee),
        CallRole::Outsider => return Some(ReviewRefusal::NotVisible),
    }
    if conflicted {
        return Some(ReviewRefusal::Conflicted);
    }
    if call != CallStatus::Reviewing {
        return Some(ReviewRefusal::CallNotReviewing(call));
    }
    if application == ApplicationStatus::Withdrawn {
        return Some(ReviewRefusal::Withdrawn);
    }
    None
}

/// Which reviews of an application a staff member sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewsShown {
    /// Every review.
    All,
    /// None yet: a member sees the others' reviews once their own is in.
    NoneUntilOwn,
    /// The application does not exist for them (an outsider, or a member who stepped aside).
    NotVisible,
}

pub fn reviews_shown(role: CallRole, conflicted: bool, reviewed: bool) -> ReviewsShown {
    match role {
        CallRole::Manager => ReviewsShown::All,
        CallRole::Member if conflicted => ReviewsShown::NotVisible,
        CallRole::Member if reviewed => ReviewsShown::All,
        CallRole::Member => ReviewsShown::NoneUntilOwn,
        CallRole::Outsider => ReviewsShown::NotVisible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_member_without_a_conflict_reviews_during_the_review() {
        use ApplicationStatus::{Submitted, Withdrawn};
        use CallStatus::{Closed, Reviewing};
        assert_eq!(
            review_refusal(CallRole::Member, false, Reviewing, Submitted),
            None
        );
        assert_eq!(
            review_refusal(CallRole::Manager, false, Reviewing, Submitted),
            Some(ReviewRefusal::NotOnCommittee)
        );
        assert_eq!(
            review_refusal(CallRole::Outsider, true, Closed, Withdrawn),
            Some(ReviewRefusal::NotVisible)
        );
        assert_eq!(
            review_refusal(CallRole::Member, true, Closed, Withdrawn),
            Some(ReviewRefusal::Conflicted)
        );
        assert_eq!(
            review_refusal(CallRole::Member, false, Closed, Submitted),
            Some(ReviewRefusal::CallNotReviewing(Closed))
        );
        assert_eq!(
            review_refusal(CallRole::Member, false, Reviewing, Withdrawn),
            Some(ReviewRefusal::Withdrawn)
        );
    }

    #[test]
    fn members_see_the_others_reviews_after_their_own() {
        assert_eq!(
            reviews_shown(CallRole::Member, false, false),
            ReviewsShown::NoneUntilOwn
        );
        assert_eq!(
            reviews_shown(CallRole::Member, false, true),
            ReviewsShown::All
        );
        assert_eq!(
            reviews_shown(CallRole::Member, true, true),
            ReviewsShown::NotVisible
        );
        assert_eq!(
            reviews_shown(CallRole::Manager, true, false),
            ReviewsShown::All
        );
        assert_eq!(
            reviews_shown(CallRole::Outsider, false, true),
            ReviewsShown::NotVisible
        );
    }
}
