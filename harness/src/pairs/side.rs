//! Which implementation a measurement timed: the words results.json, the
//! benchmark ids and the report use for the columns of a kernel pair.

use std::fmt;

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
    /// The baseline itself with every native thread pool (OpenMP, OpenBLAS)
    /// pinned to one thread by threadpoolctl: the like-with-like figure for
    /// the single-threaded twin, where the original's libraries use every
    /// core by default.
    #[serde(rename = "python-1-thread")]
    PythonOneThread,
    /// Peer: the rustworkx library (Rust, called from Python).
    Rustworkx,
    /// Peer: the python-igraph library (C, called from Python).
    Igraph,
    /// Peer: a linfa crate (Rust, called in process like the twin): what a
    /// team gets from the Rust ecosystem without writing a model.
    Linfa,
    /// The twin called from Python as the service would call it: the
    /// original's code with networkx dispatching to the twinbench backend
    /// (or the twinbench package function replacing the original), the
    /// graph's conversion part of every call. Against [`Side::Rust`] it is
    /// the cost of crossing the boundary (issue 21's three-way timing).
    TwinFromPython,
}

impl Side {
    pub const ALL: [Side; 10] = [
        Side::Python,
        Side::Rust,
        Side::RustParallel,
        Side::CopyInput,
        Side::PythonFixed,
        Side::PythonOneThread,
        Side::Rustworkx,
        Side::Igraph,
        Side::Linfa,
        Side::TwinFromPython,
    ];

    /// criterion function id and results label.
    pub fn id(self) -> &'static str {
        match self {
            Side::Python => "python",
            Side::Rust => "rust",
            Side::RustParallel => "rust-parallel",
            Side::CopyInput => "copy-input",
            Side::PythonFixed => "python-fixed",
            Side::PythonOneThread => "python-1-thread",
            Side::Rustworkx => "rustworkx",
            Side::Igraph => "igraph",
            Side::Linfa => "linfa",
            Side::TwinFromPython => "twin-from-python",
        }
    }

    /// A compiled library a team could call instead of porting.
    pub fn is_peer(self) -> bool {
        matches!(self, Side::Rustworkx | Side::Igraph | Side::Linfa)
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
