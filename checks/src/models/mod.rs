//! CheckCase bodies, one file per component; each file's `cases()` lists
//! its fixed-component checks first, then its bug-zoo entries.
//!
//! Compiled once per backend (see `loom_backend.rs`), so `super::super` is the
//! backend module: `super::super::balancer` is the balancer built on loom's or
//! shuttle's primitives, `super::super::SCALE` the case size to use.

use crate::case::CheckCase;

pub mod alert_pipeline;
pub mod balancer;
pub mod breaker;
pub mod breaker_manager;
pub mod cache;
pub mod collector;
pub mod error_aggregator;
pub mod fallback;
pub mod health_monitor;
pub mod incidents;
pub mod message_queue;
pub mod metrics;
pub mod pool;
pub mod producer;
pub mod rate_limiter;
pub mod registry;
pub mod resource_monitor;
pub mod rollout;
pub mod service_client;
pub mod service_errors;
pub mod singleton;

/// Every case, grouped by component.
pub fn cases() -> Vec<CheckCase> {
    [
        cache::cases(),
        breaker::cases(),
        breaker_manager::cases(),
        fallback::cases(),
        rate_limiter::cases(),
        pool::cases(),
        metrics::cases(),
        resource_monitor::cases(),
        singleton::cases(),
        incidents::cases(),
        producer::cases(),
        message_queue::cases(),
        balancer::cases(),
        registry::cases(),
        service_client::cases(),
        collector::cases(),
        health_monitor::cases(),
        alert_pipeline::cases(),
        error_aggregator::cases(),
        service_errors::cases(),
        rollout::cases(),
    ]
    .concat()
}
