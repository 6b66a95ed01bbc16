//! The migration runtime: what the Python service needs at run time to move
//! a component to its twin the way seed 000 describes — the gradual-rollout
//! controller shared by every worker process, and the feature flags that
//! force a component on or off.
//!
//! - [`flags`]: seed 000's environment and Redis flags, and the precedence
//!   (environment > Redis flag > controller).
//! - [`controller`]: one component's rollout, in process by default, in
//!   Redis when configured.
//! - [`redis_rollout`]: the Redis-backed state, updated atomically across
//!   processes by optimistic transactions around the kernel's controller.
//! - [`records`]: the stored decisions and periods, as versioned data.
//! - [`redis_server`]: a throwaway `redis-server` for tests.

pub mod controller;
pub mod flags;
pub mod records;
pub mod redis_rollout;
pub mod redis_server;
