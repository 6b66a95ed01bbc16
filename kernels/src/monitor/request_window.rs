//! K7.2, K7.3: the metrics collector's internal analytics
//! (`metrics_collector.py` `record_http_request` L335,
//! `_calculate_average_response_time` L500-508, `_calculate_error_rate`
//! L510-516).
//!
//! Every request appends `(time.time(), duration)` to a deque of at most
//! [`KEPT`]; the average takes, oldest first, the durations younger than
//! [`MAX_AGE_SECONDS`] (`now - ts < 300`) and returns `sum / len` (0.0 if
//! none). The error rate is `100 * errors / total` over a status → count
//! dict, errors being the statuses whose text starts with `4` or `5`
//! (0.0 with no requests).

/// Requests the deque keeps.
pub const KEPT: usize = 1_000;
/// Younger than this counts as recent.
pub const MAX_AGE_SECONDS: f64 = 300.0;

/// The deque of `(epoch seconds, duration)`.
#[derive(Debug, Clone)]
pub struct RequestWindow {
    ring: Vec<(f64, f64)>,
    /// Slot of the oldest entry once the ring is full.
    head: usize,
}

impl Default for RequestWindow {
    fn default() -> Self {
        RequestWindow {
            ring: Vec::with_capacity(KEPT),
            head: 0,
        }
    }
}

impl RequestWindow {
    pub fn new() -> Self {
        Self::default()
    }

    /// `self.request_times.append((now, duration))`.
    pub fn record(&mut self, epoch: f64, duration: f64) {
        if self.ring.len() < KEPT {
            self.ring.push((epoch, duration));
        } else {
            self.ring[self.head] = (epoch, duration);
            self.head = (self.head + 1) % KEPT;
        }
    }

    /// `_calculate_average_response_time()` with the clock at `now`.
    pub fn average_response_time(&self, now: f64) -> f64 {
        let (newer, older) = self.ring.split_at(self.head);
        let mut sum = 0.0;
        let mut count = 0usize;
        for &(ts, duration) in older.iter().chain(newer) {
            if now - ts < MAX_AGE_SECONDS {
                sum += duration;
                count += 1;
            }
        }
        if count == 0 { 0.0 } else { sum / count as f64 }
    }
}

/// Whether `str(status)` starts with `4` or `5`.
pub fn is_error_status(status: u16) -> bool {
    let mut first = status;
    while first >= 10 {
        first /= 10;
    }
    first == 4 || first == 5
}

/// `error_counts` (status → count) and its `_calculate_error_rate()`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub total: u64,
    pub errors: u64,
}

impl StatusCounts {
    /// `error_counts[str(status)] += 1`.
    pub fn record(&mut self, status: u16) {
        self.total += 1;
        self.errors += u64::from(is_error_status(status));
    }

    /// `_calculate_error_rate()`.
    pub fn error_rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.errors as f64 / self.total as f64 * 100.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_thousand_younger_than_300_s_count() {
        let mut w = RequestWindow::new();
        assert_eq!(w.average_response_time(0.0), 0.0);
        for k in 0..1_200 {
            w.record(f64::from(k), if k < 200 { 100.0 } else { 1.0 });
        }
        // Kept: 200 … 1199; younger than 300 s at 1,200: ts > 900.
        assert_eq!(w.average_response_time(1_200.0), 1.0);
        assert_eq!(w.average_response_time(10_000.0), 0.0);
        let mut w = RequestWindow::new();
        w.record(0.0, 3.0);
        w.record(0.5, 4.0);
        // 300 s exactly is not younger than 300 s.
        assert_eq!(w.average_response_time(300.0), 4.0);
    }

    #[test]
    fn the_error_rate_reads_the_first_digit() {
        assert!(is_error_status(404) && is_error_status(503) && !is_error_status(304));
        assert!(is_error_status(4) && !is_error_status(200));
        let mut c = StatusCounts::default();
        assert_eq!(c.error_rate(), 0.0);
        for s in [200, 500, 429, 201] {
            c.record(s);
        }
        assert_eq!(c.error_rate(), 50.0);
    }
}
