//! K5.5 `_analyze_performance_trends` and `_get_trend_threshold`: a
//! least-squares slope per metric over the recent history, flagged when
//! steeper than the metric's threshold.
//!
//! The original takes the last [`TREND_WINDOW`] entries, and for each metric
//! name in order of first appearance sorts that metric's rows by timestamp
//! (`sort_values`), and with at least [`MIN_POINTS`] rows fits
//! `np.polyfit(range(n), values, 1)[0]`: the slope against the row's rank,
//! not its time.
//!
//! # Ties
//! `sort_values` defaults to numpy's quicksort, which is not stable (on this
//! machine numpy 2.2.6 dispatches float64 argsort to an AVX-512 sort that
//! reorders equal keys even for ten rows). Two samples of one metric at the
//! same second with different values make the original's slope depend on
//! that sort (defect D054). The twin sorts stably; it agrees with the
//! original whenever tied samples of a metric carry equal values, which the
//! harness's generator guarantees.
//!
//! # The slope
//! polyfit solves the least-squares problem by LAPACK's SVD (`gelsd`) on the
//! column-scaled Vandermonde matrix. The twin uses the closed form on
//! centred data, `Σ(i − x̄)(yᵢ − ȳ) / Σ(i − x̄)²` with `Σ(i − x̄)² =
//! n(n² − 1)/12` exact: both are backward stable, so they agree to a few
//! ulps of the data's scale, not bit for bit (the pair's tolerance says how
//! far, measured). A NaN value makes both NaN (numpy does not raise), and a
//! NaN slope is never flagged.

use super::{MetricKind, OptimizerError, Sample, kinds_of};

/// Recent history entries the trend analysis reads.
pub const TREND_WINDOW: usize = 1_000;
/// Fewest points of a metric for a slope.
pub const MIN_POINTS: usize = 50;

/// One metric's trend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    pub metric: usize,
    /// Its rows among the recent entries (`>= MIN_POINTS`).
    pub points: usize,
    pub slope: f64,
    /// `abs(slope) > threshold`: the original logs a warning.
    pub flagged: bool,
}

/// `_get_trend_threshold`: units per sample.
pub fn trend_threshold(kind: MetricKind) -> f64 {
    match kind {
        MetricKind::WebsocketConnectionLatency => 0.5,
        MetricKind::CrdtOperationLatency => 1.0,
        MetricKind::MemoryUsageEfficiency => 0.001,
        MetricKind::RbacPermissionVerificationTime | MetricKind::Unknown => 0.1,
        MetricKind::AuditLoggingOverhead => 0.01,
    }
}

/// The least-squares slope of `values` against `0..n` (`n >= 2`).
pub fn slope(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let x_mean = (n - 1.0) / 2.0;
    let y_mean = values.iter().sum::<f64>() / n;
    let sxy: f64 = values
        .iter()
        .enumerate()
        .map(|(i, &y)| (i as f64 - x_mean) * (y - y_mean))
        .sum();
    let sxx = n * (n * n - 1.0) / 12.0;
    sxy / sxx
}

/// The trend of every metric with at least [`MIN_POINTS`] rows among the
/// last [`TREND_WINDOW`] entries of `history`, in order of first appearance.
pub fn trends(history: &[Sample], kinds: &[MetricKind]) -> Result<Vec<Trend>, OptimizerError> {
    let recent = &history[history.len().saturating_sub(TREND_WINDOW)..];
    let sample_kinds = kinds_of(recent, kinds)?;
    let mut order: Vec<(usize, MetricKind)> = Vec::new();
    for (s, &kind) in recent.iter().zip(&sample_kinds) {
        if !order.iter().any(|&(m, _)| m == s.metric) {
            order.push((s.metric, kind));
        }
    }
    let mut rows: Vec<(i64, f64)> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut out = Vec::new();
    for (metric, kind) in order {
        rows.clear();
        rows.extend(
            recent
                .iter()
                .filter(|s| s.metric == metric)
                .map(|s| (s.timestamp, s.value)),
        );
        if rows.len() < MIN_POINTS {
            continue;
        }
        rows.sort_by_key(|&(t, _)| t);
        values.clear();
        values.extend(rows.iter().map(|&(_, v)| v));
        let slope = slope(&values);
        out.push(Trend {
            metric,
            points: values.len(),
            slope,
            flagged: slope.abs() > trend_threshold(kind),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(metric: usize, value: f64, timestamp: i64) -> Sample {
        Sample {
            metric,
            component: 0,
            value,
            timestamp,
        }
    }

    #[test]
    fn an_exact_line_has_its_slope() {
        let v: Vec<f64> = (0..60).map(|i| 3.0 + 0.25 * f64::from(i)).collect();
        assert_eq!(slope(&v), 0.25);
        assert!(slope(&[1.0, f64::NAN, 2.0]).is_nan());
    }

    #[test]
    fn rows_are_sorted_by_time_and_short_metrics_skipped() {
        // Metric 0: 50 rows given newest first, rising 1 per second.
        let mut h: Vec<Sample> = (0..50)
            .rev()
            .map(|i| s(0, f64::from(i), i64::from(i)))
            .collect();
        // Metric 1: 49 rows, too few.
        h.extend((0..49).map(|i| s(1, 0.0, i64::from(i))));
        let kinds = [MetricKind::CrdtOperationLatency, MetricKind::Unknown];
        let t = trends(&h, &kinds).expect("valid");
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].metric, t[0].points, t[0].slope), (0, 50, 1.0));
        assert!(!t[0].flagged, "1.0 is not above CRDT's 1.0");
        let kinds = [MetricKind::WebsocketConnectionLatency, MetricKind::Unknown];
        assert!(trends(&h, &kinds).expect("valid")[0].flagged);
    }

    #[test]
    fn only_the_last_thousand_entries_count() {
        let mut h: Vec<Sample> = (0..50).map(|i| s(0, 1.0, i)).collect();
        h.extend((0..TREND_WINDOW as i64 - 10).map(|i| s(1, 1.0, i)));
        let t = trends(&h, &[MetricKind::Unknown, MetricKind::Unknown]).expect("valid");
        assert_eq!(t.iter().map(|t| t.metric).collect::<Vec<_>>(), [1]);
    }
}
