//! The latency distribution of one load run: every request's time kept
//! (runs are bounded in requests, so the vector is too), summarised by
//! nearest-rank percentiles, so p99.9 of 20,000 requests is an observed
//! request's latency and not an interpolation between two.

use serde::Serialize;

/// Percentiles and extremes of a run's request latencies, in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Requests the summary covers (completed, any status).
    pub count: usize,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub p99_9_us: f64,
    pub max_us: f64,
}

impl LatencySummary {
    /// Summarises `nanos` (sorted here). `None` for an empty run: a run with
    /// no completed request has no latency, not a latency of zero.
    pub fn of(mut nanos: Vec<u64>) -> Option<Self> {
        if nanos.is_empty() {
            return None;
        }
        nanos.sort_unstable();
        let us = |ns: u64| ns as f64 / 1_000.0;
        let sum: u128 = nanos.iter().map(|&n| u128::from(n)).sum();
        Some(Self {
            count: nanos.len(),
            mean_us: sum as f64 / nanos.len() as f64 / 1_000.0,
            p50_us: us(nearest_rank(&nanos, 50.0)),
            p90_us: us(nearest_rank(&nanos, 90.0)),
            p99_us: us(nearest_rank(&nanos, 99.0)),
            p99_9_us: us(nearest_rank(&nanos, 99.9)),
            max_us: us(nanos[nanos.len() - 1]),
        })
    }
}

/// The smallest value with at least `percent` of the values at or below it.
/// `sorted` is non-empty and ascending.
fn nearest_rank(sorted: &[u64], percent: f64) -> u64 {
    let n = sorted.len();
    // ceil(p/100 * n), in 1..=n; the tiny epsilon keeps 99.9% of 1000
    // (999.0000000000001 in floating point) at rank 999.
    let rank = ((percent / 100.0 * n as f64) - 1e-9).ceil().max(1.0) as usize;
    sorted[rank.min(n) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_observed_values() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(nearest_rank(&v, 50.0), 500);
        assert_eq!(nearest_rank(&v, 99.0), 990);
        assert_eq!(nearest_rank(&v, 99.9), 999);
        assert_eq!(nearest_rank(&v, 100.0), 1000);
        assert_eq!(nearest_rank(&[7], 99.9), 7);
        assert_eq!(nearest_rank(&[1, 2], 50.0), 1);
        assert_eq!(nearest_rank(&[1, 2], 50.1), 2);
    }

    #[test]
    fn summary_is_in_microseconds_and_empty_is_none() {
        assert_eq!(LatencySummary::of(Vec::new()), None);
        let s = LatencySummary::of(vec![3_000, 1_000, 2_000]).expect("three values");
        assert_eq!(s.count, 3);
        assert_eq!(s.p50_us, 2.0);
        assert_eq!(s.max_us, 3.0);
        assert_eq!(s.mean_us, 2.0);
    }
}
