//! AI-detection kernels (catalog `ml_monitoring.md`, anomaly_detector.py).

mod spike;

pub use spike::{Severity, Spike, SpikeParams, detect_spikes, detect_spikes_parallel};
