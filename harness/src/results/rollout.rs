//! The gradual rollout simulated on a run's own measurements (claim C13), as
//! results.json stores it. Computed by `verdicts::rollout`; data only here.

use serde::{Deserialize, Serialize};

use crate::pairs::Domain;

/// One migrated component's rollout under seed 000's rule, replayed from
/// the run's timings and its measured (plus an injected) error rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SimulatedRollout {
    pub domain: Domain,
    /// Probability that a twin call fails, from the run's differential
    /// checks: per kernel, the share of its checked sizes that disagreed or
    /// failed, averaged over the kernels the calls cycle through.
    pub measured_error_rate: f64,
    /// Failure probability added to every twin call, to show the rollback.
    pub injected_error_rate: f64,
    /// Calls of the component per evaluation period, spread evenly over its
    /// kernels.
    pub calls_per_period: u64,
    /// Kernels whose timings the calls draw from (largest timed size).
    pub kernels: Vec<String>,
    pub periods: Vec<SimulatedPeriod>,
    pub outcome: RolloutOutcome,
}

/// What one period of the simulation saw and decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SimulatedPeriod {
    pub period: u64,
    /// The twin's share of calls when the period opened.
    pub percent: u8,
    pub twin_calls: u64,
    pub twin_errors: u64,
    pub original_calls: u64,
    /// Mean original time ÷ mean twin time over the period's calls.
    pub performance: Option<f64>,
    /// The controller's decision, in words (`promoted 5 → 15`, `held: …`,
    /// `rolled back: …`).
    pub decision: String,
}

/// Where a simulated rollout ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RolloutOutcome {
    /// The twin serves every call from this period on.
    ReachedFull { period: u64 },
    /// Rolled back to 0% in this period.
    RolledBack { period: u64 },
    /// Neither within the simulated periods: still at `percent`.
    Incomplete { percent: u8 },
}
