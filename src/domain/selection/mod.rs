//! Seat filling, in plain Rust: which applicant takes which seat of a call's council.
//!
//! The rule, in the order it decides:
//! 1. fill as many representative seats as possible, then as many deputy seats as possible;
//! 2. among those, the highest total selection score (the ranking's normalised score, rounded
//!    to 0.0001; an application without counted reviews scores below every reviewed one);
//! 3. among equal totals, the highest sum of lot numbers: each application draws a lot from
//!    SHA-256 of the seed and its id, and the higher digest is the higher lot;
//! 4. of the ways to split those holders between the roles (the same number of representatives,
//!    each in a role it asked for, the balance kept), the one with the highest total score (then
//!    lots) in the representative seats: within a theme the higher-scored holder sits as
//!    representative wherever the rules allow, also where only swaps in two themes together keep
//!    the balance (`roles`). It depends on the holders only, not on how the search found them.
//!
//! subject to: a seat goes to an application of its theme in a role it asked for; one seat per
//! application; at most `max_seats_per_association` seats per association and, if set,
//! `max_seats_per_municipality` per municipality (an association's home municipality); and, if
//! set, at least `min_share` of women and of men among the holders of each role who said they are
//! a woman or a man (the Equality Act counts women and men; `other` and `undisclosed` count
//! neither way). Where no split of a role's women and men gives each the share (one or three at
//! 40 %), its most balanced split keeps the rule (`Share::met_by`, `balance_cases`).
//!
//! The rules hold for the whole council: holders of its other seats (`Instance::seated`, filled
//! by earlier calls) count against the limits and in the balance. What they alone break stays
//! as it is: an association over its limit takes no one more, and a role this call has no seats
//! in is left to them; a role whose balance no choice can mend leaves the run with nothing that
//! keeps the rules, and the relaxation names the share that would.
//!
//! The optimum is exact (`search`), not a greedy guess; `exhaustive` in the tests checks it.

pub mod constraints;
mod explain;
mod flow;
mod master;
mod roles;
mod search;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

pub use constraints::{Constraints, GenderBalance};
pub use explain::{LeftOutReason, RuleKind, UnfilledReason};
use search::{Column, Counted, DEPUTY, Pick, REPRESENTATIVE};

use super::application::{Gender, RolePreference};
use super::seat_plan::SeatRole;
use super::theme::ThemeArea;

/// Changes whenever the same input could give a different output. 6: a role of 1 or 3 women
/// and men (at 40 %) keeps the balance with its most balanced split (`Share::met_by`). 5: which
/// holders sit as representatives is decided from the holders alone (`roles`).
pub const ALGORITHM_VERSION: &str = "jane-seats/branch-and-price/6";

/// Scores are compared in units of 0.0001.
const SCORE_QUANTUM: f64 = 10_000.0;
/// Normalised scores are means of z-scores; beyond ±100 they are clamped (never reached in
/// practice: a z-score among k reviews is at most √(k−1)).
const SCORE_CLAMP: i64 = 1_000_000;
/// Limits that keep every packed objective inside `i128` with room for the row prices.
pub const MAX_SEATS: usize = 2_000;
pub const MAX_CANDIDATES: usize = 30_000;
/// Search nodes a run may take, its relaxation probes included; a selection search that reaches
/// it stops and reports its best as not proven optimal. Counted, not timed, so that the same
/// input always gives the same output. The service's default `selection.search_node_limit`.
pub const DEFAULT_NODE_LIMIT: u64 = 20_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The application id: draws the lot and keeps the outcome independent of input order.
    pub key: String,
    pub theme: ThemeArea,
    pub preference: RolePreference,
    /// The association's business ID (Y-tunnus).
    pub association: String,
    /// The association's home municipality code.
    pub municipality: String,
    pub gender: Gender,
    /// The normalised score; `None` without counted reviews.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatGroup {
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub seats: u32,
}

/// A share in whole percent, 0..=50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Share(u32);

impl Share {
    pub const DEFAULT: Share = Share(40);

    /// From a fraction such as 0.4; whole percents from 0 to 0.5 only.
    pub fn from_fraction(fraction: f64) -> Option<Share> {
        let percent = fraction * 100.0;
        let rounded = percent.round();
        ((0.0..=50.0).contains(&rounded) && (percent - rounded).abs() < 1e-9)
            .then_some(Share(rounded as u32))
    }

    pub fn percent(self) -> u32 {
        self.0
    }

    pub fn fraction(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// Whether `part` of the `whole` women and men holding a role of `size` seats meets the share.
    /// A role whose size no split gives each side the share (1 or 3 seats at 40 %) meets it with
    /// its most balanced split, ⌊whole/2⌋ each way: the Equality Ombudsman reads the 40 % rule for
    /// a body of three as "at least one woman and one man" (TAS/426/2010). A larger role keeps the
    /// strict share, however few of its holders said they are a woman or a man. (Where a strict
    /// split exists, ⌈p·whole/100⌉ ≤ ⌊whole/2⌋, so the second test adds nothing there anyway.)
    pub fn met_by(self, part: u32, whole: u32, size: u32) -> bool {
        part * 100 >= self.0 * whole || (!self.splits_strictly(size) && part >= whole / 2)
    }

    /// Whether some split of `whole` gives each side at least the share.
    pub fn splits_strictly(self, whole: u32) -> bool {
        2 * (self.0 * whole).div_ceil(100) <= whole
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub max_seats_per_association: u32,
    pub max_seats_per_municipality: Option<u32>,
    /// The balance rule; `None` turns it off.
    pub min_share: Option<Share>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            max_seats_per_association: 1,
            max_seats_per_municipality: None,
            min_share: Some(Share::DEFAULT),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Instance<'a> {
    pub groups: &'a [SeatGroup],
    pub candidates: &'a [Candidate],
    /// Holders of the council's other seats (filled by earlier calls): they count against the
    /// association and municipality limits and in the balance rule, as the whole council does.
    pub seated: &'a [Member<'a>],
    pub rules: Rules,
    pub seed: &'a str,
    /// Search nodes the whole run may take (`DEFAULT_NODE_LIMIT`).
    pub node_limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    #[error("a selection handles at most {MAX_SEATS} seats")]
    TooManySeats,
    #[error("a selection handles at most {MAX_CANDIDATES} applications")]
    TooManyCandidates,
    #[error("max_seats_per_association must be at least 1")]
    AssociationLimitZero,
    #[error("max_seats_per_municipality must be at least 1")]
    MunicipalityLimitZero,
}

/// The holders of one seat group, best first, and why its other seats stay empty.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupOutcome {
    pub holders: Vec<usize>,
    /// One entry per empty seat.
    pub unfilled: Vec<UnfilledReason>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    pub candidate: usize,
    pub reasons: Vec<LeftOutReason>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub representatives: u32,
    pub deputies: u32,
    /// Sum of the holders' scores as compared (0.0001 units; unscored holders count as −100.0001).
    pub total_score: f64,
    pub lot_sum: u64,
    /// The search finished: no assignment is better under the rule.
    pub proven_optimal: bool,
    /// Nodes of every search the run made: the selection's and the relaxation probes'. At most
    /// `Instance::node_limit`.
    pub search_nodes: u64,
}

/// A change to one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleChange {
    AssociationLimit {
        from: u32,
        to: u32,
    },
    /// `to: None` removes the limit.
    MunicipalityLimit {
        from: u32,
        to: Option<u32>,
    },
    /// `to: None` turns the rule off.
    GenderBalance {
        from: Share,
        to: Option<Share>,
    },
}

impl RuleChange {
    /// How far the change goes, relative to the rule: compared to name the smallest relaxation.
    fn size(&self) -> f64 {
        match *self {
            Self::AssociationLimit { from, to } => f64::from(to - from) / f64::from(from),
            Self::MunicipalityLimit { from, to } => {
                to.map_or(f64::INFINITY, |to| f64::from(to - from) / f64::from(from))
            }
            Self::GenderBalance { from, to } => {
                let to = to.map_or(0, Share::percent);
                f64::from(from.percent() - to) / f64::from(from.percent().max(1))
            }
        }
    }

    pub fn rule(&self) -> RuleKind {
        match self {
            Self::AssociationLimit { .. } => RuleKind::AssociationLimit,
            Self::MunicipalityLimit { .. } => RuleKind::MunicipalityLimit,
            Self::GenderBalance { .. } => RuleKind::GenderBalance,
        }
    }

    fn apply(&self, rules: &mut Rules) {
        match *self {
            Self::AssociationLimit { to, .. } => rules.max_seats_per_association = to,
            Self::MunicipalityLimit { to, .. } => rules.max_seats_per_municipality = to,
            Self::GenderBalance { to, .. } => rules.min_share = to,
        }
    }
}

/// Changes that, applied together, let the rules fill every seat that has an eligible applicant.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaxation {
    pub changes: Vec<RuleChange>,
}

impl Relaxation {
    pub fn apply(&self, rules: Rules) -> Rules {
        let mut rules = rules;
        for change in &self.changes {
            change.apply(&mut rules);
        }
        rules
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// In the order of `Instance::groups`.
    pub groups: Vec<GroupOutcome>,
    /// Every candidate not selected, in input order.
    pub left_out: Vec<LeftOut>,
    pub objective: Objective,
    /// Each candidate's lot number (0 = lowest), in input order.
    pub lots: Vec<u32>,
    /// Empty when the rules fill every seat that has an eligible applicant; otherwise the
    /// smallest relaxation first.
    pub relaxations: Vec<Relaxation>,
    /// The selection is proven but the rules leave seats empty, and the node limit was reached
    /// before the smallest relaxation was found: `relaxations` is empty though one exists.
    pub relaxations_cut_short: bool,
    /// Representatives and deputies that could be filled without the rules.
    pub fillable: (u32, u32),
}

/// The lot of each candidate: the rank of SHA-256(seed, "\n", key) among all candidates.
pub fn draw_lots(seed: &str, keys: &[&str]) -> Vec<u32> {
    let mut digests: Vec<([u8; 32], usize)> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let mut h = Sha256::new();
            h.update(seed.as_bytes());
            h.update(b"\n");
            h.update(key.as_bytes());
            (h.finalize().into(), i)
        })
        .collect();
    digests.sort_unstable();
    let mut lots = vec![0; keys.len()];
    for (rank, (_, i)) in digests.into_iter().enumerate() {
        lots[i] = rank as u32;
    }
    lots
}

/// A score as compared: 0.0001 units, clamped; no score is below every score.
pub fn quantized_score(score: Option<f64>) -> i64 {
    match score {
        Some(s) if s.is_finite() => {
            ((s * SCORE_QUANTUM).round() as i64).clamp(-SCORE_CLAMP, SCORE_CLAMP)
        }
        _ => -SCORE_CLAMP - 1,
    }
}

/// The solver's view of an instance: indices instead of names.
struct Prepared {
    /// With the strict balance rows (`cases[0]`).
    problem: search::Problem,
    /// The balance rule as sets of linear rows, one of which an assignment must keep
    /// (`balance_cases`).
    cases: Vec<Vec<search::Row>>,
    lots: Vec<u32>,
    quantized: Vec<i64>,
}

fn role_index(role: SeatRole) -> u8 {
    match role {
        SeatRole::Representative => REPRESENTATIVE,
        SeatRole::Deputy => DEPUTY,
    }
}

fn role_of(index: u8) -> SeatRole {
    if index == REPRESENTATIVE {
        SeatRole::Representative
    } else {
        SeatRole::Deputy
    }
}

/// Whether a candidate with this role preference may take a seat of `role`.
pub fn allows(preference: RolePreference, role: SeatRole) -> bool {
    !matches!(
        (preference, role),
        (RolePreference::Representative, SeatRole::Deputy)
            | (RolePreference::Deputy, SeatRole::Representative)
    )
}

fn counted(gender: Gender) -> Counted {
    match gender {
        Gender::Woman => Counted::Woman,
        Gender::Man => Counted::Man,
        Gender::Other | Gender::Undisclosed => Counted::Neither,
    }
}

/// The balance rows for a share p/100: per role, women's row p·M − (100−p)·W ≤ 0 and men's row
/// p·W − (100−p)·M ≤ 0, the seated members' part moved to the right-hand side.
fn balance_rows(share: Option<Share>, groups: &[SeatGroup], seated: Balance) -> Vec<search::Row> {
    let Some(share) = share.filter(|s| s.percent() > 0) else {
        return Vec::new();
    };
    let p = i64::from(share.percent());
    let mut rows = Vec::new();
    for role in SeatRole::ALL {
        if !groups.iter().any(|g| g.role == role && g.seats > 0) {
            continue;
        }
        let r = role_index(role);
        let (women, men) = (
            i64::from(seated.women[r as usize]),
            i64::from(seated.men[r as usize]),
        );
        rows.push(search::Row {
            role: r,
            group: None,
            other: None,
            woman: -(100 - p),
            man: p,
            rhs: (100 - p) * women - p * men,
        });
        rows.push(search::Row {
            role: r,
            group: None,
            other: None,
            woman: p,
            man: -(100 - p),
            rhs: (100 - p) * men - p * women,
        });
    }
    rows
}

/// The balance rule as linear cases, one of which an assignment must keep: per role with seats
/// in the call, the strict rows (`balance_rows`), or for each whole `e` that has no strict split
/// (`Share::splits_strictly`), exactly `e` women and men holding the role with at least ⌊e/2⌋ of
/// each; the latter only for a role whose size (its seats in the call and the seated members')
/// has no strict split. The strict rows admit no such whole, so the cases do not overlap, and
/// together they are `Share::met_by`, which is not linear. With both roles of such a size the
/// cases are their product: at 40 % three per role (strict, 1, 3), nine in all.
fn balance_cases(
    share: Option<Share>,
    groups: &[SeatGroup],
    seated: Balance,
    sizes: [u32; 2],
) -> Vec<Vec<search::Row>> {
    let strict = balance_rows(share, groups, seated);
    let Some(share) = share.filter(|s| s.percent() > 0) else {
        return vec![strict];
    };
    let mut cases = vec![Vec::new()];
    for role in SeatRole::ALL {
        let seats: u32 = groups
            .iter()
            .filter(|g| g.role == role)
            .map(|g| g.seats)
            .sum();
        if seats == 0 {
            continue;
        }
        let r = role_index(role);
        let (women, men) = (seated.women[r as usize], seated.men[r as usize]);
        let row = |woman: i64, man: i64, rhs: i64| search::Row {
            role: r,
            group: None,
            other: None,
            woman,
            man,
            rhs,
        };
        let mut options: Vec<Vec<search::Row>> =
            vec![strict.iter().filter(|x| x.role == r).copied().collect()];
        if share.splits_strictly(sizes[r as usize]) {
            // A role of a size with a strict split keeps the strict share: no small cases.
            cases = cases
                .iter()
                .map(|case| case.iter().chain(&options[0]).copied().collect())
                .collect();
            continue;
        }
        for whole in (women + men).max(1)..=women + men + seats {
            if share.splits_strictly(whole) {
                continue;
            }
            let (to_fill, least) = (i64::from(whole - women - men), i64::from(whole / 2));
            options.push(vec![
                row(1, 1, to_fill),
                row(-1, -1, -to_fill),
                row(-1, 0, i64::from(women) - least),
                row(0, -1, i64::from(men) - least),
            ]);
        }
        cases = cases
            .iter()
            .flat_map(|case| {
                options.iter().map(move |option| {
                    let mut rows = case.clone();
                    rows.extend_from_slice(option);
                    rows
                })
            })
            .collect();
    }
    cases
}

fn prepare(instance: &Instance<'_>) -> Result<Prepared, SelectionError> {
    let seats: usize = instance.groups.iter().map(|g| g.seats as usize).sum();
    if seats > MAX_SEATS {
        return Err(SelectionError::TooManySeats);
    }
    let n = instance.candidates.len();
    if n > MAX_CANDIDATES {
        return Err(SelectionError::TooManyCandidates);
    }
    if instance.rules.max_seats_per_association == 0 {
        return Err(SelectionError::AssociationLimitZero);
    }
    if instance.rules.max_seats_per_municipality == Some(0) {
        return Err(SelectionError::MunicipalityLimitZero);
    }
    let keys: Vec<&str> = instance.candidates.iter().map(|c| c.key.as_str()).collect();
    let lots = draw_lots(instance.seed, &keys);
    let quantized: Vec<i64> = instance
        .candidates
        .iter()
        .map(|c| quantized_score(c.score))
        .collect();

    let mut group_index = HashMap::new();
    let mut group_caps = Vec::new();
    for (i, g) in instance.groups.iter().enumerate() {
        group_index.insert((g.theme, g.role), i);
        group_caps.push(g.seats);
    }

    // Associations by business ID; each sits in its most common stated municipality (ties: the
    // lowest code), so that associations nest inside municipalities.
    let mut association_ids: BTreeMap<&str, u32> = BTreeMap::new();
    for c in instance.candidates {
        let next = association_ids.len() as u32;
        association_ids
            .entry(c.association.as_str())
            .or_insert(next);
    }
    let mut stated: Vec<BTreeMap<&str, u32>> = vec![BTreeMap::new(); association_ids.len()];
    for c in instance.candidates {
        *stated[association_ids[c.association.as_str()] as usize]
            .entry(c.municipality.as_str())
            .or_default() += 1;
    }
    let home: Vec<&str> = stated
        .iter()
        .map(|counts| {
            counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(m, _)| *m)
                .unwrap_or("")
        })
        .collect();
    let mut municipality_ids: BTreeMap<&str, u32> = BTreeMap::new();
    for m in &home {
        let next = municipality_ids.len() as u32;
        municipality_ids.entry(m).or_insert(next);
    }

    // Packing: value = reps·T_R + deps·T_D + Σ (score·M + lot), each tier above all below it.
    let lot_base = (seats as i128) * (n as i128) + 1;
    let max_value = i128::from(SCORE_CLAMP + 1) * lot_base + n as i128;
    let spread = (seats as i128) * max_value;
    let deputy_tier = 2 * spread + 1;
    let representative_tier = (seats as i128 + 1) * deputy_tier + 2 * spread + 1;
    debug_assert!(representative_tier < 1i128 << 72);

    let apps = instance
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let association = association_ids[c.association.as_str()];
            let group_for = |role: SeatRole| {
                if !allows(c.preference, role) {
                    return None;
                }
                group_index
                    .get(&(c.theme, role))
                    .filter(|&&g| instance.groups[g].seats > 0)
                    .map(|&g| g as u16)
            };
            search::App {
                groups: [
                    group_for(SeatRole::Representative),
                    group_for(SeatRole::Deputy),
                ],
                association,
                municipality: municipality_ids[home[association as usize]],
                counted: counted(c.gender),
                value: i128::from(quantized[i]) * lot_base + i128::from(lots[i]),
            }
        })
        .collect();
    // What the seated members already take of each limit, and of the balance.
    let mut seated_in_association = vec![0u32; association_ids.len()];
    let mut seated_in_municipality = vec![0u32; municipality_ids.len()];
    let mut seated = Balance::default();
    for m in instance.seated {
        if let Some(&a) = association_ids.get(m.association) {
            seated_in_association[a as usize] += 1;
        }
        if let Some(&k) = municipality_ids.get(m.municipality) {
            seated_in_municipality[k as usize] += 1;
        }
        seated.add(counted(m.gender), role_index(m.role), 1);
    }
    let rules = instance.rules;
    let problem = search::Problem {
        group_caps,
        apps,
        associations: association_ids.len(),
        association_caps: seated_in_association
            .iter()
            .map(|&n| rules.max_seats_per_association.saturating_sub(n))
            .collect(),
        municipalities: municipality_ids.len(),
        municipality_caps: rules.max_seats_per_municipality.map(|cap| {
            seated_in_municipality
                .iter()
                .map(|&n| cap.saturating_sub(n))
                .collect()
        }),
        tiers: [representative_tier, deputy_tier],
        rows: Vec::new(),
        role_sizes: [0; 2],
        seated: [
            [seated.women[0], seated.men[0]],
            [seated.women[1], seated.men[1]],
        ],
    };
    let mut role_sizes = [0u32; 2];
    for g in instance.groups {
        role_sizes[role_index(g.role) as usize] += g.seats;
    }
    for m in instance.seated {
        role_sizes[role_index(m.role) as usize] += 1;
    }
    let cases = balance_cases(rules.min_share, instance.groups, seated, role_sizes);
    let problem = search::Problem {
        rows: cases[0].clone(),
        role_sizes,
        ..problem
    };
    Ok(Prepared {
        problem,
        cases,
        lots,
        quantized,
    })
}

/// Counts of holders by role and how the balance rule counts them, with the role's size (its
/// seats, or its holders for a composition), which says whether the small-group reading applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Balance {
    women: [u32; 2],
    men: [u32; 2],
    sizes: [u32; 2],
}

impl Balance {
    /// The balance of the seated members and `picks`.
    fn of(problem: &search::Problem, picks: &[Pick]) -> Self {
        let mut b = Balance {
            women: [problem.seated[0][0], problem.seated[1][0]],
            men: [problem.seated[0][1], problem.seated[1][1]],
            sizes: problem.role_sizes,
        };
        for &(app, role) in picks {
            b.add(problem.apps[app as usize].counted, role, 1);
        }
        b
    }

    fn add(&mut self, who: Counted, role: u8, delta: i32) {
        let slot = match who {
            Counted::Woman => &mut self.women[role as usize],
            Counted::Man => &mut self.men[role as usize],
            Counted::Neither => return,
        };
        *slot = slot
            .checked_add_signed(delta)
            .expect("counts stay non-negative");
    }

    fn meets_role(&self, share: Option<Share>, role: u8) -> bool {
        let Some(share) = share else { return true };
        let r = role as usize;
        let (whole, size) = (self.women[r] + self.men[r], self.sizes[r]);
        share.met_by(self.women[r], whole, size) && share.met_by(self.men[r], whole, size)
    }
}

/// The most representatives, then deputies, each theme could have without any rule but role
/// preferences.
fn fillable_per_group(instance: &Instance<'_>) -> Vec<u32> {
    instance
        .groups
        .iter()
        .map(|g| {
            let in_theme = instance.candidates.iter().filter(|c| c.theme == g.theme);
            let (mut only_rep, mut only_dep, mut either) = (0u32, 0u32, 0u32);
            for c in in_theme {
                match c.preference {
                    RolePreference::Representative => only_rep += 1,
                    RolePreference::Deputy => only_dep += 1,
                    RolePreference::Either => either += 1,
                }
            }
            let rep_seats = instance
                .groups
                .iter()
                .find(|o| o.theme == g.theme && o.role == SeatRole::Representative)
                .map_or(0, |o| o.seats);
            let reps = rep_seats.min(only_rep + either);
            match g.role {
                SeatRole::Representative => reps,
                SeatRole::Deputy => {
                    let either_left = either - reps.saturating_sub(only_rep);
                    g.seats.min(only_dep + either_left)
                }
            }
        })
        .collect()
}

/// Solves without explanations or relaxations: the assignment and whether it is proven.
fn solve_core(
    instance: &Instance<'_>,
) -> Result<(Prepared, search::SearchOutcome), SelectionError> {
    let mut prepared = prepare(instance)?;
    let outcome = search_cases(&mut prepared, instance.node_limit, None);
    Ok((prepared, outcome))
}

/// The search over every balance case (`balance_cases`), within `node_limit` nodes in all: the
/// best assignment of any case, or with a `floor` the first found above it. The first case (the
/// strict rows) is searched in full; every later one only above the best so far, which its
/// root's bound usually settles at once. Leaves the problem with the strict rows.
fn search_cases(
    prepared: &mut Prepared,
    node_limit: u64,
    floor: Option<i128>,
) -> search::SearchOutcome {
    let mut best: Option<search::SearchOutcome> = None;
    let mut last = None;
    let (mut nodes, mut proven) = (0, true);
    'cases: for rows in &prepared.cases {
        prepared.problem.rows.clone_from(rows);
        let mut above = floor.or(best.as_ref().map(|b| b.best.value));
        loop {
            let limit = node_limit.saturating_sub(nodes);
            let outcome = match above {
                None => search::search(&prepared.problem, limit),
                Some(f) => search::search_above(&prepared.problem, limit, f),
            };
            nodes += outcome.nodes;
            proven &= outcome.proven;
            let found = above.is_none_or(|f| outcome.best.value > f);
            if !found {
                last = Some(outcome);
                if proven {
                    break; // nothing better in this case
                }
                break 'cases;
            }
            let full_search = above.is_none();
            above = Some(outcome.best.value);
            best = Some(outcome);
            if floor.is_some() {
                break 'cases; // one above the floor answers the question
            }
            if full_search {
                break; // the optimum of this case
            }
            // A search above a value stops at the first better assignment: look above it.
        }
    }
    prepared.problem.rows.clone_from(&prepared.cases[0]);
    let mut outcome = best.or(last).expect("every search gives an outcome");
    outcome.nodes = nodes;
    outcome.proven = proven;
    outcome
}

fn fills(column: &Column) -> (u32, u32) {
    let reps = column
        .picks
        .iter()
        .filter(|p| p.1 == REPRESENTATIVE)
        .count() as u32;
    (reps, column.picks.len() as u32 - reps)
}

/// Computes the selection. The candidates are taken in the order of their keys, so that the
/// outcome does not depend on the order they come in: assignments of equal value (the same
/// holders with their roles split otherwise) are then always resolved the same way.
pub fn select(instance: &Instance<'_>) -> Result<Outcome, SelectionError> {
    let mut order: Vec<usize> = (0..instance.candidates.len()).collect();
    order.sort_by(|&a, &b| {
        instance.candidates[a]
            .key
            .cmp(&instance.candidates[b].key)
            .then(a.cmp(&b))
    });
    if order.iter().enumerate().all(|(i, &o)| i == o) {
        return select_in_key_order(instance);
    }
    let sorted: Vec<Candidate> = order
        .iter()
        .map(|&i| instance.candidates[i].clone())
        .collect();
    let mut outcome = select_in_key_order(&Instance {
        candidates: &sorted,
        ..instance.clone()
    })?;
    // Back to the caller's indices.
    for group in &mut outcome.groups {
        for holder in &mut group.holders {
            *holder = order[*holder];
        }
    }
    for left in &mut outcome.left_out {
        left.candidate = order[left.candidate];
        for reason in &mut left.reasons {
            if let LeftOutReason::Rule {
                instead_of: Some(other),
                ..
            } = reason
            {
                *other = order[*other];
            }
        }
    }
    outcome.left_out.sort_by_key(|l| l.candidate);
    let mut lots = vec![0; order.len()];
    for (s, &i) in order.iter().enumerate() {
        lots[i] = outcome.lots[s];
    }
    outcome.lots = lots;
    Ok(outcome)
}

fn select_in_key_order(instance: &Instance<'_>) -> Result<Outcome, SelectionError> {
    let (prepared, outcome) = solve_core(instance)?;
    let problem = &prepared.problem;
    let mut picks = outcome.best.picks.to_vec();
    roles::split_roles(problem, &mut picks, instance.rules.min_share);

    let per_group_fillable = fillable_per_group(instance);
    let fillable =
        instance
            .groups
            .iter()
            .zip(&per_group_fillable)
            .fold((0, 0), |(r, d), (g, &f)| match g.role {
                SeatRole::Representative => (r + f, d),
                SeatRole::Deputy => (r, d + f),
            });
    let (representatives, deputies) = fills(&outcome.best);

    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); instance.groups.len()];
    for &(app, role) in &picks {
        let group = problem.apps[app as usize].groups[role as usize].expect("picked in a group");
        holders[group as usize].push(app as usize);
    }
    for list in &mut holders {
        list.sort_by(|&a, &b| problem.apps[b].value.cmp(&problem.apps[a].value));
    }

    let context = explain::Context {
        instance,
        problem,
        picks: &picks,
        holders: &holders,
        proven: outcome.proven,
    };
    let groups = instance
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let empty = group.seats as usize - holders[g].len();
            let without_applicant = (group.seats - per_group_fillable[g]) as usize;
            let mut unfilled = Vec::with_capacity(empty);
            for k in 0..empty {
                unfilled.push(if k < empty.saturating_sub(without_applicant) {
                    context.blocked_seat(g)
                } else {
                    UnfilledReason::NoEligibleApplicant
                });
            }
            GroupOutcome {
                holders: holders[g].clone(),
                unfilled,
            }
        })
        .collect();
    let selected: Vec<bool> = {
        let mut s = vec![false; instance.candidates.len()];
        for &(app, _) in &picks {
            s[app as usize] = true;
        }
        s
    };
    let left_out = (0..instance.candidates.len())
        .filter(|&i| !selected[i])
        .map(|i| LeftOut {
            candidate: i,
            reasons: context.left_out(i),
        })
        .collect();

    // A search cut short has not shown that the rules leave seats empty: no relaxation is
    // named then. The probes search what the node limit leaves.
    let probe_limit = instance.node_limit.saturating_sub(outcome.nodes);
    let probes = Probes {
        instance,
        fillable,
        nodes_left: Cell::new(probe_limit),
    };
    let (relaxations, relaxations_cut_short) =
        if (representatives, deputies) == fillable || !outcome.proven {
            (Vec::new(), false)
        } else {
            match relaxations(&probes) {
                Ok(found) => (found, false),
                Err(ProbeStop::NodeLimit) => (Vec::new(), true),
                Err(ProbeStop::Invalid(e)) => return Err(e),
            }
        };
    Ok(Outcome {
        groups,
        left_out,
        objective: Objective {
            representatives,
            deputies,
            total_score: picks
                .iter()
                .map(|&(app, _)| prepared.quantized[app as usize] as f64)
                .sum::<f64>()
                / SCORE_QUANTUM,
            lot_sum: picks
                .iter()
                .map(|&(app, _)| u64::from(prepared.lots[app as usize]))
                .sum(),
            proven_optimal: outcome.proven,
            search_nodes: outcome.nodes + probe_limit - probes.nodes_left.get(),
        },
        lots: prepared.lots,
        relaxations,
        relaxations_cut_short,
        fillable,
    })
}

/// The searches that name the smallest relaxation. Each asks whether some rules fill what can
/// be filled; together they search at most the nodes the run's limit leaves after the selection,
/// so that `Instance::node_limit` bounds the whole run.
struct Probes<'i, 'a> {
    instance: &'i Instance<'a>,
    fillable: (u32, u32),
    nodes_left: Cell<u64>,
}

/// Why the relaxation search ended without an answer.
enum ProbeStop {
    Invalid(SelectionError),
    /// The run's node limit was reached before a probe was certain.
    NodeLimit,
}

impl From<SelectionError> for ProbeStop {
    fn from(e: SelectionError) -> Self {
        Self::Invalid(e)
    }
}

impl Probes<'_, '_> {
    /// Whether `rules` fill what can be filled. Only the seat counts matter here: the probe
    /// looks for any assignment worth more than every one that fills fewer seats, and stops at
    /// the first.
    fn fills_all(&self, rules: Rules) -> Result<bool, ProbeStop> {
        let mut prepared = prepare(&Instance {
            rules,
            ..self.instance.clone()
        })?;
        let floor = prepared.problem.floor_of_fills(self.fillable);
        let outcome = search_cases(&mut prepared, self.nodes_left.get(), Some(floor));
        self.nodes_left.set(self.nodes_left.get() - outcome.nodes);
        if fills(&outcome.best) == self.fillable {
            Ok(true)
        } else if outcome.proven {
            Ok(false)
        } else {
            Err(ProbeStop::NodeLimit)
        }
    }
}

/// The smallest value in `lo..=hi` for which `works` holds, if any; `works` is monotone.
fn smallest_working<E>(
    lo: u32,
    hi: u32,
    mut works: impl FnMut(u32) -> Result<bool, E>,
) -> Result<Option<u32>, E> {
    if lo > hi || !works(hi)? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (lo, hi);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if works(mid)? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(Some(lo))
}

/// For each rule on its own, the least change that fills what can be filled; if none suffices
/// alone, one combined change. Smallest first.
fn relaxations(probes: &Probes<'_, '_>) -> Result<Vec<Relaxation>, ProbeStop> {
    let instance = probes.instance;
    let rules = instance.rules;
    let mut per_association: BTreeMap<&str, u32> = BTreeMap::new();
    let members = instance
        .candidates
        .iter()
        .map(|c| c.association.as_str())
        .chain(instance.seated.iter().map(|m| m.association));
    for association in members {
        *per_association.entry(association).or_default() += 1;
    }
    let most_per_association = per_association.values().copied().max().unwrap_or(1);
    let most_per_municipality = (instance.candidates.len() + instance.seated.len()) as u32;

    let association_change = |base: Rules| -> Result<Option<RuleChange>, ProbeStop> {
        let from = base.max_seats_per_association;
        Ok(
            smallest_working(from + 1, most_per_association.max(from + 1), |k| {
                probes.fills_all(Rules {
                    max_seats_per_association: k,
                    ..base
                })
            })?
            .map(|to| RuleChange::AssociationLimit { from, to }),
        )
    };
    let municipality_change = |base: Rules| -> Result<Option<RuleChange>, ProbeStop> {
        let Some(from) = base.max_seats_per_municipality else {
            return Ok(None);
        };
        let found = smallest_working(from + 1, most_per_municipality.max(from + 1), |l| {
            probes.fills_all(Rules {
                max_seats_per_municipality: Some(l),
                ..base
            })
        })?;
        Ok(found.map(|to| RuleChange::MunicipalityLimit { from, to: Some(to) }))
    };
    let balance_change = |base: Rules| -> Result<Option<RuleChange>, ProbeStop> {
        let Some(from) = base.min_share.filter(|s| s.percent() > 0) else {
            return Ok(None);
        };
        // The largest share below `from` that works: search over "from − x".
        let found = smallest_working(1, from.percent(), |drop| {
            let share = from.percent() - drop;
            probes.fills_all(Rules {
                min_share: (share > 0).then_some(Share(share)),
                ..base
            })
        })?;
        Ok(found.map(|drop| {
            let share = from.percent() - drop;
            RuleChange::GenderBalance {
                from,
                to: (share > 0).then_some(Share(share)),
            }
        }))
    };

    let mut singles: Vec<RuleChange> = [
        association_change(rules)?,
        municipality_change(rules)?,
        balance_change(rules)?,
    ]
    .into_iter()
    .flatten()
    .collect();
    if !singles.is_empty() {
        singles.sort_by(|a, b| a.size().total_cmp(&b.size()));
        return Ok(singles
            .into_iter()
            .map(|c| Relaxation { changes: vec![c] })
            .collect());
    }
    // No rule alone: loosen all, then tighten each back as far as the others allow.
    let loosest = Rules {
        max_seats_per_association: most_per_association.max(rules.max_seats_per_association),
        max_seats_per_municipality: None,
        min_share: None,
    };
    if !probes.fills_all(loosest)? {
        return Ok(Vec::new()); // cannot happen: without rules every fillable seat fills
    }
    let mut current = loosest;
    let mut changes = Vec::new();
    // Balance first: tightest share that still works with the others loose.
    if let Some(from) = rules.min_share.filter(|s| s.percent() > 0) {
        let found = smallest_working(0, from.percent(), |drop| {
            let share = from.percent() - drop;
            probes.fills_all(Rules {
                min_share: (share > 0).then_some(Share(share)),
                ..current
            })
        })?
        .unwrap_or(from.percent());
        let share = from.percent() - found;
        current.min_share = (share > 0).then_some(Share(share));
        if found > 0 {
            changes.push(RuleChange::GenderBalance {
                from,
                to: current.min_share,
            });
        }
    }
    if let Some(from) = rules.max_seats_per_municipality {
        let to = smallest_working(from, most_per_municipality.max(from), |l| {
            probes.fills_all(Rules {
                max_seats_per_municipality: Some(l),
                ..current
            })
        })?;
        current.max_seats_per_municipality = to;
        if to != Some(from) {
            changes.push(RuleChange::MunicipalityLimit { from, to });
        }
    }
    let from = rules.max_seats_per_association;
    let to = smallest_working(from, current.max_seats_per_association, |k| {
        probes.fills_all(Rules {
            max_seats_per_association: k,
            ..current
        })
    })?
    .unwrap_or(current.max_seats_per_association);
    if to != from {
        changes.push(RuleChange::AssociationLimit { from, to });
    }
    Ok(vec![Relaxation { changes }])
}

/// A seat holder as the council's rules count them, for checking a composition after the run:
/// overrides, reserves stepping in, deputies moving up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member<'a> {
    pub association: &'a str,
    pub municipality: &'a str,
    pub gender: Gender,
    pub role: SeatRole,
}

/// One way a composition breaks a rule: which association, municipality or role, and by how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach<'a> {
    /// An association holds more seats than the limit.
    Association {
        business_id: &'a str,
        held: u32,
        limit: u32,
    },
    /// A municipality's associations hold more seats than the limit.
    Municipality {
        code: &'a str,
        held: u32,
        limit: u32,
    },
    /// Among the members of `role` who gave their gender, `part` of `whole` are of `gender`:
    /// less than `share`.
    Balance {
        role: SeatRole,
        gender: Gender,
        part: u32,
        whole: u32,
        share: Share,
    },
}

impl Breach<'_> {
    pub fn rule(&self) -> RuleKind {
        match self {
            Self::Association { .. } => RuleKind::AssociationLimit,
            Self::Municipality { .. } => RuleKind::MunicipalityLimit,
            Self::Balance { .. } => RuleKind::GenderBalance,
        }
    }

    /// Whether this breach is worse than `before` for the same association, municipality or
    /// role and gender: more seats held, or a smaller part of the role. `None` when `before` is
    /// about something else.
    fn worse_than(&self, before: &Breach<'_>) -> Option<bool> {
        match (self, before) {
            (
                Self::Association {
                    business_id, held, ..
                },
                Breach::Association {
                    business_id: b,
                    held: h,
                    ..
                },
            ) if business_id == b => Some(held > h),
            (
                Self::Municipality { code, held, .. },
                Breach::Municipality {
                    code: c, held: h, ..
                },
            ) if code == c => Some(held > h),
            (
                Self::Balance {
                    role,
                    gender,
                    part,
                    whole,
                    ..
                },
                Breach::Balance {
                    role: r,
                    gender: g,
                    part: p,
                    whole: w,
                    ..
                },
            ) if role == r && gender == g => {
                // part/whole < p/w, cross-multiplied to stay in whole numbers.
                Some(u64::from(*part) * u64::from(*w) < u64::from(*p) * u64::from(*whole))
            }
            _ => None,
        }
    }
}

/// Every breach of the rules in a composition: associations and municipalities in key order,
/// then the balance per role.
pub fn breaches<'a>(members: &[Member<'a>], rules: Rules) -> Vec<Breach<'a>> {
    breaches_sized(members, rules, None)
}

/// Seats per role (representatives, deputies): how large each role of a council is, which says
/// whether the balance rule's small-group reading applies to it (`Share::met_by`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleSizes(pub [u32; 2]);

impl RoleSizes {
    /// The sizes of the roles of these seats.
    pub fn of(roles: impl IntoIterator<Item = SeatRole>) -> Self {
        let mut sizes = [0; 2];
        for role in roles {
            sizes[role_index(role) as usize] += 1;
        }
        Self(sizes)
    }
}

/// As `breaches`, with the roles' sizes given (the council's seats); without them a role is as
/// large as its holders in `members`.
pub fn breaches_sized<'a>(
    members: &[Member<'a>],
    rules: Rules,
    sizes: Option<RoleSizes>,
) -> Vec<Breach<'a>> {
    let mut per_association: BTreeMap<&str, u32> = BTreeMap::new();
    let mut per_municipality: BTreeMap<&str, u32> = BTreeMap::new();
    let mut balance = Balance::default();
    for m in members {
        *per_association.entry(m.association).or_default() += 1;
        *per_municipality.entry(m.municipality).or_default() += 1;
        balance.add(counted(m.gender), role_index(m.role), 1);
        balance.sizes[role_index(m.role) as usize] += 1;
    }
    if let Some(RoleSizes(sizes)) = sizes {
        balance.sizes = sizes;
    }
    let limit = rules.max_seats_per_association;
    let mut found: Vec<Breach<'a>> = per_association
        .into_iter()
        .filter(|&(_, held)| held > limit)
        .map(|(business_id, held)| Breach::Association {
            business_id,
            held,
            limit,
        })
        .collect();
    if let Some(limit) = rules.max_seats_per_municipality {
        found.extend(
            per_municipality
                .into_iter()
                .filter(|&(_, held)| held > limit)
                .map(|(code, held)| Breach::Municipality { code, held, limit }),
        );
    }
    if let Some(share) = rules.min_share {
        for role in [SeatRole::Representative, SeatRole::Deputy] {
            let r = role_index(role) as usize;
            let whole = balance.women[r] + balance.men[r];
            for (gender, part) in [
                (Gender::Woman, balance.women[r]),
                (Gender::Man, balance.men[r]),
            ] {
                if !share.met_by(part, whole, balance.sizes[r]) {
                    found.push(Breach::Balance {
                        role,
                        gender,
                        part,
                        whole,
                        share,
                    });
                }
            }
        }
    }
    found
}

/// The breaches of `after` that `before` did not have, or had less badly: what a change (an
/// override, a replacement) adds to a composition that may already break a rule (one decided
/// with a relaxation, or left so by earlier calls).
pub fn added_breaches<'a>(before: &[Breach<'_>], after: Vec<Breach<'a>>) -> Vec<Breach<'a>> {
    after
        .into_iter()
        .filter(|b| {
            before
                .iter()
                .find_map(|old| b.worse_than(old))
                .unwrap_or(true)
        })
        .collect()
}

/// The rules a composition breaks, in rule order.
pub fn rules_broken(members: &[Member<'_>], rules: Rules) -> Vec<RuleKind> {
    let mut kinds: Vec<RuleKind> = breaches(members, rules).iter().map(Breach::rule).collect();
    kinds.dedup();
    kinds
}

/// Whether `joining` may take a seat in a composition that `leaving` left: the composition after
/// adds no breach, and makes none worse, for any association, municipality or role. (A
/// composition decided with a relaxation may break a rule; a replacement must not make it break
/// more.)
pub fn keeps_rules(
    before: &[Member<'_>],
    after_without: &[Member<'_>],
    joining: Member<'_>,
    rules: Rules,
) -> bool {
    keeps_rules_sized(before, after_without, joining, rules, None)
}

/// As `keeps_rules`, with the roles' sizes given (the council's seats).
pub fn keeps_rules_sized(
    before: &[Member<'_>],
    after_without: &[Member<'_>],
    joining: Member<'_>,
    rules: Rules,
    sizes: Option<RoleSizes>,
) -> bool {
    let already = breaches_sized(before, rules, sizes);
    let mut after = after_without.to_vec();
    after.push(joining);
    added_breaches(&already, breaches_sized(&after, rules, sizes)).is_empty()
}
