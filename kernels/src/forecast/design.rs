//! The forecasting models' inputs, built as `_fit_linear_trend_model` and
//! `_fit_ensemble_model` build them from the prepared frame: the calendar
//! columns, a row counter, and for the forest the target's rolling window
//! statistics and lags, every column forward-filled and then zero-filled.

use super::calendar::CalendarRow;
use crate::ml::{Matrix, MatrixError};

/// Columns of the linear design: the six calendar columns and
/// `time_index`.
pub const LINEAR_COLUMNS: [&str; 7] = [
    "hour",
    "day_of_week",
    "day_of_month",
    "month",
    "is_weekend",
    "is_business_hours",
    "time_index",
];

/// Columns of the forest's design: the linear ones, then the target's
/// 24-row rolling mean and sample standard deviation and its 24- and
/// 168-row lags. The rolling columns include the row's own target value:
/// target leakage (D029), which inflates the in-sample R² the original
/// selects its model by.
pub const ENSEMBLE_COLUMNS: [&str; 11] = [
    "hour",
    "day_of_week",
    "day_of_month",
    "month",
    "is_weekend",
    "is_business_hours",
    "time_index",
    "rolling_mean_24h",
    "rolling_std_24h",
    "lag_24h",
    "lag_168h",
];

const WINDOW: usize = 24;
const DAILY_LAG: usize = 24;
const WEEKLY_LAG: usize = 168;

/// `s.fillna(method='ffill').fillna(0)`: each NaN takes the last value
/// before it, and leading NaNs become 0.
pub fn forward_fill_then_zero(values: &[f64]) -> Vec<f64> {
    let mut last = f64::NAN;
    values
        .iter()
        .map(|&v| {
            if !v.is_nan() {
                last = v;
            }
            if last.is_nan() { 0.0 } else { last }
        })
        .collect()
}

/// The linear design, `n × 7`, row-major.
pub fn linear_design(calendar: &[CalendarRow]) -> Result<Matrix, MatrixError> {
    let mut data = Vec::with_capacity(calendar.len() * LINEAR_COLUMNS.len());
    for (i, row) in calendar.iter().enumerate() {
        data.extend(row.as_features());
        data.push(i as f64);
    }
    Matrix::new(calendar.len(), LINEAR_COLUMNS.len(), data)
}

/// The forest's design, `n × 11`, row-major, for the raw target column
/// `target` (NaN as in the frame).
pub fn ensemble_design(calendar: &[CalendarRow], target: &[f64]) -> Result<Matrix, MatrixError> {
    let n = calendar.len().min(target.len());
    let (mean, std) = rolling_mean_std(&target[..n]);
    let lag = |k: usize| -> Vec<f64> {
        (0..n)
            .map(|i| if i >= k { target[i - k] } else { f64::NAN })
            .collect()
    };
    let extra = [
        forward_fill_then_zero(&mean),
        forward_fill_then_zero(&std),
        forward_fill_then_zero(&lag(DAILY_LAG)),
        forward_fill_then_zero(&lag(WEEKLY_LAG)),
    ];
    let mut data = Vec::with_capacity(n * ENSEMBLE_COLUMNS.len());
    for (i, row) in calendar[..n].iter().enumerate() {
        data.extend(row.as_features());
        data.push(i as f64);
        data.extend(extra.iter().map(|column| column[i]));
    }
    Matrix::new(n, ENSEMBLE_COLUMNS.len(), data)
}

/// pandas' `rolling(24, min_periods=1)` `.mean()` and `.std()` (ddof 1)
/// over the non-NaN values of each trailing window: the mean is NaN only
/// for a window without values, the standard deviation also for a window
/// of one value, and 0 when every value in the window is equal (pandas
/// counts repeated values to return an exact 0). pandas slides a running,
/// compensated sum; these are exact two-pass figures of each window, equal
/// to rounding (~1e-13 relative).
fn rolling_mean_std(values: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut means = Vec::with_capacity(values.len());
    let mut stds = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        let window: Vec<f64> = values[i.saturating_sub(WINDOW - 1)..=i]
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .collect();
        let count = window.len();
        if count == 0 {
            means.push(f64::NAN);
            stds.push(f64::NAN);
            continue;
        }
        let mean = window.iter().sum::<f64>() / count as f64;
        means.push(mean);
        if count < 2 {
            stds.push(f64::NAN);
        } else if window.iter().all(|&v| v == window[0]) {
            stds.push(0.0);
        } else {
            let ssq: f64 = window.iter().map(|v| (v - mean) * (v - mean)).sum();
            stds.push((ssq / (count - 1) as f64).sqrt());
        }
    }
    (means, stds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::calendar::calendar;

    #[test]
    fn forward_fill_keeps_leading_zeros() {
        let filled = forward_fill_then_zero(&[f64::NAN, 2.0, f64::NAN, 5.0]);
        assert_eq!(filled, vec![0.0, 2.0, 2.0, 5.0]);
    }

    /// pandas 2.2: `s.rolling(24, min_periods=1).mean()/.std()` of
    /// `[1, NaN, 3, 3]` is `[1, 1, 2, 7/3]` / `[NaN, NaN, √2, √(4/3)]`.
    #[test]
    fn rolling_windows_skip_nan_like_pandas() {
        let (mean, std) = rolling_mean_std(&[1.0, f64::NAN, 3.0, 3.0]);
        assert_eq!(&mean[..3], &[1.0, 1.0, 2.0]);
        assert!((mean[3] - 7.0 / 3.0).abs() < 1e-15);
        assert!(std[0].is_nan() && std[1].is_nan());
        assert!((std[2] - 2f64.sqrt()).abs() < 1e-15);
        assert!((std[3] - (4.0f64 / 3.0).sqrt()).abs() < 1e-15);
        let (_, flat) = rolling_mean_std(&[0.1; 30]);
        assert!(flat[1..].iter().all(|&s| s == 0.0));
    }

    #[test]
    fn the_forest_design_has_eleven_columns_with_lags() {
        let cal: Vec<_> = (0..200).map(|h| calendar(h * 3_600)).collect();
        let target: Vec<f64> = (0..200).map(f64::from).collect();
        let x = ensemble_design(&cal, &target).expect("shape");
        assert_eq!((x.rows(), x.cols()), (200, 11));
        assert_eq!(x.row(30)[6], 30.0);
        assert_eq!(x.row(30)[9], 6.0);
        assert_eq!(x.row(30)[10], 0.0);
        assert_eq!(x.row(199)[10], 31.0);
        assert_eq!(x.row(0)[8], 0.0);
    }
}
