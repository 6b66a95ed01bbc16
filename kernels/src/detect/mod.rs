//! AI-detection kernels (catalog `ml_monitoring.md`, anomaly_detector.py).

mod node_creation;
mod spike;
pub mod two_sigma;

pub use node_creation::{NodeCreationAnomaly, TimestampError, Timestamps, node_creation_anomalies};
pub use spike::{Severity, Spike, SpikeParams, detect_spikes, detect_spikes_parallel};
