//! The original's `ResourceMonitor` and `MemoryManager` loops (catalog §4c,
//! `server/dashboard/performance_manager.py`), ported with their defects.
//! Listed under the metrics component, like the fixed
//! [`super::super::resource_monitor`].
//!
//! - `R4.10` — `start_monitoring` (l.781–785) reads `monitoring_active`,
//!   returns if set, else sets it and creates the loop task: atomic under one
//!   event loop, not under threads, where two starters both pass the check
//!   and two loops run.
//! - `R4.9` — `optimize_memory_usage` (l.1081–1084) awaits
//!   `monitor_memory()`, an endless `while True` loop (l.577): a second
//!   memory loop runs beside the one `initialize` started (l.978); it is not
//!   in `background_tasks`, so `shutdown` never cancels it.
//! - `R4.11` — `memory_alerts` (l.612) and `ResourceMonitor.alerts` (l.903)
//!   are plain lists appended to on every over-threshold sample, never
//!   trimmed.
//! - `R4.12` — `_collect_system_metrics` calls
//!   `psutil.cpu_percent(interval=0.1)` (l.816) and `monitor_memory` calls
//!   `gc.collect()` and `gc.get_objects()` (l.616–618) inline in async code:
//!   the call blocks the event loop's thread, so no other task on the loop
//!   runs until it returns ([`RacyResourceMonitor::measure_inline`]).
//!
//! Each attribute access is one step (a mutex here); an `await
//! asyncio.sleep` is a wait for the next sample.

use std::collections::VecDeque;

use super::super::resource_monitor::{Alert, BlockingProbe, Usage};
use super::super::sync::thread::{self, JoinHandle};
use super::super::sync::{Arc, Condvar, Mutex};

#[derive(Debug, Default)]
struct State {
    /// `monitoring_active`.
    active: bool,
    /// Samples measured, not yet looked at by a loop.
    pending: VecDeque<Usage>,
    /// The process is exiting (ends even the loops nothing cancels; test
    /// teardown only).
    exiting: bool,
    loops_started: u64,
    loops_running: usize,
    /// `alerts`: appended to, never trimmed.
    alerts: Vec<Alert>,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// The monitors' state and loops as the original runs them.
#[derive(Debug, Clone)]
pub struct RacyResourceMonitor {
    state: Shared,
    threshold: Usage,
    /// `background_tasks`: the tasks `shutdown` cancels.
    background_tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl RacyResourceMonitor {
    pub fn new(threshold: Usage) -> Self {
        Self {
            state: Arc::new((Mutex::new(State::default()), Condvar::new())),
            threshold,
            background_tasks: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Spawns a loop (`create_task`); `cancellable` loops end on `shutdown`
    /// (`while self.monitoring_active`), the others only when the process
    /// exits (`while True`).
    fn spawn_loop(&self, cancellable: bool) -> JoinHandle<()> {
        {
            let mut state = self.state.0.lock();
            state.loops_started += 1;
            state.loops_running += 1;
        }
        let (shared, threshold) = (Arc::clone(&self.state), self.threshold);
        thread::spawn(move || {
            let (lock, wake) = &*shared;
            let mut state = lock.lock();
            loop {
                if let Some(usage) = state.pending.pop_front() {
                    if usage > threshold {
                        let id = state.alerts.len() as u64;
                        state.alerts.push(Alert { id, usage });
                    }
                } else if state.exiting || (cancellable && !state.active) {
                    state.loops_running -= 1;
                    return;
                } else {
                    state = wake.wait(state);
                }
            }
        })
    }

    /// R4.10 — `start_monitoring`: `if self.monitoring_active: return`, then
    /// `self.monitoring_active = True` and `create_task(...)`, in steps. The
    /// loop goes into `background_tasks`.
    pub fn start_monitoring(&self) {
        if self.state.0.lock().active {
            return;
        }
        self.state.0.lock().active = true;
        let task = self.spawn_loop(true);
        self.background_tasks.lock().push(task);
    }

    /// R4.9 — `optimize_memory_usage`: awaits `monitor_memory()`, i.e. runs
    /// another endless loop, which no list of tasks records. Its handle is
    /// returned only so a test can join it after [`Self::exit`].
    pub fn optimize_memory_usage(&self) -> JoinHandle<()> {
        self.spawn_loop(false)
    }

    /// The sampling interval elapsing with `usage` measured.
    pub fn sample(&self, usage: Usage) {
        let (lock, wake) = &*self.state;
        lock.lock().pending.push_back(usage);
        wake.notify_all();
    }

    /// `shutdown`: `monitoring_active = False`, cancel (here: join) the
    /// `background_tasks`.
    pub fn shutdown(&self) {
        {
            let (lock, wake) = &*self.state;
            lock.lock().active = false;
            wake.notify_all();
        }
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *self.background_tasks.lock());
        for task in tasks {
            let _ = task.join();
        }
    }

    /// R4.12 — one measurement of the monitoring loop as written: the
    /// blocking probe runs right here, on whatever thread polls this future
    /// (the event loop's), and the sample goes to the loop.
    pub async fn measure_inline<P: BlockingProbe>(&self, probe: &P) -> Usage {
        let usage = probe.measure();
        self.sample(usage);
        usage
    }

    /// The process exits: every loop ends (test teardown).
    pub fn exit(&self) {
        let (lock, wake) = &*self.state;
        lock.lock().exiting = true;
        wake.notify_all();
    }

    pub fn loops_started(&self) -> u64 {
        self.state.0.lock().loops_started
    }

    pub fn loops_running(&self) -> usize {
        self.state.0.lock().loops_running
    }

    pub fn alerts(&self) -> Vec<Alert> {
        self.state.0.lock().alerts.clone()
    }
}
