//! scikit-learn's regression metrics (`mean_absolute_error`,
//! `mean_squared_error`, `r2_score`, 1.4–1.6), in numpy's summation order:
//! the forecasting engine reports them in-sample and picks its model by R².

use crate::numpy_sum::{numpy_mean, numpy_sum};

/// MAE, MSE and R² of `predicted` against `truth` (equal lengths, at least
/// one value: the caller's invariant).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegressionScores {
    pub mae: f64,
    pub mse: f64,
    pub r2: f64,
}

impl RegressionScores {
    pub fn of(truth: &[f64], predicted: &[f64]) -> Self {
        let abs: Vec<f64> = truth
            .iter()
            .zip(predicted)
            .map(|(t, p)| (p - t).abs())
            .collect();
        let squared: Vec<f64> = truth
            .iter()
            .zip(predicted)
            .map(|(t, p)| (t - p) * (t - p))
            .collect();
        RegressionScores {
            mae: numpy_mean(&abs),
            mse: numpy_mean(&squared),
            r2: r2_score(truth, predicted),
        }
    }
}

/// `r2_score` with `force_finite=True` (the default since 1.1): a constant
/// truth scores 1.0 when predicted exactly and 0.0 otherwise, instead of
/// NaN or −∞; fewer than two values give NaN (sklearn warns and returns
/// NaN).
pub fn r2_score(truth: &[f64], predicted: &[f64]) -> f64 {
    if truth.len() < 2 {
        return f64::NAN;
    }
    let residual: Vec<f64> = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p) * (t - p))
        .collect();
    let mean = numpy_mean(truth);
    let spread: Vec<f64> = truth.iter().map(|t| (t - mean) * (t - mean)).collect();
    let (numerator, denominator) = (numpy_sum(&residual), numpy_sum(&spread));
    match (numerator != 0.0, denominator != 0.0) {
        (true, true) => 1.0 - numerator / denominator,
        (true, false) => 0.0,
        (false, _) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from scikit-learn 1.6.1.
    #[test]
    fn scores_match_scikit_learn() {
        let truth = [3.0, -0.5, 2.0, 7.0];
        let predicted = [2.5, 0.0, 2.0, 8.0];
        let s = RegressionScores::of(&truth, &predicted);
        assert_eq!(s.mae, 0.5);
        assert_eq!(s.mse, 0.375);
        assert_eq!(s.r2, 0.948_608_137_044_967_9);
        assert_eq!(r2_score(&[2.0; 3], &[2.0; 3]), 1.0);
        assert_eq!(r2_score(&[2.0; 3], &[2.0, 2.0, 2.5]), 0.0);
        assert!(r2_score(&[1.0], &[1.0]).is_nan());
    }
}
