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
//! The open timeout backs off: each time a HALF_OPEN probe fails and the
//! breaker reopens without having closed in between, the timeout is
//! multiplied by [`BreakerConfig::backoff_multiplier`], up to
//! [`BreakerConfig::max_open_timeout`]; closing (or [`CircuitBreaker::reset`])
//! starts again from [`BreakerConfig::open_timeout`]. The original counts its
//! `_backoff_attempt` and configures a multiplier and a cap, but always waits
//! the fixed 30 s (R3.5).
//!
//! [`CircuitBreaker::stats`] is a copy, never a live object, and its outcome
//! counts never run ahead of its admissions; [`CircuitBreaker::reset`] starts
//! a new CLOSED period that every permit of the old one is stale to, probe
//! slots included (the original hands out its live metrics object and its
//! `reset` leaves `_half_open_requests` as it was: R3.6).
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
//! - **stats-snapshot-consistent**: in every [`BreakerStats`], taken while
//!   calls run, `successes + failures + cancelled <= admitted`.
//! - **open-timeout-backs-off**: after the r-th reopening in a row the breaker
//!   rejects every request for [`BreakerConfig::open_timeout_after`]`(r)`.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use super::clock::{Clock, Millis};
use super::sync::atomic::{AtomicU64, Ordering};
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
    /// How long the breaker stays OPEN before it admits a probe (after a
    /// trip from CLOSED; reopenings back off from here).
    pub open_timeout: Millis,
    /// Each reopening in a row (a probe failed) multiplies the open timeout
    /// by this; 1 keeps it fixed.
    pub backoff_multiplier: u32,
    /// The most a backed-off open timeout grows to (never below
    /// `open_timeout`).
    pub max_open_timeout: Millis,
}

impl Default for BreakerConfig {
    /// The original's failure threshold (5), open timeout (30 s) and
    /// configured backoff (×2 up to 300 s), with the classic single probe
    /// that closes the breaker on success.
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            success_threshold: 1,
            half_open_max_probes: 1,
            open_timeout: 30_000,
            backoff_multiplier: 2,
            max_open_timeout: 300_000,
        }
    }
}

/// A configuration the breaker cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakerConfigError {
    #[error("BreakerConfig::{0} is 0; it must be at least 1 (a 0 would never admit or never trip)")]
    Zero(&'static str),
    #[error(
        "BreakerConfig::{field} exceeds {max}, the most the shared breaker's packed state word can count"
    )]
    TooLarge { field: &'static str, max: u32 },
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
        if self.backoff_multiplier == 0 {
            return Err(BreakerConfigError::Zero("backoff_multiplier"));
        }
        Ok(())
    }

    /// The open timeout after `reopenings` reopenings in a row:
    /// `open_timeout · backoff_multiplier^reopenings`, capped at
    /// `max(open_timeout, max_open_timeout)`.
    pub fn open_timeout_after(&self, reopenings: u32) -> Millis {
        let cap = self.open_timeout.max(self.max_open_timeout);
        let factor = u64::from(self.backoff_multiplier).saturating_pow(reopenings);
        self.open_timeout.saturating_mul(factor).min(cap)
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
    /// Reopenings in a row (probes failed) since the breaker last closed.
    pub reopenings: u32,
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
    reopenings: u32,
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
            reopenings: 0,
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
            State::Open if now >= self.opened_at.saturating_add(self.open_timeout()) => {
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
            reopenings: self.reopenings,
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

    /// The current open timeout (backed off by the reopenings in a row).
    fn open_timeout(&self) -> Millis {
        self.config.open_timeout_after(self.reopenings)
    }

    /// Back to CLOSED in a new period: every permit alive becomes stale (its
    /// outcome is counted, changes nothing), probe slots and backoff start
    /// afresh. The counters are lifetime totals and stay.
    pub fn reset(&mut self, now: Millis) {
        self.transition(State::Closed, now);
    }

    /// A new period: every permit of the old one becomes stale.
    fn transition(&mut self, to: State, now: Millis) {
        self.reopenings = match (self.state, to) {
            (State::HalfOpen, State::Open) => self.reopenings.saturating_add(1),
            (_, State::Open) | (_, State::HalfOpen) => self.reopenings,
            (_, State::Closed) => 0,
        };
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
///
/// # The CLOSED fast path
///
/// The state, the epoch and the consecutive-failure count live in one packed
/// atomic word ([`Word`]), which is the only place they are stored. While the
/// word says CLOSED, admitting a request is one load of the word plus a counter
/// increment, and recording its outcome is a counter increment plus (only when
/// it changes the failure count) one compare-and-swap on the word: no lock.
/// Everything else — every transition, and every admission or outcome outside
/// CLOSED — runs under the `slow` mutex, which also guards the fields only
/// those paths use (`opened_at`, the probe counts).
///
/// Why the invariants survive:
/// - the state and epoch bits change only under the mutex, so a thread holding
///   it sees them stable; outside CLOSED nothing else writes the word (the
///   fast path's compare-and-swap expects a CLOSED word), and inside CLOSED the
///   transition to OPEN is itself a compare-and-swap that fails (and is
///   retried) if a fast-path outcome changed the count first;
/// - a fast-path outcome changes the count only by a compare-and-swap against
///   a word of its own epoch, so an outcome of an older period can never
///   touch a later one (**outcome-in-own-epoch**), and no failure or reset is
///   lost: the consecutive-failure count is exactly the CAS order
///   (**opens-after-n-consecutive**);
/// - a request admitted from a CLOSED word whose epoch then ends is admitted
///   in that (earlier) period, as if it came just before the transition; its
///   outcome is counted and is stale for the state.
///
/// The counters (`admitted`, `successes`, …) are separate atomics: each is
/// exact, and `admitted = successes + failures + cancelled + permits alive`
/// holds whenever no call is in progress. [`CircuitBreaker::stats`] reads the
/// state, epoch and failure count from one word (consistent with each other),
/// the probe counts under the mutex and each counter on its own.
pub struct CircuitBreaker<C: Clock> {
    shared: Arc<Shared<C>>,
}

struct Shared<C> {
    config: BreakerConfig,
    /// State, epoch and consecutive failures, packed (see [`Word`]).
    word: AtomicU64,
    /// Serialises every change of state or epoch; holds what only the
    /// non-CLOSED paths use.
    slow: Mutex<Slow>,
    admitted: AtomicU64,
    successes: AtomicU64,
    failures: AtomicU64,
    cancelled: AtomicU64,
    rejected: AtomicU64,
    clock: C,
}

/// The breaker's fields that only transitions and the OPEN / HALF_OPEN paths
/// touch.
#[derive(Debug, Default)]
struct Slow {
    opened_at: Millis,
    probes_in_flight: u32,
    probe_successes: u32,
    /// Reopenings in a row since the last close (the backoff exponent).
    reopenings: u32,
}

/// The packed word: `epoch << 24 | consecutive_failures << 2 | state`.
///
/// The epoch has 40 bits (a trillion transitions; it wraps after that, as a
/// `u64` epoch would after more) and the failure count 22, which is why
/// [`BreakerConfig::failure_threshold`] is at most [`Word::MAX_FAILURES`] for a
/// shared breaker: the count never exceeds the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Word(u64);

impl Word {
    const STATE_BITS: u32 = 2;
    const FAILURE_BITS: u32 = 22;
    const EPOCH_SHIFT: u32 = Self::STATE_BITS + Self::FAILURE_BITS;
    const EPOCH_MASK: u64 = (1 << (64 - Self::EPOCH_SHIFT)) - 1;
    const MAX_FAILURES: u32 = (1 << Self::FAILURE_BITS) - 1;

    fn new(state: State, epoch: u64, failures: u32) -> Self {
        let state = match state {
            State::Closed => 0,
            State::Open => 1,
            State::HalfOpen => 2,
        };
        Word(
            (epoch & Self::EPOCH_MASK) << Self::EPOCH_SHIFT
                | u64::from(failures.min(Self::MAX_FAILURES)) << Self::STATE_BITS
                | state,
        )
    }

    fn state(self) -> State {
        match self.0 & 0b11 {
            0 => State::Closed,
            1 => State::Open,
            _ => State::HalfOpen,
        }
    }

    fn epoch(self) -> u64 {
        self.0 >> Self::EPOCH_SHIFT
    }

    fn failures(self) -> u32 {
        // At most 22 bits, so the cast is exact.
        ((self.0 >> Self::STATE_BITS) & u64::from(Self::MAX_FAILURES)) as u32
    }

    /// The first word of the next period.
    fn next(self, to: State) -> Self {
        Self::new(to, self.epoch().wrapping_add(1), 0)
    }

    fn with_failures(self, failures: u32) -> Self {
        Self::new(self.state(), self.epoch(), failures)
    }
}

impl<C: Clock> Shared<C> {
    fn load(&self) -> Word {
        Word(self.word.load(Ordering::Acquire))
    }

    /// Replaces `current` by `new`; fails if the word changed meanwhile.
    fn swap_word(&self, current: Word, new: Word) -> bool {
        self.word
            .compare_exchange(current.0, new.0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn admit(&self, word: Word, probe: bool) -> Ticket {
        self.admitted.fetch_add(1, Ordering::Relaxed);
        Ticket {
            epoch: word.epoch(),
            probe,
        }
    }

    fn try_acquire(&self) -> Result<Ticket, Rejected> {
        let word = self.load();
        if word.state() == State::Closed {
            return Ok(self.admit(word, false));
        }
        let now = self.clock.now();
        let mut slow = self.slow.lock();
        // State and epoch cannot change while the lock is held.
        let word = self.load();
        match word.state() {
            State::Closed => Ok(self.admit(word, false)),
            State::Open
                if now
                    >= slow
                        .opened_at
                        .saturating_add(self.config.open_timeout_after(slow.reopenings)) =>
            {
                let next = word.next(State::HalfOpen);
                // Outside CLOSED only lock holders write the word.
                self.word.store(next.0, Ordering::Release);
                slow.probes_in_flight = 1;
                slow.probe_successes = 0;
                Ok(self.admit(next, true))
            }
            State::HalfOpen if slow.probes_in_flight < self.config.half_open_max_probes => {
                slow.probes_in_flight += 1;
                Ok(self.admit(word, true))
            }
            state => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                Err(Rejected { state })
            }
        }
    }

    /// [`BreakerCore::record`], on the packed word.
    fn record(&self, ticket: Ticket, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Success => &self.successes,
            Outcome::Failure => &self.failures,
            Outcome::Cancelled => &self.cancelled,
        };
        // Release: a `stats` that sees this outcome (Acquire) also sees the
        // admission before it (stats-snapshot-consistent). Same instruction
        // as Relaxed on x86-64.
        counter.fetch_add(1, Ordering::Release);
        loop {
            let word = self.load();
            if word.epoch() != ticket.epoch {
                return;
            }
            match (word.state(), outcome) {
                (State::Closed, Outcome::Success) => {
                    if word.failures() == 0 || self.swap_word(word, word.with_failures(0)) {
                        return;
                    }
                }
                (State::Closed, Outcome::Failure) => {
                    let failures = word.failures() + 1;
                    if failures < self.config.failure_threshold {
                        if self.swap_word(word, word.with_failures(failures)) {
                            return;
                        }
                    } else if self.trip(word) {
                        return;
                    }
                }
                (State::HalfOpen, _) => return self.record_probe(ticket, outcome),
                // A cancellation in CLOSED changes nothing; no ticket is ever
                // issued in an OPEN epoch.
                (State::Closed, Outcome::Cancelled) | (State::Open, _) => return,
            }
        }
    }

    /// The failure that reaches the threshold: CLOSED → OPEN, if the word is
    /// still `word` (else the caller re-reads it and tries again).
    fn trip(&self, word: Word) -> bool {
        let now = self.clock.now();
        let mut slow = self.slow.lock();
        if !self.swap_word(word, word.next(State::Open)) {
            return false;
        }
        *slow = Slow {
            opened_at: now,
            ..Slow::default()
        };
        true
    }

    /// An outcome of a HALF_OPEN probe: [`BreakerCore::record`]'s HALF_OPEN arm.
    fn record_probe(&self, ticket: Ticket, outcome: Outcome) {
        let now = self.clock.now();
        let mut slow = self.slow.lock();
        let word = self.load();
        // The epoch may have ended while we waited for the lock.
        if word.epoch() != ticket.epoch || word.state() != State::HalfOpen {
            return;
        }
        // Every ticket of a HALF_OPEN epoch is one of its probes.
        slow.probes_in_flight = slow.probes_in_flight.saturating_sub(1);
        let to = match outcome {
            Outcome::Success => {
                slow.probe_successes += 1;
                if slow.probe_successes < self.config.success_threshold {
                    return;
                }
                State::Closed
            }
            Outcome::Failure => State::Open,
            Outcome::Cancelled => return,
        };
        self.word.store(word.next(to).0, Ordering::Release);
        *slow = match to {
            State::Open => Slow {
                opened_at: now,
                reopenings: slow.reopenings.saturating_add(1),
                ..Slow::default()
            },
            _ => Slow {
                opened_at: slow.opened_at,
                ..Slow::default()
            },
        };
    }

    /// [`BreakerCore::reset`]: a new CLOSED period. Under the lock no other
    /// transition runs, but a CLOSED fast-path outcome may still move the
    /// failure count, hence the compare-and-swap loop.
    fn reset(&self) {
        let mut slow = self.slow.lock();
        loop {
            let word = self.load();
            if self.swap_word(word, word.next(State::Closed)) {
                break;
            }
        }
        *slow = Slow::default();
    }

    fn stats(&self) -> BreakerStats {
        let (word, probes_in_flight, probe_successes, reopenings) = {
            let slow = self.slow.lock();
            (
                self.load(),
                slow.probes_in_flight,
                slow.probe_successes,
                slow.reopenings,
            )
        };
        // Outcomes first (Acquire, pairing with `record`'s Release), then
        // admissions: every outcome read was admitted before it, so the
        // admission count read after it includes it.
        let successes = self.successes.load(Ordering::Acquire);
        let failures = self.failures.load(Ordering::Acquire);
        let cancelled = self.cancelled.load(Ordering::Acquire);
        BreakerStats {
            state: word.state(),
            epoch: word.epoch(),
            consecutive_failures: word.failures(),
            probes_in_flight,
            probe_successes,
            reopenings,
            admitted: self.admitted.load(Ordering::Relaxed),
            successes,
            failures,
            cancelled,
            rejected: self.rejected.load(Ordering::Relaxed),
        }
    }
}

impl<C: Clock> CircuitBreaker<C> {
    /// A shared breaker; besides [`BreakerConfig::validate`], its
    /// `failure_threshold` must fit the packed word (at most 4,194,303).
    pub fn new(config: BreakerConfig, clock: C) -> Result<Self, BreakerConfigError> {
        config.validate()?;
        if config.failure_threshold > Word::MAX_FAILURES {
            return Err(BreakerConfigError::TooLarge {
                field: "failure_threshold",
                max: Word::MAX_FAILURES,
            });
        }
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                word: AtomicU64::new(Word::new(State::Closed, 0, 0).0),
                slow: Mutex::new(Slow::default()),
                admitted: AtomicU64::new(0),
                successes: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                cancelled: AtomicU64::new(0),
                rejected: AtomicU64::new(0),
                clock,
            }),
        })
    }

    /// Admits a request. The permit must end in [`Permit::success`] or
    /// [`Permit::failure`]; dropping it records a cancellation, so the slot
    /// comes back on every path out of the caller.
    ///
    /// While CLOSED this takes no lock and does not read the clock. Otherwise
    /// the clock is read before the lock is taken, so the time used may trail
    /// another caller's by the length of a critical section; the open timeout
    /// is only as precise as that.
    pub fn try_acquire(&self) -> Result<Permit<C>, Rejected> {
        let ticket = self.shared.try_acquire()?;
        Ok(Permit {
            breaker: self.clone(),
            ticket,
            recorded: false,
            clock: PhantomData,
        })
    }

    /// [`CircuitBreaker::try_acquire`] for a caller that finishes the request
    /// within the handle's borrow: the permit borrows the breaker instead of
    /// cloning its `Arc` (one atomic increment and one decrement fewer per
    /// request). Same admission, same outcome rules.
    pub fn try_acquire_scoped(&self) -> Result<ScopedPermit<'_, C>, Rejected> {
        let ticket = self.shared.try_acquire()?;
        Ok(Permit {
            breaker: self,
            ticket,
            recorded: false,
            clock: PhantomData,
        })
    }

    /// Runs `f` if admitted and records its result.
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        let permit = self.try_acquire_scoped()?;
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
        self.shared.load().state()
    }

    /// A snapshot: state, epoch and failure count from one instant, the probe
    /// counts from one critical section, each counter exact (see the type's
    /// docs for what holds between counters while calls are in progress).
    pub fn stats(&self) -> BreakerStats {
        self.shared.stats()
    }

    /// Back to CLOSED in a new period (see [`BreakerCore::reset`]): permits
    /// alive become stale, probe slots and backoff start afresh, the
    /// counters stay.
    pub fn reset(&self) {
        self.shared.reset();
    }

    pub fn config(&self) -> &BreakerConfig {
        &self.shared.config
    }

    fn record(&self, ticket: Ticket, outcome: Outcome) {
        self.shared.record(ticket, outcome);
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
///
/// `B` is how the permit reaches its breaker: an owned handle (the default,
/// from [`CircuitBreaker::try_acquire`]; the permit may move to another thread
/// and outlive the caller's handle) or a borrow ([`ScopedPermit`], from
/// [`CircuitBreaker::try_acquire_scoped`]).
pub struct Permit<C: Clock, B: Borrow<CircuitBreaker<C>> = CircuitBreaker<C>> {
    breaker: B,
    ticket: Ticket,
    recorded: bool,
    clock: PhantomData<fn() -> C>,
}

/// A permit that borrows its breaker (no `Arc` clone).
pub type ScopedPermit<'a, C> = Permit<C, &'a CircuitBreaker<C>>;

impl<C: Clock, B: Borrow<CircuitBreaker<C>>> Permit<C, B> {
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
            self.breaker.borrow().record(self.ticket, outcome);
        }
    }
}

impl<C: Clock, B: Borrow<CircuitBreaker<C>>> Drop for Permit<C, B> {
    fn drop(&mut self) {
        self.finish(Outcome::Cancelled);
    }
}

impl<C: Clock, B: Borrow<CircuitBreaker<C>>> fmt::Debug for Permit<C, B> {
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
            backoff_multiplier: 1,
            max_open_timeout: 100,
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

    #[test]
    fn scoped_permit_records_like_the_owned_one() {
        let clock = Arc::new(ManualClock::new(0));
        let breaker = CircuitBreaker::new(config(2, 1, 1), Arc::clone(&clock)).expect("valid");
        breaker.try_acquire_scoped().expect("closed").failure();
        drop(breaker.try_acquire_scoped().expect("closed"));
        assert_eq!(
            breaker.stats().consecutive_failures,
            1,
            "a cancel is neither"
        );
        breaker.try_acquire_scoped().expect("closed").success();
        assert_eq!(
            breaker.stats().consecutive_failures,
            0,
            "the success reset it"
        );
        breaker.try_acquire_scoped().expect("closed").failure();
        breaker.try_acquire_scoped().expect("closed").failure();
        assert_eq!(breaker.state(), State::Open);
        let stats = breaker.stats();
        assert_eq!(
            (
                stats.admitted,
                stats.successes,
                stats.failures,
                stats.cancelled
            ),
            (5, 1, 3, 1)
        );
    }

    #[test]
    fn shared_breaker_refuses_a_threshold_its_word_cannot_count() {
        let mut big = config(1, 1, 1);
        big.failure_threshold = 1 << 22;
        assert!(matches!(
            CircuitBreaker::new(big, ManualClock::new(0)),
            Err(BreakerConfigError::TooLarge { .. })
        ));
        big.failure_threshold -= 1;
        assert!(CircuitBreaker::new(big, ManualClock::new(0)).is_ok());
    }

    #[test]
    fn reopenings_back_off_up_to_the_cap_and_closing_starts_again() {
        let cfg = BreakerConfig {
            backoff_multiplier: 2,
            max_open_timeout: 300,
            ..config(1, 1, 1)
        };
        assert_eq!(
            (0..4)
                .map(|r| cfg.open_timeout_after(r))
                .collect::<Vec<_>>(),
            vec![100, 200, 300, 300]
        );
        let clock = std::sync::Arc::new(ManualClock::new(0));
        let breaker = CircuitBreaker::new(cfg, std::sync::Arc::clone(&clock)).expect("valid");
        let mut core = BreakerCore::new(cfg).expect("valid");
        fail(&mut core, 0);
        breaker.try_acquire_scoped().expect("closed").failure();
        // Trip at 0: timeout 100. Probe fails at 100: reopen, timeout 200.
        clock.advance(100);
        fail(&mut core, 100);
        breaker.try_acquire_scoped().expect("probe").failure();
        for now in [299, 300] {
            clock.advance(now - clock.now());
            let admitted = now >= 300;
            assert_eq!(core.try_acquire(now).is_ok(), admitted, "core at {now}");
            let permit = breaker.try_acquire_scoped();
            assert_eq!(permit.is_ok(), admitted, "shared at {now}");
            if let Ok(permit) = permit {
                permit.success();
            }
        }
        assert_eq!(breaker.state(), State::Closed);
        assert_eq!(breaker.stats().reopenings, 0);
    }

    #[test]
    fn reset_returns_probe_slots_and_makes_old_permits_stale() {
        let clock = std::sync::Arc::new(ManualClock::new(0));
        let breaker =
            CircuitBreaker::new(config(1, 1, 1), std::sync::Arc::clone(&clock)).expect("valid");
        breaker.try_acquire_scoped().expect("closed").failure();
        clock.advance(100);
        let probe = breaker.try_acquire().expect("probe");
        assert_eq!(breaker.stats().probes_in_flight, 1);
        breaker.reset();
        let stats = breaker.stats();
        assert_eq!((stats.state, stats.probes_in_flight), (State::Closed, 0));
        // The old probe's failure is counted but cannot re-open the new period.
        probe.failure();
        assert_eq!(breaker.state(), State::Closed);
        assert_eq!(breaker.stats().failures, 2);
        let mut core = BreakerCore::new(config(1, 1, 1)).expect("valid");
        fail(&mut core, 0);
        let ticket = core.try_acquire(100).expect("probe");
        core.reset(100);
        core.record(ticket, Outcome::Failure, 100);
        assert_eq!(
            (core.state(), core.stats().probes_in_flight),
            (State::Closed, 0)
        );
    }
}
