//! K29: the load tester's result statistics (`load_tester.py`
//! `run_load_test` L163-174, `run_database_load_test` L264-276).
//!
//! The original sorts the response times ascending, then takes the mean
//! of the *sorted* list (so the sum runs in ascending order), `min`,
//! `max`, and the 0-based nearest-rank elements `s[int(n*0.95)]` and
//! `s[int(n*0.99)]`; with no samples every statistic is 0. Requests per
//! second divide the request count by the test's duration (0 when the
//! duration is not positive), the error rate is `failed / total * 100`.

use super::{MonitorError, first_nan, float_keys, rank_index};

/// The statistics of one load test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadTestStats {
    pub total: usize,
    pub successful: usize,
    pub failed: usize,
    pub avg: f64,
    pub min: f64,
    pub max: f64,
    pub p95: f64,
    pub p99: f64,
    pub requests_per_second: f64,
    pub error_rate: f64,
}

/// The statistics of `response_times`, of which `failed` failed, over a
/// test of `duration` seconds. `keys` holds the sort's keys (8 bytes a
/// sample, reused across calls); the sorted values are read back from
/// the keys, never stored.
///
/// Refuses a NaN response time ([`MonitorError::Unordered`]).
pub fn load_test_stats(
    response_times: &[f64],
    failed: usize,
    duration: f64,
    keys: &mut Vec<u64>,
) -> Result<LoadTestStats, MonitorError> {
    let total = response_times.len();
    if let Some(at) = first_nan(response_times) {
        return Err(MonitorError::Unordered { at });
    }
    // Without NaN, the key order is `<`'s except -0.0 before 0.0,
    // which are equal to `<` and add alike: the sum and every rank match.
    let sorted = float_keys::sorted_keys(response_times, keys);
    let at = |rank: usize| float_keys::value(sorted[rank]);
    let (avg, min, max, p95, p99) = if sorted.is_empty() {
        (0.0, 0.0, 0.0, 0.0, 0.0)
    } else {
        let mut sum = 0.0;
        for &k in sorted {
            sum += float_keys::value(k);
        }
        (
            sum / total as f64,
            at(0),
            at(total - 1),
            at(rank_index(total, 0.95)),
            at(rank_index(total, 0.99)),
        )
    };
    let requests_per_second = if duration > 0.0 {
        total as f64 / duration
    } else {
        0.0
    };
    let error_rate = if total > 0 {
        failed as f64 / total as f64 * 100.0
    } else {
        0.0
    };
    Ok(LoadTestStats {
        total,
        successful: total - failed.min(total),
        failed,
        avg,
        min,
        max,
        p95,
        p99,
        requests_per_second,
        error_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_without_interpolation() {
        let times: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = load_test_stats(&times, 5, 10.0, &mut Vec::new()).expect("no NaN");
        assert_eq!((s.p95, s.p99, s.min, s.max), (96.0, 100.0, 1.0, 100.0));
        assert_eq!(s.avg, 50.5);
        assert_eq!((s.requests_per_second, s.error_rate), (10.0, 5.0));
    }

    #[test]
    fn one_sample_is_every_percentile_and_none_is_all_zero() {
        let one = load_test_stats(&[0.3], 0, 0.0, &mut Vec::new()).expect("ok");
        assert_eq!((one.p95, one.p99, one.avg), (0.3, 0.3, 0.3));
        assert_eq!(one.requests_per_second, 0.0);
        let none = load_test_stats(&[], 0, 5.0, &mut Vec::new()).expect("ok");
        assert_eq!((none.avg, none.p95, none.error_rate), (0.0, 0.0, 0.0));
    }

    #[test]
    fn the_mean_sums_in_ascending_order() {
        // In input order 1e16 + 1 + 1 loses both ones; ascending keeps them.
        let s = load_test_stats(&[1e16, 1.0, 1.0], 0, 1.0, &mut Vec::new()).expect("ok");
        assert_eq!(s.avg, (2.0 + 1e16) / 3.0);
    }

    #[test]
    fn nan_is_refused() {
        let err = load_test_stats(&[0.1, f64::NAN], 0, 1.0, &mut Vec::new());
        assert_eq!(err, Err(MonitorError::Unordered { at: 1 }));
    }

    #[test]
    fn infinities_sort_to_the_ends() {
        let s = load_test_stats(
            &[f64::INFINITY, 0.0, f64::NEG_INFINITY],
            1,
            1.0,
            &mut Vec::new(),
        )
        .expect("ok");
        assert_eq!((s.min, s.max), (f64::NEG_INFINITY, f64::INFINITY));
        assert!(s.avg.is_nan());
    }
}
