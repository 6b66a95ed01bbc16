//! The service's alerting kernels (catalog ml_monitoring.md §3, §4, §6, §8,
//! §9). Today: the dashboard's alert correlator ([`correlator`], §8).

pub mod alert;
pub mod correlator;

pub use alert::Alert;
