//! `np.corrcoef(a, b)[0, 1]`, as pandas' `Series.corr` / `autocorr` and
//! the trend analysis call it.

use crate::numpy_sum::numpy_mean;

/// numpy's order of operations: both means (pairwise sums), the centred
/// cross and square sums, each times `1 / (n − 1)`, then the covariance
/// divided by one standard deviation and then the other, clipped to
/// [−1, 1]. NaN where numpy gives NaN (fewer than two values, a constant
/// side). The sums of products are BLAS dot products in numpy (order
/// unspecified), so agreement is to rounding (~1e-15), not bit for bit.
pub(super) fn corrcoef(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    if n < 2 || b.len() != n {
        return f64::NAN;
    }
    let (ma, mb) = (numpy_mean(a), numpy_mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    let factor = 1.0 / (n - 1) as f64;
    let r = sab * factor / (saa * factor).sqrt() / (sbb * factor).sqrt();
    if r.is_nan() { r } else { r.clamp(-1.0, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_undefined_correlations() {
        assert_eq!(corrcoef(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), 1.0);
        assert_eq!(corrcoef(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
        assert!(corrcoef(&[1.0, 2.0], &[5.0, 5.0]).is_nan());
        assert!(corrcoef(&[1.0], &[5.0]).is_nan());
    }
}
