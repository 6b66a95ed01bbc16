//! Resource monitor: concurrent starters get one loop, a stop leaves none
//! running, alerts stay bounded, and a blocking measurement runs off the
//! event loop; the original's check-then-set start (R4.10), its
//! uncancelled second memory loop (R4.9), its unbounded alert lists (R4.11)
//! and its blocking calls on the loop (R4.12; both defects caught on the
//! first schedule) do not.
//!
//! Listed under the metrics component: catalog §4c's monitors, beside the
//! profiler counters of R4.8.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::super::SCALE;
use super::super::bug_zoo::resource_monitor::RacyResourceMonitor;
use super::super::clock::Millis;
use super::super::resource_monitor::{
    BlockingProbe, MonitorConfig, ResourceMonitor, ThreadPerJob, Usage,
};
use super::super::sync::atomic::{AtomicU64, Ordering};
use super::super::sync::{Arc, Mutex, block_on, thread, thread_index};
use super::producer::YieldOnce;
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ONE_MONITOR_LOOP: &str = "one-monitor-loop";
const NO_LOOP_AFTER_SHUTDOWN: &str = "no-loop-after-shutdown";
const ALERTS_BOUNDED: &str = "alerts-bounded";
const LOOP_NEVER_BLOCKED: &str = "loop-never-blocked";

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
            id: "resource_monitor.measure_off_loop",
            component: Component::Metrics,
            subject: Subject::Fixed,
            operations: "one event loop polls a heartbeat task and a task measuring with a \
                         blocking probe (100 ms, psutil.cpu_percent's interval) handed to a \
                         blocking pool",
            invariants: &[LOOP_NEVER_BLOCKED, ALERTS_BOUNDED],
            checkers: &Checker::ALL,
            body: measure_off_loop,
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
        CheckCase {
            id: "zoo.R4.12",
            component: Component::Metrics,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.12",
                breaks: LOOP_NEVER_BLOCKED,
            }),
            operations: "one event loop polls a heartbeat task and a task that calls \
                         psutil.cpu_percent(interval=0.1) (a 100 ms blocking probe) inline",
            invariants: &[LOOP_NEVER_BLOCKED],
            checkers: &Checker::ALL,
            body: zoo_blocking_on_loop,
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

/// `psutil.cpu_percent(interval=0.1)`: the probe blocks its thread 100 ms.
const PROBE_BLOCKS: Millis = 100;
/// The longest the event loop may go without yielding to its other tasks.
const STEP_BUDGET: Millis = 10;

/// Logical time each thread has spent blocked in a probe (by the facade's
/// thread number, which the checkers keep per schedule).
#[derive(Default)]
struct BlockedTime(Mutex<HashMap<usize, Millis>>);

impl BlockedTime {
    fn charge(&self, millis: Millis) {
        *self.0.lock().entry(thread_index()).or_default() += millis;
    }

    fn of_this_thread(&self) -> Millis {
        self.0.lock().get(&thread_index()).copied().unwrap_or(0)
    }
}

/// A blocking measurement: charges its thread [`PROBE_BLOCKS`], reads over
/// the threshold.
struct SleepingProbe(Arc<BlockedTime>);

impl BlockingProbe for SleepingProbe {
    fn measure(&self) -> Usage {
        self.0.charge(PROBE_BLOCKS);
        OVER
    }
}

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// One event loop: polls its tasks in turn on the calling thread until all
/// are done, and returns the longest single poll in logical blocked time
/// (the loop's longest step without yielding).
struct EventLoop {
    tasks: Vec<Option<Task>>,
    blocked: Arc<BlockedTime>,
    longest: Millis,
}

impl Future for EventLoop {
    type Output = Millis;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Millis> {
        let this = &mut *self;
        for slot in &mut this.tasks {
            if let Some(task) = slot {
                let before = this.blocked.of_this_thread();
                let done = task.as_mut().poll(cx).is_ready();
                this.longest = this.longest.max(this.blocked.of_this_thread() - before);
                if done {
                    *slot = None;
                }
            }
        }
        if this.tasks.iter().all(Option::is_none) {
            Poll::Ready(this.longest)
        } else {
            Poll::Pending
        }
    }
}

/// Runs, on one loop, a heartbeat (one beat per turn, `ops` beats) beside
/// `ops` measurements; asserts the loop never blocked longer than
/// [`STEP_BUDGET`] in one step and the heartbeat completed.
fn loop_with_measurements(
    blocked: Arc<BlockedTime>,
    measure: impl Fn() -> Pin<Box<dyn Future<Output = Usage>>> + 'static,
) {
    let ops = SCALE.ops_per_thread;
    let beats = Arc::new(AtomicU64::new(0));
    let heartbeat: Task = {
        let beats = Arc::clone(&beats);
        Box::pin(async move {
            for _ in 0..ops {
                beats.fetch_add(1, Ordering::SeqCst);
                YieldOnce(false).await;
            }
        })
    };
    let measuring: Task = Box::pin(async move {
        for _ in 0..ops {
            measure().await;
        }
    });
    let longest = block_on(EventLoop {
        tasks: vec![Some(heartbeat), Some(measuring)],
        blocked,
        longest: 0,
    });
    ensure(longest <= STEP_BUDGET, LOOP_NEVER_BLOCKED, || {
        format!(
            "the event loop spent {longest} ms blocked in one step (budget {STEP_BUDGET} ms): \
             its heartbeat and every other task stalled meanwhile"
        )
    });
    let beats = beats.load(Ordering::SeqCst);
    ensure(beats == ops as u64, LOOP_NEVER_BLOCKED, || {
        format!("the heartbeat beat {beats} of {ops} times")
    });
}

fn measure_off_loop() {
    let monitor = ResourceMonitor::new(MonitorConfig {
        threshold: THRESHOLD,
        alert_capacity: ALERT_CAPACITY,
    })
    .expect("a valid config");
    let blocked = Arc::new(BlockedTime::default());
    let probe = Arc::new(SleepingProbe(Arc::clone(&blocked)));
    let pool = Arc::new(ThreadPerJob::new());
    {
        let (monitor, pool) = (monitor.clone(), Arc::clone(&pool));
        loop_with_measurements(blocked, move || {
            let (monitor, pool, probe) = (monitor.clone(), Arc::clone(&pool), Arc::clone(&probe));
            Box::pin(async move { monitor.measure_off_loop(&*pool, probe).await })
        });
    }
    pool.join_all();
    check_alerts(monitor.stats().alerts.len());
}

/// R4.12: the probe runs inside the measuring task's poll.
fn zoo_blocking_on_loop() {
    let monitor = RacyResourceMonitor::new(THRESHOLD);
    let blocked = Arc::new(BlockedTime::default());
    let probe = Arc::new(SleepingProbe(Arc::clone(&blocked)));
    loop_with_measurements(blocked, move || {
        let (monitor, probe) = (monitor.clone(), Arc::clone(&probe));
        Box::pin(async move { monitor.measure_inline(&*probe).await })
    });
}
