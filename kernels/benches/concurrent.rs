//! Locking overhead of the concurrent components (claim C10: "thread-safety
//! overhead under 20%").
//!
//! For each component, one criterion group `concurrent/<component>` times the
//! same operation mix three ways, `OPS` operations per iteration:
//! - `unsynchronized`: the component's `…Core` (plain `&mut self` logic);
//! - `synchronized/1-thread`: the shared component, one thread;
//! - `synchronized/2-threads`: the shared component, two threads splitting the
//!   operations (wall time from a common start to the last thread's end).
//!
//! Overhead = synchronized/1-thread ÷ unsynchronized − 1. Inputs (operation
//! keys) are built before timing; a fresh component is built per iteration
//! outside the timed region.

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "concurrent/common.rs"]
mod common;

#[path = "concurrent/alert_pipeline.rs"]
mod alert_pipeline;
#[path = "concurrent/balancer.rs"]
mod balancer;
#[path = "concurrent/breaker.rs"]
mod breaker;
#[path = "concurrent/cache.rs"]
mod cache;
#[path = "concurrent/collector.rs"]
mod collector;
#[path = "concurrent/error_aggregator.rs"]
mod error_aggregator;
#[path = "concurrent/incidents.rs"]
mod incidents;
#[path = "concurrent/metrics.rs"]
mod metrics;
#[path = "concurrent/pool.rs"]
mod pool;
#[path = "concurrent/producer.rs"]
mod producer;
#[path = "concurrent/rate_limiter.rs"]
mod rate_limiter;
#[path = "concurrent/registry.rs"]
mod registry;
#[path = "concurrent/rollout.rs"]
mod rollout;
#[path = "concurrent/singleton.rs"]
mod singleton;

fn all(c: &mut Criterion) {
    cache::bench(c);
    breaker::bench(c);
    rate_limiter::bench(c);
    pool::bench(c);
    metrics::bench(c);
    singleton::bench(c);
    incidents::bench(c);
    producer::bench(c);
    balancer::bench(c);
    registry::bench(c);
    collector::bench(c);
    alert_pipeline::bench(c);
    error_aggregator::bench(c);
    rollout::bench(c);
}

criterion_group! {
    name = benches;
    // One iteration is 10,000 operations (tens of µs to a few ms), so 30
    // samples in half a second are plenty; `make report` runs 33 of these.
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(200))
        .measurement_time(std::time::Duration::from_millis(500))
        .sample_size(30);
    targets = all
}
criterion_main!(benches);
