//! K2.3 `_fit_linear_trend_model` and K2.4 `_fit_ensemble_model`: each
//! fits its model on the whole frame and reports its in-sample MAE, MSE
//! and R², or nothing — on too few rows, or where the original's `try`
//! swallows scikit-learn's exception and returns `None`.

use super::calendar::CalendarRow;
use super::design::{ensemble_design, forward_fill_then_zero, linear_design};
use crate::ml::forest_regressor::{ForestRegressorParams, RandomForestRegressor};
use crate::ml::linear::LinearRegression;
use crate::ml::metrics::RegressionScores;

/// `_fit_linear_trend_model` returns `None` below this many rows.
pub const LINEAR_MIN_ROWS: usize = 10;
/// `_fit_ensemble_model` returns `None` below this many rows.
pub const ENSEMBLE_MIN_ROWS: usize = 20;

/// The original's forest: `RandomForestRegressor(n_estimators=50,
/// max_depth=10, random_state=42, n_jobs=-1)`.
pub const ENSEMBLE_FOREST: ForestRegressorParams = ForestRegressorParams {
    n_estimators: 50,
    max_depth: Some(10),
    seed: 42,
};

/// A fitted model's in-sample figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFit {
    pub predictions: Vec<f64>,
    pub scores: RegressionScores,
}

/// The linear trend model's fit and `trend_coefficient` (the coefficient of
/// `time_index`: not unique where the design is rank deficient, see
/// [`crate::ml::linear`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearTrend {
    pub fit: ModelFit,
    pub trend_coefficient: f64,
}

/// The forest's fit and its impurity-based importances (in
/// [`super::design::ENSEMBLE_COLUMNS`] order).
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleFit {
    pub fit: ModelFit,
    pub feature_importance: Vec<f64>,
}

/// `LinearRegression()` on the calendar, `time_index` and the target
/// forward-filled then zero-filled.
pub fn fit_linear_trend(calendar: &[CalendarRow], target: &[f64]) -> Option<LinearTrend> {
    if calendar.len() < LINEAR_MIN_ROWS {
        return None;
    }
    let x = linear_design(calendar).ok()?;
    let y = forward_fill_then_zero(target);
    let model = LinearRegression::fit(&x, &y).ok()?;
    let predictions = model.predict(&x).ok()?;
    let trend_coefficient = *model.coef().last()?;
    Some(LinearTrend {
        fit: ModelFit {
            scores: RegressionScores::of(&y, &predictions),
            predictions,
        },
        trend_coefficient,
    })
}

/// The original's forest on the 11-column design (one thread, or the
/// rayon pool: the same trees either way).
pub fn fit_ensemble(
    calendar: &[CalendarRow],
    target: &[f64],
    parallel: bool,
) -> Option<EnsembleFit> {
    if calendar.len() < ENSEMBLE_MIN_ROWS {
        return None;
    }
    let x = ensemble_design(calendar, target).ok()?;
    let y = forward_fill_then_zero(target);
    let (model, predictions) = if parallel {
        let model = RandomForestRegressor::fit_parallel(&x, &y, &ENSEMBLE_FOREST).ok()?;
        let predictions = model.predict_parallel(&x).ok()?;
        (model, predictions)
    } else {
        let model = RandomForestRegressor::fit(&x, &y, &ENSEMBLE_FOREST).ok()?;
        let predictions = model.predict(&x).ok()?;
        (model, predictions)
    };
    Some(EnsembleFit {
        fit: ModelFit {
            scores: RegressionScores::of(&y, &predictions),
            predictions,
        },
        feature_importance: model.feature_importances(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::calendar::calendar;

    fn week(hours: i64, f: impl Fn(i64) -> f64) -> (Vec<CalendarRow>, Vec<f64>) {
        (
            (0..hours)
                .map(|h| calendar(1_768_867_200 + h * 3_600))
                .collect(),
            (0..hours).map(f).collect(),
        )
    }

    #[test]
    fn too_few_rows_give_no_model() {
        let (cal, y) = week(9, |h| h as f64);
        assert!(fit_linear_trend(&cal, &y).is_none());
        let (cal, y) = week(19, |h| h as f64);
        assert!(fit_linear_trend(&cal, &y).is_some());
        assert!(fit_ensemble(&cal, &y, false).is_none());
    }

    #[test]
    fn a_pure_trend_is_fitted_by_both_models() {
        let (cal, y) = week(300, |h| 5.0 + 0.5 * h as f64);
        let linear = fit_linear_trend(&cal, &y).expect("fits");
        assert!(
            linear.fit.scores.r2 > 1.0 - 1e-12,
            "{:?}",
            linear.fit.scores
        );
        let forest = fit_ensemble(&cal, &y, false).expect("fits");
        assert!(forest.fit.scores.r2 > 0.99, "{:?}", forest.fit.scores);
        let total: f64 = forest.feature_importance.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
