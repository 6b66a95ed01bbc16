//! K5.4 `_execute_optimization`: the remediation rule table. The original
//! simulates each action with `asyncio.sleep(1)` and writes the list to
//! Postgres; the twin returns which action the rules pick.

use super::MetricKind;

/// The actions the original can take (at most one per alert: the rules test
/// different metric names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    MemoryCleanup,
    ConnectionPoolOptimization,
    PermissionCacheOptimization,
}

impl Action {
    /// 1, 2, 3 (Python: `optimizer.ACTION_CODES`).
    pub fn code(self) -> u8 {
        match self {
            Action::MemoryCleanup => 1,
            Action::ConnectionPoolOptimization => 2,
            Action::PermissionCacheOptimization => 3,
        }
    }
}

/// memory efficiency above 30% deviation → memory cleanup; WebSocket latency
/// above 50% → connection pool; RBAC verification above 50% → permission
/// cache; anything else → nothing (strict `>`; NaN never acts).
pub fn action(kind: MetricKind, deviation: f64) -> Option<Action> {
    match kind {
        MetricKind::MemoryUsageEfficiency if deviation > 30.0 => Some(Action::MemoryCleanup),
        MetricKind::WebsocketConnectionLatency if deviation > 50.0 => {
            Some(Action::ConnectionPoolOptimization)
        }
        MetricKind::RbacPermissionVerificationTime if deviation > 50.0 => {
            Some(Action::PermissionCacheOptimization)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_strict_and_per_metric() {
        assert_eq!(action(MetricKind::MemoryUsageEfficiency, 30.0), None);
        assert_eq!(
            action(MetricKind::MemoryUsageEfficiency, 30.5),
            Some(Action::MemoryCleanup)
        );
        assert_eq!(
            action(MetricKind::WebsocketConnectionLatency, 51.0),
            Some(Action::ConnectionPoolOptimization)
        );
        assert_eq!(
            action(MetricKind::RbacPermissionVerificationTime, f64::INFINITY),
            Some(Action::PermissionCacheOptimization)
        );
        assert_eq!(action(MetricKind::CrdtOperationLatency, 1e9), None);
        assert_eq!(action(MetricKind::MemoryUsageEfficiency, f64::NAN), None);
    }
}
