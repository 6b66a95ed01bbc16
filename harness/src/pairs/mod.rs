//! The kernel-pair table: one row per (Rust twin, Python baseline) pair, the
//! [`Side`]s a pair is timed on, and the defects of the original that concern
//! a pair.
//!
//! The rows live in one submodule per domain of the original service
//! ([`centrality`], [`detect`], …); [`PAIRS`] lists them all.
//!
//! Tests, benchmarks and the report iterate [`PAIRS`]; adding a kernel means
//! one Rust function, one Python function and one row in its domain's
//! submodule. No kernel name is
//! spelled anywhere else in Rust code.

use crate::pins::PinSet;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use twinbench_kernels::{graph, ml, optimizer as opt};

use crate::compare::{Comparison, Output, Tolerance};
use crate::inputs::{Generator, Input};

mod alerting;
mod centrality;
mod clustering;
mod communities;
mod defects;
mod detect;
mod errors;
mod forecast;
mod glue;
pub mod latency;
pub mod memory_notes;
mod metrics;
mod models;
mod monitoring;
mod optimizer;
mod paths;
pub mod peer_linfa;
mod query_plan;
mod service;
mod service_pg;
mod side;

pub use clustering::auto_clusters;
pub use defects::{Defect, DefectsError, load as load_defects};
pub use query_plan::QueryPlan;
pub use side::Side;

/// The part of the original service a kernel belongs to (CLAIMS.md groups
/// its speedup claims this way).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Graph analytics engine (catalog analytics.md).
    Analytics,
    /// AI anomaly detection (catalog ml_monitoring.md §1).
    Detection,
    /// The forecasting engine of the predictive analytics (ml_monitoring.md
    /// §2): calendar features, seasonality, trend and forest models,
    /// capacity planning, trend analysis.
    Forecasting,
    /// The AI performance optimizer (ml_monitoring.md §5): per-metric
    /// training, the single-point anomaly check, dedup, remediation, trends.
    Optimizer,
    /// Alerting and alert correlation (ml_monitoring.md §3, §4, §6, §8,
    /// §9): the correlators and the text kernels they rest on.
    Alerting,
    /// The performance monitor (analytics.md K17–K25, K29, K30;
    /// ml_monitoring.md §7, K7.1–K7.3): response-time windows and
    /// percentiles, histogram bucketing, hit rates, pool ratios, the memory
    /// trend, the cache key and the dashboard's group aggregations.
    Monitoring,
    /// The error-processing path (error_handling.md K10.1–K10.9):
    /// classification, message normalisation, pattern key, severity,
    /// aggregation and analytics, strategy dispatch, the JSON error event.
    ErrorHandling,
    /// Seed 004's task-routing service (docs/service.md): the session scan,
    /// the pending-task page, SLA status and the assignment pass on SQLite
    /// and on PostgreSQL.
    TaskRouting,
}

impl Domain {
    /// Human name, as the report shows it.
    pub fn title(self) -> &'static str {
        match self {
            Domain::Analytics => "Analytics engine",
            Domain::Detection => "AI detection",
            Domain::Forecasting => "Forecasting engine",
            Domain::Optimizer => "AI performance optimizer",
            Domain::Alerting => "Alerting and alert correlation",
            Domain::Monitoring => "Performance monitor",
            Domain::ErrorHandling => "Error handling",
            Domain::TaskRouting => "Task routing service",
        }
    }
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
    /// A list of `str`, compared byte for byte.
    Texts,
}

/// An input after the Rust side prepared it (outside any timed region).
#[derive(Debug, Clone)]
pub enum Prepared {
    Graph(graph::CsrGraph),
    Series(Vec<f64>),
    /// The engine's raw edge rows (K9, K10 build their own adjacency inside
    /// the timed call, as the original does).
    Rows {
        node_count: usize,
        rows: Vec<(u32, u32)>,
    },
    /// Entity pairs ordered by strength (K27's Cypher result).
    Pairs(Vec<(u32, u32)>),
    /// A graph with numeric node attribute columns (`attributes[j][v]`, in
    /// the original's attribute order): what K8 reads beyond the structure.
    AttributedGraph {
        graph: graph::CsrGraph,
        attributes: Vec<Vec<f64>>,
    },
    /// A feature matrix (node features, a metric frame without its
    /// timestamp column).
    Matrix(ml::Matrix),
    /// A frame with its timestamps, as generated.
    Frame(crate::inputs::TimestampedFrame),
    /// A frame sorted by timestamp with its calendar columns.
    Calendar(forecast::CalendarFrame),
    /// A forest fitted outside the timed region, the design it was fitted
    /// on and its target: what a prediction benchmark times.
    FittedForest(forecast::FittedForest),
    /// The optimizer's metric stream (samples in stream order), the model's
    /// verdict per sample and the kind of each metric index.
    History {
        samples: Vec<opt::Sample>,
        anomalous: Vec<bool>,
        kinds: Vec<opt::MetricKind>,
    },
    /// Dashboard alerts; those from `existing` on are correlated.
    Alerts {
        alerts: Vec<twinbench_kernels::alerting::Alert>,
        existing: usize,
    },
    /// Incident alert dicts and the clock they are processed at.
    AlertBatch(crate::inputs::AlertBatch),
    /// Evaluation ticks of the threshold alert engine.
    Ticks(Vec<twinbench_kernels::alerting::threshold::Tick>),
    /// The contextual manager's metric alerts with the LLM's replies.
    MetricAlerts(Vec<twinbench_kernels::alerting::contextual::MetricAlert>),
    /// Errors with their contexts, `str(error)` computed.
    Errors(Vec<twinbench_kernels::errors::ErrorEvent>),
    /// An error aggregator filled outside the timed region, and the clock
    /// its analytics are read at (naive microseconds).
    FilledAggregator {
        aggregator: twinbench_kernels::errors::aggregator::Aggregator,
        now: i64,
    },
    /// The performance monitor's request samples, as generated (flat
    /// columns).
    Samples(Box<crate::inputs::MetricSamples>),
    /// An open connection to a task database with the rules and the
    /// detector's report: what seed 004's kernels run on.
    TaskDb(std::sync::Arc<service::ServiceDb>),
}

impl Prepared {
    fn kind(&self) -> &'static str {
        match self {
            Prepared::Graph(_) => "graph",
            Prepared::Series(_) => "series",
            Prepared::Rows { .. } => "edge rows",
            Prepared::Pairs(_) => "entity pairs",
            Prepared::AttributedGraph { .. } => "graph with node attributes",
            Prepared::Matrix(_) => "feature matrix",
            Prepared::Frame(_) => "timestamped frame",
            Prepared::Calendar(_) => "frame with calendar features",
            Prepared::FittedForest(_) => "fitted forest",
            Prepared::History { .. } => "metric history",
            Prepared::Alerts { .. } => "alert stream",
            Prepared::AlertBatch(_) => "alert batch",
            Prepared::Ticks(_) => "resource ticks",
            Prepared::MetricAlerts(_) => "metric alerts",
            Prepared::Errors(_) => "errors",
            Prepared::FilledAggregator { .. } => "filled error aggregator",
            Prepared::Samples(_) => "metric samples",
            Prepared::TaskDb(_) => "task database connection",
        }
    }
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
    #[error(transparent)]
    Community(#[from] graph::communities::CommunityError),
    #[error(transparent)]
    Features(#[from] graph::features::FeatureError),
    #[error(transparent)]
    Timestamp(#[from] twinbench_kernels::detect::TimestampError),
    #[error(transparent)]
    Matrix(#[from] ml::MatrixError),
    #[error(transparent)]
    Scale(#[from] ml::scale::ScaleError),
    #[error(transparent)]
    Forest(#[from] ml::isolation_forest::IsolationForestError),
    #[error(transparent)]
    ForestRegressor(#[from] ml::forest_regressor::ForestRegressorError),
    #[error(transparent)]
    Svm(#[from] ml::ocsvm::OcsvmError),
    #[error(transparent)]
    KMeans(#[from] ml::kmeans::KMeansError),
    #[error(transparent)]
    Spectral(#[from] ml::spectral::SpectralError),
    #[error(transparent)]
    Ward(#[from] ml::ward::WardError),
    #[error(transparent)]
    Silhouette(#[from] ml::silhouette::SilhouetteError),
    #[error(transparent)]
    Ensemble(#[from] twinbench_kernels::detect::ensemble::EnsembleError),
    #[error(transparent)]
    Linfa(#[from] peer_linfa::LinfaError),
    #[error(transparent)]
    Optimizer(#[from] opt::OptimizerError),
    #[error(transparent)]
    Training(#[from] opt::training::TrainingError),
    #[error(transparent)]
    Collection(#[from] opt::collection::CollectionError),
    #[error(transparent)]
    Json(#[from] twinbench_kernels::text::python_json::LoadError),
    #[error(transparent)]
    Monitor(#[from] twinbench_kernels::monitor::MonitorError),
    #[error(transparent)]
    Service(#[from] twinbench_service::kernels::KernelError),
    #[error("task database: {0}")]
    TaskDb(String),
    #[error("kernel expects {expected} input, got {got}")]
    WrongInput {
        expected: &'static str,
        got: &'static str,
    },
}

/// Builds a Rust side's input, outside any timed region.
pub type Prepare = fn(&Input) -> Result<Prepared, TwinError>;
/// One call of a Rust side: what is timed.
pub type Run = fn(&Prepared) -> Result<Output, TwinError>;

/// The Rust side of a pair.
#[derive(Debug, Clone, Copy)]
pub struct RustTwin {
    pub prepare: Prepare,
    /// Single-threaded run: the figure speedup claims are judged on.
    pub run: Run,
    /// Multi-threaded run (rayon), where one exists; must give the same answer.
    pub run_parallel: Option<Run>,
}

/// Another implementation of the same kernel: a peer library (rustworkx,
/// igraph, a Rust crate) or the original with its accidental slowness fixed.
/// Timed in the pair's criterion group on the same input, and its answer
/// checked against the baseline's, so a ratio against it is a ratio between
/// two implementations of the same quantity.
#[derive(Debug, Clone, Copy)]
pub struct Alternative {
    /// Its column: [`Side::PythonFixed`], [`Side::Rustworkx`], [`Side::Linfa`], …
    pub side: Side,
    /// What is called, and in which language.
    pub implementation: Implementation,
    /// Tolerance against the baseline's answer; `None` means the pair's own.
    pub tolerance: Option<Tolerance>,
    /// How its answer is compared; `None` means the pair's own mode. A peer
    /// whose algorithm breaks ties its own way (igraph's CNM) is held to the
    /// quality of its answer, not to the baseline's partition.
    pub comparison: Option<Comparison>,
    /// What it computes differently, if anything, and why the tolerance is
    /// right: shown beside its ratio.
    pub note: &'static str,
}

/// How an alternative is called. Every stage that handles alternatives
/// (bench, answer check, memory, report) matches on this, so a new kind of
/// implementation cannot be silently skipped by one of them.
#[derive(Debug, Clone, Copy)]
pub enum Implementation {
    /// A Python callable, with the baseline's conventions (`_prepare`,
    /// `_output` hooks); its output has the pair's [`OutputKind`].
    Python(PythonFunction),
    /// A Rust crate, called in process exactly like the twin.
    Rust(RustPeer),
}

impl Implementation {
    /// What runs it, for results.json and the report: `module.function`
    /// for Python, the crate and its entry point for Rust.
    pub fn describe(&self) -> String {
        match self {
            Implementation::Python(f) => format!("{}.{}", f.module, f.function),
            Implementation::Rust(peer) => peer.library.to_string(),
        }
    }
}

/// The "twin from Python" column of a pair whose baseline is `function`
/// (`twinbench_baselines.via_twinbench` defines it under the same name, with
/// the baseline's hooks): checked under the pair's own tolerance, since it
/// is the same twin behind the same original code.
pub(super) const fn twin_from_python(function: &'static str, note: &'static str) -> Alternative {
    Alternative {
        side: Side::TwinFromPython,
        implementation: Implementation::Python(PythonFunction {
            module: "twinbench_baselines.via_twinbench",
            function,
        }),
        tolerance: None,
        comparison: None,
        note,
    }
}

/// [`twin_from_python`]'s note for an analytics pair.
pub(super) const THROUGH_BACKEND: &str = "the original's code with networkx dispatching to the \
     twinbench backend (backend_priority), the graph converted on every call: the twin as the \
     Python service gets it; its ratio to the Rust column is the cost of crossing from Python \
     (conversion, dispatch, the Python answer)";

/// A Rust crate as an alternative: prepared outside the timed region, then
/// run, exactly as the twin ([`RustTwin`]), so the ratio between the two is
/// the ratio between the two implementations and nothing else. Its output is
/// the pair's [`Output`], compared with the baseline's like the twin's.
#[derive(Debug, Clone, Copy)]
pub struct RustPeer {
    /// The crate, its version and what of it runs, e.g.
    /// `linfa_clustering::KMeans (linfa-clustering 0.8.1)`.
    pub library: &'static str,
    pub prepare: Prepare,
    /// One call, single-threaded (the twin's `run` is the figure it is set
    /// against).
    pub run: Run,
}

/// The graph sizes (nodes) the original's own benchmark
/// (`server/analytics/benchmarks.py` at 9455c19) runs every kernel it times
/// at: the claims ledger also states each speedup claim there.
pub const ORIGINAL_BENCHMARK_SIZES: [usize; 4] = [100, 500, 1000, 2000];

/// How the original service itself exercises a kernel, at its HEAD
/// `9455c19`: a speedup of a kernel the original never timed is not a claim
/// it made, and one of a kernel nothing calls is a speedup production never
/// sees. Shown in the report's kernel details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginalUse {
    /// Where the original's own benchmark (server/analytics/benchmarks.py)
    /// times it, and at which sizes; `None`: it never does.
    pub timed_by: Option<&'static str>,
    /// What calls it at HEAD; `None`: nothing does.
    pub called_by: Option<&'static str>,
}

impl OriginalUse {
    /// One line for the report's kernel details.
    pub fn describe(&self) -> String {
        let timed = match self.timed_by {
            Some(where_) => format!("timed by the original's benchmark: {where_}"),
            None => "never timed by the original's benchmark".to_string(),
        };
        let called = match self.called_by {
            Some(by) => format!("called at HEAD by {by}"),
            None => "no caller at HEAD (dead code in the service)".to_string(),
        };
        format!("{timed}; {called}")
    }
}

/// One kernel pair.
#[derive(Debug, Clone, Copy)]
pub struct KernelPair {
    /// Unique, stable: scenario files, benchmark ids and results use it.
    pub name: &'static str,
    /// The library versions its baseline (and every Python-callable
    /// alternative) runs under: a process serves one set, so the pairs of
    /// another run in a process of their own (crate::pins).
    pub pins: PinSet,
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
    /// Whether the original times it and what calls it.
    pub original: OriginalUse,
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
pub(super) const EXACT: Tolerance = Tolerance {
    rtol: 0.0,
    atol: 0.0,
};

/// Every kernel pair twinbench knows.
pub static PAIRS: &[KernelPair] = &[
    centrality::PAGERANK,
    centrality::DEGREE_CENTRALITY,
    centrality::CLOSENESS_CENTRALITY,
    centrality::BETWEENNESS_CENTRALITY,
    centrality::EIGENVECTOR_CENTRALITY,
    detect::SPIKE_DETECTOR,
    detect::SEARCH_FLOOD,
    detect::MEMORY_GROWTH,
    detect::ENSEMBLE_ALERTS,
    detect::TWO_SIGMA,
    models::ENSEMBLE_DETECTOR,
    models::ENSEMBLE_DETECTOR_CORRECTED,
    models::ONE_CLASS_SVM,
    models::NODE_ANOMALY_SCORES,
    clustering::CLUSTER_KMEANS,
    clustering::CLUSTER_SPECTRAL,
    clustering::CLUSTER_WARD,
    communities::GREEDY_MODULARITY,
    communities::LABEL_PROPAGATION,
    communities::LOUVAIN,
    metrics::GRAPH_METRICS,
    metrics::NODE_FEATURES,
    paths::PATHS_SHORTEST,
    paths::PATHS_ALL_SIMPLE,
    paths::ENGINE_GRAPH_METRICS,
    paths::ENGINE_BFS_PATHS,
    paths::PAIR_CLUSTERS,
    forecast::CALENDAR_FEATURES,
    forecast::SEASONALITY,
    forecast::LINEAR_TREND,
    forecast::RANDOM_FOREST,
    forecast::TRENDS,
    forecast::FORECAST_POINT,
    forecast::CAPACITY_PLANNING,
    forecast::FOREST_PREDICT,
    optimizer::ANOMALY_CHECK,
    optimizer::TRENDS,
    optimizer::SUMMARY,
    optimizer::TRAINING,
    optimizer::TRAINING_FIXED,
    optimizer::PASS,
    alerting::SEQUENCE_MATCHER,
    alerting::ALERT_CORRELATION,
    alerting::RULE_CORRELATION,
    alerting::SMART_ALERTING,
    alerting::ALERT_ENGINE,
    alerting::CONTEXTUAL_ALERTS,
    errors::ERROR_CLASSIFICATION,
    errors::ERROR_NORMALIZATION,
    errors::ERROR_PROCESSING,
    errors::ERROR_ANALYTICS,
    errors::ERROR_EVENT_JSON,
    monitoring::RESPONSE_TIME_SUMMARY,
    monitoring::LOAD_TEST_STATS,
    monitoring::MEMORY_LEAK_TREND,
    monitoring::MONITOR_COUNTERS,
    monitoring::PROMETHEUS_HISTOGRAM,
    monitoring::REQUEST_METRICS_SUMMARY,
    monitoring::GROUP_AGGREGATIONS,
    monitoring::CACHE_KEY,
    service::SESSION_SCAN,
    service::PENDING_TASKS,
    service::SLA_STATUS,
    service::TASK_ASSIGNMENT,
    service_pg::SESSION_SCAN_PG,
    service_pg::PENDING_TASKS_PG,
    service_pg::SLA_STATUS_PG,
    service_pg::TASK_ASSIGNMENT_PG,
];

/// The pair called `name`, if any.
pub fn find(name: &str) -> Option<&'static KernelPair> {
    PAIRS.iter().find(|pair| pair.name == name)
}

/// Something a pair needs that this machine lacks (PostgreSQL for the
/// `*_pg` pairs), and whether the run was told to require it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}{reason}", if *.required { "TWINBENCH_REQUIRE_POSTGRES is set and " } else { "" })]
pub struct Missing {
    /// What is missing and how to install it.
    pub reason: String,
    /// `TWINBENCH_REQUIRE_POSTGRES` is set: not running is a failure.
    pub required: bool,
}

/// Why `pair` cannot run here, or `None`. Probing prints one loud
/// `!! PostgreSQL NOT AVAILABLE` line per process when it is absent.
pub fn missing_requirement(pair: &KernelPair) -> Option<Missing> {
    use twinbench_service::pg;
    if !pair.generator.needs_postgres() || pg::available() {
        return None;
    }
    let reason = match pg::probe() {
        Err(e) => pg::shared::SharedError::NotInstalled {
            detail: e.to_string(),
        }
        .to_string(),
        Ok(_) => "PostgreSQL not available".to_string(),
    };
    Some(Missing {
        reason,
        required: pg::required(),
    })
}

/// The plans of `pair`'s main query on `input`'s databases (empty for a
/// pair without a database), taken outside every timed region.
pub fn query_plans(pair: &KernelPair, input: &Input) -> Result<Vec<QueryPlan>, TwinError> {
    service::query_plans(pair, input)
}

/// Every registered name, for "expected one of" messages.
pub fn names() -> Vec<&'static str> {
    PAIRS.iter().map(|pair| pair.name).collect()
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
            // Alerting has no claim: no migration document gives it a factor.
            assert!(
                !pair.claims.is_empty() || pair.domain == Domain::Alerting,
                "{}",
                pair.name
            );
        }
    }

    /// Issue 14: the kernels the original's benchmark never times, and the
    /// ones nothing calls at HEAD, are exactly these.
    #[test]
    fn the_original_use_marks_match_the_original() {
        let never_timed: Vec<&str> = PAIRS
            .iter()
            .filter(|p| p.original.timed_by.is_none())
            .map(|p| p.name)
            .collect();
        assert_eq!(
            never_timed,
            [
                "degree_centrality",
                "spike_detector",
                "search_flood",
                "memory_growth",
                "ensemble_alerts",
                "two_sigma",
                "ensemble_detector",
                "ensemble_detector_corrected",
                "one_class_svm",
                "node_anomaly_scores",
                "cluster_kmeans",
                "cluster_spectral",
                "cluster_ward",
                "graph_metrics",
                "node_features",
                "paths_shortest",
                "paths_all_simple",
                "engine_graph_metrics",
                "engine_bfs_paths",
                "pair_clusters",
                "forecast_calendar_features",
                "forecast_seasonality",
                "forecast_linear_trend",
                "forecast_random_forest",
                "forecast_trends",
                "forecast_point",
                "capacity_planning",
                "forecast_forest_predict",
                "optimizer_anomaly_check",
                "optimizer_trends",
                "optimizer_summary",
                "optimizer_training",
                "optimizer_training_fixed",
                "optimizer_pass",
                "sequence_matcher_ratio",
                "alert_correlation",
                "rule_correlation",
                "smart_alerting",
                "alert_engine",
                "contextual_alerts",
                "error_classification",
                "error_normalization",
                "error_processing",
                "error_analytics",
                "error_event_json",
                "response_time_summary",
                "load_test_stats",
                "memory_leak_trend",
                "monitor_counters",
                "prometheus_histogram",
                "request_metrics_summary",
                "group_aggregations",
                "cache_key",
                "session_scan",
                "pending_tasks",
                "sla_status",
                "task_assignment",
                "session_scan_pg",
                "pending_tasks_pg",
                "sla_status_pg",
                "task_assignment_pg"
            ]
        );
        let no_caller: Vec<&str> = PAIRS
            .iter()
            .filter(|p| p.original.called_by.is_none())
            .map(|p| p.name)
            .collect();
        assert_eq!(
            no_caller,
            [
                "spike_detector",
                "search_flood",
                "memory_growth",
                "paths_shortest",
                "paths_all_simple",
                "optimizer_summary",
                "error_normalization",
                "error_processing",
                "error_analytics",
                "error_event_json"
            ]
        );
        assert!(
            find("paths_shortest")
                .map(|p| p.original.describe())
                .is_some_and(|d| d.contains("never timed") && d.contains("no caller"))
        );
    }

    /// A Rust peer runs on the pair's own generator and answers in the
    /// twin's layout (the same number of lists, covering the same items, and
    /// the same number of values), so the comparison with the baseline is
    /// about its answer, never about its shape. How close the answer is, is
    /// the differential tests' business (they have the baseline).
    #[test]
    fn rust_peers_run_on_their_pairs_generator_in_the_twins_layout() {
        let mut peers = 0;
        for pair in PAIRS {
            for alt in pair.alternatives {
                let Implementation::Rust(peer) = alt.implementation else {
                    continue;
                };
                peers += 1;
                let input = pair.generator.generate(pair.sizes[0], 1);
                let answer = (peer.run)(&(peer.prepare)(&input).expect("prepare")).expect("run");
                let twin =
                    (pair.rust.run)(&(pair.rust.prepare)(&input).expect("prepare")).expect("twin");
                assert_eq!(
                    std::mem::discriminant(&answer),
                    std::mem::discriminant(&twin),
                    "{} / {}: not the twin's output kind",
                    pair.name,
                    alt.side
                );
                let (Output::Lists(answer), Output::Lists(twin)) = (answer, twin) else {
                    continue;
                };
                let items = |lists: &[Vec<i64>]| {
                    let mut all: Vec<i64> = lists.iter().flatten().copied().collect();
                    all.sort_unstable();
                    all
                };
                assert_eq!(answer.lists.len(), twin.lists.len(), "{}", alt.side);
                assert_eq!(items(&answer.lists), items(&twin.lists), "{}", alt.side);
                assert_eq!(answer.values.len(), twin.values.len(), "{}", alt.side);
                assert!(answer.values.iter().all(|v| v.is_finite()), "{}", alt.side);
            }
        }
        assert!(peers > 0, "linfa's k-means is registered");
    }

    #[test]
    fn twins_run_on_their_own_generator_and_parallel_agrees() {
        let _postgres = twinbench_service::pg::shared::guard();
        for pair in PAIRS {
            if let Some(missing) = missing_requirement(pair) {
                assert!(!missing.required, "{}: {missing}", pair.name);
                eprintln!("!! {} SKIPPED: {missing}", pair.name);
                continue;
            }
            let input = pair.generator.generate(pair.sizes[0], 1);
            let prepared = (pair.rust.prepare)(&input).expect("prepare");
            let out = (pair.rust.run)(&prepared).expect("run");
            assert!(!out.is_empty(), "{} produced nothing", pair.name);
            if let Some(par) = pair.rust.run_parallel {
                let parallel = par(&prepared).expect("parallel run");
                if let Err(m) = crate::compare::compare(
                    pair.comparison,
                    pair.tolerance,
                    &parallel,
                    &out,
                    input.truth(),
                ) {
                    panic!("{}: parallel and single-thread differ: {m}", pair.name);
                }
            }
        }
    }
}
