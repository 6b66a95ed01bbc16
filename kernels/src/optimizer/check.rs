//! The collection loop's per-metric path (K5.2–K5.4), as the original runs
//! it for each collected metric: append to `metrics_history`, trim it to the
//! last [`HISTORY_LIMIT`] entries, ask the model (here: the supplied
//! verdict), and for a flagged sample compute the expected value, deviation,
//! severity and alert, pass it through the deduplication and, when it
//! qualifies, run the remediation rules.
//!
//! The history after appending sample `i` is the stream's
//! `samples[i + 1 - min(i + 1, HISTORY_LIMIT)..=i]`, so the twin reads it
//! as a window of the input instead of copying it.

use super::alert::Alert;
use super::dedup::{Deduplicator, queues_remediation};
use super::expected::{Source, expected_value};
use super::remediation::{Action, action};
use super::severity::{confidence, deviation_percent, has_impact, recommendation_count, severity};
use super::{MetricKind, OptimizerError, Sample, kinds_of};

/// `metrics_history` is cut back to this many entries after each append.
pub const HISTORY_LIMIT: usize = 10_000;

/// An alert that passed the deduplication, and what the remediation consumer
/// did with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Emitted {
    pub alert: Alert,
    /// Put on the optimization queue (confidence > 0.8, high or critical).
    pub queued: bool,
    /// The rule's action for a queued alert.
    pub action: Option<Action>,
}

/// The per-metric path's state across a stream: the deduplication cache
/// (`alert_cache`, never pruned, as in the original) and a scratch buffer
/// for the medians.
#[derive(Debug, Default)]
pub struct Checker {
    dedup: Deduplicator,
    scratch: Vec<f64>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// What happens after the model flagged `samples[i]`, the history being
    /// `samples[..=i]` cut to its last [`HISTORY_LIMIT`] entries (the
    /// original appends before it detects): the alert when it passes the
    /// deduplication, with the remediation consumer's answer; `None` when
    /// the original raises no alert (its `ZeroDivisionError` path) or
    /// suppresses it. `kind` is the kind of `samples[i]`'s metric.
    pub fn flagged(&mut self, samples: &[Sample], i: usize, kind: MetricKind) -> Option<Emitted> {
        let current = &samples[i];
        let history = &samples[(i + 1).saturating_sub(HISTORY_LIMIT)..=i];
        let expected = expected_value(history, current, &mut self.scratch);
        // The value itself is a Python float: dividing by 0.0 raises
        // ZeroDivisionError, which `_detect_anomaly` catches (no alert).
        if expected.source == Source::Itself && expected.value == 0.0 {
            return None;
        }
        let deviation = deviation_percent(current.value, expected.value);
        let severity = severity(kind, deviation);
        let alert = Alert {
            index: i,
            metric: current.metric,
            component: current.component,
            timestamp: current.timestamp,
            value: current.value,
            expected: expected.value,
            deviation,
            severity,
            confidence: confidence(deviation),
            recommendations: recommendation_count(kind, deviation),
            has_impact: has_impact(kind, severity),
        };
        if !self
            .dedup
            .admit(current.component, current.metric, current.timestamp)
        {
            return None;
        }
        let queued = queues_remediation(&alert);
        Some(Emitted {
            alert,
            queued,
            action: if queued {
                action(kind, deviation)
            } else {
                None
            },
        })
    }
}

/// Runs the per-metric path over `samples` in order. `anomalous[i]` is the
/// model's verdict for sample `i` (`predict(...) == -1`); `kinds[m]` the
/// kind of metric index `m`. Returns the emitted alerts in stream order.
pub fn check_stream(
    samples: &[Sample],
    anomalous: &[bool],
    kinds: &[MetricKind],
) -> Result<Vec<Emitted>, OptimizerError> {
    if samples.len() != anomalous.len() {
        return Err(OptimizerError::VerdictCount {
            samples: samples.len(),
            verdicts: anomalous.len(),
        });
    }
    let sample_kinds = kinds_of(samples, kinds)?;
    let mut checker = Checker::new();
    Ok((0..samples.len())
        .filter(|&i| anomalous[i])
        .filter_map(|i| checker.flagged(samples, i, sample_kinds[i]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::severity::Severity;
    use super::*;

    const MONDAY_NOON: i64 = 1_767_614_400;
    const KINDS: [MetricKind; 2] = [MetricKind::MemoryUsageEfficiency, MetricKind::Unknown];

    fn s(metric: usize, value: f64, timestamp: i64) -> Sample {
        Sample {
            metric,
            component: 0,
            value,
            timestamp,
        }
    }

    #[test]
    fn a_flagged_outlier_is_alerted_deduplicated_and_remediated() {
        let mut samples: Vec<Sample> = (0..6).map(|i| s(0, 0.7, MONDAY_NOON + 60 * i)).collect();
        samples.push(s(0, 1.4, MONDAY_NOON + 400));
        samples.push(s(0, 1.4, MONDAY_NOON + 500));
        let mut flags = vec![false; 6];
        flags.extend([true, true]);
        let out = check_stream(&samples, &flags, &KINDS).expect("valid");
        assert_eq!(out.len(), 1, "the second is within 300 s: {out:?}");
        let e = out[0];
        assert_eq!((e.alert.index, e.alert.expected), (6, 0.7));
        assert_eq!(e.alert.severity, Severity::Critical);
        assert!(e.queued);
        assert_eq!(e.action, Some(Action::MemoryCleanup));
        assert_eq!(e.alert.confidence, 0.95);
    }

    #[test]
    fn a_zero_median_gives_an_infinite_deviation_and_a_critical_alert() {
        let samples = [s(1, 0.0, MONDAY_NOON), s(1, 5.0, MONDAY_NOON)];
        let out = check_stream(&samples, &[false, true], &KINDS).expect("valid");
        // median(0, 5) = 2.5: no zero; a lone zero history is the value itself.
        assert_eq!(out[0].alert.expected, 2.5);
        let samples = [s(1, 0.0, MONDAY_NOON), s(1, 0.0, MONDAY_NOON), s(1, 3.0, 0)];
        let out = check_stream(&samples, &[false, false, true], &KINDS).expect("valid");
        assert_eq!(out[0].alert.deviation, f64::INFINITY);
        assert_eq!(out[0].alert.severity, Severity::Critical);
        // Unknown metric: no recommendations, no impact for a critical alert.
        assert_eq!(
            (out[0].alert.recommendations, out[0].alert.has_impact),
            (0, false)
        );
    }

    #[test]
    fn verdicts_must_match_samples() {
        assert_eq!(
            check_stream(&[s(0, 1.0, 0)], &[], &KINDS),
            Err(OptimizerError::VerdictCount {
                samples: 1,
                verdicts: 0
            })
        );
    }
}
