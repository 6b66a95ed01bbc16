//! Analytics K2 + K3: community detection, modularity, the size filter and
//! the per-community metrics (catalog analytics.md), with igraph as a peer.
//!
//! Output layout (both sides, `communities.output` in Python): surviving
//! communities ordered by smallest member; community `i` gives list `2i`
//! (its members ascending) and list `2i + 1` (its central nodes in rank
//! order); values = `[modularity, density of community 0, 1, …]`.

use crate::pins::PinSet;
use twinbench_kernels::graph::communities::{self, CommunityAlgorithm, CommunityDetection};

use super::glue::{expect_graph, prepare_graph};
use super::{
    Alternative, Domain, Implementation, KernelPair, OriginalUse, OutputKind, Prepared,
    PythonFunction, RustTwin, THROUGH_BACKEND, TwinError, twin_from_python,
};
use crate::compare::{Comparison, Tolerance};
use crate::compare::{Lists, Output};
use crate::inputs::Generator;
use crate::pairs::Side;

const COMMUNITIES: &str = "twinbench_baselines.communities";
const IGRAPH: &str = "twinbench_baselines.peer_igraph";

/// The original's resolution and size filter (request defaults).
const RESOLUTION: f64 = 1.0;
/// The baseline seeds numpy's global generator with this before the
/// original's unchanged python-louvain call (`LOUVAIN_SEED` in
/// communities.py); the twin replays numpy's generator from it.
const LOUVAIN_SEED: u64 = 0;

/// Partitions are reproduced exactly and modularity and densities are sums
/// over the same sets in CPython's set order, so the values agree to the
/// bit; 1e-12 relative only allows for a different summation order should
/// a future networkx change its walk.
const PARTITION_VALUES: Tolerance = Tolerance {
    rtol: 1e-12,
    atol: 0.0,
};

/// A peer whose algorithm breaks ties its own way finds a different
/// partition of (nearly) the same quality: only the modularity is compared,
/// within 0.02 (run-to-run spread of Louvain is ~0.001; igraph's CNM and
/// networkx's differ by ~0.005 at these sizes).
const SAME_QUALITY: Tolerance = Tolerance {
    rtol: 0.0,
    atol: 0.02,
};

fn community_output(detection: &CommunityDetection) -> Output {
    let mut lists = Vec::with_capacity(2 * detection.communities.len());
    let mut values = Vec::with_capacity(1 + detection.communities.len());
    values.push(detection.modularity);
    for c in &detection.communities {
        lists.push(c.members.iter().map(|&v| i64::from(v)).collect());
        lists.push(c.central_nodes.iter().map(|&v| i64::from(v)).collect());
        values.push(c.density);
    }
    Output::Lists(Lists { lists, values })
}

fn detect(prepared: &Prepared, algorithm: CommunityAlgorithm) -> Result<Output, TwinError> {
    let detection = communities::detect_communities(
        expect_graph(prepared)?,
        algorithm,
        RESOLUTION,
        communities::DEFAULT_MIN_COMMUNITY_SIZE,
        LOUVAIN_SEED,
    )?;
    Ok(community_output(&detection))
}

pub(super) const GREEDY_MODULARITY: KernelPair = KernelPair {
    name: "communities_greedy_modularity",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K2+K3 detect_communities(algorithm=\"greedy_modularity\"), also what \
              \"louvain\" runs in production (python-louvain is not installed there): \
              nx greedy_modularity_communities (CNM, unweighted), weighted modularity at \
              resolution 1, communities under 3 dropped, density and top-5 central nodes",
    python: PythonFunction {
        module: COMMUNITIES,
        function: "greedy_modularity",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_greedy_modularity,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::ExactLists,
    tolerance: PARTITION_VALUES,
    tolerance_rationale: "CNM with networkx's arithmetic and tie-breaking (same merges), central \
                          nodes in CPython's set order: identical lists; values are the same \
                          sums (bit-identical so far), 1e-12 relative",
    sizes: &[500, 1_000, 2_000],
    claims: &["C01", "C07"],
    alternatives: &[
        Alternative {
            side: Side::Igraph,
            implementation: Implementation::Python(PythonFunction {
                module: IGRAPH,
                function: "greedy_modularity",
            }),
            tolerance: Some(SAME_QUALITY),
            comparison: Some(Comparison::QualityOnly),
            note: "community_fastgreedy().as_clustering() (CNM) then the same modularity, filter and \
               metrics with igraph calls; igraph breaks CNM's ties differently (ARI 0.07-0.33 \
               against networkx's partition), so only the modularity is compared",
        },
        twin_from_python("greedy_modularity", THROUGH_BACKEND),
    ],
    original: OriginalUse {
        timed_by: Some(
            "benchmarks.py benchmark_community_detection (algorithm greedy_modularity, and louvain without python-louvain), n ∈ {100, 500, 1000, 2000}, and test_community_performance (500); on its int-id graphs every call raises ValidationError (D022): it times a failure",
        ),
        called_by: Some("engine.py detect_communities (L375)"),
    },
};

fn run_greedy_modularity(prepared: &Prepared) -> Result<Output, TwinError> {
    detect(prepared, CommunityAlgorithm::GreedyModularity)
}

pub(super) const LABEL_PROPAGATION: KernelPair = KernelPair {
    name: "communities_label_propagation",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K2+K3 detect_communities(algorithm=\"label_propagation\"): nx \
              label_propagation_communities (semi-synchronous, deterministic), weighted \
              modularity, size filter, community metrics (no peer: igraph's label propagation \
              is a different, randomized algorithm)",
    python: PythonFunction {
        module: COMMUNITIES,
        function: "label_propagation",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_label_propagation,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::ExactLists,
    tolerance: PARTITION_VALUES,
    tolerance_rationale: "same colouring and update rule as networkx: identical partition; \
                          values are the same sums, 1e-12 relative",
    sizes: &[1_000, 5_000, 10_000],
    claims: &["C01", "C07"],
    alternatives: &[twin_from_python("label_propagation", THROUGH_BACKEND)],
    original: OriginalUse {
        timed_by: Some(
            "benchmarks.py benchmark_community_detection, n ∈ {100, 500, 1000, 2000}; every call raises ValidationError there (D022)",
        ),
        called_by: Some("engine.py detect_communities (L375)"),
    },
};

fn run_label_propagation(prepared: &Prepared) -> Result<Output, TwinError> {
    detect(prepared, CommunityAlgorithm::LabelPropagation)
}

pub(super) const LOUVAIN: KernelPair = KernelPair {
    name: "communities_louvain",
    pins: PinSet::Server,
    domain: Domain::Analytics,
    summary: "analytics K2+K3 detect_communities(algorithm=\"louvain\") with python-louvain \
              present: best_partition (weighted, randomized; numpy's global generator seeded \
              with 0 before the unchanged call) and python-louvain's modularity",
    python: PythonFunction {
        module: COMMUNITIES,
        function: "louvain",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_graph,
        run: run_louvain,
        run_parallel: None,
    },
    generator: Generator::BarabasiAlbert { m: 3 },
    comparison: Comparison::ExactLists,
    tolerance: PARTITION_VALUES,
    tolerance_rationale: "the twin replays numpy's MT19937 draws and python-louvain's moves, so \
                          from the same seed the partition is identical (stronger than the \
                          statistical comparison a randomized method usually gets); values \
                          1e-12 relative",
    sizes: &[1_000, 2_000, 5_000],
    claims: &["C01", "C07"],
    alternatives: &[Alternative {
        side: Side::Igraph,
        implementation: Implementation::Python(PythonFunction {
            module: IGRAPH,
            function: "louvain",
        }),
        tolerance: Some(SAME_QUALITY),
        comparison: Some(Comparison::QualityOnly),
        note: "community_multilevel(weights, resolution 1) then python-louvain's modularity \
               formula via igraph's weighted modularity, same filter and metrics; a \
               different random walk through the same method, so only the modularity is \
               compared",
    }],
    original: OriginalUse {
        timed_by: Some(
            "benchmarks.py benchmark_community_detection (algorithm louvain with python-louvain installed), n ∈ {100, 500, 1000, 2000}; every call raises ValidationError there (D023)",
        ),
        called_by: Some("engine.py detect_communities (L375)"),
    },
};

fn run_louvain(prepared: &Prepared) -> Result<Output, TwinError> {
    detect(prepared, CommunityAlgorithm::Louvain)
}
