//! Model checks of twinbench's concurrent components and of the bug zoo.
//!
//! The component sources of `twinbench-kernels` (`kernels/src/concurrent/`) are
//! compiled here twice more: in [`loom_backend`] against loom's primitives and
//! in [`shuttle_backend`] against shuttle's, each through the same `sync`
//! facade file the shipped build uses. The case bodies in `src/models/` are
//! compiled into both as well, so one case is one function per checker.
//!
//! [`catalog`] lists every case; [`runner::run`] runs one under a checker
//! and returns a [`runner::CheckRecord`] (schedules, outcome, replay command)
//! that `cargo test` asserts on and `twinbench` writes into results.json.

// Compiling the same sources once per backend is the point of this crate.
#![allow(clippy::duplicate_mod)]

pub mod case;
pub mod loom_backend;
pub mod runner;
pub mod shuttle_backend;

use std::path::PathBuf;

pub use case::{CheckCase, Checker, Component, Subject, ZooEntry};
pub use runner::{Budget, CheckRecord, Outcome, Replay};

/// One case with its body compiled for each checker family.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub case: CheckCase,
    pub loom_body: fn(),
    pub shuttle_body: fn(),
}

/// Errors of [`runner::replay`] and [`find`].
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read schedule file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no model-check case named {0:?}; `twinbench checks --list` lists them")]
    UnknownCase(String),
    /// The schedule cannot stand for a run of this case: not saved by a
    /// check, saved by another case or checker, not a schedule at all, or
    /// it failed for a reason the case does not check.
    #[error("cannot replay {path}: {reason}")]
    NotReplayable { path: PathBuf, reason: String },
}

/// Every case, in a stable order.
pub fn catalog() -> Vec<Entry> {
    let loom = loom_backend::models::cases();
    let shuttle = shuttle_backend::models::cases();
    assert_eq!(
        loom.iter().map(|s| s.id).collect::<Vec<_>>(),
        shuttle.iter().map(|s| s.id).collect::<Vec<_>>(),
        "the loom and shuttle builds of src/models/ must list the same cases"
    );
    loom.into_iter()
        .zip(shuttle)
        .map(|(l, s)| Entry {
            case: s,
            loom_body: l.body,
            shuttle_body: s.body,
        })
        .collect()
}

/// The case with this id.
pub fn find(id: &str) -> Result<Entry, ReplayError> {
    catalog()
        .into_iter()
        .find(|e| e.case.id == id)
        .ok_or_else(|| ReplayError::UnknownCase(id.to_string()))
}
