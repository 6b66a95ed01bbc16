//! The machine-learning models the original's AI detection and ML analytics
//! call from scikit-learn (catalog ml_monitoring.md §1, analytics.md K6, K7),
//! written for one thread first: flat arrays, no allocation in the scoring
//! loops, and rayon only where a model's parts are independent.
//!
//! Every model here takes a dense row-major matrix ([`Matrix`]) so the
//! harness can hand the same bytes to every model without copying.

pub mod forest_regressor;
pub mod isolation_forest;
pub mod kmeans;
pub mod linear;
pub mod metrics;
pub mod ocsvm;
pub mod scale;
pub mod silhouette;
pub mod spectral;
pub mod ward;

mod matrix;
mod rng;

pub use matrix::{Matrix, MatrixError};
