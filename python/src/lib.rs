//! `twinbench._twinbench`: the Rust twins of the analytics and monitoring
//! kernels, callable from Python.
//!
//! The rustworkx split: all logic lives in `twinbench-kernels` (plain Rust,
//! no Python); this crate only converts arguments and results, releases the
//! GIL around each kernel call, and maps the kernels' typed errors to Python
//! exceptions in one place (`errors`). Node ids are the kernels' `0..n`; the
//! Python package maps networkx node labels to them (`twinbench/_convert.py`).

mod alerting;
mod detect;
mod error_handling;
mod errors;
mod forecasting;
mod graph;
mod migration;
mod optimizer;
mod performance_monitor;

use pyo3::prelude::*;

#[pymodule]
fn _twinbench(module: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(module)?;
    graph::register(module)?;
    migration::register(module)?;
    detect::register(module)?;
    alerting::register(module)?;
    error_handling::register(module)?;
    forecasting::register(module)?;
    optimizer::register(module)?;
    performance_monitor::register(module)?;
    Ok(())
}
