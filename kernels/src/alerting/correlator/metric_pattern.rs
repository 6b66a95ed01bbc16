//! K8.4 `MetricPatternCorrelator`: needs metric values on the new alert;
//! skips existing alerts without any. Per pair, over the metrics both
//! carry: both exactly 0 → 1, one 0 → 0, else `1 - |v1 - v2| / max(|v1|,
//! |v2|)` (Python's `max`: NaN stays NaN); the mean must reach 0.8.
//! Confidence: the average over the id set times the weight 0.6, so it
//! stays below 0.6 and a metric-pattern result is never significant (a
//! dead path of the original, kept). No time filter.
//!
//! The original iterates the shared metrics in `set` order (by string
//! hash, `PYTHONHASHSEED`); this sums in the new alert's order, so a mean
//! of several terms may differ in its last bits.

use super::{Correlation, Factor, Strategy, python_min_one};
use crate::alerting::Alert;

const THRESHOLD: f64 = 0.8;
const WEIGHT: f64 = 0.6;

/// `max(a, b)` as Python's builtin: `b` only if `b > a`.
#[inline]
fn python_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// `_calculate_metric_similarity`.
pub fn similarity(a: &[(String, f64)], b: &[(String, f64)]) -> f64 {
    let mut sum = 0.0;
    let mut count = 0usize;
    for (key, v1) in a {
        let Some((_, v2)) = b.iter().find(|(other, _)| other == key) else {
            continue;
        };
        let (v1, v2) = (*v1, *v2);
        let s = if v1 == 0.0 && v2 == 0.0 {
            1.0
        } else if v1 == 0.0 || v2 == 0.0 {
            0.0
        } else {
            1.0 - (v1 - v2).abs() / python_max(v1.abs(), v2.abs())
        };
        sum += s;
        count += 1;
    }
    if count == 0 { 0.0 } else { sum / count as f64 }
}

pub fn correlate(new: &Alert, existing: &[Alert]) -> Option<Correlation> {
    let ours = new.metric_values.as_deref().filter(|m| !m.is_empty())?;
    let factors: Vec<Factor> = existing
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let theirs = a.metric_values.as_deref().filter(|m| !m.is_empty())?;
            let score = similarity(ours, theirs);
            (score >= THRESHOLD).then_some(Factor {
                alert: i,
                score,
                detail: [0.0; 2],
            })
        })
        .collect();
    Correlation::from_factors(Strategy::MetricPattern, new, existing, factors, |average| {
        python_min_one(average * WEIGHT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect()
    }

    #[test]
    fn zeros_nan_and_opposite_signs() {
        let a = metrics(&[("cpu", 0.0), ("mem", 50.0), ("rt", -2.0)]);
        let b = metrics(&[("cpu", 0.0), ("mem", 40.0), ("rt", 2.0), ("x", 1.0)]);
        assert_eq!(similarity(&a, &b), (1.0 + (1.0 - 10.0 / 50.0) + -1.0) / 3.0);
        assert!(similarity(&metrics(&[("cpu", f64::NAN)]), &metrics(&[("cpu", 1.0)])).is_nan());
        assert_eq!(similarity(&a, &metrics(&[("other", 1.0)])), 0.0);
    }
}
