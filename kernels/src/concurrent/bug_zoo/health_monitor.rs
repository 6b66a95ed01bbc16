//! The original `HealthMonitor` of `server/health_monitoring.py` (catalog
//! §6), ported with its defects; its lifecycle race (R6.2) is
//! [`super::collector::FlagMonitor`], its metric series' lost append (R6.4)
//! [`super::metrics`].
//!
//! - `R6.3` — `start_monitoring` (l.521–527) snapshots
//!   `registry.get_all_checks()` and creates one task per check, each
//!   capturing its function: a check registered later never gets a loop, and
//!   re-registering a name replaces the registry's function but not the
//!   running loop's.
//! - `R6.5` — `AlertManager.check_thresholds` (l.429–444) creates a new alert
//!   with a fresh UUID on every breach: no deduplication by condition, no
//!   auto-resolve, `_alerts` never pruned.
//! - `R6.6` — a check loop awaits its check (l.557) with no timeout, so a
//!   hung check freezes its loop and its last result stays; and
//!   `get_overall_health` (l.726–759) never looks at a result's age.
//! - `R6.7` — alerts fire at `>=` (l.322, 331, …) while the system health
//!   check uses `>` (l.666, 669): at exactly 95 % a critical alert, a warning
//!   health.
//! - `R6.9` — `_send_notifications` (l.448–452) awaits each channel while
//!   iterating the live `_notification_channels` list, which
//!   `add_notification_channel` appends to: a channel added meanwhile
//!   receives an alert raised before it was added.
//!
//! Each dict/list operation is one atomic step (a mutex here, the GIL
//! there); the sequences are not.

use std::collections::{BTreeMap, BTreeSet};

use super::super::clock::Millis;
use super::super::health_monitor::{
    Alert, Channel, CheckResult, Condition, HealthCheck, HealthStatus, Severity, Thresholds,
};
use super::super::sync::Mutex;

/// The original's monitor: registry, loops, results, alerts and channels,
/// each its own object.
#[derive(Default)]
pub struct RacyHealthMonitoring {
    /// `HealthCheckRegistry._checks`, with a registration number per
    /// function (instrumentation: which function produced a result).
    checks: Mutex<BTreeMap<String, (HealthCheck, u64)>>,
    registrations: Mutex<u64>,
    running: Mutex<bool>,
    /// `_monitoring_tasks`: one per check, its function captured at start.
    loops: Mutex<Vec<(String, HealthCheck, u64)>>,
    /// Loops blocked forever in a check that never answered.
    hung: Mutex<BTreeSet<String>>,
    /// `_last_results`.
    results: Mutex<BTreeMap<String, CheckResult>>,
    /// `_alerts`, in insertion order.
    alerts: Mutex<Vec<Alert>>,
    /// Alerts raised so far (the alert ids are UUIDs; this numbers them).
    raised: Mutex<u64>,
    /// `_notification_channels`.
    channels: Mutex<Vec<Channel>>,
}

impl RacyHealthMonitoring {
    pub fn new() -> Self {
        Self::default()
    }

    /// `register_check(name, fn)`: `_checks[name] = fn`.
    pub fn register(&self, name: &str, check: HealthCheck) -> u64 {
        let registration = {
            let mut n = self.registrations.lock();
            *n += 1;
            *n
        };
        self.checks
            .lock()
            .insert(name.to_string(), (check, registration));
        registration
    }

    /// R6.3: `if self._running: return; self._running = True; for name, fn
    /// in self.registry.get_all_checks().items(): create_task(loop(name, fn))`.
    pub fn start(&self) {
        {
            let mut running = self.running.lock();
            if *running {
                return;
            }
            *running = true;
        }
        let snapshot: Vec<(String, HealthCheck, u64)> = self
            .checks
            .lock()
            .iter()
            .map(|(name, (check, n))| (name.clone(), std::sync::Arc::clone(check), *n))
            .collect();
        self.loops.lock().extend(snapshot);
    }

    /// The checks that have a loop.
    pub fn loops(&self) -> Vec<String> {
        self.loops
            .lock()
            .iter()
            .map(|(n, _, _)| n.clone())
            .collect()
    }

    /// R6.6: one run of `name`'s loop (its captured function, R6.3): no
    /// timeout, so a check that never answers (`None`) blocks the loop for
    /// good and its last result stays.
    pub fn run_check(&self, name: &str, now: Millis) -> Option<HealthStatus> {
        if self.hung.lock().contains(name) {
            return None;
        }
        let captured = self
            .loops
            .lock()
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, check, n)| (std::sync::Arc::clone(check), *n));
        let (check, registration) = captured?;
        let Some(status) = check() else {
            self.hung.lock().insert(name.to_string());
            return None;
        };
        self.results.lock().insert(
            name.to_string(),
            CheckResult {
                status,
                at: now,
                registration,
                timed_out: false,
            },
        );
        Some(status)
    }

    /// One round of every loop.
    pub fn run_round(&self, now: Millis) {
        for name in self.loops() {
            self.run_check(&name, now);
        }
    }

    pub fn result(&self, name: &str) -> Option<CheckResult> {
        self.results.lock().get(name).copied()
    }

    /// R6.6: `get_overall_health`: the worst last result of every registered
    /// check, missing ones unknown, whatever the results' age.
    pub fn overall(&self, _now: Millis) -> HealthStatus {
        let names: Vec<String> = self.checks.lock().keys().cloned().collect();
        let results = self.results.lock();
        names
            .iter()
            .map(|n| results.get(n).map_or(HealthStatus::Unknown, |r| r.status))
            .max()
            .unwrap_or(HealthStatus::Healthy)
    }

    /// R6.7: the system health check's comparison: `>`.
    pub fn health(thresholds: Thresholds, value: u32) -> HealthStatus {
        if value > thresholds.critical {
            HealthStatus::Critical
        } else if value > thresholds.warning {
            HealthStatus::Warning
        } else {
            HealthStatus::Healthy
        }
    }

    /// R6.5, R6.7, R6.9: `check_thresholds`: `>=`, a new alert per breach,
    /// then `for channel in self._notification_channels: await channel(alert)`
    /// (the list iterator re-reads the length at every step).
    pub fn check_threshold(
        &self,
        source: &str,
        metric: &str,
        value: u32,
        thresholds: Thresholds,
        now: Millis,
    ) -> Option<Alert> {
        let severity = if value >= thresholds.critical {
            Severity::Critical
        } else if value >= thresholds.warning {
            Severity::Warning
        } else {
            return None;
        };
        let alert = {
            let mut alerts = self.alerts.lock();
            let mut raised = self.raised.lock();
            *raised += 1;
            let alert = Alert {
                seq: *raised,
                condition: Condition {
                    source: source.to_string(),
                    metric: metric.to_string(),
                    severity,
                },
                value,
                raised_at: now,
                breaches: 1,
                resolved_at: None,
            };
            alerts.push(alert.clone());
            alert
        };
        let mut next = 0;
        loop {
            let channel = self.channels.lock().get(next).cloned();
            let Some(channel) = channel else { break };
            channel(&alert);
            next += 1;
        }
        Some(alert)
    }

    /// R6.9: `_notification_channels.append(channel)`. Returns the alerts
    /// raised so far, read with the append (instrumentation).
    pub fn add_channel(&self, channel: Channel) -> u64 {
        let mut channels = self.channels.lock();
        channels.push(channel);
        *self.raised.lock()
    }

    /// `get_alerts`: every alert ever raised.
    pub fn alerts(&self) -> Vec<Alert> {
        self.alerts.lock().clone()
    }
}

impl std::fmt::Debug for RacyHealthMonitoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RacyHealthMonitoring")
            .field("loops", &self.loops())
            .finish_non_exhaustive()
    }
}
