//! Analytics K4 (networkx paths), the engine's own K9 metrics and K10 BFS
//! paths, and K27 pair clustering (catalog analytics.md).
//!
//! Every comparison here is exact: the outputs are integer lists (node ids in
//! path or member order) and values that are integers or one correctly
//! rounded division of integers (an average of path lengths, a density).

use crate::pins::PinSet;
use twinbench_kernels::graph::{engine, pair_clusters, paths};

use super::glue::{
    expect_graph, expect_pairs, expect_rows, lists_output, prepare_graph, prepare_rows,
};
use super::{
    Alternative, Domain, EXACT, Implementation, KernelPair, OriginalUse, OutputKind, Prepared,
    PythonFunction, RustTwin, THROUGH_BACKEND, TwinError, twin_from_python,
};
use crate::compare::Comparison;
use crate::compare::Output;
use crate::inputs::{Generator, Input};
use crate::pairs::Side;

const PATHS: &str = "twinbench_baselines.paths";
const ENGINE: &str = "twinbench_baselines.engine";

/// The original with its accidental slowness removed, checked equal to it.
const fn fixed(module: &'static str, function: &'static str, note: &'static str) -> Alternative {
    Alternative {
        side: Side::PythonFixed,
        implementation: Implementation::Python(PythonFunction { module, function }),
        tolerance: None,
        comparison: None,
        note,
    }
}

/// Every path as a list from source to target; values = `[paths_found,
/// average, min, max, total]` (NaN statistics when nothing was found), the
/// layout of `paths.output` and `engine.bfs_paths_output`.
fn path_output(analysis: &paths::PathAnalysis) -> Output {
    let stats = analysis.statistics;
    let stat = |f: fn(&paths::PathStatistics) -> f64| stats.as_ref().map_or(f64::NAN, f);
    lists_output(
        &analysis.paths.nodes,
        &analysis.paths.offsets,
        vec![
            analysis.paths_found as f64,
            stat(|s| s.average_path_length),
            stat(|s| s.min_path_length as f64),
            stat(|s| s.max_path_length as f64),
            stat(|s| s.total_paths as f64),
        ],
    )
}

pub(super) const PATHS_SHORTEST: KernelPair = KernelPair {
    name: "paths_shortest",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K4 analyze_paths(path_type=\"shortest\", max_depth=5): nx.has_path then \
              nx.shortest_path (bidirectional BFS) from 3 fixed sources to every node, with the \
              path statistics",
    python: PythonFunction {
        module: PATHS,
        function: "paths_shortest",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_paths_shortest,
        run_parallel: Some(run_paths_shortest_parallel),
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "the concrete tie-broken paths are reproduced (networkx's bidirectional \
                          search expands whole levels, so its forward side is the source's BFS \
                          tree); the average is one division of an integer sum",
    sizes: &[1_000, 3_000, 5_000],
    claims: &["C01", "C07"],
    alternatives: &[
        fixed(
            PATHS,
            "paths_shortest_fixed",
            "the original without its redundant nx.has_path, which runs the same search again",
        ),
        twin_from_python("paths_shortest", THROUGH_BACKEND),
    ],
    original: OriginalUse {
        timed_by: None,
        called_by: None,
    },
};

fn run_paths_shortest(prepared: &Prepared) -> Result<Output, TwinError> {
    let g = expect_graph(prepared)?;
    let request = paths::PathRequest::benchmark_shortest(g.node_count());
    Ok(path_output(&paths::analyze_paths(g, &request)))
}

fn run_paths_shortest_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    let g = expect_graph(prepared)?;
    let request = paths::PathRequest::benchmark_shortest(g.node_count());
    Ok(path_output(&paths::analyze_paths_parallel(g, &request)))
}

pub(super) const PATHS_ALL_SIMPLE: KernelPair = KernelPair {
    name: "paths_all_simple",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K4 analyze_paths(path_type=\"all_simple\"): \
              list(nx.all_simple_paths(G, s, t, cutoff=4)) from node n-1 to the 32 hubs 0..31 \
              (cutoff 5, the request default, yields millions of paths per pair on these graphs)",
    python: PythonFunction {
        module: PATHS,
        function: "paths_all_simple",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_paths_all_simple,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "every simple path in networkx's DFS order; one DFS per source serves \
                          all targets because a pair's DFS differs only by not passing through \
                          its target",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C01", "C07"],
    alternatives: &[twin_from_python("paths_all_simple", THROUGH_BACKEND)],
    original: OriginalUse {
        timed_by: None,
        called_by: None,
    },
};

fn run_paths_all_simple(prepared: &Prepared) -> Result<Output, TwinError> {
    let g = expect_graph(prepared)?;
    let request = paths::PathRequest::benchmark_all_simple(g.node_count());
    Ok(path_output(&paths::analyze_paths(g, &request)))
}

pub(super) const ENGINE_GRAPH_METRICS: KernelPair = KernelPair {
    name: "engine_graph_metrics",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K9 AnalyticsEngine.calculate_graph_metrics: the engine's own counts, \
              raw-row density and components (the original's recursive DFS raises \
              RecursionError from ~1,750 nodes; the baseline runs it with an explicit stack)",
    python: PythonFunction {
        module: ENGINE,
        function: "graph_metrics",
    },
    output: OutputKind::Values,
    rust: RustTwin {
        prepare: prepare_rows,
        run: run_engine_graph_metrics,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    tolerance: EXACT,
    tolerance_rationale: "integer counts and one division for the density, on both sides",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C01", "C07"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "engine.py analyze_centrality (L287), analyze_paths (L434) and the graph-metrics route (L537)",
        ),
    },
};

/// `[node_count, edge_count, density, average_clustering,
/// connected_components, largest_component_size]`.
fn run_engine_graph_metrics(prepared: &Prepared) -> Result<Output, TwinError> {
    let (n, rows) = expect_rows(prepared)?;
    Ok(Output::Values(
        engine_metrics_values(&engine::graph_metrics(n, rows)).to_vec(),
    ))
}

/// K9's fields in `engine.graph_metrics_output`'s order.
fn engine_metrics_values(m: &engine::EngineMetrics) -> [f64; 6] {
    [
        m.node_count as f64,
        m.edge_count as f64,
        m.density,
        m.average_clustering,
        m.connected_components as f64,
        m.largest_component_size as f64,
    ]
}

pub(super) const ENGINE_BFS_PATHS: KernelPair = KernelPair {
    name: "engine_bfs_paths",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K10 AnalyticsEngine.analyze_paths, the route as the original runs it: \
              its graph fetch, calculate_graph_metrics (a second fetch and K9), then the \
              engine's own BFS (list.pop(0), target list membership) from 3 sources to every \
              node at the request's default max_depth 5, with its off-by-one and repeated \
              frontier records reproduced; values = path statistics then K9's six",
    python: PythonFunction {
        module: ENGINE,
        function: "bfs_paths",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_rows,
        run: run_engine_bfs_paths,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "every recorded path in recording order, duplicates included; the \
                          average and K9's density are one division of integers each",
    sizes: &[1_000, 3_000, 6_000],
    claims: &["C01", "C07"],
    alternatives: &[fixed(
        ENGINE,
        "bfs_paths_fixed",
        "the same route with a deque and a target set in the BFS instead of list.pop(0) and \
         list membership (fetches and K9 as written)",
    )],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "analytics_routes.py analyze_paths (L159) and engine.py process_analytics_request (L534)",
        ),
    },
};

/// The route's paths as [`path_output`], K9's metrics appended to the values
/// (the layout of `engine.bfs_paths_output`).
fn run_engine_bfs_paths(prepared: &Prepared) -> Result<Output, TwinError> {
    let (n, rows) = expect_rows(prepared)?;
    let request = engine::BfsRequest::benchmark(n);
    let route = engine::analyze_paths_route(n, rows, &request);
    let mut output = path_output(&route.paths);
    if let Output::Lists(lists) = &mut output {
        lists
            .values
            .extend(engine_metrics_values(&route.graph_metrics));
    }
    Ok(output)
}

pub(super) const PAIR_CLUSTERS: KernelPair = KernelPair {
    name: "pair_clusters",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K27 kuzu _build_clusters_from_pairs(pairs, min_size=3): incremental \
              list-merge clustering of entity pairs (edges of strength >= 8, strongest first)",
    python: PythonFunction {
        module: ENGINE,
        function: "pair_clusters",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_pair_rows,
        run: run_pair_clusters,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "clusters and their members in the original's creation and merge \
                          order, exactly",
    sizes: &[1_000, 10_000, 20_000],
    claims: &["C01", "C07"],
    alternatives: &[fixed(
        ENGINE,
        "pair_clusters_fixed",
        "linked lists and union-find instead of list concatenation and re-pointing every \
         moved member (O(n²) when a large cluster is merged into a small one)",
    )],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("kuzu_analytics.py (L263), the Kùzu clustering path"),
    },
};

/// The Cypher query's rows: edges of strength ≥ the threshold, strongest
/// first (built outside timing, as the database hands them over).
fn prepare_pair_rows(input: &Input) -> Result<Prepared, TwinError> {
    let graph = prepare_graph(input)?;
    Ok(Prepared::Pairs(pair_clusters::pair_rows(
        expect_graph(&graph)?,
        pair_clusters::STRENGTH_THRESHOLD,
    )))
}

/// One list per cluster (member ids in order); values = `[cluster count]`.
fn run_pair_clusters(prepared: &Prepared) -> Result<Output, TwinError> {
    let clusters = pair_clusters::build_clusters_from_pairs(
        expect_pairs(prepared)?,
        pair_clusters::MIN_CLUSTER_SIZE,
    );
    Ok(lists_output(
        &clusters.members,
        &clusters.offsets,
        vec![clusters.len() as f64],
    ))
}
