//! Analytics K1: the node centralities and PageRank (catalog analytics.md),
//! with their peers.

use crate::pins::PinSet;
use twinbench_kernels::graph;

use super::glue::{node_scores, prepare_graph};
use super::{
    Alternative, Domain, EXACT, Implementation, KernelPair, OriginalUse, OutputKind, Prepared,
    PythonFunction, RustTwin, THROUGH_BACKEND, TwinError, twin_from_python,
};
use crate::compare::Output;
use crate::compare::{Comparison, Tolerance};
use crate::inputs::Generator;
use crate::pairs::Side;

/// A peer's function in `twinbench_baselines.peer_<library>`.
const fn peer(side: Side, function: &'static str) -> PythonFunction {
    PythonFunction {
        module: match side {
            Side::Igraph => "twinbench_baselines.peer_igraph",
            _ => "twinbench_baselines.peer_rustworkx",
        },
        function,
    }
}

/// networkx stops PageRank once the L1 change of an iteration drops below
/// n·1e-6: at 100k nodes a threshold of 0.1 on a vector summing to 1, which
/// leaves nodes up to ~15% from the converged vector (measured: igraph, which
/// solves to machine precision, differs from networkx by 14% at one node,
/// 2.4e-2 in L1). The peers are held to "the same PageRank within networkx's
/// truncation", no tighter: they are checked for computing the same quantity,
/// not for stopping where networkx stops.
const PAGERANK_TRUNCATION: Tolerance = Tolerance {
    rtol: 0.5,
    atol: 0.0,
};

const PAGERANK_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        implementation: Implementation::Python(peer(Side::Igraph, "pagerank")),
        tolerance: Some(PAGERANK_TRUNCATION),
        comparison: None,
        note: "PRPACK solves to near machine precision; networkx and the twin stop at an L1 \
               change below n·1e-6, so igraph does more work for a more exact answer and \
               agrees only within networkx's truncation error",
    },
    Alternative {
        side: Side::Rustworkx,
        implementation: Implementation::Python(peer(Side::Rustworkx, "pagerank")),
        tolerance: Some(PAGERANK_TRUNCATION),
        comparison: None,
        note: "same parameters and stopping threshold as networkx, different iteration \
               details: agrees within networkx's truncation error; graph converted to a \
               directed one outside timing (rustworkx's pagerank takes only directed graphs)",
    },
    twin_from_python("pagerank", THROUGH_BACKEND),
];

/// igraph and rustworkx divide the same integer distance sums in another
/// order: last-ulp differences (measured ≤ 2.2e-16 relative).
const CLOSENESS_PEER_TOLERANCE: Tolerance = Tolerance {
    rtol: 1e-12,
    atol: 0.0,
};

const CLOSENESS_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        implementation: Implementation::Python(peer(Side::Igraph, "closeness_centrality")),
        tolerance: Some(CLOSENESS_PEER_TOLERANCE),
        comparison: None,
        note: "Graph.closeness over reachable nodes times the Wasserman–Faust factor \
               networkx applies (part of the timed call); last-ulp differences",
    },
    Alternative {
        side: Side::Rustworkx,
        implementation: Implementation::Python(peer(Side::Rustworkx, "closeness_centrality")),
        tolerance: Some(CLOSENESS_PEER_TOLERANCE),
        comparison: None,
        note: "closeness_centrality(wf_improved=True), single-threaded \
               (parallel_threshold above n); last-ulp differences",
    },
    twin_from_python("closeness_centrality", THROUGH_BACKEND),
];

const BETWEENNESS_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        implementation: Implementation::Python(peer(Side::Igraph, "betweenness_centrality")),
        tolerance: None,
        comparison: None,
        note: "Graph.betweenness (unordered pairs) scaled by 2/((n-1)(n-2)) in the timed call",
    },
    Alternative {
        side: Side::Rustworkx,
        implementation: Implementation::Python(peer(Side::Rustworkx, "betweenness_centrality")),
        tolerance: None,
        comparison: None,
        note: "betweenness_centrality(normalized=True), single-threaded \
               (parallel_threshold above n)",
    },
    twin_from_python("betweenness_centrality", THROUGH_BACKEND),
];

const EIGENVECTOR_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        implementation: Implementation::Python(peer(Side::Igraph, "eigenvector_centrality")),
        // networkx stops at an L1 change below n·1e-6; ARPACK converges:
        // measured 3.2e-3 relative at one node of 30k.
        tolerance: Some(Tolerance {
            rtol: 2e-2,
            atol: 0.0,
        }),
        comparison: None,
        note: "ARPACK to near machine precision, rescaled from max = 1 to unit L2 norm; \
               networkx stops its power iteration early, so they agree only within its \
               truncation error (≤ 2% relative here)",
    },
    Alternative {
        side: Side::Rustworkx,
        implementation: Implementation::Python(peer(Side::Rustworkx, "eigenvector_centrality")),
        tolerance: None,
        comparison: None,
        note: "a port of networkx's power iteration (same stopping rule), max_iter=1000",
    },
    twin_from_python("eigenvector_centrality", THROUGH_BACKEND),
];

pub(super) const PAGERANK: KernelPair = KernelPair {
    name: "pagerank",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K1 PAGERANK: networkx.pagerank(G) with defaults \
              (alpha 0.85, tol 1e-6, max_iter 100, weighted)",
    python: PythonFunction {
        module: "twinbench_baselines.graph",
        function: "pagerank",
    },
    output: OutputKind::NodeScores,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_pagerank,
        run_parallel: Some(run_pagerank_parallel),
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    tolerance: Tolerance {
        rtol: 1e-9,
        atol: 1e-12,
    },
    // The twin runs networkx's iteration with the same stopping rule and
    // the same per-arc coefficients, so only summation order differs; the
    // iteration is a contraction, so rounding does not grow. Far tighter
    // than the 1e-6 stopping tolerance, so a changed alpha or a dropped
    // dangling term cannot hide inside it.
    tolerance_rationale: "same power iteration and stopping rule as networkx; \
                          only floating-point summation order differs",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C01", "C07"],
    alternatives: PAGERANK_PEERS,
    original: OriginalUse {
        timed_by: Some(
            "benchmarks.py benchmark_centrality_algorithms, n ∈ {100, 500, 1000, 2000}; also benchmark_gpu_vs_cpu (500-2000), benchmark_concurrent_processing (100-1000) and test_centrality_performance (500)",
        ),
        called_by: Some(
            "engine.py analyze_centrality (L282), broken as written (catalog: it passes the raw graph dict)",
        ),
    },
};

pub(super) const DEGREE_CENTRALITY: KernelPair = KernelPair {
    name: "degree_centrality",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K1 DEGREE: networkx.degree_centrality(G), degree/(n-1), \
              self-loops count twice",
    python: PythonFunction {
        module: "twinbench_baselines.graph",
        function: "degree_centrality",
    },
    output: OutputKind::NodeScores,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_degree_centrality,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    tolerance: EXACT,
    tolerance_rationale: "the same integer degree times the same 1/(n-1): bit-identical",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C01", "C07"],
    alternatives: &[twin_from_python("degree_centrality", THROUGH_BACKEND)],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("engine.py analyze_centrality (L282), centrality_type=degree"),
    },
};

pub(super) const CLOSENESS_CENTRALITY: KernelPair = KernelPair {
    name: "closeness_centrality",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K1 CLOSENESS: networkx.closeness_centrality(G), hop distances, \
              Wasserman-Faust scaling (the original's extra normalized= keyword raises \
              TypeError; the baseline runs the evident intent)",
    python: PythonFunction {
        module: "twinbench_baselines.graph",
        function: "closeness_centrality",
    },
    output: OutputKind::NodeScores,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_closeness_centrality,
        run_parallel: Some(run_closeness_centrality_parallel),
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    tolerance: EXACT,
    tolerance_rationale: "integer distance sums and networkx's two divisions in its order: \
                          bit-identical",
    sizes: &[500, 1_000, 2_000],
    claims: &["C01", "C07"],
    alternatives: CLOSENESS_PEERS,
    original: OriginalUse {
        timed_by: Some(
            "benchmarks.py benchmark_centrality_algorithms, n ∈ {100, 500, 1000, 2000}, where every call raises TypeError (D001): it times a failure",
        ),
        called_by: Some("engine.py analyze_centrality (L282)"),
    },
};

pub(super) const BETWEENNESS_CENTRALITY: KernelPair = KernelPair {
    name: "betweenness_centrality",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K1 BETWEENNESS: networkx.betweenness_centrality(G, normalized=True), \
              exact Brandes, unweighted",
    python: PythonFunction {
        module: "twinbench_baselines.graph",
        function: "betweenness_centrality",
    },
    output: OutputKind::NodeScores,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_betweenness_centrality,
        run_parallel: Some(run_betweenness_centrality_parallel),
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    // Exact algorithm on both sides; only the order of additions differs:
    // each node sums its successors' terms in adjacency order, and the
    // sources are summed along a fixed tree rather than one by one (measured
    // ≤ 4.8e-15 relative).
    tolerance: Tolerance {
        rtol: 1e-11,
        atol: 1e-14,
    },
    tolerance_rationale: "exact Brandes on both sides; the twin adds each node's successor \
                          terms in adjacency order and sums sources along a fixed tree (so \
                          its parallel form is bit-identical), networkx source by source: \
                          a few ulps (measured ≤ 4.8e-15 relative)",
    sizes: &[500, 1_000, 2_000],
    claims: &["C01", "C07"],
    alternatives: BETWEENNESS_PEERS,
    original: OriginalUse {
        timed_by: Some("benchmarks.py benchmark_centrality_algorithms, n ∈ {100, 500, 1000, 2000}"),
        called_by: Some("engine.py analyze_centrality (L282)"),
    },
};

pub(super) const EIGENVECTOR_CENTRALITY: KernelPair = KernelPair {
    name: "eigenvector_centrality",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K1 EIGENVECTOR: networkx.eigenvector_centrality(G, max_iter=1000), \
              power iteration on A+I, falling back to degree centrality on \
              non-convergence as the original does",
    python: PythonFunction {
        module: "twinbench_baselines.graph",
        function: "eigenvector_centrality",
    },
    output: OutputKind::NodeScores,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_eigenvector_centrality,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::Float,
    // Same iteration, same stopping rule, sums in networkx's order; only
    // the norm differs (math.hypot is correctly rounded, the twin sums
    // squares), by an ulp per iteration.
    tolerance: Tolerance {
        rtol: 1e-9,
        atol: 1e-12,
    },
    tolerance_rationale: "same iteration and stopping rule as networkx; only the L2 norm \
                          rounds differently (math.hypot vs a sum of squares)",
    // networkx's eigenvector centrality is pure Python: 13 s per call at
    // 100k nodes here, so the largest size is 30k.
    sizes: &[1_000, 10_000, 30_000],
    claims: &["C01", "C07"],
    alternatives: EIGENVECTOR_PEERS,
    original: OriginalUse {
        timed_by: Some("benchmarks.py benchmark_centrality_algorithms, n ∈ {100, 500, 1000, 2000}"),
        called_by: Some("engine.py analyze_centrality (L282)"),
    },
};

fn run_pagerank(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| {
        Ok(graph::pagerank(g, graph::PageRankParams::default())?)
    })
}

fn run_pagerank_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| {
        Ok(graph::pagerank_parallel(
            g,
            graph::PageRankParams::default(),
        )?)
    })
}

fn run_degree_centrality(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| Ok(graph::degree_centrality(g)))
}

fn run_closeness_centrality(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| Ok(graph::distances::closeness_centrality(g)))
}

fn run_closeness_centrality_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| {
        Ok(graph::distances::closeness_centrality_parallel(g))
    })
}

fn run_betweenness_centrality(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| Ok(graph::betweenness_centrality(g)))
}

fn run_betweenness_centrality_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| Ok(graph::betweenness_centrality_parallel(g)))
}

/// The original's K1 EIGENVECTOR branch: networkx's iteration, and degree
/// centrality when it does not converge.
fn run_eigenvector_centrality(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| match graph::eigenvector_centrality(g, 1000) {
        Err(graph::CentralityError::NotConverged { .. }) => Ok(graph::degree_centrality(g)),
        other => Ok(other?),
    })
}
