//! Why a seat stays empty and why an applicant was left out. Each reason comes from checking a
//! single change against the rules: adding the applicant to an empty seat, or swapping them for
//! the lowest-scored holder of a seat they could take. In an optimal assignment every such change
//! that would raise the objective breaks at least one rule, so a reason always exists.

use super::search::{self, Pick, REPRESENTATIVE};
use super::{Balance, Instance, role_index, role_of};
use crate::domain::seat_plan::SeatRole;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleKind {
    AssociationLimit,
    MunicipalityLimit,
    GenderBalance,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssociationLimit => "association_limit",
            Self::MunicipalityLimit => "municipality_limit",
            Self::GenderBalance => "gender_balance",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnfilledReason {
    /// No applicant of the theme can take the seat at all: the theme needs a new call.
    NoEligibleApplicant,
    /// Applicants exist, but each of them would break these rules.
    BlockedByRules(Vec<RuleKind>),
    /// The search stopped at its node limit before proving why.
    SearchLimit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftOutReason {
    /// No seat of the applicant's theme in a role they asked for.
    NoSeat,
    /// Every seat they could take went to a higher-scored applicant of the theme.
    Outscored { higher_scored_holders: usize },
    /// Taking a seat of `role` (an empty one, or the one of `instead_of`, who scored lower)
    /// would break `rule`.
    Rule {
        rule: RuleKind,
        role: SeatRole,
        instead_of: Option<usize>,
    },
    /// The search stopped at its node limit before it could rule this applicant out.
    SearchLimit,
}

pub(super) struct Context<'a> {
    pub instance: &'a Instance<'a>,
    pub problem: &'a search::Problem,
    pub picks: &'a [Pick],
    /// Holders per seat group, best first.
    pub holders: &'a [Vec<usize>],
    pub proven: bool,
}

impl Context<'_> {
    fn association_count(&self, association: u32) -> usize {
        self.picks
            .iter()
            .filter(|(a, _)| self.problem.apps[*a as usize].association == association)
            .count()
    }

    fn municipality_count(&self, municipality: u32) -> usize {
        self.picks
            .iter()
            .filter(|(a, _)| self.problem.apps[*a as usize].municipality == municipality)
            .count()
    }

    /// The rules broken if `candidate` joined in `role`, with `leaving` giving up their seat.
    fn broken(&self, candidate: usize, role: u8, leaving: Option<usize>) -> Vec<RuleKind> {
        let rules = self.instance.rules;
        let app = &self.problem.apps[candidate];
        let leaver = leaving.map(|h| &self.problem.apps[h]);
        let mut broken = Vec::new();
        let same = |f: &dyn Fn(&search::App) -> u32| leaver.is_some_and(|l| f(l) == f(app));
        let associations = self.association_count(app.association)
            - usize::from(same(&|a: &search::App| a.association));
        // The problem's caps are the limits less the seated members.
        if associations + 1 > self.problem.association_caps[app.association as usize] as usize {
            broken.push(RuleKind::AssociationLimit);
        }
        if let Some(caps) = &self.problem.municipality_caps {
            let municipalities = self.municipality_count(app.municipality)
                - usize::from(same(&|a: &search::App| a.municipality));
            if municipalities + 1 > caps[app.municipality as usize] as usize {
                broken.push(RuleKind::MunicipalityLimit);
            }
        }
        if let Some(share) = rules.min_share.filter(|s| s.percent() > 0) {
            let mut balance = Balance::of(self.problem, self.picks);
            balance.add(app.counted, role, 1);
            let mut changed = vec![role];
            if let Some(h) = leaving {
                let held = self
                    .picks
                    .iter()
                    .find(|(a, _)| *a as usize == h)
                    .map_or(role, |p| p.1);
                balance.add(self.problem.apps[h].counted, held, -1);
                changed.push(held);
            }
            // Only the roles the move changes: seated members may leave the other role
            // broken, whoever joins.
            if changed.iter().any(|&r| !balance.meets_role(Some(share), r)) {
                broken.push(RuleKind::GenderBalance);
            }
        }
        broken
    }

    /// Why an empty seat of group `g` stays empty although the theme has applicants for it.
    pub fn blocked_seat(&self, g: usize) -> UnfilledReason {
        let theme = self.instance.groups[g].theme;
        let selected: Vec<usize> = self.picks.iter().map(|p| p.0 as usize).collect();
        let mut rules: Vec<RuleKind> = Vec::new();
        for (i, c) in self.instance.candidates.iter().enumerate() {
            if c.theme != theme || selected.contains(&i) {
                continue;
            }
            for role in [REPRESENTATIVE, super::search::DEPUTY] {
                if self.problem.apps[i].groups[role as usize].is_some() {
                    rules.extend(self.broken(i, role, None));
                }
            }
        }
        rules.sort_unstable();
        rules.dedup();
        if !rules.is_empty() {
            UnfilledReason::BlockedByRules(rules)
        } else if !self.proven {
            UnfilledReason::SearchLimit
        } else {
            // Blocked through a chain of moves rather than one: name the rules in force.
            let r = self.instance.rules;
            let mut in_force = vec![RuleKind::AssociationLimit];
            if r.max_seats_per_municipality.is_some() {
                in_force.push(RuleKind::MunicipalityLimit);
            }
            if r.min_share.is_some_and(|s| s.percent() > 0) {
                in_force.push(RuleKind::GenderBalance);
            }
            UnfilledReason::BlockedByRules(in_force)
        }
    }

    /// Why `candidate` holds no seat.
    pub fn left_out(&self, candidate: usize) -> Vec<LeftOutReason> {
        let app = &self.problem.apps[candidate];
        let mut reasons = Vec::new();
        let mut higher = 0;
        let mut any_group = false;
        let mut unexplained = false;
        for role in SeatRole::ALL {
            let r = role_index(role);
            let Some(g) = app.groups[r as usize] else {
                continue;
            };
            any_group = true;
            let g = g as usize;
            let holders = &self.holders[g];
            let seats = self.instance.groups[g].seats as usize;
            let lowest_below = holders
                .iter()
                .rev()
                .find(|&&h| self.problem.apps[h].value < app.value)
                .copied();
            higher += holders
                .iter()
                .filter(|&&h| self.problem.apps[h].value > app.value)
                .count();
            let change = if holders.len() < seats {
                Some(None)
            } else {
                lowest_below.map(Some)
            };
            let Some(instead_of) = change else {
                continue;
            };
            let broken = self.broken(candidate, r, instead_of);
            if broken.is_empty() {
                unexplained = true;
            }
            reasons.extend(broken.into_iter().map(|rule| LeftOutReason::Rule {
                rule,
                role: role_of(r),
                instead_of,
            }));
        }
        if !any_group {
            return vec![LeftOutReason::NoSeat];
        }
        if reasons.is_empty() {
            if unexplained && !self.proven {
                return vec![LeftOutReason::SearchLimit];
            }
            return vec![LeftOutReason::Outscored {
                higher_scored_holders: higher,
            }];
        }
        if unexplained && !self.proven {
            reasons.push(LeftOutReason::SearchLimit);
        }
        reasons
    }
}
