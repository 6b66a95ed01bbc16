//! The migration runtime: what a service switching components from the
//! original to the twin runs beside them (seed 000, "Monitoring and
//! Metrics"): the rollout controller's Prometheus metrics ([`metrics`]),
//! a component instrumented with both ([`instrumented`]) and the
//! `/metrics` endpoint that serves them ([`endpoint`], feature `endpoint`,
//! on by default: the benchmarks link the metrics without an HTTP stack).
//!
//! The controller itself is `twinbench_kernels::concurrent::rollout`
//! (model-checked with the other concurrent components); this crate only
//! observes it.

#[cfg(feature = "endpoint")]
pub mod endpoint;
pub mod instrumented;
pub mod metrics;
