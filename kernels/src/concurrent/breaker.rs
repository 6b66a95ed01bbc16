//! Circuit breaker: stops calling a failing dependency, then probes it with a
//! bounded number of requests before trusting it again.
//!
//! The original `EnhancedCircuitBreaker` (catalog §3) and seed 003's sketch
//! (§99) both lose track of *which* request an outcome belongs to: the original
//! never clears its failure count on success (R3.1), admits one probe more than
//! configured (R3.2), never gives probe slots back (R3.3, a breaker stuck in
//! HALF_OPEN) and lets a request admitted while CLOSED decide a later
//! HALF_OPEN period (R3.4); seed 003 admits every caller while HALF_OPEN and
//! counts failures with an unsynchronised `+= 1`. Here every admission hands
//! out a [`Permit`] stamped with the breaker's *epoch* (a number bumped on every
//! state change), the permit is given back exactly once (its `Drop` records a
//! cancellation if the caller recorded nothing), and an outcome only moves the
//! state if its epoch is still the current one.
//!
//! Cancellation (a permit dropped without [`Permit::success`] or
//! [`Permit::failure`]) counts as *neither* success nor failure: it says nothing
//! about the dependency's health, and counting it as a failure would let client
//! timeouts or shutdowns trip the breaker. It does return a HALF_OPEN probe slot,
//! so the next caller can probe instead.
//!
//! Failure counting is the consecutive-count rule only; the original's extra
//! failure-*rate* rule (≥ 50 % of ≥ 10 recent samples) is a separate policy and is
//! not ported.
//!
//! # Invariants (asserted by the model checks)
//! - **opens-after-n-consecutive**: while CLOSED, the breaker opens exactly when
//!   `failure_threshold` failures have been recorded in a row (no success
//!   between them); a success resets the count, and no failure is lost.
//! - **half-open-at-most-k**: in one HALF_OPEN period at most
//!   `half_open_max_probes` probes are in flight at once.
//! - **outcome-in-own-epoch**: an outcome changes the state only if it belongs
//!   to the period (epoch) in which its request was admitted; a request admitted
//!   while CLOSED never closes or re-opens a later HALF_OPEN period.
//! - **permits-returned**: every permit is returned exactly once (outcome or
//!   drop), so with no permit alive no probe is counted in flight.
//! - **no-stuck-half-open**: once no permit is alive and the open timeout has
//!   passed, the next request is admitted.
//! - **counters-exact**: `successes`, `failures`, `cancelled` and `rejected`
//!   count every outcome and rejection exactly once, and
//!   `admitted = successes + failures + cancelled + permits alive`.

use std::fmt;

use super::clock::{Clock, Millis};
use super::sync::{Arc, Mutex};

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Requests flow; failures are counted.
    Closed,
    /// Requests are rejected until the open timeout has passed.
    Open,
    /// A bounded number of probe requests test the dependency.
    HalfOpen,
}

/// Thresholds and timeout of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failures (while CLOSED) that open the breaker (N).
    pub failure_threshold: u32,
    /// Probe successes (while HALF_OPEN) that close it again.
    pub success_threshold: u32,
    /// Probes allowed in flight at once while HALF_OPEN (K).
    pub half_open_max_probes: u32,
    /// How long the breaker stays OPEN before it admits a probe.
    pub open_timeout: Millis,
}

impl Default for BreakerConfig {
    /// The original's failure threshold (5) and open timeout (30 s), with the
    /// classic single probe that closes the breaker on success.
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            success_threshold: 1,
            half_open_max_probes: 1,
            open_timeout: 30_000,
        }
    }
}

/// A configuration the breaker cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakerConfigError {
    #[error("BreakerConfig::{0} is 0; it must be at least 1 (a 0 would never admit or never trip)")]
    Zero(&'static str),
}

impl BreakerConfig {
    /// Checks that every threshold is at least 1.
    pub fn validate(&self) -> Result<(), BreakerConfigError> {
        if self.failure_threshold == 0 {
            return Err(BreakerConfigError::Zero("failure_threshold"));
        }
        if self.success_threshold == 0 {
            return Err(BreakerConfigError::Zero("success_threshold"));
        }
        if self.half_open_max_probes == 0 {
            return Err(BreakerConfigError::Zero("half_open_max_probes"));
        }
        Ok(())
    }
}

/// A request the breaker did not admit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker rejected the request (state {state:?})")]
pub struct Rejected {
    /// The state that rejected it: OPEN, or HALF_OPEN with every probe slot taken.
    pub state: State,
}

/// Error of [`CircuitBreaker::call`].
#[derive(Debug, thiserror::Error)]
pub enum CallError<E> {
    #[error(transparent)]
    Rejected(#[from] Rejected),
    #[error("the protected call failed: {0}")]
    Failed(E),
}

/// How an admitted request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// Dropped without an outcome: counts as neither (see the module docs).
    Cancelled,
}

/// Proof of admission: the epoch the request was admitted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    epoch: u64,
    probe: bool,
}

impl Ticket {
    /// The period the request was admitted in.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Admitted as a HALF_OPEN probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }
}

/// A consistent snapshot of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerStats {
    pub state: State,
    /// Bumped on every state change.
    pub epoch: u64,
    /// Failures in a row in the current CLOSED period.
    pub consecutive_failures: u32,
    /// Probes of the current HALF_OPEN period still in flight.
    pub probes_in_flight: u32,
    /// Probe successes in the current HALF_OPEN period.
    pub probe_successes: u32,
    pub admitted: u64,
    pub successes: u64,
    pub failures: u64,
    pub cancelled: u64,
    pub rejected: u64,
}

/// The breaker's logic, unsynchronised: one owner, `&mut self`, time passed in.
#[derive(Debug, Clone)]
pub struct BreakerCore {
    config: BreakerConfig,
    state: State,
    epoch: u64,
    opened_at: Millis,
    consecutive_failures: u32,
    probes_in_flight: u32,
    probe_successes: u32,
    admitted: u64,
    successes: u64,
    failures: u64,
    cancelled: u64,
    rejected: u64,
}

impl BreakerCore {
    pub fn new(config: BreakerConfig) -> Result<Self, BreakerConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            state: State::Closed,
            epoch: 0,
            opened_at: 0,
            consecutive_failures: 0,
            probes_in_flight: 0,
            probe_successes: 0,
            admitted: 0,
            successes: 0,
            failures: 0,
            cancelled: 0,
            rejected: 0,
        })
    }

    /// Admits a request or rejects it. An OPEN breaker whose timeout has passed
    /// turns HALF_OPEN here and the caller becomes its first (counted) probe.
    pub fn try_acquire(&mut self, now: Millis) -> Result<Ticket, Rejected> {
        match self.state {
            State::Closed => Ok(self.admit(false)),
            State::Open if now >= self.opened_at.saturating_add(self.config.open_timeout) => {
                self.transition(State::HalfOpen, now);
                self.probes_in_flight += 1;
                Ok(self.admit(true))
            }
            State::HalfOpen if self.probes_in_flight < self.config.half_open_max_probes => {
                self.probes_in_flight += 1;
                Ok(self.admit(true))
            }
            state => {
                self.rejected += 1;
                Err(Rejected { state })
            }
        }
    }

    /// Records how an admitted request ended. Every outcome is counted; only
    /// one from the current epoch moves the state (a stale one is history).
    pub fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Millis) {
        match outcome {
            Outcome::Success => self.successes += 1,
            Outcome::Failure => self.failures += 1,
            Outcome::Cancelled => self.cancelled += 1,
        }
        if ticket.epoch != self.epoch {
            return;
        }
        match self.state {
            State::Closed => match outcome {
                Outcome::Success => self.consecutive_failures = 0,
                Outcome::Failure => {
                    self.consecutive_failures += 1;
                    if self.consecutive_failures >= self.config.failure_threshold {
                        self.transition(State::Open, now);
                    }
                }
                Outcome::Cancelled => {}
            },
            State::HalfOpen => {
                // Every ticket of a HALF_OPEN epoch is one of its probes.
                self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
                match outcome {
                    Outcome::Success => {
                        self.probe_successes += 1;
                        if self.probe_successes >= self.config.success_threshold {
                            self.transition(State::Closed, now);
                        }
                    }
                    Outcome::Failure => self.transition(State::Open, now),
                    Outcome::Cancelled => {}
                }
            }
            // No ticket is ever issued in an OPEN epoch.
            State::Open => {}
        }
    }

    /// The stored state (an OPEN breaker whose timeout has passed reports OPEN
    /// until the next request turns it HALF_OPEN).
    pub fn state(&self) -> State {
        self.state
    }

    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    pub fn stats(&self) -> BreakerStats {
        BreakerStats {
            state: self.state,
            epoch: self.epoch,
            consecutive_failures: self.consecutive_failures,
            probes_in_flight: self.probes_in_flight,
            probe_successes: self.probe_successes,
            admitted: self.admitted,
            successes: self.successes,
            failures: self.failures,
            cancelled: self.cancelled,
            rejected: self.rejected,
        }
    }

    fn admit(&mut self, probe: bool) -> Ticket {
        self.admitted += 1;
        Ticket {
            epoch: self.epoch,
            probe,
        }
    }

    /// A new period: every permit of the old one becomes stale.
    fn transition(&mut self, to: State, now: Millis) {
        self.epoch += 1;
        self.state = to;
        self.consecutive_failures = 0;
        self.probes_in_flight = 0;
        self.probe_successes = 0;
        if to == State::Open {
            self.opened_at = now;
        }
    }
}

/// The shared breaker: a handle; clones share one state and one clock.
pub struct CircuitBreaker<C: Clock> {
    shared: Arc<Shared<C>>,
}

struct Shared<C> {
    core: Mutex<BreakerCore>,
    clock: C,
}

impl<C: Clock> CircuitBreaker<C> {
    pub fn new(config: BreakerConfig, clock: C) -> Result<Self, BreakerConfigError> {
        Ok(Self {
            shared: Arc::new(Shared {
                core: Mutex::new(BreakerCore::new(config)?),
                clock,
            }),
        })
    }

    /// Admits a request. The permit must end in [`Permit::success`] or
    /// [`Permit::failure`]; dropping it records a cancellation, so the slot
    /// comes back on every path out of the caller.
    ///
    /// The clock is read before the lock is taken, so the time used may trail
    /// another caller's by the length of a critical section; the open timeout is
    /// only as precise as that.
    pub fn try_acquire(&self) -> Result<Permit<C>, Rejected> {
        let now = self.shared.clock.now();
        let ticket = self.shared.core.lock().try_acquire(now)?;
        Ok(Permit {
            breaker: self.clone(),
            ticket,
            recorded: false,
        })
    }

    /// Runs `f` if admitted and records its result.
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        let permit = self.try_acquire()?;
        match f() {
            Ok(value) => {
                permit.success();
                Ok(value)
            }
            Err(error) => {
                permit.failure();
                Err(CallError::Failed(error))
            }
        }
    }

    pub fn state(&self) -> State {
        self.shared.core.lock().state()
    }

    /// A consistent snapshot (taken under the lock).
    pub fn stats(&self) -> BreakerStats {
        self.shared.core.lock().stats()
    }

    fn record(&self, ticket: Ticket, outcome: Outcome) {
        let now = self.shared.clock.now();
        self.shared.core.lock().record(ticket, outcome, now);
    }
}

impl<C: Clock> Clone for CircuitBreaker<C> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<C: Clock> fmt::Debug for CircuitBreaker<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("stats", &self.stats())
            .finish()
    }
}

/// One admitted request. Record its outcome with [`Permit::success`] or
/// [`Permit::failure`]; dropping it records [`Outcome::Cancelled`].
pub struct Permit<C: Clock> {
    breaker: CircuitBreaker<C>,
    ticket: Ticket,
    recorded: bool,
}

impl<C: Clock> Permit<C> {
    /// Admitted as a HALF_OPEN probe.
    pub fn is_probe(&self) -> bool {
        self.ticket.probe
    }

    /// The period the request was admitted in.
    pub fn epoch(&self) -> u64 {
        self.ticket.epoch
    }

    pub fn success(mut self) {
        self.finish(Outcome::Success);
    }

    pub fn failure(mut self) {
        self.finish(Outcome::Failure);
    }

    fn finish(&mut self, outcome: Outcome) {
        if !self.recorded {
            self.recorded = true;
            self.breaker.record(self.ticket, outcome);
        }
    }
}

impl<C: Clock> Drop for Permit<C> {
    fn drop(&mut self) {
        self.finish(Outcome::Cancelled);
    }
}

impl<C: Clock> fmt::Debug for Permit<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("ticket", &self.ticket)
            .field("recorded", &self.recorded)
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::super::clock::ManualClock;
    use super::*;

    fn config(n: u32, k: u32, s: u32) -> BreakerConfig {
        BreakerConfig {
            failure_threshold: n,
            success_threshold: s,
            half_open_max_probes: k,
            open_timeout: 100,
        }
    }

    fn fail(core: &mut BreakerCore, now: Millis) {
        if let Ok(t) = core.try_acquire(now) {
            core.record(t, Outcome::Failure, now);
        }
    }

    #[test]
    fn opens_after_exactly_n_consecutive_failures() {
        let mut core = BreakerCore::new(config(3, 1, 1)).expect("valid");
        for outcome in [Outcome::Failure, Outcome::Failure, Outcome::Success] {
            let t = core.try_acquire(0).expect("closed");
            core.record(t, outcome, 0);
        }
        fail(&mut core, 0);
        fail(&mut core, 0);
        assert_eq!(core.state(), State::Closed, "the success reset the count");
        fail(&mut core, 0);
        assert_eq!(core.state(), State::Open);
        assert_eq!(core.try_acquire(99), Err(Rejected { state: State::Open }));
        assert_eq!(core.stats().rejected, 1);
    }

    #[test]
    fn half_open_admits_k_probes_and_closes_after_s_successes() {
        let mut core = BreakerCore::new(config(1, 2, 2)).expect("valid");
        fail(&mut core, 0);
        let a = core.try_acquire(100).expect("timeout passed");
        let b = core.try_acquire(100).expect("second probe");
        assert!(a.is_probe() && b.is_probe());
        assert!(core.try_acquire(100).is_err(), "K = 2 probes in flight");
        core.record(a, Outcome::Success, 100);
        assert_eq!(core.state(), State::HalfOpen);
        let c = core
            .try_acquire(100)
            .expect("a returned slot admits a new probe");
        core.record(b, Outcome::Success, 100);
        assert_eq!(core.state(), State::Closed);
        core.record(c, Outcome::Failure, 100);
        assert_eq!(core.state(), State::Closed, "a stale failure is history");
    }

    #[test]
    fn cancelled_probe_returns_its_slot() {
        let mut core = BreakerCore::new(config(1, 1, 1)).expect("valid");
        fail(&mut core, 0);
        let probe = core.try_acquire(100).expect("probe");
        core.record(probe, Outcome::Cancelled, 100);
        assert_eq!(core.state(), State::HalfOpen);
        let again = core.try_acquire(100).expect("not stuck");
        core.record(again, Outcome::Failure, 100);
        assert_eq!(core.state(), State::Open);
        assert!(core.try_acquire(199).is_err());
        assert!(core.try_acquire(200).is_ok());
    }

    #[test]
    fn stale_outcome_does_not_decide_a_later_period() {
        let mut core = BreakerCore::new(config(1, 1, 1)).expect("valid");
        let old = core.try_acquire(0).expect("closed");
        fail(&mut core, 0);
        let probe = core.try_acquire(100).expect("probe");
        core.record(old, Outcome::Success, 100);
        assert_eq!(core.state(), State::HalfOpen);
        assert_eq!(core.stats().successes, 1, "still counted");
        core.record(probe, Outcome::Success, 100);
        assert_eq!(core.state(), State::Closed);
    }

    #[test]
    fn zero_thresholds_are_refused() {
        assert_eq!(
            BreakerCore::new(config(0, 1, 1)).err(),
            Some(BreakerConfigError::Zero("failure_threshold"))
        );
        assert!(BreakerCore::new(config(1, 0, 1)).is_err());
        assert!(BreakerCore::new(config(1, 1, 0)).is_err());
    }

    #[test]
    fn shared_breaker_returns_permits_on_drop() {
        let clock = Arc::new(ManualClock::new(0));
        let breaker = CircuitBreaker::new(config(1, 1, 1), Arc::clone(&clock)).expect("valid");
        let result: Result<(), CallError<&str>> = breaker.call(|| Err("down"));
        assert!(matches!(result, Err(CallError::Failed("down"))));
        assert!(matches!(
            breaker.call(|| Ok::<_, ()>(())),
            Err(CallError::Rejected(_))
        ));
        clock.advance(100);
        drop(breaker.try_acquire().expect("probe"));
        assert_eq!(breaker.stats().probes_in_flight, 0);
        let probe = breaker.try_acquire().expect("slot returned by the drop");
        probe.success();
        assert_eq!(breaker.state(), State::Closed);
        let stats = breaker.stats();
        assert_eq!(
            (stats.failures, stats.cancelled, stats.successes),
            (1, 1, 1)
        );
        assert_eq!(stats.rejected, 1);
    }
}
