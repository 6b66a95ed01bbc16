//! Per-call latency distributions: for an operation a service runs once per
//! event (an alert arriving), the mean of a benchmark hides what a promise
//! like "p99 under 100 µs" is about, so each call is timed on its own.

use serde::{Deserialize, Serialize};
use twinbench_http::record::nearest_rank;

/// One operation's per-call latencies, both sides, on the same stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LatencyResult {
    /// Identifies the measurement (`alert_correlation_per_alert`).
    pub name: String,
    /// The kernel pair whose code is timed (its correctness is checked there).
    pub pair: String,
    /// What one call is, and what it is measured against.
    pub description: String,
    /// The promise under test, in words, with where it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<LatencyTarget>,
    pub rust: Option<LatencyDistribution>,
    pub python: Option<LatencyDistribution>,
    /// Why a side is missing.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// "p`percentile` under `under_ns`", as promised by `source`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LatencyTarget {
    pub percentile: f64,
    pub under_ns: f64,
    pub source: String,
}

/// One side's per-call times: every sample as measured, in call order, and
/// the percentiles read off them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LatencyDistribution {
    /// Nanoseconds per call, in call order (nothing dropped, nothing capped).
    pub samples_ns: Vec<u64>,
    pub mean_ns: f64,
    pub p50_ns: u64,
    pub p90_ns: u64,
    /// `None` with fewer than 100 calls: a p99 needs a 1% tail to exist.
    pub p99_ns: Option<u64>,
    pub max_ns: u64,
}

impl LatencyDistribution {
    /// From the samples; `None` if there are none.
    pub fn from_samples(samples_ns: Vec<u64>) -> Option<Self> {
        let sorted = ascending(&samples_ns);
        let max_ns = *sorted.last()?;
        let mean_ns = sorted.iter().map(|&x| x as f64).sum::<f64>() / sorted.len() as f64;
        Some(Self {
            p50_ns: nearest_rank(&sorted, 50.0),
            p90_ns: nearest_rank(&sorted, 90.0),
            p99_ns: (sorted.len() >= 100).then(|| nearest_rank(&sorted, 99.0)),
            max_ns,
            mean_ns,
            samples_ns,
        })
    }

    pub fn calls(&self) -> usize {
        self.samples_ns.len()
    }

    /// The `percentile` (0 < p ≤ 100) by nearest rank: a measured sample,
    /// never an interpolation between two.
    pub fn percentile(&self, percentile: f64) -> u64 {
        nearest_rank(&self.sorted_samples(), percentile)
    }

    /// The samples in ascending order (they are kept in call order).
    pub fn sorted_samples(&self) -> Vec<u64> {
        ascending(&self.samples_ns)
    }
}

fn ascending(samples: &[u64]) -> Vec<u64> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_samples_by_nearest_rank() {
        let d = LatencyDistribution::from_samples((1..=200).rev().collect()).expect("some");
        assert_eq!(d.p50_ns, 100);
        assert_eq!(d.p90_ns, 180);
        assert_eq!(d.p99_ns, Some(198));
        assert_eq!(d.max_ns, 200);
        assert_eq!(d.mean_ns, 100.5);
        assert_eq!(d.samples_ns[0], 200, "call order kept");
        assert_eq!(d.percentile(100.0), 200);
        assert_eq!(d.percentile(0.1), 1);
    }

    #[test]
    fn a_short_run_has_no_p99_and_an_empty_one_no_distribution() {
        let d = LatencyDistribution::from_samples(vec![5, 1, 3]).expect("some");
        assert_eq!((d.p50_ns, d.p90_ns, d.p99_ns), (3, 5, None));
        assert!(LatencyDistribution::from_samples(Vec::new()).is_none());
    }
}
