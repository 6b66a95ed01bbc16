//! What an HTTP measurement records: the load runs, the servers' memory,
//! the config reload, as written to JSON by the bench binary and read back
//! by the report. Plain data (serde only), compiled without the HTTP
//! runtime, so the report can read it without linking a server.
//!
//! Latencies are summarised by nearest-rank percentiles, so p99.9 of 20,000
//! requests is an observed request's latency and not an interpolation.

use serde::{Deserialize, Serialize};

/// Percentiles and extremes of a run's request latencies, in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// The smallest value with at least `percent` (0 < p ≤ 100) of the values
/// at or below it: an observed value, never an interpolation. `sorted` is
/// non-empty and ascending.
pub fn nearest_rank(sorted: &[u64], percent: f64) -> u64 {
    let n = sorted.len();
    // ceil(p/100 * n), in 1..=n; the tiny epsilon keeps 99.9% of 1000
    // (999.0000000000001 in floating point) at rank 999.
    let rank = ((percent / 100.0 * n as f64) - 1e-9).ceil().max(1.0) as usize;
    sorted[rank.min(n) - 1]
}

/// One load run's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LoadReport {
    pub connections: usize,
    /// Requests that got a response (any status).
    pub completed: u64,
    /// Responses with a status outside 200–299.
    pub non_2xx: u64,
    /// Requests that failed in transport (refused, reset, malformed reply).
    pub transport_errors: u64,
    /// Requests still in flight when the run's time ran out, abandoned
    /// (not failures: the run stopped waiting for them).
    pub timed_out: u64,
    /// From the first request sent to the last response read.
    pub elapsed_s: f64,
    /// `completed / elapsed_s`.
    pub requests_per_s: f64,
    /// `None` when nothing completed.
    pub latency: Option<LatencySummary>,
    /// Length of each of `windows`, in seconds.
    pub window_s: f64,
    /// The run cut into consecutive windows of `window_s` (the last, partial
    /// one dropped), by when each response ended: the repeated samples a
    /// throughput or mean-latency ratio's confidence interval is drawn from.
    pub windows: Vec<LoadWindow>,
}

/// Responses that ended in one window of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LoadWindow {
    pub completed: u64,
    /// Mean latency of those responses; `None` for an empty window.
    pub mean_latency_us: Option<f64>,
}

/// Cuts `(ended_ns, latency_ns)` pairs (time since the run started, any
/// order) into windows of `window_ns`; the window still open at
/// `elapsed_ns` is dropped, so every window is a full one.
pub fn windows(done: &[(u64, u64)], elapsed_ns: u64, window_ns: u64) -> Vec<LoadWindow> {
    let full = (elapsed_ns / window_ns.max(1)) as usize;
    let mut sums = vec![(0u64, 0u128); full];
    for &(ended, latency) in done {
        if let Some(slot) = sums.get_mut((ended / window_ns.max(1)) as usize) {
            slot.0 += 1;
            slot.1 += u128::from(latency);
        }
    }
    sums.into_iter()
        .map(|(completed, total)| LoadWindow {
            completed,
            mean_latency_us: (completed > 0).then(|| total as f64 / completed as f64 / 1_000.0),
        })
        .collect()
}

/// Peak memory of a server's processes over a sampling window, in bytes
/// (`memory.rs` says why sums of PSS).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemoryPeak {
    /// The largest sum of PSS over the server's processes in any sample.
    pub peak_pss_bytes: u64,
    /// The largest sum of RSS in any sample (shared pages counted per process).
    pub peak_rss_bytes: u64,
    /// Sum over the processes alive at the end of each one's VmHWM.
    pub hwm_sum_bytes: u64,
    pub samples: u64,
    /// Processes seen in the last sample.
    pub processes: usize,
}

/// The whole HTTP measurement (`twinbench-http-bench`'s output): both
/// servers under the same load on copies of the same database, and the
/// Rust server's config reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HttpBench {
    /// When the measurement started (ms since the Unix epoch): the report
    /// takes it only if it is newer than the pairs bench it reports.
    pub started_unix_ms: u64,
    pub database: DatabaseShape,
    /// The request mix every connection cycles through, one line each
    /// (`GET /api/tasks?status=pending&limit=50`).
    pub mix: Vec<String>,
    /// Each run stops after this many requests or seconds, whichever first.
    pub request_bound: u64,
    pub duration_bound_s: f64,
    pub servers: Vec<ServerMeasure>,
    /// `None` when the Rust server could not be measured.
    pub reload: Option<ReloadMeasure>,
    /// What could not be measured, and why.
    pub problems: Vec<String>,
}

/// The generated database both servers start from (each on its own copy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatabaseShape {
    pub tasks: usize,
    pub sessions: usize,
    pub seed: u64,
}

/// One server under load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServerMeasure {
    /// `python` (the original's stack) or `rust` (the twin).
    pub side: String,
    /// What served: framework, server, workers, versions.
    pub stack: String,
    /// One run per connection count, in the order run.
    pub runs: Vec<LoadReport>,
    /// Over all runs; `None` if the server never started.
    pub memory: Option<MemoryPeak>,
    /// Why a run is missing.
    pub problems: Vec<String>,
}

/// Claim C25: how long a rule change takes to reach responses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReloadMeasure {
    /// The change made, in words.
    pub change: String,
    /// From the rule file's write to the first response that obeys it.
    pub delay_ms: f64,
    /// Requests answered while the change was in flight (background load).
    pub requests_during: u64,
    /// Of those, how many failed (status outside 200–299 or transport).
    pub failed_during: u64,
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
    fn windows_are_full_ones_by_end_time() {
        let done = [(5, 2_000), (15, 4_000), (17, 6_000), (31, 1_000)];
        let w = windows(&done, 35, 10);
        assert_eq!(w.len(), 3, "the window 30..40 is still open at 35");
        assert_eq!(w[0].completed, 1);
        assert_eq!(w[1].completed, 2);
        assert_eq!(w[1].mean_latency_us, Some(5.0));
        assert_eq!(w[2].completed, 0);
        assert_eq!(w[2].mean_latency_us, None);
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
