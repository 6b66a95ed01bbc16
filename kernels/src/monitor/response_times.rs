//! K23, K24, K19: the response-time optimizer's windows and summary
//! (`performance_optimizer.py` `ResponseTimeOptimizer` L329-378,
//! `get_current_metrics` L474-504, `PerformanceMetrics` L38-44).
//!
//! Recording keeps per endpoint the last [`WINDOW`] response times and,
//! for each time above [`SLOW_SECONDS`], a slow record, of which the last
//! [`SLOW_KEPT`] are kept. The summary gives per endpoint (in order of
//! first appearance) the mean, `min` and `max` rounded to 3 places, the
//! count, and `round(sorted(times)[int(n*0.95)], 3)` when `n > 20`; and
//! the last [`SLOW_REPORTED`] slow records. `get_current_metrics`
//! concatenates the last [`RECENT`] times of each endpoint and
//! `get_avg_response_time` averages them (0 when none).
//!
//! The twin computes the final state directly: the windows are the last
//! samples of each endpoint, found by scanning the stream backwards, and
//! the slow records kept are the last ones over the threshold. Nothing
//! in the answer depends on the states in between.

use super::{MonitorError, first_nan, py_max, py_min, py_round, rank_index};

/// Response times kept per endpoint.
pub const WINDOW: usize = 1_000;
/// Strictly slower than this is slow.
pub const SLOW_SECONDS: f64 = 2.0;
/// Slow records kept.
pub const SLOW_KEPT: usize = 100;
/// Slow records the summary reports.
pub const SLOW_REPORTED: usize = 10;
/// The p95 needs more samples than this.
pub const P95_MIN_EXCLUSIVE: usize = 20;
/// Times per endpoint in `get_current_metrics`' list.
pub const RECENT: usize = 10;

/// One endpoint's line of the summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EndpointStats {
    pub endpoint: u32,
    pub avg: f64,
    pub min: f64,
    pub max: f64,
    pub request_count: usize,
    pub p95: Option<f64>,
}

/// A slow request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlowRecord {
    pub endpoint: u32,
    pub response_time: f64,
}

/// `get_performance_summary()` with `get_current_metrics`' response times.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseSummary {
    /// In order of first appearance.
    pub endpoints: Vec<EndpointStats>,
    /// Oldest first, at most [`SLOW_REPORTED`].
    pub slow: Vec<SlowRecord>,
    /// The last [`RECENT`] times of each endpoint, concatenated.
    pub recent: Vec<f64>,
    /// Their mean (K19), 0 when there are none.
    pub recent_avg: f64,
}

/// Every sample `(endpoints[i], times[i])` recorded in order, then the
/// summary. Endpoint codes must be below `endpoint_count`.
///
/// Refuses a window of more than 20 samples holding NaN (its p95 would be
/// an element of a NaN-holding sort: [`MonitorError::Unordered`]).
pub fn summarize(
    endpoints: &[u32],
    times: &[f64],
    endpoint_count: usize,
) -> Result<ResponseSummary, MonitorError> {
    let n = endpoints.len().min(times.len());
    // Order of first appearance.
    let mut seen = vec![false; endpoint_count];
    let mut order = Vec::with_capacity(endpoint_count);
    for &e in &endpoints[..n] {
        let e = e as usize;
        if !seen[e] {
            seen[e] = true;
            order.push(e as u32);
            if order.len() == endpoint_count {
                break;
            }
        }
    }
    // Windows, newest first, by a backward scan that stops once every
    // window is full and the reported slow records are found.
    let mut windows: Vec<Vec<f64>> = vec![Vec::new(); endpoint_count];
    let mut open = order.len();
    let mut slow = Vec::with_capacity(SLOW_REPORTED);
    for i in (0..n).rev() {
        if open == 0 && slow.len() == SLOW_REPORTED {
            break;
        }
        let (e, t) = (endpoints[i] as usize, times[i]);
        let window = &mut windows[e];
        if window.len() < WINDOW {
            if window.capacity() == 0 {
                window.reserve_exact(WINDOW);
            }
            window.push(t);
            if window.len() == WINDOW {
                open -= 1;
            }
        }
        if t > SLOW_SECONDS && slow.len() < SLOW_REPORTED {
            slow.push(SlowRecord {
                endpoint: e as u32,
                response_time: t,
            });
        }
    }
    slow.reverse();
    let mut stats = Vec::with_capacity(order.len());
    let mut recent = Vec::with_capacity(order.len() * RECENT);
    for &e in &order {
        let window = &mut windows[e as usize];
        let count = window.len();
        let mut sum = 0.0;
        for &t in window.iter().rev() {
            sum += t;
        }
        let min = py_min(window.iter().rev().copied()).unwrap_or(f64::NAN);
        let max = py_max(window.iter().rev().copied()).unwrap_or(f64::NAN);
        recent.extend(window[..count.min(RECENT)].iter().rev());
        let p95 = if count > P95_MIN_EXCLUSIVE {
            if let Some(at) = first_nan(window) {
                return Err(MonitorError::Unordered { at });
            }
            let k = rank_index(count, 0.95);
            let (_, nth, _) = window.select_nth_unstable_by(k, f64::total_cmp);
            Some(py_round(*nth, 3))
        } else {
            None
        };
        stats.push(EndpointStats {
            endpoint: e,
            avg: py_round(sum / count as f64, 3),
            min: py_round(min, 3),
            max: py_round(max, 3),
            request_count: count,
            p95,
        });
    }
    let recent_avg = if recent.is_empty() {
        0.0
    } else {
        let mut sum = 0.0;
        for &t in &recent {
            sum += t;
        }
        sum / recent.len() as f64
    };
    Ok(ResponseSummary {
        endpoints: stats,
        slow,
        recent,
        recent_avg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_needs_21_samples() {
        let times: Vec<f64> = (0..20).map(|k| f64::from(k) / 10.0).collect();
        let s = summarize(&[0; 20], &times, 1).expect("ok");
        assert_eq!(s.endpoints[0].p95, None);
        let times: Vec<f64> = (0..21).rev().map(|k| f64::from(k) / 10.0).collect();
        let s = summarize(&[0; 21], &times, 1).expect("ok");
        // sorted index int(21 * 0.95) = 19: the 20th smallest, 1.9.
        assert_eq!(s.endpoints[0].p95, Some(1.9));
    }

    #[test]
    fn the_window_keeps_the_last_thousand() {
        let times: Vec<f64> = (0..1_500).map(f64::from).collect();
        let s = summarize(&vec![0; 1_500], &times, 1).expect("ok");
        let e = s.endpoints[0];
        assert_eq!((e.request_count, e.min, e.max), (1_000, 500.0, 1_499.0));
        assert_eq!(e.p95, Some(1_450.0));
        assert_eq!(s.recent, (1_490..1_500).map(f64::from).collect::<Vec<_>>());
        // Slow records: every time > 2.0 counts, the last 10 are reported.
        assert_eq!(s.slow.len(), SLOW_REPORTED);
        assert_eq!(s.slow[0].response_time, 1_490.0);
    }

    #[test]
    fn endpoints_in_order_of_first_appearance_and_strictly_slow() {
        let s = summarize(&[2, 0, 2, 1], &[2.0, 2.5, 0.1, 3.0], 3).expect("ok");
        let order: Vec<u32> = s.endpoints.iter().map(|e| e.endpoint).collect();
        assert_eq!(order, [2, 0, 1]);
        assert_eq!(s.slow.len(), 2);
        assert_eq!(s.recent, [2.0, 0.1, 2.5, 3.0]);
        assert_eq!(s.recent_avg, (2.0 + 0.1 + 2.5 + 3.0) / 4.0);
        assert_eq!(s.endpoints[0].avg, 1.05);
    }

    #[test]
    fn nan_is_refused_only_where_a_p95_is_taken() {
        let mut times = vec![0.5; 21];
        times[3] = f64::NAN;
        assert!(summarize(&[0; 21], &times, 1).is_err());
        let s = summarize(&[0; 20], &times[..20], 1).expect("no p95");
        assert!(s.endpoints[0].avg.is_nan());
        assert_eq!(s.endpoints[0].min, 0.5);
    }

    #[test]
    fn no_samples_no_endpoints() {
        let s = summarize(&[], &[], 4).expect("ok");
        assert!(s.endpoints.is_empty() && s.slow.is_empty());
        assert_eq!(s.recent_avg, 0.0);
    }
}
