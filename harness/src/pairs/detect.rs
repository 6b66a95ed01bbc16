//! AI detection's anomaly patterns (catalog ml_monitoring.md K1.1–K1.3): the
//! rolling spike detector, the search-flood rule and the memory-growth rule.

use crate::pins::PinSet;
use twinbench_kernels::detect;
use twinbench_kernels::detect::ensemble;

use super::glue::{expect_matrix, expect_series, prepare_matrix, prepare_series};
use super::{
    Domain, KernelPair, OriginalUse, OutputKind, Prepared, PythonFunction, RustTwin, TwinError,
    twin_from_python,
};
use crate::compare::{Comparison, Tolerance};
use crate::compare::{Event, Output};
use crate::inputs::Generator;
use crate::inputs::SPIKE_TIMESTAMPS;

pub(super) const SPIKE_DETECTOR: KernelPair = KernelPair {
    name: "spike_detector",
    pins: PinSet::Server,
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
    alternatives: &[twin_from_python(
        "spike_detector",
        "twinbench.monitoring.detect_node_creation_anomalies in place of the original method: \
         the twin as the Python service gets it, the frame in and the alert dicts out; its \
         ratio to the Rust column is the cost of crossing from Python",
    )],
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

pub(super) const SEARCH_FLOOD: KernelPair = KernelPair {
    name: "search_flood",
    pins: PinSet::Server,
    domain: Domain::Detection,
    summary: "ml_monitoring K1.2 detect_search_anomalies: the search counter's \
              diff().fillna(0), its quantile(0.95) (numpy linear), a flood where the rate \
              exceeds twice it, one record per flood with the row's timestamp and a description",
    python: PythonFunction {
        module: "twinbench_baselines.detect",
        function: "search_flood",
    },
    output: OutputKind::Events,
    rust: RustTwin {
        prepare: prepare_series,
        run: run_search_flood,
        run_parallel: None,
    },
    generator: Generator::MetricCounter,
    comparison: Comparison::ExactEvents,
    tolerance: super::EXACT,
    tolerance_rationale: "the same subtractions, the same order statistics and numpy's \
                          interpolation formula: bit-identical",
    sizes: &[10_000, 100_000, 1_000_000],
    claims: &["C02", "C06", "C09"],
    alternatives: &[twin_from_python(
        "search_flood",
        "twinbench.detection.detect_search_anomalies in place of the original method: the twin as the Python service gets it; its ratio to the Rust column is \
         the cost of crossing from Python",
    )],
    original: OriginalUse {
        timed_by: None,
        called_by: None,
    },
};

pub(super) const MEMORY_GROWTH: KernelPair = KernelPair {
    name: "memory_growth",
    pins: PinSet::Server,
    domain: Domain::Detection,
    summary: "ml_monitoring K1.3 detect_memory_growth_anomalies: the node count's \
              pct_change() as pandas 2.2 computes it (NaNs forward-filled first), fillna(0), \
              growth above 10% reported and above 20% critical, one record per row",
    python: PythonFunction {
        module: "twinbench_baselines.detect",
        function: "memory_growth",
    },
    output: OutputKind::Events,
    rust: RustTwin {
        prepare: prepare_series,
        run: run_memory_growth,
        run_parallel: None,
    },
    generator: Generator::MetricSeries,
    comparison: Comparison::ExactEvents,
    tolerance: super::EXACT,
    tolerance_rationale: "one division and one subtraction per row, as pandas does them: \
                          bit-identical",
    sizes: &[10_000, 100_000, 1_000_000],
    claims: &["C02", "C06", "C09"],
    alternatives: &[twin_from_python(
        "memory_growth",
        "twinbench.detection.detect_memory_growth_anomalies in place of the original method: the twin as the Python service gets it; its ratio to the Rust column is \
         the cost of crossing from Python",
    )],
    original: OriginalUse {
        timed_by: None,
        called_by: None,
    },
};

fn run_search_flood(prepared: &Prepared) -> Result<Output, TwinError> {
    let floods = detect::search_floods(expect_series(prepared)?, SPIKE_TIMESTAMPS)?;
    Ok(Output::Events(
        floods
            .into_iter()
            .map(|f| Event {
                index: f.index,
                value: f.rate,
                baseline: f.threshold,
                severity: 0,
                margin: Some(f.margin),
            })
            .collect(),
    ))
}

fn run_memory_growth(prepared: &Prepared) -> Result<Output, TwinError> {
    let found = detect::memory_growth_anomalies(expect_series(prepared)?, SPIKE_TIMESTAMPS)?;
    Ok(Output::Events(
        found
            .into_iter()
            .map(|a| Event {
                index: a.index,
                value: a.growth_rate,
                baseline: 0.1,
                severity: match a.severity {
                    detect::GrowthSeverity::High => 0,
                    detect::GrowthSeverity::Critical => 1,
                },
                margin: Some(a.margin),
            })
            .collect(),
    ))
}

/// Severity codes of the ensemble's alerts (Python: `anomaly.SEVERITY_CODES`).
fn alert_severity_code(severity: ensemble::AlertSeverity) -> u8 {
    match severity {
        ensemble::AlertSeverity::Low => 0,
        ensemble::AlertSeverity::Medium => 1,
        ensemble::AlertSeverity::High => 2,
        ensemble::AlertSeverity::Critical => 3,
    }
}

fn alerts_to_events(alerts: Vec<ensemble::EnsembleAlert>) -> Output {
    Output::Events(
        alerts
            .into_iter()
            .map(|a| Event {
                index: a.index,
                value: a.score,
                baseline: a.threshold,
                severity: alert_severity_code(a.severity),
                margin: Some(a.score - a.threshold),
            })
            .collect(),
    )
}

pub(super) const ENSEMBLE_ALERTS: KernelPair = KernelPair {
    name: "ensemble_alerts",
    // K1.4 runs under the monitoring package's pins (crate::pins).
    pins: PinSet::Monitoring,
    domain: Domain::Detection,
    summary: "ml_monitoring K1.4 EnsembleAnomalyDetector.detect_anomalies given the models' \
              raw decision values: min-max normalisation, weights 0.6/0.4 (no TensorFlow), \
              np.percentile 90 threshold, an AnomalyAlert per row above it with severity, \
              confidence, context and recommendations",
    python: PythonFunction {
        module: "twinbench_baselines.anomaly",
        function: "ensemble_alerts",
    },
    output: OutputKind::Events,
    rust: RustTwin {
        prepare: prepare_matrix,
        run: run_ensemble_alerts,
        run_parallel: None,
    },
    // Two columns: the isolation forest's and the SVM's decision values.
    generator: Generator::MetricFrame { cols: 2 },
    comparison: Comparison::ExactEvents,
    tolerance: super::EXACT,
    tolerance_rationale: "the deterministic half of the detector fed the same raw scores: \
                          numpy's elementwise operations in numpy's order and its \
                          percentile, bit-identical",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C02", "C06", "C09"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("RealTimeAnomalyMonitor._monitoring_loop (anomaly_detector.py)"),
    },
};

fn run_ensemble_alerts(prepared: &Prepared) -> Result<Output, TwinError> {
    let scores = expect_matrix(prepared)?;
    let (isolation_forest, svm): (Vec<f64>, Vec<f64>) = (0..scores.rows())
        .map(|i| (scores.row(i)[0], scores.row(i)[1]))
        .unzip();
    let alerts = ensemble::ensemble_alerts(
        &isolation_forest,
        &svm,
        0.1,
        ensemble::Orientation::AsWritten,
        SPIKE_TIMESTAMPS,
    )?;
    Ok(alerts_to_events(alerts))
}

pub(super) const TWO_SIGMA: KernelPair = KernelPair {
    name: "two_sigma",
    pins: PinSet::Server,
    domain: Domain::Detection,
    summary: "analytics K28 MetricEvaluator._detect_anomaly as values arrive: over the up-to-100 \
              values before each one (at least 10), statistics.mean and statistics.stdev \
              (exact rational arithmetic, correctly rounded), anomalous when \
              |x - mean| > 2·stdev; any exception means not anomalous",
    python: PythonFunction {
        module: "twinbench_baselines.alerting",
        function: "two_sigma",
    },
    output: OutputKind::Events,
    rust: RustTwin {
        prepare: prepare_series,
        run: run_two_sigma,
        run_parallel: Some(run_two_sigma_parallel),
    },
    generator: Generator::MetricSeries,
    comparison: Comparison::ExactEvents,
    tolerance: super::EXACT,
    tolerance_rationale: "the twin keeps the window's sums as exact integers and rounds the \
                          mean and the square root of the exact variance once, as Python's \
                          statistics module does: bit-identical",
    sizes: &[1_000, 2_000, 5_000],
    claims: &["C06"],
    alternatives: &[twin_from_python(
        "two_sigma",
        "the original's loop over arriving values with twinbench.alerting._detect_anomaly in place of its per-value check: the twin as the Python service gets it; its ratio to the Rust column is \
         the cost of crossing from Python",
    )],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "MetricEvaluator's condition check for rules whose condition is 'anomaly' (alerting_system.py)",
        ),
    },
};

fn two_sigma_events(found: Vec<detect::two_sigma::TwoSigmaAnomaly>) -> Output {
    Output::Events(
        found
            .into_iter()
            .map(|a| Event {
                index: a.index,
                value: a.value,
                baseline: a.mean,
                severity: 0,
                margin: Some((a.value - a.mean).abs() - 2.0 * a.stdev),
            })
            .collect(),
    )
}

fn run_two_sigma(prepared: &Prepared) -> Result<Output, TwinError> {
    let values = expect_series(prepared)?;
    Ok(two_sigma_events(detect::two_sigma::detect_two_sigma(
        values,
        detect::two_sigma::TwoSigmaParams::default(),
    )))
}

fn run_two_sigma_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    let values = expect_series(prepared)?;
    Ok(two_sigma_events(
        detect::two_sigma::detect_two_sigma_parallel(
            values,
            detect::two_sigma::TwoSigmaParams::default(),
        ),
    ))
}
