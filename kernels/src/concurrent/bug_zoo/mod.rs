//! The bug zoo: faithful Rust ports of the racy logic in the original service.
//!
//! Each type here reproduces one race or defect of
//! `../shared/catalog/concurrency.md` (or the seed 003 sketches) *as written*,
//! using the same [`super::sync`] facade as the fixed components, so the model
//! checks can run both. Every entry names its catalog id in its doc comment; the
//! checks in `twinbench-checks` assert that the checker finds exactly the
//! invariant the bug breaks, next to the fixed component that passes.
//!
//! Nothing here is for use; it exists to prove the checkers can fail.

pub mod alert_pipeline;
pub mod asyncio;
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
