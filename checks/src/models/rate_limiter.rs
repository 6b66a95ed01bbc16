//! Token-bucket rate limiter: concurrent callers with the clock frozen get
//! exactly the tokens there are; with a thread moving the clock, admissions
//! never outrun the budget `capacity + rate · elapsed`.
//!
//! No zoo entry: the original never applied its limit at all (R4.6), which is
//! a missing feature, not a race a checker could catch.

use super::super::SCALE;
use super::super::clock::{Clock, ManualClock};
use super::super::rate_limiter::{Limit, RateLimiter};
use super::super::sync::atomic::{AtomicU64, Ordering};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ensure};

const ADMITTED_WITHIN_BUDGET: &str = "admitted-within-budget";
const ADMITS_AVAILABLE_TOKENS: &str = "admits-available-tokens";

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
