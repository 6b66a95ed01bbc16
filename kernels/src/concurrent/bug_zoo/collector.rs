//! `R5.1` and `R6.2` — two lifecycles whose `start` slips in while a `stop`
//! waits for its tasks, and is then undone or orphaned by the rest of the stop.
//!
//! Both ports keep the originals' structure: a status (or run flag) checked by
//! `start`, a task table that `stop` walks, cancels, awaits and clears. The
//! `await` of a task becomes a thread join; a task's cancellation becomes its
//! own flag; the loops' interval sleep becomes a wait on a condition variable
//! that every status change signals (the "interval elapses"), after which the
//! loop re-reads the status as the originals do after their sleep. Each call
//! takes a sequence number where the original reads the status, so the checks
//! can tell which call came last.
//!
//! `R5.2` — [`PolledCollector`]: the collector ported to threads as
//! written: the loops poll the multi-valued `status` after each sleep and
//! `stop` only writes it (a thread cannot be cancelled), so nothing joins
//! the loop and it is still alive, possibly mid-collection, after `stop`
//! returns.
//!
//! `R5.3`, `R5.6` — [`RacyCollectionStats`]: `total += 1`, `failed += 1`
//! and the average update as separate reads and writes (lost updates under
//! threads); the windowed aggregate's failures hard-coded to 0.
//!
//! `R5.4` — [`RacyDataBuffer`]: the collector's `deque(maxlen)` read by
//! iterating it while the collection loop appends; Python's deque iterator
//! raises "deque mutated during iteration" when that happens.
//!
//! `R5.5` — [`RacyHealthMonitor`]: the collector's health monitor reads a
//! component's old status, writes the new one and alerts if they differ, in
//! separate steps; two concurrent updates both read the same old status.

use std::collections::BTreeMap;
use std::fmt;

use std::collections::VecDeque;

use super::super::clock::Millis;
use super::super::collector::{Collection, ComponentStatus, HealthAlert, Point, WindowStats};
use super::super::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use super::super::sync::thread::{self, JoinHandle};
use super::super::sync::{Arc, Condvar, Mutex};

/// `BackgroundDataCollector.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Stopped,
    Running,
    Stopping,
}

/// The data types with a collection loop each (one suffices for the race;
/// more would only add threads).
const KEYS: [&str; 1] = ["analytics"];

/// One collection task: its cancellation flag and (until awaited) its thread.
struct Task {
    cancelled: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

/// What the loops and both ports share: a status under a lock whose changes
/// wake the loops, and the instrumentation the checks read.
struct Lifecycle<S> {
    status: Mutex<(S, u64)>,
    changed: Condvar,
    alive_loops: AtomicUsize,
}

impl<S: Copy> Lifecycle<S> {
    fn new(initial: S) -> Self {
        Self {
            status: Mutex::new((initial, 0)),
            changed: Condvar::new(),
            alive_loops: AtomicUsize::new(0),
        }
    }

    fn set(&self, status: S) {
        self.status.lock().0 = status;
        self.changed.notify_all();
    }

    fn current(&self) -> S {
        self.status.lock().0
    }
}

/// A collection loop: after each "sleep" (a wake-up) it exits if cancelled
/// or if `keep_running` no longer holds for the status, as the originals'
/// `while self.status == RUNNING` / `while self._running` do.
fn spawn_loop<S: Copy + Send + 'static>(
    lifecycle: &Arc<Lifecycle<S>>,
    keep_running: fn(S) -> bool,
) -> Task {
    let cancelled = Arc::new(AtomicBool::new(false));
    lifecycle.alive_loops.fetch_add(1, Ordering::SeqCst);
    let handle = {
        let lifecycle = Arc::clone(lifecycle);
        let cancelled = Arc::clone(&cancelled);
        thread::spawn(move || {
            let mut status = lifecycle.status.lock();
            while !cancelled.load(Ordering::SeqCst) && keep_running(status.0) {
                status = lifecycle.changed.wait(status);
            }
            lifecycle.alive_loops.fetch_sub(1, Ordering::SeqCst);
        })
    };
    Task {
        cancelled,
        handle: Some(handle),
    }
}

/// `task.cancel(); await task`. The flag is set under the status lock, so a
/// loop between its check and its wait cannot miss it (asyncio's cancellation
/// is never lost either).
fn cancel_and_await<S>(
    task: Option<(Arc<AtomicBool>, Option<JoinHandle<()>>)>,
    lifecycle: &Lifecycle<S>,
) {
    if let Some((cancelled, handle)) = task {
        {
            let _status = lifecycle.status.lock();
            cancelled.store(true, Ordering::SeqCst);
        }
        lifecycle.changed.notify_all();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// `R5.1` — `BackgroundDataCollector`: `stop_collection` sets STOPPING, then
/// cancels and awaits each entry of `collection_tasks` in turn, clears the
/// table and sets STOPPED. `start_collection` refuses only when RUNNING, so
/// during the awaits it proceeds: sets RUNNING and overwrites the table's
/// entries with new tasks. Stop then clears the table and writes STOPPED: the
/// last call was the start, yet the collector ends stopped (and the loop the
/// start spawned is no longer tracked).
pub struct StatusCollector {
    lifecycle: Arc<Lifecycle<Status>>,
    tasks: Mutex<BTreeMap<&'static str, Task>>,
}

impl StatusCollector {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            lifecycle: Arc::new(Lifecycle::new(Status::Stopped)),
            tasks: Mutex::new(BTreeMap::new()),
        })
    }

    /// `start_collection`: returns the call's sequence number.
    pub fn start(&self) -> u64 {
        let seq = {
            let mut status = self.lifecycle.status.lock();
            status.1 += 1;
            if status.0 == Status::Running {
                return status.1;
            }
            status.0 = Status::Running;
            status.1
        };
        for key in KEYS {
            let task = spawn_loop(&self.lifecycle, |s| s == Status::Running);
            // Same keys: the old entry is overwritten, not cancelled.
            self.tasks.lock().insert(key, task);
        }
        seq
    }

    /// `stop_collection`: returns the call's sequence number.
    pub fn stop(&self) -> u64 {
        let seq = {
            let mut status = self.lifecycle.status.lock();
            status.1 += 1;
            status.0 = Status::Stopping;
            status.1
        };
        self.lifecycle.changed.notify_all();
        for key in KEYS {
            // Whatever task is under the key *now* (possibly a new one).
            let task = self
                .tasks
                .lock()
                .get_mut(key)
                .map(|t| (Arc::clone(&t.cancelled), t.handle.take()));
            cancel_and_await(task, &self.lifecycle);
        }
        self.tasks.lock().clear();
        self.lifecycle.set(Status::Stopped);
        seq
    }

    pub fn is_running(&self) -> bool {
        self.lifecycle.current() == Status::Running
    }

    pub fn alive_loops(&self) -> usize {
        self.lifecycle.alive_loops.load(Ordering::SeqCst)
    }
}

/// `R6.2` — `HealthMonitor`: `stop_monitoring` clears `_running`, cancels the
/// tasks and awaits `gather` of the tasks *captured then*. A `start_monitoring`
/// during that await sees `_running` false, sets it and appends new tasks to
/// the same list; stop then `clear()`s the list, dropping their handles. The
/// new loops keep running (the flag is true) and no later stop can cancel or
/// await them: after the next stop returns, a loop is still alive.
pub struct FlagMonitor {
    lifecycle: Arc<Lifecycle<bool>>,
    tasks: Mutex<Vec<Task>>,
}

impl FlagMonitor {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            lifecycle: Arc::new(Lifecycle::new(false)),
            tasks: Mutex::new(Vec::new()),
        })
    }

    /// `start_monitoring`: returns the call's sequence number.
    pub fn start(&self) -> u64 {
        let seq = {
            let mut running = self.lifecycle.status.lock();
            running.1 += 1;
            if running.0 {
                return running.1;
            }
            running.0 = true;
            running.1
        };
        for _ in KEYS {
            let task = spawn_loop(&self.lifecycle, |running| running);
            self.tasks.lock().push(task);
        }
        seq
    }

    /// `stop_monitoring`: returns the call's sequence number.
    pub fn stop(&self) -> u64 {
        let seq = {
            let mut running = self.lifecycle.status.lock();
            running.1 += 1;
            running.0 = false;
            running.1
        };
        self.lifecycle.changed.notify_all();
        // `asyncio.gather(*self._monitoring_tasks)`: the tasks listed now.
        let captured: Vec<_> = self
            .tasks
            .lock()
            .iter_mut()
            .map(|t| (Arc::clone(&t.cancelled), t.handle.take()))
            .collect();
        for task in captured {
            cancel_and_await(Some(task), &self.lifecycle);
        }
        self.tasks.lock().clear();
        seq
    }

    pub fn is_running(&self) -> bool {
        self.lifecycle.current()
    }

    pub fn alive_loops(&self) -> usize {
        self.lifecycle.alive_loops.load(Ordering::SeqCst)
    }
}

/// `R5.2` — `BackgroundDataCollector` in threads: `start_collection` sets
/// RUNNING and starts a loop that runs `while self.status == RUNNING`
/// (read after each sleep); `stop_collection` sets STOPPING, then STOPPED,
/// and returns: with no task to cancel and await, nothing waits for the
/// loop, which exits only when it next reads the status.
pub struct PolledCollector {
    lifecycle: Arc<Lifecycle<Status>>,
    task: Mutex<Option<Task>>,
}

impl PolledCollector {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            lifecycle: Arc::new(Lifecycle::new(Status::Stopped)),
            task: Mutex::new(None),
        })
    }

    /// `start_collection`.
    pub fn start(&self) {
        {
            let mut status = self.lifecycle.status.lock();
            if status.0 == Status::Running {
                return;
            }
            status.0 = Status::Running;
        }
        let task = spawn_loop(&self.lifecycle, |s| s == Status::Running);
        *self.task.lock() = Some(task);
    }

    /// `stop_collection`: the status is written, nothing is awaited.
    pub fn stop(&self) {
        self.lifecycle.set(Status::Stopping);
        self.lifecycle.set(Status::Stopped);
    }

    pub fn alive_loops(&self) -> usize {
        self.lifecycle.alive_loops.load(Ordering::SeqCst)
    }

    /// Waits for the loop (instrumentation, so a check's run can end).
    pub fn join(&self) {
        let handle = self.task.lock().as_mut().and_then(|t| t.handle.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// `R5.3`, `R5.6`: a data type's `DataBuffer` (its points, its
/// `total_collections` / `failed_collections`) and its `collection_stats`
/// entry. Each read or write of a counter is atomic, a `+=` is not.
#[derive(Debug, Default)]
pub struct RacyCollectionStats {
    /// `self.data`: one point per *successful* collection (its time).
    points: Mutex<VecDeque<Millis>>,
    total: Mutex<u64>,
    failed: Mutex<u64>,
    /// `avg_collection_time`: `(avg + duration) / 2`.
    avg_time: Mutex<f64>,
}

impl RacyCollectionStats {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A collection: `add_data_point` or `record_failure`, then
    /// `_update_collection_stats`.
    pub fn record(&self, collection: Collection) {
        if collection.ok {
            self.points.lock().push_back(collection.at);
        }
        let total = *self.total.lock();
        *self.total.lock() = total + 1;
        if !collection.ok {
            let failed = *self.failed.lock();
            *self.failed.lock() = failed + 1;
        }
        let avg = *self.avg_time.lock();
        *self.avg_time.lock() = (avg + collection.duration as f64) / 2.0;
    }

    /// `(total_collections, failed_collections)`.
    pub fn counts(&self) -> (u64, u64) {
        (*self.total.lock(), *self.failed.lock())
    }

    /// R5.6: `get_aggregated_data(window)`: the window's points are the
    /// successes; `failures = 0` (l.192–195).
    pub fn window(&self, since: Millis) -> WindowStats {
        let successes = self.points.lock().iter().filter(|&&at| at >= since).count() as u64;
        WindowStats {
            successes,
            failures: 0,
        }
    }
}

impl fmt::Debug for StatusCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusCollector")
            .field("status", &self.lifecycle.current())
            .field("alive_loops", &self.alive_loops())
            .finish()
    }
}

impl fmt::Debug for PolledCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolledCollector")
            .field("status", &self.lifecycle.current())
            .field("alive_loops", &self.alive_loops())
            .finish()
    }
}

impl fmt::Debug for FlagMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlagMonitor")
            .field("running", &self.is_running())
            .field("alive_loops", &self.alive_loops())
            .finish()
    }
}

/// `R5.5`: `HealthMonitor.update_component_health` (l.337–353): read the old
/// status, write the new one, append to the history, alert if they differ;
/// each dict/list operation atomic, the sequence not.
#[derive(Debug, Default)]
pub struct RacyHealthMonitor {
    component_health: Mutex<BTreeMap<String, ComponentStatus>>,
    alerts: Mutex<Vec<HealthAlert>>,
}

impl RacyHealthMonitor {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn update_component_health(&self, component: &str, status: ComponentStatus) {
        let old = self.component_health.lock().get(component).copied();
        self.component_health
            .lock()
            .insert(component.to_string(), status);
        if let Some(old) = old.filter(|&old| old != status) {
            self.alerts.lock().push(HealthAlert {
                component: component.to_string(),
                from: old,
                to: status,
            });
        }
    }

    pub fn status(&self, component: &str) -> Option<ComponentStatus> {
        self.component_health.lock().get(component).copied()
    }

    pub fn alerts(&self) -> Vec<HealthAlert> {
        self.alerts.lock().clone()
    }
}

/// `R5.4`'s `RuntimeError`: the deque changed while a reader iterated it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("RuntimeError: deque mutated during iteration")]
pub struct DequeMutated;

#[derive(Debug, Default)]
struct Deque {
    points: VecDeque<Point<u64>>,
    /// CPython's deque `state` counter: bumped by every append.
    mutations: u64,
    pushed: u64,
}

/// `R5.4`: `DataBuffer` (l.89–318): `self.data = deque(maxlen=max_size)`.
/// Each deque operation (one append, one iterator step) is atomic; an
/// iteration as a whole is not.
#[derive(Debug)]
pub struct RacyDataBuffer {
    data: Mutex<Deque>,
    max_size: usize,
}

impl RacyDataBuffer {
    pub fn new(max_size: usize) -> Arc<Self> {
        Arc::new(Self {
            data: Mutex::new(Deque::default()),
            max_size,
        })
    }

    /// `add_data_point`: `self.data.append(point)` (evicting at maxlen).
    pub fn add_data_point(&self, value: u64) -> u64 {
        let mut data = self.data.lock();
        data.pushed += 1;
        data.mutations += 1;
        let seq = data.pushed;
        if data.points.len() == self.max_size {
            data.points.pop_front();
        }
        data.points.push_back(Point { seq, value });
        seq
    }

    /// `get_recent_data(n)`: `list(self.data)[-n:]`; `list()` iterates the
    /// deque one step at a time, each step checking the mutation counter.
    pub fn get_recent_data(&self, n: usize) -> Result<Vec<Point<u64>>, DequeMutated> {
        let started = self.data.lock().mutations;
        let mut copied = Vec::new();
        for i in 0.. {
            let data = self.data.lock();
            if data.mutations != started {
                return Err(DequeMutated);
            }
            match data.points.get(i) {
                Some(point) => copied.push(point.clone()),
                None => break,
            }
        }
        let skip = copied.len().saturating_sub(n);
        Ok(copied.split_off(skip))
    }
}
