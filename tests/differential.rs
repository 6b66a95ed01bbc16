//! Differential tests: every registered pair, Rust twin against the Python
//! baseline on random small inputs (proptest shrinks a failure to the
//! smallest input and prints it with both values) and on its own generator.

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use twinbench::compare::{Comparison, RegressionAgreement};
use twinbench::compare::{Output, compare};
use twinbench::inputs::{
    ALERTS_ORIGIN_MICROS, AlertBatch, AlertStream, EdgeList, FRAME_ORIGIN, FeatureMatrix,
    Generator, Input, METRIC_ALERTS_ORIGIN_MICROS, MetricAlerts, MetricHistory, MetricSeries,
    ResourceTicks, SplitMix64, TICKS_ORIGIN_MICROS, TimestampedFrame, alert_batch, alert_stream,
    metric_alerts, resource_ticks,
};
use twinbench::pairs::{Implementation, KernelPair, PAIRS, Side};
use twinbench::pins::PinSet;
use twinbench::sides::python as bridge;
use twinbench::sides::rust::run_peer;
use twinbench_kernels::alerting::Alert;
use twinbench_kernels::alerting::smart::{AlertRecord, Field};
use twinbench_kernels::graph::Edge;

/// The pairs this test process serves: those of its pin set
/// (`TWINBENCH_PINS`, crate::pins). Each other set's pairs pass the same
/// tests in a process of their own
/// (`pairs_of_every_other_pin_set_pass_these_tests_under_their_own_pins`).
fn served() -> impl Iterator<Item = &'static KernelPair> {
    let here = PinSet::current().expect("TWINBENCH_PINS names a pin set");
    PAIRS.iter().filter(move |pair| pair.pins == here)
}

/// Served pairs whose generator produces inputs of the same kind as `sample`.
pub(crate) fn pairs_taking(sample: fn(&Input) -> bool) -> Vec<&'static KernelPair> {
    served()
        .filter(|pair| sample(&pair.generator.generate(pair.generator.min_size(), 0)))
        .collect()
}

fn is_graph(input: &Input) -> bool {
    matches!(input, Input::Graph(_))
}

fn is_series(input: &Input) -> bool {
    matches!(input, Input::Series(_))
}

fn is_history(input: &Input) -> bool {
    matches!(input, Input::History(_))
}

/// Pairs on matrices whose answer is deterministic: the statistical modes
/// are judged on their generators' sizes and on named edge cases
/// (`clusterings_agree_on_edge_cases`), not on a handful of random rows,
/// where two k-means++ draws may settle in different local optima.
fn is_matrix_with_an_exact_answer(pair: &KernelPair) -> bool {
    matches!(
        pair.generator,
        Generator::FeatureMatrix { .. } | Generator::MetricFrame { .. }
    ) && !is_statistical(pair)
}

fn is_matrix_kernel(pair: &KernelPair) -> bool {
    matches!(
        pair.generator,
        Generator::FeatureMatrix { .. } | Generator::MetricFrame { .. }
    )
}

/// Randomized models, compared by quality rather than value by value.
fn is_statistical(pair: &KernelPair) -> bool {
    matches!(
        pair.comparison,
        Comparison::AnomalyScores(_) | Comparison::Partition(_) | Comparison::Regression(_)
    )
}

/// Runs both sides of `pair` on `input` and compares them with the pair's
/// own mode and tolerance.
pub(crate) fn check(pair: &KernelPair, input: &Input) -> Result<(), TestCaseError> {
    check_as(pair, input, pair.comparison)
}

/// [`check`] under another comparison mode (a statistical bound measured
/// for a particular input).
fn check_as(pair: &KernelPair, input: &Input, mode: Comparison) -> Result<(), TestCaseError> {
    let bridge = bridge::bridge().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let prepared = (pair.rust.prepare)(input)
        .map_err(|e| TestCaseError::fail(format!("{}: Rust prepare failed: {e}", pair.name)))?;
    let rust = (pair.rust.run)(&prepared);
    let python = bridge.compute(pair, input);
    match (rust, python) {
        (Ok(rust), Ok(python)) => compare(mode, pair.tolerance, &rust, &python, input.truth())
            .map(|_| ())
            .map_err(|m| {
                TestCaseError::fail(format!(
                    "{}: {m}\n  rust output:   {rust:?}\n  python output: {python:?}",
                    pair.name
                ))
            }),
        // Both sides refusing is agreement (networkx raises where the twin
        // returns an error, e.g. non-convergence).
        (Err(_), Err(_)) => Ok(()),
        (Ok(rust), Err(e)) => Err(TestCaseError::fail(format!(
            "{}: Rust returned {rust:?} but Python raised: {e}",
            pair.name
        ))),
        (Err(e), Ok(python)) => Err(TestCaseError::fail(format!(
            "{}: Python returned {python:?} but Rust failed: {e}",
            pair.name
        ))),
    }
}

fn graph_from(n: usize, raw: Vec<(usize, usize, f64)>) -> EdgeList {
    let edges = if n == 0 {
        Vec::new()
    } else {
        raw.into_iter()
            .map(|(u, v, weight)| Edge {
                u: (u % n) as u32,
                v: (v % n) as u32,
                weight,
            })
            .collect()
    };
    EdgeList {
        node_count: n,
        edges,
    }
}

/// Small graphs: empty, single node, isolated nodes, self-loops, repeated
/// edges, disconnected pieces; weights from 0.5 to 10.
fn arb_graph() -> impl Strategy<Value = EdgeList> {
    (0usize..14).prop_flat_map(|n| {
        let edge = (0usize..64, 0usize..64, prop_oneof![Just(1.0), 0.5f64..10.0]);
        proptest::collection::vec(edge, 0..(3 * n + 1)).prop_map(move |raw| graph_from(n, raw))
    })
}

/// Short series: empty, shorter than the window, constant, small integers
/// (ties), smooth with spikes, and NaN holes.
fn arb_series() -> impl Strategy<Value = MetricSeries> {
    let values = prop_oneof![
        proptest::collection::vec(-5.0f64..5.0, 0..3),
        (0usize..70, -1.0e3f64..1.0e3).prop_map(|(n, c)| vec![c; n]),
        proptest::collection::vec((0i32..4).prop_map(f64::from), 0..70),
        proptest::collection::vec(-1.0e3f64..1.0e3, 0..90),
        proptest::collection::vec(
            prop_oneof![8 => 95.0f64..105.0, 1 => 200.0f64..2000.0, 1 => Just(f64::NAN)],
            0..120
        ),
    ];
    values.prop_map(|values| MetricSeries {
        values,
        injected: Vec::new(),
    })
}

/// Small matrices of two to four columns: no rows, one row, identical
/// rows, repeated values (ties at the percentile), wide ranges and NaN.
fn arb_matrix() -> impl Strategy<Value = FeatureMatrix> {
    (2usize..5).prop_flat_map(|cols| {
        let cell = prop_oneof![
            6 => -1.0e3f64..1.0e3,
            2 => (0i32..3).prop_map(f64::from),
            1 => Just(f64::NAN),
        ];
        let rows = prop_oneof![
            proptest::collection::vec(proptest::collection::vec(cell.clone(), cols), 0..40),
            (proptest::collection::vec(cell, cols), 1usize..12).prop_map(|(row, n)| vec![row; n]),
        ];
        rows.prop_map(move |rows| FeatureMatrix {
            rows: rows.len(),
            cols,
            data: rows.concat(),
            outliers: vec![false; rows.len()],
            clusters: vec![0; rows.len()],
        })
    })
}

fn is_frame_kernel(pair: &KernelPair) -> bool {
    matches!(pair.generator, Generator::HourlyFrame { .. })
}

/// Hourly frames of one to three metrics and 0–400 rows: stamps with gaps
/// and out of order, constant stretches, small integers (ties in the
/// windows), NaN holes.
fn arb_frame() -> impl Strategy<Value = TimestampedFrame> {
    (1usize..4, 0usize..400).prop_flat_map(|(cols, rows)| {
        let cell = prop_oneof![
            6 => 0.0f64..1.0e3,
            2 => (0i32..3).prop_map(f64::from),
            1 => Just(f64::NAN),
        ];
        (
            proptest::collection::vec(1i64..4, rows),
            any::<bool>(),
            proptest::collection::vec(cell, rows * cols),
        )
            .prop_map(move |(steps, shuffle, values)| {
                let mut hour = 0;
                let mut timestamps: Vec<i64> = steps
                    .iter()
                    .map(|s| {
                        hour += s;
                        FRAME_ORIGIN + hour * 3_600
                    })
                    .collect();
                if shuffle {
                    timestamps.reverse();
                }
                TimestampedFrame {
                    timestamps,
                    rows,
                    cols,
                    values,
                }
            })
    })
}

/// 2026-01-04 22:00 UTC, a Sunday: random steps from here cross midnight
/// into Monday (hour 23 vs 0, weekday 6 vs 0); from a day later, into
/// Tuesday (hour 23 vs 0 with weekdays one apart: only the hour test
/// separates them).
const SUNDAY_22H: i64 = 1_767_564_000;
const DAY: i64 = 86_400;

/// A history from rows `(metric, component, value, timestamp, anomalous)`.
/// Samples of one metric at the same second get the first one's value
/// (defect D054: the original orders tied rows by numpy's unstable sort).
fn history(rows: &[(u32, u32, f64, i64, bool)]) -> MetricHistory {
    let mut h = MetricHistory::default();
    let mut seen = std::collections::HashMap::new();
    for &(metric, component, value, timestamp, anomalous) in rows {
        let value = *seen.entry((metric, timestamp)).or_insert(value);
        h.metric.push(metric);
        h.component.push(component);
        h.value.push(value);
        h.timestamp.push(timestamp);
        h.anomalous.push(anomalous);
        h.spike.push(false);
    }
    h
}

/// Short optimizer streams: empty, a few metrics (all six, or one or two so
/// a trend has its 50 points), two or three components (neighbours are
/// common), values around a level with zeros, small integers (ties, zero
/// medians), NaN; steps of 0 s (equal timestamps), 1 s, 5 min, 30 min, 1 h
/// forwards and backwards (out of order) from Sunday or Monday 22:00; about
/// a third flagged by the model.
fn arb_history() -> impl Strategy<Value = MetricHistory> {
    let metrics = prop_oneof![Just(6u32), Just(1u32), Just(2u32)];
    let start = prop_oneof![Just(SUNDAY_22H), Just(SUNDAY_22H + DAY)];
    (metrics, 2u32..4, 0usize..160, start).prop_flat_map(|(metrics, components, n, start)| {
        let row = (
            0..metrics,
            0..components,
            prop_oneof![
                6 => 40.0f64..60.0,
                2 => (0i32..3).prop_map(f64::from),
                1 => Just(f64::NAN),
            ],
            prop_oneof![
                Just(0i64),
                Just(1),
                Just(300),
                Just(1_800),
                Just(3_600),
                Just(-300),
                Just(-3_600)
            ],
            proptest::bool::weighted(0.35),
        );
        proptest::collection::vec(row, n).prop_map(move |raw| {
            let mut t = start;
            let rows: Vec<_> = raw
                .into_iter()
                .map(|(m, c, v, step, a)| {
                    t += step;
                    (m, c, v, t, a)
                })
                .collect();
            history(&rows)
        })
    })
}

/// `cases` random cases, shrunk failures saved to (and replayed first from)
/// `tests/proptest-regressions/differential.txt`: commit them.
fn persisted(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/proptest-regressions/differential.txt"
        )))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(persisted(256))]

    #[test]
    fn graph_kernels_agree_on_random_graphs(graph in arb_graph()) {
        for pair in pairs_taking(is_graph) {
            check(pair, &Input::Graph(graph.clone()))?;
        }
    }

    #[test]
    fn exact_matrix_kernels_agree_on_random_matrices(matrix in arb_matrix()) {
        for pair in served().filter(|p| is_matrix_with_an_exact_answer(p)) {
            check(pair, &Input::Matrix(matrix.clone()))?;
        }
    }

    #[test]
    fn frame_kernels_agree_on_random_frames(frame in arb_frame()) {
        for pair in served().filter(|p| is_frame_kernel(p) && !is_statistical(p)) {
            check(pair, &Input::Frame(frame.clone()))?;
        }
    }

    #[test]
    fn series_kernels_agree_on_random_series(series in arb_series()) {
        for pair in pairs_taking(is_series) {
            check(pair, &Input::Series(series.clone()))?;
        }
    }

    #[test]
    fn history_kernels_agree_on_random_histories(h in arb_history()) {
        // The trained models are judged on their generator's sizes
        // (statistical), not on a handful of random samples.
        for pair in pairs_taking(is_history).into_iter().filter(|p| !is_statistical(p)) {
            check(pair, &Input::History(h.clone()))?;
        }
    }
}

/// The Rust side's answer for `pair` on `input` (to check that a named
/// case exercises what it names).
fn rust_lists(pair: &KernelPair, input: &Input) -> twinbench::compare::Lists {
    let prepared = (pair.rust.prepare)(input).expect("prepares");
    match (pair.rust.run)(&prepared).expect("runs") {
        Output::Lists(lists) => lists,
        other => panic!("{}: lists expected, got {other:?}", pair.name),
    }
}

/// The optimizer pairs on the streams where its rules have edges: each
/// case runs every optimizer pair against the baseline, and the twin's
/// answer is checked to contain what the case is about.
#[test]
fn optimizer_pairs_agree_on_edge_cases() {
    const MONDAY_NOON: i64 = SUNDAY_22H + 14 * 3_600;
    // Metric indices of inputs::HISTORY_METRICS.
    const WS: u32 = 0;
    const MEMORY: u32 = 2;
    const ERRORS: u32 = 5;
    let steady = |metric: u32, n: usize, t0: i64, step: i64| -> Vec<(u32, u32, f64, i64, bool)> {
        (0..n)
            .map(|i| {
                (
                    metric,
                    0,
                    50.0 + (i % 7) as f64,
                    t0 + step * i as i64,
                    false,
                )
            })
            .collect()
    };
    let flagged = |mut rows: Vec<(u32, u32, f64, i64, bool)>, at: &[(u32, f64, i64)]| {
        rows.extend(at.iter().map(|&(m, v, t)| (m, 0, v, t, true)));
        history(&rows)
    };
    let check_all = |name: &str, h: &MetricHistory| {
        for pair in pairs_taking(is_history) {
            check(pair, &Input::History(h.clone()))
                .unwrap_or_else(|e| panic!("{} on {name}: {e}", pair.name));
        }
    };
    let anomaly = twinbench::pairs::find("optimizer_anomaly_check").expect("registered");
    let trends = twinbench::pairs::find("optimizer_trends").expect("registered");
    let alerts = |h: &MetricHistory| rust_lists(anomaly, &Input::History(h.clone()));

    check_all("empty history", &MetricHistory::default());

    // Enough samples to train (100) but no metric with the 50 a detector
    // needs: as written nothing scores; fixed, every sample scores 0.
    let spread: Vec<_> = (0..6u32)
        .flat_map(|m| steady(m, 17, MONDAY_NOON, 300))
        .collect();
    check_all("100 samples, no metric with 50", &history(&spread));

    // Three earlier samples and the flagged one: four neighbours, fallback.
    let few = flagged(
        steady(WS, 3, MONDAY_NOON, 60),
        &[(WS, 120.0, MONDAY_NOON + 300)],
    );
    check_all("fewer than 5 neighbours", &few);
    assert_eq!(alerts(&few).values[0], 51.5, "median of 50, 51, 52, 120");

    // Four samples of 10 on Monday noon, eight on Monday 23:00-23:35,
    // flagged at Tuesday 00:10 (weekdays one apart). With wrap-around the
    // eight late ones and the flagged one would be neighbours (median 53);
    // without it none is, and the expected value is the median of all 13.
    let mut rows: Vec<_> = (0..4)
        .map(|i| (WS, 0, 10.0, MONDAY_NOON + i, false))
        .collect();
    rows.extend(steady(WS, 8, SUNDAY_22H + DAY + 3_600, 300));
    let midnight = flagged(rows, &[(WS, 100.0, SUNDAY_22H + DAY + 2 * 3_600 + 600)]);
    check_all("hour 23 vs 0", &midnight);
    assert_eq!(alerts(&midnight).values[0], 51.0);

    // The error count is mostly 0: a median of 0, deviation inf (3 vs 0)
    // and NaN (0 vs 0).
    let zeros: Vec<_> = (0..6)
        .map(|i| (ERRORS, 0, 0.0, MONDAY_NOON + i, false))
        .collect();
    let zero = flagged(
        zeros,
        &[
            (ERRORS, 3.0, MONDAY_NOON + 10),
            (ERRORS, 0.0, MONDAY_NOON + 400),
        ],
    );
    check_all("expected value 0", &zero);
    let got = alerts(&zero);
    assert_eq!(got.values[1], f64::INFINITY);
    assert!(got.values[4].is_nan() && got.values[5] == 0.95, "{got:?}");

    let nan = flagged(
        steady(MEMORY, 6, MONDAY_NOON, 1),
        &[(MEMORY, f64::NAN, MONDAY_NOON + 9)],
    );
    check_all("NaN value", &nan);
    assert!(alerts(&nan).values[0].is_nan());

    // The same second twice, and three samples arriving before older ones.
    let mut rows = steady(WS, 60, MONDAY_NOON, 300);
    rows.push(rows[10]);
    rows.push((WS, 0, 200.0, MONDAY_NOON + 301, true));
    rows.push((WS, 0, 180.0, MONDAY_NOON + 10, true));
    rows.push((WS, 0, 190.0, MONDAY_NOON + 5, true));
    let disorder = history(&rows);
    check_all("duplicate and out-of-order timestamps", &disorder);
    assert_eq!(
        alerts(&disorder).lists.len(),
        1,
        "older alerts are suppressed"
    );

    // Exactly 300 s after the last emitted alert goes out; 299 s after
    // does not, and does not move the window.
    let spaced = flagged(
        steady(WS, 6, MONDAY_NOON, 1),
        &[
            (WS, 150.0, MONDAY_NOON + 100),
            (WS, 150.0, MONDAY_NOON + 399),
            (WS, 150.0, MONDAY_NOON + 400),
        ],
    );
    check_all("exactly 300 s apart", &spaced);
    let got = alerts(&spaced);
    assert_eq!(got.lists.iter().map(|l| l[0]).collect::<Vec<_>>(), [6, 8]);

    // An unknown metric: default thresholds, no recommendations, no impact
    // for a critical alert.
    let unknown = flagged(
        steady(ERRORS, 6, MONDAY_NOON, 1),
        &[(ERRORS, 500.0, MONDAY_NOON + 9)],
    );
    check_all("unknown metric name", &unknown);
    let got = alerts(&unknown);
    assert_eq!(
        (got.lists[0][3], got.lists[0][5], got.lists[0][6]),
        (3, 0, 0)
    );

    // 49 points: no trend; 50: one.
    for (n, expected) in [(49, 0), (50, 1)] {
        let h = history(&steady(MEMORY, n, MONDAY_NOON, 300));
        check_all(&format!("{n} points for the trend"), &h);
        assert_eq!(rust_lists(trends, &Input::History(h)).lists.len(), expected);
    }
}

/// The trend pair's tolerance is measured, not assumed: over its generator
/// (every size, input seeds 1–5) the largest relative difference between
/// np.polyfit's slope and the twin's must stay below the pair's rtol.
#[test]
fn trend_slopes_agree_with_polyfit_within_the_stated_tolerance() {
    let bridge = bridge::bridge().expect("bridge");
    let pair = twinbench::pairs::find("optimizer_trends").expect("registered");
    let mut worst: f64 = 0.0;
    let mut slopes = 0;
    for &size in pair.sizes {
        for seed in 1..=5 {
            let input = pair.generator.generate(size, seed);
            let rust = rust_lists(pair, &input);
            let Output::Lists(python) = bridge.compute(pair, &input).expect("baseline") else {
                panic!("lists expected")
            };
            assert_eq!(rust.lists, python.lists, "size {size}, seed {seed}");
            for (r, p) in rust.values.iter().zip(&python.values) {
                worst = worst.max((r - p).abs() / p.abs());
                slopes += 1;
            }
        }
    }
    eprintln!("{slopes} slopes, largest relative difference {worst:e}");
    assert!(slopes > 0);
    assert!(
        worst <= pair.tolerance.rtol,
        "{worst:e} exceeds rtol {:e}",
        pair.tolerance.rtol
    );
}

fn named_graph(n: usize, edges: &[(usize, usize)]) -> Input {
    Input::Graph(graph_from(
        n,
        edges
            .iter()
            .map(|&(u, v)| (u, v, 1.0 + (u + v) as f64))
            .collect(),
    ))
}

#[test]
fn graph_kernels_agree_on_star_path_and_complete_graphs() {
    let n = 12;
    let star: Vec<(usize, usize)> = (1..n).map(|v| (0, v)).collect();
    let path: Vec<(usize, usize)> = (1..n).map(|v| (v - 1, v)).collect();
    let complete: Vec<(usize, usize)> = (0..n)
        .flat_map(|u| (u + 1..n).map(move |v| (u, v)))
        .collect();
    for edges in [&star, &path, &complete] {
        for pair in pairs_taking(is_graph) {
            check(pair, &named_graph(n, edges)).expect("agree");
        }
    }
}

/// Every pair on its smallest benchmark size; randomized models over five
/// seeds (the issue's minimum for a statistical comparison), the others
/// over two.
#[test]
fn every_pair_agrees_on_its_own_generator() {
    for pair in served() {
        let size = pair.sizes[0];
        let seeds = if is_statistical(pair) { 1..=5 } else { 1..=2 };
        for seed in seeds {
            let input = pair.generator.generate(size, seed);
            check(pair, &input).unwrap_or_else(|e| panic!("size {size}, seed {seed}: {e}"));
        }
    }
}

/// Alternatives measured to fall outside their pair's bound on some inputs:
/// their answer is what it is, and the report shows where it differs. linfa's
/// k-means: one plain k-means++ start lands worse than scikit-learn's spread
/// against itself (`linfa_kmeans_is_checked_and_its_quality_measured`).
///
/// The greedy-modularity pair through the twinbench backend: the original's
/// K3 ranks tied central nodes in the communities' frozenset iteration
/// order, which the backend's frozensets (equal sets, built in another
/// order) do not reproduce (python/tests/test_via_twinbench.py).
const MEASURED_OUTSIDE_THE_BOUND: &[(&str, Side)] = &[
    ("cluster_kmeans", Side::Linfa),
    ("communities_greedy_modularity", Side::TwinFromPython),
];

/// Peers and fixed baselines compute the same quantity as the baseline, on
/// the pair's own generator, within their stated tolerance; Python
/// callables through the bridge, Rust peers in process.
#[test]
fn every_alternative_agrees_with_its_baseline() {
    let bridge = bridge::bridge().expect("bridge starts");
    for pair in served() {
        let input = pair.generator.generate(pair.sizes[0], 1);
        let Ok(baseline) = bridge.compute(pair, &input) else {
            panic!("{}: the baseline failed on its own generator", pair.name);
        };
        for alt in pair.alternatives {
            if MEASURED_OUTSIDE_THE_BOUND.contains(&(pair.name, alt.side)) {
                continue;
            }
            let answer = match alt.implementation {
                Implementation::Python(function) => bridge
                    .compute_with(function, pair.output, &input)
                    .map_err(|e| e.to_string()),
                Implementation::Rust(peer) => run_peer(&input, &peer),
            }
            .unwrap_or_else(|e| panic!("{} / {}: {e}", pair.name, alt.side));
            let tol = alt.tolerance.unwrap_or(pair.tolerance);
            let mode = alt.comparison.unwrap_or(pair.comparison);
            if let Err(m) = compare(mode, tol, &answer, &baseline, input.truth()) {
                panic!("{} / {}: {m}", pair.name, alt.side);
            }
        }
    }
}

#[test]
fn edge_weights_equal_the_python_hash_the_original_uses() {
    let bridge = bridge::bridge().expect("bridge starts");
    let Input::Graph(graph) = Generator::BarabasiAlbert { m: 3 }.generate(60, 9) else {
        panic!("BA generator makes graphs");
    };
    let expression = format!(
        "[hash((u, v)) % 10 + 1 for u, v in {:?}]",
        graph.edges.iter().map(|e| (e.u, e.v)).collect::<Vec<_>>()
    );
    let python = bridge.eval_expression(&expression).expect("evaluates");
    let rust = format!(
        "{:?}",
        graph
            .edges
            .iter()
            .map(|e| e.weight as i64)
            .collect::<Vec<_>>()
    );
    assert_eq!(rust, python);
}

/// K8's `attr_weight` column: the Rust side's node weights are the
/// original benchmark's `hash(node) % 100`, and the Python side's graph
/// carries them (with `type`) as node attributes, in that order.
#[test]
fn node_weights_equal_the_python_hash_the_original_uses() {
    let bridge = bridge::bridge().expect("bridge starts");
    let Input::Graph(graph) = Generator::BarabasiAlbert { m: 3 }.generate(250, 9) else {
        panic!("BA generator makes graphs");
    };
    let python = bridge
        .eval_expression(&format!(
            "[hash(node) % 100 for node in range({})]",
            graph.node_count
        ))
        .expect("evaluates");
    let rust = format!(
        "{:?}",
        graph
            .node_weights()
            .iter()
            .map(|&w| w as i64)
            .collect::<Vec<_>>()
    );
    assert_eq!(rust, python);
    let attributes = bridge
        .eval_expression(
            "(lambda g: [list(g.nodes[v].items()) for v in (0, 7)])(__import__('twinbench_baselines.graph', \
             fromlist=['prepare']).prepare(8, __import__('numpy').array([0]), __import__('numpy').array([1]), \
             __import__('numpy').array([1.0])))",
        )
        .expect("evaluates");
    assert_eq!(
        attributes,
        "[[('type', 'node_0'), ('weight', 0)], [('type', 'node_2'), ('weight', 7)]]"
    );
}

#[test]
fn the_embedded_interpreter_imports_the_pinned_versions_from_the_venv() {
    let bridge = bridge::bridge().expect("bridge starts");
    let here = PinSet::current().expect("TWINBENCH_PINS names a pin set");
    assert_eq!(bridge.pins, here);
    assert_eq!(bridge.venv, here.venv_dir());
    let pins = bridge::read_pins(&here.requirements_file()).expect("pins");
    assert_eq!(bridge.packages, pins);
    for (package, version) in pins.iter().map(|p| (&p.package, &p.version)) {
        if package != "numpy" && package != "pandas" {
            continue;
        }
        let imported = bridge
            .eval_expression(&format!(
                "(__import__('{package}').__file__, __import__('{package}').__version__)"
            ))
            .expect("imports");
        assert!(
            imported.starts_with(&format!("('{}", bridge.venv.display())),
            "{package} imported from {imported}, not from {}",
            bridge.venv.display()
        );
        assert!(imported.ends_with(&format!("'{version}')")), "{imported}");
    }
}

/// The tests a process serving another pin set runs for its pairs: every
/// one that iterates the served pairs.
const PIN_SET_TESTS: [&str; 11] = [
    "every_pair_agrees_on_its_own_generator",
    "every_alternative_agrees_with_its_baseline",
    "the_embedded_interpreter_imports_the_pinned_versions_from_the_venv",
    "exact_matrix_kernels_agree_on_random_matrices",
    "series_kernels_agree_on_random_series",
    "clusterings_agree_on_edge_cases",
    "detectors_agree_on_edge_cases",
    "frame_kernels_agree_on_random_frames",
    "forecasting_agrees_on_edge_cases",
    "forest_quality_matches_over_seeds",
    "forecasts_and_capacity_agree_on_edge_cases",
];

/// One interpreter (one numpy) per process: the pairs of each other pin set
/// pass [`PIN_SET_TESTS`] in this test binary started again with
/// `TWINBENCH_PINS`, which then serves exactly them.
#[test]
fn pairs_of_every_other_pin_set_pass_these_tests_under_their_own_pins() {
    let here = PinSet::current().expect("TWINBENCH_PINS names a pin set");
    if here != PinSet::Server {
        return; // this is such a process already
    }
    let exe = std::env::current_exe().expect("test binary");
    for other in PinSet::ALL.into_iter().filter(|p| *p != here) {
        if !PAIRS.iter().any(|p| p.pins == other) {
            continue;
        }
        // libtest names a test by its module path below the crate.
        let module = module_path!()
            .split_once("::")
            .map_or(module_path!(), |(_, below)| below);
        let (variable, value) = other.child_env();
        let output = std::process::Command::new(&exe)
            .args(PIN_SET_TESTS.map(|test| format!("{module}::{test}")))
            .args(["--exact", "--test-threads", "1"])
            .env(variable, value)
            .output()
            .expect("start the test binary again");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "under the {other} pins:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let passed = format!("{} passed", PIN_SET_TESTS.len());
        assert!(
            stdout.contains(&passed),
            "under the {other} pins:\n{stdout}"
        );
    }
}

/// The memory table's inputs: the CSR graph within its budget, and every
/// library measured with a positive, finite footprint.
#[test]
fn graph_footprints_are_measured_for_every_library() {
    let bridge = bridge::bridge().expect("bridge starts");
    let input = Generator::BarabasiAlbert { m: 3 }.generate(5_000, 4);
    let f = twinbench::measure::footprint::measure(bridge, &input).expect("measured");
    assert_eq!((f.nodes, f.edges), (5_000, 3 * 5_000 - 9));
    assert!(f.rust_csr_bytes <= 24 * f.edges + 16 * f.nodes);
    let names: Vec<&str> = f.libraries.iter().map(|l| l.library.as_str()).collect();
    assert_eq!(names, ["networkx", "igraph", "rustworkx"]);
    for l in &f.libraries {
        let total = l.python_object_bytes + l.c_heap_bytes;
        assert!(total.is_finite() && total > 0.0, "{l:?}");
    }
    let networkx = &f.libraries[0];
    assert!(
        networkx.python_object_bytes > 4.0 * f.rust_csr_bytes as f64,
        "a dict-of-dicts graph is expected to be several times the CSR: {networkx:?} vs {}",
        f.rust_csr_bytes
    );
}

/// The clustering pairs on the inputs where models break: no rows, one row,
/// two rows (k = 2 leaves no silhouette), identical rows (one distinct
/// point), a constant column, duplicated blobs, NaN (both sides refuse).
#[test]
fn clusterings_agree_on_edge_cases() {
    let matrix = |rows: usize, cols: usize, data: Vec<f64>| {
        Input::Matrix(FeatureMatrix {
            rows,
            cols,
            data,
            outliers: vec![false; rows],
            clusters: vec![0; rows],
        })
    };
    // As many well-separated blobs as the original's auto-k asks for
    // (min(10, max(2, int(sqrt(rows / 2))))): with more or fewer, which blob
    // k-means splits or merges depends on its random start, on either side.
    let blobs = |rows: usize| -> Vec<f64> {
        let k = twinbench::pairs::auto_clusters(rows);
        (0..rows)
            .flat_map(|r| {
                let centre = (r % k) as f64 * 10.0;
                [
                    centre + (r as f64 * 0.37).sin(),
                    centre - (r as f64 * 0.11).cos(),
                ]
            })
            .collect()
    };
    let mut constant_column = blobs(40);
    constant_column
        .iter_mut()
        .skip(1)
        .step_by(2)
        .for_each(|v| *v = 5.0);
    let mut with_nan = blobs(30);
    with_nan[7] = f64::NAN;
    // 200 rows (k = 10), each twice: 400 rows, k = 10 again; the duplicate
    // rows must land together.
    let doubled: Vec<f64> = [blobs(200), blobs(200)].concat();
    let cases = [
        ("no rows", matrix(0, 2, vec![])),
        ("one row", matrix(1, 2, vec![1.0, 2.0])),
        ("two rows", matrix(2, 2, vec![1.0, 2.0, 3.0, 4.0])),
        ("identical rows", matrix(12, 2, [1.5, -2.0].repeat(12))),
        ("constant column", matrix(40, 2, constant_column)),
        ("duplicated rows", matrix(400, 2, doubled)),
        ("NaN", matrix(30, 2, with_nan)),
    ];
    for pair in served().filter(|p| matches!(p.comparison, Comparison::Partition(_))) {
        for (name, input) in &cases {
            if pair.name == "cluster_spectral" && knn_graph_is_disconnected(input) {
                spectral_is_no_worse(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
            } else {
                check(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}

/// The anomaly models (the ensemble detector as written and corrected, its
/// one-class SVM, K7's isolation forest) on the inputs where models break:
/// no rows, one row, identical rows (every score ties), a constant column
/// (a zero scale), duplicated rows, NaN (the ensemble forward-fills; K7's
/// scaler refuses on both sides), a single class (no labelled outlier: no
/// AUC to compare, the ranking still is).
#[test]
fn detectors_agree_on_edge_cases() {
    let matrix = |rows: usize, cols: usize, data: Vec<f64>, outliers: Vec<bool>| {
        Input::Matrix(FeatureMatrix {
            rows,
            cols,
            data,
            outliers,
            clusters: vec![0; rows],
        })
    };
    // 60 rows of 3 columns, every 10th far out (and labelled so).
    let cloud = |rows: usize| -> (Vec<f64>, Vec<bool>) {
        let outliers: Vec<bool> = (0..rows).map(|r| r % 10 == 7).collect();
        let data = (0..rows)
            .flat_map(|r| {
                let far = if outliers[r] { 25.0 } else { 0.0 };
                [
                    far + (r as f64 * 0.37).sin(),
                    (r as f64 * 0.11).cos() - far,
                    (r as f64 * 0.05).sin() * 2.0,
                ]
            })
            .collect();
        (data, outliers)
    };
    let (base, labels) = cloud(60);
    let mut constant_column = base.clone();
    constant_column
        .iter_mut()
        .skip(2)
        .step_by(3)
        .for_each(|v| *v = 4.0);
    let mut with_nan = base.clone();
    with_nan[3 * 11 + 1] = f64::NAN;
    let doubled = [base.clone(), base.clone()].concat();
    let doubled_labels = [labels.clone(), labels.clone()].concat();
    let cases = [
        ("no rows", matrix(0, 3, vec![], vec![])),
        ("one row", matrix(1, 3, vec![1.0, 2.0, 3.0], vec![false])),
        (
            "identical rows",
            matrix(20, 3, [1.5, -2.0, 0.5].repeat(20), vec![false; 20]),
        ),
        (
            "constant column",
            matrix(60, 3, constant_column, labels.clone()),
        ),
        ("duplicated rows", matrix(120, 3, doubled, doubled_labels)),
        ("NaN", matrix(60, 3, with_nan, labels.clone())),
        ("a single class", matrix(60, 3, base, vec![false; 60])),
    ];
    let detectors: Vec<_> = served()
        .filter(|p| {
            (matches!(p.comparison, Comparison::AnomalyScores(_)) || p.name == "one_class_svm")
                && is_matrix_kernel(p)
        })
        .collect();
    for pair in detectors {
        for (name, input) in &cases {
            if pair.name == "node_anomaly_scores" && *name == "NaN" {
                nan_is_refused_where_scikit_learn_routes_it(pair, input);
                continue;
            }
            check(pair, input).unwrap_or_else(|e| panic!("{} on {name}: {e}", pair.name));
        }
    }
}

/// K7 reaches the forest with NaN unfilled (the ensemble forward-fills
/// first). scikit-learn 1.6.1's trees route missing values (a random side
/// per split); the twin's branch-free complete trees have no such route and
/// refuse NaN with a typed error naming the cell (kernels::ml::isolation_forest
/// says why). A documented difference, held here so it cannot drift.
fn nan_is_refused_where_scikit_learn_routes_it(pair: &KernelPair, input: &Input) {
    let bridge = bridge::bridge().expect("bridge starts");
    let prepared = (pair.rust.prepare)(input).expect("prepares");
    let refused = (pair.rust.run)(&prepared).expect_err("the twin refuses NaN");
    assert!(
        refused.to_string().contains("NaN (row 11, column 1)"),
        "{refused}"
    );
    let scored = bridge
        .compute(pair, input)
        .expect("scikit-learn scores NaN rows");
    let Output::Values(scores) = scored else {
        panic!("{}: expected scores, got {scored:?}", pair.name);
    };
    assert_eq!(scores.len(), 60);
    assert!(scores.iter().all(|s| s.is_finite()), "{scores:?}");
}

/// Whether the 10-NN graph of the scaled rows falls apart (well-separated
/// blobs do). There the k smallest eigenvalues of the Laplacian are all 0,
/// and scikit-learn's ARPACK (shift-invert Lanczos) does not return their
/// eigenspace: on 10 duplicated blobs its labels score silhouette −0.31
/// where the blobs themselves score 0.91. The twin's block iteration does
/// find it, so the two cannot agree there; the twin must then be no worse.
fn knn_graph_is_disconnected(input: &Input) -> bool {
    use twinbench_kernels::ml::{Matrix, scale::StandardScaler, spectral::SpectralClustering};
    let Input::Matrix(m) = input else {
        return false;
    };
    let Ok(x) = Matrix::new(m.rows, m.cols, m.data.clone()) else {
        return false;
    };
    let Ok((_, scaled)) = StandardScaler::fit_transform(&x) else {
        return false;
    };
    let k = twinbench::pairs::auto_clusters(m.rows);
    SpectralClustering::new(k)
        .fit(&scaled)
        .is_ok_and(|fit| fit.components > 1)
}

/// Both sides cluster `input`, and the twin's silhouette is at least the
/// baseline's (to 1e-9: the same labels give the same silhouette up to
/// scikit-learn's BLAS rounding).
fn spectral_is_no_worse(pair: &KernelPair, input: &Input) -> Result<(), String> {
    let bridge = bridge::bridge().map_err(|e| e.to_string())?;
    let prepared = (pair.rust.prepare)(input).map_err(|e| e.to_string())?;
    let rust = (pair.rust.run)(&prepared).map_err(|e| e.to_string())?;
    let python = bridge.compute(pair, input).map_err(|e| e.to_string())?;
    let silhouette = |o: &Output| match o {
        Output::Lists(l) => l.values.first().copied(),
        _ => None,
    };
    match (silhouette(&rust), silhouette(&python)) {
        (Some(r), Some(p)) if r >= p - 1e-9 => Ok(()),
        (r, p) => Err(format!(
            "{}: twin silhouette {r:?} below the baseline's {p:?}",
            pair.name
        )),
    }
}

/// scikit-learn's k-means from eight random states: each start's inertia
/// (`twinbench_baselines.ml.kmeans_inertias`).
const INERTIAS: twinbench::pairs::PythonFunction = twinbench::pairs::PythonFunction {
    module: "twinbench_baselines.ml",
    function: "kmeans_inertias",
};

/// The cluster pairs' model input: the rows scaled as the original scales
/// them, and the original's k for that many rows.
fn scaled_rows_and_k(input: &Input) -> (twinbench_kernels::ml::Matrix, usize) {
    use twinbench_kernels::ml::{Matrix, scale::StandardScaler};
    let Input::Matrix(m) = input else {
        panic!("feature matrix expected")
    };
    let x = Matrix::new(m.rows, m.cols, m.data.clone()).expect("matrix");
    let (_, scaled) = StandardScaler::fit_transform(&x).expect("scale");
    (scaled, twinbench::pairs::auto_clusters(m.rows))
}

/// The median of `v` (the mean of the two middle values for an even count).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (v[(n - 1) / 2] + v[n / 2]) / 2.0
}

/// Equal quality for k-means, which cannot replay scikit-learn's random
/// stream: on the cluster pair's generator (1,000 rows, input seeds 1–5),
/// the twin from eight seeds against scikit-learn from eight random states.
/// The best of eight must be as good (inertia within 1%: both find the
/// same best local optimum) and the median no worse than 5% above
/// scikit-learn's (a start that is worse on average would show there).
#[test]
fn kmeans_quality_matches_over_seeds() {
    use twinbench::pairs::OutputKind;
    use twinbench_kernels::ml::kmeans::KMeans;
    let bridge = bridge::bridge().expect("bridge");
    let pair = twinbench::pairs::find("cluster_kmeans").expect("registered");
    for seed in 1..=5 {
        let input = pair.generator.generate(1_000, seed);
        let (scaled, k) = scaled_rows_and_k(&input);
        let rust: Vec<f64> = (0..8)
            .map(|s| {
                let model = KMeans {
                    seed: s,
                    ..KMeans::new(k)
                };
                model.fit(&scaled).expect("fit").inertia
            })
            .collect();
        let Output::Values(python) = bridge
            .compute_with(INERTIAS, OutputKind::Values, &input)
            .expect("sklearn")
        else {
            panic!("values expected")
        };
        let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let (best_r, best_p) = (best(&rust), best(&python));
        let (median_r, median_p) = (median(rust.clone()), median(python.clone()));
        eprintln!(
            "seed {seed}: best {best_r:.2} vs {best_p:.2}, median {median_r:.2} vs {median_p:.2}"
        );
        assert!(
            (best_r - best_p).abs() <= 0.01 * best_p,
            "seed {seed}: best inertia {best_r} vs scikit-learn's {best_p}"
        );
        assert!(
            median_r <= 1.05 * median_p,
            "seed {seed}: median inertia {median_r} vs scikit-learn's {median_p}"
        );
    }
}

/// linfa's k-means column (issue 15's Rust peer) is checked, and its
/// quality measured, on the cluster pair's generator (1,000 rows, input
/// seeds 1–5). Per call, as the report checks it: the partition is the same
/// clustering by the pair's bound (ARI ≥ 0.5 against scikit-learn's) on
/// every input; whether silhouette and inertia also stay within 40% is
/// printed, not asserted (they do not always: see below). Over starts,
/// linfa from eight seeds against scikit-learn from eight random states
/// (as `kmeans_quality_matches_over_seeds` holds the twin): linfa's one
/// plain k-means++ start lands worse, its median inertia above
/// scikit-learn's by at least 5% on average over the inputs, which is what
/// the column's note says. Should a linfa release close the gap, this fails
/// and the note (and MEASURED_OUTSIDE_THE_BOUND) must change with it.
#[test]
fn linfa_kmeans_is_checked_and_its_quality_measured() {
    use twinbench::compare::PartitionAgreement;
    use twinbench::compare::Tolerance;
    use twinbench::pairs::OutputKind;
    use twinbench::pairs::peer_linfa;
    let bridge = bridge::bridge().expect("bridge");
    let pair = twinbench::pairs::find("cluster_kmeans").expect("registered");
    let Some(Implementation::Rust(peer)) = pair
        .alternatives
        .iter()
        .find(|a| a.side == Side::Linfa)
        .map(|a| a.implementation)
    else {
        panic!("cluster_kmeans has a linfa column")
    };
    let Comparison::Partition(bound) = pair.comparison else {
        panic!("k-means is compared by partition")
    };
    let any_values = Tolerance {
        rtol: f64::INFINITY,
        atol: 0.0,
    };
    let mut median_ratios = Vec::new();
    for seed in 1..=5 {
        let input = pair.generator.generate(1_000, seed);
        let baseline = bridge.compute(pair, &input).expect("baseline");
        let column = run_peer(&input, &peer).expect("linfa column");
        let partition = Comparison::Partition(PartitionAgreement {
            min_ari: bound.min_ari,
        });
        let agreement = compare(partition, any_values, &column, &baseline, input.truth())
            .unwrap_or_else(|m| panic!("seed {seed}: linfa's partition: {m}"));
        let within = compare(
            pair.comparison,
            pair.tolerance,
            &column,
            &baseline,
            input.truth(),
        );
        let (scaled, k) = scaled_rows_and_k(&input);
        let linfa: Vec<f64> = (0..8)
            .map(|s| peer_linfa::kmeans(&scaled, k, s).expect("fit").1)
            .collect();
        let Output::Values(python) = bridge
            .compute_with(INERTIAS, OutputKind::Values, &input)
            .expect("sklearn")
        else {
            panic!("values expected")
        };
        let (median_l, median_p) = (median(linfa.clone()), median(python.clone()));
        eprintln!(
            "seed {seed}: column ARI {:.2}, within the pair's bound: {}; inertia over 8 starts: \
             best {:.0} vs {:.0}, median {median_l:.0} vs {median_p:.0}",
            agreement.quality.map_or(f64::NAN, |q| q.between),
            within.is_ok(),
            linfa[0],
            python[0],
        );
        median_ratios.push(median_l / median_p);
    }
    let mean_ratio = median_ratios.iter().sum::<f64>() / median_ratios.len() as f64;
    eprintln!("linfa's median inertia ÷ scikit-learn's, per input: {median_ratios:.3?}");
    assert!(
        mean_ratio >= 1.05,
        "linfa's median inertia is only {mean_ratio:.3}× scikit-learn's: the quality gap the \
         column's note states has closed"
    );
}

/// Equal quality for the isolation forest, which cannot replay
/// scikit-learn's random trees: on the node_anomaly_scores generator
/// (10,000 rows, 2% planted anomalies), four twin forests (seeds 0–3)
/// against four scikit-learn forests (random states 0–3). The twin must
/// rank rows as much like scikit-learn as scikit-learn's forests rank like
/// each other (median Spearman ρ over the 16 cross pairs at least the
/// median over the 6 scikit-learn pairs, less 0.03), and find the planted
/// anomalies as well (mean ROC AUC within 0.01).
#[test]
fn forest_rankings_match_over_seeds() {
    use twinbench::pairs::{OutputKind, PythonFunction};
    use twinbench::stats::rank::{roc_auc, spearman};
    use twinbench_kernels::ml::isolation_forest::{
        Contamination, IsolationForest, IsolationForestParams,
    };
    use twinbench_kernels::ml::{Matrix, scale::StandardScaler};
    const SCORES: PythonFunction = PythonFunction {
        module: "twinbench_baselines.ml",
        function: "forest_scores",
    };
    let pair = twinbench::pairs::find("node_anomaly_scores").expect("registered");
    let input = pair.generator.generate(10_000, 1);
    let Input::Matrix(m) = &input else {
        panic!("feature matrix expected")
    };
    let x = Matrix::new(m.rows, m.cols, m.data.clone()).expect("matrix");
    let (_, scaled) = StandardScaler::fit_transform(&x).expect("scale");
    let rust: Vec<Vec<f64>> = (0..4)
        .map(|seed| {
            let params = IsolationForestParams {
                contamination: Contamination::Fraction(0.1),
                seed,
                ..IsolationForestParams::default()
            };
            let forest = IsolationForest::fit(&scaled, &params).expect("fit");
            let scores = forest.score_samples(&scaled).expect("score");
            scores.into_iter().map(|s| -s).collect()
        })
        .collect();
    let Output::Values(flat) = bridge::bridge()
        .expect("bridge")
        .compute_with(SCORES, OutputKind::Values, &input)
        .expect("sklearn")
    else {
        panic!("values expected")
    };
    let python: Vec<&[f64]> = flat.chunks(m.rows).collect();
    let cross = median(
        rust.iter()
            .flat_map(|r| {
                python
                    .iter()
                    .map(move |p| spearman(r, p).expect("ρ defined"))
            })
            .collect(),
    );
    let among_python = median(
        (0..4)
            .flat_map(|a| (a + 1..4).map(move |b| (a, b)))
            .map(|(a, b)| spearman(python[a], python[b]).expect("ρ defined"))
            .collect(),
    );
    let mean_auc = |sides: &[&[f64]]| {
        sides
            .iter()
            .map(|s| roc_auc(s, &m.outliers).expect("both classes"))
            .sum::<f64>()
            / sides.len() as f64
    };
    let rust_refs: Vec<&[f64]> = rust.iter().map(Vec::as_slice).collect();
    let (auc_rust, auc_python) = (mean_auc(&rust_refs), mean_auc(&python));
    eprintln!(
        "median ρ twin–sklearn {cross:.4}, sklearn–sklearn {among_python:.4}; \
         mean AUC {auc_rust:.4} vs {auc_python:.4}"
    );
    assert!(
        cross >= among_python - 0.03,
        "twin ranks unlike scikit-learn: median ρ {cross} vs {among_python} among its own forests"
    );
    assert!(
        (auc_rust - auc_python).abs() <= 0.01,
        "mean AUC {auc_rust} vs {auc_python}"
    );
}

/// The forecasting kernels where the original's models and rules break:
/// fewer rows than each model's minimum (9 and 19), a constant target
/// (R² by scikit-learn's force-finite rule, a NaN autocorrelation in
/// Python's `max`), NaN holes, gaps and a reversed order in the stamps, and
/// frames starting at month, leap-day and daylight-saving boundaries (naive
/// stamps: no jump on either side).
#[test]
fn forecasting_agrees_on_edge_cases() {
    let noise = |i: usize| ((i * 7_919) % 101) as f64 * 0.03;
    let hourly = |rows: usize, start: i64, value: &dyn Fn(usize) -> f64| {
        Input::Frame(TimestampedFrame {
            timestamps: (0..rows as i64).map(|h| start + h * 3_600).collect(),
            rows,
            cols: 2,
            values: (0..rows)
                .flat_map(|i| [value(i), 50.0 + (i % 24) as f64 + noise(i + 5)])
                .collect(),
        })
    };
    // A daily cycle with noise: an exactly periodic one (or one plus a
    // linear drift) ties the daily and weekly autocorrelations at 1 up to
    // rounding, and which wins is then decided by the last bit of a BLAS
    // dot product.
    let wave = move |i: usize| {
        100.0 + 10.0 * ((i % 24) as f64 / 24.0 * std::f64::consts::TAU).sin() + noise(i)
    };
    let with_gaps = {
        let Input::Frame(mut f) = hourly(400, FRAME_ORIGIN, &wave) else {
            unreachable!("hourly builds frames")
        };
        f.timestamps
            .iter_mut()
            .enumerate()
            .for_each(|(i, t)| *t += 3_600 * (i as i64 / 7));
        Input::Frame(f)
    };
    let reversed = {
        let Input::Frame(mut f) = hourly(400, FRAME_ORIGIN, &wave) else {
            unreachable!("hourly builds frames")
        };
        f.timestamps.reverse();
        Input::Frame(f)
    };
    // 2026-03-29T00:00 (Europe's daylight-saving switch), 2028-02-28T12:00.
    let cases = [
        ("9 rows", hourly(9, FRAME_ORIGIN, &wave)),
        ("19 rows", hourly(19, FRAME_ORIGIN, &wave)),
        (
            "constant integer target",
            hourly(400, FRAME_ORIGIN, &|_| 42.0),
        ),
        (
            "constant inexact target",
            hourly(400, FRAME_ORIGIN, &|_| 0.1),
        ),
        (
            "NaN holes",
            hourly(400, FRAME_ORIGIN, &|i| {
                if i % 13 == 0 { f64::NAN } else { wave(i) }
            }),
        ),
        (
            "leading NaN",
            hourly(60, FRAME_ORIGIN, &|i| {
                if i < 30 { f64::NAN } else { wave(i) }
            }),
        ),
        ("gaps", with_gaps),
        ("reversed stamps", reversed),
        ("daylight-saving day", hourly(400, 1_774_742_400, &wave)),
        ("leap day", hourly(400, 1_835_352_000, &wave)),
    ];
    let pairs: Vec<_> = served().filter(|p| is_frame_kernel(p)).collect();
    for pair in pairs {
        for (name, input) in &cases {
            let mode = match pair.comparison {
                Comparison::Regression(_) => FOREST_ON_SMALL_FRAMES,
                other => other,
            };
            check_as(pair, input, mode).unwrap_or_else(|e| panic!("{} on {name}: {e}", pair.name));
        }
    }
}

/// On 400 rows whose forward-filled leading NaN leaves one row at 0 (the
/// "NaN holes" case), scikit-learn 1.4.0's own in-sample R² ranges
/// 0.912–0.967 over random_state 0–9 (measured): that lone row's
/// prediction depends on which trees drew it. Per call on these small
/// frames the twin is held to that spread, not to the 0.02 the generator's
/// inputs are held to (`forest_quality_matches_over_seeds`).
const FOREST_ON_SMALL_FRAMES: Comparison = Comparison::Regression(RegressionAgreement {
    max_r2_gap: 0.06,
    min_correlation: 0.95,
});

/// The issue's bound for the forest, over five seeds of the generator at
/// each size the tests afford: every call's predictions correlated at
/// r ≥ 0.98 with scikit-learn's, and the mean in-sample R² within 0.02.
#[test]
fn forest_quality_matches_over_seeds() {
    let bridge = bridge::bridge().expect("bridge starts");
    for pair in served().filter(|p| matches!(p.comparison, Comparison::Regression(_))) {
        let size = pair.sizes[0];
        let (mut rust_r2, mut python_r2) = (Vec::new(), Vec::new());
        for seed in 1..=5 {
            let input = pair.generator.generate(size, seed);
            let prepared = (pair.rust.prepare)(&input).expect("prepares");
            let rust = (pair.rust.run)(&prepared).expect("twin fits");
            let python = bridge.compute(pair, &input).expect("baseline fits");
            let (Output::Values(r), Output::Values(p)) = (&rust, &python) else {
                panic!("{}: values expected", pair.name);
            };
            let agreement = compare(
                pair.comparison,
                pair.tolerance,
                &rust,
                &python,
                input.truth(),
            )
            .unwrap_or_else(|e| panic!("{} seed {seed}: {e}", pair.name));
            let quality = agreement.quality.expect("a forest's R² and r");
            assert!(
                quality.between >= 0.98,
                "{} seed {seed}: r = {}",
                pair.name,
                quality.between
            );
            rust_r2.push(r[2]);
            python_r2.push(p[2]);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let gap = (mean(&rust_r2) - mean(&python_r2)).abs();
        assert!(
            gap <= 0.02,
            "{}: mean R² {rust_r2:?} vs {python_r2:?}",
            pair.name
        );
    }
}

/// The forecast's post-processing and the capacity planner at their
/// boundaries: hours ahead 0 (read as 24), clocks at a month end, a year
/// end, a leap day and Europe's daylight-saving night (naive: no jump),
/// predictions exactly at the recommendation thresholds, usages exactly at
/// 90 / 80 / 60, a time to capacity of exactly 72 and of 0 (falsy), no
/// growth, both models missing, tied R².
#[test]
fn forecasts_and_capacity_agree_on_edge_cases() {
    let nan = f64::NAN;
    // metric, hours, clock, linear R², forest R², prediction, current.
    let rows: [[f64; 7]; 16] = [
        [3.0, 0.0, 1_769_896_800.0, 0.9, 0.8, 1000.0, 5000.0], // 2026-01-31T22:00
        [3.0, 3.0, 1_798_758_000.0, 0.2, nan, 10.0, 5000.0],   // 2026-12-31T23:00
        [5.0, 13.0, 1_835_395_200.0, 0.5, 0.5, 100.0, 1.0],    // 2028-02-29T00:00
        [6.0, 12.0, 1_774_746_000.0, nan, 0.7, 2.0, 1.0],      // 2026-03-29T01:00
        [6.0, 1.0, 1_774_746_000.0, nan, nan, 2.5, 1.0],
        [0.0, 24.0, 1_769_896_800.0, 1.0, 0.4, 95.0, 90.0],
        [1.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 70.0, 80.0],
        [2.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 80.0, 60.0],
        [2.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 59.0, 60.0],
        [0.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 20.0, 10.0],
        // 10 → 20 in 24 h: 70 / (10 / 24) = 168 h to 80; and to exactly 72.
        [4.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 600.0, 400.0],
        [4.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 600.0, 500.0],
        [3.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 11_000.0, 10_500.0],
        [3.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 5_000.0, 5_000.0],
        [7.0, 24.0, 1_769_896_800.0, 0.3, 0.9, 1.0e9, 1.0],
        [1.0, 24.0, 1_769_896_800.0, 0.3, 0.9, -5.0, 70.0],
    ];
    let input = Input::Matrix(FeatureMatrix {
        rows: rows.len(),
        cols: 7,
        data: rows.concat(),
        outliers: vec![false; rows.len()],
        clusters: vec![0; rows.len()],
    });
    let pairs: Vec<_> = served()
        .filter(|p| p.generator == Generator::ForecastCases)
        .collect();
    for pair in pairs {
        check(pair, &input).unwrap_or_else(|e| panic!("{}: {e}", pair.name));
    }
}

/// How far the isolation forest's own randomness moves the training pair's
/// AUC on its generator: the twin with random states 40–49 on the
/// smallest size, seeds 1–5. Prints the spread (run with `--ignored
/// --nocapture`); the pair's bound cites it.
#[test]
#[ignore = "a measurement, not a check"]
fn optimizer_training_auc_spread_over_random_states() {
    use twinbench::stats::rank::roc_auc;
    use twinbench_kernels::optimizer::{Sample, training};
    let pair = twinbench::pairs::find("optimizer_training").expect("registered");
    for &size in pair.sizes {
        for seed in 1..=5 {
            let Input::History(h) = pair.generator.generate(size, seed) else {
                panic!("history expected");
            };
            let samples: Vec<Sample> = (0..h.len())
                .map(|i| Sample {
                    metric: h.metric[i] as usize,
                    component: h.component[i] as usize,
                    value: h.value[i],
                    timestamp: h.timestamp[i],
                })
                .collect();
            let aucs: Vec<f64> = (40..50)
                .map(|state| {
                    let t =
                        training::train_models_seeded(&samples, false, state, training::Keep::Last)
                            .expect("trains")
                            .expect("enough samples");
                    let m = t.surviving().expect("a model");
                    let scores: Vec<f64> = samples
                        .iter()
                        .map(|s| {
                            let x = twinbench_kernels::ml::Matrix::new(
                                1,
                                4,
                                training::detector_features(s).to_vec(),
                            )
                            .expect("shape");
                            -m.detector
                                .score_samples(&m.scaler.transform(&x).expect("scales"))
                                .expect("scores")[0]
                        })
                        .collect();
                    roc_auc(&scores, &h.spike).expect("both classes")
                })
                .collect();
            let lo = aucs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = aucs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            println!(
                "size {size} seed {seed}: AUC {lo:.4}–{hi:.4} (spread {:.4})",
                hi - lo
            );
        }
    }
}

/// D056's effect on the training pair's benchmark input (6,000 samples,
/// seed 20261126): the AUC of the planted spikes under the models that
/// survive (as written) and under per-metric models, both sides. Prints
/// them (run with `--ignored --nocapture`); the defect entry cites them.
#[test]
#[ignore = "a measurement, not a check"]
fn optimizer_training_shared_models_cost_detection_quality() {
    let bridge = bridge::bridge().expect("bridge starts");
    for name in ["optimizer_training", "optimizer_training_fixed"] {
        let pair = twinbench::pairs::find(name).expect("registered");
        let input = pair.generator.generate(6_000, 20_261_126);
        let rust = (pair.rust.run)(&(pair.rust.prepare)(&input).expect("prepares")).expect("runs");
        let python = bridge.compute(pair, &input).expect("baseline runs");
        let agreement = compare(
            pair.comparison,
            pair.tolerance,
            &rust,
            &python,
            input.truth(),
        )
        .expect("agree");
        let q = agreement.quality.expect("AUC");
        println!(
            "{name}: AUC rust {:.4} python {:.4} (ρ {:.3})",
            q.rust, q.python, q.between
        );
    }
}

fn is_alerts(input: &Input) -> bool {
    matches!(input, Input::Alerts(_))
}

proptest! {
    // Each case correlates eight alerts against up to 60 on both sides.
    #![proptest_config(persisted(48))]

    #[test]
    fn alert_kernels_agree_on_random_streams(existing in 0usize..60, seed in any::<u64>()) {
        let input = Input::Alerts(alert_stream(existing, &mut SplitMix64::new(seed)));
        for pair in pairs_taking(is_alerts) {
            check(pair, &input)?;
        }
    }
}

/// A bare alert: id, time in seconds, title and description.
fn alert(id: u128, seconds: i64, title: &str, description: &str) -> Alert {
    Alert {
        id,
        triggered_at: ALERTS_ORIGIN_MICROS + seconds * 1_000_000,
        title: title.to_string(),
        description: description.to_string(),
        category: 0,
        severity: 2,
        source_host: None,
        source_component: None,
        tags: Vec::new(),
        metric_values: None,
        resolved: false,
    }
}

fn stream(alerts: Vec<Alert>, new: usize) -> Input {
    let existing = alerts.len() - new;
    Input::Alerts(AlertStream { alerts, existing })
}

/// The correlator's named edge cases, each checked to exercise what it
/// names (the strategy the twin picks), then compared with the baseline.
#[test]
fn alert_kernels_agree_on_edge_cases() {
    let correlation = PAIRS
        .iter()
        .find(|p| p.name == "alert_correlation")
        .expect("registered");
    let metrics = |pairs: &[(&str, f64)]| {
        Some(
            pairs
                .iter()
                .map(|&(k, v)| (k.to_string(), v))
                .collect::<Vec<_>>(),
        )
    };
    let far = |i: i64| i * 1_800; // 30 minutes apart: no temporal match
    let mut cases: Vec<(&str, Input, Option<i64>)> = Vec::new();
    cases.push(("no alerts", stream(Vec::new(), 0), None));
    cases.push(("one alert", stream(vec![alert(1, 0, "a", "b")], 1), None));
    let same_time: Vec<Alert> = (1..=4).map(|i| alert(i, 50, "x", "y")).collect();
    cases.push(("identical timestamps", stream(same_time, 1), Some(0)));
    let mut identical: Vec<Alert> = (1..=9)
        .map(|i| alert(i, far(i as i64), "Database timeout", "db-01 timed out"))
        .collect();
    for (k, a) in identical.iter_mut().enumerate() {
        a.category = (k % 6) as u8;
    }
    cases.push((
        "eight identical texts: semantic HIGH",
        stream(identical, 1),
        Some(2),
    ));
    let mut fields: Vec<Alert> = (1..=8).map(|i| alert(i, far(i as i64), "", "")).collect();
    for a in &mut fields {
        a.source_host = Some("db-01".into());
        a.source_component = Some("database".into());
        a.tags = vec![("env".into(), "prod".into())];
    }
    fields[0].source_host = Some(String::new());
    fields[1].source_component = None;
    cases.push((
        "missing and empty fields, empty strings",
        stream(fields, 1),
        Some(1),
    ));
    let mut unicode: Vec<Alert> = (1..=9)
        .map(|i| {
            alert(
                i,
                far(i as i64),
                "Ошибка İSTANBUL DIS\u{212a} 😀",
                "データベース接続タイムアウト\u{1c}ΟΔΟΣ",
            )
        })
        .collect();
    unicode[8].title = "ошибка istanbul disk".into();
    cases.push(("Unicode text", stream(unicode, 1), None));
    let mut nan: Vec<Alert> = (1..=4).map(|i| alert(i, far(i as i64), "p", "q")).collect();
    nan[0].metric_values = metrics(&[("cpu_usage", f64::NAN), ("memory_usage", 90.0)]);
    nan[1].metric_values = metrics(&[("cpu_usage", 0.0)]);
    nan[2].metric_values = metrics(&[("cpu_usage", f64::INFINITY)]);
    nan[3].metric_values = metrics(&[("cpu_usage", 80.0), ("memory_usage", f64::NAN)]);
    cases.push(("NaN, zero and inf metrics", stream(nan, 1), None));
    // A re-sent member of a stored correlation gets it back; duplicate ids
    // among the existing alerts count once in the divisor.
    let mut resent: Vec<Alert> = (1..=4).map(|i| alert(i, 10, "r", "s")).collect();
    resent[1].id = 1;
    resent.push(alert(5, 10, "r", "s"));
    resent.push(alert(3, 4_000, "other", "text"));
    cases.push(("re-sent and duplicate ids", stream(resent, 2), Some(0)));
    for (name, input, strategy) in &cases {
        if let Some(strategy) = strategy {
            let lists = rust_lists(correlation, input);
            let first = lists
                .lists
                .first()
                .unwrap_or_else(|| panic!("{name}: no outcome"));
            assert_eq!(first[0], *strategy, "{name}: {lists:?}");
        }
        for pair in pairs_taking(is_alerts) {
            check(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

/// The rule engine's named edge cases: each checked on the twin for what
/// it names, then every alert-stream pair compared with its baseline.
#[test]
fn rule_engine_agrees_on_edge_cases() {
    let engine = PAIRS
        .iter()
        .find(|p| p.name == "rule_correlation")
        .expect("registered");
    // The root of the group each alert got (-1: skipped).
    let roots = |input: &Input| -> Vec<i64> {
        rust_lists(engine, input)
            .lists
            .iter()
            .filter(|l| l[0] == 0)
            .map(|l| l[1])
            .collect()
    };
    let whole = |alerts: Vec<Alert>| stream(alerts, 0);
    let hosted = |id: u128, seconds: i64, host: &str| {
        let mut a = alert(id, seconds, &format!("t{id}"), &format!("d{id}"));
        a.source_host = Some(host.to_string());
        a
    };
    let mut cases: Vec<(&str, Input, Vec<i64>)> = Vec::new();
    // Resolved and test-tagged alerts are skipped.
    let mut skipped = vec![
        hosted(1, 0, "db-01"),
        hosted(2, 1, "db-01"),
        hosted(3, 2, "db-01"),
    ];
    skipped[1].resolved = true;
    skipped[2].tags = vec![("test".into(), "TRUE".into())];
    cases.push(("resolved and test alerts", whole(skipped), vec![0, -1, -1]));
    // Same host within 5 minutes joins; the fifth alert suppresses the
    // group, so the sixth opens its own.
    let same: Vec<Alert> = (1..=6).map(|i| hosted(i, i as i64, "db-01")).collect();
    cases.push((
        "same entity until suppressed",
        whole(same),
        vec![0, 0, 0, 0, 0, 5],
    ));
    // A dotless ı still matches `connection` in Python's IGNORECASE.
    let mut turkish = vec![
        alert(1, 0, "Bağlantı hatası", "connectıon lost"),
        // Four features differ (words, error, warning, critical): the
        // feature rule cannot correlate them; only the pattern can.
        alert(
            2,
            60,
            "Zaman aşımı error warning critical",
            "the connectıon was reset by peer",
        ),
    ];
    turkish[0].category = 0;
    turkish[1].category = 0;
    cases.push((
        "Turkish dotless i in the performance pattern",
        whole(turkish),
        vec![0, 0],
    ));
    // A re-sent alert opening a group at the same instant replaces the
    // first copy's group (same md5 key).
    let resent = vec![
        alert(7, 0, "alpha", "alpha"),
        alert(
            7,
            0,
            "error timeout",
            "connection database memory cpu disk warning error",
        ),
    ];
    cases.push(("same key replaces the group", whole(resent), vec![0, 1]));
    // 25 hours later the hourly cleanup drops the first group.
    let late = vec![hosted(1, 0, "a"), hosted(2, 25 * 3_600, "b")];
    cases.push(("cleanup after 24 hours", whole(late), vec![0, 1]));
    // A critical alert within 2 minutes of a group's creation.
    let mut critical = vec![alert(1, 0, "x", "y"), alert(2, 30, "p", "q")];
    critical[1].severity = 0;
    cases.push(("critical time window", whole(critical), vec![0, 0]));
    for (name, input, expected) in &cases {
        assert_eq!(&roots(input), expected, "{name}");
        for pair in pairs_taking(is_alerts) {
            check(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    // The replaced and the cleaned-up groups are no longer live.
    let live = |input: &Input| -> Vec<i64> {
        rust_lists(engine, input)
            .lists
            .iter()
            .filter(|l| l[0] == 1)
            .map(|l| l[3])
            .collect()
    };
    assert_eq!(live(&cases[3].1), [0, 1]);
    assert_eq!(live(&cases[4].1), [0, 1]);
}

fn is_alert_batch(input: &Input) -> bool {
    matches!(input, Input::AlertBatch(_))
}

proptest! {
    // Each case processes up to 80 alert dicts on both sides.
    #![proptest_config(persisted(64))]

    #[test]
    fn alert_batch_kernels_agree_on_random_batches(size in 0usize..80, seed in any::<u64>()) {
        let input = Input::AlertBatch(alert_batch(size, &mut SplitMix64::new(seed)));
        for pair in pairs_taking(is_alert_batch) {
            check(pair, &input)?;
        }
    }
}

/// An alert dict with an id, a time in seconds, a service and a metric.
fn record(
    id: Option<u64>,
    seconds: i64,
    service: &str,
    metric: &str,
    severity: &str,
) -> AlertRecord {
    AlertRecord {
        alert_id: id,
        timestamp: ALERTS_ORIGIN_MICROS + seconds * 1_000_000,
        service: Field::Text(service.to_string()),
        component: Field::Absent,
        source: Field::Absent,
        metric_name: Some(metric.to_string()),
        severity: Some(severity.to_string()),
    }
}

/// The smart-alerting system's named edge cases, each checked to exercise
/// what it names on the twin, then compared with the baseline.
#[test]
fn alert_batch_kernels_agree_on_edge_cases() {
    let batch = |alerts: Vec<AlertRecord>| {
        let now = alerts
            .iter()
            .map(|a| a.timestamp)
            .max()
            .unwrap_or(ALERTS_ORIGIN_MICROS);
        Input::AlertBatch(AlertBatch { alerts, now })
    };
    let smart = PAIRS
        .iter()
        .find(|p| p.name == "smart_alerting")
        .expect("registered");
    // (name, input, lists the twin must give: correlations + groups)
    let mut cases: Vec<(&str, Input, Option<usize>)> = Vec::new();
    cases.push(("no alerts", batch(Vec::new()), Some(0)));
    cases.push((
        "one alert",
        batch(vec![record(Some(1), 0, "database", "cpu_usage", "high")]),
        Some(1),
    ));
    // 600 s apart: inside the inclusive window; 601 s: outside.
    let edge = vec![
        record(Some(1), 0, "auth", "x", "low"),
        record(Some(2), 600, "auth", "y", "low"),
        record(Some(3), 1_201, "auth", "z", "low"),
    ];
    cases.push(("the window's edges", batch(edge), None));
    let same: Vec<AlertRecord> = (1..=6)
        .map(|i| record(Some(i), 5, "database", "memory_usage", "critical"))
        .collect();
    cases.push(("identical timestamps", batch(same), None));
    let no_ids: Vec<AlertRecord> = (0..5)
        .map(|i| {
            record(
                None,
                10 * (5 - i),
                "graphmemory_api",
                "response_time",
                "High",
            )
        })
        .collect();
    cases.push((
        "no ids: fallback ids, singleton groups",
        batch(no_ids),
        None,
    ));
    let mut resent: Vec<AlertRecord> = (1..=5)
        .map(|i| record(Some(i % 3), i as i64, "database", "error_rate", "medium"))
        .collect();
    resent[4].service = Field::Null;
    resent[3].service = Field::Text(String::new());
    cases.push(("re-sent ids, None and empty services", batch(resent), None));
    // 70 critical alerts 20 minutes apart with unrelated services: 70
    // groups, PagerDuty's 20 an hour and Slack's 60 run out.
    let flood: Vec<AlertRecord> = (0..70)
        .map(|i| record(Some(i), i as i64 * 1_200, "auth", "queue_depth", "CRITICAL"))
        .collect();
    cases.push(("the hourly rate limit", batch(flood), Some(70)));
    let unicode = vec![
        record(Some(1), 0, "database", "RESPONSE_TİME_\u{212a}", "crİtical"),
        record(Some(2), 9_000, "storage", "ΜΕΜΟΡΥ_memory", "ＨＩＧＨ"),
    ];
    cases.push(("Unicode names and severities", batch(unicode), None));
    for (name, input, lists) in &cases {
        if let Some(expected) = lists {
            assert_eq!(rust_lists(smart, input).lists.len(), *expected, "{name}");
        }
        for pair in pairs_taking(is_alert_batch) {
            check(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    // The flood: of 70 notifications, 20 reached PagerDuty and 60 Slack.
    let flood = rust_lists(smart, &cases[6].1);
    let sent = |bit: i64| flood.lists.iter().filter(|l| l[5] & bit != 0).count();
    assert_eq!((sent(1), sent(2)), (20, 60));
}

fn is_ticks(input: &Input) -> bool {
    matches!(input, Input::Ticks(_))
}

proptest! {
    // Each case runs up to 600 ticks (five hours) on both sides.
    #![proptest_config(persisted(48))]

    #[test]
    fn tick_kernels_agree_on_random_streams(size in 0usize..600, seed in any::<u64>()) {
        let input = Input::Ticks(resource_ticks(size, &mut SplitMix64::new(seed)));
        for pair in pairs_taking(is_ticks) {
            check(pair, &input)?;
        }
    }
}

/// The threshold engine's named edge cases, each checked on the twin for
/// what it names, then compared with the baseline.
#[test]
fn tick_kernels_agree_on_edge_cases() {
    let engine = PAIRS
        .iter()
        .find(|p| p.name == "alert_engine")
        .expect("registered");
    // Ticks 30 s apart with the same reading; `action` per tick.
    let ticks = |n: usize, fill: &dyn Fn(&mut ResourceTicks, usize)| {
        let mut t = ResourceTicks::default();
        for i in 0..n {
            t.time.push(TICKS_ORIGIN_MICROS + i as i64 * 30_000_000);
            for column in [
                &mut t.cpu,
                &mut t.memory,
                &mut t.memory_used,
                &mut t.memory_total,
                &mut t.connections,
                &mut t.hit_rate,
            ] {
                column.push(None);
            }
            t.action.push(0);
            t.target.push(0);
            fill(&mut t, i);
        }
        Input::Ticks(t)
    };
    // The rules that fired, per tick.
    let fired = |input: &Input| -> Vec<Vec<i64>> {
        let lists = rust_lists(engine, input).lists;
        let mut out: Vec<Vec<i64>> = Vec::new();
        for l in lists {
            if l[0] == 0 {
                out.push(Vec::new());
            } else if let Some(last) = out.last_mut() {
                last.push(l[1]);
            }
        }
        out
    };
    let mut cases: Vec<(&str, Input)> = Vec::new();
    cases.push(("no ticks", ticks(0, &|_, _| {})));
    cases.push(("nothing reported", ticks(3, &|_, _| {})));
    // NaN everywhere: every comparison false, eq and ne included.
    let nan = ticks(4, &|t, i| {
        t.cpu[i] = Some(f64::NAN);
        t.memory[i] = Some(f64::NAN);
        t.hit_rate[i] = Some(f64::NAN);
        t.connections[i] = Some(f64::NAN);
    });
    assert!(fired(&nan).iter().all(Vec::is_empty));
    cases.push(("NaN readings", nan));
    // CPU at 90: High CPU needs two breaches in 5 minutes, so it fires on
    // the second tick, then the unresolved alert blocks it for good.
    let cpu = ticks(60, &|t, i| t.cpu[i] = Some(90.0));
    let cpu_fired = fired(&cpu);
    assert_eq!(cpu_fired[1], [0]);
    assert!(cpu_fired[2..].iter().all(|f| !f.contains(&0)));
    cases.push(("an unresolved alert blocks its rule", cpu));
    // The same, resolved every 20 minutes: it fires again after each.
    let resolved = ticks(120, &|t, i| {
        t.cpu[i] = Some(90.0);
        if i % 40 == 39 {
            t.action[i] = 2;
        }
    });
    let again = fired(&resolved).iter().filter(|f| f.contains(&0)).count();
    assert!(again >= 3, "fired {again} times");
    cases.push(("resolved alerts let the rule fire again", resolved));
    // Memory from used/total, total 0 falling back to the percentage, and
    // 50.0005 counting as equal to 50 for `ne`.
    let memory = ticks(6, &|t, i| {
        t.memory[i] = Some([50.0005, 93.0, 50.0, 60.0, 49.9, 70.0][i]);
        if i >= 3 {
            t.memory_used[i] = Some(8_192.0);
            t.memory_total[i] = Some(if i == 4 { 0.0 } else { 16_384.0 });
        }
    });
    cases.push(("memory sources and the ne tolerance", memory));
    cases.push((
        "acknowledged, then resolved",
        ticks(50, &|t, i| {
            t.hit_rate[i] = Some(0.0);
            t.action[i] = [0, 1, 0, 2][i % 4];
            t.target[i] = i as u32;
        }),
    ));
    for (name, input) in &cases {
        for pair in pairs_taking(is_ticks) {
            check(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

fn is_metric_alerts(input: &Input) -> bool {
    matches!(input, Input::MetricAlerts(_))
}

proptest! {
    #![proptest_config(persisted(48))]

    #[test]
    fn metric_alert_kernels_agree_on_random_streams(size in 0usize..300, seed in any::<u64>()) {
        let input = Input::MetricAlerts(metric_alerts(size, &mut SplitMix64::new(seed)));
        for pair in pairs_taking(is_metric_alerts) {
            check(pair, &input)?;
        }
    }
}

/// The contextual manager's named edge cases, compared with the baseline
/// (both sides failing counts as agreement: a reply Python cannot parse
/// with anything but an exception other than JSONDecodeError).
#[test]
fn metric_alert_kernels_agree_on_edge_cases() {
    let manager = PAIRS
        .iter()
        .find(|p| p.name == "contextual_alerts")
        .expect("registered");
    let alerts = |replies: &[String], step: i64| {
        let mut a = MetricAlerts::default();
        for (i, reply) in replies.iter().enumerate() {
            a.time.push(METRIC_ALERTS_ORIGIN_MICROS + i as i64 * step);
            a.metric
                .push(["database_cpu", "Redis_Latency", "auth_errors"][i % 3]);
            a.value.push(150.0);
            a.threshold.push(100.0);
            a.response.push(reply.clone());
        }
        Input::MetricAlerts(a)
    };
    let deep = format!("{{\"a\": {}1{}}}", "[".repeat(2_000), "]".repeat(2_000));
    let long_int = format!("{{\"n\": {}}}", "7".repeat(4_301));
    let cases: Vec<(&str, Input, bool)> = vec![
        ("no alerts", alerts(&[], 1), true),
        ("nested too deep", alerts(&[deep], 1), false),
        (
            "an integer past 4,300 digits",
            alerts(&[long_int], 1),
            false,
        ),
        // 1,100 incidents in one day: the history keeps the last 500.
        (
            "history trimmed past 1,000",
            alerts(&vec!["{}".to_string(); 1_100], 10_000),
            true,
        ),
        (
            "same metric, same second: one incident id",
            alerts(&vec!["{\"x\": 1}".to_string(); 7], 100_000),
            true,
        ),
    ];
    for (name, input, twin_answers) in &cases {
        let prepared = (manager.rust.prepare)(input).expect("prepares");
        assert_eq!(
            (manager.rust.run)(&prepared).is_ok(),
            *twin_answers,
            "{name}"
        );
        for pair in pairs_taking(is_metric_alerts) {
            check(pair, input).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

/// Every latency measurement times each call on both sides, on a short
/// stream (the bench runs them at full size; nothing here is timed against
/// a bound).
#[test]
fn latency_measurements_time_every_call_on_both_sides() {
    let bridge = bridge::bridge().expect("bridge");
    for spec in twinbench::pairs::latency::LATENCIES {
        let input = (spec.input)(40, 12, 20261126);
        let rust = (spec.rust)(&input, 12).expect("Rust side");
        assert_eq!(rust.len(), 12, "{}: one time per call", spec.name);
        let python = bridge
            .per_call_times_on(spec.python, &input, 5)
            .expect("Python side");
        assert_eq!(python.len(), 5, "{}: one time per call", spec.name);
        assert!(python.iter().all(|&ns| ns > 0), "{}: {python:?}", spec.name);
    }
}

/// The report reads the baseline's answer from its memory measurement's
/// untraced call (`Bridge::answer_and_memory`) instead of calling it once
/// more: that answer must be the one a call of its own gives, with the
/// memory figures still measured, for a graph, a DataFrame and a
/// scikit-learn baseline; and a raising baseline is an error naming it.
#[test]
fn the_answer_read_from_the_memory_measurement_is_the_baselines_answer() {
    let bridge = bridge::bridge().expect("bridge starts");
    for (kernel, size) in [
        ("pagerank", 500),
        ("group_aggregations", 10_000),
        ("cluster_kmeans", 300),
    ] {
        let pair = twinbench::pairs::find(kernel).expect("registered");
        let input = pair.generator.generate(size, 7);
        let own = bridge.compute(pair, &input).expect("a call of its own");
        let answered = bridge
            .answer_and_memory(pair.python, pair.output, &input)
            .expect("measured");
        let answer = answered.answer.expect("an answer");
        assert_eq!(answer, own, "{kernel}");
        let memory = twinbench::measure::memory::python_figures(answered.memory);
        assert!(memory.peak_bytes > 0, "{kernel}: {memory:?}");
        assert!(memory.result_c_heap_bytes.is_some(), "{kernel}: {memory:?}");
    }
    let pagerank = twinbench::pairs::find("pagerank").expect("registered");
    let missing = twinbench::pairs::PythonFunction {
        module: "twinbench_baselines.graph",
        function: "no_such_kernel",
    };
    let input = pagerank.generator.generate(100, 7);
    let err = bridge
        .answer_and_memory(missing, pagerank.output, &input)
        .expect_err("no such function");
    assert!(err.to_string().contains("no_such_kernel"), "{err}");
}
