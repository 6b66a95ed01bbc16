//! K2.5 model selection and `forecast_metric`: the better model by
//! in-sample R², a feature vector for a future hour read from an injected
//! clock, and the heuristic interval and recommendations around the
//! model's prediction (given: the post-processing is exact once both sides
//! see the same raw prediction).

use super::calendar::calendar;

/// The engine's default horizon (`forecast_horizon=24`); `hours_ahead=0`
/// also means it, through the original's `hours_ahead or horizon`.
pub const DEFAULT_HORIZON: u32 = 24;
/// The original's `time_index` for a future row: `1000 + hours_ahead`,
/// whatever the training length (D030: the linear model's trend term is
/// evaluated at a row that has nothing to do with "now").
pub const TIME_INDEX_GUESS: f64 = 1000.0;

/// Which fitted model forecasts a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    Linear,
    Ensemble,
}

/// `train_forecasting_models`' choice: the forest when its in-sample R² is
/// strictly higher, the only one fitted when the other is `None`, none
/// (the original's TypeError, caught: status 'error') when neither is.
pub fn best_model(linear_r2: Option<f64>, ensemble_r2: Option<f64>) -> Option<ModelKind> {
    match (linear_r2, ensemble_r2) {
        (Some(l), Some(e)) => Some(if e > l {
            ModelKind::Ensemble
        } else {
            ModelKind::Linear
        }),
        (None, Some(_)) => Some(ModelKind::Ensemble),
        (Some(_), None) => Some(ModelKind::Linear),
        (None, None) => None,
    }
}

/// The fixed recommendation strings `forecast_metric` may attach, as bits.
pub mod recommendation {
    /// Model confidence below 0.5.
    pub const LOW_CONFIDENCE: u32 = 1;
    /// A 'node' metric predicted above 1000.
    pub const NODE_HIGH: u32 = 2;
    /// A 'node' metric predicted below 10.
    pub const NODE_LOW: u32 = 4;
    /// A 'search' metric predicted above 100.
    pub const SEARCH_HIGH: u32 = 8;
    /// A 'duration' metric predicted above 2.0.
    pub const DURATION_HIGH: u32 = 16;
    /// A horizon beyond 12 hours.
    pub const LONG_HORIZON: u32 = 32;
}

/// A `PredictionResult`, with the feature vector the model was asked
/// about (7 values for the linear model, 11 for the forest).
#[derive(Debug, Clone, PartialEq)]
pub struct PointForecast {
    pub horizon: u32,
    pub features: Vec<f64>,
    pub predicted: f64,
    pub interval: (f64, f64),
    pub confidence: f64,
    /// Bits of [`recommendation`].
    pub recommendations: u32,
}

/// The feature vector `forecast_metric` builds for `now + hours` (naive
/// wall clock: adding hours never meets a daylight-saving jump).
pub fn future_features(now_seconds: i64, hours: u32, model: ModelKind) -> Vec<f64> {
    let future = calendar(now_seconds + i64::from(hours) * 3_600);
    let mut features = future.as_features().to_vec();
    features.push(TIME_INDEX_GUESS + f64::from(hours));
    if model == ModelKind::Ensemble {
        // rolling mean, rolling std, both lags: all set to 0.
        features.extend([0.0; 4]);
    }
    features
}

/// `forecast_metric(metric, hours_ahead)` given the chosen model, its
/// in-sample R² and the prediction it returns for [`future_features`].
pub fn forecast_point(
    metric: &str,
    hours_ahead: u32,
    now_seconds: i64,
    model: ModelKind,
    r2: f64,
    prediction: f64,
) -> PointForecast {
    let horizon = if hours_ahead == 0 {
        DEFAULT_HORIZON
    } else {
        hours_ahead
    };
    let features = future_features(now_seconds, horizon, model);
    let std = (prediction * (1.0 - r2) * 0.5).abs();
    // Python's max(0, x): x only when x > 0 (NaN gives 0).
    let low = prediction - 1.96 * std;
    let interval = (if low > 0.0 { low } else { 0.0 }, prediction + 1.96 * std);
    let mut bits = 0;
    if r2 < 0.5 {
        bits |= recommendation::LOW_CONFIDENCE;
    }
    if metric.contains("node") {
        if prediction > 1000.0 {
            bits |= recommendation::NODE_HIGH;
        } else if prediction < 10.0 {
            bits |= recommendation::NODE_LOW;
        }
    }
    if metric.contains("search") && prediction > 100.0 {
        bits |= recommendation::SEARCH_HIGH;
    }
    if metric.contains("duration") && prediction > 2.0 {
        bits |= recommendation::DURATION_HIGH;
    }
    if horizon > 12 {
        bits |= recommendation::LONG_HORIZON;
    }
    PointForecast {
        horizon,
        features,
        predicted: prediction,
        interval,
        confidence: r2,
        recommendations: bits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forest_wins_only_when_strictly_better() {
        assert_eq!(best_model(Some(0.5), Some(0.5)), Some(ModelKind::Linear));
        assert_eq!(best_model(Some(0.5), Some(0.6)), Some(ModelKind::Ensemble));
        assert_eq!(best_model(None, Some(-3.0)), Some(ModelKind::Ensemble));
        assert_eq!(best_model(None, None), None);
    }

    #[test]
    fn zero_hours_means_the_default_horizon_and_the_interval_is_clipped() {
        // 2026-01-31T20:00 + 24 h = 2026-02-01T20:00, a Sunday.
        let f = forecast_point(
            "node_count",
            0,
            1_769_889_600,
            ModelKind::Ensemble,
            -1.0,
            5.0,
        );
        assert_eq!(f.horizon, 24);
        assert_eq!(&f.features[..7], &[20.0, 6.0, 1.0, 2.0, 1.0, 0.0, 1024.0]);
        assert_eq!(f.features.len(), 11);
        assert_eq!(f.interval.0, 0.0);
        assert_eq!(
            f.recommendations,
            recommendation::LOW_CONFIDENCE
                | recommendation::NODE_LOW
                | recommendation::LONG_HORIZON
        );
    }
}
