//! K5.2 `_calculate_expected_value`: what a metric "should" be, for the
//! deviation its alert reports.
//!
//! Among the last [`RECENT_WINDOW`] entries of the history (the current
//! sample included: the collection loop appends before it detects), the
//! samples of the same metric *and* component whose hour and weekday are
//! within one of the current sample's (no wrap-around, [`calendar`]); with
//! at least [`MIN_NEIGHBOURS`] of them, their median. Otherwise the median
//! of every value of that metric (any component) in the *whole* history the
//! optimizer keeps (up to 10,000 entries), and with none, the value itself.

use super::Sample;
use super::calendar;
use super::median::median;

/// How many recent history entries the neighbourhood is drawn from.
pub const RECENT_WINDOW: usize = 1_000;
/// Fewest neighbours for the neighbourhood median.
pub const MIN_NEIGHBOURS: usize = 5;

/// Where an expected value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The median of this many calendar neighbours (`>= MIN_NEIGHBOURS`).
    Neighbours(usize),
    /// The median of this many values of the metric in the whole history.
    Metric(usize),
    /// No value of the metric in the history: the current value itself, a
    /// Python float in the original (dividing by it when it is 0 raises,
    /// where a numpy median of 0 gives inf or NaN).
    Itself,
}

/// An expected value and its source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    pub value: f64,
    pub source: Source,
}

/// The expected value of `current` given `history` (oldest first, as the
/// optimizer holds it). `scratch` is reused between calls to avoid an
/// allocation per alert; its contents are overwritten.
pub fn expected_value(history: &[Sample], current: &Sample, scratch: &mut Vec<f64>) -> Expected {
    let recent = &history[history.len().saturating_sub(RECENT_WINDOW)..];
    scratch.clear();
    scratch.extend(
        recent
            .iter()
            .filter(|m| {
                m.metric == current.metric
                    && m.component == current.component
                    && calendar::neighbours(m.timestamp, current.timestamp)
            })
            .map(|m| m.value),
    );
    if scratch.len() >= MIN_NEIGHBOURS {
        let count = scratch.len();
        return Expected {
            value: median(scratch),
            source: Source::Neighbours(count),
        };
    }
    scratch.clear();
    scratch.extend(
        history
            .iter()
            .filter(|m| m.metric == current.metric)
            .map(|m| m.value),
    );
    if scratch.is_empty() {
        return Expected {
            value: current.value,
            source: Source::Itself,
        };
    }
    let count = scratch.len();
    Expected {
        value: median(scratch),
        source: Source::Metric(count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONDAY_NOON: i64 = 1_767_614_400; // 2026-01-05 12:00 UTC

    fn s(metric: usize, component: usize, value: f64, timestamp: i64) -> Sample {
        Sample {
            metric,
            component,
            value,
            timestamp,
        }
    }

    #[test]
    fn five_neighbours_give_their_median() {
        let mut h: Vec<Sample> = (0..5)
            .map(|i| s(0, 0, f64::from(i), MONDAY_NOON + 600 * i64::from(i)))
            .collect();
        // Another component and an hour two away are not neighbours.
        h.push(s(0, 1, 100.0, MONDAY_NOON));
        h.push(s(0, 0, 100.0, MONDAY_NOON + 2 * 3_600));
        let current = h[0];
        let e = expected_value(&h, &current, &mut Vec::new());
        assert_eq!(e.source, Source::Neighbours(5));
        assert_eq!(e.value, 2.0);
    }

    #[test]
    fn four_neighbours_fall_back_to_the_whole_metric_any_component() {
        let mut h: Vec<Sample> = (0..4).map(|i| s(0, 0, f64::from(i), MONDAY_NOON)).collect();
        h.push(s(0, 1, 10.0, MONDAY_NOON + 5 * 3_600));
        h.push(s(1, 0, 99.0, MONDAY_NOON));
        let current = h[0];
        let e = expected_value(&h, &current, &mut Vec::new());
        assert_eq!(
            e,
            Expected {
                value: 2.0,
                source: Source::Metric(5)
            }
        );
    }

    #[test]
    fn the_neighbourhood_sees_only_the_last_thousand_entries() {
        let mut h: Vec<Sample> = (0..5).map(|_| s(0, 0, 7.0, MONDAY_NOON)).collect();
        h.extend((0..RECENT_WINDOW - 1).map(|_| s(1, 0, 0.0, MONDAY_NOON)));
        let current = s(0, 0, 1.0, MONDAY_NOON);
        h.push(current);
        let e = expected_value(&h, &current, &mut Vec::new());
        // Only the current sample is recent: fallback over all six values.
        assert_eq!(e.source, Source::Metric(6));
        assert_eq!(e.value, 7.0);
    }

    #[test]
    fn no_value_of_the_metric_gives_the_value_itself() {
        let current = s(3, 0, 4.5, MONDAY_NOON);
        let e = expected_value(&[s(0, 0, 1.0, MONDAY_NOON)], &current, &mut Vec::new());
        assert_eq!(
            e,
            Expected {
                value: 4.5,
                source: Source::Itself
            }
        );
    }
}
