//! Background collector lifecycle: one collection loop, started and stopped
//! from any thread in any interleaving.
//!
//! The original `BackgroundDataCollector` (catalog R5.1) and the
//! `HealthMonitor` of `health_monitoring.py` (R6.2) both let a `start` that
//! arrives while a `stop` is waiting for its tasks slip in: the stop then
//! clears the task list (or the status) *after* the start, so the caller's
//! start is silently undone and its loops run on untracked. The service
//! registry's prober has the same shape (R9.4: start during a slow stop is
//! undone). Here every call is linearized under one [`Mutex`] and numbered:
//!
//! - `start` records "running" as the desired state; if the previous loop is
//!   still winding down it waits (on the [`Condvar`]) until that loop has
//!   exited, then spawns the one new loop, unless a later `stop` came in
//!   meanwhile, in which case that stop won;
//! - `stop` records "stopped", tells the live loop (if any) to exit, and
//!   returns only once that loop is gone; a `start` that comes later is not
//!   undone, because `stop` only ever waits for the loop that was live at its
//!   own linearization point and never touches the desired state again.
//!
//! The loop blocks on the condition variable between ticks (no spinning, no
//! sleeping): a tick is requested with [`Collector::tick`] (by an interval
//! timer in production, by the test directly), and the collection callback
//! runs outside the lock.
//!
//! # Invariants (asserted by the model checks)
//! - **final-state-is-last-call**: once every `start`/`stop` call has
//!   returned, [`Collector::is_running`] equals the kind of the call with the
//!   highest sequence number (each call returns its position in the
//!   linearization), and the sequence numbers of one thread's calls increase.
//! - **exactly-one-loop**: at most one loop is ever alive
//!   ([`Collector::peak_alive_loops`] ≤ 1); once every call has returned,
//!   exactly one loop is alive if running and none if stopped; after any
//!   `stop` returns, the loop that was live when it was called is gone.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use super::clock::Millis;
use super::sync::atomic::{AtomicUsize, Ordering};
use super::sync::thread::{self, JoinHandle};
use super::sync::{Arc, Condvar, Mutex};

/// A start or a stop, as the linearization records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Start,
    Stop,
}

/// The loop a core knows about: spawned and not yet exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LiveLoop {
    generation: u64,
    stopping: bool,
}

/// What a `start` should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartStep {
    /// Nothing: a loop is running, or a later `stop` has won.
    Done,
    /// The previous loop is still exiting; wait for it.
    WaitForExit,
    /// Spawn the loop of this generation (already recorded as live).
    Spawn(u64),
}

/// What became of a tick request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// No loop is running; nothing queued.
    NotRunning,
    /// Queued: the loop must be woken.
    Queued,
    /// A tick is already pending; this one coalesces with it.
    AlreadyPending,
}

/// What a loop should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopStep {
    /// Stop was requested (or this loop is not the live one): exit.
    Exit,
    /// Nothing to do: block until something changes.
    Wait,
    /// Run collection number `n` (1-based, over the collector's life).
    Collect(u64),
}

/// The lifecycle's logic, unsynchronised: the state machine every `start`,
/// `stop`, tick and loop step goes through.
#[derive(Debug, Clone, Default)]
pub struct LifecycleCore {
    /// Sequence number of the last start/stop call.
    calls: u64,
    /// The kind of the last call (`Stop` before any call).
    desired: Option<Call>,
    live: Option<LiveLoop>,
    tick_pending: bool,
    /// Ticks requested and accepted.
    ticks_requested: u64,
    /// Collections completed.
    ticks_collected: u64,
}

impl LifecycleCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the last call was a start.
    pub fn wants_running(&self) -> bool {
        self.desired == Some(Call::Start)
    }

    /// Records a start call; returns its sequence number. Follow with
    /// [`LifecycleCore::start_step`].
    pub fn request_start(&mut self) -> u64 {
        self.calls += 1;
        self.desired = Some(Call::Start);
        self.calls
    }

    /// The next step of a start call whose sequence number is `seq`.
    pub fn start_step(&mut self, seq: u64) -> StartStep {
        if !self.wants_running() {
            return StartStep::Done;
        }
        match self.live {
            Some(LiveLoop {
                stopping: false, ..
            }) => StartStep::Done,
            Some(LiveLoop { stopping: true, .. }) => StartStep::WaitForExit,
            None => {
                self.live = Some(LiveLoop {
                    generation: seq,
                    stopping: false,
                });
                StartStep::Spawn(seq)
            }
        }
    }

    /// Records a stop call and tells the live loop to exit. Returns the call's
    /// sequence number and the generation of the loop the stop must outlive.
    pub fn request_stop(&mut self) -> (u64, Option<u64>) {
        self.calls += 1;
        self.desired = Some(Call::Stop);
        self.tick_pending = false;
        let target = self.live.as_mut().map(|live| {
            live.stopping = true;
            live.generation
        });
        (self.calls, target)
    }

    /// Whether the loop of `generation` has not exited yet.
    pub fn is_live(&self, generation: u64) -> bool {
        self.live.is_some_and(|l| l.generation == generation)
    }

    /// Requests one collection. Ticks coalesce: one pending tick at most, as
    /// an interval timer skips the ticks it missed while a collection ran.
    pub fn request_tick(&mut self) -> Tick {
        let running = self.wants_running() && self.live.is_some_and(|l| !l.stopping);
        if !running {
            Tick::NotRunning
        } else if self.tick_pending {
            Tick::AlreadyPending
        } else {
            self.tick_pending = true;
            self.ticks_requested += 1;
            Tick::Queued
        }
    }

    /// The next step of the loop of `generation`.
    pub fn loop_step(&mut self, generation: u64) -> LoopStep {
        match self.live {
            Some(LiveLoop {
                generation: g,
                stopping: false,
            }) if g == generation => {
                if self.tick_pending {
                    self.tick_pending = false;
                    LoopStep::Collect(self.ticks_collected + 1)
                } else {
                    LoopStep::Wait
                }
            }
            _ => LoopStep::Exit,
        }
    }

    /// A collection of the loop of `generation` finished.
    pub fn record_collection(&mut self, generation: u64) {
        if self.is_live(generation) {
            self.ticks_collected += 1;
        }
    }

    /// The loop of `generation` has exited.
    pub fn loop_exited(&mut self, generation: u64) {
        if self.is_live(generation) {
            self.live = None;
        }
    }

    pub fn ticks_requested(&self) -> u64 {
        self.ticks_requested
    }

    pub fn ticks_collected(&self) -> u64 {
        self.ticks_collected
    }
}

/// The collection callback: receives the collection's number.
type Collect = Box<dyn Fn(u64) + Send + Sync>;

struct State {
    core: LifecycleCore,
    /// The live loop's thread, until a stop takes it to join.
    handle: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled on every change: a call, a tick, a loop's exit.
    changed: Condvar,
    /// Loops spawned and not yet exited (instrumentation the checks read).
    alive_loops: AtomicUsize,
    peak_alive_loops: AtomicUsize,
    collect: Collect,
}

/// A background collection loop with a race-free start/stop lifecycle; a
/// cheap handle, clones share one lifecycle.
///
/// Dropping the handles does not stop a running loop (it holds the shared
/// state itself): call [`Collector::stop`]. A collection that panics ends its
/// loop; the collector still reports running, and the next start (with or
/// without a stop before it) spawns a fresh loop.
#[derive(Clone)]
pub struct Collector {
    shared: Arc<Shared>,
}

impl Collector {
    /// A collector whose loop calls `collect` once per accepted tick.
    pub fn new(collect: impl Fn(u64) + Send + Sync + 'static) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    core: LifecycleCore::new(),
                    handle: None,
                }),
                changed: Condvar::new(),
                alive_loops: AtomicUsize::new(0),
                peak_alive_loops: AtomicUsize::new(0),
                collect: Box::new(collect),
            }),
        }
    }

    /// Starts the loop unless it runs; returns this call's sequence number.
    ///
    /// Idempotent. If a stop is still waiting for the previous loop, this
    /// waits for that loop to exit first, so two loops never overlap; if a
    /// later stop arrives meanwhile, that stop wins and nothing is spawned.
    pub fn start(&self) -> u64 {
        let mut state = self.shared.state.lock();
        let seq = state.core.request_start();
        loop {
            match state.core.start_step(seq) {
                StartStep::Done => return seq,
                StartStep::WaitForExit => state = self.shared.changed.wait(state),
                StartStep::Spawn(generation) => {
                    let alive = self.shared.alive_loops.fetch_add(1, Ordering::SeqCst) + 1;
                    self.shared
                        .peak_alive_loops
                        .fetch_max(alive, Ordering::SeqCst);
                    let shared = Arc::clone(&self.shared);
                    // Spawned under the lock: the loop's first step needs the
                    // lock, so it cannot run before its handle is stored.
                    state.handle = Some(thread::spawn(move || run_loop(&shared, generation)));
                    return seq;
                }
            }
        }
    }

    /// Stops the loop; returns this call's sequence number once the loop that
    /// was live at the call has exited (its thread joined when this call is
    /// the one that told it to stop). Idempotent.
    pub fn stop(&self) -> u64 {
        let (seq, target, handle) = {
            let mut state = self.shared.state.lock();
            let (seq, target) = state.core.request_stop();
            let handle = target.and_then(|_| state.handle.take());
            (seq, target, handle)
        };
        self.shared.changed.notify_all();
        if let Some(handle) = handle {
            // The loop exits on its next step; a panic inside `collect` has
            // ended it just the same.
            let _ = handle.join();
        }
        if let Some(generation) = target {
            let mut state = self.shared.state.lock();
            while state.core.is_live(generation) {
                state = self.shared.changed.wait(state);
            }
        }
        seq
    }

    /// Requests one collection; `false` when not running.
    pub fn tick(&self) -> bool {
        let tick = self.shared.state.lock().core.request_tick();
        // Only a newly queued tick needs a wake-up (a pending one already
        // has one on its way), which keeps a fast timer off the syscall.
        if tick == Tick::Queued {
            self.shared.changed.notify_all();
        }
        tick != Tick::NotRunning
    }

    /// Whether the last start/stop call was a start.
    pub fn is_running(&self) -> bool {
        self.shared.state.lock().core.wants_running()
    }

    /// Collections completed so far.
    pub fn ticks_collected(&self) -> u64 {
        self.shared.state.lock().core.ticks_collected()
    }

    /// Loops spawned and not yet exited.
    pub fn alive_loops(&self) -> usize {
        self.shared.alive_loops.load(Ordering::SeqCst)
    }

    /// The most loops ever alive at once.
    pub fn peak_alive_loops(&self) -> usize {
        self.shared.peak_alive_loops.load(Ordering::SeqCst)
    }
}

/// The loop of `generation`: collect on each tick, block in between, exit
/// when told to.
fn run_loop(shared: &Shared, generation: u64) {
    // Declared first, dropped last: the exit is recorded even if `collect`
    // panics, so a stop waiting for this loop never waits forever.
    let _exit = LoopExit { shared, generation };
    let mut state = shared.state.lock();
    loop {
        match state.core.loop_step(generation) {
            LoopStep::Exit => break,
            LoopStep::Wait => state = shared.changed.wait(state),
            LoopStep::Collect(n) => {
                drop(state);
                (shared.collect)(n);
                state = shared.state.lock();
                state.core.record_collection(generation);
            }
        }
    }
}

/// Records a loop's exit when the loop ends, however it ends.
struct LoopExit<'a> {
    shared: &'a Shared,
    generation: u64,
}

impl Drop for LoopExit<'_> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.core.loop_exited(self.generation);
        self.shared.alive_loops.fetch_sub(1, Ordering::SeqCst);
        drop(state);
        self.shared.changed.notify_all();
    }
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector")
            .field("running", &self.is_running())
            .field("alive_loops", &self.alive_loops())
            .finish()
    }
}

/// Errors of [`DataBuffer`] construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a data buffer must hold at least 1 point")]
pub struct ZeroCapacity;

/// A collected point with its position in the buffer's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point<T> {
    /// 1, 2, … in the order the points were pushed.
    pub seq: u64,
    pub value: T,
}

#[derive(Debug)]
struct BufferState<T> {
    points: VecDeque<Point<T>>,
    capacity: usize,
    pushed: u64,
}

/// A collection loop's ring buffer: the newest `capacity` points.
///
/// The original `DataBuffer` is a `deque(maxlen)` that the collector appends
/// to while readers iterate or index it (`get_recent_data`,
/// `get_data_since`, `get_buffer_stats`); under threads an iteration that
/// meets an append raises "deque mutated during iteration", and an emptiness
/// check followed by `data[0]` can fail (R5.4). Here every read copies what
/// it returns in one critical section.
///
/// Invariant (**buffer-fifo**): a read never fails and returns points with
/// consecutive sequence numbers, ascending, at most `capacity` of them, the
/// newest being the newest pushed at the time of the read.
#[derive(Debug)]
pub struct DataBuffer<T> {
    state: Mutex<BufferState<T>>,
}

impl<T: Clone> DataBuffer<T> {
    pub fn new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(Self {
            state: Mutex::new(BufferState {
                points: VecDeque::with_capacity(capacity),
                capacity,
                pushed: 0,
            }),
        })
    }

    /// Appends `value`, evicting the oldest point at capacity; returns its
    /// sequence number.
    pub fn push(&self, value: T) -> u64 {
        let mut state = self.state.lock();
        state.pushed += 1;
        let seq = state.pushed;
        if state.points.len() == state.capacity {
            state.points.pop_front();
        }
        state.points.push_back(Point { seq, value });
        seq
    }

    /// The newest `n` points, oldest first.
    pub fn recent(&self, n: usize) -> Vec<Point<T>> {
        let state = self.state.lock();
        let skip = state.points.len().saturating_sub(n);
        state.points.iter().skip(skip).cloned().collect()
    }

    /// The points pushed after sequence number `seq`, oldest first.
    pub fn since(&self, seq: u64) -> Vec<Point<T>> {
        let state = self.state.lock();
        state
            .points
            .iter()
            .filter(|p| p.seq > seq)
            .cloned()
            .collect()
    }

    /// Points pushed so far.
    pub fn pushed(&self) -> u64 {
        self.state.lock().pushed
    }
}

/// One collection's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collection {
    pub at: Millis,
    pub ok: bool,
    pub duration: Millis,
}

/// A data type's collections over the collector's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CollectionTotals {
    pub total: u64,
    pub failed: u64,
    /// Sum of the collections' durations.
    pub total_time: Millis,
}

impl CollectionTotals {
    pub fn succeeded(&self) -> u64 {
        self.total - self.failed
    }

    /// Mean duration; `None` before the first collection.
    pub fn mean_time(&self) -> Option<Millis> {
        self.total_time.checked_div(self.total)
    }
}

/// Successes and failures among the collections of a time window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowStats {
    pub successes: u64,
    pub failures: u64,
}

impl WindowStats {
    /// Successes over all collections of the window; `None` if it has none.
    pub fn success_rate(&self) -> Option<f64> {
        let all = self.successes + self.failures;
        (all > 0).then(|| self.successes as f64 / all as f64)
    }
}

#[derive(Debug)]
struct StatsState {
    totals: CollectionTotals,
    /// The newest `capacity` outcomes, oldest first.
    recent: VecDeque<Collection>,
    capacity: usize,
}

/// A data type's collection statistics: lifetime totals and the recent
/// outcomes a windowed aggregate is computed from.
///
/// The original bumps `total_collections` and `failed_collections` and
/// updates the average time with separate `+=` (the buffer's counters,
/// l.113 and 121–122, and `_update_collection_stats`, l.740–750): atomic
/// under asyncio, lost updates under threads (R5.3). Its windowed aggregate
/// counts the window's data points as successes and hard-codes the failures
/// to 0, so its success rate is always 1.0 (R5.6). Here one critical section
/// records an outcome in both, and failures are outcomes like successes.
/// The duration is kept as a sum (mean = sum / total) where the original
/// keeps a weight-½ moving average: that depends on the order of concurrent
/// recorders, a sum does not.
///
/// Invariants (**no-lost-count**, **window-success-rate**): the totals count
/// every recorded collection exactly once (`total = successes + failures`,
/// `total_time` their sum); a window's success rate is its successes over
/// its successes and failures.
#[derive(Debug)]
pub struct CollectionStats {
    state: Mutex<StatsState>,
}

impl CollectionStats {
    /// Keeps the newest `capacity` outcomes for windows.
    pub fn new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(Self {
            state: Mutex::new(StatsState {
                totals: CollectionTotals::default(),
                recent: VecDeque::with_capacity(capacity),
                capacity,
            }),
        })
    }

    /// Records one collection; returns the totals including it.
    pub fn record(&self, collection: Collection) -> CollectionTotals {
        let mut state = self.state.lock();
        state.totals.total += 1;
        state.totals.failed += u64::from(!collection.ok);
        state.totals.total_time += collection.duration;
        if state.recent.len() == state.capacity {
            state.recent.pop_front();
        }
        state.recent.push_back(collection);
        state.totals
    }

    pub fn totals(&self) -> CollectionTotals {
        self.state.lock().totals
    }

    /// The retained collections at or after `since`.
    pub fn window(&self, since: Millis) -> WindowStats {
        let state = self.state.lock();
        let mut window = WindowStats::default();
        for c in state.recent.iter().filter(|c| c.at >= since) {
            if c.ok {
                window.successes += 1;
            } else {
                window.failures += 1;
            }
        }
        window
    }
}

/// A component's health as the collector's health loop rates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

/// One status change of one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthAlert {
    pub component: String,
    pub from: ComponentStatus,
    pub to: ComponentStatus,
}

#[derive(Debug, Default)]
struct HealthState {
    current: BTreeMap<String, ComponentStatus>,
    alerts: Vec<HealthAlert>,
}

/// Per-component health with one alert per actual change.
///
/// The original `HealthMonitor.update_component_health` reads the old
/// status, writes the new one and alerts if they differ, in three steps;
/// two concurrent updates of one component can both read the same old
/// status, so a change is reported twice, with the wrong old status, or not
/// at all (R5.5). Here the read, the write and the alert are one critical
/// section. As in the original, a component's first status raises no alert.
///
/// Invariant (**alert-per-transition**): a component's alerts, in order,
/// chain from its first status to its current one (each alert's `from` is
/// the previous alert's `to`), and every update that changed the status
/// raised exactly one of them.
#[derive(Debug, Default)]
pub struct HealthTracker {
    state: Mutex<HealthState>,
}

impl HealthTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `component`'s status; returns the alert if it changed.
    pub fn update(&self, component: &str, status: ComponentStatus) -> Option<HealthAlert> {
        let mut state = self.state.lock();
        let old = state.current.insert(component.to_string(), status)?;
        if old == status {
            return None;
        }
        let alert = HealthAlert {
            component: component.to_string(),
            from: old,
            to: status,
        };
        state.alerts.push(alert.clone());
        Some(alert)
    }

    pub fn status(&self, component: &str) -> Option<ComponentStatus> {
        self.state.lock().current.get(component).copied()
    }

    /// Every alert so far, oldest first.
    pub fn alerts(&self) -> Vec<HealthAlert> {
        self.state.lock().alerts.clone()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    #[test]
    fn start_stop_are_idempotent_and_numbered() {
        let collector = Collector::new(|_| {});
        assert!(!collector.is_running());
        let a = collector.start();
        let b = collector.start();
        assert!(b > a);
        assert!(collector.is_running());
        assert_eq!(collector.alive_loops(), 1);
        let c = collector.stop();
        let d = collector.stop();
        assert!(d > c && c > b);
        assert!(!collector.is_running());
        assert_eq!(collector.alive_loops(), 0);
        collector.start();
        assert_eq!(collector.alive_loops(), 1);
        collector.stop();
        assert_eq!(collector.peak_alive_loops(), 1);
    }

    #[test]
    fn ticks_run_the_callback_only_while_running() {
        let seen = Arc::new(AtomicUsize::new(0));
        let collector = {
            let seen = Arc::clone(&seen);
            Collector::new(move |_| {
                seen.fetch_add(1, Ordering::SeqCst);
            })
        };
        assert!(!collector.tick());
        collector.start();
        assert!(collector.tick());
        // Wait for the loop to take the tick (it coalesces with later ones).
        while collector.ticks_collected() == 0 {
            std::thread::yield_now();
        }
        collector.stop();
        assert!(!collector.tick());
        assert_eq!(seen.load(Ordering::SeqCst), 1);
        assert_eq!(collector.ticks_collected(), 1);
    }

    #[test]
    fn a_panicking_collection_does_not_hang_stop() {
        let collector = Collector::new(|_| panic!("collection failed"));
        collector.start();
        collector.tick();
        while collector.alive_loops() == 1 {
            std::thread::yield_now();
        }
        collector.stop();
        collector.start();
        assert_eq!(collector.alive_loops(), 1);
        collector.stop();
        assert_eq!(collector.alive_loops(), 0);
    }

    #[test]
    fn core_start_waits_for_a_stopping_loop_and_a_later_stop_wins() {
        let mut core = LifecycleCore::new();
        let s1 = core.request_start();
        assert_eq!(core.start_step(s1), StartStep::Spawn(s1));
        let (_, target) = core.request_stop();
        assert_eq!(target, Some(s1));
        let s2 = core.request_start();
        assert_eq!(core.start_step(s2), StartStep::WaitForExit);
        assert_eq!(core.loop_step(s1), LoopStep::Exit);
        core.loop_exited(s1);
        assert_eq!(core.start_step(s2), StartStep::Spawn(s2));
        assert_eq!(core.request_tick(), Tick::Queued);
        assert_eq!(core.request_tick(), Tick::AlreadyPending);
        assert_eq!(core.loop_step(s2), LoopStep::Collect(1));
        core.record_collection(s2);
        assert_eq!(core.loop_step(s2), LoopStep::Wait);
        let _ = core.request_stop();
        assert_eq!(core.request_tick(), Tick::NotRunning);
        let s3 = core.request_start();
        let _ = core.request_stop();
        // s3 was superseded by the stop after it.
        assert_eq!(core.start_step(s3), StartStep::Done);
        assert_eq!(core.ticks_collected(), 1);
    }

    #[test]
    fn stats_count_failures_in_totals_and_windows() {
        assert!(CollectionStats::new(0).is_err());
        let stats = CollectionStats::new(2).expect("capacity 2");
        assert_eq!(stats.window(0).success_rate(), None);
        assert_eq!(stats.totals().mean_time(), None);
        for (at, ok, duration) in [(1, true, 10), (2, false, 30), (3, true, 20)] {
            stats.record(Collection { at, ok, duration });
        }
        let totals = stats.totals();
        assert_eq!((totals.total, totals.failed, totals.succeeded()), (3, 1, 2));
        assert_eq!(totals.mean_time(), Some(20));
        // The window sees the two retained outcomes.
        assert_eq!(stats.window(0).success_rate(), Some(0.5));
        assert_eq!(stats.window(3).success_rate(), Some(1.0));
    }

    #[test]
    fn health_alerts_once_per_change() {
        let tracker = HealthTracker::new();
        assert_eq!(tracker.update("db", ComponentStatus::Healthy), None);
        assert_eq!(tracker.update("db", ComponentStatus::Healthy), None);
        let alert = tracker.update("db", ComponentStatus::Degraded);
        assert_eq!(
            alert.map(|a| (a.from, a.to)),
            Some((ComponentStatus::Healthy, ComponentStatus::Degraded))
        );
        assert_eq!(tracker.alerts().len(), 1);
        assert_eq!(tracker.status("db"), Some(ComponentStatus::Degraded));
    }

    #[test]
    fn buffer_keeps_the_newest_points_in_order() {
        assert_eq!(DataBuffer::<u8>::new(0).err(), Some(ZeroCapacity));
        let buffer = DataBuffer::new(2).expect("capacity 2");
        assert!(buffer.recent(5).is_empty());
        for v in [10, 20, 30] {
            buffer.push(v);
        }
        let seqs = |points: Vec<Point<i32>>| points.into_iter().map(|p| p.seq).collect::<Vec<_>>();
        assert_eq!(seqs(buffer.recent(5)), vec![2, 3]);
        assert_eq!(seqs(buffer.recent(1)), vec![3]);
        assert_eq!(seqs(buffer.since(2)), vec![3]);
        assert_eq!(buffer.pushed(), 3);
    }
}
