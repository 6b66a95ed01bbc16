//! The service's alerting kernels (catalog ml_monitoring.md §3, §4, §6, §8,
//! §9): the dashboard's alert correlator ([`correlator`], §8), the
//! monitoring server's rule-driven correlation engine ([`rules`], §6), the
//! incident package's smart alerting ([`smart`], §4) and the dashboard's
//! threshold alert engine ([`threshold`], §9), and the LLM monitor's
//! contextual alert manager ([`contextual`], §3).

pub mod alert;
pub mod contextual;
pub mod correlator;
pub mod rules;
pub mod smart;
pub mod threshold;

pub use alert::Alert;
