//! Rust twins of the original Python service's kernels.
//!
//! Pure Rust, no Python: the harness crate owns the bridge to the baselines.
//! Modules mirror the domains of the original service so a reader can find the
//! twin of any Python function by its domain:
//!
//! - [`graph`]: the analytics engine's graph kernels on a CSR graph.
//! - [`detect`]: the AI-detection kernels (anomaly rules over metric series).
//! - [`forecast`]: the predictive analytics' forecasting engine.
//! - [`ml`]: the scikit-learn models the AI detection calls (isolation
//!   forest, one-class SVM, k-means, ward, spectral, scalers).
//! - [`monitor`]: the performance monitor (response-time windows and
//!   percentiles, load-test statistics, leak trend, histograms, counters).
//! - [`optimizer`]: the AI performance optimizer's post-processing (expected
//!   value, severity, dedup, remediation, trends, summary).
//! - [`mt19937`]: the Mersenne Twister core of numpy's `RandomState` and
//!   CPython's `random`.
//! - [`quantile`]: numpy's linear percentile, bit for bit.
//! - [`numpy_sum`]: numpy's summation order (pairwise, buffered).
//! - [`alerting`]: the alert correlators (temporal, spatial, semantic,
//!   metric-pattern strategies and the best-strategy selection).
//! - [`text`]: CPython's `difflib.SequenceMatcher` and `str` whitespace and
//!   lower-casing, bit for bit.
//! - [`errors`]: the dashboard's error-processing path (classification,
//!   normalisation, aggregation, dispatch, the JSON error event).
//! - [`concurrent`]: the shared-state components (cache, breaker, pool, …),
//!   race-free behind one sync facade, and the bug zoo of the original's races.

pub mod alerting;
pub mod bits;
pub mod concurrent;
pub mod detect;
pub mod errors;
pub mod fast_hash;
pub mod forecast;
pub mod graph;
pub mod ml;
pub mod monitor;
pub mod mt19937;
pub mod numpy_sum;
pub mod optimizer;
pub mod quantile;
pub mod text;
