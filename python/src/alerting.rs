//! The alerting twins (catalog analytics K28): the alerting system's
//! 2-sigma rule behind `MetricEvaluator._detect_anomaly`.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use twinbench_kernels::detect::two_sigma;

use crate::detect::contiguous;

/// Whether `current_value` lies more than two sample standard deviations
/// from the mean of `values` (`MetricEvaluator._detect_anomaly`'s rule on
/// the history it fetched, catalog analytics K28): `statistics.mean` and
/// `statistics.stdev` bit for bit, False with fewer than `minimum` values
/// or whenever the original's statistics would raise (a NaN or infinity in
/// the history), as its blanket `except` returns.
///
/// `values` is a float64 array read in place, or any sequence of numbers
/// (copied); the GIL is released around the rule.
#[pyfunction]
#[pyo3(signature = (values, current_value, minimum = 10))]
fn two_sigma_anomaly(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    current_value: f64,
    minimum: usize,
) -> PyResult<bool> {
    if let Ok(array) = values.extract::<PyReadonlyArray1<'_, f64>>() {
        let history = contiguous(&array, "values")?;
        return Ok(py.detach(|| two_sigma::detect_anomaly(history, current_value, minimum)));
    }
    let history: Vec<f64> = values.extract()?;
    Ok(py.detach(|| two_sigma::detect_anomaly(&history, current_value, minimum)))
}

/// Registers the alerting functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(two_sigma_anomaly, module)?)?;
    Ok(())
}
