//! scikit-learn's `StandardScaler` and `RobustScaler` (1.6.1, default
//! options), fitted on one matrix and applied to any matrix with as many
//! columns (catalog ml_monitoring.md §1, analytics.md K6).
//!
//! # Numerics, as scikit-learn computes them
//! * `StandardScaler` (`_incremental_mean_and_var` on a first fit): per
//!   column, `sum` in numpy's order (row after row for two or more
//!   columns; pairwise for a single column, see [`column_sums`]),
//!   `mean = (0 + sum)/n`,
//!   `T = sum/n`, and the corrected two-pass population variance
//!   `var = (Σ(x − T)² − (Σ(x − T))²/n) / n`. A column is constant when
//!   `var <= n·ε·var + (n·mean·ε)²` (`_is_constant_feature`); its scale is
//!   1, every other scale is `sqrt(var)`.
//! * `RobustScaler`: `center` = numpy `nanmedian` (mean of the two middle
//!   values for an even count), `scale` = numpy `nanpercentile(q_max) −
//!   nanpercentile(q_min)` with linear interpolation, a scale below `10·ε`
//!   replaced by 1 (`_handle_zeros_in_scale`).
//! * `transform` is `(x − center) / scale` per value.
//!
//! # NaN and infinity
//! As in scikit-learn: NaN is ignored when fitting (a column's statistics
//! use its non-NaN values; an all-NaN column gets NaN statistics) and kept
//! by `transform` (NaN in, NaN out). Infinity is rejected by `fit` and
//! `transform` alike (scikit-learn: "Input contains infinity").
//!
//! # Errors
//! The original passes the scaler's output on; scikit-learn raising inside
//! it is what made the original return an empty array, so every such case
//! is a [`ScaleError`]: an empty matrix, infinity, and a `transform` matrix
//! whose column count differs from the fitted one.

use thiserror::Error;

use super::Matrix;
use crate::numpy_sum::{NUMPY_BUFSIZE, pairwise_sum};

/// Why a scaler could not be fitted or applied.
#[derive(Debug, Clone, Copy, Error, PartialEq)]
pub enum ScaleError {
    #[error("input has {rows} rows and {cols} columns; at least one of each is required")]
    Empty { rows: usize, cols: usize },
    #[error("Input contains infinity (row {row}, column {col})")]
    Infinite { row: usize, col: usize },
    #[error("X has {found} features, but the scaler was fitted with {expected}")]
    FeatureCount { expected: usize, found: usize },
    #[error("invalid quantile range ({q_min}, {q_max}): need 0 <= q_min <= q_max <= 100")]
    QuantileRange { q_min: f64, q_max: f64 },
}

/// A fitted `StandardScaler` (`with_mean = with_std = True`).
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScaler {
    mean: Vec<f64>,
    var: Vec<f64>,
    scale: Vec<f64>,
    n_samples_seen: Vec<usize>,
}

impl StandardScaler {
    /// Per-column mean and population variance of `x` (NaN ignored).
    pub fn fit(x: &Matrix) -> Result<Self, ScaleError> {
        check_fit_input(x)?;
        let mut count = vec![0usize; x.cols()];
        for i in 0..x.rows() {
            for (c, v) in count.iter_mut().zip(x.row(i)) {
                *c += usize::from(!v.is_nan());
            }
        }
        // numpy's nansum: a NaN adds 0 in its place.
        let sum = column_sums(x, |_, v| if v.is_nan() { 0.0 } else { v });
        // T = new_sum / new_sample_count; correction = Σ(x − T);
        // unnormalised variance = Σ(x − T)² − correction²/n.
        let t: Vec<f64> = sum
            .iter()
            .zip(&count)
            .map(|(&s, &c)| s / c as f64)
            .collect();
        let deviation = |j: usize, v: f64| if v.is_nan() { 0.0 } else { v - t[j] };
        let correction = column_sums(x, deviation);
        let squares = column_sums(x, |j, v| {
            let e = deviation(j, v);
            e * e
        });
        let mut scaler = StandardScaler {
            mean: Vec::with_capacity(x.cols()),
            var: Vec::with_capacity(x.cols()),
            scale: Vec::with_capacity(x.cols()),
            n_samples_seen: count,
        };
        for j in 0..x.cols() {
            let n = scaler.n_samples_seen[j] as f64;
            let mean = (0.0 + sum[j]) / n;
            let var = (squares[j] - correction[j] * correction[j] / n) / n;
            scaler.mean.push(mean);
            scaler.var.push(var);
            scaler.scale.push(if is_constant_feature(var, mean, n) {
                1.0
            } else {
                var.sqrt()
            });
        }
        Ok(scaler)
    }

    /// `(x − mean) / scale`; NaN stays NaN.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix, ScaleError> {
        apply(x, &self.mean, &self.scale)
    }

    /// `fit(x)` then `transform(x)`.
    pub fn fit_transform(x: &Matrix) -> Result<(Self, Matrix), ScaleError> {
        let scaler = Self::fit(x)?;
        let out = scaler.transform(x)?;
        Ok((scaler, out))
    }

    /// scikit-learn's `mean_`.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// scikit-learn's `var_` (population variance).
    pub fn var(&self) -> &[f64] {
        &self.var
    }

    /// scikit-learn's `scale_`: `sqrt(var_)`, 1 for a constant column.
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Non-NaN values per column.
    pub fn n_samples_seen(&self) -> &[usize] {
        &self.n_samples_seen
    }
}

/// `np.sum(term(X), axis=0)` per column, in numpy's order: for two or more
/// columns the reduction adds row after row (the inner loop runs along a
/// row); a single column is a contiguous 1-D reduction, which numpy sums
/// pairwise in buffers of 8192 values accumulated into 0.
fn column_sums(x: &Matrix, term: impl Fn(usize, f64) -> f64) -> Vec<f64> {
    if x.cols() == 1 {
        let column: Vec<f64> = x.as_slice().iter().map(|&v| term(0, v)).collect();
        let total = column
            .chunks(NUMPY_BUFSIZE)
            .fold(0.0, |acc, chunk| acc + pairwise_sum(chunk));
        return vec![total];
    }
    let mut sums = vec![0.0; x.cols()];
    for i in 0..x.rows() {
        for (j, (s, &v)) in sums.iter_mut().zip(x.row(i)).enumerate() {
            *s += term(j, v);
        }
    }
    sums
}

/// scikit-learn's `_is_constant_feature`: the variance is within the
/// two-pass algorithm's rounding bound of 0 (evaluated in its order).
fn is_constant_feature(var: f64, mean: f64, n: f64) -> bool {
    let eps = f64::EPSILON;
    let bound = n * eps * var + (n * mean * eps) * (n * mean * eps);
    var <= bound
}

/// A fitted `RobustScaler` (`with_centering = with_scaling = True`,
/// `unit_variance = False`).
#[derive(Debug, Clone, PartialEq)]
pub struct RobustScaler {
    center: Vec<f64>,
    scale: Vec<f64>,
}

impl RobustScaler {
    /// Median and interquartile range (25, 75) per column (NaN ignored).
    pub fn fit(x: &Matrix) -> Result<Self, ScaleError> {
        Self::fit_with_range(x, (25.0, 75.0))
    }

    /// As [`RobustScaler::fit`] with scikit-learn's `quantile_range`
    /// (percentages, `0 <= q_min <= q_max <= 100`).
    pub fn fit_with_range(x: &Matrix, (q_min, q_max): (f64, f64)) -> Result<Self, ScaleError> {
        if !(0.0 <= q_min && q_min <= q_max && q_max <= 100.0) {
            return Err(ScaleError::QuantileRange { q_min, q_max });
        }
        check_fit_input(x)?;
        let d = x.cols();
        let mut center = Vec::with_capacity(d);
        let mut scale = Vec::with_capacity(d);
        let mut column = Vec::with_capacity(x.rows());
        for j in 0..d {
            column.clear();
            column.extend((0..x.rows()).map(|i| x.row(i)[j]).filter(|v| !v.is_nan()));
            center.push(median(&mut column));
            let range =
                linear_percentile(&mut column, q_max) - linear_percentile(&mut column, q_min);
            scale.push(if range < 10.0 * f64::EPSILON {
                1.0
            } else {
                range
            });
        }
        Ok(RobustScaler { center, scale })
    }

    /// `(x − center) / scale`; NaN stays NaN.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix, ScaleError> {
        apply(x, &self.center, &self.scale)
    }

    /// `fit(x)` then `transform(x)`.
    pub fn fit_transform(x: &Matrix) -> Result<(Self, Matrix), ScaleError> {
        let scaler = Self::fit(x)?;
        let out = scaler.transform(x)?;
        Ok((scaler, out))
    }

    /// scikit-learn's `center_` (column medians).
    pub fn center(&self) -> &[f64] {
        &self.center
    }

    /// scikit-learn's `scale_` (interquartile ranges, 1 where below 10·ε).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }
}

/// Rejects an empty matrix and infinity (NaN is allowed).
fn check_fit_input(x: &Matrix) -> Result<(), ScaleError> {
    if x.rows() == 0 || x.cols() == 0 {
        return Err(ScaleError::Empty {
            rows: x.rows(),
            cols: x.cols(),
        });
    }
    check_no_infinity(x)
}

fn check_no_infinity(x: &Matrix) -> Result<(), ScaleError> {
    match x.as_slice().iter().position(|v| v.is_infinite()) {
        None => Ok(()),
        Some(at) => Err(ScaleError::Infinite {
            row: at / x.cols(),
            col: at % x.cols(),
        }),
    }
}

/// `(x − center) / scale` column by column, after checking the shape.
fn apply(x: &Matrix, center: &[f64], scale: &[f64]) -> Result<Matrix, ScaleError> {
    if x.cols() != center.len() {
        return Err(ScaleError::FeatureCount {
            expected: center.len(),
            found: x.cols(),
        });
    }
    if x.rows() == 0 {
        return Err(ScaleError::Empty {
            rows: x.rows(),
            cols: x.cols(),
        });
    }
    check_no_infinity(x)?;
    let mut data = x.as_slice().to_vec();
    for row in data.chunks_exact_mut(center.len()) {
        for ((v, &c), &s) in row.iter_mut().zip(center).zip(scale) {
            *v = (*v - c) / s;
        }
    }
    Ok(Matrix::new(x.rows(), x.cols(), data).expect("same shape as the validated input"))
}

/// numpy `median` of NaN-free values (reordered): the middle value, or the
/// mean `(a + b)/2` of the two middle values; NaN when empty (`nanmedian`
/// of an all-NaN column).
fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (lower, upper) = order_statistics(values, (n - 1) / 2);
    if n % 2 == 1 {
        lower
    } else {
        (lower + upper) / 2.0
    }
}

/// numpy `percentile(values, q)` (method `'linear'`) of NaN-free values,
/// which it reorders; NaN when empty (`nanpercentile` of an all-NaN column).
///
/// numpy: `virtual = (n − 1)·(q/100)`; at or past the last index the largest
/// value; otherwise `a = v[floor]`, `b = v[floor + 1]`, `g = virtual −
/// floor`, and `_lerp`: `a + (b − a)·g`, or `b − (b − a)·(1 − g)` when
/// `g >= 0.5`.
pub(super) fn linear_percentile(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let virtual_index = (n - 1) as f64 * (q / 100.0);
    if virtual_index >= (n - 1) as f64 {
        return order_statistics(values, n - 1).0;
    }
    let below = virtual_index.floor();
    let (a, b) = order_statistics(values, below as usize);
    let gamma = virtual_index - below;
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// The `k`-th smallest value and the next one (the `k`-th again when `k` is
/// the last index), in expected linear time. Requires `k < values.len()`.
fn order_statistics(values: &mut [f64], k: usize) -> (f64, f64) {
    let (_, kth, above) = values.select_nth_unstable_by(k, f64::total_cmp);
    let kth = *kth;
    let next = above.iter().copied().fold(f64::INFINITY, f64::min);
    (kth, if above.is_empty() { kth } else { next })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: usize, cols: usize, data: &[f64]) -> Matrix {
        Matrix::new(rows, cols, data.to_vec()).expect("rows × cols values")
    }

    #[test]
    fn standard_scaler_by_hand() {
        // Column 0: mean 3, population variance 8/3; column 1 constant;
        // column 2 has a NaN, ignored: mean 20, variance 100.
        let nan = f64::NAN;
        let x = matrix(3, 3, &[1.0, 2.0, 10.0, 3.0, 2.0, nan, 5.0, 2.0, 30.0]);
        let (scaler, out) = StandardScaler::fit_transform(&x).expect("fits");
        assert_eq!(scaler.mean(), &[3.0, 2.0, 20.0]);
        assert_eq!(scaler.var(), &[8.0 / 3.0, 0.0, 100.0]);
        assert_eq!(scaler.scale(), &[(8.0f64 / 3.0).sqrt(), 1.0, 10.0]);
        assert_eq!(scaler.n_samples_seen(), &[3, 3, 2]);
        let s = (8.0f64 / 3.0).sqrt();
        let expected = [-2.0 / s, 0.0, -1.0, 0.0, 0.0, nan, 2.0 / s, 0.0, 1.0];
        for (k, (&got, &want)) in out.as_slice().iter().zip(&expected).enumerate() {
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{k}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn standard_scaler_constant_detection_follows_sklearn() {
        // Exactly constant, and constant up to rounding at a large level:
        // both get scale 1. A tiny but real spread keeps its scale
        // (scikit-learn: var 2.2222e-19, scale 4.714e-10).
        let x = matrix(
            3,
            3,
            &[
                0.1,
                1e9 + 0.1,
                1.0,
                0.1,
                1e9 + 0.1,
                1.0 + 1e-9,
                0.1,
                1e9 + 0.1,
                1.0,
            ],
        );
        let scaler = StandardScaler::fit(&x).expect("fits");
        assert_eq!(scaler.scale()[0], 1.0);
        assert_eq!(scaler.scale()[1], 1.0);
        assert!(
            (scaler.scale()[2] - 4.714_045_6e-10).abs() < 1e-16,
            "{}",
            scaler.scale()[2]
        );
    }

    #[test]
    fn a_single_column_is_summed_pairwise_like_numpy() {
        // Ten 0.1 added in sequence give 0.9999999999999999; numpy's
        // pairwise sum of a (10, 1) column gives 1.0, so mean_ is 0.1.
        let x = matrix(10, 1, &[0.1; 10]);
        let scaler = StandardScaler::fit(&x).expect("fits");
        assert_eq!(scaler.mean(), &[0.1]);
        assert_eq!(scaler.var(), &[0.0]);
        assert_eq!(scaler.scale(), &[1.0]);
        // Two columns: row after row, as numpy's axis-0 reduction.
        let x = matrix(10, 2, &[0.1; 20]);
        let scaler = StandardScaler::fit(&x).expect("fits");
        assert_eq!(scaler.mean(), &[0.999_999_999_999_999_9 / 10.0; 2]);
        assert_eq!(pairwise_sum(&[1.0; 300]), 300.0);
    }

    #[test]
    fn an_all_nan_column_has_nan_statistics() {
        let nan = f64::NAN;
        let x = matrix(2, 2, &[1.0, nan, 3.0, nan]);
        let (scaler, out) = StandardScaler::fit_transform(&x).expect("fits");
        assert!(scaler.mean()[1].is_nan() && scaler.scale()[1].is_nan());
        assert_eq!(scaler.n_samples_seen(), &[2, 0]);
        assert_eq!(out.row(0)[0], -1.0);
        assert!(out.row(0)[1].is_nan());
        let robust = RobustScaler::fit(&x).expect("fits");
        assert!(robust.center()[1].is_nan() && robust.scale()[1].is_nan());
    }

    #[test]
    fn one_row_is_centred_to_zero() {
        let x = matrix(1, 2, &[4.0, -7.5]);
        let (_, out) = StandardScaler::fit_transform(&x).expect("fits");
        assert_eq!(out.as_slice(), &[0.0, 0.0]);
        let (robust, out) = RobustScaler::fit_transform(&x).expect("fits");
        assert_eq!(robust.scale(), &[1.0, 1.0]);
        assert_eq!(out.as_slice(), &[0.0, 0.0]);
    }

    #[test]
    fn robust_scaler_by_hand() {
        // Column 0: 1..4 → median 2.5, q25 1.75, q75 3.25; column 1
        // constant → scale 1; column 2 with a NaN: 10, 20, 40 → median 20,
        // q25 15, q75 30.
        let nan = f64::NAN;
        let x = matrix(
            4,
            3,
            &[
                4.0, 7.0, 10.0, 1.0, 7.0, nan, 3.0, 7.0, 40.0, 2.0, 7.0, 20.0,
            ],
        );
        let scaler = RobustScaler::fit(&x).expect("fits");
        assert_eq!(scaler.center(), &[2.5, 7.0, 20.0]);
        assert_eq!(scaler.scale(), &[1.5, 1.0, 15.0]);
        let other = matrix(2, 3, &[2.5, 8.0, nan, 5.5, 7.0, 50.0]);
        let out = scaler.transform(&other).expect("same width");
        assert_eq!(out.row(1), &[2.0, 0.0, 2.0]);
        assert_eq!(&out.row(0)[..2], &[0.0, 1.0]);
        assert!(out.row(0)[2].is_nan());
        let wide = RobustScaler::fit_with_range(&x, (0.0, 100.0)).expect("fits");
        assert_eq!(wide.scale(), &[3.0, 1.0, 30.0]);
    }

    #[test]
    fn percentile_and_median_match_numpy() {
        // np.percentile([3, 1, 4, 1, 5, 9, 2, 6], q).
        let data = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let cases = [
            (0.0, 1.0),
            (10.0, 1.0),
            (25.0, 1.75),
            (50.0, 3.5),
            (62.5, 4.375),
            (75.0, 5.25),
            (90.0, 6.899_999_999_999_999_5),
            (100.0, 9.0),
        ];
        for (q, want) in cases {
            assert_eq!(linear_percentile(&mut data.clone(), q), want, "q = {q}");
        }
        assert_eq!(median(&mut data.clone()), 3.5);
        assert_eq!(median(&mut [5.0, -1.0, 2.0]), 2.0);
        // np.percentile([0.1, 0.7, 0.2], 100 * 0.1).
        assert_eq!(
            linear_percentile(&mut [0.1, 0.7, 0.2], 100.0 * 0.1),
            0.120_000_000_000_000_01
        );
        assert!(linear_percentile(&mut [], 50.0).is_nan());
    }

    #[test]
    fn errors_are_typed() {
        let x = matrix(2, 2, &[1.0, 2.0, 3.0, 4.0]);
        let standard = StandardScaler::fit(&x).expect("fits");
        let robust = RobustScaler::fit(&x).expect("fits");
        let narrow = matrix(2, 1, &[1.0, 2.0]);
        let mismatch = ScaleError::FeatureCount {
            expected: 2,
            found: 1,
        };
        assert_eq!(standard.transform(&narrow).err(), Some(mismatch));
        assert_eq!(robust.transform(&narrow).err(), Some(mismatch));
        let empty = matrix(0, 2, &[]);
        let err = Some(ScaleError::Empty { rows: 0, cols: 2 });
        assert_eq!(StandardScaler::fit(&empty).err(), err);
        assert_eq!(RobustScaler::fit(&empty).err(), err);
        assert_eq!(standard.transform(&empty).err(), err);
        let inf = matrix(2, 2, &[1.0, 2.0, f64::INFINITY, 4.0]);
        let err = Some(ScaleError::Infinite { row: 1, col: 0 });
        assert_eq!(StandardScaler::fit(&inf).err(), err);
        assert_eq!(RobustScaler::fit(&inf).err(), err);
        assert_eq!(standard.transform(&inf).err(), err);
        assert!(matches!(
            RobustScaler::fit_with_range(&x, (75.0, 25.0)),
            Err(ScaleError::QuantileRange { .. })
        ));
        assert!(RobustScaler::fit_with_range(&x, (f64::NAN, 50.0)).is_err());
    }

    /// Reads `u64 rows, u64 cols, rows·cols f64` (little-endian).
    fn read_matrix(path: &str) -> Matrix {
        let bytes = std::fs::read(path).expect("readable input");
        let word =
            |k: usize| u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
        let (rows, cols) = (word(0) as usize, word(1) as usize);
        let data = (0..rows * cols)
            .map(|k| f64::from_bits(word(2 + k)))
            .collect();
        Matrix::new(rows, cols, data).expect("shape")
    }

    /// Verification against scikit-learn (driven by a script outside the
    /// repo): fit both scalers on `SCALE_FIT`, transform `SCALE_APPLY`, and
    /// write to `SCALE_OUT` (f64 LE): standard mean, var, scale, transform;
    /// robust center, scale, transform.
    #[test]
    #[ignore = "needs SCALE_FIT; run by the verification script"]
    fn verify_against_sklearn() {
        let env = |k: &str| std::env::var(k).expect(k);
        let (fit, apply) = (
            read_matrix(&env("SCALE_FIT")),
            read_matrix(&env("SCALE_APPLY")),
        );
        let standard = StandardScaler::fit(&fit).expect("fits");
        let robust = RobustScaler::fit(&fit).expect("fits");
        let standard_out = standard.transform(&apply).expect("same width");
        let robust_out = robust.transform(&apply).expect("same width");
        let parts: [&[f64]; 7] = [
            standard.mean(),
            standard.var(),
            standard.scale(),
            standard_out.as_slice(),
            robust.center(),
            robust.scale(),
            robust_out.as_slice(),
        ];
        let out: Vec<u8> = parts
            .iter()
            .flat_map(|p| p.iter())
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(env("SCALE_OUT"), out).expect("writable output");
    }
}
