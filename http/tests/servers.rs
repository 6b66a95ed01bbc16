//! The servers as processes: start-up errors, cleanup, live rule reload.
//! One test binary (folders per concern) so the HTTP stack links once.

mod common;

#[path = "servers/concurrency.rs"]
mod concurrency;
#[path = "servers/lifecycle.rs"]
mod lifecycle;
#[path = "servers/reload.rs"]
mod reload;
#[path = "servers/startup_errors.rs"]
mod startup_errors;
