//! Metric time series with labelled injected anomalies.

use twinbench_kernels::detect::Timestamps;

use super::SplitMix64;

/// The series' `timestamp` column: one row per sample, 5 minutes apart, from
/// 2026-01-01T00:00:00 (pandas `datetime64[ns]`; Python:
/// `detect.TIMESTAMP_ORIGIN` / `TIMESTAMP_STEP`). The origin is arbitrary
/// and fixed so that inputs are reproducible.
pub const SPIKE_TIMESTAMPS: Timestamps = Timestamps {
    origin_ns: 1_767_225_600_000_000_000,
    step_ns: 300_000_000_000,
};

/// A metric sampled at a fixed interval, and where spikes were injected.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSeries {
    pub values: Vec<f64>,
    /// Indices of the injected spikes, increasing: the ground truth a detector
    /// is scored against.
    pub injected: Vec<usize>,
}

/// Samples per simulated day (5-minute resolution).
const DAY: f64 = 288.0;
const LEVEL: f64 = 1000.0;
const DAILY_AMPLITUDE: f64 = 150.0;
const NOISE_SIGMA: f64 = 10.0;
/// Probability that a point carries an injected spike.
const SPIKE_RATE: f64 = 0.002;

/// A node-operations-like metric: a daily cycle around a level, Gaussian
/// noise, and spikes of 8–20 noise sigmas injected at rate 0.2%.
pub fn metric_series(n: usize, rng: &mut SplitMix64) -> MetricSeries {
    let mut values = Vec::with_capacity(n);
    let mut injected = Vec::new();
    for i in 0..n {
        let phase = std::f64::consts::TAU * (i as f64) / DAY;
        let mut value = LEVEL + DAILY_AMPLITUDE * phase.sin() + NOISE_SIGMA * rng.normal();
        if rng.unit() < SPIKE_RATE {
            value += NOISE_SIGMA * (8.0 + 12.0 * rng.unit());
            injected.push(i);
        }
        values.push(value);
    }
    MetricSeries { values, injected }
}

/// Mean searches per sample of [`metric_counter`], and its daily swing
/// and noise.
const SEARCH_LEVEL: f64 = 50.0;
const SEARCH_AMPLITUDE: f64 = 15.0;
const SEARCH_NOISE: f64 = 5.0;

/// A `*_total` counter (the search-operations counter): starts at 0 and
/// grows each sample by a daily-cycling rate around 50 with noise, never
/// negative; at 0.2% of samples a burst adds 100–250 searches (a flood: two
/// to five times the 95th percentile of the rate). `injected` lists the
/// bursts.
pub fn metric_counter(n: usize, rng: &mut SplitMix64) -> MetricSeries {
    let mut values = Vec::with_capacity(n);
    let mut injected = Vec::new();
    let mut total = 0.0;
    for i in 0..n {
        let phase = std::f64::consts::TAU * (i as f64) / DAY;
        let mut increase =
            (SEARCH_LEVEL + SEARCH_AMPLITUDE * phase.sin() + SEARCH_NOISE * rng.normal()).max(0.0);
        if rng.unit() < SPIKE_RATE {
            increase += 100.0 + 150.0 * rng.unit();
            injected.push(i);
        }
        total += increase;
        values.push(total);
    }
    MetricSeries { values, injected }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_at_about_the_stated_rate() {
        let s = metric_series(100_000, &mut SplitMix64::new(3));
        let rate = s.injected.len() as f64 / 100_000.0;
        assert!((0.0015..0.0025).contains(&rate), "rate {rate}");
        assert!(s.injected.is_sorted());
    }
}
