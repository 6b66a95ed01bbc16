//! `np.median` of float64 values, bit for bit.
//!
//! numpy partitions around the middle and returns the middle value for an odd
//! count and `mean([lower, upper])` = `(lower + upper) / 2` for an even one;
//! any NaN makes the result NaN (`_median_nancheck`). Selection gives the
//! same order statistics as numpy's introselect, so the result is identical.

/// The median of `values`, NaN for an empty slice (numpy warns and returns
/// NaN) or when any value is NaN. Reorders `values`.
pub fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let mid = n / 2;
    let (lower, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (below + upper) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_even_empty_and_nan() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut [7.0]), 7.0);
        assert!(median(&mut []).is_nan());
        assert!(median(&mut [1.0, f64::NAN, 3.0]).is_nan());
    }

    #[test]
    fn even_count_is_the_rounded_mean_of_the_middles() {
        // (0.1 + 0.2) / 2 rounds like numpy's mean of the two.
        assert_eq!(median(&mut [0.2, 0.1]), (0.1 + 0.2) / 2.0);
        assert_eq!(median(&mut [-0.0, 0.0, 5.0, -5.0]), 0.0);
        assert!(median(&mut [f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    }
}
