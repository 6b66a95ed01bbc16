//! The service health monitor of `server/health_monitoring.py` (catalog §6):
//! registered health checks, their last results, threshold alerts and the
//! notification channels. (Its start/stop lifecycle is the collector's
//! [`super::collector::Collector`], R6.2; its metric series are
//! [`super::metrics`], R6.4.)
//!
//! The original has no lock and several defects beside its lifecycle race:
//! `start_monitoring` snapshots the registered checks and each loop captures
//! its function, so a check registered later never runs and a re-registered
//! one keeps its old function (R6.3); every threshold check creates a new
//! alert, never deduplicated, resolved or pruned (R6.5); the overall health
//! never looks at a result's age, so a hung check freezes its last status
//! (R6.6); alerts fire at `>=` while the system health check uses `>` (R6.7);
//! and the notification loop walks the live channel list while channels are
//! appended (R6.9).
//!
//! Here everything lives in one [`HealthMonitorCore`] behind one mutex; the
//! check functions and channels run outside it.
//!
//! # Invariants (asserted by the model checks)
//! - **every-check-monitored**: while running, every registered check has
//!   exactly one loop, whenever it was registered, and a round runs the
//!   function registered last under its name.
//! - **one-active-alert-per-condition**: at most one unresolved alert per
//!   (source, metric, severity); repeated breaches update it; the store
//!   holds at most the active alerts plus `resolved_cap` resolved ones.
//! - **fresh-overall-health**: the overall status is the worst status of the
//!   results no older than `stale_after`; a missing or stale result counts as
//!   [`HealthStatus::Unknown`], and a check that times out records
//!   [`HealthStatus::Critical`].
//! - **alert-matches-health**: one classification per value: a value raises
//!   a warning (critical) alert exactly when the health it maps to is
//!   warning (critical).
//! - **channels-after-registration**: a channel receives exactly the alerts
//!   raised after its registration, each once.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use super::clock::Millis;
use super::sync::Mutex;

/// A check's or the service's health. Ordered from best to worst: an unknown
/// status is worse than a warning (nobody knows it is only a warning) and
/// better than a known critical one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HealthStatus {
    Healthy,
    Warning,
    Unknown,
    Critical,
}

/// Severity of a threshold alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    /// The health a value of this severity maps to.
    pub fn health(severity: Option<Severity>) -> HealthStatus {
        match severity {
            None => HealthStatus::Healthy,
            Some(Severity::Warning) => HealthStatus::Warning,
            Some(Severity::Critical) => HealthStatus::Critical,
        }
    }
}

/// A metric's two thresholds (percent, or any integer unit).
///
/// The original compares with `>=` when alerting and with `>` in the system
/// health check, so at exactly the critical threshold it raises a critical
/// alert while reporting a warning (R6.7). Both go through
/// [`Thresholds::classify`] here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub warning: u32,
    pub critical: u32,
}

impl Thresholds {
    /// The original's CPU thresholds: 80 % and 95 %.
    pub const CPU: Thresholds = Thresholds {
        warning: 80,
        critical: 95,
    };

    /// A threshold is reached at its value (`>=`), for alerts and health
    /// alike.
    pub fn classify(self, value: u32) -> Option<Severity> {
        if value >= self.critical {
            Some(Severity::Critical)
        } else if value >= self.warning {
            Some(Severity::Warning)
        } else {
            None
        }
    }

    /// The health a value maps to.
    pub fn health(self, value: u32) -> HealthStatus {
        Severity::health(self.classify(value))
    }
}

/// A health check: `None` when it did not answer within its timeout (the
/// caller's timeout wrapper turns a hang into `None`). An immutable handle,
/// so `std`'s `Arc` (see [`super::incidents::IncidentCallback`]).
pub type HealthCheck = std::sync::Arc<dyn Fn() -> Option<HealthStatus> + Send + Sync>;

/// A notification channel: receives each new alert.
pub type Channel = std::sync::Arc<dyn Fn(&Alert) + Send + Sync>;

/// A check's last result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckResult {
    pub status: HealthStatus,
    pub at: Millis,
    /// Registration number of the function that produced it.
    pub registration: u64,
    /// The check did not answer within its timeout.
    pub timed_out: bool,
}

/// What an alert is about: one metric of one source at one severity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Condition {
    pub source: String,
    pub metric: String,
    pub severity: Severity,
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// 1, 2, … in the order alerts are raised.
    pub seq: u64,
    pub condition: Condition,
    pub value: u32,
    pub raised_at: Millis,
    /// Breaches counted into this alert (1 when raised).
    pub breaches: u64,
    pub resolved_at: Option<Millis>,
}

#[derive(Clone)]
struct Registered {
    check: HealthCheck,
    registration: u64,
}

/// The monitor's logic, unsynchronised: one owner, `&mut self`.
#[derive(Default)]
pub struct HealthMonitorCore {
    checks: BTreeMap<String, Registered>,
    registrations: u64,
    running: bool,
    results: BTreeMap<String, CheckResult>,
    active: BTreeMap<Condition, Alert>,
    resolved: VecDeque<Alert>,
    resolved_cap: usize,
    raised: u64,
    channels: Vec<Channel>,
}

impl HealthMonitorCore {
    /// Keeps at most `resolved_cap` resolved alerts (the oldest go first).
    pub fn new(resolved_cap: usize) -> Self {
        Self {
            resolved_cap,
            ..Self::default()
        }
    }

    /// Registers (or replaces) check `name`; returns its registration number.
    pub fn register(&mut self, name: &str, check: HealthCheck) -> u64 {
        self.registrations += 1;
        let registration = self.registrations;
        self.checks.insert(
            name.to_string(),
            Registered {
                check,
                registration,
            },
        );
        registration
    }

    pub fn set_running(&mut self, running: bool) {
        self.running = running;
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The checks with a loop: while running, every registered one (a loop
    /// is a name, not a captured function); none while stopped.
    pub fn loops(&self) -> Vec<String> {
        if self.running {
            self.checks.keys().cloned().collect()
        } else {
            Vec::new()
        }
    }

    /// The function currently registered under `name`, with its number.
    fn current(&self, name: &str) -> Option<(HealthCheck, u64)> {
        self.checks
            .get(name)
            .map(|r| (std::sync::Arc::clone(&r.check), r.registration))
    }

    /// Records a result unless a newer one (by time) is recorded.
    fn record(&mut self, name: &str, result: CheckResult) {
        let newer = self.results.get(name).is_none_or(|r| r.at <= result.at);
        if newer {
            self.results.insert(name.to_string(), result);
        }
    }

    pub fn result(&self, name: &str) -> Option<CheckResult> {
        self.results.get(name).copied()
    }

    /// The worst status over every registered check at `now`: a result older
    /// than `stale_after` (or none) counts as unknown. No checks: healthy.
    pub fn overall(&self, now: Millis, stale_after: Millis) -> HealthStatus {
        self.checks
            .keys()
            .map(|name| match self.results.get(name) {
                Some(r) if now.saturating_sub(r.at) <= stale_after => r.status,
                _ => HealthStatus::Unknown,
            })
            .max()
            .unwrap_or(HealthStatus::Healthy)
    }

    /// One threshold check of `metric` of `source`: raises an alert for the
    /// value's condition unless one is active (then counts the breach into
    /// it), and resolves the metric's active alerts of other severities.
    /// Returns the alert raised, if any, and the channels to notify of it.
    pub fn breach(
        &mut self,
        source: &str,
        metric: &str,
        value: u32,
        thresholds: Thresholds,
        now: Millis,
    ) -> Option<(Alert, Vec<Channel>)> {
        let severity = thresholds.classify(value);
        let stale: Vec<Condition> = self
            .active
            .keys()
            .filter(|c| c.source == source && c.metric == metric && Some(c.severity) != severity)
            .cloned()
            .collect();
        for condition in stale {
            if let Some(mut alert) = self.active.remove(&condition) {
                alert.resolved_at = Some(now);
                self.resolved.push_back(alert);
            }
        }
        while self.resolved.len() > self.resolved_cap {
            self.resolved.pop_front();
        }
        let condition = Condition {
            source: source.to_string(),
            metric: metric.to_string(),
            severity: severity?,
        };
        if let Some(alert) = self.active.get_mut(&condition) {
            alert.breaches += 1;
            alert.value = value;
            return None;
        }
        self.raised += 1;
        let alert = Alert {
            seq: self.raised,
            condition: condition.clone(),
            value,
            raised_at: now,
            breaches: 1,
            resolved_at: None,
        };
        self.active.insert(condition, alert.clone());
        Some((alert, self.channels.clone()))
    }

    /// Adds a channel; returns the number of the last alert raised before it.
    pub fn add_channel(&mut self, channel: Channel) -> u64 {
        self.channels.push(channel);
        self.raised
    }

    /// Active alerts, then resolved ones, each ascending by `seq`.
    pub fn alerts(&self) -> Vec<Alert> {
        let mut active: Vec<Alert> = self.active.values().cloned().collect();
        active.sort_by_key(|a| a.seq);
        active.extend(self.resolved.iter().cloned());
        active
    }
}

impl fmt::Debug for HealthMonitorCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthMonitorCore")
            .field("checks", &self.checks.keys().collect::<BTreeSet<_>>())
            .field("running", &self.running)
            .field("results", &self.results)
            .field("active", &self.active.len())
            .finish_non_exhaustive()
    }
}

/// The shared health monitor. Check functions and channels run outside the
/// lock (a check may take long; a channel may call back into the monitor).
#[derive(Debug)]
pub struct HealthMonitor {
    core: Mutex<HealthMonitorCore>,
    stale_after: Millis,
}

impl HealthMonitor {
    /// A result older than `stale_after` counts as unknown; at most
    /// `resolved_cap` resolved alerts are kept.
    pub fn new(stale_after: Millis, resolved_cap: usize) -> Self {
        Self {
            core: Mutex::new(HealthMonitorCore::new(resolved_cap)),
            stale_after,
        }
    }

    /// Registers or replaces check `name`, before or after `start`: the loop
    /// of a name runs whatever function is registered under it when it runs.
    pub fn register(&self, name: &str, check: HealthCheck) -> u64 {
        self.core.lock().register(name, check)
    }

    /// Starts the loops (the lifecycle itself is [`super::collector::Collector`]'s).
    pub fn start(&self) {
        self.core.lock().set_running(true);
    }

    pub fn stop(&self) {
        self.core.lock().set_running(false);
    }

    /// The checks that have a loop.
    pub fn loops(&self) -> Vec<String> {
        self.core.lock().loops()
    }

    /// One run of check `name`'s loop at `now`: the current function runs
    /// outside the lock; a timeout (`None`) records a critical result, so a
    /// hung check never freezes its last status. Returns the status recorded.
    pub fn run_check(&self, name: &str, now: Millis) -> Option<HealthStatus> {
        let (check, registration) = self.core.lock().current(name)?;
        let answer = check();
        let result = CheckResult {
            status: answer.unwrap_or(HealthStatus::Critical),
            at: now,
            registration,
            timed_out: answer.is_none(),
        };
        self.core.lock().record(name, result);
        Some(result.status)
    }

    /// One round of every loop at `now` (the loops' interval elapsing).
    pub fn run_round(&self, now: Millis) {
        for name in self.loops() {
            self.run_check(&name, now);
        }
    }

    pub fn result(&self, name: &str) -> Option<CheckResult> {
        self.core.lock().result(name)
    }

    /// The worst fresh status; see [`HealthMonitorCore::overall`].
    pub fn overall(&self, now: Millis) -> HealthStatus {
        self.core.lock().overall(now, self.stale_after)
    }

    /// A threshold check; a newly raised alert goes to the channels
    /// registered before it (a copy of the list taken with the alert, called
    /// outside the lock). Returns the raised alert.
    pub fn check_threshold(
        &self,
        source: &str,
        metric: &str,
        value: u32,
        thresholds: Thresholds,
        now: Millis,
    ) -> Option<Alert> {
        let (alert, channels) = self
            .core
            .lock()
            .breach(source, metric, value, thresholds, now)?;
        for channel in channels {
            channel(&alert);
        }
        Some(alert)
    }

    /// Adds a channel; it receives exactly the alerts numbered above the
    /// returned number.
    pub fn add_channel(&self, channel: Channel) -> u64 {
        self.core.lock().add_channel(channel)
    }

    pub fn alerts(&self) -> Vec<Alert> {
        self.core.lock().alerts()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    fn answering(status: Option<HealthStatus>) -> HealthCheck {
        std::sync::Arc::new(move || status)
    }

    #[test]
    fn late_and_replaced_checks_run_their_newest_function() {
        let monitor = HealthMonitor::new(10, 4);
        monitor.register("db", answering(Some(HealthStatus::Healthy)));
        monitor.start();
        monitor.register("kuzu", answering(Some(HealthStatus::Warning)));
        let replaced = monitor.register("db", answering(Some(HealthStatus::Critical)));
        assert_eq!(monitor.loops(), vec!["db".to_string(), "kuzu".to_string()]);
        monitor.run_round(5);
        let db = monitor.result("db").expect("ran");
        assert_eq!(
            (db.status, db.registration),
            (HealthStatus::Critical, replaced)
        );
        assert_eq!(monitor.overall(5), HealthStatus::Critical);
        monitor.stop();
        assert!(monitor.loops().is_empty());
    }

    #[test]
    fn stale_and_timed_out_results_are_not_healthy() {
        let monitor = HealthMonitor::new(10, 4);
        monitor.register("db", answering(Some(HealthStatus::Healthy)));
        assert_eq!(monitor.overall(0), HealthStatus::Unknown);
        monitor.run_check("db", 0);
        assert_eq!(monitor.overall(10), HealthStatus::Healthy);
        assert_eq!(monitor.overall(11), HealthStatus::Unknown);
        monitor.register("db", answering(None));
        assert_eq!(monitor.run_check("db", 12), Some(HealthStatus::Critical));
        assert!(monitor.result("db").is_some_and(|r| r.timed_out));
    }

    #[test]
    fn one_alert_per_condition_and_thresholds_agree() {
        assert_eq!(Thresholds::CPU.classify(95), Some(Severity::Critical));
        assert_eq!(Thresholds::CPU.health(95), HealthStatus::Critical);
        assert_eq!(Thresholds::CPU.health(80), HealthStatus::Warning);
        assert_eq!(Thresholds::CPU.health(79), HealthStatus::Healthy);
        let monitor = HealthMonitor::new(10, 1);
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&seen);
        assert_eq!(
            monitor.add_channel(std::sync::Arc::new(move |a: &Alert| {
                sink.lock().expect("log").push(a.seq)
            })),
            0
        );
        let cpu = |v, t| monitor.check_threshold("host", "cpu", v, Thresholds::CPU, t);
        assert!(cpu(96, 0).is_some());
        assert!(cpu(97, 30).is_none());
        assert!(cpu(85, 60).is_some());
        assert!(cpu(50, 90).is_none());
        assert!(cpu(99, 120).is_some());
        let alerts = monitor.alerts();
        // One active (the last critical), one resolved kept (cap 1).
        assert_eq!(alerts.len(), 2);
        assert_eq!(alerts[0].seq, 3);
        assert_eq!(alerts[1].seq, 2);
        assert_eq!(*seen.lock().expect("log"), vec![1, 2, 3]);
    }
}
