//! K5.6 `get_performance_summary`: per metric among the last
//! [`SUMMARY_WINDOW`] history entries, `{name}_avg` (`np.mean` of its
//! values, in history order) and `{name}_latest` (its last value).
//!
//! The mean is numpy's pairwise sum divided by the count
//! ([`crate::numpy_sum`]), so it is bit-identical to the original's.

use super::Sample;
use crate::numpy_sum::numpy_mean as mean;

/// Recent history entries the summary reads.
pub const SUMMARY_WINDOW: usize = 100;

/// One metric's summary figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    pub metric: usize,
    pub count: usize,
    pub mean: f64,
    pub latest: f64,
}

/// The summary of every metric among the last [`SUMMARY_WINDOW`] entries,
/// by increasing metric index (the original's dict has no meaningful order:
/// its keys come from a `set`).
pub fn summary(history: &[Sample]) -> Vec<MetricSummary> {
    let recent = &history[history.len().saturating_sub(SUMMARY_WINDOW)..];
    let mut metrics: Vec<usize> = recent.iter().map(|s| s.metric).collect();
    metrics.sort_unstable();
    metrics.dedup();
    let mut values = Vec::with_capacity(recent.len());
    metrics
        .into_iter()
        .filter_map(|metric| {
            values.clear();
            values.extend(
                recent
                    .iter()
                    .filter(|s| s.metric == metric)
                    .map(|s| s.value),
            );
            let latest = *values.last()?;
            Some(MetricSummary {
                metric,
                count: values.len(),
                mean: mean(&values),
                latest,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(metric: usize, value: f64) -> Sample {
        Sample {
            metric,
            component: 0,
            value,
            timestamp: 0,
        }
    }

    #[test]
    fn mean_and_latest_over_the_last_hundred() {
        let mut h: Vec<Sample> = (0..10).map(|_| s(2, 1e9)).collect();
        h.extend((0..100).map(|i| s(i % 2, f64::from(i as u32))));
        let out = summary(&h);
        assert_eq!(out.len(), 2, "metric 2 is older than the window");
        assert_eq!((out[0].metric, out[0].count, out[0].latest), (0, 50, 98.0));
        assert_eq!(out[0].mean, 49.0);
        assert_eq!((out[1].metric, out[1].latest, out[1].mean), (1, 99.0, 50.0));
        assert!(summary(&[]).is_empty());
    }
}
