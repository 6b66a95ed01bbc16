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
    // Four interleaved accumulators per sum (the dependency chain of one
    // would bound the loop); numpy's BLAS sums in its own order anyway.
    let (mut sab, mut saa, mut sbb) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    let (chunks_a, chunks_b) = (a.chunks_exact(4), b.chunks_exact(4));
    let (rest_a, rest_b) = (chunks_a.remainder(), chunks_b.remainder());
    for (xa, yb) in chunks_a.zip(chunks_b) {
        for k in 0..4 {
            let (dx, dy) = (xa[k] - ma, yb[k] - mb);
            sab[k] += dx * dy;
            saa[k] += dx * dx;
            sbb[k] += dy * dy;
        }
    }
    for (&x, &y) in rest_a.iter().zip(rest_b) {
        let (dx, dy) = (x - ma, y - mb);
        sab[0] += dx * dy;
        saa[0] += dx * dx;
        sbb[0] += dy * dy;
    }
    let total = |s: [f64; 4]| (s[0] + s[1]) + (s[2] + s[3]);
    let (sab, saa, sbb) = (total(sab), total(saa), total(sbb));
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
