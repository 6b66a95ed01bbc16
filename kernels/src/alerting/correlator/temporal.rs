//! K8.1 `TemporalCorrelator`: the existing alerts triggered within the 10
//! minutes up to the new one (both ends inclusive; later alerts are not
//! candidates), each scored `exp(-|Δt| / 600 s)`; the original's cut-off
//! `score > 0.1` never bites inside the window (the least is e⁻¹). Rule
//! weight 1.2.

use super::{Correlation, Factor, Strategy, python_min_one};
use crate::alerting::Alert;

/// The window, in the microseconds alerts are stamped in.
const WINDOW_MICROS: i64 = 600 * 1_000_000;
/// `time_window.total_seconds()`.
const WINDOW_SECONDS: f64 = 600.0;
const WEIGHT: f64 = 1.2;

pub fn correlate(new: &Alert, existing: &[Alert]) -> Option<Correlation> {
    let start = new.triggered_at - WINDOW_MICROS;
    let factors: Vec<Factor> = existing
        .iter()
        .enumerate()
        .filter(|(_, a)| start <= a.triggered_at && a.triggered_at <= new.triggered_at)
        .filter_map(|(i, a)| {
            // timedelta.total_seconds(): exact microseconds / 10**6,
            // correctly rounded (both are exact doubles below 2^53).
            let offset = ((new.triggered_at - a.triggered_at) as f64 / 1e6).abs();
            let score = (-offset / WINDOW_SECONDS).exp();
            (score > 0.1).then_some(Factor {
                alert: i,
                score,
                detail: [offset, 0.0],
            })
        })
        .collect();
    Correlation::from_factors(Strategy::Temporal, new, existing, factors, |average| {
        python_min_one(average * WEIGHT)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_alerts::alert;
    use super::*;

    #[test]
    fn only_alerts_in_the_ten_minutes_up_to_the_new_one_count() {
        let new = alert(9, 1_000);
        let existing = [
            alert(1, 400),
            alert(2, 399),
            alert(3, 1_001),
            alert(4, 1_000),
        ];
        let found = correlate(&new, &existing).expect("two candidates");
        let counted: Vec<usize> = found.factors.iter().map(|f| f.alert).collect();
        assert_eq!(counted, [0, 3]);
        let expected = (0.0 + (-600.0f64 / 600.0).exp() + 1.0) / 3.0 * 1.2;
        assert_eq!(found.confidence_score, expected);
        assert!(correlate(&new, &existing[1..3]).is_none());
    }
}
