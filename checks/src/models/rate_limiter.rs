//! Token-bucket rate limiter: concurrent callers with the clock frozen get
//! exactly the tokens there are; with a thread moving the clock, admissions
//! never outrun the budget `capacity + rate · elapsed`; concurrent adaptive
//! adjustments lose none and stay within the floor.
//!
//! Zoo: the original never applied its limit (R4.6, a defect, not a race:
//! caught on the first schedule) and adjusted its adaptive factors with a
//! read and a write (R4.7).

use super::super::SCALE;
use super::super::bug_zoo::rate_limiter::RacyRateLimitManager;
use super::super::clock::{Clock, ManualClock};
use super::super::rate_limiter::{
    AdaptiveConfig, AdaptiveCore, AdaptiveLimits, Limit, PerMille, RateLimiter,
};
use super::super::sync::atomic::{AtomicU64, Ordering};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ADMITTED_WITHIN_BUDGET: &str = "admitted-within-budget";
const ADMITS_AVAILABLE_TOKENS: &str = "admits-available-tokens";
const ADAPTIVE_NO_LOST_UPDATE: &str = "adaptive-no-lost-update";
const ADAPTIVE_WITHIN_BOUNDS: &str = "adaptive-within-bounds";

/// A load above the high-load threshold: every adjustment lowers the factor.
const HIGH_LOAD: PerMille = 900;
const ENDPOINT: &str = "/api/graph";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "rate_limiter.frozen_clock",
            component: Component::RateLimiter,
            subject: Subject::Fixed,
            operations: "workers race for one token fewer than they request, the clock \
                         standing still",
            invariants: &[ADMITTED_WITHIN_BUDGET, ADMITS_AVAILABLE_TOKENS],
            checkers: &Checker::ALL,
            body: frozen_clock,
        },
        CheckCase {
            id: "rate_limiter.refill_while_acquiring",
            component: Component::RateLimiter,
            subject: Subject::Fixed,
            operations: "workers acquire (checking the budget after each admission) while \
                         another thread advances the clock one token's worth at a time",
            invariants: &[ADMITTED_WITHIN_BUDGET],
            checkers: &Checker::ALL,
            body: refill_while_acquiring,
        },
        CheckCase {
            id: "rate_limiter.execute_applies_limit",
            component: Component::RateLimiter,
            subject: Subject::Fixed,
            operations: "workers execute operations through the limiter, one token fewer than \
                         operations, the clock standing still",
            invariants: &[ADMITTED_WITHIN_BUDGET, ADMITS_AVAILABLE_TOKENS],
            checkers: &Checker::ALL,
            body: execute_applies_limit,
        },
        CheckCase {
            id: "rate_limiter.adaptive_under_load",
            component: Component::RateLimiter,
            subject: Subject::Fixed,
            operations: "workers each report high load for one endpoint (×0.9 per report, \
                         floor ×0.85), checking the factor they get",
            invariants: &[ADAPTIVE_NO_LOST_UPDATE, ADAPTIVE_WITHIN_BOUNDS],
            checkers: &Checker::ALL,
            body: adaptive_under_load,
        },
        CheckCase {
            id: "zoo.R4.6",
            component: Component::RateLimiter,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.6",
                breaks: ADMITTED_WITHIN_BUDGET,
            }),
            operations: "workers call execute_with_rate_limit (which just calls the operation), \
                         one token fewer than operations, the clock standing still",
            invariants: &[ADMITTED_WITHIN_BUDGET],
            checkers: &Checker::ALL,
            body: zoo_limit_not_applied,
        },
        CheckCase {
            id: "zoo.R4.7",
            component: Component::RateLimiter,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.7",
                breaks: ADAPTIVE_NO_LOST_UPDATE,
            }),
            operations: "workers each report high load for one endpoint: insert 1.0 if absent, \
                         read the factor, write factor × 0.9",
            invariants: &[ADAPTIVE_NO_LOST_UPDATE],
            checkers: &Checker::ALL,
            body: zoo_adaptive_lost_update,
        },
    ]
}

fn limit(capacity: u64, rate: u64, period: u64) -> Limit {
    Limit::new(capacity, rate, period).expect("a valid limit")
}

/// `T·ops` requests for `T·ops − 1` tokens: exactly that many are admitted.
fn frozen_clock() {
    let requests = (SCALE.threads * SCALE.ops_per_thread) as u64;
    let capacity = requests - 1;
    let limiter = RateLimiter::new(limit(capacity, 1, 1_000), ManualClock::new(0));
    let admitted = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (limiter, admitted) = (limiter.clone(), Arc::clone(&admitted));
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    if limiter.try_acquire() {
                        admitted.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let n = admitted.load(Ordering::SeqCst);
    ensure(n <= capacity, ADMITTED_WITHIN_BUDGET, || {
        format!("{n} admitted with {capacity} tokens and no time passing")
    });
    ensure(n == capacity, ADMITS_AVAILABLE_TOKENS, || {
        format!("{n} of {requests} requests admitted with {capacity} tokens")
    });
}

/// Capacity 1, 1 token per 10 ms; an advancer moves the clock 10 ms at a time.
/// After each admission the worker counts it and then reads the clock: every
/// admission counted so far happened at or before that time, so
/// `n · period ≤ capacity · period + rate · now` must hold.
fn refill_while_acquiring() {
    const CAPACITY: u64 = 1;
    const RATE: u64 = 1;
    const PERIOD: u64 = 10;
    let clock = Arc::new(ManualClock::new(0));
    let limiter = RateLimiter::new(limit(CAPACITY, RATE, PERIOD), Arc::clone(&clock));
    let admitted = Arc::new(AtomicU64::new(0));
    let advancer = {
        let clock = Arc::clone(&clock);
        thread::spawn(move || {
            for _ in 0..SCALE.ops_per_thread {
                clock.advance(PERIOD);
            }
        })
    };
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (limiter, admitted, clock) =
                (limiter.clone(), Arc::clone(&admitted), Arc::clone(&clock));
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    if limiter.try_acquire() {
                        let n = admitted.fetch_add(1, Ordering::SeqCst) + 1;
                        let now = clock.now();
                        ensure(
                            n * PERIOD <= CAPACITY * PERIOD + RATE * now,
                            ADMITTED_WITHIN_BUDGET,
                            || format!("{n} admitted by {now} ms at {RATE}/{PERIOD} ms, burst {CAPACITY}"),
                        );
                    }
                }
            })
        })
        .collect();
    let _ = advancer.join();
    for worker in workers {
        let _ = worker.join();
    }
    let n = admitted.load(Ordering::SeqCst);
    let now = clock.now();
    ensure(
        n * PERIOD <= CAPACITY * PERIOD + RATE * now,
        ADMITTED_WITHIN_BUDGET,
        || format!("{n} admitted by {now} ms at {RATE}/{PERIOD} ms, burst {CAPACITY}"),
    );
}

/// Runs `op` on every worker `ops_per_thread` times; the number of times it
/// returned `true`.
fn on_workers(op: impl Fn() -> bool + Send + Sync + 'static) -> u64 {
    let op = Arc::new(op);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let op = Arc::clone(&op);
            thread::spawn(move || (0..SCALE.ops_per_thread).filter(|_| op()).count() as u64)
        })
        .collect();
    workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
}

/// `T·ops` operations, `T·ops − 1` tokens, frozen clock: the operations that
/// ran must be exactly the tokens.
fn check_ran(ran: u64, capacity: u64) {
    ensure(ran <= capacity, ADMITTED_WITHIN_BUDGET, || {
        format!("{ran} operations ran with {capacity} tokens and no time passing")
    });
    ensure(ran == capacity, ADMITS_AVAILABLE_TOKENS, || {
        format!("{ran} operations ran with {capacity} tokens")
    });
}

fn one_short() -> (RateLimiter<ManualClock>, u64) {
    let capacity = (SCALE.threads * SCALE.ops_per_thread) as u64 - 1;
    let limiter = RateLimiter::new(limit(capacity, 1, 1_000), ManualClock::new(0));
    (limiter, capacity)
}

fn execute_applies_limit() {
    let (limiter, capacity) = one_short();
    let ran = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&ran);
    on_workers(move || {
        limiter
            .execute(|| counted.fetch_add(1, Ordering::SeqCst))
            .is_ok()
    });
    check_ran(ran.load(Ordering::SeqCst), capacity);
}

/// R4.6: the same operations through the original's `execute_with_rate_limit`.
fn zoo_limit_not_applied() {
    let (limiter, capacity) = one_short();
    let manager = RacyRateLimitManager::new(limiter);
    let ran = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&ran);
    on_workers(move || {
        manager.execute_with_rate_limit(|| counted.fetch_add(1, Ordering::SeqCst));
        true
    });
    let ran = ran.load(Ordering::SeqCst);
    ensure(ran <= capacity, ADMITTED_WITHIN_BUDGET, || {
        format!("{ran} operations ran with {capacity} tokens: the limiter was never consulted")
    });
}

/// Floor ×0.85: reached by the second report (×0.9, then ×0.81 clamped), so
/// loom's two reports already meet it.
fn adaptive_config() -> AdaptiveConfig {
    AdaptiveConfig {
        floor: 850,
        ..AdaptiveConfig::default()
    }
}

fn adaptive_under_load() {
    let config = adaptive_config();
    let limits = AdaptiveLimits::new(config).expect("a valid config");
    let out_of_bounds = {
        let limits = limits.clone();
        on_workers(move || {
            let factor = limits.adjust(ENDPOINT, HIGH_LOAD);
            !(config.floor..=config.ceiling).contains(&factor)
        })
    };
    ensure(out_of_bounds == 0, ADAPTIVE_WITHIN_BOUNDS, || {
        format!(
            "{out_of_bounds} adjustments left [{}, {}]",
            config.floor, config.ceiling
        )
    });
    let reports = SCALE.threads * SCALE.ops_per_thread;
    let mut one_by_one = AdaptiveCore::new(config).expect("a valid config");
    for _ in 0..reports {
        one_by_one.adjust(ENDPOINT, HIGH_LOAD);
    }
    let (got, expected) = (limits.factor(ENDPOINT), one_by_one.factor(ENDPOINT));
    ensure(got == expected, ADAPTIVE_NO_LOST_UPDATE, || {
        format!("{reports} concurrent reports left factor {got}‰, one after another {expected}‰")
    });
}

/// R4.7: the same reports through the original's `adjust_adaptive_limits`.
fn zoo_adaptive_lost_update() {
    let limiter = RateLimiter::new(limit(1, 1, 1_000), ManualClock::new(0));
    let manager = Arc::new(RacyRateLimitManager::new(limiter));
    let adjusting = Arc::clone(&manager);
    on_workers(move || {
        adjusting.adjust_adaptive_limits(ENDPOINT, 0.9);
        true
    });
    let reports = SCALE.threads * SCALE.ops_per_thread;
    let expected = (0..reports).fold(1.0_f64, |factor, _| factor * 0.9);
    let got = manager.factor(ENDPOINT);
    ensure(got == expected, ADAPTIVE_NO_LOST_UPDATE, || {
        format!("{reports} concurrent reports left factor {got}, one after another {expected}")
    });
}
