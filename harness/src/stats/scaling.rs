//! Log–log scaling slope: how a side's cost grows with input size.
//!
//! Fitting `log t = b·log n + c` by least squares over the measured sizes
//! gives `b`: 1 for linear growth, 2 for quadratic. Two sides with different
//! slopes have a speedup that depends on size, which a single ratio hides.

/// Least-squares slope of `ln(time)` against `ln(size)`; `None` with fewer
/// than two distinct sizes or any non-positive value.
pub fn loglog_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.iter().any(|&(n, t)| !(n > 0.0 && t > 0.0)) {
        return None;
    }
    let logs: Vec<(f64, f64)> = points.iter().map(|&(n, t)| (n.ln(), t.ln())).collect();
    let count = logs.len() as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / count;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_power_laws() {
        let linear = [(1e3, 2e3), (1e4, 2e4), (1e5, 2e5)];
        let quadratic = [(10.0, 100.0), (20.0, 400.0), (40.0, 1600.0)];
        assert!((loglog_slope(&linear).expect("fit") - 1.0).abs() < 1e-12);
        assert!((loglog_slope(&quadratic).expect("fit") - 2.0).abs() < 1e-12);
    }

    #[test]
    fn needs_two_distinct_positive_sizes() {
        assert_eq!(loglog_slope(&[(10.0, 1.0)]), None);
        assert_eq!(loglog_slope(&[(10.0, 1.0), (10.0, 2.0)]), None);
        assert_eq!(loglog_slope(&[(10.0, 1.0), (20.0, 0.0)]), None);
    }
}
