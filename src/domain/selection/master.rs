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
    /// Weight of the artificial column: how far the known columns fall short of meeting the
    /// rows (zero when some mix of them meets every row).
    pub artificial: f64,
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
/// A pivot element smaller than this share of the largest in its column is rounding noise: the
/// rows are small integers, so a true nonzero entry of B⁻¹a is far from it.
const PIVOT_TOLERANCE: f64 = 1e-7;
/// B⁻¹ is computed afresh from the columns this often (and at the end): updating it pivot by
/// pivot accumulates rounding error.
const REFACTOR_EVERY: usize = 16;

/// Column kinds in the simplex: slacks first, then the artificial column, then the real ones.
/// Bland's rule picks the lowest index, which keeps degenerate pivots from cycling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Var {
    Slack(usize),
    Artificial,
    Column(usize),
}

/// B⁻¹ for the basis columns `a` (each of length m), by Gauss–Jordan elimination with partial
/// pivoting; `None` when the basis is singular.
fn invert(a: &[&[f64]]) -> Option<Vec<Vec<f64>>> {
    let m = a.len();
    // Row i of the working matrix is row i of B, beside the identity.
    let mut work: Vec<Vec<f64>> = (0..m)
        .map(|i| {
            let mut row: Vec<f64> = (0..m).map(|j| a[j][i]).collect();
            row.extend((0..m).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for col in 0..m {
        let pivot_row =
            (col..m).max_by(|&x, &y| work[x][col].abs().total_cmp(&work[y][col].abs()))?;
        if work[pivot_row][col].abs() < EPS {
            return None;
        }
        work.swap(col, pivot_row);
        let pivot = work[col][col];
        for v in &mut work[col] {
            *v /= pivot;
        }
        let pivot_values = work[col].clone();
        for (i, row) in work.iter_mut().enumerate() {
            if i == col || row[col] == 0.0 {
                continue;
            }
            let factor = row[col];
            for (v, p) in row.iter_mut().zip(&pivot_values) {
                *v -= factor * p;
            }
        }
    }
    Some(work.into_iter().map(|row| row[m..].to_vec()).collect())
}

/// Maximises Σ value_c·w_c subject to Σ rows_kc·w_c ≤ 0 for every row k, Σ w_c + w_art = 1,
/// w ≥ 0, where the artificial column has value `artificial_value` (far below any real one) and
/// zero rows, so the problem always has a solution.
///
/// In floating point: the master only proposes prices and a mix. Every bound the search prunes
/// with is recomputed exactly in integers from those prices, so an imprecise price can cost
/// search time but never the optimum. The mix, though, steers the branching, so it is kept
/// sound: B⁻¹ is recomputed from the columns every few pivots and at the end, and a pivot is
/// never taken on an element that is only rounding noise.
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
    // x_B = B⁻¹b with b = (0, …, 0, 1): the last column of B⁻¹.
    let refactor = |basis: &[Var]| -> Option<(Vec<Vec<f64>>, Vec<f64>)> {
        let a: Vec<&[f64]> = basis.iter().map(|&v| column_of(v).1).collect();
        let inverse = invert(&a)?;
        let x = inverse.iter().map(|row| row[m - 1].max(0.0)).collect();
        Some((inverse, x))
    };
    let (mut inverse, mut x) = refactor(&basis).expect("the starting basis is the identity");
    let candidates: Vec<Var> = (0..row_count)
        .map(Var::Slack)
        .chain(std::iter::once(Var::Artificial))
        .chain((0..columns.len()).map(Var::Column))
        .collect();
    let duals_of = |basis: &[Var], inverse: &[Vec<f64>]| -> Vec<f64> {
        let basic_costs: Vec<f64> = basis.iter().map(|&v| column_of(v).0).collect();
        (0..m)
            .map(|j| (0..m).map(|i| basic_costs[i] * inverse[i][j]).sum())
            .collect()
    };
    // Bland's rule terminates; the cap only guards against floating-point trouble.
    let max_pivots = 50 * (candidates.len() + m);
    for pivots in 0..max_pivots {
        if pivots > 0 && pivots % REFACTOR_EVERY == 0 {
            match refactor(&basis) {
                Some(fresh) => (inverse, x) = fresh,
                None => break,
            }
        }
        let duals = duals_of(&basis, &inverse);
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
        // Ratio test over the elements that are not rounding noise; ties go to the lowest
        // basic variable (Bland).
        let largest = direction.iter().fold(0.0f64, |l, d| l.max(d.abs()));
        let tolerance = (PIVOT_TOLERANCE * largest).max(EPS);
        let mut leaving: Option<(usize, f64)> = None;
        for i in 0..m {
            if direction[i] <= tolerance {
                continue;
            }
            let ratio = x[i] / direction[i];
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
            x[i] = (x[i] - factor * x[r]).max(0.0);
        }
        basis[r] = entering;
    }
    if let Some(fresh) = refactor(&basis) {
        (inverse, x) = fresh;
    }
    let duals = duals_of(&basis, &inverse);
    let mut weights = vec![0.0; columns.len()];
    let mut artificial = 0.0;
    for (i, var) in basis.iter().enumerate() {
        match var {
            Var::Column(j) => weights[*j] = x[i],
            Var::Artificial => artificial = x[i],
            Var::Slack(_) => {}
        }
    }
    MasterSolution {
        weights,
        artificial,
        prices: duals[..row_count].iter().map(|p| p.max(0.0)).collect(),
        value: duals[row_count],
        baseline,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// An optimality certificate, independent of how the solution was found: the weights meet
    /// every row and the convexity row, no column (nor the artificial one) has a positive reduced
    /// cost at the prices, and the mix's value equals the dual value.
    fn assert_optimal(
        row_count: usize,
        columns: &[MasterColumn],
        artificial: i128,
        s: &MasterSolution,
    ) -> Result<(), TestCaseError> {
        let total: f64 = s.weights.iter().sum();
        prop_assert!(s.weights.iter().all(|&w| w >= 0.0), "{:?}", s.weights);
        prop_assert!(
            (total + s.artificial - 1.0).abs() <= 1e-9,
            "weights sum to {total} + {}",
            s.artificial
        );
        for k in 0..row_count {
            let (lhs, size) = columns
                .iter()
                .zip(&s.weights)
                .fold((0.0, 0.0), |(l, z), (c, w)| {
                    (l + c.rows[k] as f64 * w, z + (c.rows[k] as f64 * w).abs())
                });
            prop_assert!(lhs <= 1e-9 * size.max(1.0), "row {k}: {lhs}");
        }
        prop_assert!(s.prices.iter().all(|&p| p >= 0.0));
        // The duals are sums over the basis of values this far apart: their rounding error is
        // relative to it.
        let spread = columns
            .iter()
            .map(|c| (c.value - s.baseline).abs() as f64)
            .fold(0.0, f64::max);
        let relative = |value: i128, rows: &[i64]| -> (f64, f64) {
            let cost = (value - s.baseline) as f64;
            let priced: f64 = rows.iter().zip(&s.prices).map(|(&r, p)| r as f64 * p).sum();
            let size = cost.abs()
                + rows
                    .iter()
                    .zip(&s.prices)
                    .map(|(&r, p)| (r as f64 * p).abs())
                    .sum::<f64>()
                + s.value.abs();
            (cost - priced - s.value, size)
        };
        for c in columns.iter().chain(std::iter::once(&MasterColumn {
            value: artificial,
            rows: vec![0; row_count],
        })) {
            let (reduced, size) = relative(c.value, &c.rows);
            // Values are whole numbers: a millionth is far below any difference that matters.
            prop_assert!(
                reduced <= 1e-6 + 1e-9 * size + 1e-12 * spread,
                "reduced cost {reduced} (size {size}) of {c:?}; {s:?}"
            );
        }
        let mixed: f64 = columns
            .iter()
            .zip(&s.weights)
            .map(|(c, w)| (c.value - s.baseline) as f64 * w)
            .sum::<f64>()
            + s.artificial * (artificial - s.baseline) as f64;
        let size = s.value.abs().max(mixed.abs());
        prop_assert!(
            (mixed - s.value).abs() <= 1e-6 + 1e-9 * size + 1e-12 * spread,
            "primal {mixed} dual {}",
            s.value
        );
        Ok(())
    }

    fn parse(text: &str) -> (usize, i128, Vec<MasterColumn>) {
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        let columns = lines
            .map(|line| {
                let (value, rows) = line.split_once(' ').unwrap();
                MasterColumn {
                    value: value.parse().unwrap(),
                    rows: rows
                        .trim_matches(|c| c == '[' || c == ']')
                        .split(", ")
                        .map(|r| r.parse().unwrap())
                        .collect(),
                }
            })
            .collect();
        (head[1].parse().unwrap(), head[3].parse().unwrap(), columns)
    }

    /// A master from a branch of the "few women" benchmark (200 seats, data seed 2) whose
    /// columns cannot meet the rows. Updating B⁻¹ pivot by pivot, and pivoting on rounding
    /// noise, once gave weights summing to 1,116 here.
    #[test]
    fn an_infeasible_master_from_the_benchmark_gets_the_artificial_column() {
        let (rows, artificial, columns) =
            parse(include_str!("testdata/master_infeasible_21_rows.txt"));
        let s = solve(rows, &columns, artificial);
        assert!(s.weights.iter().all(|&w| w == 0.0), "{:?}", s.weights);
        assert_optimal(rows, &columns, artificial, &s).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Values far apart (whole seats, as the tiers are) and close together (scores), rows
        /// of small integers as the balance and count rows are: the answer is always optimal.
        #[test]
        fn the_master_is_optimal(
            row_count in 1usize..22,
            raw in proptest::collection::vec(
                (0i128..3, 0i128..1_000_000, proptest::collection::vec(-40i64..40, 21), 0i64..100),
                1..65,
            ),
        ) {
            let columns: Vec<MasterColumn> = raw
                .into_iter()
                .map(|(seats, score, rows, scale)| MasterColumn {
                    value: seats * (1 << 60) + score * 400_001,
                    // The balance rows (the first few) are wide: 60·women − 40·men and so on.
                    rows: rows[..row_count]
                        .iter()
                        .enumerate()
                        .map(|(k, &r)| if k < 4 { r * scale } else { r })
                        .collect(),
                })
                .collect();
            let artificial = -(1i128 << 64);
            let s = solve(row_count, &columns, artificial);
            assert_optimal(row_count, &columns, artificial, &s)?;
        }
    }

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
