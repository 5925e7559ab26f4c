//! The council's rules for a selection run as they are entered and stored: the limits and the
//! balance rule, checked into `Rules`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Rules, Share};
use crate::domain::field::FieldError;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GenderBalance {
    /// Least share of women and of men, per role, among holders who gave their gender: a whole
    /// percent from 0 to 0.5.
    #[schema(example = 0.4, minimum = 0.0, maximum = 0.5, multiple_of = 0.01)]
    pub min_share: f64,
}

/// The council's rules for the run. Absent fields take their defaults; `gender_balance: null`
/// turns the balance rule off.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Default 1.
    #[serde(default = "default_association_limit")]
    #[schema(minimum = 1, maximum = 10000)]
    pub max_seats_per_association: u32,
    /// Default `{"min_share": 0.4}`.
    #[serde(default = "default_balance")]
    pub gender_balance: Option<GenderBalance>,
    /// Seats per municipality (an association's home municipality); default none.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10000)]
    pub max_seats_per_municipality: Option<u32>,
}

impl Rules {
    /// The Equality Act's balance alone (609/1986, 4 a §: at least 40 % of women and of men
    /// among a council's members, and separately among its deputies): what a decided composition
    /// is measured against, whatever rules its run applied.
    pub const EQUALITY_ACT: Rules = Rules {
        max_seats_per_association: u32::MAX,
        max_seats_per_municipality: None,
        min_share: Some(Share::DEFAULT),
    };
}

/// Above any council's seat count; keeps the relaxation search's arithmetic far from overflow.
pub const MAX_LIMIT: u32 = 10_000;

fn default_association_limit() -> u32 {
    1
}

fn default_balance() -> Option<GenderBalance> {
    Some(GenderBalance { min_share: 0.4 })
}

impl Default for Constraints {
    fn default() -> Self {
        Self {
            max_seats_per_association: 1,
            gender_balance: default_balance(),
            max_seats_per_municipality: None,
        }
    }
}

impl Constraints {
    /// The rules, or every field that breaks its range.
    pub fn rules(&self) -> Result<Rules, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(1..=MAX_LIMIT).contains(&self.max_seats_per_association) {
            errors.push(FieldError::new(
                "constraints.max_seats_per_association",
                "range",
                format!("must be from 1 to {MAX_LIMIT}"),
            ));
        }
        if self
            .max_seats_per_municipality
            .is_some_and(|l| !(1..=MAX_LIMIT).contains(&l))
        {
            errors.push(FieldError::new(
                "constraints.max_seats_per_municipality",
                "range",
                format!("must be from 1 to {MAX_LIMIT}, or null for no limit"),
            ));
        }
        let share = match self.gender_balance {
            None => None,
            Some(b) => match Share::from_fraction(b.min_share) {
                Some(s) => Some(s),
                None => {
                    errors.push(FieldError::new(
                        "constraints.gender_balance.min_share",
                        "range",
                        "must be a whole percent from 0 to 0.5, such as 0.4",
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rules {
            max_seats_per_association: self.max_seats_per_association,
            max_seats_per_municipality: self.max_seats_per_municipality,
            min_share: share,
        })
    }
}
