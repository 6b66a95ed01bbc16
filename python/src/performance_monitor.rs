//! The performance-monitor twins (catalog analytics K17): the graph-size
//! buckets behind `PerformanceMonitor._categorize_graph_size`.

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::PyInt;
use twinbench_kernels::monitor::counters::{GraphSize, SizeCategory, graph_size_category};

/// The original's bucket names.
fn name(category: SizeCategory) -> &'static str {
    match category {
        SizeCategory::Small => "small",
        SizeCategory::Medium => "medium",
        SizeCategory::Large => "large",
        SizeCategory::ExtraLarge => "extra_large",
        SizeCategory::Unknown => "unknown",
    }
}

/// The bucket of an integer size: < 100 `small`, < 1,000 `medium`,
/// < 10,000 `large`, else `extra_large`. A Python int beyond 64 bits is
/// bucketed by its sign (every such int is either < 100 or ≥ 10,000).
#[pyfunction]
fn categorize_graph_size_int(size: &Bound<'_, PyInt>) -> PyResult<&'static str> {
    let value = match size.extract::<i64>() {
        Ok(value) => value,
        Err(error) if error.is_instance_of::<PyOverflowError>(size.py()) => {
            if size.lt(0)? {
                i64::MIN
            } else {
                i64::MAX
            }
        }
        Err(error) => return Err(error),
    };
    Ok(name(graph_size_category(GraphSize::Int(value))))
}

/// The bucket of `int(text)` for a decimal text (Python's base-10 `int`
/// syntax: surrounding whitespace, one sign, ASCII digits with single
/// underscores between them), `unknown` when `int` would raise
/// `ValueError`. Only ASCII text is in the twin's domain: Python's `int`
/// also reads non-ASCII decimal digits, which the twin does not.
#[pyfunction]
fn categorize_graph_size_text(py: Python<'_>, text: &str) -> &'static str {
    py.detach(|| name(graph_size_category(GraphSize::Text(text))))
}

/// Registers the performance-monitor functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(categorize_graph_size_int, module)?)?;
    module.add_function(wrap_pyfunction!(categorize_graph_size_text, module)?)?;
    Ok(())
}
