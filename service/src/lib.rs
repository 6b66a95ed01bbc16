//! The Rust twin of seed 004's task-routing service (a Flask app,
//! `workers/assigner_worker.py`, `db.py`; not public, reconstructed from
//! the seed as `docs/service.md` describes).
//!
//! Dependencies point one way: `config` and `model` know nothing of a
//! database; the database backends run the query templates `config`
//! loads and return `model` rows; the kernels combine them.

pub mod config;
pub mod generate;
pub mod kernels;
pub mod model;
pub mod pg;
pub mod schema;
pub mod sqlite;
pub mod workspace;
pub use rusqlite;
