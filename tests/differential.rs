//! Differential tests: every registered pair, Rust twin against the Python
//! baseline on random small inputs (proptest shrinks a failure to the
//! smallest input and prints it with both values) and on its own generator.

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use twinbench::compare::Comparison;
use twinbench::compare::compare;
use twinbench::inputs::{EdgeList, FeatureMatrix, Generator, Input, MetricSeries};
use twinbench::pairs::{KernelPair, PAIRS};
use twinbench::sides::python as bridge;
use twinbench_kernels::graph::Edge;

/// Pairs whose generator produces inputs of the same kind as `sample`.
fn pairs_taking(sample: fn(&Input) -> bool) -> Vec<&'static KernelPair> {
    PAIRS
        .iter()
        .filter(|pair| sample(&pair.generator.generate(pair.generator.min_size(), 0)))
        .collect()
}

fn is_graph(input: &Input) -> bool {
    matches!(input, Input::Graph(_))
}

fn is_series(input: &Input) -> bool {
    matches!(input, Input::Series(_))
}

/// Pairs on matrices whose answer is deterministic: the statistical modes
/// are judged on their generators' sizes, not on a handful of rows.
fn is_matrix_with_an_exact_answer(pair: &KernelPair) -> bool {
    matches!(
        pair.generator,
        Generator::FeatureMatrix { .. } | Generator::MetricFrame { .. }
    ) && !matches!(pair.comparison, Comparison::AnomalyScores(_))
}

/// Runs both sides of `pair` on `input` and compares them with the pair's
/// own mode and tolerance.
fn check(pair: &KernelPair, input: &Input) -> Result<(), TestCaseError> {
    let bridge = bridge::bridge().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let prepared = (pair.rust.prepare)(input)
        .map_err(|e| TestCaseError::fail(format!("{}: Rust prepare failed: {e}", pair.name)))?;
    let rust = (pair.rust.run)(&prepared);
    let python = bridge.compute(pair, input);
    match (rust, python) {
        (Ok(rust), Ok(python)) => compare(
            pair.comparison,
            pair.tolerance,
            &rust,
            &python,
            input.truth(),
        )
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

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Shrunk failures are replayed first on the next run; commit them.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/proptest-regressions/differential.txt"
        )))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn graph_kernels_agree_on_random_graphs(graph in arb_graph()) {
        for pair in pairs_taking(is_graph) {
            check(pair, &Input::Graph(graph.clone()))?;
        }
    }

    #[test]
    fn exact_matrix_kernels_agree_on_random_matrices(matrix in arb_matrix()) {
        for pair in PAIRS.iter().filter(|p| is_matrix_with_an_exact_answer(p)) {
            check(pair, &Input::Matrix(matrix.clone()))?;
        }
    }

    #[test]
    fn series_kernels_agree_on_random_series(series in arb_series()) {
        for pair in pairs_taking(is_series) {
            check(pair, &Input::Series(series.clone()))?;
        }
    }
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

#[test]
fn every_pair_agrees_on_its_own_generator() {
    for pair in PAIRS {
        let size = pair.sizes[0];
        for seed in [1, 2] {
            let input = pair.generator.generate(size, seed);
            check(pair, &input).unwrap_or_else(|e| panic!("size {size}, seed {seed}: {e}"));
        }
    }
}

/// Peers and fixed baselines compute the same quantity as the baseline, on
/// the pair's own generator, within their stated tolerance.
#[test]
fn every_alternative_agrees_with_its_baseline() {
    let bridge = bridge::bridge().expect("bridge starts");
    for pair in PAIRS {
        let input = pair.generator.generate(pair.sizes[0], 1);
        let Ok(baseline) = bridge.compute(pair, &input) else {
            panic!("{}: the baseline failed on its own generator", pair.name);
        };
        for alt in pair.alternatives {
            let answer = bridge
                .compute_with(alt.python, pair.output, &input)
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
    let pins = bridge::read_pins(&twinbench::workspace::requirements_file()).expect("pins");
    assert_eq!(bridge.packages, pins);
    let networkx_file = bridge
        .eval_expression("__import__('networkx').__file__")
        .expect("imports");
    assert!(
        networkx_file.starts_with(&bridge.venv.display().to_string()),
        "networkx imported from {networkx_file}, not from {}",
        bridge.venv.display()
    );
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
