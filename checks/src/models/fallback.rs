//! Fallback manager: concurrent calls invoke their primary once, fall back
//! only after a service failure, say who answered, and are answered by the
//! strategy registered when they began even while it is replaced; seed
//! 003's `FallbackManager` returns bare values (`seed003-fallback-untagged`)
//! and answers caller bugs from the fallback
//! (`seed003-fallback-caller-bug`), both logic defects caught on the first
//! schedule, and looks its strategy up after the primary's await
//! (`seed003-fallback-late-lookup`, a race).
//!
//! Listed under the circuit-breaker component: seed 003 §6 pairs the
//! breaker with the fallbacks.

use std::future::Future;

use super::super::SCALE;
use super::super::bug_zoo::fallback::{PyRaised, RacyFallbackManager};
use super::super::fallback::{Answer, Failure, FallbackError, FallbackManager, Strategy};
use super::super::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use super::super::sync::{Arc, Mutex, block_on, thread};
use super::producer::YieldOnce;
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const PRIMARY_ONCE: &str = "primary-invoked-once";
const FALLBACK_ONLY_AFTER_SERVICE_FAILURE: &str = "fallback-only-after-service-failure";
const ANSWER_TAGGED: &str = "answer-tagged";
const STRATEGY_OF_CALLS_START: &str = "strategy-of-calls-start";

/// The service with a fallback, and one without.
const ANALYTICS: &str = "analytics";
const AUTH: &str = "auth";
/// Strategy ids: the one registered before the calls, its replacement.
const FIRST: u32 = 1;
const REPLACEMENT: u32 = 2;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "fallback.calls_tagged",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers each execute calls whose primary answers, fails (outage) or \
                         refuses an invalid request, on a service with a fallback and one \
                         without",
            invariants: &[
                PRIMARY_ONCE,
                FALLBACK_ONLY_AFTER_SERVICE_FAILURE,
                ANSWER_TAGGED,
            ],
            checkers: &Checker::ALL,
            body: calls_tagged,
        },
        CheckCase {
            id: "fallback.replace_during_call",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "callers execute calls whose primary fails after an await while a \
                         worker replaces the service's fallback",
            invariants: &[
                PRIMARY_ONCE,
                FALLBACK_ONLY_AFTER_SERVICE_FAILURE,
                ANSWER_TAGGED,
                STRATEGY_OF_CALLS_START,
            ],
            checkers: &Checker::ALL,
            body: replace_during_call,
        },
        CheckCase {
            id: "zoo.seed003-fallback-untagged",
            component: Component::CircuitBreaker,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-fallback-untagged",
                breaks: ANSWER_TAGGED,
            }),
            operations: "workers each execute_with_fallback a call whose primary fails; the \
                         fallback's bare None comes back as the answer",
            invariants: &[ANSWER_TAGGED],
            checkers: &Checker::ALL,
            body: zoo_untagged,
        },
        CheckCase {
            id: "zoo.seed003-fallback-caller-bug",
            component: Component::CircuitBreaker,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-fallback-caller-bug",
                breaks: FALLBACK_ONLY_AFTER_SERVICE_FAILURE,
            }),
            operations: "workers each execute_with_fallback a call whose primary refuses an \
                         invalid argument (`except Exception` runs the fallback)",
            invariants: &[FALLBACK_ONLY_AFTER_SERVICE_FAILURE],
            checkers: &Checker::ALL,
            body: zoo_caller_bug,
        },
        CheckCase {
            id: "zoo.seed003-fallback-late-lookup",
            component: Component::CircuitBreaker,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-fallback-late-lookup",
                breaks: STRATEGY_OF_CALLS_START,
            }),
            operations: "callers execute_with_fallback (await the primary, then \
                         fallback_strategies.get) while a worker assigns a new fallback",
            invariants: &[STRATEGY_OF_CALLS_START],
            checkers: &Checker::ALL,
            body: zoo_late_lookup,
        },
    ]
}

/// A call's value: the original's fallbacks return `None`.
type Value = Option<u32>;
type Error = &'static str;

/// What a call's primary does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Answers,
    Outage,
    Invalid,
}

/// What every call records, shared by the calls of one case.
#[derive(Default)]
struct Probe {
    primary_runs: AtomicUsize,
    /// `(call, strategy id)` for each fallback run.
    fallback_runs: Mutex<Vec<(usize, u32)>>,
    /// Set by the replacing worker just *before* it registers.
    replacing: AtomicBool,
    /// `(call, replacing)` as each primary saw it when it started.
    saw_replacing: Mutex<Vec<(usize, bool)>>,
}

/// A call's arguments (the original's `*args`): which call, what its
/// primary does, and the probe it records into.
struct Call {
    index: usize,
    kind: Kind,
    probe: Arc<Probe>,
}

/// The primary: counts its invocation and notes whether the replacement
/// had begun, then awaits once (where other tasks run) and answers.
fn primary(call: &Call) -> impl Future<Output = Result<Value, Failure<Error>>> + use<> {
    call.probe.primary_runs.fetch_add(1, Ordering::SeqCst);
    let saw = call.probe.replacing.load(Ordering::SeqCst);
    call.probe.saw_replacing.lock().push((call.index, saw));
    let (kind, index) = (call.kind, call.index);
    async move {
        YieldOnce(false).await;
        match kind {
            Kind::Answers => Ok(Some(index as u32)),
            Kind::Outage => Err(Failure::Service("connection refused")),
            Kind::Invalid => Err(Failure::Invalid("invalid argument")),
        }
    }
}

/// A fallback in the original's style (`pass`: answers `None`), recording
/// which call it answered.
fn strategy(id: u32) -> Strategy<Call, Value, Error> {
    std::sync::Arc::new(move |call: &Call| {
        call.probe.fallback_runs.lock().push((call.index, id));
        Ok(None)
    })
}

/// How a call ended, as its caller can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Primary,
    Fallback,
    InvalidRequest,
    Unavailable,
    FallbackFailed,
}

/// The fixed manager and the original, driven alike.
trait Manager: Send + Sync + 'static {
    fn register(&self, service: &str, id: u32);
    fn call(&self, service: &str, call: &Call) -> Seen;
}

impl Manager for FallbackManager<Call, Value, Error> {
    fn register(&self, service: &str, id: u32) {
        FallbackManager::register(self, service, strategy(id));
    }

    fn call(&self, service: &str, call: &Call) -> Seen {
        match block_on(self.execute(service, call, primary)) {
            Ok(Answer::Primary(_)) => Seen::Primary,
            Ok(Answer::Fallback { .. }) => Seen::Fallback,
            Err(FallbackError::InvalidRequest { .. }) => Seen::InvalidRequest,
            Err(FallbackError::ServiceUnavailable { .. }) => Seen::Unavailable,
            Err(FallbackError::FallbackFailed { .. }) => Seen::FallbackFailed,
        }
    }
}

impl Manager for RacyFallbackManager<Call, Value, Error> {
    fn register(&self, service: &str, id: u32) {
        RacyFallbackManager::register(self, service, strategy(id));
    }

    /// A bare value reads as the service's answer: nothing says otherwise.
    fn call(&self, service: &str, call: &Call) -> Seen {
        match block_on(self.execute_with_fallback(service, call, primary)) {
            Ok(_) => Seen::Primary,
            Err(PyRaised::ServiceUnavailable { .. }) => Seen::Unavailable,
            Err(PyRaised::Fallback(_)) => Seen::FallbackFailed,
        }
    }
}

/// One planned call: its service and what its primary does.
type Plan = (&'static str, Kind);

/// Worker `t`'s calls for the fixed case: every kind and both services
/// are met (under loom: an outage on the service with a fallback, an
/// invalid request on the one without).
fn mixed_plan(t: usize) -> Vec<Plan> {
    const KINDS: [Kind; 3] = [Kind::Outage, Kind::Invalid, Kind::Answers];
    (0..SCALE.ops_per_thread)
        .map(|i| {
            let service = if (t + i) % 2 == 0 { ANALYTICS } else { AUTH };
            (service, KINDS[(t + i) % KINDS.len()])
        })
        .collect()
}

/// A call as it ended: its index, its plan, what its caller saw.
type Ended = (usize, Plan, Seen);

/// Runs each worker's plan on `manager` (with `FIRST` registered for
/// [`ANALYTICS`]) while `replace` (if set) replaces that fallback from
/// another thread; returns every call's index, plan and outcome.
fn run_calls<M: Manager>(
    manager: Arc<M>,
    plans: Vec<Vec<Plan>>,
    replace: bool,
) -> (Arc<Probe>, Vec<Ended>) {
    let probe = Arc::new(Probe::default());
    manager.register(ANALYTICS, FIRST);
    let replacer = replace.then(|| {
        let (manager, probe) = (Arc::clone(&manager), Arc::clone(&probe));
        thread::spawn(move || {
            probe.replacing.store(true, Ordering::SeqCst);
            manager.register(ANALYTICS, REPLACEMENT);
        })
    });
    let per_worker = plans.iter().map(Vec::len).max().unwrap_or(0);
    let workers: Vec<_> = plans
        .into_iter()
        .enumerate()
        .map(|(t, plan)| {
            let (manager, probe) = (Arc::clone(&manager), Arc::clone(&probe));
            thread::spawn(move || {
                plan.into_iter()
                    .enumerate()
                    .map(|(i, (service, kind))| {
                        let call = Call {
                            index: t * per_worker + i,
                            kind,
                            probe: Arc::clone(&probe),
                        };
                        (call.index, (service, kind), manager.call(service, &call))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let calls: Vec<Ended> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    if let Some(replacer) = replacer {
        let _ = replacer.join();
    }
    (probe, calls)
}

/// What the caller must see for a call of `kind` on `service`.
fn expected((service, kind): Plan) -> Seen {
    match kind {
        Kind::Answers => Seen::Primary,
        Kind::Invalid => Seen::InvalidRequest,
        Kind::Outage if service == ANALYTICS => Seen::Fallback,
        Kind::Outage => Seen::Unavailable,
    }
}

/// The three per-call invariants, in the order a call meets them.
fn check_calls(probe: &Probe, calls: &[Ended]) {
    let primaries = probe.primary_runs.load(Ordering::SeqCst);
    ensure(primaries == calls.len(), PRIMARY_ONCE, || {
        format!(
            "{} calls invoked their primary {primaries} times",
            calls.len()
        )
    });
    let runs = probe.fallback_runs.lock().clone();
    for &(index, (service, kind), _) in calls {
        let ran = runs.iter().filter(|(call, _)| *call == index).count();
        let may_run = kind == Kind::Outage && service == ANALYTICS;
        // A missing fallback run shows in the answer (answer-tagged).
        ensure(
            ran <= usize::from(may_run),
            FALLBACK_ONLY_AFTER_SERVICE_FAILURE,
            || format!("call {index} ({kind:?} on {service}) ran a fallback {ran} times"),
        );
    }
    for &(_, plan, seen) in calls {
        let (service, kind) = plan;
        ensure(seen == expected(plan), ANSWER_TAGGED, || {
            format!(
                "a call whose primary did {kind:?} on {service} came back as {seen:?}, not {:?}",
                expected(plan)
            )
        });
    }
}

/// Every call whose primary started before the replacement began was
/// answered by the first strategy.
fn check_strategy_of_start(probe: &Probe) {
    let saw = probe.saw_replacing.lock().clone();
    let runs = probe.fallback_runs.lock().clone();
    for (call, id) in &runs {
        let before = saw.iter().any(|(c, replacing)| c == call && !replacing);
        ensure(!before || *id == FIRST, STRATEGY_OF_CALLS_START, || {
            format!(
                "call {call}'s primary started before the fallback was replaced, yet fallback \
                 {id} (registered during the call) answered it"
            )
        });
    }
}

fn run_plans<M: Manager>(manager: Arc<M>, plans: Vec<Vec<Plan>>) {
    let (probe, calls) = run_calls(manager, plans, false);
    check_calls(&probe, &calls);
}

fn fixed() -> Arc<FallbackManager<Call, Value, Error>> {
    Arc::new(FallbackManager::new())
}

fn racy() -> Arc<RacyFallbackManager<Call, Value, Error>> {
    Arc::new(RacyFallbackManager::new())
}

fn calls_tagged() {
    run_plans(fixed(), (0..SCALE.threads).map(mixed_plan).collect());
}

/// Callers (one under loom) each make one call to [`ANALYTICS`] whose
/// primary fails, while a worker replaces its fallback.
fn replacement_plans() -> Vec<Vec<Plan>> {
    (0..SCALE.threads.max(2) - 1)
        .map(|_| vec![(ANALYTICS, Kind::Outage)])
        .collect()
}

fn replace_during_call() {
    let (probe, calls) = run_calls(fixed(), replacement_plans(), true);
    check_calls(&probe, &calls);
    check_strategy_of_start(&probe);
}

fn zoo_untagged() {
    let plans = (0..SCALE.threads)
        .map(|_| vec![(ANALYTICS, Kind::Outage)])
        .collect();
    run_plans(racy(), plans);
}

fn zoo_caller_bug() {
    let plans = (0..SCALE.threads)
        .map(|_| vec![(ANALYTICS, Kind::Invalid)])
        .collect();
    run_plans(racy(), plans);
}

/// Only the strategy's timing is checked: the original's answers are
/// untagged (its own entry), which would be reported first.
fn zoo_late_lookup() {
    let (probe, _) = run_calls(racy(), replacement_plans(), true);
    check_strategy_of_start(&probe);
}
