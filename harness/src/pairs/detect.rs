//! AI detection K1.1: the rolling spike detector (catalog ml_monitoring.md).

use twinbench_kernels::detect;

use super::glue::{expect_series, prepare_series};
use super::{
    Domain, KernelPair, OriginalUse, OutputKind, Prepared, PythonFunction, RustTwin, TwinError,
};
use crate::compare::{Comparison, Tolerance};
use crate::compare::{Event, Output};
use crate::inputs::Generator;
use crate::inputs::SPIKE_TIMESTAMPS;

pub(super) const SPIKE_DETECTOR: KernelPair = KernelPair {
    name: "spike_detector",
    domain: Domain::Detection,
    summary: "ml_monitoring K1.1 detect_node_creation_anomalies: rolling-20 mean + \
              3·sample-std spike rule (pandas rolling, window includes the point, strict >), \
              then the original's hit loop: per spike eight scalar .loc lookups and a record \
              with the row's timestamp and a description string",
    python: PythonFunction {
        module: "twinbench_baselines.detect",
        function: "spike_detector",
    },
    output: OutputKind::Events,
    rust: RustTwin {
        prepare: prepare_series,
        run: run_spike_detector,
        run_parallel: Some(run_spike_detector_parallel),
    },
    generator: Generator::MetricSeries,
    comparison: Comparison::ExactEvents,
    // pandas slides a Kahan-compensated Welford state over the series;
    // the twin reports exact two-pass statistics of each firing window.
    // Both are within ~1e-12 relative of the exact window mean, so 1e-9
    // leaves room without hiding a wrong window (a one-point shift moves
    // the mean by ~1e-3 relative).
    tolerance: Tolerance {
        rtol: 1e-9,
        atol: 1e-9,
    },
    tolerance_rationale: "pandas slides a running mean/variance, the twin confirms each \
                          spike with exact two-pass window statistics; they differ only \
                          in rounding (~1e-12 relative)",
    sizes: &[10_000, 100_000, 1_000_000],
    claims: &["C02", "C06", "C09"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: None,
    },
};

/// The original's records as events; each event's index is read back from
/// its record's timestamp, as the Python side reads it from the
/// `pd.Timestamp`, so the timestamps are compared too.
fn records_to_events(spikes: Vec<detect::Spike>) -> Result<Output, TwinError> {
    let records = detect::node_creation_anomalies(spikes, SPIKE_TIMESTAMPS)?;
    Ok(Output::Events(
        records
            .into_iter()
            .map(|r| Event {
                index: SPIKE_TIMESTAMPS.row(r.timestamp_ns).unwrap_or(usize::MAX),
                value: r.spike.value,
                baseline: r.spike.baseline,
                severity: match r.spike.severity {
                    detect::Severity::Medium => 0,
                    detect::Severity::High => 1,
                },
                margin: Some(r.spike.margin),
            })
            .collect(),
    ))
}

fn run_spike_detector(prepared: &Prepared) -> Result<Output, TwinError> {
    let spikes = detect::detect_spikes(expect_series(prepared)?, detect::SpikeParams::default());
    records_to_events(spikes)
}

fn run_spike_detector_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    let values = expect_series(prepared)?;
    let spikes = detect::detect_spikes_parallel(values, detect::SpikeParams::default());
    records_to_events(spikes)
}
