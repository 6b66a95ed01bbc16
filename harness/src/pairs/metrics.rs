//! Analytics K5 (whole-graph metrics) and K8 (node feature matrix), catalog
//! analytics.md.

use crate::pins::PinSet;
use twinbench_kernels::graph::{features, metrics};

use super::glue::{expect_attributed_graph, expect_graph, prepare_attributed_graph, prepare_graph};
use super::{
    Alternative, Domain, EXACT, Implementation, KernelPair, OriginalUse, OutputKind, Prepared,
    PythonFunction, RustTwin, THROUGH_BACKEND, TwinError, twin_from_python,
};
use crate::compare::Output;
use crate::compare::{Comparison, Tolerance};
use crate::inputs::Generator;
use crate::pairs::Side;

const METRICS: &str = "twinbench_baselines.metrics";

pub(super) const GRAPH_METRICS: KernelPair = KernelPair {
    name: "graph_metrics",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K5 calculate_graph_metrics: node/edge counts, nx.density, \
              nx.average_clustering, components, and nx.average_shortest_path_length + \
              nx.diameter on the (largest) component; values in that order, NaN for None",
    python: PythonFunction {
        module: METRICS,
        function: "graph_metrics",
    },
    output: OutputKind::Values,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_graph_metrics,
        run_parallel: Some(run_graph_metrics_parallel),
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    tolerance: EXACT,
    tolerance_rationale: "integer counts and distance sums, each ratio one correctly rounded \
                          division, the clustering mean summed left to right as CPython 3.11's \
                          sum() does: bit-identical (a Python >= 3.12 compensated sum could \
                          move the last bit)",
    sizes: &[500, 1_000, 2_000],
    claims: &["C01", "C07"],
    alternatives: &[
        Alternative {
            side: Side::Igraph,
            implementation: Implementation::Python(PythonFunction {
                module: "twinbench_baselines.peer_igraph",
                function: "graph_metrics",
            }),
            // Measured: path length, diameter and counts exact; the clustering
            // mean once 1 ulp off (1.2e-16 relative).
            tolerance: Some(Tolerance {
                rtol: 1e-12,
                atol: 0.0,
            }),
            comparison: None,
            note: "the same record from igraph calls (density, transitivity_local_undirected \
               averaged, connected_components, average_path_length, diameter)",
        },
        twin_from_python("graph_metrics", THROUGH_BACKEND),
    ],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("engine.py detect_communities (L391) and perform_clustering (L620)"),
    },
};

fn run_graph_metrics(prepared: &Prepared) -> Result<Output, TwinError> {
    let g = expect_graph(prepared)?;
    Ok(Output::Values(
        metrics::calculate_graph_metrics(g).values().to_vec(),
    ))
}

fn run_graph_metrics_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    let g = expect_graph(prepared)?;
    Ok(Output::Values(
        metrics::calculate_graph_metrics_parallel(g)
            .values()
            .to_vec(),
    ))
}

pub(super) const NODE_FEATURES: KernelPair = KernelPair {
    name: "node_features",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K8 extract_node_features: per node degree, nx.clustering, \
              nx.betweenness_centrality, nx.closeness_centrality and the numeric node \
              attribute weight (attr_weight, the benchmark graph's hash(node) % 100), as \
              written: both whole-graph centralities recomputed inside the per-node loop \
              (O(n²m)), so only small graphs finish; python-fixed computes them once",
    python: PythonFunction {
        module: METRICS,
        function: "node_features_as_written",
    },
    output: OutputKind::Values,
    rust: RustTwin {
        prepare: prepare_attributed_graph,
        run: run_node_features,
        run_parallel: Some(run_node_features_parallel),
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    // Degree, clustering, closeness: bit-identical. Betweenness: exact
    // Brandes adding the same terms in another order (≤ 4.8e-15 relative).
    tolerance: Tolerance {
        rtol: 1e-12,
        atol: 1e-15,
    },
    tolerance_rationale: "degree, clustering, closeness and attr_weight bit-identical; the \
                          betweenness column is exact Brandes adding the same terms in another \
                          order (measured ≤ 4.8e-15 relative)",
    sizes: &[20, 40, 80],
    claims: &["C01", "C07", "C22"],
    alternatives: &[
        Alternative {
            side: Side::PythonFixed,
            implementation: Implementation::Python(PythonFunction {
                module: METRICS,
                function: "node_features",
            }),
            tolerance: None,
            comparison: None,
            note: "the same loop with betweenness and closeness computed once before it (the fix \
               any Python developer would make): the identical matrix",
        },
        twin_from_python("node_features_as_written", THROUGH_BACKEND),
    ],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "engine.py perform_clustering (L594) and detect_anomalies (L681); benchmarks.py runs it only as the untimed set-up of its clustering benchmark",
        ),
    },
};

fn run_node_features(prepared: &Prepared) -> Result<Output, TwinError> {
    let (graph, attributes) = expect_attributed_graph(prepared)?;
    Ok(Output::Values(features::extract_node_features(
        graph, attributes,
    )?))
}

fn run_node_features_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    let (graph, attributes) = expect_attributed_graph(prepared)?;
    Ok(Output::Values(features::extract_node_features_parallel(
        graph, attributes,
    )?))
}
