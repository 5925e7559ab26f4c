//! The exact search: branch and price. Every rule but gender balance is a capacity in a flow
//! network (municipality → association → application → seat group), so without the balance rule
//! one maximum-weight flow is the optimum. The balance rule adds a few linear rows (per role: the
//! women's and the men's share); the search prices them with the duals of a small exact master
//! problem, bounds each branch by the priced flow, and branches (on the count of women or men
//! holding one role, then on such a count in one theme's seats of both roles, then in one seat
//! group, then on an application's role),
//! solving the open branch with the highest bound next, until no branch can beat the best
//! assignment found. A bound is valid for any prices, so rounding them for the flow can only cost
//! search time, never the optimum. Below a branch, the picks that the priced flow's reduced costs
//! show cannot be part of a better assignment are fixed (taken or left), so that the branches
//! under it solve smaller networks.

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use super::flow::FlowNetwork;
use super::master::{self, MasterColumn};

/// Index of a role in `tiers` and picks: representatives 0, deputies 1.
pub(super) const REPRESENTATIVE: u8 = 0;
pub(super) const DEPUTY: u8 = 1;

/// Fractional bits of the row prices handed to the flow. With rows of at most 2¹⁸ in absolute
/// value, rounding costs the bound less than 2⁻⁶ of one unit of the objective.
const PRICE_BITS: u32 = 24;

/// How the balance rule counts a holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counted {
    Woman,
    Man,
    /// Gender `other` or `undisclosed`: counted neither way.
    Neither,
}

#[derive(Debug, Clone)]
pub(super) struct App {
    /// The seat group this application may take as representative and as deputy, if any.
    pub groups: [Option<u16>; 2],
    pub association: u32,
    pub municipality: u32,
    pub counted: Counted,
    /// Score and lot, packed: see `Problem::weight`.
    pub value: i128,
}

/// One linear row: Σ over holders of `role` (of seat group `group` only, and `other`, if set)
/// of (`woman` for each woman, `man` for each man) ≤ `rhs`. The balance rule's rows have `rhs` 0
/// (less the seated members); the search's count branches add rows for one theme or group.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    pub role: u8,
    pub group: Option<u16>,
    /// With `group`: a second seat group counted too (the theme's group of the other role).
    pub other: Option<u16>,
    pub woman: i64,
    pub man: i64,
    pub rhs: i64,
}

#[derive(Debug, Clone)]
pub(super) struct Problem {
    pub group_caps: Vec<u32>,
    pub apps: Vec<App>,
    pub associations: usize,
    /// Seats each association may still take (the limit less its seated members).
    pub association_caps: Vec<u32>,
    pub municipalities: usize,
    /// Likewise per municipality, when limited.
    pub municipality_caps: Option<Vec<u32>>,
    /// Weight of a filled representative seat and of a filled deputy seat: each tier outweighs
    /// everything below it, so more representatives always win, then more deputies, then score.
    pub tiers: [i128; 2],
    pub rows: Vec<Row>,
    /// Women and men among the seated members, per role: the rows already count them.
    pub seated: [[u32; 2]; 2],
    /// Seats per role, the seated members' included: whether a role is small enough for the
    /// balance rule's most balanced split (`Share::met_by`).
    pub role_sizes: [u32; 2],
}

/// An application in a role.
pub(super) type Pick = (u32, u8);

/// A complete assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Column {
    /// Sorted. Shared: the same column sits in many open branches' pools (best-bound search can
    /// hold thousands of them open), and a copy each would be the search's largest memory use.
    pub picks: Arc<[Pick]>,
    pub value: i128,
    pub rows: Vec<i64>,
}

impl Column {
    pub fn meets_rows(&self) -> bool {
        self.rows.iter().all(|&r| r <= 0)
    }
}

impl Problem {
    /// The most an assignment that fills fewer than `representatives` and then `deputies` seats
    /// can be worth: every one above it fills at least as many. (A deputy seat outweighs twice
    /// the largest sum of holders' values, `tiers[1] = 2·spread + 1`.)
    pub fn floor_of_fills(&self, (representatives, deputies): (u32, u32)) -> i128 {
        debug_assert_eq!(self.tiers[1] % 2, 1, "the deputy tier is 2·spread + 1");
        let spread = (self.tiers[1] - 1) / 2;
        i128::from(representatives) * self.tiers[0] + i128::from(deputies) * self.tiers[1]
            - spread
            - 1
    }

    pub fn weight(&self, (app, role): Pick) -> i128 {
        self.tiers[role as usize] + self.apps[app as usize].value
    }

    fn row_coefficient(&self, row: &Row, (app, role): Pick) -> i64 {
        let app = &self.apps[app as usize];
        let counts = match row.group {
            None => row.role == role,
            Some(g) => {
                let held = app.groups[role as usize];
                held == Some(g) || (row.other.is_some() && held == row.other)
            }
        };
        if !counts {
            return 0;
        }
        match app.counted {
            Counted::Woman => row.woman,
            Counted::Man => row.man,
            Counted::Neither => 0,
        }
    }

    pub fn column(&self, mut picks: Vec<Pick>) -> Column {
        picks.sort_unstable();
        let value = picks.iter().map(|&p| self.weight(p)).sum();
        let rows = self.row_values(&self.rows, &picks);
        Column {
            picks: picks.into(),
            value,
            rows,
        }
    }

    /// Each row's left-hand side minus its right-hand side: ≤ 0 where the row holds.
    fn row_values(&self, rows: &[Row], picks: &[Pick]) -> Vec<i64> {
        rows.iter()
            .map(|row| {
                picks
                    .iter()
                    .map(|&p| self.row_coefficient(row, p))
                    .sum::<i64>()
                    - row.rhs
            })
            .collect()
    }

    /// Women and men holding each group's seats.
    fn gender_counts(&self, picks: &[Pick]) -> Vec<[i64; 2]> {
        let mut counts = vec![[0i64; 2]; self.group_caps.len()];
        for &(app, role) in picks {
            let a = &self.apps[app as usize];
            let g = a.groups[role as usize].expect("picked in a group") as usize;
            match a.counted {
                Counted::Woman => counts[g][0] += 1,
                Counted::Man => counts[g][1] += 1,
                Counted::Neither => {}
            }
        }
        counts
    }

    /// The role of each seat group's seats.
    fn group_roles(&self) -> Vec<u8> {
        let mut roles = vec![REPRESENTATIVE; self.group_caps.len()];
        for a in &self.apps {
            for role in [REPRESENTATIVE, DEPUTY] {
                if let Some(g) = a.groups[role as usize] {
                    roles[g as usize] = role;
                }
            }
        }
        roles
    }

    /// The representative and deputy seat groups of each theme that has both (the groups an
    /// application open to either role may take).
    fn themes(&self) -> Vec<(u16, u16)> {
        let mut themes: Vec<(u16, u16)> = self
            .apps
            .iter()
            .filter_map(|a| {
                Some((
                    a.groups[REPRESENTATIVE as usize]?,
                    a.groups[DEPUTY as usize]?,
                ))
            })
            .collect();
        themes.sort_unstable();
        themes.dedup();
        themes
    }

    /// Outweighs every difference in value between two assignments.
    fn saturation_bonus(&self) -> i128 {
        let seats: i128 = self.group_caps.iter().map(|&c| i128::from(c)).sum();
        (seats + 1) * 2 * (self.tiers[0] + 1)
    }

    /// The largest (scaled) price handed to the flow: high enough to prove a branch
    /// infeasible against `artificial_value`, low enough that no priced sum overflows. Any
    /// price gives a valid bound, so the cap costs at most search time.
    fn price_cap(&self, rows: &[Row]) -> i128 {
        let seats: i128 = self.group_caps.iter().map(|&c| i128::from(c)).sum();
        let coefficients: i128 = rows
            .iter()
            .map(|r| i128::from(r.woman.abs().max(r.man.abs()).max(r.rhs.abs()).max(1)))
            .sum::<i128>()
            .max(1);
        (i128::MAX >> 3) / ((seats + 2) * coefficients)
    }

    /// The master's value for "no assignment meets the rows": below every real assignment
    /// (each pick weighs more than zero, so every real value is ≥ 0).
    fn artificial_value(&self) -> i128 {
        -self.saturation_bonus()
    }
}

/// Picks settled below a branch: by branching on one, or by reduced-cost fixing
/// (`PricedNetwork::fixings`). Every assignment better than the incumbent there respects them.
#[derive(Debug, Clone, Default, PartialEq)]
struct Fixing {
    forced: Vec<Pick>,
    forbidden: HashSet<Pick>,
}

impl Fixing {
    fn admits(&self, column: &Column) -> bool {
        self.forced
            .iter()
            .all(|p| column.picks.binary_search(p).is_ok())
            && !column.picks.iter().any(|p| self.forbidden.contains(p))
    }
}

/// Caps on the women and the men holding each group's seats, for the finer network.
type GenderCaps = [[i64; 2]];

/// The selection network for one fixing (and, for the rounding heuristic, caps per group and
/// gender), built once and then solved for any row prices: the first solve runs the flow from
/// zero, later ones re-optimise the last flow after re-weighting the application arcs.
struct PricedNetwork {
    net: FlowNetwork,
    source: usize,
    sink: usize,
    /// Each application arc, and whether it passes a capped gender node (and so earns the
    /// bonus for filling the caps).
    app_arcs: Vec<(Pick, usize, bool)>,
    /// For each application arc, the arcs a unit on it passes before it: the application's own,
    /// its association's, its municipality's (`NONE` where the network has no such node).
    chains: Vec<[usize; 3]>,
    forced: Vec<Pick>,
    bonus: i128,
    solved: bool,
    /// In a gendered network: the (group, gender) → group arcs, women then men per group,
    /// and the forced picks' women and men per group.
    gender_arcs: Vec<usize>,
    forced_gender: Vec<[i64; 2]>,
}

impl PricedNetwork {
    /// `None` when the forced picks alone break a capacity.
    ///
    /// A `gendered` network routes each woman and each man through a (group, gender) node
    /// whose cap `set_gender_caps` sets, and prefers a flow that fills those caps above all
    /// else (the solved value then includes the bonus and means nothing; callers check the
    /// column).
    fn build(problem: &Problem, fixing: &Fixing, gendered: bool) -> Option<Self> {
        let mut group_left: Vec<i64> = problem.group_caps.iter().map(|&c| i64::from(c)).collect();
        let mut association_left: Vec<i64> = problem
            .association_caps
            .iter()
            .map(|&c| i64::from(c))
            .collect();
        let mut municipality_left: Vec<i64> = match &problem.municipality_caps {
            Some(caps) => caps.iter().map(|&c| i64::from(c)).collect(),
            None => vec![i64::from(u32::MAX); problem.municipalities],
        };
        let mut forced_gender = vec![[0i64; 2]; problem.group_caps.len()];
        let mut taken = vec![false; problem.apps.len()];
        for &(app, role) in &fixing.forced {
            let a = &problem.apps[app as usize];
            let group = a.groups[role as usize].expect("a forced pick has a group") as usize;
            group_left[group] -= 1;
            if let Some(k) = gender_slot(a.counted) {
                forced_gender[group][k] += 1;
            }
            association_left[a.association as usize] -= 1;
            municipality_left[a.municipality as usize] -= 1;
            taken[app as usize] = true;
        }
        if group_left.iter().any(|&c| c < 0)
            || association_left.iter().any(|&c| c < 0)
            || municipality_left.iter().any(|&c| c < 0)
        {
            return None;
        }
        let bonus = if gendered {
            problem.saturation_bonus() << PRICE_BITS
        } else {
            0
        };

        // Nodes in topological order: source, municipalities (if capped), associations,
        // applications, (group, gender) nodes (if capped), seat groups, sink.
        let with_municipalities = problem.municipality_caps.is_some();
        let source = 0;
        let municipality_base = 1;
        let association_base = municipality_base
            + if with_municipalities {
                problem.municipalities
            } else {
                0
            };
        let app_base = association_base + problem.associations;
        let gender_base = app_base + problem.apps.len();
        let group_base = gender_base
            + if gendered {
                2 * problem.group_caps.len()
            } else {
                0
            };
        let sink = group_base + problem.group_caps.len();
        let mut net = FlowNetwork::new(sink + 1);
        let mut municipality_arc = vec![NONE; problem.municipalities];
        if with_municipalities {
            for (m, &left) in municipality_left.iter().enumerate() {
                if left > 0 {
                    municipality_arc[m] =
                        net.add_arc(source, municipality_base + m, left as u32, 0);
                }
            }
        }
        // Associations hang under their municipality (every application of an association
        // carries the same one; see `mod.rs`).
        let mut association_municipality = vec![u32::MAX; problem.associations];
        for a in &problem.apps {
            association_municipality[a.association as usize] = a.municipality;
        }
        let association_parent = |g: usize| -> Option<usize> {
            if !with_municipalities {
                return Some(source);
            }
            let m = association_municipality[g] as usize;
            (municipality_left[m] > 0).then_some(municipality_base + m)
        };
        // Each application's picks still open, with the node each one enters and whether it
        // passes a capped gender node. Weights are set by `solve`.
        let picks_open: Vec<Vec<(Pick, usize, bool)>> = problem
            .apps
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if taken[i] || association_left[a.association as usize] == 0 {
                    return Vec::new();
                }
                [REPRESENTATIVE, DEPUTY]
                    .into_iter()
                    .filter_map(|role| {
                        let group = a.groups[role as usize]? as usize;
                        let pick = (i as u32, role);
                        if group_left[group] == 0 || fixing.forbidden.contains(&pick) {
                            return None;
                        }
                        Some(match gender_slot(a.counted).filter(|_| gendered) {
                            Some(k) => (pick, gender_base + 2 * group + k, true),
                            None => (pick, group_base + group, false),
                        })
                    })
                    .collect()
            })
            .collect();
        let mut live_in_association = vec![0u32; problem.associations];
        for (a, open) in problem.apps.iter().zip(&picks_open) {
            if !open.is_empty() {
                live_in_association[a.association as usize] += 1;
            }
        }
        // An association with one live application needs no node of its own (its cap, at
        // least 1, cannot bind), nor does an application with one open pick: the arc leaves
        // the parent directly. Fewer nodes make every search shorter.
        let mut association_used = vec![false; problem.associations];
        let mut app_arcs: Vec<(Pick, usize, bool)> = Vec::new();
        let mut chains: Vec<[usize; 3]> = Vec::new();
        for (i, (a, open)) in problem.apps.iter().zip(&picks_open).enumerate() {
            if open.is_empty() {
                continue;
            }
            let g = a.association as usize;
            let municipality = if with_municipalities {
                municipality_arc[a.municipality as usize]
            } else {
                NONE
            };
            // The association's own arc is added below: its number replaces `g` then.
            let (parent, association) = if live_in_association[g] == 1 {
                (association_parent(g), NONE)
            } else {
                association_used[g] = true;
                (Some(association_base + g), g)
            };
            let Some(parent) = parent else {
                continue;
            };
            if let [(pick, target, capped)] = open[..] {
                app_arcs.push((pick, net.add_arc(parent, target, 1, 0), capped));
                chains.push([NONE, association, municipality]);
                continue;
            }
            let entry = net.add_arc(parent, app_base + i, 1, 0);
            for &(pick, target, capped) in open {
                app_arcs.push((pick, net.add_arc(app_base + i, target, 1, 0), capped));
                chains.push([entry, association, municipality]);
            }
        }
        let mut association_arc = vec![NONE; problem.associations];
        for (g, &used) in association_used.iter().enumerate() {
            if used && let Some(parent) = association_parent(g) {
                association_arc[g] =
                    net.add_arc(parent, association_base + g, association_left[g] as u32, 0);
            }
        }
        for chain in &mut chains {
            if chain[1] != NONE {
                chain[1] = association_arc[chain[1]];
            }
        }
        let mut gender_arcs = Vec::new();
        if gendered {
            for (g, &left) in group_left.iter().enumerate() {
                for k in 0..2 {
                    let arc = net.add_arc(gender_base + 2 * g + k, group_base + g, left as u32, 0);
                    gender_arcs.push(arc);
                }
            }
        }
        for (g, &left) in group_left.iter().enumerate() {
            if left > 0 {
                net.add_arc(group_base + g, sink, left as u32, 0);
            }
        }
        Some(Self {
            net,
            source,
            sink,
            app_arcs,
            chains,
            forced: fixing.forced.clone(),
            bonus,
            solved: false,
            gender_arcs,
            forced_gender,
        })
    }

    /// Caps the women and the men holding each group's seats (forced picks included); `false`
    /// when the forced picks alone exceed a cap.
    fn set_gender_caps(&mut self, caps: &GenderCaps) -> bool {
        debug_assert_eq!(self.gender_arcs.len(), 2 * caps.len());
        for (g, (caps, forced)) in caps.iter().zip(&self.forced_gender).enumerate() {
            for k in 0..2 {
                let Ok(left) = u32::try_from(caps[k] - forced[k]) else {
                    return false;
                };
                self.net.set_capacity(self.gender_arcs[2 * g + k], left);
            }
        }
        true
    }

    /// The best assignment for `rows` priced at `prices` (scaled by 2^PRICE_BITS), and its
    /// priced value (also scaled).
    fn solve(&mut self, problem: &Problem, rows: &[Row], prices: &[i128]) -> (Column, i128) {
        let priced = |pick: Pick| -> i128 {
            let mut w = problem.weight(pick) << PRICE_BITS;
            for (row, price) in rows.iter().zip(prices) {
                let c = problem.row_coefficient(row, pick);
                if c != 0 {
                    w -= price * i128::from(c);
                }
            }
            w
        };
        for &(pick, arc, capped) in &self.app_arcs {
            let bonus = if capped { self.bonus } else { 0 };
            self.net.set_weight(arc, priced(pick) + bonus);
        }
        let gained = if self.solved {
            self.net.reoptimize()
        } else {
            self.solved = true;
            self.net.max_weight_flow(self.source, self.sink)
        };
        let forced_value: i128 = self.forced.iter().map(|&p| priced(p)).sum();
        let mut picks = self.forced.clone();
        picks.extend(
            self.app_arcs
                .iter()
                .filter(|(_, arc, _)| self.net.flow(*arc) > 0)
                .map(|(pick, _, _)| *pick),
        );
        (problem.column(picks), gained + forced_value)
    }
}

impl PricedNetwork {
    /// Reduced-cost fixing, after a solve whose priced value is `slack` (scaled) above the
    /// least value that beats the incumbent. At the same prices, any other assignment of this
    /// network weighs less by Σ |reduced cost| × |change| over the arcs
    /// (`FlowNetwork::reduced_cost`), and one that keeps the rows weighs at least its value
    /// (the prices are ≥ 0, the rows ≤ 0); so an assignment that beats the incumbent differs
    /// from the flow by at most `slack` in that sum. Returned: the picks whose use would cost
    /// more (forbidden below this branch), and the picks whose loss would (forced).
    fn fixings(&self, slack: i128) -> (Vec<Pick>, Vec<Pick>) {
        let mut forbid = Vec::new();
        let mut force = Vec::new();
        let cost = |arc: usize| self.net.reduced_cost(arc).unwrap_or(0);
        for (i, (&(pick, arc, _), chain)) in self.app_arcs.iter().zip(&self.chains).enumerate() {
            // An arc into an unreachable node never carries anything.
            let Some(own) = self.net.reduced_cost(arc) else {
                continue;
            };
            if self.net.flow(arc) > 0 {
                // Dropping the pick lowers this arc by one.
                if -own > slack {
                    force.push(pick);
                }
                continue;
            }
            // Taking the pick raises this arc by one, and so every arc before it that carries
            // nothing now; an application held in its other role gives that arc up instead.
            let mut loss = own;
            for &before in chain {
                if before != NONE && self.net.flow(before) == 0 {
                    loss += cost(before).max(0);
                }
            }
            if chain[0] != NONE && self.net.flow(chain[0]) > 0 {
                // The application's picks are next to each other in `app_arcs`.
                let held = self.app_arcs[i.saturating_sub(1)..(i + 2).min(self.app_arcs.len())]
                    .iter()
                    .find(|&&(other, arc, _)| other.0 == pick.0 && self.net.flow(arc) > 0);
                if let Some(&(_, arc, _)) = held {
                    loss += -cost(arc).min(0);
                }
            }
            if loss > slack {
                forbid.push(pick);
            }
        }
        (forbid, force)
    }
}

/// No arc (in `PricedNetwork::chains`).
const NONE: usize = usize::MAX;

/// The (group, gender) node a holder passes through: women 0, men 1, others none.
fn gender_slot(counted: Counted) -> Option<usize> {
    match counted {
        Counted::Woman => Some(0),
        Counted::Man => Some(1),
        Counted::Neither => None,
    }
}

/// Prices (scaled) for the rows that `broken` (an assignment's row values) breaks, each high
/// enough that meeting it outweighs any difference between two applications' scores and lots,
/// capped; the rows it keeps get none. Seats weigh far more (`Problem::tiers`), so a flow at
/// these prices still fills what it can, and then keeps those rows where it can.
fn rows_over_scores(problem: &Problem, rows: &[Row], broken: &[i64], cap: i128) -> Vec<i128> {
    let values = problem.apps.iter().map(|a| a.value);
    let spread = values.clone().max().unwrap_or(0) - values.min().unwrap_or(0) + 1;
    rows.iter()
        .zip(broken)
        .map(|(row, &value)| {
            if value <= 0 {
                return 0;
            }
            let unit = row.woman.abs().min(row.man.abs()).max(1);
            (((2 * spread) << PRICE_BITS) / i128::from(unit)).min(cap)
        })
        .collect()
}

/// A price rounded to the flow's fixed point, capped.
fn scaled_price(price: f64, cap: i128) -> i128 {
    let scaled = (price * (1u64 << PRICE_BITS) as f64).round();
    if scaled.is_nan() || scaled <= 0.0 {
        0
    } else if scaled >= cap as f64 {
        cap
    } else {
        scaled as i128
    }
}

/// Mix weights and counts closer than this to a whole number are whole. The master works in
/// floating point, so a row such as "at least 1" may come back met as 0.99999…; treating that as
/// fractional would branch on the same count again and again.
const WHOLE: f64 = 1e-4;

fn is_whole(v: f64) -> bool {
    (v - v.round()).abs() <= WHOLE
}

#[derive(Debug, Clone)]
pub(super) struct SearchOutcome {
    pub best: Column,
    /// The search finished: no assignment is better than `best`. With a floor (`search_above`)
    /// the answer is certain: `best` is worth more than the floor, or none is.
    pub proven: bool,
    pub nodes: u64,
}

/// The open branches, highest bound first: the branch that could hold the best assignment is
/// solved next, so a better incumbent is found before a weaker subtree is searched to the end
/// (on one benchmark call depth first took 1,191 nodes, best bound 13). Among equal bounds (a
/// branch's children share their parent's) the last pushed comes first, so the search still
/// dives into the side the master leans to.
#[derive(Default)]
struct OpenNodes {
    heap: BinaryHeap<OpenNode>,
    pushed: u64,
}

struct OpenNode {
    order: u64,
    node: Node,
}

impl OpenNode {
    fn key(&self) -> (i128, u64) {
        (self.node.bound, self.order)
    }
}

impl PartialEq for OpenNode {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for OpenNode {}

impl PartialOrd for OpenNode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OpenNode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl OpenNodes {
    fn push(&mut self, node: Node) {
        self.pushed += 1;
        self.heap.push(OpenNode {
            order: self.pushed,
            node,
        });
    }

    fn pop(&mut self) -> Option<Node> {
        self.heap.pop().map(|open| open.node)
    }
}

struct Node {
    fixing: Fixing,
    /// Count branches taken on the way here.
    extra: Vec<Row>,
    columns: Vec<Column>,
    /// The parent's bound (scaled like the priced values): nothing here is worth more.
    bound: i128,
}

/// Women and men per group in the master's mix.
fn mixed_counts(problem: &Problem, columns: &[Column], weights: &[f64]) -> Vec<[f64; 2]> {
    let mut mix = vec![[0.0, 0.0]; problem.group_caps.len()];
    for (column, &weight) in columns.iter().zip(weights) {
        if weight <= WHOLE {
            continue;
        }
        for (g, counts) in problem.gender_counts(&column.picks).iter().enumerate() {
            for k in 0..2 {
                mix[g][k] += weight * counts[k] as f64;
            }
        }
    }
    mix
}

/// A count the search can branch on: the women (k = 0) or men (k = 1) holding seats of `role`,
/// in seat group `group` (and `other`, the theme's group of the other role, if set) or, without
/// one, in all of the role's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    role: u8,
    group: Option<u16>,
    other: Option<u16>,
    k: usize,
}

/// The count to branch on, with its value in the mix: first the most fractional role total
/// (the balance rule's rows are written in those, so making them whole closes most of the gap
/// between the master and the best assignment), then the most fractional count of women or men
/// in a theme's seats of both roles, then in one seat group.
///
/// Themes before groups: an application open to either role moves between its theme's two
/// groups at no cost, so the master's mixes can shift women and men between those groups almost
/// freely, and a branch on one group's count then mostly finds another mix of the same value
/// (on a 'few women' benchmark call, data seed 2, 111 nodes). Who holds the theme's seats at
/// all is what the value depends on: branching on that first, 27 nodes.
fn fractional_count(
    mix: &[[f64; 2]],
    role_of_group: &[u8],
    themes: &[(u16, u16)],
) -> Option<(Count, f64)> {
    let most_fractional = |counts: &mut dyn Iterator<Item = (Count, f64)>| {
        let mut best: Option<(Count, f64, f64)> = None;
        for (count, value) in counts {
            if is_whole(value) {
                continue;
            }
            let distance = (value.fract() - 0.5).abs();
            if best.is_none_or(|b| distance < b.2) {
                best = Some((count, value, distance));
            }
        }
        best.map(|(count, value, _)| (count, value))
    };
    let totals = [REPRESENTATIVE, DEPUTY].into_iter().flat_map(|role| {
        (0..2).map(move |k| {
            let total = mix
                .iter()
                .zip(role_of_group)
                .filter(|(_, r)| **r == role)
                .map(|(c, _)| c[k])
                .sum::<f64>();
            (
                Count {
                    role,
                    group: None,
                    other: None,
                    k,
                },
                total,
            )
        })
    });
    let per_theme = themes.iter().flat_map(|&(a, b)| {
        (0..2).map(move |k| {
            (
                Count {
                    role: role_of_group[a as usize],
                    group: Some(a),
                    other: Some(b),
                    k,
                },
                mix[a as usize][k] + mix[b as usize][k],
            )
        })
    });
    most_fractional(&mut totals.into_iter())
        .or_else(|| most_fractional(&mut per_theme.into_iter()))
        .or_else(|| {
            let mut per_group = mix.iter().enumerate().flat_map(|(g, counts)| {
                counts.iter().enumerate().map(move |(k, &value)| {
                    (
                        Count {
                            role: role_of_group[g],
                            group: Some(g as u16),
                            other: None,
                            k,
                        },
                        value,
                    )
                })
            });
            most_fractional(&mut per_group)
        })
}

/// The count branch rows: the count at most `at_most`, and at least `at_most + 1`.
fn count_rows(count: Count, at_most: i64) -> [Row; 2] {
    let (woman, man) = if count.k == 0 { (1, 0) } else { (0, 1) };
    let (role, group, other) = (count.role, count.group, count.other);
    [
        Row {
            role,
            group,
            other,
            woman,
            man,
            rhs: at_most,
        },
        Row {
            role,
            group,
            other,
            woman: -woman,
            man: -man,
            rhs: -(at_most + 1),
        },
    ]
}

fn same_row(a: &Row, b: &Row) -> bool {
    (a.role, a.group, a.other, a.woman, a.man, a.rhs)
        == (b.role, b.group, b.other, b.woman, b.man, b.rhs)
}

/// Finds the assignment of highest value that keeps every capacity and every row.
pub(super) fn search(problem: &Problem, node_limit: u64) -> SearchOutcome {
    search_from(problem, node_limit, None)
}

/// Finds an assignment worth more than `floor` that keeps every capacity and every row, or
/// shows that none exists (`proven` with `best` worth no more than `floor`). The search takes
/// only branches that could hold one and stops at the first it finds: for questions such as
/// "can these rules fill every seat", where which assignment does it is of no interest.
pub(super) fn search_above(problem: &Problem, node_limit: u64, floor: i128) -> SearchOutcome {
    search_from(problem, node_limit, Some(floor))
}

fn search_from(problem: &Problem, node_limit: u64, floor: Option<i128>) -> SearchOutcome {
    let artificial = problem.artificial_value();
    let themes = problem.themes();
    // Nothing selected is the first incumbent when it keeps the rows. When the seated members
    // alone break the balance it does not, and only an assignment that mends it counts (the
    // value −1 is below every real one); if none does, nothing is selected. With a floor, an
    // assignment worth the floor stands in, so that only better ones are searched for.
    let nothing = problem.column(Vec::new());
    let mut incumbent = match floor {
        Some(floor) if floor >= nothing.value || !nothing.meets_rows() => Column {
            value: floor,
            ..nothing.clone()
        },
        _ if nothing.meets_rows() => nothing.clone(),
        _ => Column {
            value: -1,
            ..nothing.clone()
        },
    };
    let mut open_nodes = OpenNodes::default();
    open_nodes.push(Node {
        fixing: Fixing::default(),
        extra: Vec::new(),
        columns: vec![nothing.clone()],
        bound: i128::MAX,
    });
    let mut nodes = 0;
    let mut proven = true;
    // The last fixing's network, kept for its flow: count branches keep the fixing, so the next
    // node with that fixing (often a child, as children share their parent's bound) starts from
    // the last flow; a node with another fixing rebuilds it.
    let mut network: Option<(Fixing, PricedNetwork)> = None;
    // Likewise for the rounding heuristic's network, whose gender caps change from call to call.
    let mut rounding_network: Option<(Fixing, PricedNetwork)> = None;
    while let Some(Node {
        fixing,
        extra,
        mut columns,
        bound: parent_bound,
    }) = open_nodes.pop()
    {
        if floor.is_some_and(|floor| incumbent.value > floor) {
            break; // found one above the floor: that was the question
        }
        // A better assignment found since the parent was solved may settle this branch.
        if parent_bound < (incumbent.value + 1) << PRICE_BITS {
            continue;
        }
        if nodes >= node_limit {
            proven = false;
            break;
        }
        nodes += 1;
        debug_assert!(columns.iter().all(|c| fixing.admits(c)));
        let rows: Vec<Row> = problem.rows.iter().chain(&extra).copied().collect();
        let price_cap = problem.price_cap(&rows);
        let mut known: HashSet<Arc<[Pick]>> = columns.iter().map(|c| c.picks.clone()).collect();
        let mut master_rows: Vec<Vec<i64>> = columns
            .iter()
            .map(|c| problem.row_values(&rows, &c.picks))
            .collect();
        // Column generation until the priced flow offers nothing new. The bound is the least
        // over the prices tried, and never above the parent's (a branch only removes choices).
        let mut bound = parent_bound;
        let mut phase_one = true;
        // The priced value of the last solve, whose flow the network holds.
        let mut last_priced = 0;
        // At the root, whether the second solve is still to be priced to meet the rows.
        let mut root_start = nodes == 1;
        let open = loop {
            let master_columns: Vec<MasterColumn> = columns
                .iter()
                .zip(&master_rows)
                .map(|(c, r)| MasterColumn {
                    value: c.value,
                    rows: r.clone(),
                })
                .collect();
            let solution = master::solve(rows.len(), &master_columns, artificial);
            // While no mix of the known columns meets the rows, the master's prices say
            // little (any price makes the artificial column's value); price instead by the
            // rows alone (phase 1), scaled up as far as the flow allows: the flow then either
            // offers a column that helps to meet them, or proves that no assignment here can
            // (its bound falls below every real value).
            let artificial_weight = solution.artificial;
            let feasibility_prices = (phase_one && artificial_weight > WHOLE)
                .then(|| {
                    let zero_valued: Vec<MasterColumn> = master_rows
                        .iter()
                        .map(|r| MasterColumn {
                            value: 0,
                            rows: r.clone(),
                        })
                        .collect();
                    master::solve(rows.len(), &zero_valued, -1).prices
                })
                .filter(|prices| prices.iter().any(|&p| p > 0.0));
            // At the root, the master's first mix is of the empty assignment (which keeps every
            // row) and the unpriced optimum: its prices weigh each row against whole seats, and
            // the next flows swing far from the answer and back, most of the root's work.
            // Instead, the second solve prices each row the unpriced optimum breaks above any
            // difference of score, and below a seat: its assignment fills the same seats and
            // leans the other way (to the gender the first lacks, wherever it can), and the
            // master's next mix is of two full assignments.
            let start_prices = (root_start && feasibility_prices.is_none() && columns.len() == 2)
                .then(|| rows_over_scores(problem, &rows, &master_rows[1], price_cap))
                .filter(|prices| prices.iter().any(|&p| p > 0));
            root_start &= columns.len() < 2;
            let started = start_prices.is_some();
            let prices: Vec<i128> = match (&feasibility_prices, start_prices) {
                (_, Some(prices)) => prices,
                (Some(phase_one), None) => {
                    let top = phase_one.iter().copied().fold(0.0, f64::max);
                    phase_one
                        .iter()
                        .map(|&p| ((p / top) * price_cap as f64) as i128)
                        .map(|p| p.clamp(0, price_cap))
                        .collect()
                }
                (None, None) => solution
                    .prices
                    .iter()
                    .map(|&p| scaled_price(p, price_cap))
                    .collect(),
            };
            if network.as_ref().is_none_or(|(f, _)| *f != fixing) {
                network =
                    PricedNetwork::build(problem, &fixing, false).map(|n| (fixing.clone(), n));
            }
            let Some((_, network)) = network.as_mut() else {
                break None; // the forced picks alone break a capacity
            };
            let (column, flow_value) = network.solve(problem, &rows, &prices);
            // The Lagrangian bound: max over assignments of value − Σ price·(row − rhs).
            let priced_value = flow_value
                + rows
                    .iter()
                    .zip(&prices)
                    .map(|(row, price)| price * i128::from(row.rhs))
                    .sum::<i128>();
            let column_rows = problem.row_values(&rows, &column.picks);
            // Any assignment that keeps the rule's rows counts, whatever this branch adds.
            if column.meets_rows() && column.value > incumbent.value {
                incumbent = column.clone();
            }
            // A valid bound for any prices: nothing here beats the incumbent.
            bound = bound.min(priced_value);
            last_priced = priced_value;
            if bound < (incumbent.value + 1) << PRICE_BITS {
                break None;
            }
            let reduced = (column.value - solution.baseline) as f64
                - solution
                    .prices
                    .iter()
                    .zip(&column_rows)
                    .map(|(p, &r)| p * r as f64)
                    .sum::<f64>()
                - solution.value;
            let tolerance = 1e-9 * solution.value.abs().max(1.0);
            let helps = feasibility_prices.is_some() || started || reduced > tolerance;
            if helps && known.insert(column.picks.clone()) {
                columns.push(column);
                master_rows.push(column_rows);
                phase_one = true;
                continue;
            }
            if feasibility_prices.is_some() {
                // Phase one found nothing new: price by the master's own prices instead.
                phase_one = false;
                continue;
            }
            break Some((solution, column, bound));
        };
        let Some((solution, priced_best, bound)) = open else {
            continue;
        };
        let mix = mixed_counts(problem, &columns, &solution.weights);
        let zero_prices = vec![0; rows.len()];
        // Rounded per role so that each role's total of women and of men is the mix's total
        // rounded (nearest, or leaning to women, or to men: the balance rule binds one way),
        // the largest fractions rounding up.
        let role_of_group = problem.group_roles();
        let totals = |caps_of: &dyn Fn(f64, usize) -> f64| -> Vec<[i64; 2]> {
            let mut caps: Vec<[i64; 2]> = mix
                .iter()
                .map(|c| [c[0].floor() as i64, c[1].floor() as i64])
                .collect();
            for role in [REPRESENTATIVE, DEPUTY] {
                for k in 0..2 {
                    let members: Vec<usize> = (0..mix.len())
                        .filter(|&g| role_of_group[g] == role)
                        .collect();
                    let total: f64 = members.iter().map(|&g| mix[g][k]).sum();
                    let target = caps_of(total, k) as i64;
                    let mut order = members.clone();
                    order.sort_by(|&a, &b| {
                        mix[b][k]
                            .fract()
                            .total_cmp(&mix[a][k].fract())
                            .then(a.cmp(&b))
                    });
                    let mut have: i64 = members.iter().map(|&g| caps[g][k]).sum();
                    for &g in &order {
                        if have >= target {
                            break;
                        }
                        if !is_whole(mix[g][k]) {
                            caps[g][k] += 1;
                            have += 1;
                        }
                    }
                }
            }
            caps
        };
        let roundings: [&dyn Fn(f64, usize) -> f64; 3] = [
            &|v, _| v.round(),
            &|v, k| {
                if k == 0 {
                    (v - WHOLE).ceil()
                } else {
                    (v + WHOLE).floor()
                }
            },
            &|v, k| {
                if k == 0 {
                    (v + WHOLE).floor()
                } else {
                    (v - WHOLE).ceil()
                }
            },
        ];
        let mut tried: Vec<Vec<[i64; 2]>> = Vec::new();
        for round in roundings {
            let caps = totals(round);
            if tried.contains(&caps) {
                continue;
            }
            if rounding_network.as_ref().is_none_or(|(f, _)| *f != fixing) {
                rounding_network =
                    PricedNetwork::build(problem, &fixing, true).map(|n| (fixing.clone(), n));
            }
            if let Some((_, network)) = rounding_network.as_mut()
                && network.set_gender_caps(&caps)
            {
                let (column, _) = network.solve(problem, &rows, &zero_prices);
                if column.value > incumbent.value && column.meets_rows() {
                    incumbent = column;
                }
            }
            tried.push(caps);
        }
        if bound < (incumbent.value + 1) << PRICE_BITS {
            continue;
        }

        // Reduced-cost fixing by the last flow: what would lose more than the bound's lead over
        // the incumbent is settled for the whole subtree, and the children's networks are the
        // smaller for it.
        let mut child_fixing = fixing.clone();
        if let Some((solved, net)) = &network
            && *solved == fixing
        {
            let (forbid, force) = net.fixings(last_priced - ((incumbent.value + 1) << PRICE_BITS));
            child_fixing.forbidden.extend(forbid);
            child_fixing.forced.extend(force);
        }
        let refixed = child_fixing != fixing;
        let child_columns = |columns: &[Column]| -> Vec<Column> {
            columns
                .iter()
                .filter(|c| !refixed || child_fixing.admits(c))
                .cloned()
                .collect()
        };

        // A count branch already taken here is not taken again (the master's rounding could
        // otherwise ask for it): the single-application branching below takes over.
        let new_branch =
            fractional_count(&mix, &role_of_group, &themes).filter(|&(target, count)| {
                let at_most = count.floor() as i64;
                let [below, above] = count_rows(target, at_most);
                !extra
                    .iter()
                    .any(|r| same_row(r, &below) || same_row(r, &above))
            });
        if let Some((target, count)) = new_branch {
            let at_most = count.floor() as i64;
            let [below, above] = count_rows(target, at_most);
            let pool = child_columns(&columns);
            let child = |row: Row| {
                let mut extra = extra.clone();
                extra.push(row);
                Node {
                    fixing: child_fixing.clone(),
                    extra,
                    columns: pool.clone(),
                    bound,
                }
            };
            // Among the children's equal bounds, the side the master leans to first.
            let (first, second) = if count.fract() >= 0.5 {
                (child(above), child(below))
            } else {
                (child(below), child(above))
            };
            open_nodes.push(second);
            open_nodes.push(first);
            continue;
        }

        let Some((pick, share)) = branching_pick(&child_fixing, &columns, &solution, &priced_best)
        else {
            // Nothing to branch on but what the fixing settled: solve the branch again with it.
            if refixed {
                open_nodes.push(Node {
                    columns: child_columns(&columns),
                    fixing: child_fixing,
                    extra,
                    bound,
                });
            }
            continue;
        };
        let (with, without): (Vec<Column>, Vec<Column>) = child_columns(&columns)
            .into_iter()
            .partition(|c| c.picks.binary_search(&pick).is_ok());
        let mut forced = child_fixing.clone();
        forced.forced.push(pick);
        let mut forbidden = child_fixing;
        forbidden.forbidden.insert(pick);
        let force_child = Node {
            fixing: forced,
            extra: extra.clone(),
            columns: with,
            bound,
        };
        let forbid_child = Node {
            fixing: forbidden,
            extra,
            columns: without,
            bound,
        };
        // Among the children's equal bounds, the side the master leans to first.
        if share >= 0.5 {
            open_nodes.push(forbid_child);
            open_nodes.push(force_child);
        } else {
            open_nodes.push(force_child);
            open_nodes.push(forbid_child);
        }
    }
    SearchOutcome {
        best: if incumbent.value < 0 || floor.is_some_and(|floor| incumbent.value <= floor) {
            nothing
        } else {
            incumbent
        },
        proven,
        nodes,
    }
}

/// The pick to branch on, among those `fixing` leaves open: the one whose weight in the master's
/// mix is most fractional; if the mix is a single assignment, one where the priced flow disagrees
/// with it. Returned with its weight in the mix.
fn branching_pick(
    fixing: &Fixing,
    columns: &[Column],
    solution: &master::MasterSolution,
    priced_best: &Column,
) -> Option<(Pick, f64)> {
    let mut shares: HashMap<Pick, f64> = HashMap::new();
    for (column, &weight) in columns.iter().zip(&solution.weights) {
        if weight <= WHOLE {
            continue;
        }
        for pick in column.picks.iter() {
            *shares.entry(*pick).or_default() += weight;
        }
    }
    let fixed = |p: &Pick| fixing.forced.contains(p) || fixing.forbidden.contains(p);
    let fractional = shares
        .iter()
        .filter(|(p, s)| !is_whole(**s) && !fixed(p))
        .min_by(|(pa, sa), (pb, sb)| {
            let da = (**sa - 0.5).abs();
            let db = (**sb - 0.5).abs();
            da.total_cmp(&db).then(pa.cmp(pb))
        })
        .map(|(p, s)| (*p, *s));
    if fractional.is_some() {
        return fractional;
    }
    // A single assignment (or none) in the mix: branch where the priced flow differs from it.
    let mixed: Vec<Pick> = {
        let mut v: Vec<Pick> = shares.keys().copied().collect();
        v.sort_unstable();
        v
    };
    let free = |p: &&Pick| !fixed(p);
    let pick = priced_best
        .picks
        .iter()
        .filter(free)
        .find(|p| mixed.binary_search(p).is_err())
        .or_else(|| {
            mixed
                .iter()
                .filter(free)
                .find(|p| priced_best.picks.binary_search(p).is_err())
        })
        .copied()?;
    let share = shares.remove(&pick).unwrap_or_default();
    Some((pick, share))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One theme (representative group 0, deputy group 1) and, for `themes`, a second one with
    /// a representative group only; applications as (groups, gender).
    fn problem(apps: &[([Option<u16>; 2], Counted)]) -> Problem {
        Problem {
            group_caps: vec![2, 2, 1],
            apps: apps
                .iter()
                .enumerate()
                .map(|(i, &(groups, counted))| App {
                    groups,
                    association: i as u32,
                    municipality: 0,
                    counted,
                    value: 10 + i as i128,
                })
                .collect(),
            associations: apps.len(),
            association_caps: vec![1; apps.len()],
            municipalities: 1,
            municipality_caps: None,
            tiers: [1 << 20, 1 << 10],
            rows: Vec::new(),
            seated: [[0; 2]; 2],
            role_sizes: [0; 2],
        }
    }

    /// A theme's count rows count the holders of both its groups, a group's only that group's,
    /// a role's every group of the role.
    #[test]
    fn a_theme_row_counts_both_roles_of_the_theme() {
        let p = problem(&[
            ([Some(0), Some(1)], Counted::Woman),
            ([Some(0), None], Counted::Man),
            ([None, Some(1)], Counted::Woman),
            ([Some(2), None], Counted::Woman),
        ]);
        assert_eq!(p.themes(), vec![(0, 1)]);
        let theme_women = Count {
            role: REPRESENTATIVE,
            group: Some(0),
            other: Some(1),
            k: 0,
        };
        let [at_most_one, at_least_two] = count_rows(theme_women, 1);
        let group_women = count_rows(
            Count {
                other: None,
                ..theme_women
            },
            1,
        )[0];
        let role_women = count_rows(
            Count {
                group: None,
                other: None,
                ..theme_women
            },
            1,
        )[0];
        let rows = [at_most_one, at_least_two, group_women, role_women];
        // Women 0 (representative) and 2 (deputy) in the theme, woman 3 in the other theme.
        let picks = [
            (0, REPRESENTATIVE),
            (1, REPRESENTATIVE),
            (2, DEPUTY),
            (3, REPRESENTATIVE),
        ];
        assert_eq!(p.row_values(&rows, &picks), vec![1, 0, 0, 1]);
        // Woman 0 as deputy: still two women in the theme, none in its representative group.
        let picks = [(0, DEPUTY), (1, REPRESENTATIVE), (2, DEPUTY)];
        assert_eq!(p.row_values(&rows, &picks), vec![1, 0, -1, -1]);
        assert!(!same_row(&at_most_one, &group_women));
    }

    /// Role totals first, then a theme's, then a group's: where the role totals are whole, a
    /// fractional theme total is branched on before the groups' (fractional too) counts.
    #[test]
    fn theme_counts_are_branched_on_before_group_counts() {
        let roles = [REPRESENTATIVE, DEPUTY, REPRESENTATIVE, DEPUTY];
        let themes = [(0, 1), (2, 3)];
        // Representative women 1.5 + 0.5, deputy women 1 + 1: whole; theme 0 has 2.5.
        let mix = [[1.5, 1.0], [1.0, 1.0], [0.5, 2.0], [1.0, 1.0]];
        assert_eq!(
            fractional_count(&mix, &roles, &themes),
            Some((
                Count {
                    role: REPRESENTATIVE,
                    group: Some(0),
                    other: Some(1),
                    k: 0
                },
                2.5
            ))
        );
        // Every theme total whole too: a group's count.
        let mix = [[1.5, 1.0], [0.5, 1.0], [0.5, 2.0], [1.5, 1.0]];
        assert_eq!(
            fractional_count(&mix, &roles, &themes),
            Some((
                Count {
                    role: REPRESENTATIVE,
                    group: Some(0),
                    other: None,
                    k: 0
                },
                1.5
            ))
        );
        // A fractional role total comes first.
        let mix = [[1.5, 1.0], [1.0, 1.0], [1.0, 2.0], [1.0, 1.0]];
        assert_eq!(
            fractional_count(&mix, &roles, &themes).map(|(c, _)| (c.group, c.other)),
            Some((None, None))
        );
    }

    /// The root's start prices: none for a row the assignment keeps; for one it breaks, enough
    /// that the flow keeps it before it weighs scores, and still fills every seat.
    #[test]
    fn start_prices_meet_the_rows_and_still_fill_the_seats() {
        // Two representative seats; three men outscore two women.
        let mut p = problem(&[
            ([Some(0), None], Counted::Man),
            ([Some(0), None], Counted::Man),
            ([Some(0), None], Counted::Woman),
            ([Some(0), None], Counted::Woman),
            ([Some(0), None], Counted::Man),
        ]);
        p.group_caps = vec![2, 0, 0];
        for (app, value) in p.apps.iter_mut().zip([90, 80, 20, 30, 70]) {
            app.value = value;
        }
        // At least 40 % of women and of men among the representatives.
        let women = Row {
            role: REPRESENTATIVE,
            group: None,
            other: None,
            woman: -60,
            man: 40,
            rhs: 0,
        };
        let men = Row {
            woman: 40,
            man: -60,
            ..women
        };
        let rows = [women, men];
        let mut net = PricedNetwork::build(&p, &Fixing::default(), false).unwrap();
        let (unpriced, _) = net.solve(&p, &rows, &[0, 0]);
        assert_eq!(*unpriced.picks, [(0, REPRESENTATIVE), (1, REPRESENTATIVE)]);
        let broken = p.row_values(&rows, &unpriced.picks);
        assert_eq!(broken, vec![80, -120]);
        let prices = rows_over_scores(&p, &rows, &broken, i128::MAX >> 8);
        assert_eq!(prices[1], 0);
        assert!(prices[0] > 0);
        let (leaning, _) = net.solve(&p, &rows, &prices);
        // Both seats, to the women whatever their scores: the row it broke is kept.
        assert_eq!(*leaning.picks, [(2, REPRESENTATIVE), (3, REPRESENTATIVE)]);
        assert!(p.row_values(&rows, &leaning.picks)[0] <= 0);
    }

    /// Every assignment of the network (caps of groups, associations and municipalities, one
    /// pick per application), by brute force.
    fn assignments(p: &Problem) -> Vec<Vec<Pick>> {
        let n = p.apps.len();
        let mut all = Vec::new();
        for code in 0..3usize.pow(n as u32) {
            let mut picks = Vec::new();
            let mut c = code;
            for i in 0..n {
                let choice = c % 3;
                c /= 3;
                if choice > 0 {
                    let role = (choice - 1) as u8;
                    if p.apps[i].groups[role as usize].is_none() {
                        picks.clear();
                        break;
                    }
                    picks.push((i as u32, role));
                }
                if i == n - 1 {
                    all.push(picks.clone());
                }
            }
        }
        let fits = |picks: &[Pick]| {
            let mut groups = vec![0u32; p.group_caps.len()];
            let mut associations = vec![0u32; p.associations];
            let mut municipalities = vec![0u32; p.municipalities];
            for &(app, role) in picks {
                let a = &p.apps[app as usize];
                groups[a.groups[role as usize].unwrap() as usize] += 1;
                associations[a.association as usize] += 1;
                municipalities[a.municipality as usize] += 1;
            }
            groups.iter().zip(&p.group_caps).all(|(n, c)| n <= c)
                && associations
                    .iter()
                    .zip(&p.association_caps)
                    .all(|(n, c)| n <= c)
                && p.municipality_caps
                    .as_ref()
                    .is_none_or(|caps| municipalities.iter().zip(caps).all(|(n, c)| n <= c))
        };
        all.sort();
        all.dedup();
        all.into_iter().filter(|picks| fits(picks)).collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 400, ..Default::default() })]

        /// Reduced-cost fixing is sound: every assignment whose priced value is within the slack
        /// of the priced flow's (every one that could beat an incumbent that far below) uses no
        /// forbidden pick and every forced one; and the priced flow is the best priced value,
        /// solved from zero or re-optimised from a flow at other prices.
        #[test]
        fn fixing_by_reduced_cost_keeps_every_assignment_within_the_slack(
            apps in proptest::collection::vec(
                (
                    proptest::option::of(0u16..2),
                    proptest::option::of(2u16..4),
                    0u32..4,
                    0u32..3,
                    0i128..40,
                ),
                1..8,
            ),
            group_caps in proptest::collection::vec(0u32..3, 4),
            association_caps in proptest::collection::vec(1u32..3, 4),
            municipality_caps in proptest::option::of(proptest::collection::vec(1u32..4, 3)),
            rows in proptest::collection::vec(
                (0u8..2, proptest::option::of(0u16..4), -3i64..4, -3i64..4, -2i64..3, 0i128..(1 << 28)),
                0..4,
            ),
            threshold in 0usize..64,
            warm in proptest::option::of(proptest::collection::vec(0i128..(1 << 28), 4)),
        ) {
            let counted = [Counted::Woman, Counted::Man, Counted::Neither];
            let p = Problem {
                group_caps,
                apps: apps
                    .iter()
                    .map(|&(rep, dep, association, gender, value)| App {
                        groups: [rep, dep],
                        association,
                        // Associations nest inside municipalities.
                        municipality: association % 3,
                        counted: counted[gender as usize],
                        value,
                    })
                    .collect(),
                associations: 4,
                association_caps,
                municipalities: 3,
                municipality_caps,
                tiers: [1 << 12, 1 << 8],
                rows: Vec::new(),
                seated: [[0; 2]; 2],
            role_sizes: [0; 2],
            };
            let (rows, prices): (Vec<Row>, Vec<i128>) = rows
                .iter()
                .map(|&(role, group, woman, man, rhs, price)| {
                    (Row { role, group, other: None, woman, man, rhs }, price)
                })
                .unzip();
            let priced = |picks: &[Pick]| -> i128 {
                let rows_part: i128 = rows.iter().zip(&prices).map(|(row, price)| {
                    let lhs: i64 = picks.iter().map(|&pick| p.row_coefficient(row, pick)).sum();
                    price * i128::from(lhs - row.rhs)
                }).sum();
                (picks.iter().map(|&pick| p.weight(pick)).sum::<i128>() << PRICE_BITS) - rows_part
            };
            let mut net = PricedNetwork::build(&p, &Fixing::default(), false).unwrap();
            if let Some(warm) = warm {
                // Solved before at other prices: the flow is re-optimised from that one.
                net.solve(&p, &rows, &warm[..rows.len()]);
            }
            let (column, flow_value) = net.solve(&p, &rows, &prices);
            let best = flow_value + rows.iter().zip(&prices).map(|(r, q)| q * i128::from(r.rhs)).sum::<i128>();
            let all = assignments(&p);
            let values: Vec<i128> = all.iter().map(|picks| priced(picks)).collect();
            proptest::prop_assert_eq!(values.iter().copied().max(), Some(best));
            proptest::prop_assert_eq!(priced(&column.picks), best);
            // A slack that reaches exactly some assignment's priced value.
            let mut levels = values.clone();
            levels.sort_unstable();
            levels.dedup();
            let slack = best - levels[levels.len() - 1 - threshold % levels.len()];
            let (forbid, force) = net.fixings(slack);
            for (picks, &value) in all.iter().zip(&values) {
                if value >= best - slack {
                    proptest::prop_assert!(forbid.iter().all(|f| !picks.contains(f)), "{picks:?} {forbid:?}");
                    proptest::prop_assert!(force.iter().all(|f| picks.contains(f)), "{picks:?} {force:?}");
                }
            }
        }
    }
}
