//! The AI performance optimizer's deterministic kernels (catalog
//! ml_monitoring.md §5, `server/monitoring/ai_performance_optimizer.py`):
//! what happens to a metric after the isolation forest has given its verdict.
//!
//! - [`expected`]: K5.2's robust expected value (a calendar neighbourhood
//!   median, falling back to the metric's whole history).
//! - [`severity`]: K5.2's deviation, severity table, confidence,
//!   recommendations and impact.
//! - [`alert`]: K5.2's alert record and its id.
//! - [`dedup`]: K5.3's per-`component:metric` suppression and the
//!   remediation-queue condition.
//! - [`remediation`]: K5.4's rule table.
//! - [`check`]: the collection loop's per-metric path, K5.2–K5.4 in the
//!   original's order over a stream of samples.
//! - [`training`]: K5.1, the scaler, isolation forest and regressor per
//!   metric (and which survive).
//! - [`collection`]: the whole pass, training then the collection loop
//!   with the surviving models' verdicts.
//! - [`trend`]: K5.5's `np.polyfit` degree-1 slope and its flags.
//! - [`summary`]: K5.6's per-metric mean (numpy's pairwise sum) and latest.
//!
//! [`check::check_stream`] takes the model's verdict (`-1` or `1` per
//! sample) as an input, so both sides can be fed the same raw predictions
//! and the post-processing compared exactly; [`collection`] asks the
//! trained model instead.
//!
//! Time is epoch seconds (`i64`). The original reads `hour` and `weekday()`
//! from naive datetimes; the twin reads them as UTC wall-clock fields
//! ([`calendar`]), which is what the original computes when its process runs
//! with a UTC local zone (see the baseline's module docstring).

pub mod alert;
pub mod calendar;
pub mod check;
pub mod collection;
pub mod dedup;
pub mod expected;
pub mod median;
pub mod remediation;
pub mod severity;
pub mod summary;
pub mod training;
pub mod trend;

use thiserror::Error;

/// The metric names the original knows, each with its own thresholds;
/// every other name is [`MetricKind::Unknown`] and gets the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    WebsocketConnectionLatency,
    CrdtOperationLatency,
    MemoryUsageEfficiency,
    RbacPermissionVerificationTime,
    AuditLoggingOverhead,
    Unknown,
}

impl MetricKind {
    /// The kind of the metric called `name`: exact, case-sensitive match, as
    /// the original's dict lookups and `==` tests are.
    pub fn from_name(name: &str) -> Self {
        match name {
            "websocket_connection_latency" => Self::WebsocketConnectionLatency,
            "crdt_operation_latency" => Self::CrdtOperationLatency,
            "memory_usage_efficiency" => Self::MemoryUsageEfficiency,
            "rbac_permission_verification_time" => Self::RbacPermissionVerificationTime,
            "audit_logging_overhead" => Self::AuditLoggingOverhead,
            _ => Self::Unknown,
        }
    }
}

/// One collected metric (`PerformanceMetric` without tenant and metadata,
/// which no kernel reads). `metric` and `component` are indices into the
/// caller's name tables: equal index, equal name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub metric: usize,
    pub component: usize,
    pub value: f64,
    /// Epoch seconds, UTC.
    pub timestamp: i64,
}

/// Why an optimizer kernel refused its input.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OptimizerError {
    #[error(
        "sample {index} names metric {metric}, but only {known} metric kinds were given; \
         pass one MetricKind per metric index"
    )]
    UnknownMetric {
        index: usize,
        metric: usize,
        known: usize,
    },
    #[error("{samples} samples but {verdicts} model verdicts; pass exactly one verdict per sample")]
    VerdictCount { samples: usize, verdicts: usize },
}

/// The kind of every sample's metric, checked once so the kernels can index
/// without failing.
pub(crate) fn kinds_of(
    samples: &[Sample],
    kinds: &[MetricKind],
) -> Result<Vec<MetricKind>, OptimizerError> {
    samples
        .iter()
        .enumerate()
        .map(|(index, s)| {
            kinds
                .get(s.metric)
                .copied()
                .ok_or(OptimizerError::UnknownMetric {
                    index,
                    metric: s.metric,
                    known: kinds.len(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_kinds_exactly() {
        assert_eq!(
            MetricKind::from_name("memory_usage_efficiency"),
            MetricKind::MemoryUsageEfficiency
        );
        assert_eq!(
            MetricKind::from_name("Memory_Usage_Efficiency"),
            MetricKind::Unknown
        );
        assert_eq!(MetricKind::from_name(""), MetricKind::Unknown);
    }

    #[test]
    fn a_metric_index_without_a_kind_is_refused() {
        let s = Sample {
            metric: 2,
            component: 0,
            value: 1.0,
            timestamp: 0,
        };
        assert_eq!(
            kinds_of(&[s], &[MetricKind::Unknown, MetricKind::Unknown]),
            Err(OptimizerError::UnknownMetric {
                index: 0,
                metric: 2,
                known: 2
            })
        );
    }
}
