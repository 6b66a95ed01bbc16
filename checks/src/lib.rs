//! Model checks of twinbench's concurrent components and of the bug zoo.
//!
//! The component sources of `twinbench-kernels` (`kernels/src/concurrent/`) are
//! compiled here twice more: in [`loom_backend`] against loom's primitives and
//! in [`shuttle_backend`] against shuttle's, each through the same `sync`
//! facade file the shipped build uses. The scenario bodies in `src/models/` are
//! compiled into both as well, so one scenario is one function per checker.
//!
//! [`catalog`] lists every scenario; [`runner::run`] runs one under a checker
//! and returns a [`runner::CheckRecord`] (schedules, outcome, replay command)
//! that `cargo test` asserts on and `twinbench` writes into results.json.

// Compiling the same sources once per backend is the point of this crate.
#![allow(clippy::duplicate_mod)]

pub mod loom_backend;
pub mod runner;
pub mod scenario;
pub mod shuttle_backend;

use std::path::PathBuf;

pub use runner::{Budget, CheckRecord, Outcome, Replay};
pub use scenario::{Checker, Component, Scenario, Subject, ZooEntry};

/// One scenario with its body compiled for each checker family.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub scenario: Scenario,
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
    #[error("no scenario named {0:?}; `twinbench checks --list` lists them")]
    UnknownScenario(String),
}

/// Every scenario, in a stable order.
pub fn catalog() -> Vec<Entry> {
    let loom = loom_backend::models::scenarios();
    let shuttle = shuttle_backend::models::scenarios();
    assert_eq!(
        loom.iter().map(|s| s.id).collect::<Vec<_>>(),
        shuttle.iter().map(|s| s.id).collect::<Vec<_>>(),
        "the loom and shuttle builds of src/models/ must list the same scenarios"
    );
    loom.into_iter()
        .zip(shuttle)
        .map(|(l, s)| Entry {
            scenario: s,
            loom_body: l.body,
            shuttle_body: s.body,
        })
        .collect()
}

/// The scenario with this id.
pub fn find(id: &str) -> Result<Entry, ReplayError> {
    catalog()
        .into_iter()
        .find(|e| e.scenario.id == id)
        .ok_or_else(|| ReplayError::UnknownScenario(id.to_string()))
}
