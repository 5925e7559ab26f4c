//! A maximum-weight flow: successive shortest paths with Dijkstra and node potentials. The
//! selection network is a DAG (source → municipality → association → application → seat group →
//! sink), so the first potentials come from one pass in node order, and every later search works
//! on non-negative reduced costs. Costs are `i128`: the selection packs its lexicographic tiers
//! (representatives, deputies, scores, lots) into one integer, and every sum stays exact.
//!
//! The search asks for the same network many times with only some arc weights changed (the row
//! prices move). `reoptimize` starts from the last optimal flow and its potentials instead of
//! from zero: it saturates the arcs the change made profitable and routes the imbalance that
//! leaves back by shortest paths, usually a handful instead of one path per seat.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

const INFINITE: i128 = i128::MAX / 4;

#[derive(Debug, Clone)]
struct Arc {
    to: u32,
    /// Residual capacity.
    cap: i32,
    cost: i128,
}

/// A flow network whose nodes are numbered so that every arc added goes from a lower to a higher
/// number (a topological order); `max_weight_flow` relies on it for its first potentials.
/// Capacity of the return arc sink → source that closes the flow into a circulation.
const RETURN_CAPACITY: i32 = i32::MAX / 2;

#[derive(Debug, Clone)]
pub(super) struct FlowNetwork {
    arcs: Vec<Arc>,
    out: Vec<Vec<u32>>,
    /// After `max_weight_flow`: node potentials that keep every residual arc's reduced cost
    /// non-negative (`INFINITE` for nodes the source never reaches) and the arcs whose weight
    /// changed since.
    solved: Option<Solved>,
}

#[derive(Debug, Clone)]
struct Solved {
    potential: Vec<i128>,
    changed: Vec<u32>,
    /// Units a lowered capacity left at a node (positive) or missing at one (negative).
    excess: Vec<i64>,
}

impl FlowNetwork {
    pub fn new(nodes: usize) -> Self {
        Self {
            arcs: Vec::new(),
            out: vec![Vec::new(); nodes],
            solved: None,
        }
    }

    /// Adds an arc `from → to` with a capacity and a weight (gain per unit), and returns its
    /// number for `flow`.
    pub fn add_arc(&mut self, from: usize, to: usize, cap: u32, weight: i128) -> usize {
        debug_assert!(from < to, "arcs follow the node order");
        debug_assert!(self.solved.is_none(), "arcs are added before solving");
        let id = self.arcs.len();
        self.arcs.push(Arc {
            to: to as u32,
            cap: cap as i32,
            cost: -weight,
        });
        self.arcs.push(Arc {
            to: from as u32,
            cap: 0,
            cost: weight,
        });
        self.out[from].push(id as u32);
        self.out[to].push(id as u32 + 1);
        id
    }

    /// The reduced cost of arc `id` (its cost less the potential difference) after a solve,
    /// `None` before one or when an end is unreachable. Every residual arc's reduced cost is
    /// non-negative, so an arc that carries nothing has one ≥ 0 and a saturated arc one ≤ 0;
    /// and any other flow of the network weighs less than the current one by exactly Σ |reduced
    /// cost| × |change of flow| over the arcs (the potentials cancel around the circulation).
    pub fn reduced_cost(&self, id: usize) -> Option<i128> {
        let solved = self.solved.as_ref()?;
        let to = self.arcs[id].to as usize;
        let from = self.arcs[id ^ 1].to as usize;
        let (tail, head) = (solved.potential[from], solved.potential[to]);
        (tail != INFINITE && head != INFINITE).then(|| self.arcs[id].cost + tail - head)
    }

    /// Units sent along arc `id`.
    pub fn flow(&self, id: usize) -> u32 {
        self.arcs[id + 1].cap as u32
    }

    /// Changes the weight of arc `id`; `reoptimize` then restores a flow of maximum weight.
    pub fn set_weight(&mut self, id: usize, weight: i128) {
        if self.arcs[id].cost == -weight {
            return;
        }
        self.arcs[id].cost = -weight;
        self.arcs[id + 1].cost = weight;
        if let Some(solved) = &mut self.solved {
            solved.changed.push(id as u32);
        }
    }

    /// Changes the capacity of arc `id`; `reoptimize` then restores a flow of maximum weight.
    pub fn set_capacity(&mut self, id: usize, cap: u32) {
        let cap = cap as i32;
        let flow = self.arcs[id + 1].cap;
        let Some(solved) = &mut self.solved else {
            self.arcs[id].cap = cap;
            return;
        };
        if flow > cap {
            // The surplus no longer leaves the tail nor reaches the head.
            let surplus = flow - cap;
            self.arcs[id].cap = 0;
            self.arcs[id + 1].cap = cap;
            solved.excess[self.arcs[id + 1].to as usize] += i64::from(surplus);
            solved.excess[self.arcs[id].to as usize] -= i64::from(surplus);
        } else {
            self.arcs[id].cap = cap - flow;
        }
        solved.changed.push(id as u32);
    }

    /// The weight of the current flow.
    pub fn weight(&self) -> i128 {
        self.arcs
            .chunks_exact(2)
            .map(|pair| -pair[0].cost * i128::from(pair[1].cap))
            .sum()
    }

    /// Sends flow from `source` to `sink` as long as a path gains weight, and returns the total
    /// weight. Successive shortest paths never lower the cost of the next path, so stopping at
    /// the first path without gain leaves a flow of maximum weight among flows of any amount.
    pub fn max_weight_flow(&mut self, source: usize, sink: usize) -> i128 {
        let n = self.out.len();
        // First potentials: shortest distances in the DAG, by node order.
        let mut potential = vec![INFINITE; n];
        potential[source] = 0;
        for node in 0..n {
            if potential[node] == INFINITE {
                continue;
            }
            // Every forward arc, even one of capacity 0 now: `set_capacity` may open it later,
            // and a node left at INFINITE would never be searched.
            for &a in &self.out[node] {
                let arc = &self.arcs[a as usize];
                if a % 2 == 0 {
                    let d = potential[node] + arc.cost;
                    let to = arc.to as usize;
                    if d < potential[to] {
                        potential[to] = d;
                    }
                }
            }
        }
        if potential[sink] == INFINITE {
            self.close(source, sink, potential);
            return 0;
        }
        // Nodes that cannot be reached now never become reachable: paths only reverse arcs
        // between reached nodes. Their potential is never read.
        let mut total: i128 = 0;
        let mut search = ShortestPaths::new(n);
        loop {
            search.restart([source]);
            search.run(&self.arcs, &self.out, &potential, |v| v == sink);
            let ShortestPaths {
                dist,
                parent_arc,
                done,
                touched,
                ..
            } = &search;
            let to_sink = dist[sink];
            if !done[sink] || to_sink + potential[sink] - potential[source] >= 0 {
                // No path gains any more. Level the source and the sink: the return arc
                // (weight 0) then has reduced cost 0 both ways, and every residual arc stays
                // non-negative, since capping a Dijkstra update at any level up to the sink's
                // distance keeps it so (and a level above 0 is below that distance here).
                let level = (potential[source] - potential[sink]).max(0);
                for (v, p) in potential.iter_mut().enumerate() {
                    if *p != INFINITE {
                        *p += if done[v] { dist[v].min(level) } else { level };
                    }
                }
                self.close(source, sink, potential);
                return total;
            }
            let path_cost = to_sink + potential[sink] - potential[source];
            // Potentials: settled nodes by their distance, the rest by the sink's; this keeps
            // every residual reduced cost non-negative. Only differences of potentials count,
            // so this is done as "everyone by the sink's distance, settled nodes back by what
            // they are short of it": only the nodes this search touched change.
            for &v in touched {
                let v = v as usize;
                if done[v] {
                    potential[v] -= to_sink - dist[v];
                }
            }
            // Every path crosses an application arc of capacity 1: send one unit.
            let mut v = sink;
            while v != source {
                let a = parent_arc[v] as usize;
                self.arcs[a].cap -= 1;
                self.arcs[a ^ 1].cap += 1;
                v = self.arcs[a ^ 1].to as usize;
            }
            total -= path_cost;
        }
    }
}

impl FlowNetwork {
    /// Closes the flow into a circulation with a return arc sink → source, so that
    /// `reoptimize` can add or remove units like any other change.
    fn close(&mut self, source: usize, sink: usize, potential: Vec<i128>) {
        let sent: i32 = self.out[source]
            .iter()
            .filter(|&&a| a % 2 == 0)
            .map(|&a| self.arcs[a as usize + 1].cap)
            .sum();
        let return_arc = self.arcs.len() as u32;
        self.arcs.push(Arc {
            to: source as u32,
            cap: RETURN_CAPACITY - sent,
            cost: 0,
        });
        self.arcs.push(Arc {
            to: sink as u32,
            cap: sent,
            cost: 0,
        });
        self.out[sink].push(return_arc);
        self.out[source].push(return_arc + 1);
        let nodes = self.out.len();
        self.solved = Some(Solved {
            potential,
            changed: Vec::new(),
            excess: vec![0; nodes],
        });
    }

    /// After `set_weight` and `set_capacity`, restores a flow of maximum weight (of any amount)
    /// from the last one, and returns its weight. Requires `max_weight_flow` to have run once.
    pub fn reoptimize(&mut self) -> i128 {
        let mut solved = self.solved.take().expect("max_weight_flow ran first");
        let potential = &mut solved.potential;
        let n = self.out.len();
        let mut excess = std::mem::replace(&mut solved.excess, vec![0; n]);
        // Arcs whose reduced cost the change made negative are saturated; the imbalance this
        // leaves is routed back below.
        let mut changed = std::mem::take(&mut solved.changed);
        changed.sort_unstable();
        changed.dedup();
        for id in changed {
            for a in [id as usize, id as usize ^ 1] {
                let to = self.arcs[a].to as usize;
                let from = self.arcs[a ^ 1].to as usize;
                let cap = self.arcs[a].cap;
                if cap <= 0 || potential[from] == INFINITE || potential[to] == INFINITE {
                    continue;
                }
                if self.arcs[a].cost + potential[from] - potential[to] < 0 {
                    self.arcs[a].cap = 0;
                    self.arcs[a ^ 1].cap += cap;
                    excess[to] += i64::from(cap);
                    excess[from] -= i64::from(cap);
                }
            }
        }
        let mut search = ShortestPaths::new(n);
        let mut zero_cost = ZeroCostPaths::new(n);
        let mut sources: Vec<usize> = (0..n).filter(|&v| excess[v] > 0).collect();
        let mut sinks: Vec<usize> = (0..n).filter(|&v| excess[v] < 0).collect();
        let mut targets: Vec<usize> = Vec::new();
        loop {
            sources.retain(|&v| excess[v] > 0);
            sinks.retain(|&v| excess[v] < 0);
            if sources.is_empty() {
                break;
            }
            search.restart(sources.iter().copied());
            // One search serves several imbalances: it goes on past the nearest deficit until
            // it has settled enough nodes short of units to take the whole excess, or all.
            targets.clear();
            let wanted: i64 = sources.iter().map(|&v| excess[v]).sum();
            let mut found: i64 = 0;
            search.run(&self.arcs, &self.out, potential, |v| {
                if excess[v] >= 0 {
                    return false;
                }
                targets.push(v);
                found -= excess[v];
                found >= wanted || targets.len() == sinks.len()
            });
            let ShortestPaths {
                dist,
                done,
                touched,
                ..
            } = &search;
            // Every unit that left a node by a saturated arc can come back by its reverse.
            let last = *targets
                .last()
                .expect("an imbalance can always be routed back");
            let reach = dist[last];
            // As in `max_weight_flow`: settled nodes by their distance, the rest by `reach`,
            // done as a shift of the settled ones only.
            for &v in touched {
                let v = v as usize;
                if done[v] {
                    potential[v] -= reach - dist[v];
                }
            }
            // Every arc of those shortest paths now has reduced cost 0: route as much of the
            // imbalance as such arcs carry, not only one path per deficit.
            zero_cost.route(&mut self.arcs, &self.out, potential, &mut excess, &sources);
        }
        self.solved = Some(solved);
        self.weight()
    }
}

/// A Dijkstra search over the residual arcs by reduced cost (never negative), kept between
/// searches so that a restart resets only the nodes the last one touched.
struct ShortestPaths {
    dist: Vec<i128>,
    parent_arc: Vec<u32>,
    done: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(i128, u32)>>,
}

impl ShortestPaths {
    fn new(nodes: usize) -> Self {
        Self {
            dist: vec![INFINITE; nodes],
            parent_arc: vec![u32::MAX; nodes],
            done: vec![false; nodes],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn restart(&mut self, sources: impl IntoIterator<Item = usize>) {
        for &v in &self.touched {
            self.dist[v as usize] = INFINITE;
            self.parent_arc[v as usize] = u32::MAX;
            self.done[v as usize] = false;
        }
        self.touched.clear();
        self.heap.clear();
        for v in sources {
            self.dist[v] = 0;
            self.touched.push(v as u32);
            self.heap.push(Reverse((0, v as u32)));
        }
    }

    /// Settles nodes nearest first until `stop` says so for a settled node, or none is left.
    /// Nodes with an `INFINITE` potential are never entered.
    fn run(
        &mut self,
        arcs: &[Arc],
        out: &[Vec<u32>],
        potential: &[i128],
        mut stop: impl FnMut(usize) -> bool,
    ) {
        while let Some(Reverse((d, v))) = self.heap.pop() {
            let v = v as usize;
            if self.done[v] || d > self.dist[v] {
                continue;
            }
            self.done[v] = true;
            if stop(v) {
                return;
            }
            for &a in &out[v] {
                let arc = &arcs[a as usize];
                if arc.cap <= 0 {
                    continue;
                }
                let to = arc.to as usize;
                if self.done[to] || potential[to] == INFINITE {
                    continue;
                }
                let reduced = arc.cost + potential[v] - potential[to];
                debug_assert!(reduced >= 0, "reduced costs stay non-negative");
                let nd = d + reduced;
                if nd < self.dist[to] {
                    if self.dist[to] == INFINITE {
                        self.touched.push(to as u32);
                    }
                    self.dist[to] = nd;
                    self.parent_arc[to] = a;
                    self.heap.push(Reverse((nd, to as u32)));
                }
            }
        }
    }
}

/// Blocking flows over the residual arcs of reduced cost 0 (Dinic's algorithm on that
/// subgraph): after a Dijkstra search has updated the potentials, every such path from a node
/// with excess to one short of units is a shortest path, so sending along all of them at once
/// keeps every reduced cost non-negative and saves one search per unit.
struct ZeroCostPaths {
    level: Vec<u32>,
    next_arc: Vec<usize>,
    queue: Vec<u32>,
    path: Vec<u32>,
}

impl ZeroCostPaths {
    fn new(nodes: usize) -> Self {
        Self {
            level: vec![u32::MAX; nodes],
            next_arc: vec![0; nodes],
            queue: Vec::new(),
            path: Vec::new(),
        }
    }

    fn admissible(arc: &Arc, from: usize, potential: &[i128]) -> bool {
        let to = arc.to as usize;
        arc.cap > 0 && potential[to] != INFINITE && arc.cost + potential[from] - potential[to] == 0
    }

    /// Moves units from `sources` (those with positive `excess`) to nodes with negative excess
    /// along arcs of reduced cost 0 until no such path is left. Only the nodes a breadth-first
    /// search reaches are touched: on large networks a pass over every node per Dijkstra search
    /// cost more than the paths saved.
    fn route(
        &mut self,
        arcs: &mut [Arc],
        out: &[Vec<u32>],
        potential: &[i128],
        excess: &mut [i64],
        sources: &[usize],
    ) {
        loop {
            // Levels by breadth-first search from every source with excess, no deeper than the
            // nearest node short of units (longer paths are not in this level graph).
            for &v in &self.queue {
                self.level[v as usize] = u32::MAX;
                self.next_arc[v as usize] = 0;
            }
            self.queue.clear();
            for &v in sources {
                if excess[v] > 0 && potential[v] != INFINITE && self.level[v] == u32::MAX {
                    self.level[v] = 0;
                    self.queue.push(v as u32);
                }
            }
            let roots = self.queue.len();
            let mut deficit_level = u32::MAX;
            let mut head = 0;
            while head < self.queue.len() {
                let v = self.queue[head] as usize;
                head += 1;
                if self.level[v] >= deficit_level {
                    break;
                }
                for &a in &out[v] {
                    let arc = &arcs[a as usize];
                    let to = arc.to as usize;
                    if self.level[to] == u32::MAX && Self::admissible(arc, v, potential) {
                        self.level[to] = self.level[v] + 1;
                        if excess[to] < 0 {
                            deficit_level = deficit_level.min(self.level[to]);
                        }
                        self.queue.push(to as u32);
                    }
                }
            }
            if deficit_level == u32::MAX {
                return;
            }
            // A blocking flow on the level graph, one path at a time from each source.
            for i in 0..roots {
                let s = self.queue[i] as usize;
                while excess[s] > 0 && self.level[s] == 0 {
                    if self.push_one_path(arcs, out, potential, excess, s) == 0 {
                        break;
                    }
                }
            }
        }
    }

    /// Finds one path in the level graph from `s` to a node short of units and sends what it
    /// carries; 0 when there is none left (dead ends are closed on the way).
    fn push_one_path(
        &mut self,
        arcs: &mut [Arc],
        out: &[Vec<u32>],
        potential: &[i128],
        excess: &mut [i64],
        s: usize,
    ) -> i64 {
        self.path.clear();
        let mut v = s;
        loop {
            if v != s && excess[v] < 0 {
                let mut amount = excess[s].min(-excess[v]);
                for &a in &self.path {
                    amount = amount.min(i64::from(arcs[a as usize].cap));
                }
                for &a in &self.path {
                    let a = a as usize;
                    arcs[a].cap -= amount as i32;
                    arcs[a ^ 1].cap += amount as i32;
                }
                excess[s] -= amount;
                excess[v] += amount;
                return amount;
            }
            let mut advanced = false;
            while self.next_arc[v] < out[v].len() {
                let a = out[v][self.next_arc[v]];
                let arc = &arcs[a as usize];
                let to = arc.to as usize;
                if self.level[to] == self.level[v].wrapping_add(1)
                    && Self::admissible(arc, v, potential)
                {
                    self.path.push(a);
                    v = to;
                    advanced = true;
                    break;
                }
                self.next_arc[v] += 1;
            }
            if advanced {
                continue;
            }
            // A dead end: no path goes on from here in this level graph.
            self.level[v] = u32::MAX;
            let Some(a) = self.path.pop() else {
                return 0;
            };
            v = arcs[a as usize ^ 1].to as usize;
            self.next_arc[v] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two workers, two jobs: the best assignment is not the greedy one.
    #[test]
    fn finds_the_best_assignment_not_the_greedy_one() {
        // 0 source, 1-2 workers, 3-4 jobs, 5 sink
        let mut net = FlowNetwork::new(6);
        net.add_arc(0, 1, 1, 0);
        net.add_arc(0, 2, 1, 0);
        let a13 = net.add_arc(1, 3, 1, 10);
        let a14 = net.add_arc(1, 4, 1, 9);
        let a23 = net.add_arc(2, 3, 1, 8);
        let a24 = net.add_arc(2, 4, 1, 1);
        net.add_arc(3, 5, 1, 0);
        net.add_arc(4, 5, 1, 0);
        assert_eq!(net.max_weight_flow(0, 5), 17);
        assert_eq!(
            [net.flow(a13), net.flow(a14), net.flow(a23), net.flow(a24)],
            [0, 1, 1, 0]
        );
    }

    #[test]
    fn stops_before_a_losing_path() {
        let mut net = FlowNetwork::new(4);
        net.add_arc(0, 1, 1, 0);
        net.add_arc(0, 2, 1, 0);
        let good = net.add_arc(1, 3, 1, 5);
        let bad = net.add_arc(2, 3, 1, -1);
        assert_eq!(net.max_weight_flow(0, 3), 5);
        assert_eq!((net.flow(good), net.flow(bad)), (1, 0));
    }

    #[test]
    fn an_unreachable_sink_sends_nothing() {
        let mut net = FlowNetwork::new(3);
        net.add_arc(0, 1, 1, 4);
        assert_eq!(net.max_weight_flow(0, 2), 0);
    }

    /// A layered network like the selection's: source → associations (capacity 1 or 2) →
    /// applications → groups (capacity 1–3) → sink, weights from `weights`.
    fn layered(
        associations: usize,
        apps: &[(usize, [Option<usize>; 2])],
        groups: &[u32],
        weights: &[[i128; 2]],
    ) -> (FlowNetwork, Vec<usize>, Vec<usize>) {
        let app_base = 1 + associations;
        let group_base = app_base + apps.len();
        let sink = group_base + groups.len();
        let mut net = FlowNetwork::new(sink + 1);
        for a in 0..associations {
            net.add_arc(0, 1 + a, 1 + (a % 2) as u32, 0);
        }
        let mut arcs = Vec::new();
        for (i, (association, targets)) in apps.iter().enumerate() {
            net.add_arc(1 + association, app_base + i, 1, 0);
            for (k, target) in targets.iter().enumerate() {
                if let Some(g) = target {
                    arcs.push(net.add_arc(app_base + i, group_base + g, 1, weights[i][k]));
                } else {
                    arcs.push(usize::MAX);
                }
            }
        }
        let group_arcs = groups
            .iter()
            .enumerate()
            .map(|(g, &cap)| net.add_arc(group_base + g, sink, cap, 0))
            .collect();
        (net, arcs, group_arcs)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        /// Re-optimising after weight and capacity changes, several times over, gives the
        /// weight a fresh solve of the changed network gives.
        #[test]
        fn reoptimizing_matches_a_fresh_solve(
            apps in proptest::collection::vec(
                (0usize..5, proptest::option::of(0usize..3), proptest::option::of(0usize..3)),
                1..14,
            ),
            groups in proptest::collection::vec(0u32..4, 3),
            rounds in proptest::collection::vec(
                (
                    proptest::collection::vec([-50i128..100, -50i128..100], 14),
                    proptest::collection::vec(0u32..4, 3),
                ),
                1..5,
            ),
        ) {
            let apps: Vec<(usize, [Option<usize>; 2])> =
                apps.into_iter().map(|(a, r, d)| (a, [r, d])).collect();
            let (mut warm, arcs, group_arcs) = layered(5, &apps, &groups, &rounds[0].0);
            let first = warm.max_weight_flow(0, 1 + 5 + apps.len() + groups.len());
            proptest::prop_assert_eq!(first, warm.weight());
            for (weights, caps) in &rounds[1..] {
                for (&arc, &cap) in group_arcs.iter().zip(caps) {
                    warm.set_capacity(arc, cap);
                }
                for (i, pair) in arcs.chunks(2).enumerate() {
                    for (k, &arc) in pair.iter().enumerate() {
                        if arc != usize::MAX {
                            warm.set_weight(arc, weights[i][k]);
                        }
                    }
                }
                let (mut fresh, _, _) = layered(5, &apps, caps, weights);
                let expected = fresh.max_weight_flow(0, 1 + 5 + apps.len() + groups.len());
                proptest::prop_assert_eq!(warm.reoptimize(), expected);
            }
        }
    }
}
