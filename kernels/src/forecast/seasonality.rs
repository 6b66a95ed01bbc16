//! K2.2 `_detect_seasonality`: the autocorrelation of a metric at one day
//! (24 rows) and one week (168 rows), and the seasonal verdict.

use super::pearson::corrcoef;

/// Rows the original requires before measuring (one week of hours).
const MIN_ROWS: usize = 168;
/// Rows it requires before measuring the weekly lag (two weeks).
const MIN_WEEKLY_ROWS: usize = 336;
const DAILY_LAG: usize = 24;
const WEEKLY_LAG: usize = 168;
/// `seasonal_strength > 0.3` makes a series seasonal.
const SEASONAL_STRENGTH: f64 = 0.3;

/// The original's result dict: `daily`/`weekly` are present only on the
/// seasonal branch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seasonality {
    pub seasonal: bool,
    /// 24 or 168 when seasonal.
    pub period: Option<u32>,
    pub strength: f64,
    pub daily_autocorr: Option<f64>,
    pub weekly_autocorr: Option<f64>,
}

/// pandas' `Series.autocorr(lag)`: Pearson r of the pairs
/// `(x[i], x[i − lag])` where both are not NaN; NaN with fewer than two
/// such pairs or a constant side.
pub fn autocorr(series: &[f64], lag: usize) -> f64 {
    if lag >= series.len() {
        return f64::NAN;
    }
    let (now, before) = (&series[lag..], &series[..series.len() - lag]);
    if !series.iter().any(|v| v.is_nan()) {
        return corrcoef(now, before);
    }
    let (now, before): (Vec<f64>, Vec<f64>) = now
        .iter()
        .zip(before)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| (*a, *b))
        .unzip();
    corrcoef(&now, &before)
}

/// Python's `max(a, b)`: `b` only when `b > a`, so a NaN first argument
/// wins and a NaN second argument loses (`f64::max` would drop the NaN
/// either way).
pub fn python_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// The seasonality of one metric's series (NaN included, as the frame
/// holds it).
pub fn detect_seasonality(series: &[f64]) -> Seasonality {
    if series.len() < MIN_ROWS {
        return Seasonality {
            seasonal: false,
            period: None,
            strength: 0.0,
            daily_autocorr: None,
            weekly_autocorr: None,
        };
    }
    let daily = autocorr(series, DAILY_LAG);
    let weekly = if series.len() >= MIN_WEEKLY_ROWS {
        autocorr(series, WEEKLY_LAG)
    } else {
        0.0
    };
    let strength = python_max(daily.abs(), weekly.abs());
    if strength > SEASONAL_STRENGTH {
        Seasonality {
            seasonal: true,
            period: Some(if daily.abs() > weekly.abs() { 24 } else { 168 }),
            strength,
            daily_autocorr: Some(daily),
            weekly_autocorr: Some(weekly),
        }
    } else {
        Seasonality {
            seasonal: false,
            period: None,
            strength,
            daily_autocorr: None,
            weekly_autocorr: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A week is seven days, so a daily cycle correlates at the weekly lag
    /// too: an exact cycle (or one plus a linear drift) ties both at r = 1
    /// up to rounding, and only a strictly larger daily value gives period
    /// 24. A cycle whose amplitude grows is closer to itself a day later
    /// than a week later.
    #[test]
    fn a_daily_cycle_is_seasonal() {
        let cycle = |h: usize| (std::f64::consts::TAU * (h % 24) as f64 / 24.0).sin();
        let growing: Vec<f64> = (0..400)
            .map(|h| (1.0 + 0.01 * h as f64) * cycle(h) + 0.02 * ((h * 7_919) % 13) as f64)
            .collect();
        let s = detect_seasonality(&growing);
        assert!(s.seasonal);
        assert_eq!(s.period, Some(24));
        assert!(s.daily_autocorr.is_some_and(|r| r > 0.9));
        let exact: Vec<f64> = (0..400).map(cycle).collect();
        let s = detect_seasonality(&exact);
        assert!(s.seasonal && s.period.is_some());
    }

    #[test]
    fn nan_order_in_max_follows_python() {
        assert!(python_max(f64::NAN, 0.5).is_nan());
        assert_eq!(python_max(0.5, f64::NAN), 0.5);
        // A constant series: both autocorrelations NaN, strength NaN, not
        // seasonal (NaN > 0.3 is false).
        let s = detect_seasonality(&[7.0; 400]);
        assert!(!s.seasonal && s.strength.is_nan());
        // Shorter than two weeks: weekly is 0.0, so max(NaN, 0.0) is NaN.
        assert!(detect_seasonality(&[7.0; 200]).strength.is_nan());
        assert_eq!(detect_seasonality(&[7.0; 100]).strength, 0.0);
    }
}
