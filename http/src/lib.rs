//! Seed 004's task-routing service over HTTP (issue 20): the Rust twin's
//! server, the original Flask app under gunicorn started and stopped as a
//! managed process, and the load generator that measures both on loopback.
//!
//! Kept out of the harness crate on purpose: the benchmark build (fat LTO)
//! does not link an HTTP stack; `make report` runs this crate's binaries
//! and reads the JSON they write.

pub mod record;

#[cfg(feature = "runtime")]
pub mod load;
#[cfg(feature = "runtime")]
pub mod memory;
