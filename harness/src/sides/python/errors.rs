//! Typed bridge errors; each says what is wrong and the command that fixes it.

use std::path::PathBuf;

use pyo3::prelude::*;
use thiserror::Error;

/// The command that creates or repairs the venv.
pub const SETUP_COMMAND: &str = "make setup";

/// A Python exception, with its formatted traceback.
#[derive(Debug, Clone, Error)]
#[error("Python raised in {context}: {exception}\n{traceback}")]
pub struct PythonError {
    /// What the harness was doing.
    pub context: String,
    /// `Type: message`.
    pub exception: String,
    /// `traceback.format_exception` output.
    pub traceback: String,
}

/// Why the bridge could not start or a call failed.
#[derive(Debug, Clone, Error)]
pub enum BridgeError {
    #[error(transparent)]
    PinSet(#[from] crate::pins::PinSetError),

    #[error(
        "no Python environment at {venv} (no pyvenv.cfg){io}; run `{SETUP_COMMAND}` to create it \
         (.venv from python_baselines/requirements.txt, .venv-monitoring from \
         requirements-monitoring.txt)",
        venv = venv.display(),
        io = io.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
    )]
    VenvMissing { venv: PathBuf, io: Option<String> },

    #[error(
        "the environment at {venv} was made with Python {venv_version}, but twinbench embeds \
         Python {embedded_version}; remove it and run `{SETUP_COMMAND}`",
        venv = venv.display()
    )]
    VenvPythonMismatch {
        venv: PathBuf,
        venv_version: String,
        embedded_version: String,
    },

    #[error(
        "Python package `{package}` is not installed in {venv}; run `{SETUP_COMMAND}` \
         (or `{venv}/bin/pip install -r {requirements}`)",
        venv = venv.display(),
        requirements = requirements.display()
    )]
    PackageMissing {
        package: String,
        venv: PathBuf,
        requirements: PathBuf,
    },

    #[error(
        "Python package `{package}` is {found} in {venv}, but requirements pin {pinned}; \
         run `{SETUP_COMMAND}`",
        venv = venv.display()
    )]
    VersionMismatch {
        package: String,
        found: String,
        pinned: String,
        venv: PathBuf,
    },

    #[error("{path}: {message}", path = path.display())]
    Requirements { path: PathBuf, message: String },

    #[error(transparent)]
    Python(#[from] PythonError),
}

/// Converts a Python exception into a [`BridgeError`] carrying its traceback.
pub(super) fn python(py: Python<'_>, context: &str, err: PyErr) -> BridgeError {
    let exception = err.to_string();
    let traceback = py
        .import("traceback")
        .and_then(|tb| {
            // pyo3 keeps the traceback beside the exception, not always on
            // its __traceback__: pass all three explicitly.
            tb.call_method1(
                "format_exception",
                (err.get_type(py), err.value(py), err.traceback(py)),
            )
        })
        .and_then(|lines| lines.extract::<Vec<String>>())
        .map(|lines| lines.concat())
        .unwrap_or_else(|_| exception.clone());
    BridgeError::Python(PythonError {
        context: context.to_string(),
        exception,
        traceback,
    })
}
