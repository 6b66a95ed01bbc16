//! The kernel-pair registry: one row per (Rust twin, Python baseline) pair.
//!
//! Tests, benchmarks and the report iterate [`PAIRS`]; adding a kernel means
//! one Rust function, one Python function and one row here. No kernel name is
//! spelled anywhere else in Rust code.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use twinbench_kernels::{detect, graph};

use crate::compare::{Comparison, Tolerance};
use crate::inputs::{Generator, Input};
use crate::output::{Event, Output};
use crate::timing::Side;

/// The part of the original service a kernel belongs to (CLAIMS.md groups
/// its speedup claims this way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Graph analytics engine (catalog analytics.md).
    Analytics,
    /// AI anomaly detection (catalog ml_monitoring.md §1).
    Detection,
}

/// A Python function in the baselines package. By convention the module
/// also defines `<function>_prepare` (input → what the original receives) and
/// `<function>_output` (original's result → numpy arrays), or module-wide
/// `prepare` / `output` shared by its kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PythonFunction {
    pub module: &'static str,
    pub function: &'static str,
}

/// The shape of a baseline's `_output`, so the bridge knows how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// A float64 array indexed by node id.
    NodeScores,
    /// A tuple `(indices int64, values, baselines, severity codes int64)`.
    Events,
    /// A float64 array in an order the pair documents.
    Values,
    /// A tuple `(flat int64, offsets int64, values float64)`: k integer lists
    /// concatenated in `flat`, delimited by k + 1 `offsets`, plus values.
    Lists,
}

/// An input after the Rust side prepared it (outside any timed region).
#[derive(Debug, Clone)]
pub enum Prepared {
    Graph(graph::CsrGraph),
    Series(Vec<f64>),
}

/// Why a Rust twin produced no output.
#[derive(Debug, Error)]
pub enum TwinError {
    #[error(transparent)]
    Graph(#[from] graph::GraphError),
    #[error(transparent)]
    PageRank(#[from] graph::PageRankError),
    #[error(transparent)]
    Centrality(#[from] graph::CentralityError),
    #[error("kernel expects {expected} input, got {got}")]
    WrongInput {
        expected: &'static str,
        got: &'static str,
    },
}

type Prepare = fn(&Input) -> Result<Prepared, TwinError>;
type Run = fn(&Prepared) -> Result<Output, TwinError>;

/// The Rust side of a pair.
#[derive(Debug, Clone, Copy)]
pub struct RustTwin {
    pub prepare: Prepare,
    /// Single-threaded run: the figure speedup claims are judged on.
    pub run: Run,
    /// Multi-threaded run (rayon), where one exists; must give the same answer.
    pub run_parallel: Option<Run>,
}

/// Another implementation of the same kernel, called from Python: a peer
/// library (rustworkx, igraph) or the original with its accidental slowness
/// fixed. Timed in the pair's criterion group on the same input, and its
/// answer checked against the baseline's, so a ratio against it is a ratio
/// between two implementations of the same quantity.
#[derive(Debug, Clone, Copy)]
pub struct Alternative {
    /// Its column: [`Side::PythonFixed`], [`Side::Rustworkx`], [`Side::Igraph`].
    pub side: Side,
    /// Same conventions as the baseline (`_prepare`, `_output` hooks); its
    /// output has the pair's [`OutputKind`].
    pub python: PythonFunction,
    /// Tolerance against the baseline's answer; `None` means the pair's own.
    pub tolerance: Option<Tolerance>,
    /// What it computes differently, if anything, and why the tolerance is
    /// right: shown beside its ratio.
    pub note: &'static str,
}

/// One kernel pair.
#[derive(Debug, Clone, Copy)]
pub struct KernelPair {
    /// Unique, stable: scenario files, benchmark ids and results use it.
    pub name: &'static str,
    pub domain: Domain,
    /// What the original computes, with its catalog reference.
    pub summary: &'static str,
    pub python: PythonFunction,
    pub output: OutputKind,
    pub rust: RustTwin,
    pub generator: Generator,
    pub comparison: Comparison,
    /// Default tolerance; a scenario may override it.
    pub tolerance: Tolerance,
    /// Why that tolerance is right for this algorithm (shown in the report).
    pub tolerance_rationale: &'static str,
    /// Default sizes when a scenario names none.
    pub sizes: &'static [usize],
    /// CLAIMS.md ids this pair's measurements feed.
    pub claims: &'static [&'static str],
    /// Other implementations timed and checked beside the baseline.
    pub alternatives: &'static [Alternative],
}

impl KernelPair {
    /// Every side this pair is timed on, in column order.
    pub fn sides(&self) -> Vec<Side> {
        let mut sides = vec![Side::Python];
        sides.extend(self.alternatives.iter().map(|a| a.side));
        sides.push(Side::Rust);
        if self.rust.run_parallel.is_some() {
            sides.push(Side::RustParallel);
        }
        sides.push(Side::CopyInput);
        sides
    }
}

/// Bit-for-bit equality: for twins that perform networkx's arithmetic in
/// networkx's order.
const EXACT: Tolerance = Tolerance {
    rtol: 0.0,
    atol: 0.0,
};

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

static PAGERANK_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        python: peer(Side::Igraph, "pagerank"),
        tolerance: Some(PAGERANK_TRUNCATION),
        note: "PRPACK solves to near machine precision; networkx and the twin stop at an L1 \
               change below n·1e-6, so igraph does more work for a more exact answer and \
               agrees only within networkx's truncation error",
    },
    Alternative {
        side: Side::Rustworkx,
        python: peer(Side::Rustworkx, "pagerank"),
        tolerance: Some(PAGERANK_TRUNCATION),
        note: "same parameters and stopping threshold as networkx, different iteration \
               details: agrees within networkx's truncation error; graph converted to a \
               directed one outside timing (rustworkx's pagerank takes only directed graphs)",
    },
];

/// igraph and rustworkx divide the same integer distance sums in another
/// order: last-ulp differences (measured ≤ 2.2e-16 relative).
const CLOSENESS_PEER_TOLERANCE: Tolerance = Tolerance {
    rtol: 1e-12,
    atol: 0.0,
};

static CLOSENESS_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        python: peer(Side::Igraph, "closeness_centrality"),
        tolerance: Some(CLOSENESS_PEER_TOLERANCE),
        note: "Graph.closeness over reachable nodes times the Wasserman–Faust factor \
               networkx applies (part of the timed call); last-ulp differences",
    },
    Alternative {
        side: Side::Rustworkx,
        python: peer(Side::Rustworkx, "closeness_centrality"),
        tolerance: Some(CLOSENESS_PEER_TOLERANCE),
        note: "closeness_centrality(wf_improved=True), single-threaded \
               (parallel_threshold above n); last-ulp differences",
    },
];

static BETWEENNESS_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        python: peer(Side::Igraph, "betweenness_centrality"),
        tolerance: None,
        note: "Graph.betweenness (unordered pairs) scaled by 2/((n-1)(n-2)) in the timed call",
    },
    Alternative {
        side: Side::Rustworkx,
        python: peer(Side::Rustworkx, "betweenness_centrality"),
        tolerance: None,
        note: "betweenness_centrality(normalized=True), single-threaded \
               (parallel_threshold above n)",
    },
];

static EIGENVECTOR_PEERS: &[Alternative] = &[
    Alternative {
        side: Side::Igraph,
        python: peer(Side::Igraph, "eigenvector_centrality"),
        // networkx stops at an L1 change below n·1e-6; ARPACK converges:
        // measured 3.2e-3 relative at one node of 30k.
        tolerance: Some(Tolerance {
            rtol: 2e-2,
            atol: 0.0,
        }),
        note: "ARPACK to near machine precision, rescaled from max = 1 to unit L2 norm; \
               networkx stops its power iteration early, so they agree only within its \
               truncation error (≤ 2% relative here)",
    },
    Alternative {
        side: Side::Rustworkx,
        python: peer(Side::Rustworkx, "eigenvector_centrality"),
        tolerance: None,
        note: "a port of networkx's power iteration (same stopping rule), max_iter=1000",
    },
];

/// Every kernel pair twinbench knows.
pub static PAIRS: &[KernelPair] = &[
    KernelPair {
        name: "pagerank",
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
    },
    KernelPair {
        name: "degree_centrality",
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
        alternatives: &[],
    },
    KernelPair {
        name: "closeness_centrality",
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
    },
    KernelPair {
        name: "betweenness_centrality",
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
        // Exact algorithm; the dependency sums visit predecessors in id order
        // where networkx visits them in BFS order, so only rounding differs,
        // a few ulps over n sources.
        tolerance: Tolerance {
            rtol: 1e-11,
            atol: 1e-14,
        },
        tolerance_rationale: "exact Brandes on both sides; sums differ only in the order \
                              predecessors are visited (a few ulps)",
        sizes: &[500, 1_000, 2_000],
        claims: &["C01", "C07"],
        alternatives: BETWEENNESS_PEERS,
    },
    KernelPair {
        name: "eigenvector_centrality",
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
    },
    KernelPair {
        name: "spike_detector",
        domain: Domain::Detection,
        summary: "ml_monitoring K1.1: rolling-20 mean + 3·sample-std spike rule \
                  (pandas rolling, window includes the point, strict >)",
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
    },
];

/// The pair called `name`, if any.
pub fn find(name: &str) -> Option<&'static KernelPair> {
    PAIRS.iter().find(|pair| pair.name == name)
}

/// Every registered name, for "expected one of" messages.
pub fn names() -> Vec<&'static str> {
    PAIRS.iter().map(|pair| pair.name).collect()
}

fn input_kind(input: &Input) -> &'static str {
    match input {
        Input::Graph(_) => "graph",
        Input::Series(_) => "series",
    }
}

fn prepare_graph(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Graph(edges) => Ok(Prepared::Graph(edges.to_csr()?)),
        other => Err(TwinError::WrongInput {
            expected: "graph",
            got: input_kind(other),
        }),
    }
}

fn prepare_series(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Series(series) => Ok(Prepared::Series(series.values.clone())),
        other => Err(TwinError::WrongInput {
            expected: "series",
            got: input_kind(other),
        }),
    }
}

fn expect_graph(prepared: &Prepared) -> Result<&graph::CsrGraph, TwinError> {
    match prepared {
        Prepared::Graph(g) => Ok(g),
        Prepared::Series(_) => Err(TwinError::WrongInput {
            expected: "graph",
            got: "series",
        }),
    }
}

fn expect_series(prepared: &Prepared) -> Result<&[f64], TwinError> {
    match prepared {
        Prepared::Series(values) => Ok(values),
        Prepared::Graph(_) => Err(TwinError::WrongInput {
            expected: "series",
            got: "graph",
        }),
    }
}

/// A graph kernel's node scores as an [`Output`].
fn node_scores(
    prepared: &Prepared,
    kernel: impl FnOnce(&graph::CsrGraph) -> Result<Vec<f64>, TwinError>,
) -> Result<Output, TwinError> {
    kernel(expect_graph(prepared)?).map(Output::NodeScores)
}

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
    node_scores(prepared, |g| Ok(graph::closeness_centrality(g)))
}

fn run_closeness_centrality_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    node_scores(prepared, |g| Ok(graph::closeness_centrality_parallel(g)))
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

fn spikes_to_events(spikes: Vec<detect::Spike>) -> Output {
    Output::Events(
        spikes
            .into_iter()
            .map(|s| Event {
                index: s.index,
                value: s.value,
                baseline: s.baseline,
                severity: match s.severity {
                    detect::Severity::Medium => 0,
                    detect::Severity::High => 1,
                },
                margin: Some(s.margin),
            })
            .collect(),
    )
}

fn run_spike_detector(prepared: &Prepared) -> Result<Output, TwinError> {
    let spikes = detect::detect_spikes(expect_series(prepared)?, detect::SpikeParams::default());
    Ok(spikes_to_events(spikes))
}

fn run_spike_detector_parallel(prepared: &Prepared) -> Result<Output, TwinError> {
    let values = expect_series(prepared)?;
    let spikes = detect::detect_spikes_parallel(values, detect::SpikeParams::default());
    Ok(spikes_to_events(spikes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names = names();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn every_pair_has_three_sizes_the_generator_can_make_and_claims() {
        for pair in PAIRS {
            assert_eq!(pair.sizes.len(), 3, "{}", pair.name);
            assert!(pair.sizes.iter().all(|&s| s >= pair.generator.min_size()));
            assert!(!pair.claims.is_empty(), "{}", pair.name);
        }
    }

    #[test]
    fn twins_run_on_their_own_generator_and_parallel_agrees() {
        for pair in PAIRS {
            let input = pair.generator.generate(pair.sizes[0], 1);
            let prepared = (pair.rust.prepare)(&input).expect("prepare");
            let out = (pair.rust.run)(&prepared).expect("run");
            assert!(!out.is_empty(), "{} produced nothing", pair.name);
            if let Some(par) = pair.rust.run_parallel {
                let parallel = par(&prepared).expect("parallel run");
                if let Err(m) =
                    crate::compare::compare(pair.comparison, pair.tolerance, &parallel, &out)
                {
                    panic!("{}: parallel and single-thread differ: {m}", pair.name);
                }
            }
        }
    }
}
