//! The records `GraphMemoryAnomalyPatterns.detect_node_creation_anomalies`
//! returns (catalog ml_monitoring K1.1; anomaly_detector.py L96-104 at
//! `9455c19`): per spike the row's timestamp, the value, the rolling mean as
//! `baseline`, the severity and a description string.
//!
//! The original builds these dicts inside its timed loop (eight scalar
//! `.loc` lookups and one f-string per hit), so the twin builds the same
//! records rather than stopping at the spike positions: a twin that skipped
//! them would do less than the original's answer requires.

use std::fmt::Write as _;

use super::spike::Spike;

/// The frame's `timestamp` column as a regular grid: row `i` is stamped
/// `origin_ns + i · step_ns` nanoseconds since the Unix epoch (pandas
/// `datetime64[ns]`, one row per fetch of the monitor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamps {
    pub origin_ns: i64,
    pub step_ns: i64,
}

impl Timestamps {
    /// Row `index`'s stamp, or the error every detector reports for a row
    /// the grid cannot stamp.
    pub fn stamp(self, index: usize) -> Result<i64, TimestampError> {
        self.at(index).ok_or(TimestampError {
            index,
            origin_ns: self.origin_ns,
            step_ns: self.step_ns,
        })
    }

    /// Row `index`'s stamp, or `None` if it does not fit in an `i64` (pandas
    /// would have refused such a column).
    pub fn at(self, index: usize) -> Option<i64> {
        i64::try_from(index)
            .ok()
            .and_then(|i| i.checked_mul(self.step_ns))
            .and_then(|offset| offset.checked_add(self.origin_ns))
    }

    /// The row a stamp belongs to, `None` when it lies on no row.
    pub fn row(self, timestamp_ns: i64) -> Option<usize> {
        let offset = timestamp_ns.checked_sub(self.origin_ns)?;
        if self.step_ns <= 0 || offset < 0 || offset % self.step_ns != 0 {
            return None;
        }
        usize::try_from(offset / self.step_ns).ok()
    }
}

/// One record of the original's result list.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeCreationAnomaly {
    pub spike: Spike,
    /// The row's `timestamp` (nanoseconds since the epoch).
    pub timestamp_ns: i64,
    /// `"Unusual spike in node creation: {value:.0f} vs baseline {baseline:.0f}"`.
    pub description: String,
}

impl NodeCreationAnomaly {
    /// The original's `type` field, the same for every record.
    pub const TYPE: &'static str = "node_creation_spike";
}

/// A spike at a row the timestamp grid cannot stamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {index} has no timestamp on the grid (origin {origin_ns} ns, step {step_ns} ns)")]
pub struct TimestampError {
    pub index: usize,
    pub origin_ns: i64,
    pub step_ns: i64,
}

/// The original's records for `spikes` (in their order).
pub fn node_creation_anomalies(
    spikes: Vec<Spike>,
    timestamps: Timestamps,
) -> Result<Vec<NodeCreationAnomaly>, TimestampError> {
    spikes
        .into_iter()
        .map(|spike| {
            let timestamp_ns = timestamps.stamp(spike.index)?;
            Ok(NodeCreationAnomaly {
                description: describe(spike.value, spike.baseline),
                spike,
                timestamp_ns,
            })
        })
        .collect()
}

/// Python's `f"...{value:.0f} vs baseline {baseline:.0f}"`: both round the
/// exact binary value to an integer, ties to even, and print `-0` for a
/// negative value that rounds to zero.
fn describe(value: f64, baseline: f64) -> String {
    let mut text = String::with_capacity(56);
    let _ = write!(
        text,
        "Unusual spike in node creation: {value:.0} vs baseline {baseline:.0}"
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Severity;

    fn spike(index: usize, value: f64, baseline: f64) -> Spike {
        Spike {
            index,
            value,
            baseline,
            severity: Severity::Medium,
            margin: 0.0,
        }
    }

    const GRID: Timestamps = Timestamps {
        origin_ns: 1_767_225_600_000_000_000,
        step_ns: 60_000_000_000,
    };

    #[test]
    fn descriptions_round_as_python_formats() {
        // python3 -c 'print([f"{x:.0f}" for x in (0.5, 1.5, 2.5, -0.4, 153.14829877, 1e20)])'
        // ['0', '2', '2', '-0', '153', '100000000000000000000']
        for (x, text) in [
            (0.5, "0"),
            (1.5, "2"),
            (2.5, "2"),
            (-0.4, "-0"),
            (153.148_298_77, "153"),
            (1e20, "100000000000000000000"),
        ] {
            assert_eq!(
                describe(x, 103.79),
                format!("Unusual spike in node creation: {text} vs baseline 104")
            );
        }
    }

    #[test]
    fn records_carry_the_rows_timestamps_and_map_back() {
        let records = node_creation_anomalies(vec![spike(0, 1.0, 0.0), spike(500, 2.0, 1.0)], GRID)
            .expect("on the grid");
        assert_eq!(records[1].timestamp_ns, GRID.origin_ns + 500 * GRID.step_ns);
        for r in &records {
            assert_eq!(GRID.row(r.timestamp_ns), Some(r.spike.index));
        }
        assert_eq!(GRID.row(GRID.origin_ns + 1), None);
        assert_eq!(GRID.row(GRID.origin_ns - GRID.step_ns), None);
    }

    #[test]
    fn a_row_beyond_the_grid_is_an_error() {
        let err = node_creation_anomalies(vec![spike(usize::MAX, 1.0, 0.0)], GRID)
            .expect_err("overflows");
        assert_eq!(err.index, usize::MAX);
    }
}
