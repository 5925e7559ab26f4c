//! A maximum-weight flow: successive shortest paths with Dijkstra and node potentials. The
//! selection network is a DAG (source → municipality → association → application → seat group →
//! sink), so the first potentials come from one pass in node order, and every later search works
//! on non-negative reduced costs. Costs are `i128`: the selection packs its lexicographic tiers
//! (representatives, deputies, scores, lots) into one integer, and every sum stays exact.

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
#[derive(Debug, Clone)]
pub(super) struct FlowNetwork {
    arcs: Vec<Arc>,
    out: Vec<Vec<u32>>,
}

impl FlowNetwork {
    pub fn new(nodes: usize) -> Self {
        Self {
            arcs: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }

    /// Adds an arc `from → to` with a capacity and a weight (gain per unit), and returns its
    /// number for `flow`.
    pub fn add_arc(&mut self, from: usize, to: usize, cap: u32, weight: i128) -> usize {
        debug_assert!(from < to, "arcs follow the node order");
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

    /// Units sent along arc `id`.
    pub fn flow(&self, id: usize) -> u32 {
        self.arcs[id + 1].cap as u32
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
            for &a in &self.out[node] {
                let arc = &self.arcs[a as usize];
                if arc.cap > 0 {
                    let d = potential[node] + arc.cost;
                    let to = arc.to as usize;
                    if d < potential[to] {
                        potential[to] = d;
                    }
                }
            }
        }
        if potential[sink] == INFINITE {
            return 0;
        }
        // Nodes that cannot be reached now never become reachable: paths only reverse arcs
        // between reached nodes. Their potential is never read.
        let mut total: i128 = 0;
        let mut dist = vec![INFINITE; n];
        let mut parent_arc = vec![u32::MAX; n];
        let mut done = vec![false; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut heap = BinaryHeap::new();
        loop {
            for &v in &touched {
                dist[v as usize] = INFINITE;
                parent_arc[v as usize] = u32::MAX;
                done[v as usize] = false;
            }
            touched.clear();
            heap.clear();
            dist[source] = 0;
            touched.push(source as u32);
            heap.push(Reverse((0i128, source as u32)));
            while let Some(Reverse((d, v))) = heap.pop() {
                let v = v as usize;
                if done[v] || d > dist[v] {
                    continue;
                }
                done[v] = true;
                if v == sink {
                    break;
                }
                for &a in &self.out[v] {
                    let arc = &self.arcs[a as usize];
                    if arc.cap <= 0 {
                        continue;
                    }
                    let to = arc.to as usize;
                    if done[to] || potential[to] == INFINITE {
                        continue;
                    }
                    let reduced = arc.cost + potential[v] - potential[to];
                    debug_assert!(reduced >= 0, "reduced costs stay non-negative");
                    let nd = d + reduced;
                    if nd < dist[to] {
                        if dist[to] == INFINITE {
                            touched.push(to as u32);
                        }
                        dist[to] = nd;
                        parent_arc[to] = a;
                        heap.push(Reverse((nd, to as u32)));
                    }
                }
            }
            if !done[sink] {
                return total;
            }
            let to_sink = dist[sink];
            let path_cost = to_sink + potential[sink] - potential[source];
            if path_cost >= 0 {
                return total;
            }
            // Potentials: settled nodes by their distance, the rest by the sink's; this keeps
            // every residual reduced cost non-negative.
            for (v, p) in potential.iter_mut().enumerate() {
                if *p == INFINITE {
                    continue;
                }
                *p += if done[v] { dist[v] } else { to_sink };
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
}
