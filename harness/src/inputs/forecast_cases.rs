//! Forecast cases: what `forecast_metric` and the capacity planner are given
//! once the models are fitted (the model choice's two R², the raw
//! prediction, the clock, the hours ahead, the resource's current value).
//! Post-processing is compared exactly on these, with the same raw
//! prediction on both sides.

use super::{FRAME_ORIGIN, FeatureMatrix, SplitMix64};

/// Columns of a case, in order: metric index (into the baseline's
/// `CASE_METRICS`), hours ahead, clock (seconds of naive wall-clock time),
/// linear R² (NaN: no model), forest R² (NaN: no model), raw prediction,
/// current value.
pub const CASE_COLUMNS: usize = 7;
/// Metric names the baseline's `CASE_METRICS` lists; the harness names
/// them too (the forecast pairs), so their count is fixed here.
pub const CASE_METRIC_COUNT: u64 = 8;

/// The scale of each metric's values: usage in percent, counts, seconds.
fn scale(metric: u64) -> f64 {
    match metric {
        0..=2 => 120.0,
        3 => 15_000.0,
        4 => 1_500.0,
        5 => 200.0,
        6 => 4.0,
        _ => 10_000.0,
    }
}

/// `rows` cases: 10% with hours ahead 0 (the original's `or` turns it into
/// 24), clocks anywhere in the year after 2026-01-20 (month ends and
/// daylight-saving days included), 10% of each model missing, 10% of
/// forest R² tied with the linear one, R² of exactly 1 and 0.5, and 5% of
/// predictions 0 or negative.
pub fn forecast_cases(rows: usize, rng: &mut SplitMix64) -> FeatureMatrix {
    let mut data = Vec::with_capacity(rows * CASE_COLUMNS);
    for _ in 0..rows {
        let metric = rng.below(CASE_METRIC_COUNT);
        let hours = if rng.unit() < 0.1 {
            0
        } else {
            1 + rng.below(72)
        };
        let now = FRAME_ORIGIN + rng.below(366 * 24 * 3_600) as i64;
        let r2 = |rng: &mut SplitMix64| match rng.below(10) {
            0 => f64::NAN,
            1 => 1.0,
            2 => 0.5,
            _ => 1.5 * rng.unit() - 0.5,
        };
        let linear = r2(rng);
        let forest = if rng.unit() < 0.1 { linear } else { r2(rng) };
        let prediction = match rng.below(20) {
            0 => 0.0,
            1 => -scale(metric) * rng.unit(),
            _ => scale(metric) * rng.unit(),
        };
        let current = scale(metric) * rng.unit();
        data.extend([
            metric as f64,
            hours as f64,
            now as f64,
            linear,
            forest,
            prediction,
            current,
        ]);
    }
    FeatureMatrix {
        rows,
        cols: CASE_COLUMNS,
        data,
        outliers: vec![false; rows],
        clusters: vec![0; rows],
    }
}
