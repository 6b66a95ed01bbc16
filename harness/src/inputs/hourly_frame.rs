//! Hourly metric frames with their timestamps: the forecasting engine's
//! training data (catalog ml_monitoring.md §2).

use super::SplitMix64;

/// One row per sample: a naive wall-clock timestamp and one value per
/// metric.
#[derive(Debug, Clone, PartialEq)]
pub struct TimestampedFrame {
    /// Seconds since 1970-01-01T00:00:00 of each row's naive wall-clock
    /// time (no time zone: pandas' `to_datetime` of the original's naive
    /// stamps; Python builds `datetime64[s]` from them, never a local time).
    pub timestamps: Vec<i64>,
    pub rows: usize,
    pub cols: usize,
    /// Row `i` is `values[i * cols..(i + 1) * cols]`.
    pub values: Vec<f64>,
}

/// 2026-01-20T00:00:00: a month boundary falls within the first 300 rows,
/// so every size's calendar features change month.
pub const FRAME_ORIGIN: i64 = 1_768_867_200;
const HOUR: i64 = 3_600;
/// Share of hours missing from the stream (a scrape that failed): the
/// original treats rows as consecutive hours regardless.
const GAP_RATE: f64 = 0.01;

/// `rows` hourly samples of `cols` metrics, as `_fetch_training_data`
/// synthesises them (a 24-hour sinusoid plus noise, clipped at 0) with a
/// level, amplitude, weekly swing and drift per metric, and about 1% of the
/// hours missing.
pub fn hourly_frame(rows: usize, cols: usize, rng: &mut SplitMix64) -> TimestampedFrame {
    let shapes: Vec<[f64; 5]> = (0..cols)
        .map(|_| {
            let level = 10.0 + 990.0 * rng.unit();
            [
                level,
                level * (0.1 + 0.4 * rng.unit()),
                level * 0.3 * rng.unit(),
                level * 1e-4 * (2.0 * rng.unit() - 1.0),
                level * (0.02 + 0.1 * rng.unit()),
            ]
        })
        .collect();
    let mut timestamps = Vec::with_capacity(rows);
    let mut values = Vec::with_capacity(rows * cols);
    let mut hour = 0i64;
    for _ in 0..rows {
        while rng.unit() < GAP_RATE {
            hour += 1;
        }
        timestamps.push(FRAME_ORIGIN + hour * HOUR);
        let daily = std::f64::consts::TAU * (hour % 24) as f64 / 24.0;
        let weekly = std::f64::consts::TAU * (hour % 168) as f64 / 168.0;
        for [level, amplitude, weekly_swing, drift, noise] in &shapes {
            let value = level
                + amplitude * daily.sin()
                + weekly_swing * weekly.cos()
                + drift * hour as f64
                + noise * rng.normal();
            values.push(value.max(0.0));
        }
        hour += 1;
    }
    TimestampedFrame {
        timestamps,
        rows,
        cols,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_increase_by_whole_hours_with_a_few_gaps() {
        let frame = hourly_frame(5_000, 3, &mut SplitMix64::new(3));
        assert_eq!(frame.values.len(), 15_000);
        assert!(frame.values.iter().all(|v| *v >= 0.0));
        let steps: Vec<i64> = frame.timestamps.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(steps.iter().all(|s| s % HOUR == 0 && *s >= HOUR));
        let gaps = steps.iter().filter(|s| **s > HOUR).count();
        assert!((20..100).contains(&gaps), "{gaps} gaps");
    }
}
