//! `results.json`: the single source the report (and the CI gate) read.
//!
//! Data, never strings to parse back: every figure is a field. Bump
//! [`SCHEMA_VERSION`] on any change a reader could misread.

mod bench_run;
mod concurrency;
#[cfg(test)]
pub(crate) mod fixtures;
mod latency;
mod load;
mod measures;
mod rollout;
mod shadow;
pub mod validate;
pub mod verdicts;

use crate::pins::PinSet;
use serde::{Deserialize, Serialize};

pub use bench_run::{BenchRun, Calibration, PinSetThreadPools, ThreadPool};
pub use concurrency::{BudgetInfo, BudgetLevel, ConcurrencyResults};
pub use latency::{LatencyDistribution, LatencyResult, LatencyTarget};
pub use load::{LoadError, load, parse};
pub use measures::{CallMemory, GraphFootprint, LibraryFootprint, MemoryResult, OverheadResult};
pub use rollout::{RolloutOutcome, SimulatedPeriod, SimulatedRollout};
pub use shadow::{
    SHADOW_SCHEMA, ShadowCounts, ShadowFamily, ShadowFunction, ShadowKept, ShadowRun,
};
pub use twinbench_http::record::{HttpBench, LoadReport, MemoryPeak, ReloadMeasure, ServerMeasure};
pub use twinbench_http::stream_record::StreamBench;
pub use verdicts::{AttributionRow, ClaimRow, ComponentVerdict};

use crate::compare::{Agreement, Comparison, Mismatch, Tolerance};
use crate::environment::{GitInfo, Machine, Pin};
use crate::pairs::{Defect, Domain, QueryPlan, Side};
use crate::scenario::Shard;
use crate::stats::Estimate;

pub const SCHEMA_VERSION: u32 = 3;

/// Where the published JSON Schema of results.json lives, relative to the
/// workspace root; `twinbench schema` regenerates it and a test checks it is
/// current.
pub const SCHEMA_FILE: &str = "schema/results.schema.json";

/// The JSON Schema of [`Results`] (draft 2020-12), as published.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Results))
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "title".into(),
            format!("twinbench results.json, schema_version {SCHEMA_VERSION}").into(),
        );
    }
    schema
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Results {
    pub schema_version: u32,
    /// `YYYYMMDDTHHMMSSZ` of the run; names its folder under `reports/`.
    pub run_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub scenario: ScenarioInfo,
    /// Which part of a sharded run this is (`None`: the whole run, or a merge).
    #[serde(default)]
    pub shard: Option<Shard>,
    /// The runs whose samples a gate baseline pools (`twinbench pool`);
    /// empty for a single run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pooled_from: Vec<String>,
    /// How far each pooled run stood from the pool: the noise of a gate
    /// baseline's own runs, which the gate holds a new run's host against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_spread: Option<PoolSpread>,
    pub machine: Machine,
    pub versions: Versions,
    /// Commit of the checkout the report was made from.
    pub git: Option<GitInfo>,
    /// The `cargo bench` run the timings come from.
    pub bench_run: Option<BenchRun>,
    /// Fixed cost of one pyo3 call into Python (a no-op function), which
    /// every Python-side time includes.
    pub pyo3_call_overhead: Option<SideTiming>,
    /// The original's `run_in_executor` hop around each analytics kernel,
    /// which the baselines leave out (`None` in files written before it was
    /// measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_hop: Option<ExecutorHop>,
    /// What the shadow runner (`twinbench.shadow`) adds to a call the twin
    /// serves from Python (claim C26); `None` when not timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_runner: Option<ShadowRunnerCost>,
    pub pairs: Vec<PairResult>,
    /// What the migration's monitoring adds to one call (claim C26): the
    /// rollout controller's routing and report plus the Prometheus metrics
    /// (`twinbench_migrate::instrumented`); `None` when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrumentation: Option<SideTiming>,
    /// Bytes each library holds for the run's graphs (≥ 1000 nodes).
    #[serde(default)]
    pub graph_footprints: Vec<GraphFootprint>,
    /// Defects found in the original that concern this run's pairs.
    #[serde(default)]
    pub defects: Vec<Defect>,
    /// Model checks of the concurrent components and the bug zoo (schema 3).
    #[serde(default)]
    pub concurrency: Option<ConcurrencyResults>,
    /// Locking overhead per concurrent component (claim C10).
    #[serde(default)]
    pub locking_overhead: Vec<OverheadResult>,
    /// Per-call latency distributions (alert correlation per alert).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latencies: Vec<LatencyResult>,
    /// The task-routing service over HTTP, both servers under load
    /// (`twinbench-http-bench`); `None` when the run did not include it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpBench>,
    /// The stream producer's per-event latency under load (claim C16, the
    /// kernels' `stream` bench); `None` when the run did not include it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamBench>,
    /// The shadow campaign (claim C14): the twins beside the originals in
    /// shadow mode on generated inputs, one record per venv it ran in;
    /// empty when the run did not include it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shadow: Vec<ShadowRun>,
    /// Seed 000's gradual rollout replayed on this run's measurements, per
    /// migrated component (claim C13).
    #[serde(default)]
    pub rollouts: Vec<SimulatedRollout>,
    /// Ready / not ready per migrated component, with the reasons.
    #[serde(default)]
    pub verdicts: Vec<ComponentVerdict>,
    /// The claims ledger: C01–C26, measured or visibly unmeasured.
    #[serde(default)]
    pub claims: Vec<ClaimRow>,
    /// Anything that kept a figure from being measured, run-wide.
    pub problems: Vec<String>,
}

/// The original's thread-pool hop (`twinbench_baselines/executor.py`): the
/// same no-op coroutine awaited through `ThreadPoolExecutor(4)` and called
/// inline. The hop costs `through_executor − direct` per kernel call (twice
/// for community detection); it is in no Python time of the pairs.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExecutorHop {
    pub through_executor: SideTiming,
    pub direct: SideTiming,
}

/// A trivial twin called through the shadow runner (shadowing off) and
/// directly, both from the bridge: the difference is the runner's cost.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShadowRunnerCost {
    pub routed: SideTiming,
    pub direct: SideTiming,
}

impl ShadowRunnerCost {
    /// The runner's per-call samples: each routed sample minus the direct
    /// mean (the ratio's interval then carries the routed side's spread).
    pub fn added_ns_samples(&self) -> Vec<f64> {
        let direct = self.direct.mean_ns.point;
        self.routed
            .per_iteration_ns
            .iter()
            .map(|ns| ns - direct)
            .collect()
    }
}

impl ExecutorHop {
    /// Mean time the hop adds per call, nanoseconds (difference of the two
    /// means; may come out negative only if the measurement is noise).
    pub fn hop_ns(&self) -> f64 {
        self.through_executor.mean_ns.point - self.direct.mean_ns.point
    }
}

/// The spread of the runs a gate baseline pools (`twinbench pool`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PoolSpread {
    /// Per pooled run, in `pooled_from` order: the median, over its
    /// single-threaded Rust timings, of its mean ÷ the pooled mean. 1 is a
    /// run exactly at the pool's speed.
    pub run_drifts: Vec<f64>,
    /// Each pooled run's host calibration, where its bench run recorded one.
    pub calibrations: Vec<Calibration>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScenarioInfo {
    pub path: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Versions {
    pub twinbench: String,
    pub rustc: String,
    pub criterion: String,
    /// `None` when the Python bridge could not start (see `problems`).
    pub python: Option<String>,
    pub python_packages: Vec<Pin>,
    /// The other pin sets' interpreters, each run in a process of its own
    /// for the pairs that need it (crate::pins); empty in files written
    /// before there were two.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pin_sets: Vec<PinSetVersions>,
}

/// The interpreter and packages a process serving one pin set imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PinSetVersions {
    pub pins: PinSet,
    /// `None` when its bridge could not start (see `problems`).
    pub python: Option<String>,
    pub python_packages: Vec<Pin>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PairResult {
    pub kernel: String,
    pub domain: Domain,
    pub summary: String,
    /// `module.function` of the baseline.
    pub python_function: String,
    pub input: String,
    pub size_unit: String,
    pub comparison: Comparison,
    pub tolerance: Tolerance,
    pub tolerance_rationale: String,
    pub claims: Vec<String>,
    /// The library versions its baseline ran under (the server's in files
    /// written before there were two sets).
    #[serde(default)]
    pub pins: PinSet,
    /// Other implementations timed beside the baseline (peers, a fixed
    /// Python), in column order.
    #[serde(default)]
    pub alternatives: Vec<AlternativeInfo>,
    pub sizes: Vec<SizeResult>,
    /// The scenario's slowdown threshold for `twinbench gate`, if it set one.
    #[serde(default)]
    pub gate_threshold: Option<f64>,
    /// Log–log slope of mean time against size, per side with ≥ 2 sizes.
    pub scaling: Vec<Scaling>,
    /// Why the twin's peak memory reads above the baseline's, where it can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_note: Option<crate::pairs::memory_notes::MemoryNote>,
}

/// A peer library or fixed Python baseline, as the pair table describes it.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AlternativeInfo {
    pub side: Side,
    /// Where it runs: through the Python bridge or in process, like the
    /// twin (files written before Rust peers existed hold only Python ones).
    #[serde(default)]
    pub language: Language,
    /// What runs it: `module.function` for Python, the crate and its entry
    /// point for Rust.
    pub function: String,
    /// How, and within what tolerance, its answer is held to the baseline's.
    pub comparison: Comparison,
    pub tolerance: Tolerance,
    /// What it computes differently and why that tolerance.
    pub note: String,
}

/// Which language an alternative runs in.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Called through the embedded interpreter, like the baseline.
    #[default]
    Python,
    /// Called in process, like the twin.
    Rust,
}

/// One alternative at one size: does it compute the same thing, how fast.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AlternativeResult {
    pub side: Side,
    /// Its answer against the baseline's answer.
    pub correctness: Correctness,
    /// Its time ÷ single-thread Rust time (> 1: the twin is faster).
    pub rust_speedup: Option<Estimate>,
    /// Baseline Python time ÷ its time.
    pub speedup_over_python: Option<Estimate>,
    /// One call's memory, for a Rust peer (the twin's counting allocator
    /// measures it the same way); `None` for Python alternatives, which are
    /// not measured, or when the process does not count allocations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<CallMemory>,
}

/// How one side's cost grows with input size: time ∝ size^slope.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Scaling {
    pub side: Side,
    pub slope: f64,
    /// The slope's 95% bootstrap interval (each size's samples resampled).
    #[serde(default)]
    pub slope_interval: Option<Estimate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SizeResult {
    pub size: usize,
    pub seed: u64,
    pub correctness: Correctness,
    pub timings: Vec<SideTiming>,
    /// Python time ÷ single-thread Rust time.
    pub speedup: Option<Estimate>,
    /// Single-thread Rust time ÷ parallel Rust time.
    pub parallel_speedup: Option<Estimate>,
    /// Single-thread Rust time ÷ time to copy the input (1 = as fast as a copy).
    pub rust_over_copy: Option<Estimate>,
    /// Parallel Rust time ÷ time to copy the input.
    pub parallel_over_copy: Option<Estimate>,
    /// Peers and fixed baselines on the same input.
    #[serde(default)]
    pub alternatives: Vec<AlternativeResult>,
    /// Peak and retained memory of one call, each side (a separate run).
    #[serde(default)]
    pub memory: Option<MemoryResult>,
    /// The plan of the pair's main query on each database its sides use
    /// (SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN`), taken on
    /// this size's data outside every timed region: whether the index was
    /// used. Empty for a pair without a database.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_plans: Vec<QueryPlan>,
    /// Why a figure above is absent.
    pub problems: Vec<String>,
}

/// Did both sides agree on this size's input?
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Correctness {
    Agree {
        agreement: Agreement,
    },
    Disagree {
        mismatch: Mismatch,
    },
    /// A side raised, panicked or returned an error; the run went on.
    Failed {
        side: Side,
        error: String,
    },
    /// Both sides refused the input (e.g. both report non-convergence).
    BothFailed {
        rust: String,
        python: String,
    },
    /// Neither side ran: something the pair needs is not on this machine
    /// (PostgreSQL for the `*_pg` pairs). Never a pass; the reason says
    /// what to install.
    NotRun {
        reason: String,
    },
}

impl Correctness {
    pub fn is_agree(&self) -> bool {
        matches!(self, Correctness::Agree { .. })
    }

    pub fn is_not_run(&self) -> bool {
        matches!(self, Correctness::NotRun { .. })
    }
}

impl SizeResult {
    /// The timing of `side` at this size, if it was timed.
    pub fn timing(&self, side: Side) -> Option<&SideTiming> {
        self.timings.iter().find(|t| t.side == side)
    }

    /// The per-call samples of `side`, if it was timed and they were kept
    /// (results older than schema 3 have none).
    pub fn samples(&self, side: Side) -> Option<&[f64]> {
        self.timing(side)
            .map(|t| t.per_iteration_ns.as_slice())
            .filter(|s| !s.is_empty())
    }
}

impl Results {
    /// The first way in which `other` does not come from the same scenario,
    /// results schema, machine ([`Machine::same_hardware`]) and commit as
    /// `self`: (what, self's, other's). Shards to merge and runs to pool
    /// must all agree.
    pub fn origin_mismatch(&self, other: &Results) -> Option<(&'static str, String, String)> {
        let first = self;
        let commit = |r: &Results| r.git.as_ref().map(|g| g.commit.clone()).unwrap_or_default();
        if !first.machine.same_hardware(&other.machine) {
            return Some((
                "machine",
                first.machine.hardware(),
                format!(
                    "{} ({})",
                    other.machine.hardware(),
                    first
                        .machine
                        .hardware_differences(&other.machine)
                        .join("; ")
                ),
            ));
        }
        [
            (
                "scenario",
                first.scenario.path.clone(),
                other.scenario.path.clone(),
            ),
            (
                "schema version",
                first.schema_version.to_string(),
                other.schema_version.to_string(),
            ),
            ("commit", commit(first), commit(other)),
        ]
        .into_iter()
        .find(|(_, a, b)| a != b)
    }

    /// The kernel pair called `kernel`, if the run has it.
    pub fn pair(&self, kernel: &str) -> Option<&PairResult> {
        self.pairs.iter().find(|p| p.kernel == kernel)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SideTiming {
    pub side: Side,
    pub samples: usize,
    pub iterations: f64,
    /// Mean time per call with its bootstrap interval, nanoseconds.
    pub mean_ns: Estimate,
    pub median_ns: f64,
    pub min_ns: f64,
    pub max_ns: f64,
    /// Time per call of each criterion sample, nanoseconds: what the gate
    /// resamples to compare two runs.
    #[serde(default)]
    pub per_iteration_ns: Vec<f64>,
}
