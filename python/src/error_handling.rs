//! The error-handling twins (catalog error_handling K10.1, K10.2): the
//! classifier behind `ErrorClassifier.classify_error` and the message
//! normaliser behind `ErrorAggregator._normalize_error_message`.
//!
//! Both take the exception's class name and `str()` text as Python
//! computed them: calling `str(error)` (which may run the exception's own
//! `__str__`) stays on the Python side.

use pyo3::prelude::*;
use twinbench_kernels::errors::{classify, normalize};

/// The `ErrorType` value (`"transient"`, `"permanent"`, `"rate_limit"`,
/// `"authentication"`, `"data_validation"` or `"unknown"`) of an exception
/// of class `class_name` whose `str()` is `text`: the first of the 20
/// patterns, type-major, found in either, lower-cased as Python lowers.
#[pyfunction]
fn classify_error(py: Python<'_>, class_name: &str, text: &str) -> &'static str {
    py.detach(|| classify::classify(class_name, text).value())
}

/// `_normalize_error_message(message)`: UUIDs, then whole numbers, then
/// paths replaced by `<UUID>`, `<NUMBER>`, `<PATH>` (Python's `re` classes:
/// Unicode digits and word characters), lower-cased and stripped.
#[pyfunction]
fn normalize_error_message(py: Python<'_>, message: &str) -> String {
    py.detach(|| normalize::normalize(message))
}

/// Registers the error-handling functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(classify_error, module)?)?;
    module.add_function(wrap_pyfunction!(normalize_error_message, module)?)?;
    Ok(())
}
