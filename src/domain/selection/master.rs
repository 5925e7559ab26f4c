//! The restricted master problem of the branch-and-price search: choose a convex combination of known assignments (columns) that meets the gender
//! balance rows on average and has the highest value. Its duals price the rows for the next
//! flow. A handful of rows (per role and gender, plus the search's count branches) keeps it
//! tiny: a dense revised simplex in floating point.

/// One assignment as the master sees it: its value and its left-hand side in each row.
#[derive(Debug, Clone)]
pub(super) struct MasterColumn {
    pub value: i128,
    pub rows: Vec<i64>,
}

/// The optimum of the restricted master.
#[derive(Debug, Clone)]
pub(super) struct MasterSolution {
    /// Weight of each column (same order as given); zero for columns not in the basis.
    pub weights: Vec<f64>,
    /// Row prices (duals), each ≥ 0.
    pub prices: Vec<f64>,
    /// The dual of "weights sum to 1": the master's value, relative to `baseline`.
    pub value: f64,
    /// Subtracted from every value before solving, so that the floating point works on the
    /// differences that matter, not on the tiers all columns share.
    pub baseline: i128,
}

/// Below this, a number is zero.
const EPS: f64 = 1e-9;
/// A reduced cost counts when it exceeds this fraction of the terms it was summed from: well
/// above the rounding error of f64 (about 1e-16 per term), well below any real difference.
const RELATIVE_EPS: f64 = 1e-12;

/// Column kinds in the simplex: slacks first, then the artificial column, then the real ones.
/// Bland's rule picks the lowest index, which keeps degenerate pivots from cycling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Var {
    Slack(usize),
    Artificial,
    Column(usize),
}

/// Maximises Σ value_c·w_c subject to Σ rows_kc·w_c ≤ 0 for every row k, Σ w_c + w_art = 1,
/// w ≥ 0, where the artificial column has value `artificial_value` (far below any real one) and
/// zero rows, so the problem always has a solution.
///
/// In floating point: the master only proposes prices and a mix. Every bound the search prunes
/// with is recomputed exactly in integers from those prices, so an imprecise price can cost
/// search time but never the optimum.
pub(super) fn solve(
    row_count: usize,
    columns: &[MasterColumn],
    artificial_value: i128,
) -> MasterSolution {
    let m = row_count + 1;
    let baseline = columns.iter().map(|c| c.value).max().unwrap_or(0);
    // Every column's cost and coefficients, converted once: the pricing loop below reads them
    // for every candidate at every pivot.
    let slack_columns: Vec<(f64, Vec<f64>)> = (0..m)
        .map(|k| {
            let mut a = vec![0.0; m];
            a[k] = 1.0;
            let cost = if k == row_count {
                (artificial_value - baseline) as f64
            } else {
                0.0
            };
            (cost, a)
        })
        .collect();
    let real_columns: Vec<(f64, Vec<f64>)> = columns
        .iter()
        .map(|c| {
            let mut a: Vec<f64> = c.rows.iter().map(|&r| r as f64).collect();
            a.push(1.0);
            ((c.value - baseline) as f64, a)
        })
        .collect();
    let column_of = |var: Var| -> (f64, &[f64]) {
        let (cost, a) = match var {
            Var::Slack(k) => &slack_columns[k],
            Var::Artificial => &slack_columns[row_count],
            Var::Column(j) => &real_columns[j],
        };
        (*cost, a.as_slice())
    };
    let mut basis: Vec<Var> = (0..row_count).map(Var::Slack).collect();
    basis.push(Var::Artificial);
    // B⁻¹ starts as the identity; x_B = b = (0, …, 0, 1).
    let mut inverse: Vec<Vec<f64>> = (0..m)
        .map(|i| (0..m).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let mut x: Vec<f64> = vec![0.0; m];
    x[row_count] = 1.0;
    let candidates: Vec<Var> = (0..row_count)
        .map(Var::Slack)
        .chain(std::iter::once(Var::Artificial))
        .chain((0..columns.len()).map(Var::Column))
        .collect();
    // Bland's rule terminates; the cap only guards against floating-point trouble.
    let max_pivots = 50 * (candidates.len() + m);
    for _ in 0..max_pivots {
        let basic_costs: Vec<f64> = basis.iter().map(|&v| column_of(v).0).collect();
        let duals: Vec<f64> = (0..m)
            .map(|j| (0..m).map(|i| basic_costs[i] * inverse[i][j]).sum())
            .collect();
        let entering = candidates.iter().copied().find(|var| {
            if basis.contains(var) {
                return false;
            }
            let (cost, a) = column_of(*var);
            let (priced, magnitude) = a
                .iter()
                .zip(&duals)
                .fold((0.0, cost.abs()), |(sum, size), (ai, yi)| {
                    (sum + ai * yi, size + (ai * yi).abs())
                });
            // Relative to the terms summed: a column far below the others (the empty
            // assignment, a seat fewer) must not blur the comparison of the close ones.
            cost - priced > RELATIVE_EPS * magnitude
        });
        let Some(entering) = entering else {
            break;
        };
        let (_, a) = column_of(entering);
        let direction: Vec<f64> = (0..m)
            .map(|i| (0..m).map(|j| inverse[i][j] * a[j]).sum())
            .collect();
        // Ratio test; ties go to the lowest basic variable (Bland).
        let mut leaving: Option<(usize, f64)> = None;
        for i in 0..m {
            if direction[i] <= EPS {
                continue;
            }
            let ratio = x[i].max(0.0) / direction[i];
            let better = match leaving {
                None => true,
                Some((r, best)) => {
                    ratio < best - EPS || ((ratio - best).abs() <= EPS && basis[i] < basis[r])
                }
            };
            if better {
                leaving = Some((i, ratio));
            }
        }
        // The convexity row bounds every column, so some row always limits the step.
        let Some((r, _)) = leaving else { break };
        let pivot = direction[r];
        for v in &mut inverse[r] {
            *v /= pivot;
        }
        x[r] /= pivot;
        let pivot_row = inverse[r].clone();
        for i in 0..m {
            if i == r || direction[i] == 0.0 {
                continue;
            }
            let factor = direction[i];
            for (v, p) in inverse[i].iter_mut().zip(&pivot_row) {
                *v -= factor * p;
            }
            x[i] -= factor * x[r];
        }
        basis[r] = entering;
    }
    let basic_costs: Vec<f64> = basis.iter().map(|&v| column_of(v).0).collect();
    let duals: Vec<f64> = (0..m)
        .map(|j| (0..m).map(|i| basic_costs[i] * inverse[i][j]).sum())
        .collect();
    let mut weights = vec![0.0; columns.len()];
    for (i, var) in basis.iter().enumerate() {
        if let Var::Column(j) = var {
            weights[*j] = x[i].max(0.0);
        }
    }
    MasterSolution {
        weights,
        prices: duals[..row_count].iter().map(|p| p.max(0.0)).collect(),
        value: duals[row_count],
        baseline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(value: i128, rows: &[i64]) -> MasterColumn {
        MasterColumn {
            value,
            rows: rows.to_vec(),
        }
    }

    #[test]
    fn mixes_an_infeasible_and_a_feasible_column() {
        // Column A: value 10, row +1 (violates); column B: value 4, row -1. Best mix: ½A + ½B = 7.
        let s = solve(1, &[col(10, &[1]), col(4, &[-1])], -1000);
        assert!((s.value + s.baseline as f64 - 7.0).abs() < 1e-9);
        assert!((s.weights[0] - 0.5).abs() < 1e-9);
        // The price makes both columns equally good: 10 - p = 4 + p.
        assert!((s.prices[0] - 3.0).abs() < 1e-9);
    }

    #[test]
    fn uses_the_artificial_column_when_nothing_meets_the_rows() {
        let s = solve(1, &[col(10, &[2])], -1000);
        assert_eq!(s.weights[0], 0.0);
        assert!((s.value + s.baseline as f64 + 1000.0).abs() < 1e-9);
    }

    #[test]
    fn a_feasible_best_column_takes_all_the_weight() {
        let s = solve(2, &[col(10, &[0, -3]), col(12, &[5, 0])], -1000);
        assert!((s.weights[0] - 1.0).abs() < 1e-9);
        assert!((s.value + s.baseline as f64 - 10.0).abs() < 1e-9);
    }
}
