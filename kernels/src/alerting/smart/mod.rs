//! The incident package's smart alerting (catalog ml_monitoring.md §4,
//! `monitoring/incidents/smart_alerting.py` at 9455c19): a batch of alert
//! dicts is correlated pairwise by four strategies ([`correlate`], K4.1),
//! grouped greedily by the ranked correlations ([`group`], K4.2), and each
//! group becomes one notification, ranked, escalated, routed and rate
//! limited ([`notify`], K4.3).
//!
//! The original reads plain dicts whose keys may be missing, and *presence*
//! (not truthiness) decides several answers, so [`AlertRecord`] keeps the
//! difference between a missing key, a key holding `None` and a string.

pub mod correlate;
pub mod group;
pub mod notify;

pub use correlate::{Correlation, CorrelationKind, correlate_alerts};
pub use group::group_alerts;
pub use notify::{Notification, RateLimiter, Target, notify};

/// One key of an alert dict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// The key is not in the dict.
    Absent,
    /// The key holds `None`.
    Null,
    Text(String),
}

/// An alert dict as `SmartAlertingSystem.process_alerts` receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// `None`: no `alert_id` key; `Some(n)`: the id `f"ALR-{n}"` (a re-sent
    /// alert repeats an id).
    pub alert_id: Option<u64>,
    /// `timestamp`, naive wall-clock microseconds since 1970 (every record
    /// has one: the original substitutes `datetime.now()` for a missing
    /// one, which no test can reproduce).
    pub timestamp: i64,
    pub service: Field,
    pub component: Field,
    pub source: Field,
    /// `metric_name`, when the key is present (always a string then).
    pub metric_name: Option<String>,
    /// `severity`, when the key is present.
    pub severity: Option<String>,
}

/// Which alert a correlation names: its `alert_id`, or, for an alert
/// without one, the fallback id `f"alert_{i}"` with `i` its position in the
/// batch *sorted by timestamp* (so it names nothing the grouping can find).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertRef {
    Id(u64),
    Fallback(usize),
}

impl AlertRef {
    /// The harness's integer code: `n` for `ALR-n`, `-(i + 1)` for
    /// `alert_i`.
    pub fn code(self) -> i64 {
        match self {
            AlertRef::Id(n) => n as i64,
            AlertRef::Fallback(i) => -(i as i64) - 1,
        }
    }
}

/// What one `process_alerts` call decides for a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The deduplicated correlations, strongest first.
    pub correlations: Vec<Correlation>,
    /// The groups: positions of their alerts in the batch, in group order.
    pub groups: Vec<Vec<usize>>,
    /// One notification per group, in group order.
    pub notifications: Vec<Notification>,
}

/// `process_alerts(alerts)` with the clock at `now` (microseconds): K4.1,
/// K4.2 and K4.3 on one batch, through `limiter`'s hourly counters (which
/// persist across batches, as the original's dict does).
pub fn process_alerts(alerts: &[AlertRecord], now: i64, limiter: &mut RateLimiter) -> Processed {
    let correlations = correlate_alerts(alerts);
    let groups = group_alerts(alerts, &correlations);
    let notifications = groups
        .iter()
        .map(|g| notify(alerts, g, now, limiter))
        .collect();
    Processed {
        correlations,
        groups,
        notifications,
    }
}
