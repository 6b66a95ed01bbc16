//! The AI-detection twins (catalog ml_monitoring K1.1): the rolling spike
//! detector behind `detect_node_creation_anomalies`.

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
    let series = values.as_slice().map_err(|_| {
        BindingError::input(
            "values must be a C-contiguous 1-D float64 array (pass numpy.ascontiguousarray(values))",
        )
    })?;
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

/// Registers the detection functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(detect_spikes, module)?)?;
    Ok(())
}
