//! The performance monitor's kernels (catalog analytics.md K17–K25, K29;
//! ml_monitoring.md §7, K7.1–K7.3): response-time windows and their
//! nearest-rank percentiles, load-test statistics, the memory-leak trend,
//! size buckets, hit rates and pool ratios, Prometheus histogram
//! bucketing and the collector's rolling mean and error rate.
//!
//! Every kernel reproduces the original's float operations in its order
//! (left-to-right sums, `min`/`max` by `<` from the first element,
//! `round(x, n)` on the exact binary value), so the twins agree with the
//! baselines bit for bit. What Python leaves to its sort algorithm (the
//! order of a list holding NaN) is refused, not guessed:
//! [`MonitorError::Unordered`].

pub mod cache_key;
pub mod counters;
pub mod float_keys;
pub mod group_aggregate;
pub mod histogram;
pub mod load_test;
pub mod memory_trend;
pub mod request_window;
pub mod response_times;

use crate::text::python_str;

/// Why a monitor kernel gives no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// `sorted()` of a list holding NaN: CPython's timsort leaves it in an
    /// order that depends on which comparisons the merge happened to make,
    /// so the nearest-rank element is not a property of the values.
    #[error("sample {at} is NaN: the sorted order CPython gives such a list is not twinned")]
    Unordered { at: usize },
}

/// Python's `round(x, digits)`: correctly rounded on the exact binary
/// value, ties to even, NaN and infinities unchanged.
pub(crate) fn py_round(x: f64, digits: usize) -> f64 {
    python_str::fixed(x, digits).parse().unwrap_or(x)
}

/// Python's `min(values)`: the first element, replaced by each later one
/// that compares `<` (so a leading NaN stays, a later one never enters).
/// `None` when empty (Python raises).
pub(crate) fn py_min(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut values = values.into_iter();
    let first = values.next()?;
    Some(values.fold(first, |m, x| if x < m { x } else { m }))
}

/// Python's `max(values)`, the mirror of [`py_min`].
pub(crate) fn py_max(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut values = values.into_iter();
    let first = values.next()?;
    Some(values.fold(first, |m, x| if x > m { x } else { m }))
}

/// `int(n * fraction)` for a list of `n`: the original's 0-based
/// nearest-rank index, computed with the same float product (exact as
/// Python's for every `n` below 2^53).
pub fn rank_index(n: usize, fraction: f64) -> usize {
    (n as f64 * fraction) as usize
}

/// Where a NaN sits in `values`, if anywhere.
pub(crate) fn first_nan(values: &[f64]) -> Option<usize> {
    values.iter().position(|x| x.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_pythons_on_the_binary_value() {
        // 2.675 is 2.67499999… in binary: Python gives 2.67.
        assert_eq!(py_round(2.675, 2), 2.67);
        assert_eq!(py_round(0.125, 2), 0.12);
        assert_eq!(py_round(0.375, 2), 0.38);
        assert!(py_round(f64::NAN, 3).is_nan());
        assert_eq!(py_round(f64::NEG_INFINITY, 3), f64::NEG_INFINITY);
    }

    #[test]
    fn min_and_max_compare_like_python() {
        assert!(py_min([f64::NAN, 1.0, 0.0]).is_some_and(f64::is_nan));
        assert_eq!(py_min([1.0, f64::NAN, 0.5]), Some(0.5));
        assert_eq!(py_max([1.0, f64::NAN, 3.0]), Some(3.0));
        assert_eq!(py_min(std::iter::empty()), None);
    }

    #[test]
    fn the_rank_index_is_the_floor_of_the_float_product() {
        assert_eq!(rank_index(21, 0.95), 19);
        assert_eq!(rank_index(100, 0.95), 95);
        assert_eq!(rank_index(1_000, 0.95), 950);
        assert_eq!(rank_index(1, 0.99), 0);
        // 0.95 is slightly below 19/20 in binary: the product of 20 is
        // 18.999… or 19 depending on rounding; Python's int() of it is 19.
        assert_eq!(rank_index(20, 0.95), 19);
    }
}
