//! Which of the selected holders sit as representatives and which as deputies.
//!
//! The search fixes who is selected and how many seats of each role they fill; the objective
//! does not care which of a theme's holders open to either role takes which (a seat is worth
//! the same to every holder). Among the splits of those holders that keep their role
//! preferences, the seat counts and the balance rule, the one with the highest total value
//! (score, then lot) in the representative seats is taken. It is a property of the holders
//! alone, not of the path the search happened to take, so a run that finds the same holders
//! another way still seats them the same way. Within a theme it puts the higher-scored holder in
//! the representative seat wherever a swap keeps the rules, and it also finds the swaps that keep
//! the balance only together (a woman up in one theme and a man up in another), which pairwise
//! swapping misses.
//!
//! How: holders tied to one role stay in it. The others are a transportation problem, theme →
//! gender, with the highest values taken first in each (theme, gender) cell, so a min-cost flow
//! (successive shortest paths over about fifteen nodes) finds the best split for given numbers of
//! women, men and others among the representatives. That value is concave in the number of women
//! for a fixed number of others (a flow's optimum is concave in its capacities), and the balance
//! rule allows an interval of it; so for each number of others the unconstrained best, clamped
//! into the interval, is the best that keeps the rule. Most often the best split without the rule
//! already keeps it, and one flow decides. Otherwise it is at most two flows per number of others,
//! each one path (Bellman–Ford over the themes' arcs) per representative: 5 ms for the 1,000
//! holders of the binding benchmark call (6 % give no gender); for larger shares of holders
//! without a gender see `docs/performance.md` (about a second at half of 2,000 seats).
//!
//! Two splits can be worth exactly the same (equal scores, and lots that add up alike: lots are
//! ranks); the flow then keeps the one it reaches first, which depends on the holders alone (their
//! values and the order of their applications), so a run still gives the same answer.

use super::search::{Counted, DEPUTY, Pick, Problem, REPRESENTATIVE};
use super::{Balance, Share};

/// Outweighs any sum of values: forces a theme's representatives up to the number its deputy
/// seats cannot take (a lower bound on a flow arc).
const FORCED: i128 = 1 << 100;

/// The gender classes, as indices of per-gender arrays here.
const WOMEN: usize = 0;
const MEN: usize = 1;
const OTHERS: usize = 2;

fn gender_index(counted: Counted) -> usize {
    match counted {
        Counted::Woman => WOMEN,
        Counted::Man => MEN,
        Counted::Neither => OTHERS,
    }
}

/// One theme's holders open to either role.
struct Theme {
    deputy_group: u16,
    /// Representatives it must take (its deputy seats cannot hold the rest) and may take.
    lower: u32,
    upper: u32,
    /// Per gender: (value, pick index), highest value first.
    holders: [Vec<(i128, usize)>; 3],
}

/// How many representatives each gender gives, where the caller fixes it.
#[derive(Debug, Clone, Copy)]
enum Totals {
    /// Any mix.
    Free,
    /// `women_and_men` of women and men together, `others` of the rest.
    Pooled {
        women_and_men: u32,
        others: u32,
    },
    Exact([u32; 3]),
}

/// A split: per theme and gender, how many of its best holders are representatives.
#[derive(Debug, Clone)]
struct Split {
    taken: Vec<[u32; 3]>,
    /// Σ values of the representatives.
    value: i128,
    /// Representatives the themes had to take (their deputy seats cannot hold the rest) and did
    /// not: the flow could not send them all within the gender totals asked for.
    missing: u32,
}

impl Split {
    /// Whether every theme's deputy seats hold the holders it did not make representatives.
    fn keeps_seat_counts(&self) -> bool {
        self.missing == 0
    }

    fn of_gender(&self, g: usize) -> u32 {
        self.taken.iter().map(|t| t[g]).sum()
    }
}

/// Puts each of `picks` in the representative or deputy seat of its theme by the rule above,
/// keeping the number of representatives. `picks` must keep the balance rule (as every
/// assignment the search returns does).
pub(super) fn split_roles(problem: &Problem, picks: &mut [Pick], share: Option<Share>) {
    let mut themes: Vec<Theme> = Vec::new();
    let mut theme_of_group: Vec<Option<usize>> = vec![None; problem.group_caps.len()];
    let mut left = problem.group_caps.clone();
    let mut fixed = Balance::of(problem, &[]);
    let mut flexible_representatives = 0u32;
    for (i, &(app, role)) in picks.iter().enumerate() {
        let app = &problem.apps[app as usize];
        let [Some(rep_group), Some(deputy_group)] = app.groups else {
            // Tied to the role it holds.
            let group = app.groups[role as usize].expect("picked in a group of its role");
            left[group as usize] -= 1;
            fixed.add(app.counted, role, 1);
            continue;
        };
        if role == REPRESENTATIVE {
            flexible_representatives += 1;
        }
        let t = *theme_of_group[rep_group as usize].get_or_insert_with(|| {
            themes.push(Theme {
                deputy_group,
                lower: 0,
                upper: 0,
                holders: Default::default(),
            });
            themes.len() - 1
        });
        themes[t].holders[gender_index(app.counted)].push((app.value, i));
    }
    if themes.is_empty() {
        return;
    }
    for (rep_group, theme) in theme_of_group.iter().enumerate() {
        let Some(t) = *theme else { continue };
        let theme = &mut themes[t];
        let count: u32 = theme.holders.iter().map(|h| h.len() as u32).sum();
        theme.upper = count.min(left[rep_group]);
        theme.lower = count.saturating_sub(left[theme.deputy_group as usize]);
        // Values are unique (no two applications draw the same lot).
        for holders in &mut theme.holders {
            holders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        }
    }

    let total = flexible_representatives;
    let chosen = match share.filter(|s| s.percent() > 0) {
        None => best_split(&themes, total, Totals::Free).filter(Split::keeps_seat_counts),
        Some(share) => best_balanced_split(&themes, total, fixed, share),
    };
    let Some(split) = chosen else {
        // Cannot be: the search's own split is among those searched. Were it to happen, that
        // split (which keeps every rule) stays.
        debug_assert!(false, "the search's own split keeps the rules");
        return;
    };
    for (theme, taken) in themes.iter().zip(&split.taken) {
        for (holders, &n) in theme.holders.iter().zip(taken) {
            for (k, &(_, i)) in holders.iter().enumerate() {
                picks[i].1 = if (k as u32) < n {
                    REPRESENTATIVE
                } else {
                    DEPUTY
                };
            }
        }
    }
}

/// The best split whose representatives, with `fixed` (the seated and the holders tied to a
/// role), keep the balance in both roles.
fn best_balanced_split(
    themes: &[Theme],
    total: u32,
    fixed: Balance,
    share: Share,
) -> Option<Split> {
    let available = |g: usize| -> u32 { themes.iter().map(|t| t.holders[g].len() as u32).sum() };
    let [women, men, others] = [WOMEN, MEN, OTHERS].map(available);
    // Whether these numbers of women and men among the representatives (the rest of them going
    // deputy) keep the balance in both roles.
    let keeps = |women_up: u32, men_up: u32| {
        let mut b = fixed;
        b.women[REPRESENTATIVE as usize] += women_up;
        b.men[REPRESENTATIVE as usize] += men_up;
        b.women[DEPUTY as usize] += women - women_up;
        b.men[DEPUTY as usize] += men - men_up;
        b.meets_role(Some(share), REPRESENTATIVE) && b.meets_role(Some(share), DEPUTY)
    };
    // Most often the best split without the rule keeps it (the search's holders already do in
    // some split, and the rule seldom binds on who of them goes up): then it is the best.
    let free = best_split(themes, total, Totals::Free).filter(Split::keeps_seat_counts)?;
    if keeps(free.of_gender(WOMEN), free.of_gender(MEN)) {
        return Some(free);
    }
    let mut best: Option<Split> = None;
    for others_up in 0..=others.min(total) {
        let women_and_men = total - others_up;
        // The numbers of women among the representatives that keep the balance: each condition
        // is linear in it, so they form an interval.
        let keeps = |women_up: u32| keeps(women_up, women_and_men - women_up);
        let lowest = women_and_men.saturating_sub(men);
        let highest = women.min(women_and_men);
        if lowest > highest {
            continue;
        }
        let Some(low) = (lowest..=highest).find(|&w| keeps(w)) else {
            continue;
        };
        let high = (low..=highest).rev().find(|&w| keeps(w)).unwrap_or(low);
        debug_assert!((low..=high).all(keeps), "the balance allows an interval");
        let Some(unconstrained) = best_split(
            themes,
            total,
            Totals::Pooled {
                women_and_men,
                others: others_up,
            },
        ) else {
            continue;
        };
        let women_up = unconstrained.of_gender(WOMEN).clamp(low, high);
        let split = if women_up == unconstrained.of_gender(WOMEN) {
            Some(unconstrained)
        } else {
            best_split(
                themes,
                total,
                Totals::Exact([women_up, women_and_men - women_up, others_up]),
            )
        };
        if let Some(split) = split.filter(Split::keeps_seat_counts)
            && best.as_ref().is_none_or(|b| split.value > b.value)
        {
            best = Some(split);
        }
    }
    best
}

/// The residual network's nodes: source, themes, the three genders, women-and-men pooled, sink.
struct Nodes {
    themes: usize,
}

impl Nodes {
    const SOURCE: usize = 0;
    fn theme(&self, t: usize) -> usize {
        1 + t
    }
    fn gender(&self, g: usize) -> usize {
        1 + self.themes + g
    }
    fn pooled(&self) -> usize {
        4 + self.themes
    }
    fn sink(&self) -> usize {
        5 + self.themes
    }
    fn count(&self) -> usize {
        6 + self.themes
    }
}

/// What one unit along a residual arc changes; `step` is +1 forwards, −1 backwards.
#[derive(Debug, Clone, Copy)]
enum Move {
    /// Source → theme, among the representatives it must take (`forced`) or above them.
    Theme {
        theme: usize,
        forced: bool,
        step: i32,
    },
    /// Theme → gender: the theme's next best (or, backwards, last taken) holder of the gender.
    Take {
        theme: usize,
        gender: usize,
        step: i32,
    },
    /// Gender → sink directly.
    Out { gender: usize, step: i32 },
    /// Woman or man → pooled.
    Pool { gender: usize, step: i32 },
    /// Pooled → sink (its flow is what the women and men send to it).
    PoolOut,
}

fn shift(count: &mut u32, step: i32) {
    *count = count
        .checked_add_signed(step)
        .expect("a residual arc moves only flow that is there");
}

/// The split with `total` representatives and the highest value (forced representatives first)
/// whose numbers per gender follow `totals`; `None` if no split has `total` representatives.
fn best_split(themes: &[Theme], total: u32, totals: Totals) -> Option<Split> {
    let nodes = Nodes {
        themes: themes.len(),
    };
    let caps: [u32; 3] = match totals {
        Totals::Free => [total; 3],
        Totals::Pooled { others, .. } => [0, 0, others],
        Totals::Exact(caps) => caps,
    };
    let pooled_cap = match totals {
        Totals::Pooled { women_and_men, .. } => women_and_men,
        _ => 0,
    };
    let mut forced_flow = vec![0u32; themes.len()];
    let mut free_flow = vec![0u32; themes.len()];
    let mut taken = vec![[0u32; 3]; themes.len()];
    let mut out = [0u32; 3];
    let mut pooled = [0u32; 2];
    // Σ −cost of the paths: the representatives' values and FORCED for each forced one.
    let mut value: i128 = 0;
    let mut arcs: Vec<(usize, usize, i128, Move)> = Vec::new();
    for _ in 0..total {
        arcs.clear();
        // A residual arc pair: `from` → `to` while `forwards` (one more unit), and back while
        // `backwards` (one unit less), at the opposite cost.
        let mut pair = |(from, to): (usize, usize),
                        (forward_cost, back_cost): (i128, i128),
                        (forwards, backwards): (bool, bool),
                        step: &dyn Fn(i32) -> Move| {
            if forwards {
                arcs.push((from, to, forward_cost, step(1)));
            }
            if backwards {
                arcs.push((to, from, back_cost, step(-1)));
            }
        };
        for (t, theme) in themes.iter().enumerate() {
            let node = nodes.theme(t);
            pair(
                (Nodes::SOURCE, node),
                (-FORCED, FORCED),
                (forced_flow[t] < theme.lower, forced_flow[t] > 0),
                &|step| Move::Theme {
                    theme: t,
                    forced: true,
                    step,
                },
            );
            pair(
                (Nodes::SOURCE, node),
                (0, 0),
                (
                    free_flow[t] < theme.upper.saturating_sub(theme.lower),
                    free_flow[t] > 0,
                ),
                &|step| Move::Theme {
                    theme: t,
                    forced: false,
                    step,
                },
            );
            for (g, holders) in theme.holders.iter().enumerate() {
                let n = taken[t][g] as usize;
                // The next best holder of the gender up, or the last one taken down.
                let next = holders.get(n).map_or(0, |h| -h.0);
                let last = n.checked_sub(1).map_or(0, |k| holders[k].0);
                pair(
                    (node, nodes.gender(g)),
                    (next, last),
                    (n < holders.len(), n > 0),
                    &|step| Move::Take {
                        theme: t,
                        gender: g,
                        step,
                    },
                );
            }
        }
        for (g, (&sent, &cap)) in out.iter().zip(&caps).enumerate() {
            pair(
                (nodes.gender(g), nodes.sink()),
                (0, 0),
                (sent < cap, sent > 0),
                &|step| Move::Out { gender: g, step },
            );
        }
        if pooled_cap > 0 {
            for (g, &sent) in pooled.iter().enumerate() {
                pair(
                    (nodes.gender(g), nodes.pooled()),
                    (0, 0),
                    (true, sent > 0),
                    &|step| Move::Pool { gender: g, step },
                );
            }
            let through = pooled[0] + pooled[1];
            pair(
                (nodes.pooled(), nodes.sink()),
                (0, 0),
                (through < pooled_cap, through > 0),
                &|_| Move::PoolOut,
            );
        }
        let path = shortest_path(nodes.count(), Nodes::SOURCE, nodes.sink(), &arcs)?;
        for a in path {
            let (_, _, cost, step) = arcs[a];
            value -= cost;
            match step {
                Move::Theme {
                    theme,
                    forced: true,
                    step,
                } => shift(&mut forced_flow[theme], step),
                Move::Theme {
                    theme,
                    forced: false,
                    step,
                } => shift(&mut free_flow[theme], step),
                Move::Take {
                    theme,
                    gender,
                    step,
                } => shift(&mut taken[theme][gender], step),
                Move::Out { gender, step } => shift(&mut out[gender], step),
                Move::Pool { gender, step } => shift(&mut pooled[gender], step),
                Move::PoolOut => {}
            }
        }
    }
    let forced_needed: u32 = themes.iter().map(|t| t.lower).sum();
    let forced_taken: u32 = forced_flow.iter().sum();
    Some(Split {
        taken,
        value: value - i128::from(forced_taken) * FORCED,
        missing: forced_needed - forced_taken,
    })
}

/// Bellman–Ford from `from` (the residual network of a min-cost flow has no negative cycle):
/// the arcs of a cheapest path to `to`, if any.
fn shortest_path(
    nodes: usize,
    from: usize,
    to: usize,
    arcs: &[(usize, usize, i128, Move)],
) -> Option<Vec<usize>> {
    let mut distance: Vec<Option<i128>> = vec![None; nodes];
    let mut via: Vec<Option<usize>> = vec![None; nodes];
    distance[from] = Some(0);
    for _ in 1..nodes {
        let mut changed = false;
        for (a, &(u, v, cost, _)) in arcs.iter().enumerate() {
            let Some(du) = distance[u] else { continue };
            if distance[v].is_none_or(|dv| du + cost < dv) {
                distance[v] = Some(du + cost);
                via[v] = Some(a);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    distance[to]?;
    let mut path = Vec::new();
    let mut node = to;
    while node != from {
        let a = via[node].expect("reached nodes have an arc in");
        path.push(a);
        node = arcs[a].0;
    }
    Some(path)
}
