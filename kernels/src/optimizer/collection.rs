//! The optimizer end to end, as the original runs it: `initialize()` loads
//! the history and calls `_train_models` once (K5.1), then the collection
//! loop sends every newly collected metric through `_process_collected_metric`
//! — append, trim, `_detect_anomaly` with the *surviving* scaler and
//! isolation forest (K5.2; `decision_function` and `predict` on one row),
//! and for a flagged metric the expected value, severity, alert, 300 s
//! deduplication and remediation rules (K5.2–K5.4, [`super::check`]).
//!
//! [`super::check::check_stream`] takes the verdicts as input so the
//! post-processing can be compared exactly; here the model gives them, so
//! the whole pass (training included) can be timed as one call.

use super::check::{Checker, Emitted};
use super::training::{Keep, Training, TrainingError, detector_features, train_models};
use super::{MetricKind, OptimizerError, Sample, kinds_of};
use crate::ml::Matrix;
use thiserror::Error;

/// Why the pass failed.
#[derive(Debug, Error)]
pub enum CollectionError {
    #[error(transparent)]
    Training(#[from] TrainingError),
    #[error(transparent)]
    Stream(#[from] OptimizerError),
    #[error(
        "the history to train on has {history} samples but the stream only {samples}; \
         pass a history length no greater than the number of samples"
    )]
    HistoryLength { history: usize, samples: usize },
}

/// What the pass leaves behind.
#[derive(Debug, Clone)]
pub struct Collection {
    /// The models `_train_models` leaves behind, the last metric's (`None`:
    /// fewer than 100 samples to train on, so `is_trained` stays false and
    /// nothing is checked).
    pub training: Option<Training>,
    /// Per collected metric, `decision_function` under the surviving models
    /// (NaN when there is no fitted model to ask: the original's detection
    /// raises there, is caught and returns no alert).
    pub decisions: Vec<f64>,
    /// The alerts that passed the deduplication, in stream order (indices
    /// into the whole `samples`).
    pub emitted: Vec<Emitted>,
}

/// Trains on `samples[..history]`, then collects `samples[history..]` one
/// by one. `kinds[m]` is the kind of metric index `m`. With `parallel` the
/// forests are fitted on the rayon pool (the same models); the collection
/// loop is sequential in both, as in the original.
pub fn collect(
    samples: &[Sample],
    history: usize,
    kinds: &[MetricKind],
    parallel: bool,
) -> Result<Collection, CollectionError> {
    if history > samples.len() {
        return Err(CollectionError::HistoryLength {
            history,
            samples: samples.len(),
        });
    }
    let sample_kinds = kinds_of(samples, kinds)?;
    let training = train_models(&samples[..history], parallel, Keep::Last)?;
    let surviving = training.as_ref().and_then(Training::surviving);
    let mut checker = Checker::new();
    let mut decisions = Vec::with_capacity(samples.len() - history);
    let mut emitted = Vec::new();
    for i in history..samples.len() {
        let Some(models) = surviving else {
            decisions.push(f64::NAN);
            continue;
        };
        let x = Matrix::new(1, 4, detector_features(&samples[i]).to_vec())
            .map_err(TrainingError::from)?;
        let scaled = models.scaler.transform(&x).map_err(TrainingError::from)?;
        let decision = models
            .detector
            .decision_function(&scaled)
            .map_err(TrainingError::from)?[0];
        decisions.push(decision);
        // `predict(...) == -1`: a decision below zero (NaN is an inlier).
        if decision < 0.0
            && let Some(e) = checker.flagged(samples, i, sample_kinds[i])
        {
            emitted.push(e);
        }
    }
    Ok(Collection {
        training,
        decisions,
        emitted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [MetricKind; 1] = [MetricKind::MemoryUsageEfficiency];

    fn stream(n: usize, spike_at: usize) -> Vec<Sample> {
        (0..n)
            .map(|i| Sample {
                metric: 0,
                component: 0,
                value: if i == spike_at {
                    5.0
                } else {
                    0.7 + 0.01 * ((i * 37 % 17) as f64)
                },
                timestamp: 1_767_225_600 + 300 * i as i64,
            })
            .collect()
    }

    #[test]
    fn a_spike_after_training_is_flagged_alerted_and_remediated() {
        let samples = stream(300, 250);
        let out = collect(&samples, 200, &KINDS, false).expect("valid");
        assert_eq!(out.decisions.len(), 100);
        assert!(out.decisions[50] < 0.0, "{}", out.decisions[50]);
        let spike = out
            .emitted
            .iter()
            .find(|e| e.alert.index == 250)
            .expect("the spike is alerted");
        assert!(spike.queued);
        // The same models on one thread or on the pool.
        let parallel = collect(&samples, 200, &KINDS, true).expect("valid");
        assert_eq!(parallel.decisions, out.decisions);
    }

    #[test]
    fn without_enough_history_nothing_is_checked() {
        let samples = stream(150, 120);
        let out = collect(&samples, 99, &KINDS, false).expect("valid");
        assert!(out.training.is_none());
        assert!(out.emitted.is_empty());
        assert!(out.decisions.iter().all(|d| d.is_nan()));
        assert!(matches!(
            collect(&samples, 151, &KINDS, false),
            Err(CollectionError::HistoryLength { .. })
        ));
    }
}
