//! Health monitor (listed under the collector component, whose lifecycle it
//! shares): checks registered or replaced during `start` all run their
//! newest function, repeated breaches keep one active alert per condition,
//! a hung check makes the overall health worse rather than staying healthy,
//! alerts and health agree at the thresholds, and channels get exactly the
//! alerts raised after their registration; the original's start snapshot
//! (R6.3), alert per breach (R6.5), ageless overall health (R6.6), `>=`
//! against `>` (R6.7) and live channel list (R6.9) do not.

use super::super::SCALE;
use super::super::bug_zoo::health_monitor::RacyHealthMonitoring;
use super::super::clock::Millis;
use super::super::health_monitor::{
    Alert, Channel, CheckResult, HealthCheck, HealthMonitor, HealthStatus, Severity, Thresholds,
};
use super::super::sync::atomic::{AtomicBool, Ordering};
use super::super::sync::{Arc, Mutex, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const EVERY_CHECK_MONITORED: &str = "every-check-monitored";
const ONE_ACTIVE_ALERT: &str = "one-active-alert-per-condition";
const FRESH_OVERALL_HEALTH: &str = "fresh-overall-health";
const ALERT_MATCHES_HEALTH: &str = "alert-matches-health";
const CHANNELS_AFTER_REGISTRATION: &str = "channels-after-registration";

/// Results older than this count as unknown.
const STALE_AFTER: Millis = 50;
/// Resolved alerts kept.
const RESOLVED_CAP: usize = 2;

fn fixed(
    id: &'static str,
    operations: &'static str,
    invariant: &'static [&'static str],
    body: fn(),
) -> CheckCase {
    CheckCase {
        id,
        component: Component::Collector,
        subject: Subject::Fixed,
        operations,
        invariants: invariant,
        checkers: &Checker::ALL,
        body,
    }
}

fn zoo(
    id: &'static str,
    catalog_id: &'static str,
    invariant: &'static [&'static str],
    operations: &'static str,
    body: fn(),
) -> CheckCase {
    CheckCase {
        id,
        component: Component::Collector,
        subject: Subject::Zoo(ZooEntry {
            catalog_id,
            breaks: invariant[0],
        }),
        operations,
        invariants: invariant,
        checkers: &Checker::ALL,
        body,
    }
}

pub fn cases() -> Vec<CheckCase> {
    vec![
        fixed(
            "health_monitor.register_during_start",
            "check db registered; one worker starts the monitor while the others register \
             a new check and replace db's function; then one round",
            &[EVERY_CHECK_MONITORED],
            register_during_start,
        ),
        fixed(
            "health_monitor.repeated_breaches",
            "workers each run the CPU threshold check at 96 % (some then at 85 %, 50 %) on \
             one host",
            &[ONE_ACTIVE_ALERT],
            repeated_breaches,
        ),
        fixed(
            "health_monitor.hung_check",
            "one check per worker, each worker runs its check's loop (worker 0's check \
             hangs) after a healthy round; then the overall health",
            &[FRESH_OVERALL_HEALTH],
            hung_check,
        ),
        fixed(
            "health_monitor.threshold_boundaries",
            "workers each run threshold checks at 79, 80, 95, 96 % and compare the alert \
             with the health",
            &[ALERT_MATCHES_HEALTH],
            threshold_boundaries,
        ),
        fixed(
            "health_monitor.channels_during_alerts",
            "main adds a channel; workers raise alerts while others add channels",
            &[CHANNELS_AFTER_REGISTRATION],
            channels_during_alerts,
        ),
        zoo(
            "zoo.R6.3",
            "R6.3",
            &[EVERY_CHECK_MONITORED],
            "check db registered; one worker starts (snapshot of the registry, functions \
             captured) while the others register a new check and replace db's function",
            zoo_late_registration,
        ),
        zoo(
            "zoo.R6.5",
            "R6.5",
            &[ONE_ACTIVE_ALERT],
            "workers each run check_thresholds at 96 % on one host: a new alert per breach",
            zoo_alert_storm,
        ),
        zoo(
            "zoo.R6.6",
            "R6.6",
            &[FRESH_OVERALL_HEALTH],
            "one check per worker, each worker runs its loop (worker 0's check hangs, no \
             timeout) after a healthy round; get_overall_health ignores result age",
            zoo_frozen_health,
        ),
        zoo(
            "zoo.R6.7",
            "R6.7",
            &[ALERT_MATCHES_HEALTH],
            "workers each run check_thresholds (>=) at 79, 80, 95, 96 % and compare with the \
             system health check (>)",
            zoo_boundary_mismatch,
        ),
        zoo(
            "zoo.R6.9",
            "R6.9",
            &[CHANNELS_AFTER_REGISTRATION],
            "main adds a channel; workers raise alerts (walking the live channel list) while \
             others append channels",
            zoo_late_channel,
        ),
    ]
}

/// What the cases need of a monitor, fixed or ported.
trait Monitor: Send + Sync + 'static {
    fn register(&self, name: &str, check: HealthCheck) -> u64;
    fn start(&self);
    fn loops(&self) -> Vec<String>;
    fn run_check(&self, name: &str, now: Millis) -> Option<HealthStatus>;
    fn run_round(&self, now: Millis);
    fn result(&self, name: &str) -> Option<CheckResult>;
    fn overall(&self, now: Millis) -> HealthStatus;
    fn check_threshold(&self, source: &str, value: u32, now: Millis) -> Option<Alert>;
    fn health(&self, value: u32) -> HealthStatus;
    fn add_channel(&self, channel: Channel) -> u64;
    fn alerts(&self) -> Vec<Alert>;
}

impl Monitor for HealthMonitor {
    fn register(&self, name: &str, check: HealthCheck) -> u64 {
        HealthMonitor::register(self, name, check)
    }
    fn start(&self) {
        HealthMonitor::start(self)
    }
    fn loops(&self) -> Vec<String> {
        HealthMonitor::loops(self)
    }
    fn run_check(&self, name: &str, now: Millis) -> Option<HealthStatus> {
        HealthMonitor::run_check(self, name, now)
    }
    fn run_round(&self, now: Millis) {
        HealthMonitor::run_round(self, now)
    }
    fn result(&self, name: &str) -> Option<CheckResult> {
        HealthMonitor::result(self, name)
    }
    fn overall(&self, now: Millis) -> HealthStatus {
        HealthMonitor::overall(self, now)
    }
    fn check_threshold(&self, source: &str, value: u32, now: Millis) -> Option<Alert> {
        HealthMonitor::check_threshold(self, source, "cpu", value, Thresholds::CPU, now)
    }
    fn health(&self, value: u32) -> HealthStatus {
        Thresholds::CPU.health(value)
    }
    fn add_channel(&self, channel: Channel) -> u64 {
        HealthMonitor::add_channel(self, channel)
    }
    fn alerts(&self) -> Vec<Alert> {
        HealthMonitor::alerts(self)
    }
}

impl Monitor for RacyHealthMonitoring {
    fn register(&self, name: &str, check: HealthCheck) -> u64 {
        RacyHealthMonitoring::register(self, name, check)
    }
    fn start(&self) {
        RacyHealthMonitoring::start(self)
    }
    fn loops(&self) -> Vec<String> {
        RacyHealthMonitoring::loops(self)
    }
    fn run_check(&self, name: &str, now: Millis) -> Option<HealthStatus> {
        RacyHealthMonitoring::run_check(self, name, now)
    }
    fn run_round(&self, now: Millis) {
        RacyHealthMonitoring::run_round(self, now)
    }
    fn result(&self, name: &str) -> Option<CheckResult> {
        RacyHealthMonitoring::result(self, name)
    }
    fn overall(&self, now: Millis) -> HealthStatus {
        RacyHealthMonitoring::overall(self, now)
    }
    fn check_threshold(&self, source: &str, value: u32, now: Millis) -> Option<Alert> {
        RacyHealthMonitoring::check_threshold(self, source, "cpu", value, Thresholds::CPU, now)
    }
    fn health(&self, value: u32) -> HealthStatus {
        RacyHealthMonitoring::health(Thresholds::CPU, value)
    }
    fn add_channel(&self, channel: Channel) -> u64 {
        RacyHealthMonitoring::add_channel(self, channel)
    }
    fn alerts(&self) -> Vec<Alert> {
        RacyHealthMonitoring::alerts(self)
    }
}

fn answering(status: HealthStatus) -> HealthCheck {
    std::sync::Arc::new(move || Some(status))
}

/// Runs `work(t)` on `SCALE.threads` workers and joins them.
fn workers<M: Monitor, T: Default + Send + 'static>(
    monitor: &Arc<M>,
    work: fn(&M, usize) -> T,
) -> Vec<T> {
    let handles: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let monitor = Arc::clone(monitor);
            thread::spawn(move || work(&monitor, t))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap_or_default())
        .collect()
}

/// R6.3: worker 0 starts; worker `t > 0` registers `late-t` and replaces
/// db's function. Then one round: every registered check has one loop and
/// ran its newest function.
fn late_registration<M: Monitor>(monitor: M) {
    let monitor = Arc::new(monitor);
    monitor.register("db", answering(HealthStatus::Healthy));
    let newest = workers(&monitor, |m, t| {
        if t == 0 {
            m.start();
            Vec::new()
        } else {
            vec![
                (
                    format!("late-{t}"),
                    m.register(&format!("late-{t}"), answering(HealthStatus::Warning)),
                ),
                (
                    "db".to_string(),
                    m.register("db", answering(HealthStatus::Critical)),
                ),
            ]
        }
    });
    monitor.run_round(1);
    let mut registered: Vec<(String, u64)> = newest.into_iter().flatten().collect();
    // The db registration with the highest number is the one in force.
    registered.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    registered.dedup_by(|later, kept| later.0 == kept.0);
    let loops = monitor.loops();
    let names: Vec<&str> = registered.iter().map(|(n, _)| n.as_str()).collect();
    ensure(loops == names, EVERY_CHECK_MONITORED, || {
        format!("loops {loops:?} for registered checks {names:?}")
    });
    for (name, registration) in &registered {
        let result = monitor.result(name);
        ensure(
            result.is_some_and(|r| r.registration == *registration),
            EVERY_CHECK_MONITORED,
            || format!("check {name} (registration {registration}) ran as {result:?}"),
        );
    }
}

fn register_during_start() {
    late_registration(HealthMonitor::new(STALE_AFTER, RESOLVED_CAP));
}

fn zoo_late_registration() {
    late_registration(RacyHealthMonitoring::new());
}

/// CPU values of worker `t`'s `k`-th threshold check: critical first, then
/// (odd workers) warning and healthy, so alerts get resolved too.
fn breach_value(t: usize, k: usize) -> u32 {
    match (t % 2, k % 3) {
        (1, 1) => 85,
        (1, 2) => 50,
        _ => 96,
    }
}

/// R6.5: at most one active alert per condition; the store holds at most
/// the active alerts and `RESOLVED_CAP` resolved ones; every breach is
/// counted into an alert.
fn breaches<M: Monitor>(monitor: M) {
    let monitor = Arc::new(monitor);
    workers(&monitor, |m, t| {
        for k in 0..SCALE.ops_per_thread {
            m.check_threshold("host", breach_value(t, k), k as Millis);
        }
    });
    let alerts = monitor.alerts();
    let active: Vec<&Alert> = alerts.iter().filter(|a| a.resolved_at.is_none()).collect();
    let mut conditions: Vec<_> = active.iter().map(|a| &a.condition).collect();
    conditions.sort();
    let distinct = conditions.windows(2).all(|w| w[0] != w[1]);
    ensure(
        distinct && alerts.len() <= active.len() + RESOLVED_CAP,
        ONE_ACTIVE_ALERT,
        || format!("{} alerts, active: {active:?}", alerts.len()),
    );
}

fn repeated_breaches() {
    breaches(HealthMonitor::new(STALE_AFTER, RESOLVED_CAP));
}

fn zoo_alert_storm() {
    breaches(RacyHealthMonitoring::new());
}

/// R6.6: checks `c0…` (one per worker) are healthy at 0; then worker `t`
/// runs its check's loop at 100, 200, …, worker 0's check hanging. The
/// overall health at the last round must be the worst fresh result, a stale
/// or missing one counting as unknown; the hung check must not look healthy.
fn frozen_health<M: Monitor>(monitor: M) {
    let monitor = Arc::new(monitor);
    let hang = Arc::new(AtomicBool::new(false));
    for t in 0..SCALE.threads {
        let hang = Arc::clone(&hang);
        let check: HealthCheck = if t == 0 {
            std::sync::Arc::new(move || {
                (!hang.load(Ordering::SeqCst)).then_some(HealthStatus::Healthy)
            })
        } else {
            answering(HealthStatus::Healthy)
        };
        monitor.register(&format!("c{t}"), check);
    }
    monitor.start();
    monitor.run_round(0);
    hang.store(true, Ordering::SeqCst);
    let rounds = SCALE.ops_per_thread as Millis;
    workers(&monitor, |m, t| {
        for k in 1..=SCALE.ops_per_thread as Millis {
            m.run_check(&format!("c{t}"), 100 * k);
        }
    });
    let now = 100 * rounds;
    let expected = (0..SCALE.threads)
        .map(|t| match monitor.result(&format!("c{t}")) {
            Some(r) if now - r.at <= STALE_AFTER => r.status,
            _ => HealthStatus::Unknown,
        })
        .max()
        .unwrap_or(HealthStatus::Healthy);
    let overall = monitor.overall(now);
    ensure(
        overall == expected && overall != HealthStatus::Healthy,
        FRESH_OVERALL_HEALTH,
        || {
            format!(
                "check c0 hangs since 100; at {now} overall health {overall:?}, worst fresh \
                 {expected:?}; c0's result {:?}",
                monitor.result("c0")
            )
        },
    );
}

fn hung_check() {
    frozen_health(HealthMonitor::new(STALE_AFTER, RESOLVED_CAP));
}

fn zoo_frozen_health() {
    frozen_health(RacyHealthMonitoring::new());
}

const BOUNDARIES: [u32; 4] = [79, 80, 95, 96];

/// R6.7: worker `t`'s `k`-th value (each on its own host, so no alert is
/// deduplicated) raises an alert of the severity its health says.
fn boundaries<M: Monitor>(monitor: M) {
    let monitor = Arc::new(monitor);
    let mismatches: Vec<String> = workers(&monitor, |m, t| {
        (0..SCALE.ops_per_thread.max(2))
            .filter_map(|k| {
                let value = BOUNDARIES[(2 * t + k) % BOUNDARIES.len()];
                let alert = m.check_threshold(&format!("host-{t}-{k}"), value, 0);
                let alerted = Severity::health(alert.map(|a| a.condition.severity));
                let health = m.health(value);
                (alerted != health)
                    .then(|| format!("{value} %: alert says {alerted:?}, health {health:?}"))
            })
            .collect::<Vec<String>>()
    })
    .into_iter()
    .flatten()
    .collect();
    ensure(mismatches.is_empty(), ALERT_MATCHES_HEALTH, || {
        mismatches.join("; ")
    });
}

fn threshold_boundaries() {
    boundaries(HealthMonitor::new(STALE_AFTER, RESOLVED_CAP));
}

fn zoo_boundary_mismatch() {
    boundaries(RacyHealthMonitoring::new());
}

/// A channel that logs the alert numbers it receives.
fn logging_channel() -> (Channel, Arc<Mutex<Vec<u64>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let channel: Channel = std::sync::Arc::new(move |a: &Alert| sink.lock().push(a.seq));
    (channel, log)
}

/// R6.9: main adds a channel; even workers raise an alert (each its own
/// host), odd ones add a channel. Each channel received exactly the alerts
/// numbered after its registration, once each.
fn channels<M: Monitor>(monitor: M) {
    let monitor = Arc::new(monitor);
    let (channel, log) = logging_channel();
    let mut logs = vec![(monitor.add_channel(channel), log)];
    logs.extend(
        workers(&monitor, |m, t| {
            if t % 2 == 0 {
                m.check_threshold(&format!("host-{t}"), 96, 0);
                None
            } else {
                let (channel, log) = logging_channel();
                Some((m.add_channel(channel), log))
            }
        })
        .into_iter()
        .flatten(),
    );
    let raised = SCALE.threads.div_ceil(2) as u64;
    for (registered_at, log) in logs {
        let mut got = log.lock().clone();
        got.sort_unstable();
        let expected: Vec<u64> = (registered_at + 1..=raised).collect();
        ensure(got == expected, CHANNELS_AFTER_REGISTRATION, || {
            format!("channel added after alert {registered_at} received {got:?}")
        });
    }
}

fn channels_during_alerts() {
    channels(HealthMonitor::new(STALE_AFTER, RESOLVED_CAP));
}

fn zoo_late_channel() {
    channels(RacyHealthMonitoring::new());
}
