//! Resource monitor: one background loop that turns over-threshold samples
//! into a bounded list of alerts, started once and stopped for good.
//!
//! Listed under the metrics component (`Component::Metrics`): it is the
//! `ResourceMonitor` / `MemoryManager` half of catalog §4c, beside the
//! profiler counters (R4.8) the metrics registry already covers.
//!
//! The original (`server/dashboard/performance_manager.py`) checks
//! `monitoring_active` and sets it in two steps (`start_monitoring`,
//! l.781–785: two loops under threads, R4.10); `optimize_memory_usage`
//! (l.1081–1084) awaits `monitor_memory()`, an endless loop, so a second
//! memory loop runs that `shutdown` never cancels (R4.9); and both monitors
//! append alerts to unbounded lists every 5 s while over threshold (R4.11).
//! Here the check and the set are one critical section that also spawns the
//! loop and stores its handle, [`ResourceMonitor::sweep_once`] (what
//! `optimize_memory_usage` needs) checks one sample inline and starts no
//! loop, [`ResourceMonitor::stop`] joins the loop, and alerts are kept in a
//! ring of `alert_capacity` (oldest dropped, counted) with ids from a
//! counter, never a timestamp.
//!
//! The original also measures *on the event loop*:
//! `psutil.cpu_percent(interval=0.1)` (l.816) sleeps 100 ms and
//! `gc.collect()` + `gc.get_objects()` (l.616–618) walk the heap, inline in
//! async code, so every other task on the loop (requests, heartbeats) stalls
//! for as long (R4.12). Here such a measurement is a [`BlockingProbe`], and
//! [`ResourceMonitor::measure_off_loop`] hands it to a [`BlockingPool`]
//! (tokio's `spawn_blocking`, or [`ThreadPerJob`]) and *awaits* the result:
//! the task measuring yields, and the loop keeps serving its other tasks
//! while the probe blocks a pool thread.
//!
//! # Invariants (asserted by the model checks)
//! - **one-monitor-loop**: however many callers start it, at most one loop
//!   runs per monitor.
//! - **no-loop-after-shutdown**: once [`ResourceMonitor::stop`] has
//!   returned, no loop of the monitor runs, and none started meanwhile.
//! - **alerts-bounded**: the alert list never holds more than
//!   `alert_capacity` alerts.
//! - **loop-never-blocked**: [`ResourceMonitor::measure_off_loop`] never
//!   runs the probe on the thread that polls it: no poll of the measuring
//!   task blocks, however long the probe takes, so no step of the event loop
//!   does.

use std::collections::VecDeque;
use std::fmt;

use super::sync::thread::{self, JoinHandle};
use super::sync::{Arc, Condvar, Mutex, Notify};

/// A sample, in thousandths of the resource (memory, CPU, disk) in use.
pub type Usage = u32;

/// An alert: a unique id and the sample that raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub id: u64,
    pub usage: Usage,
}

/// Configuration of a [`ResourceMonitor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorConfig {
    /// Samples above this raise an alert (the original: 800, i.e. 80 %).
    pub threshold: Usage,
    /// Alerts kept; older ones are dropped.
    pub alert_capacity: usize,
}

/// A configuration the monitor cannot keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorConfigError {
    #[error("MonitorConfig::alert_capacity is 0: keep at least one alert")]
    ZeroCapacity,
}

/// What the monitor has done so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorStats {
    /// Loops ever started.
    pub loops_started: u64,
    /// Loops running now.
    pub loops_running: usize,
    /// Alerts kept, oldest first.
    pub alerts: Vec<Alert>,
    /// Alerts dropped to keep the bound.
    pub alerts_dropped: u64,
}

#[derive(Debug)]
struct State {
    config: MonitorConfig,
    active: bool,
    pending: VecDeque<Usage>,
    loops_started: u64,
    loops_running: usize,
    alerts: VecDeque<Alert>,
    alerts_dropped: u64,
    next_alert: u64,
}

impl State {
    /// Checks one sample; an alert past the capacity drops the oldest.
    fn check(&mut self, usage: Usage) {
        if usage <= self.config.threshold {
            return;
        }
        if self.alerts.len() >= self.config.alert_capacity {
            self.alerts.pop_front();
            self.alerts_dropped += 1;
        }
        self.alerts.push_back(Alert {
            id: self.next_alert,
            usage,
        });
        self.next_alert += 1;
    }
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// The monitor: a handle; clones share one monitor and its one loop.
#[derive(Clone)]
pub struct ResourceMonitor {
    state: Shared,
    /// The loop's handle, locked across check-set-spawn-store so a `stop`
    /// always finds the loop it must join.
    handle: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl ResourceMonitor {
    pub fn new(config: MonitorConfig) -> Result<Self, MonitorConfigError> {
        if config.alert_capacity == 0 {
            return Err(MonitorConfigError::ZeroCapacity);
        }
        Ok(Self {
            state: Arc::new((
                Mutex::new(State {
                    config,
                    active: false,
                    pending: VecDeque::new(),
                    loops_started: 0,
                    loops_running: 0,
                    alerts: VecDeque::new(),
                    alerts_dropped: 0,
                    next_alert: 0,
                }),
                Condvar::new(),
            )),
            handle: Arc::new(Mutex::new(None)),
        })
    }

    /// Starts the loop unless it runs: `false` if it already did. The check,
    /// the set and the spawn are one step for every other starter.
    pub fn start(&self) -> bool {
        let mut handle = self.handle.lock();
        {
            let mut state = self.state.0.lock();
            if state.active {
                return false;
            }
            state.active = true;
            state.loops_started += 1;
            state.loops_running += 1;
        }
        let shared = Arc::clone(&self.state);
        *handle = Some(thread::spawn(move || run(&shared)));
        true
    }

    /// The sampling interval elapsing with `usage` measured: queued for the
    /// loop; `false` (dropped) if no loop runs.
    pub fn sample(&self, usage: Usage) -> bool {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock();
        if !state.active {
            return false;
        }
        state.pending.push_back(usage);
        wake.notify_all();
        true
    }

    /// Checks one sample now, inline, starting no loop (what
    /// `optimize_memory_usage` wanted from `monitor_memory`).
    pub fn sweep_once(&self, usage: Usage) {
        self.state.0.lock().check(usage);
    }

    /// Stops the loop and waits for it; queued samples are checked first.
    pub fn stop(&self) {
        {
            let (lock, wake) = &*self.state;
            lock.lock().active = false;
            wake.notify_all();
        }
        let handle = self.handle.lock().take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    pub fn stats(&self) -> MonitorStats {
        let state = self.state.0.lock();
        MonitorStats {
            loops_started: state.loops_started,
            loops_running: state.loops_running,
            alerts: state.alerts.iter().copied().collect(),
            alerts_dropped: state.alerts_dropped,
        }
    }
}

/// A measurement that blocks its thread while it runs (catalog §4c, R4.12):
/// `psutil.cpu_percent(interval=0.1)` sleeps 100 ms, `gc.collect()` and
/// `gc.get_objects()` walk the heap. Never to be called on an event loop.
pub trait BlockingProbe: Send + Sync + 'static {
    fn measure(&self) -> Usage;
}

/// Where blocking work runs instead of the event loop's thread (tokio's
/// `spawn_blocking`, a thread pool). Must run every job it is given: a
/// measurement awaits its job's result.
pub trait BlockingPool {
    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send + 'static>);
}

/// A [`BlockingPool`] running each job on a thread of its own (the sync
/// facade's, so the model checks explore it); [`ThreadPerJob::join_all`]
/// waits for every job so far.
#[derive(Debug, Default)]
pub struct ThreadPerJob {
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl ThreadPerJob {
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for every job spawned so far.
    pub fn join_all(&self) {
        let handles = std::mem::take(&mut *self.handles.lock());
        for handle in handles {
            let _ = handle.join();
        }
    }
}

impl BlockingPool for ThreadPerJob {
    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send + 'static>) {
        let handle = thread::spawn(job);
        self.handles.lock().push(handle);
    }
}

/// The result of one blocking job, awaited without blocking.
#[derive(Default)]
struct Completion {
    value: Mutex<Option<Usage>>,
    done: Notify,
}

impl Completion {
    fn complete(&self, usage: Usage) {
        *self.value.lock() = Some(usage);
        self.done.notify_all();
    }

    async fn wait(&self) -> Usage {
        loop {
            let epoch = self.done.epoch();
            if let Some(usage) = self.value.lock().take() {
                return usage;
            }
            self.done.changed_since(epoch).await;
        }
    }
}

impl ResourceMonitor {
    /// One measurement of the monitoring loop: `probe` runs on `pool`, this
    /// task awaits its result (yielding the loop meanwhile) and then checks
    /// the sample inline, as [`Self::sweep_once`] does. Returns the sample.
    pub async fn measure_off_loop<P: BlockingPool + ?Sized>(
        &self,
        pool: &P,
        probe: Arc<impl BlockingProbe>,
    ) -> Usage {
        let completion = Arc::new(Completion::default());
        let done = Arc::clone(&completion);
        pool.spawn_blocking(Box::new(move || done.complete(probe.measure())));
        let usage = completion.wait().await;
        self.sweep_once(usage);
        usage
    }
}

/// The loop: checks every queued sample, exits once stopped and drained.
fn run(shared: &Shared) {
    let (lock, wake) = &**shared;
    let mut state = lock.lock();
    loop {
        if let Some(usage) = state.pending.pop_front() {
            state.check(usage);
        } else if !state.active {
            state.loops_running -= 1;
            return;
        } else {
            state = wake.wait(state);
        }
    }
}

impl fmt::Debug for ResourceMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceMonitor")
            .field("stats", &self.stats())
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    #[test]
    fn one_loop_bounded_alerts_and_a_joined_stop() {
        let config = MonitorConfig {
            threshold: 800,
            alert_capacity: 2,
        };
        let monitor = ResourceMonitor::new(config).expect("valid");
        assert!(!monitor.sample(900), "no loop yet");
        assert!(monitor.start());
        assert!(!monitor.clone().start(), "already running");
        for usage in [900, 100, 950, 990] {
            assert!(monitor.sample(usage));
        }
        monitor.stop();
        monitor.sweep_once(999);
        let stats = monitor.stats();
        assert_eq!((stats.loops_started, stats.loops_running), (1, 0));
        assert_eq!(stats.alerts.len(), 2);
        assert_eq!(stats.alerts_dropped, 2);
        let ids: Vec<u64> = stats.alerts.iter().map(|a| a.id).collect();
        assert_eq!(ids, vec![2, 3], "unique, increasing ids");
        assert!(monitor.start(), "a stopped monitor can start again");
        monitor.stop();
        assert!(
            ResourceMonitor::new(MonitorConfig {
                alert_capacity: 0,
                ..config
            })
            .is_err()
        );
    }

    use std::future::Future;

    /// Blocks until released: the loop thread must never be the one waiting.
    struct GatedProbe {
        open: std::sync::Mutex<bool>,
        opened: std::sync::Condvar,
        ran_on: std::sync::Mutex<Option<std::thread::ThreadId>>,
    }

    impl BlockingProbe for GatedProbe {
        fn measure(&self) -> Usage {
            *self.ran_on.lock().expect("lock") = Some(std::thread::current().id());
            let mut open = self.open.lock().expect("lock");
            while !*open {
                open = self.opened.wait(open).expect("lock");
            }
            900
        }
    }

    #[test]
    fn a_blocking_probe_runs_off_the_loop_while_the_loop_serves_others() {
        let monitor = ResourceMonitor::new(MonitorConfig {
            threshold: 800,
            alert_capacity: 4,
        })
        .expect("valid");
        let probe = Arc::new(GatedProbe {
            open: std::sync::Mutex::new(false),
            opened: std::sync::Condvar::new(),
            ran_on: std::sync::Mutex::new(None),
        });
        let pool = ThreadPerJob::new();
        let mut measuring = std::pin::pin!(monitor.measure_off_loop(&pool, Arc::clone(&probe)));
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        // The loop polls the measuring task: it yields at once, the probe
        // still blocked on its pool thread; the loop is free for others.
        assert!(measuring.as_mut().poll(&mut cx).is_pending());
        *probe.open.lock().expect("lock") = true;
        probe.opened.notify_all();
        pool.join_all();
        assert_ne!(
            *probe.ran_on.lock().expect("lock"),
            Some(std::thread::current().id()),
            "the probe ran on the loop's thread"
        );
        assert_eq!(
            measuring.as_mut().poll(&mut cx),
            std::task::Poll::Ready(900)
        );
        assert_eq!(monitor.stats().alerts.len(), 1, "the sample was checked");
    }
}
