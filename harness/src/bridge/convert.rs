//! Input and output conversion: whole numpy arrays, never per-element Python
//! objects on the Rust side.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::inputs::Input;
use crate::output::{Event, Output};
use crate::registry::OutputKind;

/// Positional arguments of a baseline's `_prepare` for `input`:
/// graphs as `(n, src, dst, weight)`, series as `(values,)`.
pub fn input_args<'py>(py: Python<'py>, input: &Input) -> PyResult<Bound<'py, PyTuple>> {
    match input {
        Input::Graph(graph) => {
            let src: Vec<i64> = graph.edges.iter().map(|e| i64::from(e.u)).collect();
            let dst: Vec<i64> = graph.edges.iter().map(|e| i64::from(e.v)).collect();
            let weight: Vec<f64> = graph.edges.iter().map(|e| e.weight).collect();
            PyTuple::new(
                py,
                [
                    graph.node_count.into_pyobject(py)?.into_any(),
                    PyArray1::from_vec(py, src).into_any(),
                    PyArray1::from_vec(py, dst).into_any(),
                    PyArray1::from_vec(py, weight).into_any(),
                ],
            )
        }
        Input::Series(series) => {
            PyTuple::new(py, [PyArray1::from_slice(py, &series.values).into_any()])
        }
    }
}

fn to_vec<T: numpy::Element + Copy>(obj: &Bound<'_, PyAny>) -> PyResult<Vec<T>> {
    let array: PyReadonlyArray1<'_, T> = obj.extract()?;
    Ok(array.as_array().to_vec())
}

/// Reads a baseline's `_output` result as `kind`.
pub fn output(kind: OutputKind, raw: &Bound<'_, PyAny>) -> PyResult<Output> {
    match kind {
        OutputKind::NodeScores => Ok(Output::NodeScores(to_vec::<f64>(raw)?)),
        OutputKind::Events => {
            let (indices, values, baselines, severities): (
                Bound<'_, PyAny>,
                Bound<'_, PyAny>,
                Bound<'_, PyAny>,
                Bound<'_, PyAny>,
            ) = raw.extract()?;
            let indices = to_vec::<i64>(&indices)?;
            let values = to_vec::<f64>(&values)?;
            let baselines = to_vec::<f64>(&baselines)?;
            let severities = to_vec::<i64>(&severities)?;
            let events = indices
                .iter()
                .zip(&values)
                .zip(&baselines)
                .zip(&severities)
                .map(|(((&index, &value), &baseline), &severity)| {
                    Ok(Event {
                        index: usize::try_from(index).map_err(|_| {
                            pyo3::exceptions::PyValueError::new_err(format!(
                                "negative event index {index}"
                            ))
                        })?,
                        value,
                        baseline,
                        severity: u8::try_from(severity).unwrap_or(u8::MAX),
                        margin: None,
                    })
                })
                .collect::<PyResult<Vec<_>>>()?;
            if events.len() != indices.len().max(values.len()) {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "event arrays have different lengths",
                ));
            }
            Ok(Output::Events(events))
        }
    }
}
