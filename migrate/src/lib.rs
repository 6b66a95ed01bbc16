//! The migration runtime: what the Python service needs at run time to move
//! a component to its twin the way seed 000 describes — the gradual-rollout
//! controller shared by every worker process, the feature flags that force
//! a component on or off, and the migration's Prometheus metrics.
//!
//! - [`flags`]: seed 000's environment and Redis flags, and the precedence
//!   (environment > Redis flag > controller).
//! - [`controller`]: one component's rollout, in process by default, in
//!   Redis when configured.
//! - [`redis_rollout`]: the Redis-backed state, updated atomically across
//!   processes by optimistic transactions around the kernel's controller.
//! - [`records`]: the stored decisions and periods, as versioned data.
//! - [`redis_server`]: a throwaway `redis-server` for tests.
//! - [`metrics`]: seed 000's five metrics; [`instrumented`]: a component
//!   whose every call reports to its controller and the metrics;
//!   [`endpoint`]: `GET /metrics` on 127.0.0.1.
//!
//! Features `endpoint` and `redis` (both default) bring the HTTP stack and
//! the Redis client: the benchmarks time the per-call instrumentation
//! without either.

#[cfg(feature = "redis")]
pub mod controller;
#[cfg(feature = "endpoint")]
pub mod endpoint;
pub mod flags;
pub mod instrumented;
pub mod metrics;
#[cfg(feature = "redis")]
pub mod records;
#[cfg(feature = "redis")]
pub mod redis_rollout;
#[cfg(feature = "redis")]
pub mod redis_server;
