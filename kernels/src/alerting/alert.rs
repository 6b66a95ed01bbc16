//! An alert as the dashboard's correlator reads it (the original's pydantic
//! `Alert`, `server/dashboard/models/alert_models.py`).

/// Category names by code (the original's `AlertCategory` values).
pub const CATEGORIES: [&str; 6] = [
    "performance",
    "security",
    "availability",
    "capacity",
    "quality",
    "business",
];

/// Severity names by code (the original's `AlertSeverity` values).
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// The codes the engines compare against.
pub const PERFORMANCE: u8 = 0;
pub const AVAILABILITY: u8 = 2;
pub const CRITICAL: u8 = 0;
pub const HIGH: u8 = 1;

/// One alert. Optional text fields keep Python's distinction between
/// `None` and `""` (both falsy, so both fail the spatial host and
/// component matches, but they are different inputs).
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The alert's UUID as an integer; a re-sent alert keeps its id.
    pub id: u128,
    /// Naive UTC wall-clock time, microseconds since 1970-01-01 (a Python
    /// `datetime`'s resolution).
    pub triggered_at: i64,
    pub title: String,
    pub description: String,
    /// Category code, an index into [`CATEGORIES`].
    pub category: u8,
    /// Severity code, an index into [`SEVERITIES`].
    pub severity: u8,
    pub source_host: Option<String>,
    pub source_component: Option<String>,
    /// Tags in insertion order, keys unique.
    pub tags: Vec<(String, String)>,
    /// `None`, or the metric values in insertion order, keys unique.
    pub metric_values: Option<Vec<(String, f64)>>,
    /// `status == AlertStatus.RESOLVED` (the only status an engine reads:
    /// the rule-driven engine skips resolved alerts).
    pub resolved: bool,
}

impl Alert {
    /// `bool(alert.source_host)`-and-equal: both present, non-empty, equal.
    pub(crate) fn same_host(&self, other: &Alert) -> Option<&str> {
        same_text(&self.source_host, &other.source_host)
    }

    pub(crate) fn same_component(&self, other: &Alert) -> Option<&str> {
        same_text(&self.source_component, &other.source_component)
    }
}

fn same_text<'a>(a: &'a Option<String>, b: &Option<String>) -> Option<&'a str> {
    match (a, b) {
        (Some(x), Some(y)) if !x.is_empty() && x == y => Some(x),
        _ => None,
    }
}
