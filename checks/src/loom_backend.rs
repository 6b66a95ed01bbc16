//! The kernels' concurrent components, compiled against loom's primitives.
//!
//! `backend` plays the role `kernels/src/concurrent/mod.rs` gives to std;
//! everything below it is the shipped source, included by path. The module
//! list must match `kernels/src/concurrent/mod.rs` (a test checks it).

/// loom's primitives, in the shape the `sync` facade expects.
pub mod backend {
    pub const NAME: &str = "loom";
    pub use loom::future::block_on;
    pub use loom::sync::atomic;
    pub use loom::sync::{
        Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    };
    pub use loom::thread;

    /// loom's number for the current thread (its `Debug` output is
    /// `ThreadId(n)`, n counted per execution, so replays see the same n).
    pub fn thread_index() -> usize {
        let id = format!("{:?}", loom::thread::current().id());
        id.chars()
            .filter(char::is_ascii_digit)
            .fold(0, |n, d| n * 10 + d.to_digit(10).map_or(0, |d| d as usize))
    }
}

/// CheckCase sizes for this checker family.
pub const SCALE: crate::case::Scale = crate::case::Scale::LOOM;

#[path = "../../kernels/src/concurrent/sync.rs"]
pub mod sync;

#[path = "../../kernels/src/concurrent/clock.rs"]
pub mod clock;

#[path = "../../kernels/src/concurrent/alert_pipeline.rs"]
pub mod alert_pipeline;
#[path = "../../kernels/src/concurrent/balancer.rs"]
pub mod balancer;
#[path = "../../kernels/src/concurrent/breaker.rs"]
pub mod breaker;
#[path = "../../kernels/src/concurrent/breaker_manager.rs"]
pub mod breaker_manager;
#[path = "../../kernels/src/concurrent/cache.rs"]
pub mod cache;
#[path = "../../kernels/src/concurrent/cache_manager.rs"]
pub mod cache_manager;
#[path = "../../kernels/src/concurrent/collector.rs"]
pub mod collector;
#[path = "../../kernels/src/concurrent/error_aggregator.rs"]
pub mod error_aggregator;
#[path = "../../kernels/src/concurrent/fallback.rs"]
pub mod fallback;
#[path = "../../kernels/src/concurrent/health_monitor.rs"]
pub mod health_monitor;
#[path = "../../kernels/src/concurrent/incidents.rs"]
pub mod incidents;
#[path = "../../kernels/src/concurrent/message_queue.rs"]
pub mod message_queue;
#[path = "../../kernels/src/concurrent/metrics.rs"]
pub mod metrics;
#[path = "../../kernels/src/concurrent/pool.rs"]
pub mod pool;
#[path = "../../kernels/src/concurrent/producer.rs"]
pub mod producer;
#[path = "../../kernels/src/concurrent/rate_limiter.rs"]
pub mod rate_limiter;
#[path = "../../kernels/src/concurrent/registry.rs"]
pub mod registry;
#[path = "../../kernels/src/concurrent/resource_monitor.rs"]
pub mod resource_monitor;
#[path = "../../kernels/src/concurrent/rollout.rs"]
pub mod rollout;
#[path = "../../kernels/src/concurrent/service_client.rs"]
pub mod service_client;
#[path = "../../kernels/src/concurrent/service_errors.rs"]
pub mod service_errors;
#[path = "../../kernels/src/concurrent/singleton.rs"]
pub mod singleton;

#[path = "../../kernels/src/concurrent/bug_zoo/mod.rs"]
pub mod bug_zoo;

/// The case bodies, compiled against this backend.
#[path = "models/mod.rs"]
pub mod models;
