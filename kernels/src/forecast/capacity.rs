//! K2.6 `CapacityPlanner.analyze_capacity_needs` for one resource: its
//! usage against the planner's threshold, the 24-hour forecast, the hours
//! until the threshold at the forecast's growth rate, and the urgency
//! rules.

use thiserror::Error;

/// The original's arithmetic raised (`int()` of an infinite or NaN hour
/// count); its `try` then returns the recommendations made so far.
#[derive(Debug, Clone, Copy, Error, PartialEq)]
#[error("hours to capacity {hours} cannot be converted by int()")]
pub struct CapacityError {
    pub hours: f64,
}

/// The planner's thresholds (`capacity_thresholds`): usage resources in
/// percent, the others in units.
pub const THRESHOLDS: [(&str, f64); 5] = [
    ("cpu_usage", 80.0),
    ("memory_usage", 85.0),
    ("disk_usage", 90.0),
    ("node_count", 10_000.0),
    ("active_sessions", 1_000.0),
];

/// The planner's forecast horizon (hours).
pub const HORIZON: u32 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Critical,
    High,
    Medium,
    Low,
}

/// A `CapacityRecommendation` (its action text follows the urgency).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapacityRecommendation {
    pub current_usage: f64,
    pub predicted_usage: f64,
    pub time_to_capacity: Option<i64>,
    pub urgency: Urgency,
    /// `cost_per_unit × 24 × 30` for cpu and memory only.
    pub cost_impact: Option<f64>,
}

/// The threshold of `resource`, `None` (skipped) for any other.
pub fn threshold(resource: &str) -> Option<f64> {
    THRESHOLDS
        .iter()
        .find(|(name, _)| *name == resource)
        .map(|&(_, t)| t)
}

/// Usage in percent: the value itself for a `usage` resource, else its
/// share of the threshold.
fn usage_percent(resource: &str, value: f64, threshold: f64) -> f64 {
    if resource.contains("usage") {
        value
    } else {
        value / threshold * 100.0
    }
}

/// `_calculate_time_to_capacity(current, predicted, threshold)`: `None`
/// when not growing, else `max(0, int(hours))` at the 24-hour growth
/// rate (`int()` truncates toward zero). Errors of the original's
/// arithmetic (an infinite or NaN hour count makes `int()` raise, which
/// the planner's `try` turns into no recommendations at all) are `Err`.
pub fn time_to_capacity(
    current: f64,
    predicted: f64,
    threshold: f64,
) -> Result<Option<i64>, CapacityError> {
    if predicted <= current {
        return Ok(None);
    }
    let growth = (predicted - current) / f64::from(HORIZON);
    let hours = (threshold - current) / growth;
    if !hours.is_finite() {
        return Err(CapacityError { hours });
    }
    Ok(Some((hours.trunc() as i64).max(0)))
}

/// The recommendation for `resource` at `current` with a forecast of
/// `predicted` (`None` when the forecaster had none); `Ok(None)` when the
/// planner adds nothing (no threshold, no forecast, low urgency at under
/// 60% usage), `Err` when its `try` swallows an exception.
pub fn analyze_resource(
    resource: &str,
    current: f64,
    predicted: Option<f64>,
) -> Result<Option<CapacityRecommendation>, CapacityError> {
    let Some(limit) = threshold(resource) else {
        return Ok(None);
    };
    let current_usage = usage_percent(resource, current, limit);
    let Some(predicted) = predicted else {
        return Ok(None);
    };
    let predicted_usage = usage_percent(resource, predicted, limit);
    let time_to_capacity = time_to_capacity(current, predicted, limit)?;
    let urgency = if current_usage >= 90.0 {
        Urgency::Critical
    } else if current_usage >= 80.0 {
        Urgency::High
    } else if predicted_usage >= 80.0 {
        Urgency::Medium
    } else if time_to_capacity.is_some_and(|h| h != 0 && h <= 72) {
        // `if time_to_capacity and time_to_capacity <= 72`: 0 is falsy.
        Urgency::Medium
    } else {
        Urgency::Low
    };
    if urgency == Urgency::Low && current_usage < 60.0 {
        return Ok(None);
    }
    let cost_impact = match resource {
        "cpu_usage" => Some(0.05 * 24.0 * 30.0),
        "memory_usage" => Some(0.01 * 24.0 * 30.0),
        _ => None,
    };
    Ok(Some(CapacityRecommendation {
        current_usage,
        predicted_usage,
        time_to_capacity,
        urgency,
        cost_impact,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_rules_and_the_falsy_zero() {
        let r = analyze_resource("cpu_usage", 92.0, Some(95.0)).expect("no error");
        assert_eq!(r.map(|r| r.urgency), Some(Urgency::Critical));
        // Python's 0.05 * 24 * 30 is 36.00000000000001, as here.
        assert_eq!(r.and_then(|r| r.cost_impact), Some(36.000_000_000_000_01));
        // Already past the threshold and growing: 0 hours, which is falsy,
        // so it does not make the recommendation medium.
        let r = analyze_resource("node_count", 10_500.0, Some(11_000.0)).expect("no error");
        let r = r.expect("usage 105% is critical");
        assert_eq!(
            (r.time_to_capacity, r.urgency),
            (Some(0), Urgency::Critical)
        );
        let r = analyze_resource("active_sessions", 500.0, Some(700.0)).expect("no error");
        // 500 / (200 / 24) is 59.99999999999999 in floating point (as in
        // Python), which int() truncates to 59.
        let r = r.expect("reaches 1000 in about 60 h");
        assert_eq!((r.time_to_capacity, r.urgency), (Some(59), Urgency::Medium));
        assert_eq!(analyze_resource("disk_usage", 30.0, Some(20.0)), Ok(None));
        assert_eq!(
            analyze_resource("graphmemory_nodes", 1e9, Some(2e9)),
            Ok(None)
        );
        assert_eq!(analyze_resource("cpu_usage", 50.0, None), Ok(None));
    }

    #[test]
    fn int_truncates_toward_zero() {
        assert_eq!(time_to_capacity(10.0, 34.0, 80.5), Ok(Some(70)));
        assert_eq!(time_to_capacity(90.0, 114.0, 80.0), Ok(Some(0)));
        assert_eq!(time_to_capacity(1.0, f64::INFINITY, 80.0), Ok(Some(0)));
    }
}
