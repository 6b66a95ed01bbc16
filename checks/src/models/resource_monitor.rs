//! Resource monitor: concurrent starters get one loop, a stop leaves none
//! running, and alerts stay bounded; the original's check-then-set start
//! (R4.10), its uncancelled second memory loop (R4.9) and its unbounded
//! alert lists (R4.11, a defect caught on the first schedule) do not.
//!
//! Listed under the metrics component: catalog §4c's monitors, beside the
//! profiler counters of R4.8.

use super::super::SCALE;
use super::super::bug_zoo::resource_monitor::RacyResourceMonitor;
use super::super::resource_monitor::{MonitorConfig, ResourceMonitor, Usage};
use super::super::sync::thread;
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ONE_MONITOR_LOOP: &str = "one-monitor-loop";
const NO_LOOP_AFTER_SHUTDOWN: &str = "no-loop-after-shutdown";
const ALERTS_BOUNDED: &str = "alerts-bounded";

const THRESHOLD: Usage = 800;
const OVER: Usage = 900;
/// Alerts kept: fewer than the over-threshold samples of any case.
const ALERT_CAPACITY: usize = 1;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "resource_monitor.start_sample_stop",
            component: Component::Metrics,
            subject: Subject::Fixed,
            operations: "workers each start the monitor, sample over the threshold and sweep \
                         once inline; main then stops it",
            invariants: &[ONE_MONITOR_LOOP, NO_LOOP_AFTER_SHUTDOWN, ALERTS_BOUNDED],
            checkers: &Checker::ALL,
            body: start_sample_stop,
        },
        CheckCase {
            id: "zoo.R4.10",
            component: Component::Metrics,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.10",
                breaks: ONE_MONITOR_LOOP,
            }),
            operations: "workers each start_monitoring: read monitoring_active, set it, create \
                         the loop task",
            invariants: &[ONE_MONITOR_LOOP],
            checkers: &Checker::ALL,
            body: zoo_two_loops,
        },
        CheckCase {
            id: "zoo.R4.9",
            component: Component::Metrics,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.9",
                breaks: NO_LOOP_AFTER_SHUTDOWN,
            }),
            operations: "main starts monitoring; a worker runs optimize_memory_usage (awaits the \
                         endless monitor_memory loop) while another samples; main shuts down",
            invariants: &[NO_LOOP_AFTER_SHUTDOWN],
            checkers: &Checker::ALL,
            body: zoo_uncancelled_loop,
        },
        CheckCase {
            id: "zoo.R4.11",
            component: Component::Metrics,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.11",
                breaks: ALERTS_BOUNDED,
            }),
            operations: "main starts monitoring; workers sample over the threshold (the loop \
                         appends an alert per sample to a plain list); main shuts down",
            invariants: &[ALERTS_BOUNDED],
            checkers: &Checker::ALL,
            body: zoo_unbounded_alerts,
        },
    ]
}

fn check_alerts(kept: usize) {
    ensure(kept <= ALERT_CAPACITY, ALERTS_BOUNDED, || {
        format!("{kept} alerts kept, capacity {ALERT_CAPACITY}")
    });
}

fn start_sample_stop() {
    let monitor = ResourceMonitor::new(MonitorConfig {
        threshold: THRESHOLD,
        alert_capacity: ALERT_CAPACITY,
    })
    .expect("a valid config");
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let monitor = monitor.clone();
            thread::spawn(move || {
                monitor.start();
                monitor.sample(OVER);
                monitor.sweep_once(OVER);
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    monitor.stop();
    let stats = monitor.stats();
    ensure(stats.loops_started == 1, ONE_MONITOR_LOOP, || {
        format!(
            "{} loops started by concurrent starters",
            stats.loops_started
        )
    });
    ensure(stats.loops_running == 0, NO_LOOP_AFTER_SHUTDOWN, || {
        format!("{} loops still running after stop", stats.loops_running)
    });
    check_alerts(stats.alerts.len());
}

/// R4.10: the loops are stopped and joined before the check, so a violation
/// never leaves a thread blocked.
fn zoo_two_loops() {
    let monitor = RacyResourceMonitor::new(THRESHOLD);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let monitor = monitor.clone();
            thread::spawn(move || monitor.start_monitoring())
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    monitor.shutdown();
    let started = monitor.loops_started();
    ensure(started <= 1, ONE_MONITOR_LOOP, || {
        format!("{started} monitoring loops started for one monitor")
    });
}

/// R4.9: counts the loops still running once `shutdown` has returned, then
/// lets the process "exit" to end the uncancelled one before reporting.
fn zoo_uncancelled_loop() {
    let monitor = RacyResourceMonitor::new(THRESHOLD);
    monitor.start_monitoring();
    let optimizer = {
        let monitor = monitor.clone();
        thread::spawn(move || monitor.optimize_memory_usage())
    };
    let sampler = {
        let monitor = monitor.clone();
        thread::spawn(move || monitor.sample(OVER))
    };
    let second_loop = optimizer.join();
    let _ = sampler.join();
    monitor.shutdown();
    let running = monitor.loops_running();
    monitor.exit();
    if let Ok(second_loop) = second_loop {
        let _ = second_loop.join();
    }
    ensure(running == 0, NO_LOOP_AFTER_SHUTDOWN, || {
        format!(
            "{running} monitor loop(s) still running after shutdown (optimize_memory_usage's \
             monitor_memory is not in background_tasks)"
        )
    });
}

/// R4.11: more over-threshold samples than the capacity.
fn zoo_unbounded_alerts() {
    let monitor = RacyResourceMonitor::new(THRESHOLD);
    monitor.start_monitoring();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let monitor = monitor.clone();
            thread::spawn(move || monitor.sample(OVER))
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    monitor.shutdown();
    check_alerts(monitor.alerts().len());
}
