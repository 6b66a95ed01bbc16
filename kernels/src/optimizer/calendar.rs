//! The calendar fields the original reads from a metric's timestamp:
//! `timestamp.hour` and `timestamp.weekday()` (Monday = 0).
//!
//! Computed from epoch seconds as UTC wall-clock fields; Euclidean division
//! keeps instants before 1970 right (hour in 0..24, weekday in 0..7).

const DAY: i64 = 86_400;
/// 1970-01-01 was a Thursday: weekday 3 with Monday = 0.
const EPOCH_WEEKDAY: i64 = 3;

/// Hour of the day, 0..24.
pub fn hour(timestamp: i64) -> i64 {
    timestamp.rem_euclid(DAY) / 3_600
}

/// Day of the week, Monday = 0 … Sunday = 6 (Python's `weekday()`).
pub fn weekday(timestamp: i64) -> i64 {
    (timestamp.div_euclid(DAY) + EPOCH_WEEKDAY).rem_euclid(7)
}

/// The original's neighbourhood test: `abs(h1 - h2) <= 1` and
/// `abs(d1 - d2) <= 1` on plain integers. There is no wrap-around: 23 h and
/// 0 h are 23 apart, Sunday (6) and Monday (0) are 6 apart (defect D050).
pub fn neighbours(a: i64, b: i64) -> bool {
    (hour(a) - hour(b)).abs() <= 1 && (weekday(a) - weekday(b)).abs() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-04 23:30 UTC is a Sunday; the next 00:30 a Monday.
    const SUNDAY_2330: i64 = 1_767_569_400;

    #[test]
    fn fields_match_the_calendar() {
        assert_eq!((hour(0), weekday(0)), (0, 3));
        assert_eq!((hour(SUNDAY_2330), weekday(SUNDAY_2330)), (23, 6));
        assert_eq!(
            (hour(SUNDAY_2330 + 3_600), weekday(SUNDAY_2330 + 3_600)),
            (0, 0)
        );
        // 1969-12-31 23:00 was a Wednesday.
        assert_eq!((hour(-3_600), weekday(-3_600)), (23, 2));
    }

    #[test]
    fn an_hour_apart_across_midnight_is_not_a_neighbour() {
        assert!(!neighbours(SUNDAY_2330, SUNDAY_2330 + 3_600));
        assert!(neighbours(SUNDAY_2330, SUNDAY_2330 - 3_600));
        // Same hour, Saturday vs Sunday: neighbours; Sunday vs Monday: not.
        assert!(neighbours(SUNDAY_2330, SUNDAY_2330 - DAY));
        assert!(!neighbours(SUNDAY_2330, SUNDAY_2330 + DAY));
    }
}
