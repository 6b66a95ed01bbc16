//! The AI performance optimizer's metric history: a stream of
//! `PerformanceMetric`s as its collection loop appends them, with the
//! isolation forest's verdict for each (K5.2–K5.6 take that verdict as an
//! input; the model itself is K5.1's).
//!
//! Shaped like the original's `_load_historical_data` (ml_monitoring.md
//! K5.1): one collection every 5 minutes from 2026-01-01 00:00 UTC,
//! WebSocket latency 50±10 ms with 5% spikes of +N(50, 20), CRDT latency
//! 100±20 ms with 3% spikes of +N(100, 30), memory efficiency 0.7±0.1
//! clipped to [0.1, 1.0] with 2% spikes of +N(0.2, 0.1); plus the other two
//! metrics the optimizer has thresholds for (RBAC verification time, audit
//! logging overhead) and one it does not know (an error count that is
//! mostly 0, so medians of 0 and the deviation against them occur).
//!
//! What production streams have and the kernels must survive is planted
//! too: each metric of one collection shares its timestamp; 5% of samples
//! arrive late (stamped between one and three collections earlier: out of
//! order); 1%
//! of samples are sent twice (same metric, component, value and second: a
//! tie within a metric that carries equal values, so the original's
//! unstable sort cannot change a trend, see kernels::optimizer::trend); 10%
//! are reported by another component than the metric's usual one; about 5%
//! of collections miss a metric.

use super::SplitMix64;

/// Metric names, by index. The last is one the optimizer has no thresholds
/// for.
pub const HISTORY_METRICS: [&str; 6] = [
    "websocket_connection_latency",
    "crdt_operation_latency",
    "memory_usage_efficiency",
    "rbac_permission_verification_time",
    "audit_logging_overhead",
    "grpc_error_count",
];

/// Component names, by index; metric `m`'s usual component is
/// `HOME_COMPONENT[m]`.
pub const HISTORY_COMPONENTS: [&str; 5] = [
    "websocket_server",
    "crdt_engine",
    "memory_manager",
    "auth_service",
    "api_gateway",
];
const HOME_COMPONENT: [u32; 6] = [0, 1, 2, 3, 3, 4];

/// 2026-01-01T00:00:00Z, the first collection.
pub const HISTORY_ORIGIN: i64 = 1_767_225_600;
/// Seconds between collections.
pub const HISTORY_STEP: i64 = 300;

/// A stream of samples, one column per field (row `i` is sample `i`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricHistory {
    /// Index into [`HISTORY_METRICS`].
    pub metric: Vec<u32>,
    /// Index into [`HISTORY_COMPONENTS`].
    pub component: Vec<u32>,
    pub value: Vec<f64>,
    /// Epoch seconds, UTC.
    pub timestamp: Vec<i64>,
    /// The model's verdict: `predict(...) == -1`.
    pub anomalous: Vec<bool>,
    /// Whether a spike was planted: the truth a model is scored against.
    pub spike: Vec<bool>,
}

impl MetricHistory {
    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    fn push(&mut self, metric: u32, component: u32, value: f64, timestamp: i64, spike: bool) {
        self.metric.push(metric);
        self.component.push(component);
        self.value.push(value);
        self.timestamp.push(timestamp);
        self.spike.push(spike);
    }
}

/// A value of metric `m` and whether it is a spike.
fn draw(m: usize, rng: &mut SplitMix64) -> (f64, bool) {
    let (rate, value) = match m {
        0 => (0.05, 50.0 + 10.0 * rng.normal()),
        1 => (0.03, 100.0 + 20.0 * rng.normal()),
        2 => (0.02, (0.7 + 0.1 * rng.normal()).clamp(0.1, 1.0)),
        3 => (0.03, 20.0 + 4.0 * rng.normal()),
        4 => (0.02, 5.0 + rng.normal()),
        _ => {
            // Mostly no errors; a burst is a spike.
            let burst = rng.unit() < 0.05;
            let count = if burst {
                5.0 + rng.below(20) as f64
            } else if rng.unit() < 0.15 {
                1.0 + rng.below(3) as f64
            } else {
                0.0
            };
            return (count, burst);
        }
    };
    if rng.unit() >= rate {
        return (value, false);
    }
    let jump = match m {
        0 => 50.0 + 20.0 * rng.normal(),
        1 => 100.0 + 30.0 * rng.normal(),
        2 => 0.2 + 0.1 * rng.normal(),
        3 => 40.0 + 10.0 * rng.normal(),
        _ => 15.0 + 5.0 * rng.normal(),
    };
    (value + jump, true)
}

/// `n` samples of the optimizer's stream (see the module docs).
pub fn metric_history(n: usize, rng: &mut SplitMix64) -> MetricHistory {
    let mut h = MetricHistory::default();
    let mut collection: i64 = 0;
    while h.len() < n {
        let now = HISTORY_ORIGIN + HISTORY_STEP * collection;
        for (m, &home) in HOME_COMPONENT.iter().enumerate() {
            if h.len() == n {
                break;
            }
            if rng.unit() < 0.05 {
                continue;
            }
            let (value, spike) = draw(m, rng);
            let component = if rng.unit() < 0.1 {
                rng.below(HISTORY_COMPONENTS.len() as u64) as u32
            } else {
                home
            };
            let late = rng.unit() < 0.05;
            // A late sample falls between collections, at a second that is
            // unique per collection (`1 + collection % 299`), so it never
            // ties with another sample of its metric.
            let timestamp = if late {
                now - HISTORY_STEP * (1 + rng.below(3) as i64) + 1 + collection % 299
            } else {
                now
            };
            h.push(m as u32, component, value, timestamp, spike);
            if rng.unit() < 0.01 && h.len() < n {
                h.push(m as u32, component, value, timestamp, spike);
            }
        }
        collection += 1;
    }
    // The verdicts: what a contamination-0.1 forest would flag, roughly:
    // most planted spikes and ~7% of the rest.
    h.anomalous = h
        .spike
        .iter()
        .map(|&spike| rng.unit() < if spike { 0.9 } else { 0.07 })
        .collect();
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_has_what_the_kernels_must_survive() {
        let h = metric_history(20_000, &mut SplitMix64::new(11));
        assert_eq!(h.len(), 20_000);
        assert!(
            [
                h.metric.len(),
                h.component.len(),
                h.timestamp.len(),
                h.anomalous.len()
            ]
            .iter()
            .all(|&l| l == 20_000)
        );
        let out_of_order = h.timestamp.windows(2).filter(|w| w[1] < w[0]).count();
        assert!(out_of_order > 100, "{out_of_order}");
        // Ties within a metric carry equal values.
        let mut rows: Vec<(u32, i64, u64)> = (0..h.len())
            .map(|i| (h.metric[i], h.timestamp[i], h.value[i].to_bits()))
            .collect();
        rows.sort_unstable();
        let same_second = rows
            .windows(2)
            .filter(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1));
        assert!(same_second.clone().count() > 50);
        assert!(same_second.clone().all(|w| w[0].2 == w[1].2));
        let flagged = h.anomalous.iter().filter(|&&a| a).count() as f64 / 20_000.0;
        assert!((0.07..0.14).contains(&flagged), "{flagged}");
        let zeros = (0..h.len())
            .filter(|&i| h.metric[i] == 5 && h.value[i] == 0.0)
            .count();
        assert!(zeros > 1_000, "{zeros}");
        let memory = (0..h.len())
            .filter(|&i| h.metric[i] == 2)
            .map(|i| h.value[i]);
        assert!(memory.clone().all(|v| v > 0.0));
    }
}
