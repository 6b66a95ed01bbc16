//! K5.2 `_determine_severity`, the deviation and confidence of
//! `_detect_anomaly` / `_generate_alert`, and what `_generate_recommendations`
//! and `_predict_impact` return (as a count and a presence: the strings are
//! fixed text per branch).

use super::MetricKind;

/// The original's `AlertSeverity`, ordered; `code()` is the harness's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// 0 low, 1 medium, 2 high, 3 critical (Python: `optimizer.SEVERITY_CODES`).
    pub fn code(self) -> u8 {
        match self {
            Severity::Low => 0,
            Severity::Medium => 1,
            Severity::High => 2,
            Severity::Critical => 3,
        }
    }
}

/// Deviation thresholds in percent, per metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
}

/// The original's table: high is 0.6 × critical and medium 0.3 × critical
/// (the products are exact doubles, checked in the tests); unknown metrics
/// get 100 / 60 / 30.
pub fn thresholds(kind: MetricKind) -> Thresholds {
    let (critical, high, medium) = match kind {
        MetricKind::WebsocketConnectionLatency
        | MetricKind::CrdtOperationLatency
        | MetricKind::Unknown => (100.0, 60.0, 30.0),
        MetricKind::MemoryUsageEfficiency => (50.0, 30.0, 15.0),
        MetricKind::RbacPermissionVerificationTime => (200.0, 120.0, 60.0),
        MetricKind::AuditLoggingOverhead => (300.0, 180.0, 90.0),
    };
    Thresholds {
        critical,
        high,
        medium,
    }
}

/// `abs(value - expected) / expected * 100`, in float64: an expected value
/// of 0 gives +inf (or NaN when the value is 0 too), a negative expected
/// value a negative deviation, exactly as numpy does (no error).
pub fn deviation_percent(value: f64, expected: f64) -> f64 {
    (value - expected).abs() / expected * 100.0
}

/// `>=` tests from critical down; NaN fails them all and is `Low`.
pub fn severity(kind: MetricKind, deviation: f64) -> Severity {
    let t = thresholds(kind);
    if deviation >= t.critical {
        Severity::Critical
    } else if deviation >= t.high {
        Severity::High
    } else if deviation >= t.medium {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// `min(0.95, 0.6 + deviation / 200)` with Python's `min`: the first
/// argument is kept unless the second is strictly smaller, so a NaN
/// deviation gives 0.95 (and so does +inf).
pub fn confidence(deviation: f64) -> f64 {
    let candidate = 0.6 + deviation / 200.0;
    if candidate < 0.95 { candidate } else { 0.95 }
}

/// How many recommendation strings `_generate_recommendations` returns:
/// three above the metric's threshold (`>`), else one monitoring line; none
/// for a metric it does not know.
pub fn recommendation_count(kind: MetricKind, deviation: f64) -> u8 {
    let threshold = match kind {
        MetricKind::WebsocketConnectionLatency
        | MetricKind::CrdtOperationLatency
        | MetricKind::RbacPermissionVerificationTime => 50.0,
        MetricKind::MemoryUsageEfficiency => 30.0,
        MetricKind::AuditLoggingOverhead => 100.0,
        MetricKind::Unknown => return 0,
    };
    if deviation > threshold { 3 } else { 1 }
}

/// Whether `_predict_impact` returns a string: for critical and high alerts
/// only the known metrics have one (an unknown metric falls through and the
/// alert carries `None`); medium and low always have the generic line.
pub fn has_impact(kind: MetricKind, severity: Severity) -> bool {
    match severity {
        Severity::Critical | Severity::High => kind != MetricKind::Unknown,
        Severity::Medium | Severity::Low => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_the_products_the_original_states() {
        for critical in [100.0f64, 50.0, 200.0, 300.0] {
            let kind = match critical as u32 {
                50 => MetricKind::MemoryUsageEfficiency,
                200 => MetricKind::RbacPermissionVerificationTime,
                300 => MetricKind::AuditLoggingOverhead,
                _ => MetricKind::CrdtOperationLatency,
            };
            let t = thresholds(kind);
            assert_eq!(
                (t.critical, t.high, t.medium),
                (critical, critical * 0.6, critical * 0.3)
            );
        }
    }

    #[test]
    fn severity_is_inclusive_and_nan_is_low() {
        let k = MetricKind::MemoryUsageEfficiency;
        assert_eq!(severity(k, 50.0), Severity::Critical);
        assert_eq!(severity(k, 49.999), Severity::High);
        assert_eq!(severity(k, 30.0), Severity::High);
        assert_eq!(severity(k, 15.0), Severity::Medium);
        assert_eq!(severity(k, 14.9), Severity::Low);
        assert_eq!(severity(k, f64::NAN), Severity::Low);
        assert_eq!(severity(MetricKind::Unknown, 60.0), Severity::High);
        assert_eq!(severity(k, f64::INFINITY), Severity::Critical);
    }

    #[test]
    fn a_zero_expected_value_gives_inf_or_nan() {
        assert_eq!(deviation_percent(3.0, 0.0), f64::INFINITY);
        assert!(deviation_percent(0.0, 0.0).is_nan());
        assert_eq!(deviation_percent(1.0, -1.0), -200.0);
    }

    #[test]
    fn confidence_keeps_pythons_min_argument_order() {
        assert_eq!(confidence(0.0), 0.6);
        assert_eq!(confidence(70.0), 0.95);
        assert_eq!(confidence(f64::NAN), 0.95);
        assert_eq!(confidence(f64::INFINITY), 0.95);
        assert_eq!(confidence(-400.0), 0.6 - 2.0);
    }

    #[test]
    fn recommendations_and_impact() {
        assert_eq!(
            recommendation_count(MetricKind::AuditLoggingOverhead, 100.0),
            1
        );
        assert_eq!(
            recommendation_count(MetricKind::AuditLoggingOverhead, 100.5),
            3
        );
        assert_eq!(recommendation_count(MetricKind::Unknown, 1e9), 0);
        assert_eq!(
            recommendation_count(MetricKind::MemoryUsageEfficiency, f64::NAN),
            1
        );
        assert!(!has_impact(MetricKind::Unknown, Severity::High));
        assert!(has_impact(MetricKind::Unknown, Severity::Medium));
        assert!(has_impact(
            MetricKind::AuditLoggingOverhead,
            Severity::Critical
        ));
    }
}
