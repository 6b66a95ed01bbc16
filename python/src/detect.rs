//! The AI-detection twins (catalog ml_monitoring K1.1–K1.3): the rolling
//! spike detector behind `detect_node_creation_anomalies`, the search-flood
//! rule behind `detect_search_anomalies` and the memory-growth rule behind
//! `detect_memory_growth_anomalies`.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use twinbench_kernels::detect;

use crate::errors::BindingError;

/// The spikes of one series as parallel arrays.
type SpikeArrays<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
);

/// Rows where `value > rolling_mean + medium_sigmas · rolling_std` (pandas'
/// trailing `rolling(window)`, the row included, sample std), in row order,
/// as `(positions, values, baselines, high)`: `baselines` is the rolling
/// mean, `high` whether the value also exceeds `mean + high_sigmas · std`.
///
/// The series is read in place (no copy) with the GIL released: like every
/// numpy consumer that releases the GIL, it must not be written to by
/// another thread during the call.
#[pyfunction]
#[pyo3(signature = (values, window = 20, medium_sigmas = 3.0, high_sigmas = 5.0, parallel = false))]
fn detect_spikes<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    window: usize,
    medium_sigmas: f64,
    high_sigmas: f64,
    parallel: bool,
) -> Result<SpikeArrays<'py>, BindingError> {
    if window < 2 {
        return Err(BindingError::input(format!(
            "window = {window}: a sample standard deviation needs a window of at least 2"
        )));
    }
    let series = contiguous(&values, "values")?;
    let params = detect::SpikeParams {
        window,
        medium_sigmas,
        high_sigmas,
    };
    let spikes = py.detach(|| {
        if parallel {
            detect::detect_spikes_parallel(series, params)
        } else {
            detect::detect_spikes(series, params)
        }
    });
    Ok((
        PyArray1::from_iter(py, spikes.iter().map(|s| s.index as u64)),
        PyArray1::from_iter(py, spikes.iter().map(|s| s.value)),
        PyArray1::from_iter(py, spikes.iter().map(|s| s.baseline)),
        PyArray1::from_iter(
            py,
            spikes.iter().map(|s| s.severity == detect::Severity::High),
        ),
    ))
}

/// The floods of one counter: `(rows, rates, threshold, descriptions)`.
type FloodArrays<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<f64>>,
    f64,
    Vec<String>,
);

/// The growth anomalies of one count: `(rows, growth_rates, critical,
/// descriptions)`.
type GrowthArrays<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
    Vec<String>,
);

/// The rows of a series as the kernels' timestamp grid: row `i` is stamped
/// `i`. The kernels stamp each record from the grid; the Python side reads
/// the real stamp from the frame's `timestamp` column by row instead (the
/// frame's stamps need not be regular), so only the row is used. Every
/// `usize` row below `i64::MAX` fits, so stamping never fails for an array
/// numpy can hold.
const ROWS: detect::Timestamps = detect::Timestamps {
    origin_ns: 0,
    step_ns: 1,
};

/// Reads a 1-D float64 array in place, or says how to pass one (`name`
/// is the argument's).
pub(crate) fn contiguous<'a>(
    values: &'a PyReadonlyArray1<'_, f64>,
    name: &str,
) -> Result<&'a [f64], BindingError> {
    values.as_slice().map_err(|_| {
        BindingError::input(format!(
            "{name} must be a C-contiguous 1-D float64 array (pass numpy.ascontiguousarray({name}, dtype=numpy.float64))"
        ))
    })
}

/// The floods of one search counter (`detect_search_anomalies`), in row
/// order, as `(rows, rates, threshold, descriptions)`: `rates` is the row's
/// `diff().fillna(0)`, `threshold` the 95th percentile of all rates (NaN
/// for an empty counter, which has no floods), `descriptions` the
/// original's text per flood.
///
/// Read in place with the GIL released (see [`detect_spikes`]).
#[pyfunction]
fn search_floods<'py>(
    py: Python<'py>,
    counter: PyReadonlyArray1<'py, f64>,
) -> Result<FloodArrays<'py>, BindingError> {
    let counter = contiguous(&counter, "counter")?;
    let floods = py.detach(|| detect::search_floods(counter, ROWS))?;
    let threshold = floods.first().map_or(f64::NAN, |f| f.threshold);
    Ok((
        PyArray1::from_iter(py, floods.iter().map(|f| f.index as u64)),
        PyArray1::from_iter(py, floods.iter().map(|f| f.rate)),
        threshold,
        floods.into_iter().map(|f| f.description).collect(),
    ))
}

/// The growth anomalies of one node count (`detect_memory_growth_anomalies`),
/// in row order, as `(rows, growth_rates, critical, descriptions)`:
/// `growth_rates` is pandas 2.2's `pct_change().fillna(0)` at the row,
/// `critical` whether it exceeds 20% (every row returned exceeds 10%).
///
/// Read in place with the GIL released (see [`detect_spikes`]).
#[pyfunction]
fn memory_growth<'py>(
    py: Python<'py>,
    counts: PyReadonlyArray1<'py, f64>,
) -> Result<GrowthArrays<'py>, BindingError> {
    let counts = contiguous(&counts, "counts")?;
    let found = py.detach(|| detect::memory_growth_anomalies(counts, ROWS))?;
    Ok((
        PyArray1::from_iter(py, found.iter().map(|a| a.index as u64)),
        PyArray1::from_iter(py, found.iter().map(|a| a.growth_rate)),
        PyArray1::from_iter(
            py,
            found
                .iter()
                .map(|a| a.severity == detect::GrowthSeverity::Critical),
        ),
        found.into_iter().map(|a| a.description).collect(),
    ))
}

/// Registers the detection functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(detect_spikes, module)?)?;
    module.add_function(wrap_pyfunction!(search_floods, module)?)?;
    module.add_function(wrap_pyfunction!(memory_growth, module)?)?;
    Ok(())
}
