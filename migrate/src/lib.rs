//! The migration runtime: what a service switching components from the
//! original to the twin runs beside them (seed 000, "Monitoring and
//! Metrics"): the rollout controller's Prometheus metrics ([`metrics`])
//! and the `/metrics` endpoint that serves them ([`endpoint`]).
//!
//! The controller itself is `twinbench_kernels::concurrent::rollout`
//! (model-checked with the other concurrent components); this crate only
//! observes it.

pub mod endpoint;
pub mod metrics;
