//! Circuit breaker: concurrent outcomes, probes and late results keep the
//! fixed breaker's invariants; the original `EnhancedCircuitBreaker` (R3.1–R3.4)
//! and seed 003's sketch break them; stats snapshots taken while calls run
//! are consistent (the original's live metrics object is not: R3.6), and the
//! open timeout backs off across reopenings (the original's stays fixed:
//! R3.5).
//!
//! Every body is written once against [`Model`], a thin adapter over one
//! breaker (fixed, original, seed 003) plus the shared [`ManualClock`], so the
//! fixed breaker and its zoo ports run the same operations.

use super::super::SCALE;
use super::super::breaker::{BreakerConfig, CircuitBreaker, Permit, State};
use super::super::bug_zoo::breaker::{
    Admission, EnhancedCircuitBreaker, EnhancedConfig, OriginalBreakerMetrics,
    Seed003CircuitBreaker, ZooState,
};
use super::super::clock::{Clock, ManualClock, Millis};
use super::super::sync::atomic::{AtomicUsize, Ordering};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure, violated};

const OPENS_AFTER_N_CONSECUTIVE: &str = "opens-after-n-consecutive";
const HALF_OPEN_AT_MOST_K: &str = "half-open-at-most-k";
const OUTCOME_IN_OWN_EPOCH: &str = "outcome-in-own-epoch";
const PERMITS_RETURNED: &str = "permits-returned";
const NO_STUCK_HALF_OPEN: &str = "no-stuck-half-open";
const COUNTERS_EXACT: &str = "counters-exact";
const STATS_SNAPSHOT_CONSISTENT: &str = "stats-snapshot-consistent";
const OPEN_TIMEOUT_BACKS_OFF: &str = "open-timeout-backs-off";

/// Open timeout of every case; the clock only moves by whole timeouts.
const TIMEOUT: Millis = 10;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "breaker.concurrent_failures_trip",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers record failures concurrently; the threshold is their total",
            invariants: &[OPENS_AFTER_N_CONSECUTIVE, COUNTERS_EXACT],
            checkers: &Checker::ALL,
            body: failures_trip::<Fixed>,
        },
        CheckCase {
            id: "breaker.success_resets_count",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "one worker alternates failure/success (F,S,…,F), others succeed; \
                         threshold 2; then main records S,F,F",
            invariants: &[OPENS_AFTER_N_CONSECUTIVE],
            checkers: &Checker::ALL,
            body: success_resets_count::<Fixed>,
        },
        CheckCase {
            id: "breaker.half_open_probes",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "tripped breaker past its timeout; workers race for probe slots and \
                         succeed, cancel or fail; then one more request after the timeout",
            invariants: &[
                HALF_OPEN_AT_MOST_K,
                PERMITS_RETURNED,
                COUNTERS_EXACT,
                NO_STUCK_HALF_OPEN,
            ],
            checkers: &Checker::ALL,
            body: half_open_probes,
        },
        CheckCase {
            id: "breaker.stale_outcome",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "requests admitted while CLOSED finish late while another thread trips \
                         the breaker, waits out the timeout and holds the only probe",
            invariants: &[OUTCOME_IN_OWN_EPOCH],
            checkers: &Checker::ALL,
            body: stale_outcome::<Fixed>,
        },
        CheckCase {
            id: "breaker.closed_path_races_trip",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers run CLOSED-path requests (lock-free admission and success, \
                         borrowing permits) while another thread's failure trips the breaker \
                         (N = 1)",
            invariants: &[
                OPENS_AFTER_N_CONSECUTIVE,
                OUTCOME_IN_OWN_EPOCH,
                COUNTERS_EXACT,
            ],
            checkers: &Checker::ALL,
            body: closed_path_races_trip,
        },
        CheckCase {
            id: "breaker.stats_during_calls",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers run calls that succeed or fail in turn (no trip) while main \
                         takes stats snapshots",
            invariants: &[STATS_SNAPSHOT_CONSISTENT],
            checkers: &Checker::ALL,
            body: stats_during_calls,
        },
        CheckCase {
            id: "breaker.reopen_backs_off",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "tripped breaker (N = 1, backoff x2) past its timeout; workers race \
                         for the probe and fail it; one timeout later a request must still \
                         be rejected, two later admitted",
            invariants: &[OPEN_TIMEOUT_BACKS_OFF],
            checkers: &Checker::ALL,
            body: reopen_backs_off,
        },
        zoo(
            "zoo.R3.1",
            "R3.1",
            &OPENS_AFTER_N_CONSECUTIVE,
            "one worker alternates failure/success (F,S,F), others succeed; threshold 2",
            success_resets_count::<Original>,
        ),
        zoo(
            "zoo.R3.2",
            "R3.2",
            &HALF_OPEN_AT_MOST_K,
            "tripped breaker past its timeout, K = 1; workers race for the probe",
            probe_race::<Original>,
        ),
        zoo(
            "zoo.R3.3",
            "R3.3",
            &NO_STUCK_HALF_OPEN,
            "tripped breaker past its timeout; workers' probes are cancelled (no outcome); \
             then one more request after the timeout",
            cancelled_probes::<Original>,
        ),
        zoo(
            "zoo.R3.4",
            "R3.4",
            &OUTCOME_IN_OWN_EPOCH,
            "requests admitted while CLOSED finish late while another thread trips the \
             breaker, waits out the timeout and holds the only probe",
            stale_outcome::<Original>,
        ),
        zoo(
            "zoo.R3.5",
            "R3.5",
            &OPEN_TIMEOUT_BACKS_OFF,
            "tripped breaker (N = 1, backoff x2 configured) past its timeout; workers race \
             for the probe and fail it; one timeout later a request must still be rejected",
            zoo_fixed_open_timeout,
        ),
        zoo(
            "zoo.R3.6",
            "R3.6",
            &STATS_SNAPSHOT_CONSISTENT,
            "workers record outcomes (under _metrics_lock) while main reads the live metrics \
             object's total_requests, then its outcome counts",
            zoo_live_breaker_metrics,
        ),
        zoo(
            "zoo.seed003-breaker-counter",
            "seed003-breaker-counter",
            &OPENS_AFTER_N_CONSECUTIVE,
            "workers record failures concurrently; the threshold is their total",
            failures_trip::<Seed003>,
        ),
        zoo(
            "zoo.seed003-breaker-half-open",
            "seed003-breaker-half-open",
            &HALF_OPEN_AT_MOST_K,
            "tripped breaker past its timeout, one probe meant; workers race for it",
            probe_race::<Seed003>,
        ),
    ]
}

/// A zoo case; it asserts exactly the one invariant it must break.
fn zoo(
    id: &'static str,
    catalog_id: &'static str,
    breaks: &'static &'static str,
    operations: &'static str,
    body: fn(),
) -> CheckCase {
    CheckCase {
        id,
        component: Component::CircuitBreaker,
        subject: Subject::Zoo(ZooEntry { catalog_id, breaks }),
        operations,
        invariants: std::slice::from_ref(breaks),
        checkers: &Checker::ALL,
        body,
    }
}

// ---------------------------------------------------------------- adapters --

/// Thresholds a case asks for: N consecutive failures, K probes, S probe
/// successes.
#[derive(Clone, Copy)]
struct Thresholds {
    n: u32,
    k: u32,
    s: u32,
}

/// One breaker under test, with the clock it reads.
trait Model: Send + Sync + Sized + 'static {
    type Permit: Send + 'static;

    fn build(t: Thresholds, clock: Arc<ManualClock>) -> Self;
    fn acquire(&self) -> Option<Self::Permit>;
    fn is_probe(permit: &Self::Permit) -> bool;
    fn success(&self, permit: Self::Permit);
    fn failure(&self, permit: Self::Permit);
    /// Drop the request without recording an outcome.
    fn cancel(&self, permit: Self::Permit);
    fn state(&self) -> State;
    /// The fixed breaker checks its counters against what the workers did.
    fn check_counters(&self, _expected: &Tally) {}
    /// The fixed breaker's probes in flight (zoo ports have no such count).
    fn probes_in_flight(&self) -> Option<u32> {
        None
    }
}

struct Fixed(CircuitBreaker<Arc<ManualClock>>);

impl Model for Fixed {
    type Permit = Permit<Arc<ManualClock>>;

    fn build(t: Thresholds, clock: Arc<ManualClock>) -> Self {
        let config = BreakerConfig {
            failure_threshold: t.n,
            success_threshold: t.s,
            half_open_max_probes: t.k,
            open_timeout: TIMEOUT,
            backoff_multiplier: 1,
            max_open_timeout: TIMEOUT,
        };
        Fixed(CircuitBreaker::new(config, clock).expect("valid thresholds"))
    }
    fn acquire(&self) -> Option<Self::Permit> {
        self.0.try_acquire().ok()
    }
    fn is_probe(permit: &Self::Permit) -> bool {
        permit.is_probe()
    }
    fn success(&self, permit: Self::Permit) {
        permit.success();
    }
    fn failure(&self, permit: Self::Permit) {
        permit.failure();
    }
    fn cancel(&self, permit: Self::Permit) {
        drop(permit);
    }
    fn state(&self) -> State {
        self.0.state()
    }
    fn check_counters(&self, expected: &Tally) {
        let stats = self.0.stats();
        let seen = Tally {
            successes: stats.successes,
            failures: stats.failures,
            cancelled: stats.cancelled,
            rejected: stats.rejected,
        };
        ensure(seen == *expected, COUNTERS_EXACT, || {
            format!("workers did {expected:?} but the breaker counted {seen:?}")
        });
        ensure(
            stats.admitted == expected.successes + expected.failures + expected.cancelled,
            COUNTERS_EXACT,
            || {
                format!(
                    "no permit alive, yet admitted = {} for {expected:?}",
                    stats.admitted
                )
            },
        );
    }
    fn probes_in_flight(&self) -> Option<u32> {
        Some(self.0.stats().probes_in_flight)
    }
}

fn from_zoo(state: ZooState) -> State {
    match state {
        ZooState::Closed => State::Closed,
        ZooState::Open => State::Open,
        ZooState::HalfOpen => State::HalfOpen,
    }
}

/// The original `EnhancedCircuitBreaker`.
struct Original(EnhancedCircuitBreaker, Arc<ManualClock>);

impl Model for Original {
    type Permit = Admission;

    fn build(t: Thresholds, clock: Arc<ManualClock>) -> Self {
        let config = EnhancedConfig {
            failure_threshold: t.n.into(),
            success_threshold: t.s.into(),
            half_open_max_requests: t.k.into(),
            open_timeout: TIMEOUT,
            backoff_multiplier: 1,
        };
        Original(EnhancedCircuitBreaker::new(config), clock)
    }
    fn acquire(&self) -> Option<Admission> {
        Some(self.0.can_execute(self.1.now())).filter(|a| *a != Admission::Rejected)
    }
    fn is_probe(permit: &Admission) -> bool {
        permit.is_probe()
    }
    fn success(&self, _: Admission) {
        self.0.record_success(self.1.now());
    }
    fn failure(&self, _: Admission) {
        self.0.record_failure(self.1.now());
    }
    fn cancel(&self, _: Admission) {}
    fn state(&self) -> State {
        from_zoo(self.0.state())
    }
}

/// Seed 003's lock-free sketch (its recovery test is strictly greater-than).
struct Seed003(Seed003CircuitBreaker, Arc<ManualClock>);

impl Model for Seed003 {
    type Permit = Admission;

    fn build(t: Thresholds, clock: Arc<ManualClock>) -> Self {
        Seed003(Seed003CircuitBreaker::new(t.n.into(), TIMEOUT - 1), clock)
    }
    fn acquire(&self) -> Option<Admission> {
        Some(self.0.before_call(self.1.now())).filter(|a| *a != Admission::Rejected)
    }
    fn is_probe(permit: &Admission) -> bool {
        permit.is_probe()
    }
    fn success(&self, _: Admission) {
        self.0.on_success();
    }
    fn failure(&self, _: Admission) {
        self.0.on_failure(self.1.now());
    }
    fn cancel(&self, _: Admission) {}
    fn state(&self) -> State {
        from_zoo(self.0.state())
    }
}

fn setup<M: Model>(t: Thresholds) -> (Arc<M>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(0));
    (Arc::new(M::build(t, Arc::clone(&clock))), clock)
}

/// What the workers did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    successes: u64,
    failures: u64,
    cancelled: u64,
    rejected: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.successes += o.successes;
        self.failures += o.failures;
        self.cancelled += o.cancelled;
        self.rejected += o.rejected;
    }
}

#[derive(Clone, Copy)]
enum Action {
    Succeed,
    Fail,
    Cancel,
}

/// Runs one request to `action`, or counts its rejection.
fn request<M: Model>(breaker: &M, action: Action, tally: &mut Tally) {
    match breaker.acquire() {
        Some(permit) => finish(breaker, permit, action, tally),
        None => tally.rejected += 1,
    }
}

fn finish<M: Model>(breaker: &M, permit: M::Permit, action: Action, tally: &mut Tally) {
    match action {
        Action::Succeed => {
            breaker.success(permit);
            tally.successes += 1;
        }
        Action::Fail => {
            breaker.failure(permit);
            tally.failures += 1;
        }
        Action::Cancel => {
            breaker.cancel(permit);
            tally.cancelled += 1;
        }
    }
}

fn join_all(workers: Vec<thread::JoinHandle<Tally>>) -> Tally {
    let mut total = Tally::default();
    for worker in workers {
        total += worker.join().unwrap_or_default();
    }
    total
}

// ------------------------------------------------------------------ bodies --

/// N = every failure the workers record, so the breaker must be OPEN exactly
/// when the last one lands (none is rejected before that): a lost increment
/// leaves it CLOSED.
fn failures_trip<M: Model>() {
    let n = SCALE.threads * SCALE.ops_per_thread;
    let t = Thresholds {
        n: u32::try_from(n).unwrap_or(u32::MAX),
        k: 1,
        s: 1,
    };
    let (breaker, _clock) = setup::<M>(t);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let breaker = Arc::clone(&breaker);
            thread::spawn(move || {
                let mut tally = Tally::default();
                for _ in 0..SCALE.ops_per_thread {
                    request(&*breaker, Action::Fail, &mut tally);
                }
                tally
            })
        })
        .collect();
    let tally = join_all(workers);
    let state = breaker.state();
    ensure(state == State::Open, OPENS_AFTER_N_CONSECUTIVE, || {
        format!(
            "{n} failures in a row with threshold {n}, but the breaker is {state:?} ({tally:?})"
        )
    });
    breaker.check_counters(&tally);
}

/// Threshold 2. The flaky worker's failures are each followed (in its own
/// program order) by a success, and the others only succeed, so in every
/// interleaving no two failures are consecutive: the breaker must stay CLOSED.
/// Then, alone: S, F (still CLOSED), F (now OPEN).
fn success_resets_count<M: Model>() {
    let (breaker, _clock) = setup::<M>(Thresholds { n: 2, k: 1, s: 1 });
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|worker| {
            let breaker = Arc::clone(&breaker);
            thread::spawn(move || {
                let mut tally = Tally::default();
                for op in 0..SCALE.ops_per_thread {
                    if worker == 0 {
                        request(&*breaker, Action::Fail, &mut tally);
                    }
                    request(&*breaker, Action::Succeed, &mut tally);
                    if worker == 0 && op + 1 == SCALE.ops_per_thread {
                        request(&*breaker, Action::Fail, &mut tally);
                    }
                }
                tally
            })
        })
        .collect();
    let tally = join_all(workers);
    let state = breaker.state();
    ensure(state == State::Closed, OPENS_AFTER_N_CONSECUTIVE, || {
        format!(
            "every failure was followed by a success (threshold 2), yet the breaker is \
             {state:?} ({tally:?})"
        )
    });
    let mut alone = Tally::default();
    request(&*breaker, Action::Succeed, &mut alone);
    request(&*breaker, Action::Fail, &mut alone);
    let state = breaker.state();
    ensure(state == State::Closed, OPENS_AFTER_N_CONSECUTIVE, || {
        format!("one failure after a success opened a threshold-2 breaker ({state:?})")
    });
    request(&*breaker, Action::Fail, &mut alone);
    let state = breaker.state();
    ensure(state == State::Open, OPENS_AFTER_N_CONSECUTIVE, || {
        format!("two consecutive failures left a threshold-2 breaker {state:?}")
    });
}

/// What [`half_open_run`] saw.
struct ProbeRun {
    /// Most probes in flight at once.
    peak: usize,
    tally: Tally,
}

/// Trips the breaker (N = 1) at time 0, moves the clock past the timeout and
/// lets the workers race: each request that is a probe is counted in flight
/// from its admission until just before its outcome is recorded. The clock
/// does not move again, so every probe belongs to the one HALF_OPEN period
/// that follows (a probe failure re-opens the breaker until time 20).
fn half_open_run<M: Model>(
    t: Thresholds,
    action: fn(usize, usize) -> Action,
) -> (Arc<M>, Arc<ManualClock>, ProbeRun) {
    let (breaker, clock) = setup::<M>(t);
    let mut tally = Tally::default();
    request(&*breaker, Action::Fail, &mut tally);
    clock.advance(TIMEOUT);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|worker| {
            let (breaker, in_flight, peak) = (
                Arc::clone(&breaker),
                Arc::clone(&in_flight),
                Arc::clone(&peak),
            );
            thread::spawn(move || {
                let mut tally = Tally::default();
                for op in 0..SCALE.ops_per_thread {
                    let Some(permit) = breaker.acquire() else {
                        tally.rejected += 1;
                        continue;
                    };
                    let probe = M::is_probe(&permit);
                    if probe {
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                    }
                    finish(&*breaker, permit, action(worker, op), &mut tally);
                }
                tally
            })
        })
        .collect();
    tally += join_all(workers);
    let peak = peak.load(Ordering::SeqCst);
    (breaker, clock, ProbeRun { peak, tally })
}

fn check_at_most_k(run: &ProbeRun, k: u32) {
    ensure(run.peak <= k as usize, HALF_OPEN_AT_MOST_K, || {
        format!("{} probes in flight at once with K = {k}", run.peak)
    });
}

/// With no permit alive, one timeout later the next request is admitted.
fn check_not_stuck<M: Model>(breaker: &M, clock: &ManualClock) {
    clock.advance(TIMEOUT);
    let state = breaker.state();
    match breaker.acquire() {
        Some(permit) => breaker.cancel(permit),
        None => violated(
            NO_STUCK_HALF_OPEN,
            format!("no request in flight and the timeout has passed, yet {state:?} rejects"),
        ),
    }
}

fn half_open_probes() {
    let k = u32::try_from(SCALE.threads / 2).unwrap_or(1).max(1);
    let t = Thresholds { n: 1, k, s: 2 };
    let (breaker, clock, run) = half_open_run::<Fixed>(t, |worker, op| match (worker + op) % 3 {
        0 => Action::Succeed,
        1 => Action::Cancel,
        _ => Action::Fail,
    });
    check_at_most_k(&run, k);
    let in_flight = breaker.probes_in_flight();
    ensure(in_flight == Some(0), PERMITS_RETURNED, || {
        format!("every permit was returned, yet {in_flight:?} probes are counted in flight")
    });
    breaker.check_counters(&run.tally);
    check_not_stuck(&*breaker, &clock);
}

/// K = 1; every probe succeeds.
fn probe_race<M: Model>() {
    let (_, _, run) = half_open_run::<M>(Thresholds { n: 1, k: 1, s: 1 }, |_, _| Action::Succeed);
    check_at_most_k(&run, 1);
}

/// K = 1; every probe is cancelled (its outcome never recorded).
fn cancelled_probes<M: Model>() {
    let (breaker, clock, _) =
        half_open_run::<M>(Thresholds { n: 1, k: 1, s: 1 }, |_, _| Action::Cancel);
    check_not_stuck(&*breaker, &clock);
}

/// Main takes permits while CLOSED and hands each to a "late" thread that
/// records its outcome (success, failure, …) whenever it runs. Meanwhile the
/// tripper fails (N = 1), waits out the timeout and takes the probe of the new
/// HALF_OPEN period: while that only probe is in flight, nothing admitted in an
/// earlier period may move the breaker out of HALF_OPEN.
fn stale_outcome<M: Model>() {
    let (breaker, clock) = setup::<M>(Thresholds { n: 1, k: 1, s: 1 });
    let late: Vec<_> = (0..SCALE.threads.saturating_sub(1).max(1))
        .filter_map(|_| breaker.acquire())
        .collect();
    let late: Vec<_> = late
        .into_iter()
        .enumerate()
        .map(|(i, permit)| {
            let breaker = Arc::clone(&breaker);
            thread::spawn(move || {
                let action = if i % 2 == 0 {
                    Action::Succeed
                } else {
                    Action::Fail
                };
                finish(&*breaker, permit, action, &mut Tally::default());
            })
        })
        .collect();
    // The state the tripper saw while holding the period's only probe.
    let tripper = {
        let breaker = Arc::clone(&breaker);
        thread::spawn(move || {
            let mut tally = Tally::default();
            request(&*breaker, Action::Fail, &mut tally);
            clock.advance(TIMEOUT);
            let probe = breaker.acquire().filter(M::is_probe)?;
            let state = breaker.state();
            finish(&*breaker, probe, Action::Succeed, &mut tally);
            Some(state)
        })
    };
    for worker in late {
        let _ = worker.join();
    }
    let seen = tripper.join().ok().flatten();
    ensure(
        matches!(seen, None | Some(State::HalfOpen)),
        OUTCOME_IN_OWN_EPOCH,
        || {
            format!(
                "while the only probe of a HALF_OPEN period was in flight, an outcome from an \
                 earlier period moved the breaker to {seen:?}"
            )
        },
    );
}

/// The lock-free CLOSED path racing the transition it must not undo: workers
/// are admitted and succeed while the tripper's one failure (N = 1) opens the
/// breaker. Whatever the interleaving, exactly one transition happens (a
/// success admitted before it is stale and cannot reset or close anything),
/// the breaker stays OPEN (the clock never moves, so no probe), and every
/// counter is exact.
fn closed_path_races_trip() {
    let (breaker, _clock) = setup::<Fixed>(Thresholds { n: 1, k: 1, s: 1 });
    let tripper = {
        let breaker = Arc::clone(&breaker);
        thread::spawn(move || {
            let mut tally = Tally::default();
            request(&*breaker, Action::Fail, &mut tally);
            tally
        })
    };
    let mut workers: Vec<_> = (1..SCALE.threads.max(2))
        .map(|_| {
            let breaker = Arc::clone(&breaker);
            thread::spawn(move || {
                let mut tally = Tally::default();
                for _ in 0..SCALE.ops_per_thread {
                    // The borrowing permit, as `CircuitBreaker::call` uses it.
                    match breaker.0.try_acquire_scoped() {
                        Ok(permit) => {
                            permit.success();
                            tally.successes += 1;
                        }
                        Err(_) => tally.rejected += 1,
                    }
                }
                tally
            })
        })
        .collect();
    workers.push(tripper);
    let tally = join_all(workers);
    let stats = breaker.0.stats();
    ensure(
        stats.state == State::Open && tally.failures == 1,
        OPENS_AFTER_N_CONSECUTIVE,
        || format!("one failure with threshold 1, yet {stats:?} ({tally:?})"),
    );
    ensure(
        stats.epoch == 1 && stats.consecutive_failures == 0,
        OUTCOME_IN_OWN_EPOCH,
        || format!("one trip and no probe, yet {stats:?}: a stale success moved the state"),
    );
    breaker.check_counters(&tally);
}

/// Worker `t`'s `k`-th call succeeds iff `t + k` is even. Main takes a
/// snapshot `(admitted or total, outcomes)` while they run and one after:
/// outcomes never exceed admissions, and at the end both equal the calls.
fn snapshot_race(call: impl Fn(bool) + Send + Sync + 'static, snapshot: impl Fn() -> (u64, u64)) {
    let call = Arc::new(call);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let call = Arc::clone(&call);
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    call((t + k) % 2 == 0);
                }
            })
        })
        .collect();
    let most = (SCALE.threads * SCALE.ops_per_thread) as u64;
    let check = |(admitted, outcomes): (u64, u64)| {
        ensure(
            outcomes <= admitted && admitted <= most,
            STATS_SNAPSHOT_CONSISTENT,
            || format!("snapshot: {outcomes} outcomes of {admitted} requests ({most} calls ran)"),
        );
    };
    check(snapshot());
    for worker in workers {
        let _ = worker.join();
    }
    let last = snapshot();
    check(last);
    ensure(last == (most, most), STATS_SNAPSHOT_CONSISTENT, || {
        format!("{most} calls ran, the final snapshot says {last:?}")
    });
}

fn stats_during_calls() {
    let config = BreakerConfig {
        failure_threshold: 1_000,
        ..BreakerConfig::default()
    };
    let breaker = CircuitBreaker::new(config, ManualClock::new(0)).expect("valid");
    let calling = breaker.clone();
    snapshot_race(
        move |ok| {
            let _ = calling.call(|| if ok { Ok(()) } else { Err(()) });
        },
        move || {
            let stats = breaker.stats();
            (
                stats.admitted,
                stats.successes + stats.failures + stats.cancelled,
            )
        },
    );
}

/// R3.6: `get_all_metrics` reads `total_requests`, then the outcome counts,
/// of the live object.
fn zoo_live_breaker_metrics() {
    let metrics = OriginalBreakerMetrics::new();
    let recording = Arc::clone(&metrics);
    snapshot_race(
        move |ok| recording.update_metrics(ok),
        move || {
            let live = metrics.get_metrics();
            let total = live.total_requests.load(Ordering::SeqCst);
            let successes = live.successful_requests.load(Ordering::SeqCst);
            let failures = live.failed_requests.load(Ordering::SeqCst);
            (total, successes + failures)
        },
    );
}

/// The breaker trips at 0 (N = 1) and is probed at `TIMEOUT` by racing
/// workers, whose probe fails: the breaker reopens at `TIMEOUT`, now with
/// twice the timeout. At `2·TIMEOUT` (one plain timeout later) a request
/// must be rejected; `admit_at_3t` also requires one admitted at
/// `3·TIMEOUT`.
fn backoff_race<P: Send + 'static>(
    clock: Arc<ManualClock>,
    acquire: impl Fn() -> Option<P> + Send + Sync + 'static,
    fail: impl Fn(P) + Send + Sync + 'static,
    admit_at_3t: bool,
) {
    let (acquire, fail) = (Arc::new(acquire), Arc::new(fail));
    if let Some(permit) = acquire() {
        fail(permit);
    }
    clock.advance(TIMEOUT);
    let probers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (acquire, fail) = (Arc::clone(&acquire), Arc::clone(&fail));
            thread::spawn(move || {
                if let Some(permit) = acquire() {
                    fail(permit);
                }
            })
        })
        .collect();
    for prober in probers {
        let _ = prober.join();
    }
    clock.advance(TIMEOUT);
    let early = acquire().is_some();
    ensure(!early, OPEN_TIMEOUT_BACKS_OFF, || {
        format!(
            "probe failed at {TIMEOUT} (second opening, backoff x2), yet a request was \
             admitted at {}",
            2 * TIMEOUT
        )
    });
    if admit_at_3t {
        clock.advance(TIMEOUT);
        ensure(acquire().is_some(), OPEN_TIMEOUT_BACKS_OFF, || {
            format!("backed-off timeout {} over, still rejected", 2 * TIMEOUT)
        });
    }
}

fn reopen_backs_off() {
    let clock = Arc::new(ManualClock::new(0));
    let config = BreakerConfig {
        failure_threshold: 1,
        success_threshold: 1,
        half_open_max_probes: 1,
        open_timeout: TIMEOUT,
        backoff_multiplier: 2,
        max_open_timeout: 10 * TIMEOUT,
    };
    let breaker = CircuitBreaker::new(config, Arc::clone(&clock)).expect("valid");
    backoff_race(
        clock,
        move || breaker.try_acquire().ok(),
        |permit: Permit<Arc<ManualClock>>| permit.failure(),
        true,
    );
}

/// R3.5: `_backoff_attempt` grows, the timeout does not.
fn zoo_fixed_open_timeout() {
    let clock = Arc::new(ManualClock::new(0));
    let config = EnhancedConfig {
        failure_threshold: 1,
        success_threshold: 1,
        half_open_max_requests: 1,
        open_timeout: TIMEOUT,
        backoff_multiplier: 2,
    };
    let breaker = Arc::new(Original(
        EnhancedCircuitBreaker::new(config),
        Arc::clone(&clock),
    ));
    let failing = Arc::clone(&breaker);
    backoff_race(
        clock,
        move || breaker.acquire(),
        move |permit| failing.failure(permit),
        false,
    );
}
