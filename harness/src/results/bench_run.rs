//! The record of the measuring `cargo bench` run a result's timings come
//! from (written beside criterion's samples by `measure::bench_run`).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::environment::GitInfo;
use crate::pins::PinSet;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BenchRun {
    /// RFC 3339, UTC.
    pub started_at: String,
    /// Milliseconds since the Unix epoch, for comparing with file times.
    pub started_unix_ms: u64,
    pub scenario: String,
    pub git: Option<GitInfo>,
    /// The host's own speed, timed as the run started
    /// (`measure::calibration`); `None` in files written before it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    /// The Python side's native thread pools during the run, as
    /// threadpoolctl reports them (which BLAS, which OpenBLAS kernel, how
    /// many threads a baseline may use); empty when the run had no Python
    /// or predates the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub python_thread_pools: Vec<ThreadPool>,
    /// The same for each other pin set whose pairs ran in a process of
    /// their own (crate::pins): their numpy may bring another BLAS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pin_sets: Vec<PinSetThreadPools>,
}

/// The native thread pools of the process that served one pin set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PinSetThreadPools {
    pub pins: PinSet,
    pub python_thread_pools: Vec<ThreadPool>,
}

/// One native thread pool of the Python process (threadpoolctl's
/// `threadpool_info()`); "" where the pool does not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ThreadPool {
    /// "blas" or "openmp".
    pub user_api: String,
    /// "openblas", "mkl", "openmp", …
    pub internal_api: String,
    pub version: String,
    pub num_threads: usize,
    /// The CPU kernel OpenBLAS chose (e.g. "SkylakeX"), which
    /// OPENBLAS_CORETYPE overrides.
    pub architecture: String,
    pub threading_layer: String,
    /// The shared library, which names the package that ships it.
    pub filepath: String,
}

/// The fastest of several timings of two fixed loops
/// (`measure::calibration`): what the host itself is worth, whatever the
/// code under test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Calibration {
    /// A dependent integer chain of `chain_steps` steps, nanoseconds.
    pub chain_ns: f64,
    /// A random pointer chase of `chase_steps` steps through 64 MiB,
    /// nanoseconds.
    pub chase_ns: f64,
    pub chain_steps: u64,
    pub chase_steps: u64,
}

impl Calibration {
    /// Both loops' times, named: `(name, ns, steps)`.
    pub fn loops(&self) -> [(&'static str, f64, u64); 2] {
        [
            ("integer chain", self.chain_ns, self.chain_steps),
            ("memory chase", self.chase_ns, self.chase_steps),
        ]
    }
}

impl BenchRun {
    /// A record of a run starting now.
    pub fn starting_now(scenario: &Path, git: Option<GitInfo>) -> Self {
        let now = SystemTime::now();
        Self {
            started_at: humantime::format_rfc3339_seconds(now).to_string(),
            started_unix_ms: now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            scenario: scenario.display().to_string(),
            git,
            calibration: None,
            python_thread_pools: Vec::new(),
            pin_sets: Vec::new(),
        }
    }

    /// When the run started.
    pub fn started(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.started_unix_ms)
    }

    /// Whether the file at `path` was written during or after this run
    /// (i.e. is not left over from an earlier one).
    pub fn covers(&self, path: &Path) -> bool {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= self.started())
    }
}
