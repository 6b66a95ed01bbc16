//! Input and output conversion: whole numpy arrays, never per-element Python
//! objects on the Rust side.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::compare::{Event, Lists, Output};
use twinbench_kernels::alerting::smart::Field;

use twinbench_service::schema::Indexes;

use crate::inputs::{
    ALERT_CATEGORIES, ALERT_SEVERITIES, AlertBatch, AlertStream, Database, GRAPH_SIZE_TEXTS,
    HISTORY_COMPONENTS, HISTORY_METRICS, Input, MetricSamples, PAGE_LIMIT, SAMPLE_ENDPOINTS,
    SAMPLE_METHODS, TaskDb,
};
use crate::pairs::OutputKind;

/// Positional arguments of a baseline's `_prepare` for `input`:
/// graphs as `(n, src, dst, weight)`, series as `(values,)`, matrices as
/// `(data, rows, cols)` with `data` row-major and flat (the hook reshapes),
/// timestamped frames as `(timestamps, data, rows, cols)` with the stamps
/// in seconds of naive wall-clock time,
/// metric histories as `(metric, component, value, timestamp, anomalous,
/// metric_names, component_names)`: columns as arrays (codes int64,
/// timestamps int64 epoch seconds, verdicts bool), names as lists;
/// alert streams as `(columns,)`, one dict of per-alert lists (`id` ints,
/// `triggered_at` int64 microseconds, `title`, `description`, `category`
/// and `severity` names, `source_host` / `source_component` str or None,
/// `tags` dicts, `metric_values` dict or None, `resolved` bools) plus
/// `existing`;
/// alert batches as `(rows, now)`, a list of dicts and the clock in
/// microseconds; resource ticks as `(columns,)`, `time` int64
/// microseconds, the readings lists of float or None, `action` and
/// `target` int64; metric alerts as `(columns,)`, `time` int64
/// microseconds, `metric` and `response` str lists, `value` and
/// `threshold` float64; errors as `(columns,)`, `class_name`, `message`,
/// `component`, `operation` and `request_id` str lists and `time` int64
/// naive microseconds.
/// `threshold` float64; metric samples as `(columns,)` (see
/// `sample_columns`).
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
        Input::History(h) => {
            let codes = |v: &[u32]| v.iter().map(|&c| i64::from(c)).collect::<Vec<i64>>();
            PyTuple::new(
                py,
                [
                    PyArray1::from_vec(py, codes(&h.metric)).into_any(),
                    PyArray1::from_vec(py, codes(&h.component)).into_any(),
                    PyArray1::from_slice(py, &h.value).into_any(),
                    PyArray1::from_slice(py, &h.timestamp).into_any(),
                    PyArray1::from_slice(py, &h.anomalous).into_any(),
                    HISTORY_METRICS.into_pyobject(py)?.into_any(),
                    HISTORY_COMPONENTS.into_pyobject(py)?.into_any(),
                ],
            )
        }
        Input::Alerts(stream) => {
            let columns = alert_columns(py, stream)?;
            PyTuple::new(py, [columns.into_any()])
        }
        Input::Ticks(t) => {
            let columns = PyDict::new(py);
            columns.set_item("time", PyArray1::from_slice(py, &t.time))?;
            for (name, column) in [
                ("cpu", &t.cpu),
                ("memory", &t.memory),
                ("memory_used", &t.memory_used),
                ("memory_total", &t.memory_total),
                ("connections", &t.connections),
                ("hit_rate", &t.hit_rate),
            ] {
                columns.set_item(name, PyList::new(py, column)?)?;
            }
            let actions: Vec<i64> = t.action.iter().map(|&a| i64::from(a)).collect();
            let targets: Vec<i64> = t.target.iter().map(|&k| i64::from(k)).collect();
            columns.set_item("action", PyArray1::from_vec(py, actions))?;
            columns.set_item("target", PyArray1::from_vec(py, targets))?;
            PyTuple::new(py, [columns.into_any()])
        }
        Input::MetricAlerts(a) => {
            let columns = PyDict::new(py);
            columns.set_item("time", PyArray1::from_slice(py, &a.time))?;
            columns.set_item("metric", PyList::new(py, &a.metric)?)?;
            columns.set_item("value", PyArray1::from_slice(py, &a.value))?;
            columns.set_item("threshold", PyArray1::from_slice(py, &a.threshold))?;
            columns.set_item("response", PyList::new(py, &a.response)?)?;
            PyTuple::new(py, [columns.into_any()])
        }
        Input::Exceptions(e) => {
            let columns = PyDict::new(py);
            for (name, column) in [
                ("class_name", &e.class_name),
                ("message", &e.message),
                ("component", &e.component),
                ("operation", &e.operation),
                ("request_id", &e.request_id),
            ] {
                columns.set_item(name, PyList::new(py, column)?)?;
            }
            columns.set_item("time", PyArray1::from_slice(py, &e.time))?;
            PyTuple::new(py, [columns.into_any()])
        }
        Input::Samples(samples) => PyTuple::new(py, [sample_columns(py, samples)?.into_any()]),
        Input::TaskDb(db) => PyTuple::new(py, [task_db_columns(py, db)?.into_any()]),
        Input::AlertBatch(batch) => PyTuple::new(
            py,
            [
                alert_rows(py, batch)?.into_any(),
                batch.now.into_pyobject(py)?.into_any(),
            ],
        ),
        Input::Matrix(matrix) => PyTuple::new(
            py,
            [
                PyArray1::from_slice(py, &matrix.data).into_any(),
                matrix.rows.into_pyobject(py)?.into_any(),
                matrix.cols.into_pyobject(py)?.into_any(),
            ],
        ),
        Input::Frame(frame) => PyTuple::new(
            py,
            [
                PyArray1::from_slice(py, &frame.timestamps).into_any(),
                PyArray1::from_slice(py, &frame.values).into_any(),
                frame.rows.into_pyobject(py)?.into_any(),
                frame.cols.into_pyobject(py)?.into_any(),
            ],
        ),
    }
}

/// A task database as one dict: `plain` and `indexed` SQLite file paths
/// (or `pg_plain` and `pg_indexed` libpq conninfo strings for PostgreSQL),
/// `config` the rule folder, `now` and `limit` ints, `detected` the
/// detector's report as lists (`name`, `status`, `environment`, `provider`
/// str, `last_heartbeat` int64). A database that could not be built is a
/// Python `RuntimeError` naming why.
fn task_db_columns<'py>(py: Python<'py>, db: &TaskDb) -> PyResult<Bound<'py, PyDict>> {
    let missing =
        |e: String| pyo3::exceptions::PyRuntimeError::new_err(format!("task database: {e}"));
    let columns = PyDict::new(py);
    match db.database {
        Database::Sqlite => {
            let files = db.files().map_err(missing)?;
            columns.set_item("plain", files.plain.to_string_lossy())?;
            columns.set_item("indexed", files.indexed.to_string_lossy())?;
        }
        Database::Postgres => {
            let databases = db.pg().map_err(missing)?;
            for (key, indexes) in [("pg_plain", Indexes::Off), ("pg_indexed", Indexes::On)] {
                let conninfo = databases.cluster().conninfo(databases.name(indexes));
                columns.set_item(key, conninfo)?;
            }
        }
    }
    columns.set_item("config", db.config_dir.to_string_lossy())?;
    columns.set_item("now", db.data.now)?;
    columns.set_item("limit", PAGE_LIMIT)?;
    let d = &db.data.detected;
    let detected = PyDict::new(py);
    let text = |f: fn(&twinbench_service::model::DetectedSession) -> &str| {
        d.iter().map(f).collect::<Vec<&str>>()
    };
    detected.set_item("name", PyList::new(py, text(|s| &s.name))?)?;
    detected.set_item("status", PyList::new(py, text(|s| &s.status))?)?;
    detected.set_item("environment", PyList::new(py, text(|s| &s.environment))?)?;
    detected.set_item("provider", PyList::new(py, text(|s| &s.provider))?)?;
    let beats: Vec<i64> = d.iter().map(|s| s.last_heartbeat).collect();
    detected.set_item("last_heartbeat", PyArray1::from_vec(py, beats))?;
    columns.set_item("detected", detected)?;
    Ok(columns)
}

/// A metric-sample stream as one dict of numpy columns (codes and sizes
/// int64, times int64 microseconds, `cache_hit` bool) plus the name
/// tables the codes index (`endpoints`, `methods`, `graph_size_texts`).
fn sample_columns<'py>(py: Python<'py>, s: &MetricSamples) -> PyResult<Bound<'py, PyDict>> {
    let columns = PyDict::new(py);
    let wide = |v: &[u32]| v.iter().map(|&c| i64::from(c)).collect::<Vec<i64>>();
    columns.set_item("time", PyArray1::from_slice(py, &s.time))?;
    columns.set_item("endpoint", PyArray1::from_vec(py, wide(&s.endpoint)))?;
    columns.set_item("method", PyArray1::from_vec(py, wide(&s.method)))?;
    let status: Vec<i64> = s.status.iter().map(|&c| i64::from(c)).collect();
    columns.set_item("status", PyArray1::from_vec(py, status))?;
    columns.set_item("response_time", PyArray1::from_slice(py, &s.response_time))?;
    columns.set_item("request_size", PyArray1::from_slice(py, &s.request_size))?;
    columns.set_item("response_size", PyArray1::from_slice(py, &s.response_size))?;
    columns.set_item("rss", PyArray1::from_slice(py, &s.rss))?;
    columns.set_item("graph_size", PyArray1::from_slice(py, &s.graph_size))?;
    let forms: Vec<i64> = s.graph_size_form.iter().map(|&f| i64::from(f)).collect();
    columns.set_item("graph_size_form", PyArray1::from_vec(py, forms))?;
    columns.set_item("cache_hit", PyArray1::from_slice(py, &s.cache_hit))?;
    columns.set_item("pool_active", PyArray1::from_slice(py, &s.pool_active))?;
    columns.set_item("pool_total", PyArray1::from_slice(py, &s.pool_total))?;
    columns.set_item("endpoints", PyList::new(py, SAMPLE_ENDPOINTS)?)?;
    columns.set_item("methods", PyList::new(py, SAMPLE_METHODS)?)?;
    columns.set_item("graph_size_texts", PyList::new(py, GRAPH_SIZE_TEXTS)?)?;
    Ok(columns)
}

fn alert_columns<'py>(py: Python<'py>, stream: &AlertStream) -> PyResult<Bound<'py, PyDict>> {
    let alerts = &stream.alerts;
    let columns = PyDict::new(py);
    let ids = PyList::empty(py);
    let titles = PyList::empty(py);
    let descriptions = PyList::empty(py);
    let categories = PyList::empty(py);
    let severities = PyList::empty(py);
    let hosts = PyList::empty(py);
    let components = PyList::empty(py);
    let tags = PyList::empty(py);
    let metrics = PyList::empty(py);
    for a in alerts {
        ids.append(a.id)?;
        titles.append(&a.title)?;
        descriptions.append(&a.description)?;
        categories.append(ALERT_CATEGORIES[usize::from(a.category)])?;
        severities.append(ALERT_SEVERITIES[usize::from(a.severity)])?;
        hosts.append(a.source_host.as_deref())?;
        components.append(a.source_component.as_deref())?;
        let t = PyDict::new(py);
        for (k, v) in &a.tags {
            t.set_item(k, v)?;
        }
        tags.append(t)?;
        match &a.metric_values {
            None => metrics.append(py.None())?,
            Some(values) => {
                let m = PyDict::new(py);
                for (k, v) in values {
                    m.set_item(k, v)?;
                }
                metrics.append(m)?;
            }
        }
    }
    let stamps: Vec<i64> = alerts.iter().map(|a| a.triggered_at).collect();
    let resolved: Vec<bool> = alerts.iter().map(|a| a.resolved).collect();
    columns.set_item("id", ids)?;
    columns.set_item("triggered_at", PyArray1::from_vec(py, stamps))?;
    columns.set_item("title", titles)?;
    columns.set_item("description", descriptions)?;
    columns.set_item("category", categories)?;
    columns.set_item("severity", severities)?;
    columns.set_item("source_host", hosts)?;
    columns.set_item("source_component", components)?;
    columns.set_item("tags", tags)?;
    columns.set_item("metric_values", metrics)?;
    columns.set_item("resolved", resolved)?;
    columns.set_item("existing", stream.existing)?;
    Ok(columns)
}

/// An alert batch as a list of dicts holding exactly the record's keys
/// (`alert_id` as its number, `timestamp` in microseconds: the hook builds
/// the original's strings and datetimes).
fn alert_rows<'py>(py: Python<'py>, batch: &AlertBatch) -> PyResult<Bound<'py, PyList>> {
    let rows = PyList::empty(py);
    for a in &batch.alerts {
        let row = PyDict::new(py);
        if let Some(id) = a.alert_id {
            row.set_item("alert_id", id)?;
        }
        row.set_item("timestamp", a.timestamp)?;
        for (key, value) in [
            ("service", &a.service),
            ("component", &a.component),
            ("source", &a.source),
        ] {
            match value {
                Field::Absent => {}
                Field::Null => row.set_item(key, py.None())?,
                Field::Text(s) => row.set_item(key, s)?,
            }
        }
        if let Some(m) = &a.metric_name {
            row.set_item("metric_name", m)?;
        }
        if let Some(s) = &a.severity {
            row.set_item("severity", s)?;
        }
        rows.append(row)?;
    }
    Ok(rows)
}

fn to_vec<T: numpy::Element + Copy>(obj: &Bound<'_, PyAny>) -> PyResult<Vec<T>> {
    let array: PyReadonlyArray1<'_, T> = obj.extract()?;
    Ok(array.as_array().to_vec())
}

/// Reads a baseline's `_output` result as `kind`.
pub fn output(kind: OutputKind, raw: &Bound<'_, PyAny>) -> PyResult<Output> {
    match kind {
        OutputKind::NodeScores => Ok(Output::NodeScores(to_vec::<f64>(raw)?)),
        OutputKind::Values => Ok(Output::Values(to_vec::<f64>(raw)?)),
        OutputKind::Texts => Ok(Output::Texts(raw.extract::<Vec<String>>()?)),
        OutputKind::Lists => {
            let (flat, offsets, values): (Bound<'_, PyAny>, Bound<'_, PyAny>, Bound<'_, PyAny>) =
                raw.extract()?;
            let lists = split_lists(&to_vec::<i64>(&flat)?, &to_vec::<i64>(&offsets)?)
                .map_err(pyo3::exceptions::PyValueError::new_err)?;
            Ok(Output::Lists(Lists {
                lists,
                values: to_vec::<f64>(&values)?,
            }))
        }
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

/// Cuts `flat` at `offsets` (k + 1 non-decreasing positions from 0 to
/// `flat.len()`) into k lists.
fn split_lists(flat: &[i64], offsets: &[i64]) -> Result<Vec<Vec<i64>>, String> {
    let bad = || {
        format!(
            "offsets must run from 0 to {} without decreasing, got {} offsets",
            flat.len(),
            offsets.len()
        )
    };
    let positions: Vec<usize> = offsets
        .iter()
        .map(|&o| usize::try_from(o).map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    if positions.first() != Some(&0)
        || positions.last() != Some(&flat.len())
        || !positions.is_sorted()
    {
        return Err(bad());
    }
    Ok(positions
        .windows(2)
        .map(|w| flat[w[0]..w[1]].to_vec())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::split_lists;

    #[test]
    fn splits_at_offsets_and_rejects_bad_ones() {
        let lists = split_lists(&[1, 2, 3, 4], &[0, 3, 3, 4]).expect("valid");
        assert_eq!(lists, vec![vec![1, 2, 3], vec![], vec![4]]);
        assert!(split_lists(&[1, 2], &[0, 3]).is_err());
        assert!(split_lists(&[1, 2], &[0, 2, 1, 2]).is_err());
        assert!(split_lists(&[1, 2], &[]).is_err());
        assert_eq!(
            split_lists(&[], &[0]).expect("no lists"),
            Vec::<Vec<i64>>::new()
        );
    }
}
