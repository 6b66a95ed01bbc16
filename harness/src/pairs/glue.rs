//! Shared plumbing of the rows: turning a generated input into what a twin
//! runs on, and a twin's result into an [`Output`].

use twinbench_kernels::alerting::Alert;
use twinbench_kernels::alerting::{contextual, threshold};
use twinbench_kernels::{graph, ml, optimizer as opt};

use super::{Prepared, TwinError};
use crate::compare::{Lists, Output};
use crate::inputs::{Input, MetricSamples};

pub(super) fn input_kind(input: &Input) -> &'static str {
    match input {
        Input::Graph(_) => "graph",
        Input::Series(_) => "series",
        Input::Matrix(_) => "feature matrix",
        Input::Frame(_) => "timestamped frame",
        Input::History(_) => "metric history",
        Input::Alerts(_) => "alert stream",
        Input::AlertBatch(_) => "alert batch",
        Input::Ticks(_) => "resource ticks",
        Input::MetricAlerts(_) => "metric alerts",
        Input::Exceptions(_) => "errors",
        Input::Samples(_) => "metric samples",
        Input::TaskDb(_) => "task database",
    }
}

pub(super) fn prepare_graph(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Graph(edges) => Ok(Prepared::Graph(edges.to_csr()?)),
        other => Err(TwinError::WrongInput {
            expected: "graph",
            got: input_kind(other),
        }),
    }
}

/// The graph and its nodes' numeric attributes: the original benchmark
/// graph's `weight` (see [`crate::inputs::EdgeList::node_weights`]).
pub(super) fn prepare_attributed_graph(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Graph(edges) => Ok(Prepared::AttributedGraph {
            graph: edges.to_csr()?,
            attributes: vec![edges.node_weights()],
        }),
        other => Err(TwinError::WrongInput {
            expected: "graph",
            got: input_kind(other),
        }),
    }
}

/// A graph with numeric node attribute columns.
type AttributedGraph<'a> = (&'a graph::CsrGraph, &'a [Vec<f64>]);

pub(super) fn expect_attributed_graph(
    prepared: &Prepared,
) -> Result<AttributedGraph<'_>, TwinError> {
    match prepared {
        Prepared::AttributedGraph { graph, attributes } => Ok((graph, attributes)),
        other => Err(wrong_prepared("graph with node attributes", other)),
    }
}

pub(super) fn prepare_series(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Series(series) => Ok(Prepared::Series(series.values.clone())),
        other => Err(TwinError::WrongInput {
            expected: "series",
            got: input_kind(other),
        }),
    }
}

pub(super) fn expect_graph(prepared: &Prepared) -> Result<&graph::CsrGraph, TwinError> {
    match prepared {
        Prepared::Graph(g) => Ok(g),
        other => Err(wrong_prepared("graph", other)),
    }
}

pub(super) fn expect_series(prepared: &Prepared) -> Result<&[f64], TwinError> {
    match prepared {
        Prepared::Series(values) => Ok(values),
        other => Err(wrong_prepared("series", other)),
    }
}

pub(super) fn wrong_prepared(expected: &'static str, got: &Prepared) -> TwinError {
    TwinError::WrongInput {
        expected,
        got: got.kind(),
    }
}

/// The engine's edge rows, `(source, target)` in input order, for kernels
/// that build their own adjacency (K9, K10).
pub(super) fn prepare_rows(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Graph(graph) => Ok(Prepared::Rows {
            node_count: graph.node_count,
            rows: graph.edges.iter().map(|e| (e.u, e.v)).collect(),
        }),
        other => Err(TwinError::WrongInput {
            expected: "graph",
            got: input_kind(other),
        }),
    }
}

/// Node count and edge rows.
type EdgeRows<'a> = (usize, &'a [(u32, u32)]);

pub(super) fn expect_rows(prepared: &Prepared) -> Result<EdgeRows<'_>, TwinError> {
    match prepared {
        Prepared::Rows { node_count, rows } => Ok((*node_count, rows)),
        other => Err(wrong_prepared("edge rows", other)),
    }
}

/// A feature matrix as the models take it (the input's bytes, copied once
/// outside any timed region).
pub(super) fn prepare_matrix(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Matrix(m) => Ok(Prepared::Matrix(ml::Matrix::new(
            m.rows,
            m.cols,
            m.data.clone(),
        )?)),
        other => Err(TwinError::WrongInput {
            expected: "feature matrix",
            got: input_kind(other),
        }),
    }
}

pub(super) fn expect_matrix(prepared: &Prepared) -> Result<&ml::Matrix, TwinError> {
    match prepared {
        Prepared::Matrix(m) => Ok(m),
        other => Err(wrong_prepared("feature matrix", other)),
    }
}

pub(super) fn expect_pairs(prepared: &Prepared) -> Result<&[(u32, u32)], TwinError> {
    match prepared {
        Prepared::Pairs(pairs) => Ok(pairs),
        other => Err(wrong_prepared("entity pairs", other)),
    }
}

/// Flattened integer lists (`items[offsets[i]..offsets[i + 1]]` is list
/// `i`) and their values, as an [`Output::Lists`].
pub(super) fn lists_output(items: &[u32], offsets: &[usize], values: Vec<f64>) -> Output {
    Output::Lists(Lists {
        lists: offsets
            .windows(2)
            .map(|w| items[w[0]..w[1]].iter().map(|&v| i64::from(v)).collect())
            .collect(),
        values,
    })
}

/// A graph kernel's node scores as an [`Output`].
pub(super) fn node_scores(
    prepared: &Prepared,
    kernel: impl FnOnce(&graph::CsrGraph) -> Result<Vec<f64>, TwinError>,
) -> Result<Output, TwinError> {
    kernel(expect_graph(prepared)?).map(Output::NodeScores)
}

/// The optimizer's stream as samples, with its verdicts and the kind of
/// each metric name ([`crate::inputs::HISTORY_METRICS`]).
pub(super) fn prepare_history(input: &Input) -> Result<Prepared, TwinError> {
    let Input::History(h) = input else {
        return Err(TwinError::WrongInput {
            expected: "metric history",
            got: input_kind(input),
        });
    };
    let samples = (0..h.len())
        .map(|i| opt::Sample {
            metric: h.metric[i] as usize,
            component: h.component[i] as usize,
            value: h.value[i],
            timestamp: h.timestamp[i],
        })
        .collect();
    Ok(Prepared::History {
        samples,
        anomalous: h.anomalous.clone(),
        kinds: crate::inputs::HISTORY_METRICS
            .iter()
            .map(|name| opt::MetricKind::from_name(name))
            .collect(),
    })
}

/// The optimizer's stream, verdicts and metric kinds.
type History<'a> = (&'a [opt::Sample], &'a [bool], &'a [opt::MetricKind]);

pub(super) fn expect_history(prepared: &Prepared) -> Result<History<'_>, TwinError> {
    match prepared {
        Prepared::History {
            samples,
            anomalous,
            kinds,
        } => Ok((samples, anomalous, kinds)),
        other => Err(wrong_prepared("metric history", other)),
    }
}

/// The alert stream as the twin's alerts (a copy: the input stays whole
/// for the other side) and how many of them are history.
pub(super) fn prepare_alerts(input: &Input) -> Result<Prepared, TwinError> {
    let Input::Alerts(stream) = input else {
        return Err(TwinError::WrongInput {
            expected: "alert stream",
            got: input_kind(input),
        });
    };
    Ok(Prepared::Alerts {
        alerts: stream.alerts.clone(),
        existing: stream.existing,
    })
}

pub(super) fn expect_alerts(prepared: &Prepared) -> Result<(&[Alert], usize), TwinError> {
    match prepared {
        Prepared::Alerts { alerts, existing } => Ok((alerts, *existing)),
        other => Err(wrong_prepared("alert stream", other)),
    }
}

/// The alert batch as the twin's records (a copy) and its clock.
pub(super) fn prepare_alert_batch(input: &Input) -> Result<Prepared, TwinError> {
    let Input::AlertBatch(batch) = input else {
        return Err(TwinError::WrongInput {
            expected: "alert batch",
            got: input_kind(input),
        });
    };
    Ok(Prepared::AlertBatch(batch.clone()))
}

pub(super) fn expect_alert_batch(
    prepared: &Prepared,
) -> Result<&crate::inputs::AlertBatch, TwinError> {
    match prepared {
        Prepared::AlertBatch(batch) => Ok(batch),
        other => Err(wrong_prepared("alert batch", other)),
    }
}

/// The ticks as the twin reads them: per tick the clock, the resource
/// metrics and the operator's action.
pub(super) fn prepare_ticks(input: &Input) -> Result<Prepared, TwinError> {
    let Input::Ticks(t) = input else {
        return Err(TwinError::WrongInput {
            expected: "resource ticks",
            got: input_kind(input),
        });
    };
    let ticks = (0..t.len())
        .map(|i| threshold::Tick {
            time: t.time[i],
            resource: threshold::ResourceMetrics {
                cpu_usage_percent: t.cpu[i],
                memory_usage_percent: t.memory[i],
                memory_used_mb: t.memory_used[i],
                memory_total_mb: t.memory_total[i],
                active_connections: t.connections[i],
                cache_hit_rate: t.hit_rate[i],
            },
            action: match t.action[i] {
                1 => threshold::Action::Acknowledge(t.target[i]),
                2 => threshold::Action::Resolve(t.target[i]),
                _ => threshold::Action::None,
            },
        })
        .collect();
    Ok(Prepared::Ticks(ticks))
}

pub(super) fn expect_ticks(prepared: &Prepared) -> Result<&[threshold::Tick], TwinError> {
    match prepared {
        Prepared::Ticks(ticks) => Ok(ticks),
        other => Err(wrong_prepared("resource ticks", other)),
    }
}

/// The metric alerts as the manager's input records.
pub(super) fn prepare_metric_alerts(input: &Input) -> Result<Prepared, TwinError> {
    let Input::MetricAlerts(a) = input else {
        return Err(TwinError::WrongInput {
            expected: "metric alerts",
            got: input_kind(input),
        });
    };
    let alerts = (0..a.len())
        .map(|i| contextual::MetricAlert {
            time: a.time[i],
            metric: a.metric[i].to_string(),
            value: a.value[i],
            threshold: a.threshold[i],
            response: a.response[i].clone(),
        })
        .collect();
    Ok(Prepared::MetricAlerts(alerts))
}

pub(super) fn expect_metric_alerts(
    prepared: &Prepared,
) -> Result<&[contextual::MetricAlert], TwinError> {
    match prepared {
        Prepared::MetricAlerts(alerts) => Ok(alerts),
        other => Err(wrong_prepared("metric alerts", other)),
    }
}

/// The metric-sample stream, cloned once outside any timed region (the
/// copy-input side clones this same flat struct of columns).
pub(super) fn prepare_samples(input: &Input) -> Result<Prepared, TwinError> {
    match input {
        Input::Samples(samples) => Ok(Prepared::Samples(Box::new(samples.clone()))),
        other => Err(TwinError::WrongInput {
            expected: "metric samples",
            got: input_kind(other),
        }),
    }
}

pub(super) fn expect_samples(prepared: &Prepared) -> Result<&MetricSamples, TwinError> {
    match prepared {
        Prepared::Samples(samples) => Ok(samples),
        other => Err(wrong_prepared("metric samples", other)),
    }
}
