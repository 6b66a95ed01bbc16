//! Reading a results.json back: what the gate, merge, pool and the exports
//! start from.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::Results;

/// Why a results file could not be read.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}", path = path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a twinbench results file: {source}", path = path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// Reads a results.json.
pub fn load(path: &Path) -> Result<Results, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| LoadError::Parse {
        path: path.to_path_buf(),
        source,
    })
}
