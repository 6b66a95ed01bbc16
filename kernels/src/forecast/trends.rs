//! K2.7 `_analyze_trends` and `_assess_overall_health`: each metric's
//! Pearson correlation with time, its direction, and a health label from
//! its last value against its mean, rolled up into one overall label.

use super::pearson::corrcoef;
use crate::numpy_sum::numpy_mean;

/// Metrics with fewer values (after dropping NaN) are skipped.
const MIN_VALUES: usize = 24;
/// |r| above this is a trend.
const TREND_R: f64 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Increasing,
    Decreasing,
    Stable,
}

/// The per-metric health labels the original assigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Good,
    Degraded,
    Critical,
}

/// The overall labels, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverallHealth {
    Excellent,
    Good,
    Degraded,
    Critical,
    /// No metric was analysed.
    Unknown,
}

/// One metric's `TrendAnalysis` (its `change_points` are always empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// The metric's column.
    pub column: usize,
    /// `np.corrcoef(arange(n), values)[0, 1]`: NaN for a constant metric.
    pub r: f64,
    pub direction: Direction,
    /// `|r|` for a trend, `1 − |r|` when stable (NaN when r is).
    pub strength: f64,
    pub health: Health,
}

/// The trend of one metric's values (NaN dropped first), or `None` with
/// fewer than 24 values. The original's latency branch tests the exact
/// names `'duration'` and `'latency'`, which no metric is called, so the
/// general branch is the one that runs.
pub fn analyze_trend(column: usize, values: &[f64]) -> Option<Trend> {
    let kept: Vec<f64>;
    let values = if values.iter().any(|v| v.is_nan()) {
        kept = values.iter().copied().filter(|v| !v.is_nan()).collect();
        &kept[..]
    } else {
        values
    };
    if values.len() < MIN_VALUES {
        return None;
    }
    let index: Vec<f64> = (0..values.len()).map(|i| i as f64).collect();
    let r = corrcoef(&index, values);
    let (direction, strength) = if r > TREND_R {
        (Direction::Increasing, r.abs())
    } else if r < -TREND_R {
        (Direction::Decreasing, r.abs())
    } else {
        (Direction::Stable, 1.0 - r.abs())
    };
    let mean = numpy_mean(values);
    let last = values[values.len() - 1];
    let health = if last > 1.5 * mean {
        Health::Degraded
    } else if last < 0.5 * mean {
        Health::Critical
    } else {
        Health::Good
    };
    Some(Trend {
        column,
        r,
        direction,
        strength,
        health,
    })
}

/// `_assess_overall_health`: each label scored (excellent 4, good 3,
/// degraded 2, critical 1), the mean thresholded at 3.5 / 2.5 / 1.5.
pub fn overall_health(trends: &[Trend]) -> OverallHealth {
    if trends.is_empty() {
        return OverallHealth::Unknown;
    }
    let scores: Vec<f64> = trends
        .iter()
        .map(|t| match t.health {
            Health::Good => 3.0,
            Health::Degraded => 2.0,
            Health::Critical => 1.0,
        })
        .collect();
    let mean = numpy_mean(&scores);
    if mean >= 3.5 {
        OverallHealth::Excellent
    } else if mean >= 2.5 {
        OverallHealth::Good
    } else if mean >= 1.5 {
        OverallHealth::Degraded
    } else {
        OverallHealth::Critical
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_falling_and_flat_metrics() {
        let rising: Vec<f64> = (0..48).map(|i| 100.0 + i as f64).collect();
        let t = analyze_trend(0, &rising).expect("48 values");
        assert_eq!(
            (t.direction, t.health),
            (Direction::Increasing, Health::Good)
        );
        assert!((t.r - 1.0).abs() < 1e-12);
        let mut falling: Vec<f64> = (0..48).map(|i| 100.0 - 2.0 * i as f64).collect();
        falling[47] = 1.0;
        let t = analyze_trend(1, &falling).expect("48 values");
        assert_eq!(
            (t.direction, t.health),
            (Direction::Decreasing, Health::Critical)
        );
        let flat = analyze_trend(2, &[5.0; 30]).expect("30 values");
        assert_eq!(flat.direction, Direction::Stable);
        assert!(flat.r.is_nan() && flat.strength.is_nan());
        assert!(analyze_trend(3, &[1.0; 23]).is_none());
        assert_eq!(overall_health(&[]), OverallHealth::Unknown);
        assert_eq!(
            overall_health(&[t, flat]),
            OverallHealth::Degraded,
            "mean of critical (1) and good (3) is 2"
        );
    }
}
