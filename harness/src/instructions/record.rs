//! The counts file (`reports/instructions.json`, the committed baseline):
//! what a count depends on is recorded beside it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{InstructionsError, SCHEMA_VERSION};
use crate::environment::{GitInfo, Toolchain};

/// One count: a kernel's single-threaded twin on one seeded input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructionRecord {
    pub kernel: String,
    pub size: usize,
    pub seed: u64,
    /// Instructions executed (callgrind's `Ir`) inside the counted call.
    pub instructions: u64,
    /// Where the run that took this count kept its callgrind profile, for
    /// `callgrind_annotate` (relative to the workspace when inside it; a
    /// committed baseline's profiles stay on the machine that made it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An instruction-count run: what `twinbench instructions --out` writes and
/// what `--baseline` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstructionRun {
    pub schema_version: u32,
    /// When the run finished, in seconds since the Unix epoch (information only).
    pub created_unix_s: u64,
    /// The scenario file, relative to the workspace root when inside it.
    pub scenario: String,
    pub toolchain: Toolchain,
    /// `valgrind --version`.
    pub valgrind: String,
    pub git: Option<GitInfo>,
    pub records: Vec<InstructionRecord>,
}

/// Reads an instruction-count file (a baseline or an earlier run).
pub fn load(path: &Path) -> Result<InstructionRun, InstructionsError> {
    let bytes = std::fs::read(path).map_err(|source| InstructionsError::ReadBaseline {
        path: path.to_path_buf(),
        source,
    })?;
    // The version first, so an old file gets "regenerate it", not a field error.
    #[derive(Deserialize)]
    struct Versioned {
        schema_version: u32,
    }
    let parse_error = |source| InstructionsError::ParseBaseline {
        path: path.to_path_buf(),
        source,
    };
    let versioned: Versioned = serde_json::from_slice(&bytes).map_err(parse_error)?;
    if versioned.schema_version != SCHEMA_VERSION {
        return Err(InstructionsError::Schema {
            path: path.to_path_buf(),
            found: versioned.schema_version,
        });
    }
    serde_json::from_slice(&bytes).map_err(parse_error)
}
