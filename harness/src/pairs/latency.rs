//! Per-call latency measurements: operations a service runs once per event
//! (an alert arriving), where the promise is about the tail of single calls
//! ("p99 under 100 µs"), not about the mean of a batch. Each spec names
//! the pair whose code it times: correctness is checked by that pair, on
//! the same generator.
//!
//! A spec is measured when the scenario runs its pair at the spec's window
//! size (the full profile does; the gate's quick profile, at the smallest
//! size only, does not). Specs are chosen by pair name and sizes, not by a
//! scenario's plan: `scenario` depends on `pairs`, never the reverse.

use super::{PythonFunction, TwinError, alerting, errors};
use crate::inputs::Input;

/// One latency measurement.
#[derive(Debug)]
pub struct LatencySpec {
    pub name: &'static str,
    /// The pair whose twin and baseline are timed.
    pub pair: &'static str,
    pub description: &'static str,
    /// (percentile, under this many nanoseconds, who promised it).
    pub target: Option<(f64, f64, &'static str)>,
    /// History each call is measured against (a size of the pair).
    pub window: usize,
    pub rust_calls: usize,
    /// Fewer: the Python call is ~2,000 times slower.
    pub python_calls: usize,
    /// `python(prepared, calls)` returns one time per call in nanoseconds,
    /// taken around the call inside Python (no pyo3 crossing in it).
    pub python: PythonFunction,
    /// The input: `window` alerts of history, then at least `calls` more.
    pub input: fn(window: usize, calls: usize, seed: u64) -> Input,
    /// The twin's per-call times over the first `calls` events.
    pub rust: fn(input: &Input, calls: usize) -> Result<Vec<u64>, TwinError>,
}

/// Every latency measurement twinbench knows.
pub static LATENCIES: &[LatencySpec] = &[alerting::ALERT_LATENCY, errors::ERROR_LATENCY];

impl LatencySpec {
    /// Whether a scenario running `pair` at `sizes` calls for it.
    pub fn wanted_by(&self, pair: &str, sizes: &[usize]) -> bool {
        pair == self.pair && sizes.contains(&self.window)
    }

    /// The input both sides are timed on, for the scenario's seed.
    pub fn input_for(&self, seed: u64) -> Input {
        (self.input)(self.window, self.rust_calls.max(self.python_calls), seed)
    }
}

/// The specs a scenario running `pair` at `sizes` calls for.
pub fn for_pair<'a>(
    pair: &'a str,
    sizes: &'a [usize],
) -> impl Iterator<Item = &'static LatencySpec> + 'a {
    LATENCIES.iter().filter(move |s| s.wanted_by(pair, sizes))
}
