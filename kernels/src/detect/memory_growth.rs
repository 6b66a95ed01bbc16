//! Memory-growth detector (catalog ml_monitoring K1.3,
//! `GraphMemoryAnomalyPatterns.detect_memory_growth_anomalies`,
//! anomaly_detector.py L134-157 at `9455c19`).
//!
//! The original computes `node_count.pct_change().fillna(0)` and reports
//! every row growing by more than 10% (strict), `critical` above 20%.
//!
//! `pct_change` is version-sensitive: pandas 2.2 (the pins these twins are
//! checked against) first forward-fills NaNs (`fill_method='pad'`,
//! deprecated since 2.1 with a FutureWarning that only appears when there is
//! a NaN after the first value) and then divides each value by the previous
//! one, minus 1; pandas 3 no longer fills. The twin does what 2.2 does:
//! after a NaN the growth is measured from the last number seen, so a gap
//! in the series does not hide a jump across it. `x / 0 − 1` is +inf (fires
//! as critical) and `0 / 0 − 1` is NaN (filled with 0), as in pandas.

use std::fmt::Write as _;

use super::{TimestampError, Timestamps};

/// How much growth between two rows is an anomaly, and how much is critical.
const GROWTH_LIMIT: f64 = 0.1;
const CRITICAL_GROWTH: f64 = 0.2;

/// The original's two severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrowthSeverity {
    High,
    Critical,
}

/// One record of the original's result list.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryGrowth {
    pub index: usize,
    /// The row's `timestamp` (nanoseconds since the epoch).
    pub timestamp_ns: i64,
    /// This count ÷ the previous (forward-filled) count − 1.
    pub growth_rate: f64,
    pub severity: GrowthSeverity,
    /// `growth_rate − 0.1`: how far past the rule the row is.
    pub margin: f64,
    /// `"Exponential memory growth: {growth_rate:.1%} increase"`.
    pub description: String,
}

impl MemoryGrowth {
    /// The original's `type`, the same for every record.
    pub const TYPE: &'static str = "memory_growth_anomaly";
}

/// `pct_change()` as pandas 2.2 computes it, then `fillna(0)`.
pub fn growth_rates(counts: &[f64]) -> Vec<f64> {
    let mut previous = f64::NAN;
    counts
        .iter()
        .map(|&c| growth_from(&mut previous, c))
        .collect()
}

/// A screen without the division: with a normal positive previous value,
/// `count ≤ 1.09·previous` bounds the rounded `count / previous − 1` below
/// 0.09 + 2⁻⁵⁰ < 0.1 (each rounding is relative, at most 2⁻⁵³), so the row
/// cannot fire. Anything else (NaN, zero, negative, subnormal previous) is
/// left to the exact computation. Most rows of a slowly growing count are
/// ruled out by one multiply and one compare.
fn cannot_fire(previous: f64, count: f64) -> bool {
    previous >= f64::MIN_POSITIVE && count <= 1.09 * previous
}

/// One row of [`growth_rates`]; `previous` is the forward-filled previous
/// value (NaN until the first number) and moves on to this row's.
fn growth_from(previous: &mut f64, count: f64) -> f64 {
    let filled = if count.is_nan() { *previous } else { count };
    let rate = filled / *previous - 1.0;
    *previous = filled;
    if rate.is_nan() { 0.0 } else { rate }
}

/// The original's records, in row order.
pub fn memory_growth_anomalies(
    counts: &[f64],
    timestamps: Timestamps,
) -> Result<Vec<MemoryGrowth>, TimestampError> {
    let mut anomalies = Vec::new();
    let mut previous = f64::NAN;
    for (index, &count) in counts.iter().enumerate() {
        if cannot_fire(previous, count) {
            previous = if count.is_nan() { previous } else { count };
            continue;
        }
        let growth_rate = growth_from(&mut previous, count);
        if growth_rate > GROWTH_LIMIT {
            anomalies.push(MemoryGrowth {
                index,
                timestamp_ns: timestamps.stamp(index)?,
                growth_rate,
                severity: if growth_rate > CRITICAL_GROWTH {
                    GrowthSeverity::Critical
                } else {
                    GrowthSeverity::High
                },
                margin: growth_rate - GROWTH_LIMIT,
                description: describe(growth_rate),
            });
        }
    }
    Ok(anomalies)
}

/// Python's `f"{growth_rate:.1%}"`: the value times 100 (in floating
/// point), fixed with one decimal (ties to even on the exact binary value),
/// then `%`.
fn describe(growth_rate: f64) -> String {
    let mut text = String::with_capacity(48);
    let percent = growth_rate * 100.0;
    let _ = write!(text, "Exponential memory growth: {percent:.1}% increase");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: Timestamps = Timestamps {
        origin_ns: 0,
        step_ns: 1,
    };

    /// pandas 2.2.3: `pd.Series([100, 115, 140, 140, nan, 160, 0, 0, 5.0])
    /// .pct_change().fillna(0)` = [0, 0.1499999999999999, 0.21739130434782616, 0, 0,
    /// 0.1428571428571428, -1, 0, inf] (with a FutureWarning for the NaN).
    #[test]
    fn growth_is_measured_across_gaps_and_from_zero() {
        let counts = [100.0, 115.0, 140.0, 140.0, f64::NAN, 160.0, 0.0, 0.0, 5.0];
        let rates = growth_rates(&counts);
        assert_eq!(
            rates,
            [
                0.0,
                0.149_999_999_999_999_9,
                0.217_391_304_347_826_16,
                0.0,
                0.0,
                0.142_857_142_857_142_8,
                -1.0,
                0.0,
                f64::INFINITY
            ]
        );
        let found = memory_growth_anomalies(&counts, GRID).expect("stamped");
        let summary: Vec<(usize, GrowthSeverity)> =
            found.iter().map(|a| (a.index, a.severity)).collect();
        assert_eq!(
            summary,
            [
                (1, GrowthSeverity::High),
                (2, GrowthSeverity::Critical),
                (5, GrowthSeverity::High),
                (8, GrowthSeverity::Critical)
            ]
        );
        assert_eq!(
            found[0].description,
            "Exponential memory growth: 15.0% increase"
        );
        assert_eq!(
            found[3].description,
            "Exponential memory growth: inf% increase"
        );
    }

    /// The screen never rules out a row the exact rule fires on, including
    /// rows right at the 10% boundary and subnormal counts.
    #[test]
    fn the_screen_only_rules_out_rows_that_cannot_fire() {
        let mut counts = Vec::new();
        for base in [1.0, 3.7, 1e-300, 1e300, 123_456.789, f64::MIN_POSITIVE] {
            for step in -2000..2000 {
                let factor = 1.1 + f64::from(step) * 1e-16;
                counts.push(base);
                counts.push(base * factor);
            }
        }
        counts.extend([1e-320, 1.1e-320, 5e-324, 1e-323, 0.0, 1.0, -1.0, -1.2]);
        let screened = memory_growth_anomalies(&counts, GRID).expect("stamped");
        let exact: Vec<usize> = growth_rates(&counts)
            .iter()
            .enumerate()
            .filter(|&(_, &g)| g > GROWTH_LIMIT)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(screened.iter().map(|a| a.index).collect::<Vec<_>>(), exact);
    }

    #[test]
    fn empty_constant_and_leading_nan_series_never_fire() {
        assert!(memory_growth_anomalies(&[], GRID).expect("ok").is_empty());
        assert!(
            memory_growth_anomalies(&[7.0; 30], GRID)
                .expect("ok")
                .is_empty()
        );
        assert_eq!(
            growth_rates(&[f64::NAN, f64::NAN, 1.0, 2.0]),
            [0.0, 0.0, 0.0, 1.0]
        );
    }
}
