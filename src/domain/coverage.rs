//! Coverage: which seats of a council and of every council below it are filled. JANE checks that
//! every representative seat in the region is filled.

use std::collections::{BTreeMap, VecDeque};
use std::hash::Hash;

use super::seat_plan::SeatRole;
use super::theme::ThemeArea;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatState<S> {
    pub seat_id: S,
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub filled: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub total: u32,
    pub filled: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap<S> {
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub seat_id: S,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilCoverage<S> {
    pub representative: Tally,
    pub deputy: Tally,
    /// Vacant seats, in theme order, representatives first.
    pub gaps: Vec<Gap<S>>,
}

impl<S> CouncilCoverage<S> {
    /// A council without any seat has no plan yet; it is counted as not filled.
    pub fn has_seat_plan(&self) -> bool {
        self.representative.total + self.deputy.total > 0
    }

    pub fn all_representative_seats_filled(&self) -> bool {
        self.has_seat_plan() && self.representative.filled == self.representative.total
    }

    pub fn all_seats_filled(&self) -> bool {
        self.all_representative_seats_filled() && self.deputy.filled == self.deputy.total
    }
}

pub fn council_coverage<S: Clone>(seats: &[SeatState<S>]) -> CouncilCoverage<S> {
    let mut coverage = CouncilCoverage {
        representative: Tally::default(),
        deputy: Tally::default(),
        gaps: Vec::new(),
    };
    for seat in seats {
        let tally = match seat.role {
            SeatRole::Representative => &mut coverage.representative,
            SeatRole::Deputy => &mut coverage.deputy,
        };
        tally.total += 1;
        if seat.filled {
            tally.filled += 1;
        } else {
            coverage.gaps.push(Gap {
                theme: seat.theme,
                role: seat.role,
                seat_id: seat.seat_id.clone(),
            });
        }
    }
    coverage.gaps.sort_by_key(|g| (g.theme, g.role));
    coverage
}

/// `root` and every council below it, parents before children. `parents` maps each council to its
/// parent.
pub fn subtree<C: Clone + Eq + Hash + Ord>(root: &C, parents: &[(C, Option<C>)]) -> Vec<C> {
    let mut children: BTreeMap<&C, Vec<&C>> = BTreeMap::new();
    for (id, parent) in parents {
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(id);
        }
    }
    let mut order = Vec::new();
    let mut queue = VecDeque::from([root.clone()]);
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id.clone()) {
            continue; // a cycle cannot be created through the API, but never loop on one
        }
        if let Some(kids) = children.get(&id) {
            queue.extend(kids.iter().map(|k| (*k).clone()));
        }
        order.push(id);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: u32, theme: ThemeArea, role: SeatRole, filled: bool) -> SeatState<u32> {
        SeatState {
            seat_id: id,
            theme,
            role,
            filled,
        }
    }

    #[test]
    fn tallies_and_gaps() {
        let seats = [
            s(1, ThemeArea::Sports, SeatRole::Representative, true),
            s(2, ThemeArea::Sports, SeatRole::Deputy, false),
            s(3, ThemeArea::Pensioners, SeatRole::Representative, false),
        ];
        let c = council_coverage(&seats);
        assert_eq!(
            c.representative,
            Tally {
                total: 2,
                filled: 1
            }
        );
        assert_eq!(
            c.deputy,
            Tally {
                total: 1,
                filled: 0
            }
        );
        assert_eq!(
            c.gaps.iter().map(|g| g.seat_id).collect::<Vec<_>>(),
            vec![3, 2]
        );
        assert!(!c.all_representative_seats_filled());
    }

    #[test]
    fn representatives_filled_but_not_deputies() {
        let c = council_coverage(&[
            s(1, ThemeArea::Sports, SeatRole::Representative, true),
            s(2, ThemeArea::Sports, SeatRole::Deputy, false),
        ]);
        assert!(c.all_representative_seats_filled());
        assert!(!c.all_seats_filled());
    }

    #[test]
    fn no_seat_plan_is_not_filled() {
        let c = council_coverage::<u32>(&[]);
        assert!(!c.has_seat_plan());
        assert!(!c.all_representative_seats_filled());
    }

    #[test]
    fn subtree_lists_descendants_parents_first() {
        let parents = [
            (1, None),
            (2, Some(1)),
            (3, Some(1)),
            (4, Some(2)),
            (5, None),
        ];
        assert_eq!(subtree(&1, &parents), vec![1, 2, 3, 4]);
        assert_eq!(subtree(&2, &parents), vec![2, 4]);
        assert_eq!(subtree(&5, &parents), vec![5]);
    }
}
