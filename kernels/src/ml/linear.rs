//! scikit-learn's `LinearRegression()` (1.6.1, `fit_intercept=True`): the
//! forecasting engine's trend model (catalog ml_monitoring.md K2.3).
//!
//! # What is the same as scikit-learn
//! * The columns of `X` and `y` are centred on their means; the centred
//!   least-squares problem is solved for the minimum-norm solution, with
//!   singular values at most `max(n, p) · ε · σ_max` treated as zero (the
//!   `cond` sklearn passes to `scipy.linalg.lstsq`, whose `gelsd` driver
//!   solves through the SVD); `intercept = ȳ − x̄ · coef`.
//! * `predict` is `X · coef + intercept`.
//!
//! # What differs, and why
//! * LAPACK's `gelsd` bidiagonalises `X`; the twin reduces `X` to `R` by
//!   Householder QR and takes the SVD of the small `R` by one-sided Jacobi
//!   rotations. Both are backward stable: predictions agree to rounding
//!   (~1e-12 relative on the forecasting designs). Where the design is rank
//!   deficient (a month of hourly rows makes `time_index` an exact
//!   combination of `day_of_month` and `hour`), both return the
//!   minimum-norm coefficients, which are unique; but a coefficient whose
//!   singular direction sits near the cutoff is not, so compare predictions
//!   and R² there, not coefficients.
//! * NaN or infinity is refused with a typed error (scipy raises too).

use thiserror::Error;

use super::Matrix;
use crate::numpy_sum::numpy_mean;

/// Why a model could not be fitted or could not predict.
#[derive(Debug, Clone, Copy, Error, PartialEq)]
pub enum LinearError {
    #[error("input has {rows} rows and {cols} columns; at least one of each is required")]
    Empty { rows: usize, cols: usize },
    #[error("Input X contains NaN or infinity (row {row}, column {col})")]
    NotFinite { row: usize, col: usize },
    #[error("Input y contains NaN or infinity (row {row})")]
    Target { row: usize },
    #[error("X has {rows} rows but y has {targets} values")]
    TargetLength { rows: usize, targets: usize },
    #[error("X has {found} features, but the model was fitted with {expected}")]
    FeatureCount { expected: usize, found: usize },
}

/// A fitted ordinary-least-squares model.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegression {
    coef: Vec<f64>,
    intercept: f64,
    rank: usize,
}

/// Jacobi sweeps before giving up on orthogonality (a 16×16 matrix
/// converges in well under 10; the bound only stops a pathological loop).
const MAX_SWEEPS: usize = 60;

impl LinearRegression {
    pub fn fit(x: &Matrix, y: &[f64]) -> Result<Self, LinearError> {
        let (n, p) = (x.rows(), x.cols());
        if n == 0 || p == 0 {
            return Err(LinearError::Empty { rows: n, cols: p });
        }
        if y.len() != n {
            return Err(LinearError::TargetLength {
                rows: n,
                targets: y.len(),
            });
        }
        if let Some(k) = x.as_slice().iter().position(|v| !v.is_finite()) {
            return Err(LinearError::NotFinite {
                row: k / p,
                col: k % p,
            });
        }
        if let Some(row) = y.iter().position(|v| !v.is_finite()) {
            return Err(LinearError::Target { row });
        }
        // Centred columns, column-major: the QR works column by column.
        // scikit-learn reduces the (Fortran-ordered) design column by
        // column and y as one contiguous array: numpy's pairwise order, so
        // a constant target's mean (and so its R²) rounds as it does there.
        let means: Vec<f64> = (0..p)
            .map(|j| numpy_mean(&(0..n).map(|i| x.row(i)[j]).collect::<Vec<_>>()))
            .collect();
        let y_mean = numpy_mean(y);
        let mut a: Vec<f64> = (0..p)
            .flat_map(|j| (0..n).map(move |i| (j, i)))
            .map(|(j, i)| x.row(i)[j] - means[j])
            .collect();
        let mut b: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
        let k = householder_qr(&mut a, &mut b, n, p);
        // R is k × p (k = min(n, p)), upper trapezoidal, in a's top rows.
        let r: Vec<f64> = (0..k)
            .flat_map(|i| (0..p).map(move |j| (i, j)))
            .map(|(i, j)| if j >= i { a[j * n + i] } else { 0.0 })
            .collect();
        let coef = min_norm_solve(&r, &b[..k], k, p, n.max(p));
        let intercept = y_mean - means.iter().zip(&coef.0).map(|(m, c)| m * c).sum::<f64>();
        Ok(LinearRegression {
            coef: coef.0,
            intercept,
            rank: coef.1,
        })
    }

    pub fn predict(&self, x: &Matrix) -> Result<Vec<f64>, LinearError> {
        if x.cols() != self.coef.len() {
            return Err(LinearError::FeatureCount {
                expected: self.coef.len(),
                found: x.cols(),
            });
        }
        Ok((0..x.rows())
            .map(|i| {
                x.row(i)
                    .iter()
                    .zip(&self.coef)
                    .map(|(v, c)| v * c)
                    .sum::<f64>()
                    + self.intercept
            })
            .collect())
    }

    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// The numerical rank the solve used (sklearn's `rank_`).
    pub fn rank(&self) -> usize {
        self.rank
    }
}

/// Householder QR of the column-major `n × p` matrix `a`, applying every
/// reflector to `b` too: afterwards `a`'s upper triangle holds `R` and
/// `b[..min(n, p)]` holds `(Qᵀ y)[..min(n, p)]`. Returns `min(n, p)`.
fn householder_qr(a: &mut [f64], b: &mut [f64], n: usize, p: usize) -> usize {
    let k = n.min(p);
    let mut v = vec![0.0; n];
    for j in 0..k {
        let col = &a[j * n + j..(j + 1) * n];
        let norm = dot(col, col).sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if col[0] > 0.0 { -norm } else { norm };
        let len = n - j;
        v[..len].copy_from_slice(col);
        v[0] -= alpha;
        let vnorm2 = dot(&v[..len], &v[..len]);
        if vnorm2 == 0.0 {
            continue;
        }
        let reflect = |target: &mut [f64]| {
            let s = 2.0 * dot(target, &v[..len]) / vnorm2;
            target
                .iter_mut()
                .zip(&v[..len])
                .for_each(|(t, v)| *t -= s * v);
        };
        for c in j..p {
            reflect(&mut a[c * n + j..(c + 1) * n]);
        }
        reflect(&mut b[j..n]);
    }
    k
}

/// The minimum-norm solution of `R x = c` in the least-squares sense for
/// the row-major `k × p` matrix `r`, through `R`'s SVD (one-sided Jacobi
/// rotations of `R`'s columns): singular values at most
/// `dim · ε · σ_max` count as zero. Returns the solution and the rank.
fn min_norm_solve(r: &[f64], c: &[f64], k: usize, p: usize, dim: usize) -> (Vec<f64>, usize) {
    // Work on the columns of R (k rows each): A = R V, with V orthogonal,
    // rotated until A's columns are orthogonal; then σ_j = |A_j|,
    // U_j = A_j / σ_j, and x = Σ_j (U_j · c / σ_j) V_j.
    let mut cols: Vec<Vec<f64>> = (0..p)
        .map(|j| (0..k).map(|i| r[i * p + j]).collect())
        .collect();
    let mut v: Vec<Vec<f64>> = (0..p)
        .map(|j| (0..p).map(|i| f64::from(u8::from(i == j))).collect())
        .collect();
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for i in 0..p {
            for j in i + 1..p {
                let alpha: f64 = cols[i].iter().map(|x| x * x).sum();
                let beta: f64 = cols[j].iter().map(|x| x * x).sum();
                let gamma: f64 = cols[i].iter().zip(&cols[j]).map(|(a, b)| a * b).sum();
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let t = if zeta == 0.0 { 1.0 } else { t };
                let cos = 1.0 / (1.0 + t * t).sqrt();
                let sin = cos * t;
                rotate(&mut cols, i, j, cos, sin);
                rotate(&mut v, i, j, cos, sin);
            }
        }
        if !rotated {
            break;
        }
    }
    let sigma: Vec<f64> = cols
        .iter()
        .map(|col| col.iter().map(|x| x * x).sum::<f64>().sqrt())
        .collect();
    let sigma_max = sigma.iter().copied().fold(0.0, f64::max);
    let cutoff = dim as f64 * f64::EPSILON * sigma_max;
    let mut x = vec![0.0; p];
    let mut rank = 0;
    for j in 0..p {
        if sigma[j] <= cutoff || sigma[j] == 0.0 {
            continue;
        }
        rank += 1;
        // U_j · c / σ_j = (A_j · c) / σ_j².
        let weight = cols[j].iter().zip(c).map(|(a, c)| a * c).sum::<f64>() / (sigma[j] * sigma[j]);
        x.iter_mut().zip(&v[j]).for_each(|(x, v)| *x += weight * v);
    }
    (x, rank)
}

/// `Σ aᵢbᵢ` with eight interleaved accumulators: one running sum would
/// make the QR's column passes wait on the adder's latency (LAPACK's BLAS
/// sums in its own blocked order too; both are backward stable).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

/// Rotates columns `i` and `j` by the Jacobi rotation `(cos, sin)`.
fn rotate(cols: &mut [Vec<f64>], i: usize, j: usize, cos: f64, sin: f64) {
    let (left, right) = cols.split_at_mut(j);
    for (a, b) in left[i].iter_mut().zip(right[0].iter_mut()) {
        let (x, y) = (*a, *b);
        *a = cos * x - sin * y;
        *b = sin * x + cos * y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> Matrix {
        let data = (0..rows * cols).map(|k| f(k / cols, k % cols)).collect();
        Matrix::new(rows, cols, data).expect("rows × cols values")
    }

    #[test]
    fn an_exact_linear_target_is_recovered() {
        let x = matrix(50, 3, |r, c| {
            ((r * (c + 2)) % 11) as f64 + 0.1 * (r * c) as f64
        });
        let y: Vec<f64> = (0..50)
            .map(|r| 2.0 * x.row(r)[0] - 0.5 * x.row(r)[1] + 3.0 * x.row(r)[2] + 7.0)
            .collect();
        let model = LinearRegression::fit(&x, &y).expect("fits");
        assert_eq!(model.rank(), 3);
        for (c, want) in model.coef().iter().zip([2.0, -0.5, 3.0]) {
            assert!((c - want).abs() < 1e-10, "{:?}", model.coef());
        }
        assert!((model.intercept() - 7.0).abs() < 1e-9);
        let pred = model.predict(&x).expect("predicts");
        assert!(pred.iter().zip(&y).all(|(p, y)| (p - y).abs() < 1e-9));
    }

    /// numpy.linalg.lstsq / scikit-learn on this design (a duplicated and a
    /// constant column): coef [0.5, 0.5, 0, 1], rank 2 — the minimum-norm
    /// split of the duplicated column's weight.
    #[test]
    fn a_rank_deficient_design_gets_the_minimum_norm_solution() {
        let x = matrix(20, 4, |r, c| match c {
            0 | 1 => r as f64,
            2 => 5.0,
            _ => ((r * r) % 7) as f64,
        });
        let y: Vec<f64> = (0..20)
            .map(|r| r as f64 + ((r * r) % 7) as f64 + 1.0)
            .collect();
        let model = LinearRegression::fit(&x, &y).expect("fits");
        assert_eq!(model.rank(), 2);
        for (c, want) in model.coef().iter().zip([0.5, 0.5, 0.0, 1.0]) {
            assert!((c - want).abs() < 1e-10, "{:?}", model.coef());
        }
        assert!((model.intercept() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_constant_target_and_one_row_fit_flat_models() {
        let x = matrix(10, 2, |r, c| (r + c) as f64);
        let model = LinearRegression::fit(&x, &[3.0; 10]).expect("fits");
        assert_eq!(model.coef(), &[0.0, 0.0]);
        assert_eq!(model.intercept(), 3.0);
        let one = LinearRegression::fit(&matrix(1, 2, |_, c| c as f64), &[4.0]).expect("fits");
        assert_eq!(one.rank(), 0);
        assert_eq!(
            one.predict(&matrix(1, 2, |_, _| 9.0)).expect("predicts"),
            [4.0]
        );
    }

    #[test]
    fn bad_input_is_named() {
        let x = matrix(3, 2, |r, c| if (r, c) == (2, 1) { f64::NAN } else { 1.0 });
        assert_eq!(
            LinearRegression::fit(&x, &[1.0; 3]),
            Err(LinearError::NotFinite { row: 2, col: 1 })
        );
        let x = matrix(3, 2, |_, _| 1.0);
        assert_eq!(
            LinearRegression::fit(&x, &[1.0, f64::NAN, 1.0]),
            Err(LinearError::Target { row: 1 })
        );
    }
}
