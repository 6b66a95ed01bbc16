//! K22: the memory optimizer's leak check (`performance_optimizer.py`
//! `MemoryOptimizer.monitor_memory_leaks` L301-326).
//!
//! Each call appends the process RSS in MB (`rss / 1024 / 1024`) to a
//! history cut to its last [`HISTORY`] values. From 10 values on it
//! reports the mean of the 9 newest consecutive differences, summed
//! newest to oldest as the original's loop does (`m[-i] - m[-i-1]`,
//! `i = 1..9`), rounded to 2 places, and `potential_leak` when that mean
//! (unrounded) exceeds 1 MB a measurement.
//!
//! Only the last 10 values matter to the trend and the count saturates at
//! [`HISTORY`], so the twin keeps a ring of 10 and a counter.

use super::py_round;

/// Measurements the original keeps.
pub const HISTORY: usize = 100;
/// Measurements the trend needs.
pub const TREND_POINTS: usize = 10;

/// One report of `monitor_memory_leaks` (its one-element list).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakReport {
    /// `round(avg_trend, 2)`.
    pub trend_mb: f64,
    /// `avg_trend > 1.0`.
    pub potential_leak: bool,
    pub current_mb: f64,
    pub measurements: usize,
}

/// The monitor's history, as far as its answers depend on it.
#[derive(Debug, Clone, Default)]
pub struct LeakMonitor {
    ring: [f64; TREND_POINTS],
    /// Measurements ever taken (the ring slot of the next one is
    /// `taken % TREND_POINTS`).
    taken: usize,
}

impl LeakMonitor {
    pub fn new() -> Self {
        Self::default()
    }

    /// One call with the process at `rss_bytes`.
    pub fn monitor(&mut self, rss_bytes: f64) -> Option<LeakReport> {
        let current_mb = rss_bytes / 1024.0 / 1024.0;
        self.ring[self.taken % TREND_POINTS] = current_mb;
        self.taken += 1;
        if self.taken < TREND_POINTS {
            return None;
        }
        // m[-i] is ring[(taken - i) % 10].
        let at = |i: usize| self.ring[(self.taken - i) % TREND_POINTS];
        let mut sum = 0.0;
        for i in 1..TREND_POINTS {
            sum += at(i) - at(i + 1);
        }
        let avg = sum / (TREND_POINTS - 1) as f64;
        Some(LeakReport {
            trend_mb: py_round(avg, 2),
            potential_leak: avg > 1.0,
            current_mb,
            measurements: self.taken.min(HISTORY),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1_048_576.0;

    #[test]
    fn nine_calls_report_nothing_the_tenth_reports() {
        let mut m = LeakMonitor::new();
        for k in 0..9 {
            assert_eq!(m.monitor(f64::from(k) * 2.0 * MB), None);
        }
        let r = m.monitor(18.0 * MB).expect("ten measurements");
        assert_eq!(
            (r.trend_mb, r.potential_leak, r.measurements),
            (2.0, true, 10)
        );
    }

    #[test]
    fn the_count_saturates_and_the_trend_follows_the_newest_ten() {
        let mut m = LeakMonitor::new();
        let mut last = None;
        for k in 0..150 {
            let rss = if k < 140 {
                100.0 * MB
            } else {
                (100.0 + f64::from(k - 139)) * MB
            };
            last = m.monitor(rss);
        }
        let r = last.expect("report");
        assert_eq!(r.measurements, HISTORY);
        // Newest ten: 100 (k=139), 101 … 110: nine differences of 1.0.
        assert_eq!((r.trend_mb, r.potential_leak), (1.0, false));
    }

    #[test]
    fn nan_and_infinity_flow_through_like_python() {
        let mut m = LeakMonitor::new();
        for _ in 0..9 {
            m.monitor(MB);
        }
        let r = m.monitor(f64::INFINITY).expect("report");
        assert_eq!((r.trend_mb, r.potential_leak), (f64::INFINITY, true));
        let r = m.monitor(f64::NAN).expect("report");
        assert!(r.trend_mb.is_nan() && !r.potential_leak);
    }
}
