//! Search-flood detector (catalog ml_monitoring K1.2,
//! `GraphMemoryAnomalyPatterns.detect_search_anomalies`, anomaly_detector.py
//! L108-132 at `9455c19`).
//!
//! The original differences the `graphmemory_search_operations_total`
//! counter (`diff().fillna(0)`: the first row and any difference touching a
//! NaN become 0), takes the 95th percentile of those rates
//! (`Series.quantile(0.95)`: numpy's linear percentile) and reports every
//! row whose rate exceeds twice it (strict), severity always `high`, with
//! the row's timestamp and a description.
//!
//! The rates are never stored: one pass over the counter keeps the ~7% of
//! rates the percentile can be among (see [`crate::quantile`]), a selection
//! on those finds the two order statistics, one more pass finds the floods.
//! The same arithmetic as pandas', so the same bits.

use std::fmt::Write as _;

use super::{TimestampError, Timestamps};
use crate::quantile::{Bracket, percentile_linear};

/// One record of the original's result list.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchFlood {
    pub index: usize,
    /// The row's `timestamp` (nanoseconds since the epoch).
    pub timestamp_ns: i64,
    /// The row's rate: this count minus the previous one.
    pub rate: f64,
    /// The 95th percentile of all rates (the original's `threshold`, not
    /// the doubled value the rule compares with).
    pub threshold: f64,
    /// `rate − 2·threshold`: how far past the rule the row is.
    pub margin: f64,
    /// `"Search flood detected: {rate:.0f} searches/sec vs normal {threshold:.0f}"`.
    pub description: String,
}

impl SearchFlood {
    /// The original's `type` and `severity`, the same for every record.
    pub const TYPE: &'static str = "search_flood";
    pub const SEVERITY: &'static str = "high";
}

/// Row `i` of `counter.diff().fillna(0)`; `i < counter.len()`.
fn rate_at(counter: &[f64], i: usize) -> f64 {
    if i == 0 {
        return 0.0;
    }
    let rate = counter[i] - counter[i - 1];
    if rate.is_nan() { 0.0 } else { rate }
}

/// `counter.diff().fillna(0)`.
pub fn rates(counter: &[f64]) -> Vec<f64> {
    (0..counter.len()).map(|i| rate_at(counter, i)).collect()
}

/// The original's records, in row order. An empty counter has no
/// percentile (pandas: NaN), so nothing fires.
pub fn search_floods(
    counter: &[f64],
    timestamps: Timestamps,
) -> Result<Vec<SearchFlood>, TimestampError> {
    let rate = |i: usize| rate_at(counter, i);
    let n = counter.len();
    // One pass keeps the rates the percentile can be among, with their
    // rows; every flood (rate > 2·q95 ≥ q95 ≥ the bracket's bound, when
    // q95 ≥ 0) is among them, so the flood scan needs only those rows.
    let (threshold, rows) = match Bracket::new(n, &rate, 95.0) {
        Some(bracket) => {
            let (kept, rows) = keep_at_or_above(counter, bracket.lower());
            let mut kept = kept;
            let below = n - kept.len();
            match bracket.finish(&mut kept, below) {
                Some(threshold) => (threshold, Some(rows)),
                None => (percentile_linear(&mut rates(counter), 95.0), None),
            }
        }
        None => (percentile_linear(&mut rates(counter), 95.0), None),
    };
    let Some(threshold) = threshold else {
        return Ok(Vec::new());
    };
    let limit = threshold * 2.0;
    let mut floods = Vec::new();
    let mut consider = |index: usize| -> Result<(), TimestampError> {
        let rate = rate(index);
        if rate > limit {
            floods.push(SearchFlood {
                index,
                timestamp_ns: timestamps.stamp(index)?,
                rate,
                threshold,
                margin: rate - limit,
                description: describe(rate, threshold),
            });
        }
        Ok(())
    };
    match rows {
        Some(rows) if threshold >= 0.0 => rows.into_iter().try_for_each(&mut consider)?,
        _ => (0..n).try_for_each(&mut consider)?,
    }
    Ok(floods)
}

/// Rows per block of [`keep_at_or_above`]'s branch-free filter.
const BLOCK: usize = 2048;

/// The rates at or above `lower` (and any NaN, which the percentile must
/// see) with their rows, in row order. Branch-free within a block: every
/// rate is written to the block's scratch and the write position advances
/// only for kept ones, so the ~7% kept do not cost a misprediction each.
fn keep_at_or_above(counter: &[f64], lower: f64) -> (Vec<f64>, Vec<usize>) {
    let n = counter.len();
    let mut kept = Vec::with_capacity(n / 8);
    let mut rows = Vec::with_capacity(n / 8);
    let mut block_rates = [0.0f64; BLOCK];
    let mut block_rows = [0usize; BLOCK];
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let mut k = 0;
        for i in start..end {
            let r = rate_at(counter, i);
            block_rates[k] = r;
            block_rows[k] = i;
            k += usize::from(r >= lower || r.is_nan());
        }
        kept.extend_from_slice(&block_rates[..k]);
        rows.extend_from_slice(&block_rows[..k]);
        start = end;
    }
    (kept, rows)
}

/// Python's `f"...{rate:.0f} searches/sec vs normal {threshold:.0f}"`
/// (both round the exact binary value, ties to even).
fn describe(rate: f64, threshold: f64) -> String {
    let mut text = String::with_capacity(64);
    let _ = write!(
        text,
        "Search flood detected: {rate:.0} searches/sec vs normal {threshold:.0}"
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: Timestamps = Timestamps {
        origin_ns: 0,
        step_ns: 1,
    };

    /// pandas 2.2.3: `s = pd.Series([0, 10, 20, 30, 40, 50, 60, 70, 80, 90,
    /// 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 400.0])`;
    /// `r = s.diff().fillna(0)`; `r.quantile(0.95)` = 10.0, so only row 20
    /// (rate 210) exceeds 20.
    #[test]
    fn one_burst_in_a_steady_counter_fires() {
        let mut counter: Vec<f64> = (0..20).map(|i| f64::from(i) * 10.0).collect();
        counter.push(400.0);
        let floods = search_floods(&counter, GRID).expect("stamped");
        assert_eq!(floods.len(), 1);
        assert_eq!(
            (floods[0].index, floods[0].rate, floods[0].threshold),
            (20, 210.0, 10.0)
        );
        assert_eq!(
            floods[0].description,
            "Search flood detected: 210 searches/sec vs normal 10"
        );
    }

    #[test]
    fn empty_single_and_flat_counters_never_fire() {
        assert!(search_floods(&[], GRID).expect("ok").is_empty());
        assert!(search_floods(&[5.0], GRID).expect("ok").is_empty());
        assert!(search_floods(&[5.0; 50], GRID).expect("ok").is_empty());
    }

    /// A NaN count makes both of its differences NaN, which `fillna(0)`
    /// turns into 0; with q95 = 0 any positive rate then fires.
    #[test]
    fn nan_differences_become_zero() {
        assert_eq!(rates(&[1.0, f64::NAN, 3.0, 4.0]), [0.0, 0.0, 0.0, 1.0]);
        // pandas: 29 zero rates and one 1.0, q95 = 0, so the 1.0 fires.
        let mut counter = vec![1.0; 29];
        counter[3] = f64::NAN;
        counter.push(2.0);
        let floods = search_floods(&counter, GRID).expect("ok");
        assert_eq!(
            floods
                .iter()
                .map(|f| (f.index, f.threshold))
                .collect::<Vec<_>>(),
            [(29, 0.0)]
        );
    }
}
