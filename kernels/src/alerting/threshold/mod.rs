//! The dashboard's threshold alert engine (catalog ml_monitoring.md §9,
//! `server/dashboard/alert_engine.py` at 9455c19): the evaluation loop's
//! body once per tick of resource metrics ([`AlertEngine::evaluate`]).
//!
//! Per enabled rule, in rule order: the conditions ([`rule`], K9.1); when
//! met, the breach is recorded and counted in the rule's window (K9.2:
//! breaches need not be consecutive); then the cooldown and the hourly
//! rate limit (K9.3); then the alert (K9.4). After the rules, the system
//! aggregates and the breach cleanup (K9.5).
//!
//! The cooldown reproduces the original's quirk: its history entries hold
//! `'resolved_at': None` until resolved, and `None > datetime` raises the
//! `TypeError` its caller swallows, so an unresolved alert older than the
//! cooldown still blocks its rule, for as long as it stays unresolved.

pub mod rule;

use std::collections::{HashMap, VecDeque};

use super::alert::SEVERITIES;
use crate::text::python_str;
pub use rule::{Condition, Metric, Metrics, Operator, Rule};

const HOUR: i64 = 3_600 * 1_000_000;
/// `alert_history`'s `maxlen`.
const HISTORY: usize = 1_000;
/// Breach timestamps older than this are dropped by the cleanup.
const BREACH_RETENTION: i64 = 2 * HOUR;

/// What the performance manager reports for one tick (`None`: attribute
/// missing).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ResourceMetrics {
    pub cpu_usage_percent: Option<f64>,
    pub memory_usage_percent: Option<f64>,
    pub memory_used_mb: Option<f64>,
    pub memory_total_mb: Option<f64>,
    pub active_connections: Option<f64>,
    /// The cache metrics dict's `hit_rate`, when it has one.
    pub cache_hit_rate: Option<f64>,
}

impl ResourceMetrics {
    /// `_get_current_metrics`: memory from used ÷ total × 100 when both are
    /// there and the total is positive (NaN is not), else the reported
    /// percentage.
    pub fn flatten(&self) -> Metrics {
        let from_usage = match (self.memory_used_mb, self.memory_total_mb) {
            (Some(used), Some(total)) if total > 0.0 => Some(used / total * 100.0),
            _ => None,
        };
        Metrics {
            cpu_usage: self.cpu_usage_percent,
            memory_usage: from_usage.or(self.memory_usage_percent),
            connection_count: self.active_connections,
            cache_hit_rate: self.cache_hit_rate.map(|h| h * 100.0),
        }
    }
}

/// An alert the engine generated (K9.4).
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedAlert {
    /// Position of its rule.
    pub rule: usize,
    pub title: String,
    pub description: String,
    /// The first condition's metric's value, 0.0 when it was missing.
    pub actual_value: f64,
}

/// `system_metrics` after a tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SystemMetrics {
    pub active: usize,
    pub total: usize,
    /// Active alerts per severity code.
    pub by_severity: [usize; 5],
    pub rate_per_hour: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    Acknowledged,
}

#[derive(Debug, Clone)]
struct ActiveAlert {
    id: u64,
    rule: usize,
    severity: u8,
    status: Status,
    triggered_at: i64,
}

#[derive(Debug, Clone)]
struct HistoryEntry {
    id: u64,
    rule: usize,
    triggered_at: i64,
    resolved_at: Option<i64>,
}

/// An operator's action on the `k`-th active alert (modulo their number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    None,
    Acknowledge(u32),
    Resolve(u32),
}

/// One evaluation: the clock, what the performance manager reports, and
/// the operator's action just before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tick {
    pub time: i64,
    pub resource: ResourceMetrics,
    pub action: Action,
}

/// Every tick through one engine with [`harness_rules`] (created at the
/// first tick): per tick the alerts generated and the system metrics.
pub fn run_ticks(ticks: &[Tick]) -> Vec<(Vec<GeneratedAlert>, SystemMetrics)> {
    let Some(first) = ticks.first() else {
        return Vec::new();
    };
    let mut engine = AlertEngine::new(harness_rules(), first.time);
    ticks
        .iter()
        .map(|tick| {
            engine.act(tick.action, tick.time);
            engine.evaluate(&tick.resource, tick.time)
        })
        .collect()
}

/// The engine's state between ticks.
#[derive(Debug)]
pub struct AlertEngine {
    rules: Vec<Rule>,
    breaches: HashMap<usize, Vec<i64>>,
    /// In the dict's insertion order.
    active: Vec<ActiveAlert>,
    history: VecDeque<HistoryEntry>,
    last_metrics_update: i64,
    next_id: u64,
    /// Kept with `active` and `history` so that no query scans them whole
    /// (acknowledged alerts stay active for ever, so `active` grows with
    /// the run): active alerts per severity, unresolved history entries per
    /// rule, and the latest `resolved_at` among each rule's entries.
    active_by_severity: [usize; 5],
    unresolved: Vec<usize>,
    last_resolved: Vec<Option<i64>>,
}

impl AlertEngine {
    pub fn new(rules: Vec<Rule>, now: i64) -> Self {
        let rules_len = rules.len();
        AlertEngine {
            rules,
            breaches: HashMap::new(),
            active: Vec::new(),
            history: VecDeque::with_capacity(HISTORY),
            last_metrics_update: now,
            next_id: 1,
            active_by_severity: [0; 5],
            unresolved: vec![0; rules_len],
            last_resolved: vec![None; rules_len],
        }
    }

    /// `acknowledge_alert` / `resolve_alert` on the `k`-th active alert.
    pub fn act(&mut self, action: Action, now: i64) {
        if self.active.is_empty() {
            return;
        }
        match action {
            Action::None => {}
            Action::Acknowledge(k) => {
                let at = k as usize % self.active.len();
                self.active[at].status = Status::Acknowledged;
            }
            Action::Resolve(k) => {
                let at = k as usize % self.active.len();
                let alert = self.active.remove(at);
                self.active_by_severity[usize::from(alert.severity)] -= 1;
                // History ids increase with time: the entry, unless evicted.
                if let Ok(k) = self.history.binary_search_by_key(&alert.id, |e| e.id) {
                    let entry = &mut self.history[k];
                    if entry.resolved_at.is_none() {
                        self.unresolved[entry.rule] -= 1;
                    }
                    entry.resolved_at = Some(now);
                    self.last_resolved[entry.rule] = Some(now);
                }
            }
        }
    }

    /// The evaluation loop's body at `now`: the alerts generated, and the
    /// system metrics after it.
    pub fn evaluate(
        &mut self,
        resource: &ResourceMetrics,
        now: i64,
    ) -> (Vec<GeneratedAlert>, SystemMetrics) {
        let metrics = resource.flatten();
        let mut generated = Vec::new();
        for r in 0..self.rules.len() {
            let rule = &self.rules[r];
            if !rule.enabled {
                continue;
            }
            let (met, relevant) = rule.evaluate(&metrics);
            if !met || !self.breached(r, now) || self.cooling_down(r, now) || self.limited(r, now) {
                continue;
            }
            generated.push(self.generate(r, &relevant, now));
        }
        let system = self.update_system_metrics(now);
        self.cleanup_breaches(now);
        (generated, system)
    }

    /// `should_generate_alert`: record the breach, keep the window's, count.
    fn breached(&mut self, r: usize, now: i64) -> bool {
        let rule = &self.rules[r];
        let cutoff = now - rule.evaluation_window;
        let times = self.breaches.entry(r).or_default();
        times.push(now);
        times.retain(|&t| t > cutoff);
        times.len() >= rule.consecutive_breaches
    }

    /// `check_alert_cooldown`, the swallowed `TypeError` counted as
    /// blocking (the original skips the rule): an active alert of the rule
    /// triggered within the cooldown, or any history entry of the rule
    /// unresolved or resolved within it. (The original walks the history
    /// and stops at the first such entry; which one it meets first does not
    /// change the answer.) Alerts are appended in time order, so the recent
    /// ones are at the end.
    fn cooling_down(&self, r: usize, now: i64) -> bool {
        let threshold = now - self.rules[r].cooldown;
        let recent_active = self
            .active
            .iter()
            .rev()
            .take_while(|a| a.triggered_at > threshold)
            .any(|a| a.rule == r && a.status == Status::Active);
        recent_active
            || self.unresolved[r] > 0
            || self.last_resolved[r].is_some_and(|at| at > threshold)
    }

    /// `check_rate_limit`: the rule's alerts of the last hour (history is
    /// in time order).
    fn limited(&self, r: usize, now: i64) -> bool {
        let hour_ago = now - HOUR;
        let recent = self
            .history
            .iter()
            .rev()
            .take_while(|e| e.triggered_at > hour_ago)
            .filter(|e| e.rule == r)
            .count();
        recent >= self.rules[r].max_alerts_per_hour
    }

    /// `generate_alert` and its bookkeeping.
    fn generate(&mut self, r: usize, relevant: &rule::Relevant, now: i64) -> GeneratedAlert {
        // A copy: the bookkeeping below needs `self` (alerts are rare).
        let rule = self.rules[r].clone();
        let value_of = |m: Metric| relevant.iter().find(|(k, _)| *k == m).map(|&(_, v)| v);
        let primary = rule.conditions[0];
        let mut description = if rule.description.is_empty() {
            format!("Alert triggered for {}", rule.name)
        } else {
            rule.description.to_string()
        };
        let lines: Vec<String> = rule
            .conditions
            .iter()
            .filter_map(|c| {
                value_of(c.metric)
                    .map(|v| format!("{}: {}{}", c.metric.name(), python_str::fixed(v, 2), c.unit))
            })
            .collect();
        if !lines.is_empty() {
            description.push_str("\n\nCurrent values:\n");
            description.push_str(&lines.join("\n"));
        }
        let id = self.next_id;
        self.next_id += 1;
        self.active_by_severity[usize::from(rule.severity)] += 1;
        self.unresolved[r] += 1;
        self.active.push(ActiveAlert {
            id,
            rule: r,
            severity: rule.severity,
            status: Status::Active,
            triggered_at: now,
        });
        if self.history.len() == HISTORY {
            self.evict_oldest();
        }
        self.history.push_back(HistoryEntry {
            id,
            rule: r,
            triggered_at: now,
            resolved_at: None,
        });
        GeneratedAlert {
            rule: r,
            title: format!(
                "{} - {}",
                rule.name,
                SEVERITIES[usize::from(rule.severity)].to_ascii_uppercase()
            ),
            description,
            actual_value: value_of(primary.metric).unwrap_or(0.0),
        }
    }

    /// The deque's `maxlen` dropping its oldest entry, and the per-rule
    /// counts with it.
    fn evict_oldest(&mut self) {
        let Some(old) = self.history.pop_front() else {
            return;
        };
        match old.resolved_at {
            None => self.unresolved[old.rule] -= 1,
            Some(at) if self.last_resolved[old.rule] == Some(at) => {
                self.last_resolved[old.rule] = self
                    .history
                    .iter()
                    .filter(|e| e.rule == old.rule)
                    .filter_map(|e| e.resolved_at)
                    .max();
            }
            Some(_) => {}
        }
    }

    /// `_update_system_metrics`.
    fn update_system_metrics(&mut self, now: i64) -> SystemMetrics {
        let previous = self.last_metrics_update;
        let recent = self
            .history
            .iter()
            .rev()
            .take_while(|e| e.triggered_at > previous)
            .count();
        let hours = ((now - previous) as f64 / 1e6) / 3_600.0;
        self.last_metrics_update = now;
        SystemMetrics {
            active: self.active.len(),
            total: self.history.len(),
            by_severity: self.active_by_severity,
            rate_per_hour: if hours > 0.0 {
                recent as f64 / hours
            } else {
                0.0
            },
        }
    }

    /// `cleanup_expired_alerts`: breaches older than two hours, and the
    /// rules left with none.
    fn cleanup_breaches(&mut self, now: i64) {
        let cutoff = now - BREACH_RETENTION;
        self.breaches.retain(|_, times| {
            times.retain(|&t| t > cutoff);
            !times.is_empty()
        });
    }
}

/// The three default rules, then the rules the harness adds (a critical
/// two-condition rule, an `eq` rule, an `ne` + `lte` rule naming one metric
/// twice) and a disabled one: `default_rules()` in the baseline.
pub fn harness_rules() -> Vec<Rule> {
    const MINUTE: i64 = 60 * 1_000_000;
    let c = |metric, operator, value, unit| Condition {
        metric,
        operator,
        value,
        unit,
    };
    let rule = |name, description, severity, conditions| Rule {
        name,
        description,
        severity,
        conditions,
        enabled: true,
        evaluation_window: 5 * MINUTE,
        consecutive_breaches: 1,
        cooldown: 15 * MINUTE,
        max_alerts_per_hour: 10,
    };
    use Metric::*;
    use Operator::*;
    vec![
        Rule {
            consecutive_breaches: 2,
            ..rule(
                "High CPU Usage",
                "CPU usage is above 85%",
                1,
                vec![c(CpuUsage, Gte, 85.0, "%")],
            )
        },
        Rule {
            evaluation_window: 3 * MINUTE,
            consecutive_breaches: 3,
            ..rule(
                "High Memory Usage",
                "Memory usage is above 90%",
                1,
                vec![c(MemoryUsage, Gte, 90.0, "%")],
            )
        },
        Rule {
            evaluation_window: 10 * MINUTE,
            consecutive_breaches: 2,
            ..rule(
                "Low Cache Hit Rate",
                "Cache hit rate is below 70%",
                2,
                vec![c(CacheHitRate, Lt, 70.0, "%")],
            )
        },
        Rule {
            evaluation_window: 2 * MINUTE,
            consecutive_breaches: 2,
            cooldown: 5 * MINUTE,
            ..rule(
                "Connection Storm",
                "",
                0,
                vec![
                    c(ConnectionCount, Gt, 500.0, ""),
                    c(CpuUsage, Gte, 70.0, "%"),
                ],
            )
        },
        rule(
            "Cache Cold",
            "Cache hit rate is exactly zero",
            3,
            vec![c(CacheHitRate, Eq, 0.0, "%")],
        ),
        Rule {
            evaluation_window: MINUTE,
            cooldown: MINUTE,
            ..rule(
                "Memory Off Nominal",
                "",
                4,
                vec![
                    c(MemoryUsage, Ne, 50.0, "%"),
                    c(MemoryUsage, Lte, 95.0, "%"),
                ],
            )
        },
        Rule {
            enabled: false,
            ..rule("Disabled Probe", "", 4, vec![c(CpuUsage, Gt, 0.0, "%")])
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60 * 1_000_000;

    #[test]
    fn an_unresolved_alert_blocks_its_rule_until_resolved() {
        let mut engine = AlertEngine::new(harness_rules(), 0);
        let cold = ResourceMetrics {
            cache_hit_rate: Some(0.0),
            ..ResourceMetrics::default()
        };
        // Cache Cold (rule 4) and Low Cache Hit Rate's first breach.
        let (first, _) = engine.evaluate(&cold, 0);
        assert_eq!(first.iter().map(|a| a.rule).collect::<Vec<_>>(), [4]);
        // An hour later, past the cooldown: still blocked (TypeError).
        let (later, _) = engine.evaluate(&cold, 60 * MINUTE);
        assert!(later.iter().all(|a| a.rule != 4));
        engine.act(Action::Resolve(0), 61 * MINUTE);
        let (after, _) = engine.evaluate(&cold, 90 * MINUTE);
        assert!(after.iter().any(|a| a.rule == 4));
    }

    #[test]
    fn the_alert_text_is_the_originals() {
        let mut engine = AlertEngine::new(harness_rules(), 0);
        let busy = ResourceMetrics {
            memory_usage_percent: Some(60.125),
            ..ResourceMetrics::default()
        };
        let (alerts, system) = engine.evaluate(&busy, MINUTE);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].title, "Memory Off Nominal - INFO");
        assert_eq!(
            alerts[0].description,
            "Alert triggered for Memory Off Nominal\n\nCurrent values:\n\
             memory_usage: 60.12%\nmemory_usage: 60.12%"
        );
        assert_eq!(system.by_severity, [0, 0, 0, 0, 1]);
    }
}
