//! K5.2 `_generate_alert`: the `PerformanceAlert` the optimizer raises for a
//! sample the model flagged, with the numbers and codes the harness compares.

use std::fmt;

use super::severity::Severity;

/// `alert_{component}_{int(epoch)}`: the original's alert id. Two alerts of
/// one component in the same second share it (the id is not unique).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertId<'a> {
    pub component: &'a str,
    pub epoch_seconds: i64,
}

impl fmt::Display for AlertId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "alert_{}_{}", self.component, self.epoch_seconds)
    }
}

/// One alert, as `PerformanceAlert` holds it (strings as counts and flags).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alert {
    /// Position of the flagged sample in the stream.
    pub index: usize,
    pub metric: usize,
    pub component: usize,
    /// Epoch seconds of the sample: the alert's timestamp and id.
    pub timestamp: i64,
    pub value: f64,
    pub expected: f64,
    pub deviation: f64,
    pub severity: Severity,
    pub confidence: f64,
    /// How many `recommended_actions` strings.
    pub recommendations: u8,
    /// Whether `predicted_impact` is a string (else `None`).
    pub has_impact: bool,
}

impl Alert {
    /// The alert id, given the component's name.
    pub fn id<'a>(&self, component_name: &'a str) -> AlertId<'a> {
        AlertId {
            component: component_name,
            epoch_seconds: self.timestamp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_component_and_epoch_seconds() {
        let id = AlertId {
            component: "websocket_server",
            epoch_seconds: 1_767_225_600,
        };
        assert_eq!(id.to_string(), "alert_websocket_server_1767225600");
    }
}
