//! `R3.1`, `R3.2`, `R3.3`, `R3.4` — the original `EnhancedCircuitBreaker`
//! (`server/dashboard/enhanced_circuit_breaker.py`), and `seed003-breaker-counter`,
//! `seed003-breaker-half-open` — seed 003's `CircuitBreaker` sketch.
//!
//! [`EnhancedCircuitBreaker`] keeps the original's logic under its one state
//! lock: admission (`_can_execute`) and outcome recording (`_record_success`,
//! `_record_failure`) are separate critical sections with the caller's work in
//! between, and all four of its defects are present at once, as in the original:
//! - **R3.1** a success in CLOSED only bumps `success_count`; `failure_count` is
//!   cleared only by a state change, so F, S, F trips a threshold-2 breaker.
//! - **R3.2** the caller that moves OPEN→HALF_OPEN is admitted but not counted
//!   (`_transition_to_half_open` resets `half_open_requests` to 0), so K + 1
//!   probes run at once.
//! - **R3.3** `half_open_requests` only ever grows: a probe whose outcome is
//!   never recorded (cancelled, an ignored error) holds its slot forever, and
//!   once K slots are held every request is rejected: stuck HALF_OPEN.
//! - **R3.4** outcomes carry no epoch: a request admitted while CLOSED that
//!   completes during a later HALF_OPEN period counts as a probe's outcome.
//!
//! - **R3.5** `_transition_to_open` counts `_backoff_attempt`, and the config
//!   carries a multiplier and a cap, but `_can_execute` always waits the fixed
//!   `open_timeout_seconds`: a breaker whose probes keep failing is probed
//!   every 30 s forever ([`EnhancedConfig::backoff_multiplier`] is never read).
//!
//! [`OriginalBreakerMetrics`] is the original's `CircuitMetrics` bookkeeping
//! (**R3.6**): `_update_metrics` bumps `total_requests` and then
//! `successful_requests` or `failed_requests` under `_metrics_lock`, and
//! `get_metrics` returns the live object; `get_all_metrics` then reads its
//! `total_requests` and `failed_requests` (l.555–556) while other requests
//! update them, so it can see more outcomes than requests. (The other half of
//! R3.6, `reset` leaving `_half_open_requests` as it was, has no effect the
//! original can show: the next OPEN→HALF_OPEN zeroes it, l.387; the fixed
//! breaker's `reset` starts a new period instead.)
//!
//! The original's failure-*rate* rule (≥ 10 samples in the window) is left out:
//! the cases never reach 10 samples, so it could not change what they see.
//!
//! [`Seed003CircuitBreaker`] has no lock at all: each field is an atomic, and
//! every read-modify-write is a load followed by a store, as Python's
//! `self.failure_count += 1` is once threads run it in parallel.

use super::super::clock::Millis;
use super::super::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use super::super::sync::{Arc, Mutex};

/// The breaker's state, as both ports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZooState {
    Closed,
    Open,
    HalfOpen,
}

/// Whether a request may run, and in which state it was let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Rejected,
    /// Admitted; the state right after admission (HALF_OPEN means a probe).
    Admitted(ZooState),
}

impl Admission {
    pub fn is_probe(self) -> bool {
        self == Admission::Admitted(ZooState::HalfOpen)
    }
}

/// `CircuitBreakerConfig` fields the port uses.
#[derive(Debug, Clone, Copy)]
pub struct EnhancedConfig {
    pub failure_threshold: u64,
    pub success_threshold: u64,
    pub half_open_max_requests: u64,
    pub open_timeout: Millis,
    /// `backoff_multiplier` (R3.5: configured, never read).
    pub backoff_multiplier: u64,
}

#[derive(Debug)]
struct EnhancedState {
    state: ZooState,
    state_since: Millis,
    failure_count: u64,
    success_count: u64,
    half_open_requests: u64,
    /// `_backoff_attempt`: counted, never used (R3.5).
    backoff_attempt: u64,
}

/// The original `EnhancedCircuitBreaker`, defects included.
#[derive(Debug)]
pub struct EnhancedCircuitBreaker {
    config: EnhancedConfig,
    state: Mutex<EnhancedState>,
}

impl EnhancedCircuitBreaker {
    pub fn new(config: EnhancedConfig) -> Self {
        Self {
            config,
            state: Mutex::new(EnhancedState {
                state: ZooState::Closed,
                state_since: 0,
                failure_count: 0,
                success_count: 0,
                half_open_requests: 0,
                backoff_attempt: 0,
            }),
        }
    }

    /// `_can_execute`.
    pub fn can_execute(&self, now: Millis) -> Admission {
        let mut s = self.state.lock();
        match s.state {
            ZooState::Closed => Admission::Admitted(ZooState::Closed),
            ZooState::Open => {
                if now.saturating_sub(s.state_since) >= self.config.open_timeout {
                    // R3.2: admitted, yet `_transition_to_half_open` zeroes the
                    // counter, so this probe is never counted.
                    change_state(&mut s, ZooState::HalfOpen, now);
                    s.half_open_requests = 0;
                    s.success_count = 0;
                    s.failure_count = 0;
                    Admission::Admitted(ZooState::HalfOpen)
                } else {
                    Admission::Rejected
                }
            }
            ZooState::HalfOpen => {
                // R3.3: incremented here, decremented nowhere.
                if s.half_open_requests < self.config.half_open_max_requests {
                    s.half_open_requests += 1;
                    Admission::Admitted(ZooState::HalfOpen)
                } else {
                    Admission::Rejected
                }
            }
        }
    }

    /// `_record_success`: whatever state the request was admitted in (R3.4).
    pub fn record_success(&self, now: Millis) {
        let mut s = self.state.lock();
        // R3.1: in CLOSED a success leaves `failure_count` alone.
        s.success_count += 1;
        if s.state == ZooState::HalfOpen && s.success_count >= self.config.success_threshold {
            change_state(&mut s, ZooState::Closed, now);
            s.failure_count = 0;
            s.success_count = 0;
        }
    }

    /// `_record_failure` (every error is monitored, as by default).
    pub fn record_failure(&self, now: Millis) {
        let mut s = self.state.lock();
        s.failure_count += 1;
        match s.state {
            ZooState::Closed if s.failure_count >= self.config.failure_threshold => {
                transition_to_open(&mut s, now);
            }
            ZooState::HalfOpen => transition_to_open(&mut s, now),
            _ => {}
        }
    }

    /// The `state` property.
    pub fn state(&self) -> ZooState {
        self.state.lock().state
    }

    /// `_backoff_attempt`.
    pub fn backoff_attempt(&self) -> u64 {
        self.state.lock().backoff_attempt
    }
}

/// `_transition_to_open`: change state, then `_backoff_attempt += 1` (and
/// nothing reads it: R3.5).
fn transition_to_open(s: &mut EnhancedState, now: Millis) {
    change_state(s, ZooState::Open, now);
    s.backoff_attempt += 1;
}

/// `R3.6`: `CircuitMetrics`' counters, which callers read directly.
#[derive(Debug, Default)]
pub struct LiveCircuitMetrics {
    pub total_requests: AtomicU64,
    pub successful_requests: AtomicU64,
    pub failed_requests: AtomicU64,
}

/// `R3.6`: the breaker's metrics, updated under `_metrics_lock` and handed
/// out by reference.
#[derive(Debug, Default)]
pub struct OriginalBreakerMetrics {
    metrics_lock: Mutex<()>,
    metrics: Arc<LiveCircuitMetrics>,
}

impl OriginalBreakerMetrics {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `_update_metrics(result)`: one critical section.
    pub fn update_metrics(&self, success: bool) {
        let _guard = self.metrics_lock.lock();
        self.metrics.total_requests.fetch_add(1, Ordering::SeqCst);
        let counter = if success {
            &self.metrics.successful_requests
        } else {
            &self.metrics.failed_requests
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// `get_metrics`: `async with self._metrics_lock: return self._metrics`.
    pub fn get_metrics(&self) -> Arc<LiveCircuitMetrics> {
        let _guard = self.metrics_lock.lock();
        Arc::clone(&self.metrics)
    }
}

/// `_change_state`: the new state and its start time.
fn change_state(s: &mut EnhancedState, to: ZooState, now: Millis) {
    s.state = to;
    s.state_since = now;
}

const CLOSED: usize = 0;
const OPEN: usize = 1;
const HALF_OPEN: usize = 2;

fn decode(state: usize) -> ZooState {
    match state {
        OPEN => ZooState::Open,
        HALF_OPEN => ZooState::HalfOpen,
        _ => ZooState::Closed,
    }
}

/// Seed 003's `CircuitBreaker` (§6 of the design doc): no lock anywhere.
#[derive(Debug)]
pub struct Seed003CircuitBreaker {
    failure_threshold: u64,
    recovery_timeout: Millis,
    state: AtomicUsize,
    failure_count: AtomicU64,
    last_failure_time: AtomicU64,
}

impl Seed003CircuitBreaker {
    pub fn new(failure_threshold: u64, recovery_timeout: Millis) -> Self {
        Self {
            failure_threshold,
            recovery_timeout,
            state: AtomicUsize::new(CLOSED),
            failure_count: AtomicU64::new(0),
            last_failure_time: AtomicU64::new(0),
        }
    }

    /// The admission half of `call`: only OPEN is checked, so HALF_OPEN lets
    /// every caller through (`seed003-breaker-half-open`).
    pub fn before_call(&self, now: Millis) -> Admission {
        if self.state.load(Ordering::SeqCst) == OPEN {
            let since = now.saturating_sub(self.last_failure_time.load(Ordering::SeqCst));
            if since > self.recovery_timeout {
                self.state.store(HALF_OPEN, Ordering::SeqCst);
            } else {
                return Admission::Rejected;
            }
        }
        Admission::Admitted(decode(self.state.load(Ordering::SeqCst)))
    }

    /// `_on_success`: unconditionally CLOSED.
    pub fn on_success(&self) {
        self.failure_count.store(0, Ordering::SeqCst);
        self.state.store(CLOSED, Ordering::SeqCst);
    }

    /// `_on_failure`: `failure_count += 1` is a load and a store
    /// (`seed003-breaker-counter`: concurrent failures lose increments).
    pub fn on_failure(&self, now: Millis) {
        let count = self.failure_count.load(Ordering::SeqCst) + 1;
        self.failure_count.store(count, Ordering::SeqCst);
        self.last_failure_time.store(now, Ordering::SeqCst);
        if count >= self.failure_threshold {
            self.state.store(OPEN, Ordering::SeqCst);
        }
    }

    pub fn state(&self) -> ZooState {
        decode(self.state.load(Ordering::SeqCst))
    }
}
