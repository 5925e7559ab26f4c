//! A council's seat plan: how many representative and deputy seats each theme has. Replacing a
//! plan keeps the seats that stay (their ids do not change), adds the new ones and removes vacant
//! surplus seats; it never removes a filled seat.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::theme::ThemeArea;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SeatRole {
    /// Edustaja.
    Representative,
    /// Varaedustaja.
    Deputy,
}

impl SeatRole {
    pub const ALL: [SeatRole; 2] = [SeatRole::Representative, SeatRole::Deputy];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Representative => "representative",
            Self::Deputy => "deputy",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// The wanted number of seats of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLine {
    pub theme: ThemeArea,
    pub representatives: u32,
    pub deputies: u32,
}

/// A seat that exists now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingSeat<Id> {
    pub id: Id,
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub position: u32,
    pub filled: bool,
}

/// A seat to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewSeat {
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub position: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange<Id> {
    pub add: Vec<NewSeat>,
    pub remove: Vec<Id>,
}

/// Replacing the plan would drop filled seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledSeatsInTheWay {
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub filled: u32,
    pub wanted: u32,
}

impl fmt::Display for FilledSeatsInTheWay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} has {} filled {} seat(s) but the new plan keeps {}; vacate seats before reducing them",
            self.theme.code(),
            self.filled,
            self.role.as_str(),
            self.wanted
        )
    }
}

/// What to add and remove so that the seats match `wanted`. Themes missing from `wanted` get no
/// seats. Surplus seats are removed vacant ones first, highest position first.
pub fn plan_change<Id: Clone>(
    existing: &[ExistingSeat<Id>],
    wanted: &[PlanLine],
) -> Result<PlanChange<Id>, FilledSeatsInTheWay> {
    let mut wanted_counts: BTreeMap<(ThemeArea, SeatRole), u32> = BTreeMap::new();
    for line in wanted {
        wanted_counts.insert((line.theme, SeatRole::Representative), line.representatives);
        wanted_counts.insert((line.theme, SeatRole::Deputy), line.deputies);
    }
    let mut current: BTreeMap<(ThemeArea, SeatRole), Vec<&ExistingSeat<Id>>> = BTreeMap::new();
    for seat in existing {
        current
            .entry((seat.theme, seat.role))
            .or_default()
            .push(seat);
    }
    let mut keys: Vec<_> = wanted_counts
        .keys()
        .chain(current.keys())
        .copied()
        .collect();
    keys.sort();
    keys.dedup();

    let mut change = PlanChange {
        add: Vec::new(),
        remove: Vec::new(),
    };
    for (theme, role) in keys {
        let want = wanted_counts.get(&(theme, role)).copied().unwrap_or(0);
        let mut seats = current.remove(&(theme, role)).unwrap_or_default();
        let have = seats.len() as u32;
        if have < want {
            let next = seats.iter().map(|s| s.position).max().unwrap_or(0) + 1;
            change.add.extend((0..want - have).map(|i| NewSeat {
                theme,
                role,
                position: next + i,
            }));
        } else if have > want {
            let filled = seats.iter().filter(|s| s.filled).count() as u32;
            if filled > want {
                return Err(FilledSeatsInTheWay {
                    theme,
                    role,
                    filled,
                    wanted: want,
                });
            }
            // Vacant seats with the highest positions go first.
            seats.sort_by_key(|s| (s.filled, std::cmp::Reverse(s.position)));
            change.remove.extend(
                seats
                    .iter()
                    .take((have - want) as usize)
                    .map(|s| s.id.clone()),
            );
        }
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ThemeArea::*;

    fn seat(
        id: u32,
        theme: ThemeArea,
        role: SeatRole,
        position: u32,
        filled: bool,
    ) -> ExistingSeat<u32> {
        ExistingSeat {
            id,
            theme,
            role,
            position,
            filled,
        }
    }

    fn line(theme: ThemeArea, representatives: u32, deputies: u32) -> PlanLine {
        PlanLine {
            theme,
            representatives,
            deputies,
        }
    }

    #[test]
    fn a_first_plan_adds_every_seat() {
        let change = plan_change::<u32>(&[], &[line(Sports, 1, 1), line(Culture, 2, 0)]).unwrap();
        assert_eq!(change.remove, Vec::<u32>::new());
        assert_eq!(change.add.len(), 4);
        assert!(change.add.contains(&NewSeat {
            theme: Culture,
            role: SeatRole::Representative,
            position: 2
        }));
    }

    #[test]
    fn replacing_keeps_remaining_seats_and_removes_vacant_surplus() {
        let existing = [
            seat(1, Sports, SeatRole::Representative, 1, true),
            seat(2, Sports, SeatRole::Representative, 2, false),
            seat(3, Sports, SeatRole::Deputy, 1, false),
            seat(4, Culture, SeatRole::Representative, 1, false),
        ];
        let change = plan_change(&existing, &[line(Sports, 1, 2)]).unwrap();
        // Sports representative 2 is surplus; Culture is gone; one sports deputy is added.
        assert_eq!(change.remove, vec![2, 4]);
        assert_eq!(
            change.add,
            vec![NewSeat {
                theme: Sports,
                role: SeatRole::Deputy,
                position: 2
            }]
        );
    }

    #[test]
    fn a_vacant_seat_goes_before_a_filled_one_even_at_a_lower_position() {
        let existing = [
            seat(1, Sports, SeatRole::Representative, 1, false),
            seat(2, Sports, SeatRole::Representative, 2, true),
        ];
        let change = plan_change(&existing, &[line(Sports, 1, 0)]).unwrap();
        assert_eq!(change.remove, vec![1]);
    }

    #[test]
    fn a_filled_seat_is_never_removed() {
        let existing = [seat(1, Hobbies, SeatRole::Deputy, 1, true)];
        let err = plan_change(&existing, &[line(Sports, 1, 1)]).unwrap_err();
        assert_eq!(
            err,
            FilledSeatsInTheWay {
                theme: Hobbies,
                role: SeatRole::Deputy,
                filled: 1,
                wanted: 0
            }
        );
        assert!(err.to_string().contains("hobbies"));
    }

    #[test]
    fn the_same_plan_twice_changes_nothing() {
        let existing = [
            seat(1, Sports, SeatRole::Representative, 1, false),
            seat(2, Sports, SeatRole::Deputy, 1, false),
        ];
        let change = plan_change(&existing, &[line(Sports, 1, 1)]).unwrap();
        assert!(change.add.is_empty() && change.remove.is_empty());
    }
}
