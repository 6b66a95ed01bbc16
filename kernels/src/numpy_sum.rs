//! numpy's summation order for contiguous float64 (`np.sum`, `np.mean`):
//! twins that must agree with numpy bit for bit add in this order, not left
//! to right.

/// numpy's reduction buffer: pairwise inside each 8192-value chunk, chunk
/// sums added left to right (checked bit for bit against `ndarray.sum`).
pub const NUMPY_BUFSIZE: usize = 8192;

/// numpy's `pairwise_sum` for contiguous doubles: sequential below 8
/// values, eight interleaved accumulators up to 128, halves (cut at a
/// multiple of 8) above.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |s, &v| s + v);
    }
    if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for block in a[8..whole].chunks_exact(8) {
            r.iter_mut().zip(block).for_each(|(acc, &v)| *acc += v);
        }
        let tree = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        return a[whole..].iter().fold(tree, |s, &v| s + v);
    }
    let half = n / 2;
    let half = half - half % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

/// `np.sum(a)` of a contiguous 1-D float64 array.
pub fn numpy_sum(a: &[f64]) -> f64 {
    a.chunks(NUMPY_BUFSIZE)
        .fold(0.0, |s, chunk| s + pairwise_sum(chunk))
}

/// `np.mean(a)`: the sum divided by the count (NaN for no values, as numpy
/// after its warning).
pub fn numpy_mean(a: &[f64]) -> f64 {
    numpy_sum(a) / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from numpy 2.2.6: `np.full(n, 0.1).sum()`.
    #[test]
    fn sums_of_tenths_round_as_numpy_rounds_them() {
        assert_eq!(numpy_sum(&[0.1; 10]), 1.0);
        assert_eq!(
            numpy_sum(&[0.1; 7]),
            0.1 + 0.1 + 0.1 + 0.1 + 0.1 + 0.1 + 0.1
        );
        let left_to_right = [0.1; 1000].iter().sum::<f64>();
        assert_eq!(numpy_sum(&[0.1; 1000]), 100.00000000000001);
        assert_ne!(left_to_right, numpy_sum(&[0.1; 1000]));
        assert!(numpy_mean(&[]).is_nan());
    }
}
