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
//! # Invariants (asserted by the model checks)
//! - **one-monitor-loop**: however many callers start it, at most one loop
//!   runs per monitor.
//! - **no-loop-after-shutdown**: once [`ResourceMonitor::stop`] has
//!   returned, no loop of the monitor runs, and none started meanwhile.
//! - **alerts-bounded**: the alert list never holds more than
//!   `alert_capacity` alerts.

use std::collections::VecDeque;
use std::fmt;

use super::sync::thread::{self, JoinHandle};
use super::sync::{Arc, Condvar, Mutex};

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
}
