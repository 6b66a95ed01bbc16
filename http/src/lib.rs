//! Seed 004's task-routing service over HTTP (issue 20): the Rust twin's
//! server, the original Flask app under gunicorn started and stopped as a
//! managed process, and the load generator that measures both on loopback.
//!
//! Kept out of the harness crate on purpose: the benchmark build (fat LTO)
//! does not link an HTTP stack; `make report` runs this crate's binaries
//! and reads the JSON they write.
//!
//! Dependencies point one way: `record` (plain data, always compiled)
//! stands alone; `json` and `clock` stand alone; `api` (the contract both
//! servers follow, docs/service.md "HTTP API") uses `json`; `server` uses
//! `api`, `clock` and the service crate; `client` (a minimal HTTP/1.1
//! client) stands alone; `process` (servers as child processes) uses
//! `client`, never `server`: it runs the binary; `load` (the load
//! generator) and `memory` (a server's peak memory) use `record`.
//!
//! `stream_record` (plain data, always compiled, uses `record`) is the stream
//! producer's latency measurement (claim C16): the kernels' `stream` bench
//! writes it and the report reads it, beside the HTTP records.

pub mod record;
pub mod stream_record;

#[cfg(feature = "runtime")]
pub mod api;
#[cfg(feature = "runtime")]
pub mod bench;
#[cfg(feature = "runtime")]
pub mod client;
#[cfg(feature = "runtime")]
pub mod clock;
#[cfg(feature = "runtime")]
pub mod fixture;
#[cfg(feature = "runtime")]
pub mod json;
#[cfg(feature = "runtime")]
pub mod load;
#[cfg(feature = "runtime")]
pub mod memory;
#[cfg(feature = "runtime")]
pub mod process;
#[cfg(feature = "runtime")]
pub mod server;
