//! Reading a measurement's record file: one JSON document a measuring step
//! of `make report` wrote (the HTTP bench, the stream bench, the shadow
//! campaign), read back with the path of a bad field named.
//!
//! Each record type says what it is and which step writes it
//! ([`RecordSource`]), so every refusal tells the user how to get a good
//! record: run that step again.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::results::BenchRun;

/// What a record measures and which step writes it, for the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSource {
    /// What the record measures, e.g. "stream producer".
    pub what: &'static str,
    /// The command that writes it, e.g. "cargo bench --bench stream".
    pub writer: &'static str,
}

/// Why a record cannot be used (a problem of the run: its claims are then
/// unmeasured, never passed).
#[derive(Debug, Error)]
pub enum RecordError {
    #[error(
        "{what} not measured: cannot read {path} ({source}); `make report` writes it ({writer})",
        what = from.what,
        writer = from.writer,
        path = path.display()
    )]
    Read {
        from: RecordSource,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: field `{field}`: {problem}; not a record {writer} wrote: run it again \
         (`make report` does)",
        writer = from.writer,
        path = path.display()
    )]
    Malformed {
        from: RecordSource,
        path: PathBuf,
        field: String,
        problem: String,
    },
    #[error(
        "{path}: stale: the {what} measurement started before the pairs bench \
         ({bench_started}); run {writer} again (`make report` does)",
        what = from.what,
        writer = from.writer,
        path = path.display()
    )]
    Stale {
        from: RecordSource,
        path: PathBuf,
        bench_started: String,
    },
    #[error(
        "{path}: field `schema`: {found}, this twinbench reads schema {expected}: a record of \
         another checkout; run {writer} again (`make report` does)",
        writer = from.writer,
        path = path.display()
    )]
    Schema {
        from: RecordSource,
        path: PathBuf,
        found: u32,
        expected: u32,
    },
}

/// The JSON document at `path` as a `T`; a bad field is named by its path
/// (`families[0].family`).
pub fn read_json<T: DeserializeOwned>(path: &Path, from: RecordSource) -> Result<T, RecordError> {
    let text = std::fs::read_to_string(path).map_err(|source| RecordError::Read {
        from,
        path: path.to_path_buf(),
        source,
    })?;
    let mut json = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut json).map_err(|e| RecordError::Malformed {
        from,
        path: path.to_path_buf(),
        field: e.path().to_string(),
        problem: e.inner().to_string(),
    })
}

/// Refuses a record whose measurement started before the pairs bench the
/// report reads, so a report never puts an old run's figures beside
/// today's kernels. Without a bench run there is nothing to be older than.
pub fn check_fresh(
    path: &Path,
    from: RecordSource,
    started_unix_ms: u64,
    bench_run: Option<&BenchRun>,
) -> Result<(), RecordError> {
    match bench_run {
        Some(run) if started_unix_ms < run.started_unix_ms => Err(RecordError::Stale {
            from,
            path: path.to_path_buf(),
            bench_started: run.started_at.clone(),
        }),
        _ => Ok(()),
    }
}

/// Refuses a record of another schema version than this twinbench reads.
pub fn check_schema(
    path: &Path,
    from: RecordSource,
    found: u32,
    expected: u32,
) -> Result<(), RecordError> {
    if found == expected {
        Ok(())
    } else {
        Err(RecordError::Schema {
            from,
            path: path.to_path_buf(),
            found,
            expected,
        })
    }
}
