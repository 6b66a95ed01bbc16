//! K4.3: one consolidated notification per group
//! (`_create_consolidated_notification`), its targets
//! (`_determine_notification_targets`) and the hourly rate limit each
//! target passes before a send (`_check_rate_limit`).
//!
//! - The primary is Python's `max(group, key=severity score)`: the *first*
//!   alert of the highest score (low 1, medium 2, high 3, critical 4,
//!   anything else 1, on the lower-cased `severity`, default `"low"`).
//! - Escalate when any alert is critical or at least three are high or
//!   critical.
//! - The runbook is the first of `response_time`, `error_rate`,
//!   `memory_usage` found in the primary's `metric_name` (case-sensitive),
//!   else the general one.
//! - `related_alerts` is `group[1:]`, by position: when the primary is not
//!   the group's first alert it is listed as related too, and the first is
//!   missing (the original's quirk; the harness reads the primary's
//!   position, which shows it).
//! - The rate limiter counts sends per target and wall-clock hour in a dict
//!   that is never pruned; a send is allowed while the count is below the
//!   target's limit (Slack 60, PagerDuty 20, e-mail 100 an hour).

use std::collections::HashMap;

use super::AlertRecord;
use crate::text::python_str;

/// A notification target, in the original's `notification_targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    PagerDuty,
    Slack,
    Email,
}

impl Target {
    /// `rate_limit`: sends allowed per hour.
    pub fn hourly_limit(self) -> u32 {
        match self {
            Target::PagerDuty => 20,
            Target::Slack => 60,
            Target::Email => 100,
        }
    }

    /// The harness's bit for the target.
    pub fn bit(self) -> i64 {
        match self {
            Target::PagerDuty => 1,
            Target::Slack => 2,
            Target::Email => 4,
        }
    }
}

/// The runbook chosen for a notification (`_get_runbook_url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runbook {
    ResponseTime,
    ErrorRate,
    MemoryUsage,
    General,
}

impl Runbook {
    pub fn code(self) -> i64 {
        match self {
            Runbook::ResponseTime => 0,
            Runbook::ErrorRate => 1,
            Runbook::MemoryUsage => 2,
            Runbook::General => 3,
        }
    }
}

/// What the original decides for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Position of the primary within the group.
    pub primary: usize,
    /// The primary's severity score.
    pub score: u8,
    pub escalate: bool,
    pub runbook: Runbook,
    /// The targets in the original's order.
    pub targets: Vec<Target>,
    /// Of those, the ones the rate limit let through.
    pub sent: Vec<Target>,
}

/// `rate_limiters`: sends per (target, hour since 1970).
#[derive(Debug, Default, Clone)]
pub struct RateLimiter {
    counts: HashMap<(Target, i64), u32>,
}

impl RateLimiter {
    pub fn new() -> Self {
        RateLimiter::default()
    }

    /// `_check_rate_limit(target)` at `now` (microseconds): allowed while
    /// the hour's count is below the limit; an allowed send counts.
    pub fn allow(&mut self, target: Target, now: i64) -> bool {
        let hour = now.div_euclid(3_600 * 1_000_000);
        let count = self.counts.entry((target, hour)).or_insert(0);
        if *count < target.hourly_limit() {
            *count += 1;
            true
        } else {
            false
        }
    }
}

fn lowered_severity(alert: &AlertRecord) -> String {
    python_str::lower(alert.severity.as_deref().unwrap_or("low"))
}

/// `_severity_score`.
fn severity_score(alert: &AlertRecord) -> u8 {
    match lowered_severity(alert).as_str() {
        "medium" => 2,
        "high" => 3,
        "critical" => 4,
        _ => 1,
    }
}

/// The notification for `group` (positions in `alerts`), its sends
/// counted by `limiter` at `now`.
pub fn notify(
    alerts: &[AlertRecord],
    group: &[usize],
    now: i64,
    limiter: &mut RateLimiter,
) -> Notification {
    let scores: Vec<u8> = group.iter().map(|&i| severity_score(&alerts[i])).collect();
    // Python's max keeps the first of equal keys.
    let mut primary = 0;
    for (k, &s) in scores.iter().enumerate() {
        if s > scores[primary] {
            primary = k;
        }
    }
    let lowered: Vec<String> = group
        .iter()
        .map(|&i| lowered_severity(&alerts[i]))
        .collect();
    let critical = lowered.iter().filter(|s| *s == "critical").count();
    let severe = lowered
        .iter()
        .filter(|s| *s == "high" || *s == "critical")
        .count();
    let lead = &alerts[group[primary]];
    let metric = lead.metric_name.as_deref().unwrap_or("");
    let runbook = [
        ("response_time", Runbook::ResponseTime),
        ("error_rate", Runbook::ErrorRate),
        ("memory_usage", Runbook::MemoryUsage),
    ]
    .into_iter()
    .find(|(key, _)| metric.contains(key))
    .map_or(Runbook::General, |(_, r)| r);
    let targets = match lowered[primary].as_str() {
        "critical" => vec![Target::PagerDuty, Target::Slack],
        "high" => vec![Target::Slack, Target::Email],
        _ => vec![Target::Slack],
    };
    let sent = targets
        .iter()
        .copied()
        .filter(|&t| limiter.allow(t, now))
        .collect();
    Notification {
        primary,
        score: scores[primary],
        escalate: critical > 0 || severe >= 3,
        runbook,
        targets,
        sent,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Field;
    use super::*;

    fn alert(severity: &str, metric: &str) -> AlertRecord {
        AlertRecord {
            alert_id: None,
            timestamp: 0,
            service: Field::Absent,
            component: Field::Absent,
            source: Field::Absent,
            metric_name: Some(metric.to_string()),
            severity: Some(severity.to_string()),
        }
    }

    #[test]
    fn the_first_highest_severity_leads_and_three_highs_escalate() {
        let alerts = [
            alert("medium", "x"),
            alert("HIGH", "api_error_rate"),
            alert("high", "memory_usage"),
            alert("High", "y"),
        ];
        let mut limiter = RateLimiter::new();
        let n = notify(&alerts, &[0, 1, 2, 3], 0, &mut limiter);
        assert_eq!((n.primary, n.score, n.escalate), (1, 3, true));
        assert_eq!(n.runbook, Runbook::ErrorRate);
        assert_eq!(n.targets, [Target::Slack, Target::Email]);
    }

    #[test]
    fn the_hourly_limit_counts_per_target_and_hour() {
        let mut limiter = RateLimiter::new();
        let hour = 3_600 * 1_000_000;
        let allowed = (0..25)
            .filter(|_| limiter.allow(Target::PagerDuty, 5))
            .count();
        assert_eq!(allowed, 20);
        assert!(limiter.allow(Target::PagerDuty, hour));
        assert!(limiter.allow(Target::Slack, 5));
    }
}
