//! AI-detection kernels (catalog `ml_monitoring.md`, anomaly_detector.py).

pub mod ensemble;
mod memory_growth;
mod node_creation;
mod search_flood;
mod spike;
pub mod two_sigma;

pub use memory_growth::{GrowthSeverity, MemoryGrowth, growth_rates, memory_growth_anomalies};
pub use node_creation::{NodeCreationAnomaly, TimestampError, Timestamps, node_creation_anomalies};
pub use search_flood::{SearchFlood, rates as search_rates, search_floods};
pub use spike::{Severity, Spike, SpikeParams, detect_spikes, detect_spikes_parallel};
