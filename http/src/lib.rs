//! Seed 004's task-routing service over HTTP (issue 20): the Rust twin's
//! server, the original Flask app under gunicorn started and stopped as a
//! managed process, and the load generator that measures both on loopback.
//!
//! Kept out of the harness crate on purpose: the benchmark build (fat LTO)
//! does not link an HTTP stack; `make report` runs this crate's binaries
//! and reads the JSON they write.
//!
//! Dependencies point one way: `json` and `clock` stand alone; `api` (the
//! contract both servers follow, docs/service.md "HTTP API") uses `json`;
//! `server` uses `api`, `clock` and the service crate; `client` (a minimal
//! HTTP/1.1 client) stands alone; `process` (servers as child processes)
//! uses `client`, never `server`: it runs the binary.

pub mod api;
pub mod client;
pub mod clock;
pub mod json;
pub mod process;
pub mod server;
