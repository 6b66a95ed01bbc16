//! Rate limiter: one `try_acquire` per operation at time `i` ms against a
//! bucket of 20 tokens earning 100 per minute (the original's "100/minute,
//! burst 20"), so most requests are refused after the first burst, as under
//! overload.

use criterion::Criterion;
use twinbench_kernels::concurrent::clock::SystemClock;
use twinbench_kernels::concurrent::rate_limiter::{Limit, RateLimiter, TokenBucketCore};

use crate::common::overhead;

fn limit() -> Limit {
    Limit::new(20, 100, 60_000).expect("a valid limit")
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "rate_limiter",
        || TokenBucketCore::new(limit()),
        |core, i| {
            std::hint::black_box(core.try_acquire(i));
        },
        // The time is passed explicitly on both sides, so the comparison is
        // the atomic state alone, not a clock read.
        || RateLimiter::new(limit(), SystemClock::new()),
        |limiter, i| {
            std::hint::black_box(limiter.try_acquire_n_at(1, i));
        },
    );
}
