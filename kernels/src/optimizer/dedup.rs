//! K5.3 `_handle_alert`: one alert per `component:metric` per 300 seconds,
//! and which alerts are queued for remediation.

use std::collections::HashMap;

use super::alert::Alert;
use super::severity::Severity;

/// Seconds within which a later alert of the same key is dropped.
pub const SUPPRESSION_SECONDS: i64 = 300;

/// The original's `alert_cache`: the time of the last *emitted* alert per
/// `(component, metric)`. Invariants: an alert is admitted iff its key has
/// no entry or `timestamp - entry >= 300`; only admitted alerts write their
/// timestamp (a suppressed alert never extends the window); an alert older
/// than the entry has a negative difference, `< 300`, and is dropped. The
/// map is never pruned: one entry per key ever seen (defect D053).
#[derive(Debug, Default, Clone)]
pub struct Deduplicator {
    last_emitted: HashMap<(usize, usize), i64>,
}

impl Deduplicator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether an alert of `(component, metric)` at `timestamp` goes out;
    /// records it if so.
    pub fn admit(&mut self, component: usize, metric: usize, timestamp: i64) -> bool {
        let key = (component, metric);
        if let Some(&last) = self.last_emitted.get(&key) {
            // i128: no overflow for any pair of i64 timestamps.
            if i128::from(timestamp) - i128::from(last) < i128::from(SUPPRESSION_SECONDS) {
                return false;
            }
        }
        self.last_emitted.insert(key, timestamp);
        true
    }

    /// Keys held: grows with every new key and never shrinks.
    pub fn len(&self) -> usize {
        self.last_emitted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.last_emitted.is_empty()
    }
}

/// `confidence_score > 0.8 and severity in [CRITICAL, HIGH]`.
pub fn queues_remediation(alert: &Alert) -> bool {
    alert.confidence > 0.8 && matches!(alert.severity, Severity::Critical | Severity::High)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_anchored_at_the_last_emitted_alert() {
        let mut d = Deduplicator::new();
        assert!(d.admit(0, 0, 1_000));
        assert!(!d.admit(0, 0, 1_299));
        // 1_299 was suppressed, so 1_300 is 300 s after the last emitted one.
        assert!(d.admit(0, 0, 1_300));
        assert!(d.admit(1, 0, 1_301));
        assert!(d.admit(0, 1, 1_301));
        assert_eq!(d.len(), 3);
    }

    #[test]
    fn an_older_alert_is_dropped() {
        let mut d = Deduplicator::new();
        assert!(d.admit(0, 0, 10_000));
        assert!(!d.admit(0, 0, 1_000));
        assert!(!d.admit(0, 0, 10_299));
        assert!(d.admit(0, 0, 10_300));
    }

    #[test]
    fn remediation_needs_confidence_above_point_eight_and_high_or_critical() {
        let alert = |confidence, severity| Alert {
            index: 0,
            metric: 0,
            component: 0,
            timestamp: 0,
            value: 1.0,
            expected: 1.0,
            deviation: 0.0,
            severity,
            confidence,
            recommendations: 1,
            has_impact: true,
        };
        assert!(queues_remediation(&alert(0.81, Severity::High)));
        assert!(!queues_remediation(&alert(0.8, Severity::Critical)));
        assert!(!queues_remediation(&alert(0.95, Severity::Medium)));
    }
}
