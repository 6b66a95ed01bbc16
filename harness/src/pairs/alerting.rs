//! Alerting and alert correlation (catalog ml_monitoring.md §3, §4, §6, §8,
//! §9). No migration document promises a factor for these components
//! (seed 001 lists `alert_correlator.py` under week 3 with no figure of its
//! own; the original's docstring promises "sub-100ms" correlation), so the
//! rows carry no claim id: their ratios and latencies are reported, and the
//! "alert correlator" verdict judges them against the rollout rule.

use twinbench_kernels::alerting::correlator::{self, Outcome};
use twinbench_kernels::text::difflib::SequenceMatcher;

use super::glue::{expect_alerts, prepare_alerts};
use super::{
    Domain, KernelPair, OriginalUse, OutputKind, Prepared, PythonFunction, RustTwin, TwinError,
};
use crate::compare::{Comparison, Lists, Output, Tolerance};
use crate::inputs::Generator;
use crate::pins::PinSet;

pub(super) const SEQUENCE_MATCHER: KernelPair = KernelPair {
    name: "sequence_matcher_ratio",
    pins: PinSet::Server,
    domain: Domain::Alerting,
    summary: "ml_monitoring K6.2 SIMILAR_MESSAGE's text kernel: \
              difflib.SequenceMatcher(None, a.description, b.description).ratio() on the raw \
              (Unicode) descriptions of consecutive alerts, a new matcher per pair as the \
              original builds one (b2j, autojunk from 200 characters, longest-match \
              recursion). One value per pair",
    python: PythonFunction {
        module: "twinbench_baselines.alert_correlator",
        function: "sequence_matcher_ratio",
    },
    output: OutputKind::Values,
    rust: RustTwin {
        prepare: prepare_alerts,
        run: run_sequence_matcher,
        run_parallel: None,
    },
    generator: Generator::AlertStream,
    comparison: Comparison::Float,
    tolerance: super::EXACT,
    tolerance_rationale: "the twin finds CPython's matching blocks (same b2j, popular elements, \
                          tie-breaking and extension), so the same integer match count, and \
                          divides as _calculate_ratio does: bit-identical",
    // Python takes ~0.15 ms a pair: 3,000 pairs is ~0.5 s a call.
    sizes: &[300, 1_000, 3_000],
    claims: &[],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "the rule-driven correlation engine's SIMILAR_MESSAGE strategy, for every group \
             alert of every candidate group of every processed alert",
        ),
    },
};

fn run_sequence_matcher(prepared: &Prepared) -> Result<Output, TwinError> {
    let (alerts, _) = expect_alerts(prepared)?;
    let mut matcher = SequenceMatcher::<char>::new();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let ratios = alerts
        .windows(2)
        .map(|pair| {
            a.clear();
            a.extend(pair[0].description.chars());
            b.clear();
            b.extend(pair[1].description.chars());
            matcher.ratio(&a, &b)
        })
        .collect();
    Ok(Output::Values(ratios))
}

/// Scores within 1e-12: the metric-pattern strategy averages in the
/// original's `set` order (string hashes), the twin in the alert's order.
const HASH_ORDER: Tolerance = Tolerance {
    rtol: 1e-12,
    atol: 1e-15,
};

pub(super) const ALERT_CORRELATION: KernelPair = KernelPair {
    name: "alert_correlation",
    pins: PinSet::Server,
    domain: Domain::Alerting,
    summary: "ml_monitoring K8.1–K8.5 AlertCorrelator.correlate_alert with the default rules: \
              temporal (exp decay, 10 min), spatial (host 2.5, component 2.0, category 1.5, tag \
              keys), semantic (0.4 SequenceMatcher + 0.6 Jaccard on normalised title and \
              description), metric pattern (relative agreement ≥ 0.8); the strictly best \
              score kept when significant, stored, and returned again for a re-sent member. \
              Eight new alerts in turn, each against the alerts just before it (the size). \
              One list per new alert: strategy (-1 none), members, confidence; value: score",
    python: PythonFunction {
        module: "twinbench_baselines.alert_correlator",
        function: "alert_correlation",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_alerts,
        run: run_alert_correlation,
        run_parallel: None,
    },
    generator: Generator::AlertStream,
    comparison: Comparison::ExactLists,
    tolerance: HASH_ORDER,
    tolerance_rationale: "temporal, spatial and semantic scores are the original's float \
                          operations in its order (exp is the same libm call), bit-identical; \
                          the metric-pattern mean is summed in set order by the original, by \
                          the string hashes of PYTHONHASHSEED, so its last bits may differ. \
                          Strategies, member counts and confidence levels exactly",
    sizes: &[100, 300, 1_000],
    claims: &[],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "the dashboard's alert pipeline, once per new alert (its processing time is \
             recorded per call; nothing benchmarks it)",
        ),
    },
};

fn run_alert_correlation(prepared: &Prepared) -> Result<Output, TwinError> {
    let (alerts, existing) = expect_alerts(prepared)?;
    let outcomes = correlator::correlate_stream(alerts, existing);
    Ok(outcome_lists(&outcomes))
}

fn outcome_lists(outcomes: &[Option<Outcome>]) -> Output {
    let mut lists = Vec::with_capacity(outcomes.len());
    let mut values = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Some(o) => {
                lists.push(vec![
                    i64::from(o.strategy.code()),
                    o.members as i64,
                    i64::from(o.confidence.code()),
                ]);
                values.push(o.confidence_score);
            }
            None => {
                lists.push(vec![-1, 0, -1]);
                values.push(f64::NAN);
            }
        }
    }
    Output::Lists(Lists { lists, values })
}
