//! The benchmark ids criterion stores samples under.
//!
//! criterion is the one timing engine; the benches, the run that reads their
//! samples back and the gate's confirming rerun all name a measurement
//! through [`BenchId`], so the three cannot drift apart.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::pairs::Side;

/// criterion group holding the fixed cost of one pyo3 call.
pub const PYO3_OVERHEAD_GROUP: &str = "pyo3-overhead";
/// Function id inside [`PYO3_OVERHEAD_GROUP`].
pub const PYO3_OVERHEAD_FUNCTION: &str = "noop-call";

/// criterion group holding the original's thread-pool hop
/// (`twinbench_baselines.executor`): one function through the executor, one
/// inline, the difference being the hop.
pub const EXECUTOR_HOP_GROUP: &str = "executor-hop";
/// The two functions of [`EXECUTOR_HOP_GROUP`]: through the pool, inline.
pub const EXECUTOR_HOP_FUNCTIONS: [&str; 2] = ["through-executor", "direct"];

/// criterion group holding the shadow runner's cost per call (claim C26).
pub const SHADOW_RUNNER_GROUP: &str = "shadow-runner";
/// The two functions of [`SHADOW_RUNNER_GROUP`]: through the runner, direct.
pub const SHADOW_RUNNER_FUNCTIONS: [&str; 2] = ["routed", "direct"];

/// criterion group holding the migration's per-call instrumentation
/// (`twinbench_migrate::instrumented`: route + report to the rollout
/// controller and the metrics), claim C26.
pub const INSTRUMENTATION_GROUP: &str = "migration-instrumentation";
/// Function id inside [`INSTRUMENTATION_GROUP`].
pub const INSTRUMENTATION_FUNCTION: &str = "route-and-report";

/// Where criterion keeps one measurement: `<group>/<function>/<size>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchId {
    pub group: String,
    pub function: String,
    pub parameter: Option<String>,
}

impl BenchId {
    /// A kernel pair's measurement: group = kernel, function = side, parameter = size.
    pub fn pair(kernel: &str, side: Side, size: usize) -> Self {
        Self {
            group: kernel.to_string(),
            function: side.id().to_string(),
            parameter: Some(size.to_string()),
        }
    }

    /// The pyo3 call-overhead measurement.
    pub fn pyo3_overhead() -> Self {
        Self {
            group: PYO3_OVERHEAD_GROUP.to_string(),
            function: PYO3_OVERHEAD_FUNCTION.to_string(),
            parameter: None,
        }
    }

    /// One side of the executor-hop measurement (a name of
    /// [`EXECUTOR_HOP_FUNCTIONS`]).
    pub fn executor_hop(function: &str) -> Self {
        Self {
            group: EXECUTOR_HOP_GROUP.to_string(),
            function: function.to_string(),
            parameter: None,
        }
    }

    /// One function of [`SHADOW_RUNNER_GROUP`].
    pub fn shadow_runner(function: &str) -> Self {
        Self {
            group: SHADOW_RUNNER_GROUP.to_string(),
            function: function.to_string(),
            parameter: None,
        }
    }

    /// The migration instrumentation's measurement.
    pub fn instrumentation() -> Self {
        Self {
            group: INSTRUMENTATION_GROUP.to_string(),
            function: INSTRUMENTATION_FUNCTION.to_string(),
            parameter: None,
        }
    }

    /// `<criterion_dir>/<group>/<function>[/<parameter>]/new/sample.json`.
    pub fn sample_file(&self, criterion_dir: &Path) -> PathBuf {
        let mut path = criterion_dir.join(&self.group).join(&self.function);
        if let Some(p) = &self.parameter {
            path.push(p);
        }
        path.join("new").join("sample.json")
    }
}

impl fmt::Display for BenchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.group, self.function)?;
        if let Some(p) = &self.parameter {
            write!(f, "/{p}")?;
        }
        Ok(())
    }
}

/// One timed side of a kernel pair at one size, `kernel/size/side`: the typed
/// id the gate keys its timing checks by, and the form of a rerun list and of
/// the pairs bench's `TWINBENCH_ONLY`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PairBenchId {
    pub kernel: String,
    pub size: usize,
    pub side: Side,
}

impl std::str::FromStr for PairBenchId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected =
            || format!("expected kernel/size/side (e.g. pagerank/1000/rust), got {text:?}");
        let mut parts = text.trim().rsplitn(3, '/');
        let (Some(side), Some(size), Some(kernel)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(expected());
        };
        let side = Side::ALL
            .into_iter()
            .find(|s| s.id() == side)
            .ok_or_else(expected)?;
        let size = size.parse().map_err(|_| expected())?;
        if kernel.is_empty() {
            return Err(expected());
        }
        Ok(Self {
            kernel: kernel.to_string(),
            size,
            side,
        })
    }
}

impl PairBenchId {
    /// Where criterion keeps this measurement's samples.
    pub fn bench_id(&self) -> BenchId {
        BenchId::pair(&self.kernel, self.side, self.size)
    }
}

impl std::fmt::Display for PairBenchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.kernel, self.size, self.side.id())
    }
}

/// Parses a list of ids separated by whitespace or commas (the contents
/// of `TWINBENCH_ONLY` or a rerun list).
pub fn parse_list(text: &str) -> Result<Vec<PairBenchId>, String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_bench_ids_parse_and_print_back() {
        let ids = parse_list("pagerank/1000/rust, node_features/20/rust-parallel\n").expect("ids");
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[1].side, Side::RustParallel);
        assert_eq!(ids[0].to_string(), "pagerank/1000/rust");
        assert!(parse_list("").expect("empty").is_empty());
        for bad in [
            "pagerank",
            "pagerank/x/rust",
            "pagerank/10/fortran",
            "/10/rust",
        ] {
            assert!(parse_list(bad).is_err(), "{bad}");
        }
    }
}
