//! Scenario bodies, one file per component; each file's `scenarios()` lists
//! its fixed-component checks first, then its bug-zoo entries.
//!
//! Compiled once per backend (see `loom_backend.rs`), so `super::super` is the
//! backend module: `super::super::balancer` is the balancer built on loom's or
//! shuttle's primitives, `super::super::SCALE` the scenario size to use.

use crate::scenario::Scenario;

pub mod balancer;
pub mod breaker;
pub mod cache;
pub mod collector;
pub mod incidents;
pub mod metrics;
pub mod pool;
pub mod producer;
pub mod rate_limiter;
pub mod registry;
pub mod singleton;

/// Every scenario, grouped by component.
pub fn scenarios() -> Vec<Scenario> {
    [
        cache::scenarios(),
        breaker::scenarios(),
        rate_limiter::scenarios(),
        pool::scenarios(),
        metrics::scenarios(),
        singleton::scenarios(),
        incidents::scenarios(),
        producer::scenarios(),
        balancer::scenarios(),
        registry::scenarios(),
        collector::scenarios(),
    ]
    .concat()
}
