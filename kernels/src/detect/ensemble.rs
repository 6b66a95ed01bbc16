//! The ensemble detector's deterministic half (catalog ml_monitoring K1.4,
//! `EnsembleAnomalyDetector.detect_anomalies` after the models have scored,
//! anomaly_detector.py at `9455c19`): min-max normalisation of each model's
//! raw scores, the weighted sum, the 90th-percentile threshold, and one
//! alert per row strictly above it with severity, confidence and the fixed
//! recommendations.
//!
//! Given the same raw scores this is bit-identical to the original: the
//! same elementwise operations in numpy's order and numpy's percentile
//! ([`crate::quantile`]). The models' scores themselves come from
//! [`crate::ml`] and are compared statistically.
//!
//! The original never negates scikit-learn's `decision_function`, which is
//! *higher for more normal rows* in both models, so it alerts on the ~10%
//! most normal rows (defect D027). [`Orientation::AsWritten`] reproduces
//! that; [`Orientation::Corrected`] negates both decision functions first,
//! which is what the detector was meant to do.

use thiserror::Error;

use super::{TimestampError, Timestamps};
use crate::ml::isolation_forest::{
    Contamination, IsolationForest, IsolationForestError, IsolationForestParams,
};
use crate::ml::ocsvm::{OcsvmError, OcsvmParams, OneClassSvm};
use crate::ml::scale::{RobustScaler, ScaleError};
use crate::ml::{Matrix, MatrixError};
use crate::quantile::percentile_linear;

/// The original's `random_state` for the isolation forest (our generator's
/// seed: the trees cannot be scikit-learn's).
const FOREST_SEED: u64 = 42;

/// Why the detector could not train or score.
#[derive(Debug, Error)]
pub enum EnsembleError {
    #[error(transparent)]
    Matrix(#[from] MatrixError),
    #[error(transparent)]
    Scale(#[from] ScaleError),
    #[error(transparent)]
    Forest(#[from] IsolationForestError),
    #[error(transparent)]
    Svm(#[from] OcsvmError),
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
}

/// What one frame gives: every row's ensemble score and the alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub scores: Vec<f64>,
    pub alerts: Vec<EnsembleAlert>,
}

/// `prepare_data`'s cleaning: each column forward-filled
/// (`fillna(method='ffill')`), then what is still NaN (a column's leading
/// gap) set to 0.
pub fn forward_fill(frame: &Matrix) -> Result<Matrix, MatrixError> {
    let cols = frame.cols();
    let mut last = vec![f64::NAN; cols];
    let mut data = Vec::with_capacity(frame.rows() * cols);
    for i in 0..frame.rows() {
        for (j, &v) in frame.row(i).iter().enumerate() {
            if !v.is_nan() {
                last[j] = v;
            }
            data.push(if last[j].is_nan() { 0.0 } else { last[j] });
        }
    }
    Matrix::new(frame.rows(), cols, data)
}

/// What the real-time monitor does with one frame of metrics: a fresh
/// detector trained on it and asked for its alerts on it. RobustScaler,
/// then IsolationForest(contamination, 100 trees) and
/// OneClassSVM(nu = contamination, rbf, gamma = 'scale') on the scaled
/// rows, their decision values into [`ensemble_alerts`]. `parallel` grows
/// the trees and evaluates the SVM on the rayon pool (same answer).
pub fn detect(
    frame: &Matrix,
    contamination: f64,
    orientation: Orientation,
    timestamps: Timestamps,
    parallel: bool,
) -> Result<Detection, EnsembleError> {
    let clean = forward_fill(frame)?;
    let (_, scaled) = RobustScaler::fit_transform(&clean)?;
    let forest_params = IsolationForestParams {
        contamination: Contamination::Fraction(contamination),
        seed: FOREST_SEED,
        ..IsolationForestParams::default()
    };
    let svm_params = OcsvmParams {
        nu: contamination,
        ..OcsvmParams::default()
    };
    let (forest_scores, svm_scores) = if parallel {
        let (_, forest_scores) =
            IsolationForest::fit_decision_function_parallel(&scaled, &forest_params)?;
        let svm = OneClassSvm::fit(&scaled, &svm_params)?;
        (forest_scores, svm.decision_function_par(&scaled)?)
    } else {
        let (_, forest_scores) = IsolationForest::fit_decision_function(&scaled, &forest_params)?;
        let svm = OneClassSvm::fit(&scaled, &svm_params)?;
        (forest_scores, svm.decision_function(&scaled)?)
    };
    let scores = ensemble_scores(
        &forest_scores,
        &svm_scores,
        EnsembleWeights::default(),
        orientation,
    );
    let alerts = alerts_from_scores(
        &scores,
        &forest_scores,
        &svm_scores,
        contamination,
        timestamps,
    )?;
    Ok(Detection { scores, alerts })
}

/// The weights the original forces when TensorFlow is absent (its pins do
/// not include it): isolation forest 0.6, one-class SVM 0.4, LSTM 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnsembleWeights {
    pub isolation_forest: f64,
    pub one_class_svm: f64,
    pub lstm: f64,
}

impl Default for EnsembleWeights {
    fn default() -> Self {
        Self {
            isolation_forest: 0.6,
            one_class_svm: 0.4,
            lstm: 0.0,
        }
    }
}

/// Which way the models' decision functions are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// As the original: decision values used as anomaly scores (so the most
    /// normal rows score highest).
    AsWritten,
    /// Decision values negated: anomalous rows score highest.
    Corrected,
}

/// The original's `_calculate_severity` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertSeverity {
    Low,
    Medium,
    High,
    Critical,
}

impl AlertSeverity {
    /// `score / threshold` (1.0 when the threshold is not positive):
    /// ≥ 3 critical, ≥ 2 high, ≥ 1.5 medium, else low.
    pub fn of(score: f64, threshold: f64) -> Self {
        let ratio = if threshold > 0.0 {
            score / threshold
        } else {
            1.0
        };
        if ratio >= 3.0 {
            AlertSeverity::Critical
        } else if ratio >= 2.0 {
            AlertSeverity::High
        } else if ratio >= 1.5 {
            AlertSeverity::Medium
        } else {
            AlertSeverity::Low
        }
    }

    /// `_generate_recommendations`: a fixed list per severity.
    pub fn recommendations(self) -> &'static [&'static str] {
        match self {
            AlertSeverity::Critical => &[
                "Immediate investigation required",
                "Consider scaling resources",
                "Check for security incidents",
                "Review recent deployments",
            ],
            AlertSeverity::High => &[
                "Monitor closely for escalation",
                "Review system performance",
                "Check application logs",
            ],
            AlertSeverity::Medium => &["Track for patterns", "Review if this becomes recurring"],
            AlertSeverity::Low => &["Monitor for trend development"],
        }
    }
}

/// One `AnomalyAlert` of the original.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleAlert {
    pub index: usize,
    pub timestamp_ns: i64,
    /// The ensemble score (the original's `value` and `anomaly_score`).
    pub score: f64,
    /// The 90th percentile of all ensemble scores (the original's `baseline`).
    pub threshold: f64,
    pub severity: AlertSeverity,
    /// `min(score / threshold, 1.0)`.
    pub confidence: f64,
    /// The raw decision values the original puts in the alert's context.
    pub isolation_forest_score: f64,
    pub svm_score: f64,
    pub recommendations: &'static [&'static str],
}

/// The original's `_normalize_scores`: `(s − min) / (max − min)`, all ones
/// when max == min, NaN everywhere when a NaN makes min or max NaN (numpy's
/// `np.min` propagates it).
pub fn normalize(scores: &[f64]) -> Vec<f64> {
    if scores.is_empty() {
        return Vec::new();
    }
    let fold = |pick: fn(f64, f64) -> f64| {
        scores.iter().copied().fold(scores[0], |acc, s| {
            if acc.is_nan() || s.is_nan() {
                f64::NAN
            } else {
                pick(acc, s)
            }
        })
    };
    let (min, max) = (fold(f64::min), fold(f64::max));
    if max == min {
        return vec![1.0; scores.len()];
    }
    let range = max - min;
    scores.iter().map(|s| (s - min) / range).collect()
}

/// The weighted ensemble score per row, as numpy evaluates
/// `w_if·norm(if) + w_svm·norm(svm) + w_lstm·norm(lstm)` (left to right;
/// without the LSTM its scores are all zeros, which normalise to ones).
pub fn ensemble_scores(
    isolation_forest: &[f64],
    one_class_svm: &[f64],
    weights: EnsembleWeights,
    orientation: Orientation,
) -> Vec<f64> {
    let oriented = |scores: &[f64]| match orientation {
        Orientation::AsWritten => normalize(scores),
        Orientation::Corrected => normalize(&scores.iter().map(|s| -s).collect::<Vec<_>>()),
    };
    let (nif, nsvm) = (oriented(isolation_forest), oriented(one_class_svm));
    let lstm = if isolation_forest.is_empty() {
        0.0
    } else {
        1.0
    };
    nif.iter()
        .zip(&nsvm)
        .map(|(a, b)| {
            weights.isolation_forest * a + weights.one_class_svm * b + weights.lstm * lstm
        })
        .collect()
}

/// The original's alert loop over raw decision values (one per row, both
/// models): threshold at the `(1 − contamination)·100`-th percentile, an
/// alert per row strictly above it. A threshold of exactly zero makes the
/// original's confidence division raise for every row, which it catches
/// per row: no alerts.
pub fn ensemble_alerts(
    isolation_forest: &[f64],
    one_class_svm: &[f64],
    contamination: f64,
    orientation: Orientation,
    timestamps: Timestamps,
) -> Result<Vec<EnsembleAlert>, TimestampError> {
    let scores = ensemble_scores(
        isolation_forest,
        one_class_svm,
        EnsembleWeights::default(),
        orientation,
    );
    alerts_from_scores(
        &scores,
        isolation_forest,
        one_class_svm,
        contamination,
        timestamps,
    )
}

/// The alert loop over given ensemble scores (and the raw decision values
/// the alerts carry as context).
fn alerts_from_scores(
    scores: &[f64],
    isolation_forest: &[f64],
    one_class_svm: &[f64],
    contamination: f64,
    timestamps: Timestamps,
) -> Result<Vec<EnsembleAlert>, TimestampError> {
    let mut scratch = scores.to_vec();
    let Some(threshold) = percentile_linear(&mut scratch, (1.0 - contamination) * 100.0) else {
        return Ok(Vec::new());
    };
    if threshold == 0.0 {
        return Ok(Vec::new());
    }
    let mut alerts = Vec::new();
    for (index, &score) in scores.iter().enumerate() {
        if score > threshold {
            let ratio = score / threshold;
            let severity = AlertSeverity::of(score, threshold);
            alerts.push(EnsembleAlert {
                index,
                timestamp_ns: timestamps.stamp(index)?,
                score,
                threshold,
                severity,
                // Python's min(ratio, 1.0): ratio unless 1.0 < ratio.
                confidence: if 1.0 < ratio { 1.0 } else { ratio },
                isolation_forest_score: isolation_forest[index],
                svm_score: one_class_svm[index],
                recommendations: severity.recommendations(),
            });
        }
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: Timestamps = Timestamps {
        origin_ns: 0,
        step_ns: 1,
    };

    #[test]
    fn normalisation_matches_the_original() {
        assert_eq!(normalize(&[2.0, 4.0, 3.0]), [0.0, 1.0, 0.5]);
        assert_eq!(normalize(&[5.0; 3]), [1.0; 3]);
        assert!(normalize(&[1.0, f64::NAN]).iter().all(|v| v.is_nan()));
        assert!(normalize(&[]).is_empty());
    }

    /// numpy 2.2.6 with the original's code on if = 0..10 / 10 and
    /// svm = 10..0 / 10 (rows 0..10): ensemble = 0.6·i/9 + 0.4·(9 − i)/9,
    /// threshold np.percentile(ensemble, 90.0) = 0.58, one alert (row 9,
    /// score 0.6, severity low, confidence 1).
    #[test]
    fn alerts_match_the_original_on_a_hand_checked_case() {
        let isolation_forest: Vec<f64> = (0..10).map(|i| f64::from(i) / 10.0).collect();
        let svm: Vec<f64> = (0..10).map(|i| f64::from(10 - i) / 10.0).collect();
        let alerts = ensemble_alerts(&isolation_forest, &svm, 0.1, Orientation::AsWritten, GRID)
            .expect("ok");
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert_eq!(
            (a.index, a.severity, a.confidence),
            (9, AlertSeverity::Low, 1.0)
        );
        assert_eq!((a.score, a.threshold), (0.6, 0.58));
    }

    #[test]
    fn identical_rows_and_a_zero_threshold_give_no_alerts() {
        assert!(
            ensemble_alerts(&[0.3; 8], &[0.1; 8], 0.1, Orientation::AsWritten, GRID)
                .expect("ok")
                .is_empty()
        );
        assert!(
            ensemble_alerts(&[], &[], 0.1, Orientation::AsWritten, GRID)
                .expect("ok")
                .is_empty()
        );
    }

    #[test]
    fn the_corrected_orientation_reverses_the_ranking() {
        let isolation_forest = [0.2, -0.3, 0.1, 0.25];
        let svm = [1.0, -2.0, 0.5, 1.5];
        let as_written = ensemble_scores(
            &isolation_forest,
            &svm,
            EnsembleWeights::default(),
            Orientation::AsWritten,
        );
        let corrected = ensemble_scores(
            &isolation_forest,
            &svm,
            EnsembleWeights::default(),
            Orientation::Corrected,
        );
        // The weights sum to one, so the corrected score is 1 − the original's.
        for (a, c) in as_written.iter().zip(&corrected) {
            assert!((a + c - 1.0).abs() < 1e-12, "{a} + {c}");
        }
        let top = |v: &[f64]| (0..v.len()).max_by(|&i, &j| v[i].total_cmp(&v[j]));
        assert_eq!((top(&as_written), top(&corrected)), (Some(3), Some(1)));
    }
}
