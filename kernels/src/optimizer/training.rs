//! K5.1 `_train_models`: per metric (in order of first appearance) with at
//! least 50 samples, a `StandardScaler` and an
//! `IsolationForest(contamination=0.1, random_state=42)` on
//! `[value, hour, day_of_week, is_weekend]`, and with at least 100 samples a
//! `RandomForestRegressor(n_estimators=100, random_state=42)` (unbounded
//! depth) predicting the value from its three lags and the calendar.
//!
//! The original fits the *same* three objects again for every metric, so
//! only the last metric's models survive and detection scores every metric
//! with them (defect D056). [`train_models`] fits what the original fits
//! and returns the last metric's models or every metric's ([`Keep`]);
//! [`Training::surviving`] is what the original keeps,
//! [`Training::per_metric`] with [`Keep::All`] the fix.

use super::Sample;
use super::calendar::{hour, weekday};
use crate::ml::Matrix;
use crate::ml::forest_regressor::{
    ForestRegressorError, ForestRegressorParams, RandomForestRegressor,
};
use crate::ml::isolation_forest::{
    Contamination, IsolationForest, IsolationForestError, IsolationForestParams,
};
use crate::ml::scale::{ScaleError, StandardScaler};
use thiserror::Error;

/// `_train_models` returns without training below this many samples.
pub const MIN_HISTORY: usize = 100;
/// A metric needs this many samples for its detector…
pub const MIN_METRIC_ROWS: usize = 50;
/// …and this many (then at least 50 after dropping the lag rows) for its
/// regressor.
pub const MIN_REGRESSOR_ROWS: usize = 100;

/// The original's regressor: `RandomForestRegressor(n_estimators=100,
/// random_state=42)`, every other parameter scikit-learn's default.
pub const PERFORMANCE_PREDICTOR: ForestRegressorParams = ForestRegressorParams {
    n_estimators: 100,
    max_depth: None,
    seed: 42,
};

/// Why training failed (the original's `try` logs it and leaves
/// `is_trained` unset).
#[derive(Debug, Error)]
pub enum TrainingError {
    #[error(transparent)]
    Scale(#[from] ScaleError),
    #[error(transparent)]
    Detector(#[from] IsolationForestError),
    #[error(transparent)]
    Regressor(#[from] ForestRegressorError),
    #[error(transparent)]
    Shape(#[from] crate::ml::MatrixError),
}

/// One metric's fitted models.
#[derive(Debug, Clone)]
pub struct MetricModels {
    pub metric: usize,
    pub scaler: StandardScaler,
    pub detector: IsolationForest,
    /// `None` below [`MIN_REGRESSOR_ROWS`] samples.
    pub regressor: Option<RandomForestRegressor>,
}

/// Every model `_train_models` fits, in the order it fits them.
#[derive(Debug, Clone, Default)]
pub struct Training {
    pub per_metric: Vec<MetricModels>,
}

impl Training {
    /// What the original keeps: the last metric's models (`None` when no
    /// metric had 50 samples: its detector then raises at every check).
    pub fn surviving(&self) -> Option<&MetricModels> {
        self.per_metric.last()
    }

    /// The fix: the models of `metric`, if it had enough samples.
    pub fn of(&self, metric: usize) -> Option<&MetricModels> {
        self.per_metric.iter().find(|m| m.metric == metric)
    }
}

/// `[value, hour, day_of_week, is_weekend]` of one sample, the detector's
/// features (calendar fields of the UTC epoch, as `pd.to_datetime(unit='s')`
/// reads them).
pub fn detector_features(sample: &Sample) -> [f64; 4] {
    let day = weekday(sample.timestamp);
    [
        sample.value,
        hour(sample.timestamp) as f64,
        day as f64,
        f64::from(u8::from(day >= 5)),
    ]
}

/// Which fitted models [`train_models`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Only the last metric's, as the original (its shared objects are
    /// refitted, so an earlier metric's models are freed once the next
    /// metric's are fitted): the memory the original needs.
    Last,
    /// Every metric's (the per-metric fix).
    All,
}

/// Fits every metric's models as `_train_models` does (one thread, or the
/// forests on the rayon pool: the same models either way), keeping `keep`.
/// `Ok(None)` below [`MIN_HISTORY`] samples.
pub fn train_models(
    samples: &[Sample],
    parallel: bool,
    keep: Keep,
) -> Result<Option<Training>, TrainingError> {
    train_models_seeded(samples, parallel, 42, keep)
}

/// [`train_models`] with another `random_state` for every model: how far
/// the models' own randomness moves their answers.
pub fn train_models_seeded(
    samples: &[Sample],
    parallel: bool,
    seed: u64,
    keep: Keep,
) -> Result<Option<Training>, TrainingError> {
    if samples.len() < MIN_HISTORY {
        return Ok(None);
    }
    let mut order: Vec<usize> = Vec::new();
    for s in samples {
        if !order.contains(&s.metric) {
            order.push(s.metric);
        }
    }
    let mut training = Training::default();
    for metric in order {
        let rows: Vec<&Sample> = samples.iter().filter(|s| s.metric == metric).collect();
        if rows.len() < MIN_METRIC_ROWS {
            continue;
        }
        let x = Matrix::new(
            rows.len(),
            4,
            rows.iter().flat_map(|s| detector_features(s)).collect(),
        )?;
        let (scaler, scaled) = StandardScaler::fit_transform(&x)?;
        let params = IsolationForestParams {
            contamination: Contamination::Fraction(0.1),
            seed,
            ..IsolationForestParams::default()
        };
        let detector = if parallel {
            IsolationForest::fit_parallel(&scaled, &params)?
        } else {
            IsolationForest::fit(&scaled, &params)?
        };
        let regressor = if rows.len() >= MIN_REGRESSOR_ROWS {
            fit_regressor(&rows, parallel, seed)?
        } else {
            None
        };
        if keep == Keep::Last {
            training.per_metric.clear();
        }
        training.per_metric.push(MetricModels {
            metric,
            scaler,
            detector,
            regressor,
        });
    }
    Ok(Some(training))
}

/// The lag regressor: `[lag1, lag2, lag3, hour, day_of_week, is_weekend]`
/// → value over the metric's samples in stream order, rows with a missing
/// lag (or value) dropped; `None` when fewer than 50 remain.
fn fit_regressor(
    rows: &[&Sample],
    parallel: bool,
    seed: u64,
) -> Result<Option<RandomForestRegressor>, TrainingError> {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 3..rows.len() {
        let lags = [rows[i - 1].value, rows[i - 2].value, rows[i - 3].value];
        let [value, hour, day, weekend] = detector_features(rows[i]);
        if value.is_nan() || lags.iter().any(|v| v.is_nan()) {
            continue;
        }
        x.extend(lags);
        x.extend([hour, day, weekend]);
        y.push(value);
    }
    if y.len() < MIN_METRIC_ROWS {
        return Ok(None);
    }
    let x = Matrix::new(y.len(), 6, x)?;
    let params = ForestRegressorParams {
        seed,
        ..PERFORMANCE_PREDICTOR
    };
    let forest = if parallel {
        RandomForestRegressor::fit_parallel(&x, &y, &params)?
    } else {
        RandomForestRegressor::fit(&x, &y, &params)?
    };
    Ok(Some(forest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(n: usize) -> Vec<Sample> {
        (0..n)
            .map(|i| Sample {
                metric: i % 3,
                component: 0,
                value: [50.0, 100.0, 0.7][i % 3] * (1.0 + 0.1 * ((i * 37 % 17) as f64 / 17.0)),
                timestamp: 1_767_225_600 + 300 * (i / 3) as i64,
            })
            .collect()
    }

    #[test]
    fn the_last_metric_survives_and_short_histories_train_nothing() {
        assert!(
            train_models(&stream(99), false, Keep::All)
                .expect("trains")
                .is_none()
        );
        let last = train_models(&stream(600), false, Keep::Last)
            .expect("trains")
            .expect("600 samples");
        assert_eq!(
            last.per_metric.iter().map(|m| m.metric).collect::<Vec<_>>(),
            vec![2]
        );
        let training = train_models(&stream(600), false, Keep::All)
            .expect("trains")
            .expect("600 samples");
        assert_eq!(
            training
                .per_metric
                .iter()
                .map(|m| m.metric)
                .collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert_eq!(training.surviving().map(|m| m.metric), Some(2));
        assert!(training.per_metric.iter().all(|m| m.regressor.is_some()));
        // 200 samples per metric: a detector, and a regressor on 197 rows.
        let small = train_models(&stream(240), false, Keep::All)
            .expect("trains")
            .expect("240");
        assert!(small.per_metric.iter().all(|m| m.regressor.is_none()));
    }
}
