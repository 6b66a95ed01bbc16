//! Reading a results.json back, validated: what the gate, merge, pool and
//! the exports start from.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::validate::{Invalid, validate};
use super::{Results, SCHEMA_VERSION};

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
    #[error("{path}: {field}: {problem}", path = path.display())]
    Invalid {
        path: PathBuf,
        field: String,
        problem: String,
    },
}

/// Reads a results.json and checks it ([`validate`]): what every command
/// that reads one goes through.
pub fn load(path: &Path) -> Result<Results, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &bytes)
}

/// [`load`] of bytes already read (`path` names them in errors).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Results, LoadError> {
    // The version first, so a file of another version is refused as such
    // rather than as whatever field it lacks.
    #[derive(serde::Deserialize)]
    struct Versioned {
        schema_version: u32,
    }
    if let Ok(Versioned { schema_version }) = serde_json::from_slice::<Versioned>(bytes)
        && schema_version != SCHEMA_VERSION
    {
        return Err(LoadError::Invalid {
            path: path.to_path_buf(),
            field: "schema_version".into(),
            problem: format!(
                "{schema_version} found, this twinbench reads {SCHEMA_VERSION}: regenerate the \
                 file with this version"
            ),
        });
    }
    let results: Results = serde_json::from_slice(bytes).map_err(|source| LoadError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    validate(&results).map_err(|Invalid { field, problem }| LoadError::Invalid {
        path: path.to_path_buf(),
        field,
        problem,
    })?;
    Ok(results)
}
