//! K2.1 `_prepare_time_features`: the frame sorted by timestamp and six
//! integer calendar columns per row, from naive wall-clock stamps (no time
//! zone, so no daylight-saving jumps: pandas' `DatetimeIndex.hour` etc.).

/// The calendar columns of one row, in the original's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarRow {
    /// 0–23.
    pub hour: u32,
    /// Monday = 0 … Sunday = 6.
    pub day_of_week: u32,
    /// 1–31.
    pub day_of_month: u32,
    /// 1–12.
    pub month: u32,
    /// `day_of_week >= 5`.
    pub is_weekend: bool,
    /// `9 <= hour <= 17` (both ends included, as written).
    pub is_business_hours: bool,
}

impl CalendarRow {
    /// The row's six values as floats, in column order: what the models'
    /// designs start with.
    pub fn as_features(self) -> [f64; 6] {
        [
            f64::from(self.hour),
            f64::from(self.day_of_week),
            f64::from(self.day_of_month),
            f64::from(self.month),
            f64::from(u8::from(self.is_weekend)),
            f64::from(u8::from(self.is_business_hours)),
        ]
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

/// The calendar of a naive stamp given in seconds since 1970-01-01T00:00.
pub fn calendar(seconds: i64) -> CalendarRow {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let hour = (seconds.rem_euclid(SECONDS_PER_DAY) / 3_600) as u32;
    let (_, month, day_of_month) = civil_from_days(days);
    // 1970-01-01 was a Thursday (Monday = 0 → 3).
    let day_of_week = (days + 3).rem_euclid(7) as u32;
    CalendarRow {
        hour,
        day_of_week,
        day_of_month,
        month,
        is_weekend: day_of_week >= 5,
        is_business_hours: (9..=17).contains(&hour),
    }
}

/// (year, month 1–12, day 1–31) of the proleptic Gregorian day `days`
/// after 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The rows in ascending timestamp order (`sort_index()`): a stable sort,
/// so rows with equal stamps keep their input order (pandas' default
/// quicksort does not promise that; equal stamps are not a forecasting
/// input the original is given).
pub fn sorted_order(timestamps: &[i64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..timestamps.len()).collect();
    // Frames arrive sorted: a check is cheaper than a sort.
    if !timestamps.is_sorted() {
        order.sort_by_key(|&i| timestamps[i]);
    }
    order
}

/// The calendar of every row of a frame, in sorted order, with that order.
/// Consecutive rows mostly share their day, so the date arithmetic runs
/// once per day and each row only adds its hour.
pub fn prepare_time_features(timestamps: &[i64]) -> (Vec<usize>, Vec<CalendarRow>) {
    let order = sorted_order(timestamps);
    let mut day = None;
    let mut date = calendar(0);
    let rows = order
        .iter()
        .map(|&i| {
            let seconds = timestamps[i];
            let this_day = seconds.div_euclid(SECONDS_PER_DAY);
            if day != Some(this_day) {
                day = Some(this_day);
                date = calendar(this_day * SECONDS_PER_DAY);
            }
            let hour = (seconds.rem_euclid(SECONDS_PER_DAY) / 3_600) as u32;
            CalendarRow {
                hour,
                is_business_hours: (9..=17).contains(&hour),
                ..date
            }
        })
        .collect();
    (order, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference rows from pandas 2.2: `pd.Timestamp(s, unit='s')`.
    #[test]
    fn stamps_match_pandas_across_month_leap_day_and_year() {
        // 2026-01-31T23:00 (Saturday) and 2026-02-01T09:00 (Sunday).
        let saturday = calendar(1_769_900_400);
        assert_eq!(
            (
                saturday.month,
                saturday.day_of_month,
                saturday.hour,
                saturday.day_of_week
            ),
            (1, 31, 23, 5)
        );
        assert!(saturday.is_weekend && !saturday.is_business_hours);
        let sunday = calendar(1_769_936_400);
        assert_eq!((sunday.month, sunday.day_of_month, sunday.hour), (2, 1, 9));
        assert!(sunday.is_weekend && sunday.is_business_hours);
        // 2028-02-29T17:00 (Tuesday), 1969-12-31T23:00 (Wednesday).
        let leap = calendar(1_835_456_400);
        assert_eq!(
            (leap.month, leap.day_of_month, leap.day_of_week),
            (2, 29, 1)
        );
        assert!(leap.is_business_hours);
        let before_epoch = calendar(-3_600);
        assert_eq!(
            (
                before_epoch.month,
                before_epoch.day_of_month,
                before_epoch.day_of_week
            ),
            (12, 31, 2)
        );
    }

    #[test]
    fn rows_are_sorted_stably() {
        assert_eq!(sorted_order(&[30, 10, 20, 10]), vec![1, 3, 2, 0]);
    }

    #[test]
    fn the_per_day_shortcut_gives_every_row_its_own_calendar() {
        let stamps: Vec<i64> = (0..2_000)
            .map(|h| 1_769_800_000 + h * 3_599)
            .rev()
            .collect();
        let (order, rows) = prepare_time_features(&stamps);
        for (row, &i) in rows.iter().zip(&order) {
            assert_eq!(*row, calendar(stamps[i]));
        }
    }
}
