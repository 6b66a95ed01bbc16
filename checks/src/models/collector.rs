//! Background collector lifecycle: start/stop from several threads ends in the
//! state of the last call with exactly one loop; the originals' start during
//! stop (R5.1, R6.2) does not. Concurrent health updates raise one alert
//! per change in a chain; the original's read-write-alert (R5.5) does not.
//! Reads of the ring buffer during appends return consecutive points; the
//! original's iteration of its deque (R5.4) fails. Concurrent collections
//! are all counted, failures included in the windowed success rate; the
//! original's `+=` counters (R5.3) and hard-coded zero failures (R5.6) are
//! not. A stop returns only once the loop is gone; the threaded port's
//! polled status (R5.2) leaves it running.
//!
//! Loops spawned by `start` are threads too: under loom a case spawns one
//! caller thread and at most two loops (three threads besides main).

use super::super::SCALE;
use super::super::bug_zoo::collector::{
    FlagMonitor, PolledCollector, RacyCollectionStats, RacyDataBuffer, RacyHealthMonitor,
    StatusCollector,
};
use super::super::clock::Millis;
use super::super::collector::{
    Call, Collection, CollectionStats, Collector, ComponentStatus, DataBuffer, HealthAlert,
    HealthTracker, Point, WindowStats,
};
use super::super::sync::atomic::{AtomicU64, Ordering};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const FINAL_STATE_IS_LAST_CALL: &str = "final-state-is-last-call";
const EXACTLY_ONE_LOOP: &str = "exactly-one-loop";
const ALERT_PER_TRANSITION: &str = "alert-per-transition";
const BUFFER_FIFO: &str = "buffer-fifo";
const NO_LOST_COUNT: &str = "no-lost-count";
const WINDOW_SUCCESS_RATE: &str = "window-success-rate";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "collector.start_stop_race",
            component: Component::Collector,
            subject: Subject::Fixed,
            operations: "main starts, then starts/stops again while workers tick and \
                         stop/start; the last call decides the final state",
            invariants: &[FINAL_STATE_IS_LAST_CALL, EXACTLY_ONE_LOOP],
            checkers: &Checker::ALL,
            body: start_stop_race_fixed,
        },
        CheckCase {
            id: "collector.start_during_stop_then_stop",
            component: Component::Collector,
            subject: Subject::Fixed,
            operations: "main starts and stops while a worker starts; then main stops again: \
                         no loop may survive the last stop",
            invariants: &[FINAL_STATE_IS_LAST_CALL, EXACTLY_ONE_LOOP],
            checkers: &Checker::ALL,
            body: start_during_stop_then_stop_fixed,
        },
        CheckCase {
            id: "collector.concurrent_health_updates",
            component: Component::Collector,
            subject: Subject::Fixed,
            operations: "component healthy; workers each set its status (degraded, unhealthy, \
                         healthy in turn) concurrently",
            invariants: &[ALERT_PER_TRANSITION],
            checkers: &Checker::ALL,
            body: concurrent_health_updates,
        },
        CheckCase {
            id: "collector.buffer_reads_during_appends",
            component: Component::Collector,
            subject: Subject::Fixed,
            operations: "full ring buffer of 2; one worker appends while the others read the \
                         newest 2 points",
            invariants: &[BUFFER_FIFO],
            checkers: &Checker::ALL,
            body: buffer_reads_during_appends,
        },
        CheckCase {
            id: "collector.concurrent_collection_stats",
            component: Component::Collector,
            subject: Subject::Fixed,
            operations: "workers each record collections (every other one failing) into one \
                         data type's stats; then totals and the window's success rate",
            invariants: &[NO_LOST_COUNT, WINDOW_SUCCESS_RATE],
            checkers: &Checker::ALL,
            body: concurrent_collection_stats,
        },
        CheckCase {
            id: "collector.stop_while_collecting",
            component: Component::Collector,
            subject: Subject::Fixed,
            operations: "main starts the loop and stops it while a worker requests a \
                         collection: no loop and no collection after stop returns",
            invariants: &[EXACTLY_ONE_LOOP],
            checkers: &Checker::ALL,
            body: stop_while_collecting,
        },
        CheckCase {
            id: "zoo.R5.2",
            component: Component::Collector,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R5.2",
                breaks: EXACTLY_ONE_LOOP,
            }),
            operations: "main starts the threaded collector (loop polls the status after each \
                         sleep) and stops it (status written, nothing joined)",
            invariants: &[EXACTLY_ONE_LOOP],
            checkers: &Checker::ALL,
            body: zoo_loop_outlives_stop,
        },
        CheckCase {
            id: "zoo.R5.3",
            component: Component::Collector,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R5.3",
                breaks: NO_LOST_COUNT,
            }),
            operations: "workers each record collections: total += 1, failed += 1, avg update, \
                         each a read then a write",
            invariants: &[NO_LOST_COUNT],
            checkers: &Checker::ALL,
            body: zoo_lost_counts,
        },
        CheckCase {
            id: "zoo.R5.6",
            component: Component::Collector,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R5.6",
                breaks: WINDOW_SUCCESS_RATE,
            }),
            operations: "workers each record collections (every other one failing); then \
                         get_aggregated_data's success rate (failures = 0)",
            invariants: &[WINDOW_SUCCESS_RATE],
            checkers: &Checker::ALL,
            body: zoo_success_rate_one,
        },
        CheckCase {
            id: "zoo.R5.4",
            component: Component::Collector,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R5.4",
                breaks: BUFFER_FIFO,
            }),
            operations: "full deque(maxlen=2); one worker appends while the others run \
                         get_recent_data(2), iterating the deque step by step",
            invariants: &[BUFFER_FIFO],
            checkers: &Checker::ALL,
            body: zoo_deque_mutated,
        },
        CheckCase {
            id: "zoo.R5.5",
            component: Component::Collector,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R5.5",
                breaks: ALERT_PER_TRANSITION,
            }),
            operations: "component healthy; workers each set its status concurrently: read \
                         old, write new, alert if different",
            invariants: &[ALERT_PER_TRANSITION],
            checkers: &Checker::ALL,
            body: zoo_health_lost_transition,
        },
        CheckCase {
            id: "zoo.R5.1",
            component: Component::Collector,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R5.1",
                breaks: FINAL_STATE_IS_LAST_CALL,
            }),
            operations: "main starts, a worker stops, main starts again (during the stop's \
                         await): BackgroundDataCollector status + task table",
            invariants: &[FINAL_STATE_IS_LAST_CALL],
            checkers: &Checker::ALL,
            body: zoo_start_during_stop,
        },
        CheckCase {
            id: "zoo.R6.2",
            component: Component::Collector,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R6.2",
                breaks: EXACTLY_ONE_LOOP,
            }),
            operations: "main starts and stops while a worker starts, then stops again: \
                         HealthMonitor run flag + task list cleared after gather",
            invariants: &[EXACTLY_ONE_LOOP],
            checkers: &Checker::ALL,
            body: zoo_orphaned_loop,
        },
    ]
}

/// What the cases need of a lifecycle, fixed or ported.
trait Lifecycle: Send + Sync + 'static {
    fn start(&self) -> u64;
    fn stop(&self) -> u64;
    fn is_running(&self) -> bool;
    /// Requests a collection (the ports have none to request).
    fn tick(&self) {}
}

impl Lifecycle for Collector {
    fn start(&self) -> u64 {
        Collector::start(self)
    }
    fn stop(&self) -> u64 {
        Collector::stop(self)
    }
    fn is_running(&self) -> bool {
        Collector::is_running(self)
    }
    fn tick(&self) {
        let _ = Collector::tick(self);
    }
}

impl Lifecycle for StatusCollector {
    fn start(&self) -> u64 {
        StatusCollector::start(self)
    }
    fn stop(&self) -> u64 {
        StatusCollector::stop(self)
    }
    fn is_running(&self) -> bool {
        StatusCollector::is_running(self)
    }
}

impl Lifecycle for FlagMonitor {
    fn start(&self) -> u64 {
        FlagMonitor::start(self)
    }
    fn stop(&self) -> u64 {
        FlagMonitor::stop(self)
    }
    fn is_running(&self) -> bool {
        FlagMonitor::is_running(self)
    }
}

/// Runs `call` on `lifecycle`, recording its sequence number and kind.
fn call<L: Lifecycle>(lifecycle: &L, call: Call, log: &mut Vec<(u64, Call)>) {
    let seq = match call {
        Call::Start => lifecycle.start(),
        Call::Stop => lifecycle.stop(),
    };
    if let Some(&(previous, _)) = log.last() {
        ensure(seq > previous, FINAL_STATE_IS_LAST_CALL, || {
            format!("a thread's calls got sequence numbers {previous} then {seq}")
        });
    }
    log.push((seq, call));
}

/// Alternating calls, starting with `first`.
fn calls(first: Call, n: usize) -> impl Iterator<Item = Call> {
    (0..n).map(move |i| match (first, i % 2) {
        (Call::Start, 0) | (Call::Stop, 1) => Call::Start,
        _ => Call::Stop,
    })
}

/// Main starts; workers alternate stop/start; main alternates start/stop.
/// Returns every call with its sequence number once all have returned.
/// Each worker first requests a collection, so a loop may be collecting when
/// the stop arrives.
fn race<L: Lifecycle>(lifecycle: &Arc<L>) -> Vec<(u64, Call)> {
    let mut log = Vec::new();
    call(&**lifecycle, Call::Start, &mut log);
    let workers: Vec<_> = (0..SCALE.threads - 1)
        .map(|_| {
            let lifecycle = Arc::clone(lifecycle);
            thread::spawn(move || {
                let mut log = Vec::new();
                lifecycle.tick();
                for c in calls(Call::Stop, SCALE.ops_per_thread) {
                    call(&*lifecycle, c, &mut log);
                }
                log
            })
        })
        .collect();
    for c in calls(Call::Start, SCALE.ops_per_thread) {
        call(&**lifecycle, c, &mut log);
    }
    for worker in workers {
        log.extend(worker.join().unwrap_or_default());
    }
    log
}

/// The final state must be the last call's, with one loop iff running.
fn ensure_last_call_decides<L: Lifecycle>(lifecycle: &L, log: &[(u64, Call)]) {
    let last = log.iter().max_by_key(|&&(seq, _)| seq).map(|&(_, c)| c);
    let running = lifecycle.is_running();
    ensure(
        running == (last == Some(Call::Start)),
        FINAL_STATE_IS_LAST_CALL,
        || format!("calls {log:?} ended with {last:?} but running = {running}"),
    );
}

fn ensure_loops(lifecycle: &Collector, expected: usize, when: &str) {
    let (alive, peak) = (lifecycle.alive_loops(), lifecycle.peak_alive_loops());
    ensure(alive == expected && peak <= 1, EXACTLY_ONE_LOOP, || {
        format!("{when}: {alive} loops alive (expected {expected}), at most {peak} at once")
    });
}

fn start_stop_race_fixed() {
    let collector = Arc::new(Collector::new(|_| {}));
    let log = race(&collector);
    ensure_last_call_decides(&*collector, &log);
    let running = collector.is_running();
    ensure_loops(
        &collector,
        usize::from(running),
        "after every call returned",
    );
    collector.stop();
    ensure_loops(&collector, 0, "after the final stop");
}

/// Main starts; a worker starts while main stops; main stops again.
fn start_during_stop_then_stop<L: Lifecycle>(lifecycle: &Arc<L>) -> Vec<(u64, Call)> {
    let mut log = Vec::new();
    call(&**lifecycle, Call::Start, &mut log);
    let worker = {
        let lifecycle = Arc::clone(lifecycle);
        thread::spawn(move || {
            let mut log = Vec::new();
            call(&*lifecycle, Call::Start, &mut log);
            log
        })
    };
    call(&**lifecycle, Call::Stop, &mut log);
    log.extend(worker.join().unwrap_or_default());
    call(&**lifecycle, Call::Stop, &mut log);
    log
}

fn start_during_stop_then_stop_fixed() {
    let collector = Arc::new(Collector::new(|_| {}));
    let log = start_during_stop_then_stop(&collector);
    ensure_last_call_decides(&*collector, &log);
    ensure_loops(&collector, 0, "after the final stop returned");
}

/// R5.1: main starts, a worker stops, main starts again.
fn zoo_start_during_stop() {
    let collector = StatusCollector::new();
    let mut log = Vec::new();
    call(&*collector, Call::Start, &mut log);
    let worker = {
        let collector = Arc::clone(&collector);
        thread::spawn(move || {
            let mut log = Vec::new();
            call(&*collector, Call::Stop, &mut log);
            log
        })
    };
    call(&*collector, Call::Start, &mut log);
    log.extend(worker.join().unwrap_or_default());
    ensure_last_call_decides(&*collector, &log);
    collector.stop();
}

/// R6.2: after the final stop returns, no loop may be alive.
fn zoo_orphaned_loop() {
    let monitor = FlagMonitor::new();
    let _ = start_during_stop_then_stop(&monitor);
    let alive = monitor.alive_loops();
    ensure(alive == 0, EXACTLY_ONE_LOOP, || {
        format!("stop returned with {alive} loop(s) still alive")
    });
    // Let the orphan notice the flag and exit, so the run can end.
    monitor.stop();
}

const COMPONENT: &str = "graph";

/// Worker `t`'s `k`-th status: never the initial healthy on the first
/// update, so two first updates always both change the status.
fn health_status(t: usize, k: usize) -> ComponentStatus {
    match (t + k) % 3 {
        0 => ComponentStatus::Degraded,
        1 => ComponentStatus::Unhealthy,
        _ => ComponentStatus::Healthy,
    }
}

/// The alerts chain from healthy to the final status.
fn check_alert_chain(alerts: &[HealthAlert], last: Option<ComponentStatus>) {
    let mut at = ComponentStatus::Healthy;
    for alert in alerts {
        ensure(
            alert.from == at && alert.to != alert.from,
            ALERT_PER_TRANSITION,
            || format!("alert {alert:?} while the status was {at:?}; all alerts {alerts:?}"),
        );
        at = alert.to;
    }
    ensure(last == Some(at), ALERT_PER_TRANSITION, || {
        format!("final status {last:?}, but the alerts end at {at:?}: {alerts:?}")
    });
}

fn health_race(update: impl Fn(ComponentStatus) + Send + Sync + 'static) {
    let update = Arc::new(update);
    update(ComponentStatus::Healthy);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let update = Arc::clone(&update);
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    update(health_status(t, k));
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

fn concurrent_health_updates() {
    let tracker = Arc::new(HealthTracker::new());
    let updating = Arc::clone(&tracker);
    health_race(move |status| {
        updating.update(COMPONENT, status);
    });
    check_alert_chain(&tracker.alerts(), tracker.status(COMPONENT));
}

fn zoo_health_lost_transition() {
    let monitor = RacyHealthMonitor::new();
    let updating = Arc::clone(&monitor);
    health_race(move |status| updating.update_component_health(COMPONENT, status));
    check_alert_chain(&monitor.alerts(), monitor.status(COMPONENT));
}

/// Capacity of the buffer cases; it starts full.
const BUFFER: usize = 2;

/// A read succeeded and returned `BUFFER` consecutive points, ascending.
fn check_read(read: Result<Vec<Point<u64>>, String>) {
    let seqs: Result<Vec<u64>, String> = read.map(|points| points.iter().map(|p| p.seq).collect());
    let fifo = seqs
        .as_ref()
        .is_ok_and(|s| s.len() == BUFFER && s.windows(2).all(|w| w[1] == w[0] + 1));
    ensure(fifo, BUFFER_FIFO, || {
        format!("a read of the newest {BUFFER} points during appends gave {seqs:?}")
    });
}

/// Worker 0 appends `ops` points; the others each read the newest `BUFFER`
/// points `ops` times.
fn buffer_race(
    push: impl Fn(u64) + Send + Sync + 'static,
    read: impl Fn() -> Result<Vec<Point<u64>>, String> + Send + Sync + 'static,
) {
    for v in 0..BUFFER as u64 {
        push(v);
    }
    let (push, read) = (Arc::new(push), Arc::new(read));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (push, read) = (Arc::clone(&push), Arc::clone(&read));
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    if t == 0 {
                        push(100 + k as u64);
                    } else {
                        check_read(read());
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    check_read(read());
}

fn buffer_reads_during_appends() {
    let buffer = Arc::new(DataBuffer::new(BUFFER).expect("capacity > 0"));
    let pushing = Arc::clone(&buffer);
    buffer_race(
        move |v| {
            pushing.push(v);
        },
        move || Ok(buffer.recent(BUFFER)),
    );
}

fn zoo_deque_mutated() {
    let buffer = RacyDataBuffer::new(BUFFER);
    let pushing = Arc::clone(&buffer);
    buffer_race(
        move |v| {
            pushing.add_data_point(v);
        },
        move || buffer.get_recent_data(BUFFER).map_err(|e| e.to_string()),
    );
}

/// Worker `t`'s `k`-th collection: every other one fails.
fn collection(t: usize, k: usize) -> Collection {
    Collection {
        at: (t * SCALE.ops_per_thread + k) as Millis,
        ok: (t + k) % 2 == 0,
        duration: 10 * (t as Millis + 1),
    }
}

/// Every worker records its collections; returns them all.
fn record_race(record: impl Fn(Collection) + Send + Sync + 'static) -> Vec<Collection> {
    let record = Arc::new(record);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let record = Arc::clone(&record);
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .map(|k| {
                        let c = collection(t, k);
                        record(c);
                        c
                    })
                    .collect::<Vec<Collection>>()
            })
        })
        .collect();
    workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect()
}

/// Every collection counted once: `(total, failed)` as recorded.
fn check_counts(counts: (u64, u64), recorded: &[Collection]) {
    let expected = (
        recorded.len() as u64,
        recorded.iter().filter(|c| !c.ok).count() as u64,
    );
    ensure(counts == expected, NO_LOST_COUNT, || {
        format!("(total, failed) = {counts:?} after recording {expected:?}")
    });
}

/// The window over every collection rates successes over all of them.
fn check_window(window: WindowStats, recorded: &[Collection]) {
    let successes = recorded.iter().filter(|c| c.ok).count();
    let expected = successes as f64 / recorded.len() as f64;
    let rate = window.success_rate();
    ensure(rate == Some(expected), WINDOW_SUCCESS_RATE, || {
        format!(
            "window {window:?} rates {rate:?}; {successes} of {} collections succeeded",
            recorded.len()
        )
    });
}

fn concurrent_collection_stats() {
    let stats =
        Arc::new(CollectionStats::new(SCALE.threads * SCALE.ops_per_thread).expect("capacity > 0"));
    let recording = Arc::clone(&stats);
    let recorded = record_race(move |c| {
        recording.record(c);
    });
    let totals = stats.totals();
    check_counts((totals.total, totals.failed), &recorded);
    let time: Millis = recorded.iter().map(|c| c.duration).sum();
    ensure(totals.total_time == time, NO_LOST_COUNT, || {
        format!("total time {} after recording {time}", totals.total_time)
    });
    check_window(stats.window(0), &recorded);
}

fn zoo_lost_counts() {
    let stats = RacyCollectionStats::new();
    let recording = Arc::clone(&stats);
    let recorded = record_race(move |c| recording.record(c));
    check_counts(stats.counts(), &recorded);
}

fn zoo_success_rate_one() {
    let stats = RacyCollectionStats::new();
    let recording = Arc::clone(&stats);
    let recorded = record_race(move |c| recording.record(c));
    check_window(stats.window(0), &recorded);
}

fn stop_while_collecting() {
    let collected = Arc::new(AtomicU64::new(0));
    let counting = Arc::clone(&collected);
    let collector = Arc::new(Collector::new(move |_| {
        counting.fetch_add(1, Ordering::SeqCst);
    }));
    collector.start();
    let worker = {
        let collector = Arc::clone(&collector);
        thread::spawn(move || {
            let _ = collector.tick();
        })
    };
    collector.stop();
    ensure_loops(&collector, 0, "after stop returned");
    let at_stop = collected.load(Ordering::SeqCst);
    let _ = worker.join();
    let after = collected.load(Ordering::SeqCst);
    ensure(after == at_stop, EXACTLY_ONE_LOOP, || {
        format!("{at_stop} collections when stop returned, {after} later")
    });
}

/// R5.2: after stop returns, the loop must be gone.
fn zoo_loop_outlives_stop() {
    let collector = PolledCollector::new();
    collector.start();
    collector.stop();
    let alive = collector.alive_loops();
    collector.join();
    ensure(alive == 0, EXACTLY_ONE_LOOP, || {
        format!("stop returned with {alive} loop(s) still alive")
    });
}
