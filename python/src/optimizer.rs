//! The performance-optimizer twins (catalog ml_monitoring K5.6): the means
//! behind `AIPerformanceOptimizer.get_performance_summary`.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use twinbench_kernels::optimizer::{Sample, summary};

use crate::detect::contiguous;
use crate::errors::BindingError;

/// `(metrics, means)`, one entry per metric.
type SummaryArrays<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>);

/// `np.mean` of each metric's values among the last 100 history entries,
/// bit for bit (numpy's pairwise summation), as `(metrics, means)` by
/// increasing metric id; every id present among the last 100 appears once.
/// `metrics[i]` is entry `i`'s metric id, `values[i]` its value.
///
/// Both arrays are read in place; the GIL is released around the kernel.
#[pyfunction]
fn performance_summary<'py>(
    py: Python<'py>,
    metrics: PyReadonlyArray1<'py, u64>,
    values: PyReadonlyArray1<'py, f64>,
) -> Result<SummaryArrays<'py>, BindingError> {
    let values = contiguous(&values, "values")?;
    let metrics = metrics.as_slice().map_err(|_| {
        BindingError::input(
            "metrics must be a C-contiguous 1-D uint64 array (pass numpy.ascontiguousarray(metrics, dtype=numpy.uint64))",
        )
    })?;
    if metrics.len() != values.len() {
        return Err(BindingError::input(format!(
            "metrics has {} entries and values {}: one metric id per value",
            metrics.len(),
            values.len()
        )));
    }
    let history: Vec<Sample> = metrics
        .iter()
        .zip(values)
        .map(|(&metric, &value)| {
            usize::try_from(metric)
                .map(|metric| Sample {
                    metric,
                    component: 0,
                    value,
                    timestamp: 0,
                })
                .map_err(|_| {
                    BindingError::input(format!("metric id {metric} does not fit a usize"))
                })
        })
        .collect::<Result<_, _>>()?;
    let figures = py.detach(|| summary::summary(&history));
    Ok((
        PyArray1::from_iter(py, figures.iter().map(|f| f.metric as u64)),
        PyArray1::from_iter(py, figures.iter().map(|f| f.mean)),
    ))
}

/// Registers the optimizer functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(performance_summary, module)?)?;
    Ok(())
}
