//! Timing: the benchmark ids criterion stores samples under, reading those
//! samples back, and the statistics (speedup with a bootstrap interval).
//!
//! criterion is the one timing engine; benches and the report both name a
//! measurement through [`BenchId`], so the two cannot drift apart.

pub mod bench_run;
pub mod bootstrap;
pub mod criterion_samples;
pub mod scaling;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Which implementation a measurement timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The faithful Python baseline, called through pyo3.
    Python,
    /// The Rust twin on one thread.
    Rust,
    /// The Rust twin on the rayon pool.
    RustParallel,
    /// Cloning the prepared input: the floor a one-pass kernel can approach.
    CopyInput,
    /// The original's Python with its accidental slowness fixed (e.g. a
    /// whole-graph quantity hoisted out of a per-node loop): the part of a
    /// speedup any Python developer could have had.
    PythonFixed,
    /// Peer: the rustworkx library (Rust, called from Python).
    Rustworkx,
    /// Peer: the python-igraph library (C, called from Python).
    Igraph,
}

impl Side {
    pub const ALL: [Side; 7] = [
        Side::Python,
        Side::Rust,
        Side::RustParallel,
        Side::CopyInput,
        Side::PythonFixed,
        Side::Rustworkx,
        Side::Igraph,
    ];

    /// criterion function id and results label.
    pub fn id(self) -> &'static str {
        match self {
            Side::Python => "python",
            Side::Rust => "rust",
            Side::RustParallel => "rust-parallel",
            Side::CopyInput => "copy-input",
            Side::PythonFixed => "python-fixed",
            Side::Rustworkx => "rustworkx",
            Side::Igraph => "igraph",
        }
    }

    /// A compiled library a team could call instead of porting.
    pub fn is_peer(self) -> bool {
        matches!(self, Side::Rustworkx | Side::Igraph)
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// criterion group holding the fixed cost of one pyo3 call.
pub const PYO3_OVERHEAD_GROUP: &str = "pyo3-overhead";
/// Function id inside [`PYO3_OVERHEAD_GROUP`].
pub const PYO3_OVERHEAD_FUNCTION: &str = "noop-call";

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
