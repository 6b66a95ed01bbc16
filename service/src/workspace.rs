//! Where the workspace is, for this crate and every crate above it (the
//! harness, the HTTP servers): one lookup, so that `TWINBENCH_ROOT` and
//! `TWINBENCH_VENV` mean the same thing to each of them.

use std::path::{Path, PathBuf};

/// Overrides the workspace root (for a relocated binary; by default the
/// root this crate was built from).
pub const ROOT_ENV: &str = "TWINBENCH_ROOT";
/// Names another venv than `<workspace>/.venv` (the venv with the server
/// pins: the baselines, Flask, gunicorn).
pub const VENV_ENV: &str = "TWINBENCH_VENV";

/// The workspace root (the folder holding `Cargo.toml`, `scenarios/`, ...):
/// `$TWINBENCH_ROOT`, else the folder above this crate.
pub fn root() -> PathBuf {
    std::env::var_os(ROOT_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(PathBuf::from)
                .unwrap_or_default()
        })
}

/// The venv with the server pins: `$TWINBENCH_VENV`, else
/// `<workspace>/.venv`.
pub fn venv_dir() -> PathBuf {
    std::env::var_os(VENV_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"))
}
