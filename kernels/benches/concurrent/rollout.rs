//! Rollout controller: route a call (does the twin serve it?) and report its
//! sample, as every call of a migrating component does. Time moves one
//! 1-second period per 1,000 calls, so ten periods are closed and judged per
//! iteration (a healthy twin: promotions from 5% up to 100%).

use std::sync::Arc;

use criterion::Criterion;
use twinbench_kernels::concurrent::clock::{Clock, ManualClock};
use twinbench_kernels::concurrent::rollout::{Policy, Rollout, RolloutCore, Sample};

use crate::common::overhead;

const PERIOD_MS: u64 = 1_000;
const CALLS_PER_PERIOD: u64 = 1_000;

fn policy() -> Policy {
    // Seed 000's rule; 10 twin calls judge a period (at 5%, a period of
    // 1,000 calls has ~50).
    Policy::new(5, 10, PERIOD_MS, 900, 10_000, 10).expect("a valid policy")
}

/// The call's sample: the twin 10× faster than the original, never failing.
fn sample(to_twin: bool) -> Sample {
    if to_twin {
        Sample::Twin {
            ns: 100,
            error: false,
        }
    } else {
        Sample::Original { ns: 1_000 }
    }
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "rollout",
        || RolloutCore::new(policy(), 0),
        |core, i| {
            let now = i / CALLS_PER_PERIOD * PERIOD_MS;
            let to_twin = core.routes_to_twin(i);
            std::hint::black_box(core.record(now, sample(to_twin)));
        },
        || {
            let clock = Arc::new(ManualClock::new(0));
            (Rollout::new(policy(), Arc::clone(&clock)), clock)
        },
        |(rollout, clock), i| {
            // The same period boundaries as the core's; the clock moves once
            // per 1,000 calls, so its cost is not in the comparison.
            if i > 0 && i % CALLS_PER_PERIOD == 0 && clock.now() < i / CALLS_PER_PERIOD * PERIOD_MS
            {
                clock.advance(PERIOD_MS);
            }
            let to_twin = rollout.routes_to_twin(i);
            std::hint::black_box(rollout.record(sample(to_twin)));
        },
    );
}
