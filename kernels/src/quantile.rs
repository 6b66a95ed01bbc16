//! numpy's `percentile(values, q)` with the default `method='linear'`, bit
//! for bit: the value pandas' `Series.quantile` and the original's
//! `np.percentile` thresholds return.
//!
//! numpy (2.x, `_quantile` / `_lerp`) computes the virtual index
//! `(n − 1) · q/100`, takes the order statistics below and above it with
//! `partition`, and interpolates as `a + (b − a)·t`, or `b − (b − a)·(1 − t)`
//! when `t ≥ 0.5` (so the result is exact at both ends). The same operations
//! in the same order give the same bits; a selection instead of a sort gives
//! the same order statistics.

use std::cmp::Ordering;

/// numpy's order for partition: NaN last, numbers by value (−0.0 and 0.0
/// tie, so which of them sits at a rank may differ from numpy's; both are
/// zero).
fn numpy_order(a: &f64, b: &f64) -> Ordering {
    a.partial_cmp(b)
        .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
}

/// `np.percentile(values, percent)` (linear), reordering `values` in place;
/// `None` for no values (numpy raises, pandas returns NaN). A NaN anywhere
/// makes the result NaN, as numpy's is.
pub fn percentile_linear(values: &mut [f64], percent: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    if values.iter().any(|v| v.is_nan()) {
        return Some(f64::NAN);
    }
    let quantile = percent / 100.0;
    let virtual_index = (n - 1) as f64 * quantile;
    // numpy: previous = floor(virtual), next = previous + 1, both clipped
    // to [0, n - 1]; gamma = virtual − previous.
    let floor = virtual_index.floor();
    let previous = (floor.max(0.0) as usize).min(n - 1);
    let next = (previous + 1).min(n - 1);
    let gamma = virtual_index - floor;
    let (_, &mut below, above) = values.select_nth_unstable_by(previous, numpy_order);
    let above = if next == previous {
        below
    } else {
        above.iter().copied().min_by(numpy_order).unwrap_or(below)
    };
    Some(lerp(below, above, gamma))
}

/// numpy's `_lerp`: exact at both ends of the interval.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from numpy 2.2.6: `np.percentile([3, 1, 4, 1, 5, 9, 2, 6], 95)`
    /// = 7.949999999999998 and `np.percentile([1.0, 2.0], 90)` = 1.9.
    #[test]
    fn matches_numpy_linear() {
        let mut v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        assert_eq!(percentile_linear(&mut v, 95.0), Some(7.949999999999998));
        assert_eq!(percentile_linear(&mut [1.0, 2.0], 90.0), Some(1.9));
        assert_eq!(percentile_linear(&mut [7.0], 95.0), Some(7.0));
        assert_eq!(percentile_linear(&mut [], 95.0), None);
        assert!(percentile_linear(&mut [1.0, f64::NAN], 50.0).is_some_and(f64::is_nan));
    }
}
