//! Wilson score interval for a binomial proportion: an error rate from a
//! count of failures, with an honest interval even at zero failures.

use super::Estimate;

/// Wilson score interval for `k` events in `n` trials (95%).
pub fn wilson(k: usize, n: usize) -> Estimate {
    let (k, n) = (k as f64, n as f64);
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    Estimate {
        point: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        confidence: 0.95,
    }
}
