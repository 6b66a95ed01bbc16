//! Circuit breaker: admit a request and record its outcome. Every 50th block
//! of requests starts with 6 failures, so the breaker trips (N = 5), probes
//! (open timeout 0), re-opens on the failed probe and closes on the next
//! success: every state and transition is on the path, not only CLOSED.

use criterion::Criterion;
use twinbench_kernels::concurrent::breaker::{BreakerConfig, BreakerCore, CircuitBreaker, Outcome};
use twinbench_kernels::concurrent::clock::ManualClock;

use crate::common::overhead;

const CONFIG: BreakerConfig = BreakerConfig {
    failure_threshold: 5,
    success_threshold: 1,
    half_open_max_probes: 1,
    open_timeout: 0,
    backoff_multiplier: 1,
    max_open_timeout: 0,
};

fn fails(i: u64) -> bool {
    i % 50 < 6
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "breaker",
        || BreakerCore::new(CONFIG).expect("valid config"),
        |core, i| {
            if let Ok(ticket) = core.try_acquire(0) {
                let outcome = if fails(i) {
                    Outcome::Failure
                } else {
                    Outcome::Success
                };
                core.record(ticket, outcome, 0);
            }
        },
        || CircuitBreaker::new(CONFIG, ManualClock::new(0)).expect("valid config"),
        |breaker, i| {
            // The borrowing permit, as `CircuitBreaker::call` uses it.
            if let Ok(permit) = breaker.try_acquire_scoped() {
                if fails(i) {
                    permit.failure();
                } else {
                    permit.success();
                }
            }
        },
    );
}
