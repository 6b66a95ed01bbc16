//! The model checks of a run as results.json stores them. Run by
//! `measure::model_checks`; data only here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use twinbench_checks::{Budget, CheckRecord};

/// How hard the checkers try, by name (recorded beside the results).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLevel {
    /// What `cargo test` runs: loom at preemption bound 2, 10 000 random and
    /// 10 000 PCT schedules per model-check case.
    Ci,
    /// Ten times the schedules, loom at preemption bound 3.
    Nightly,
}

impl BudgetLevel {
    pub fn budget(self, replay_dir: PathBuf) -> Budget {
        match self {
            BudgetLevel::Ci => Budget::ci(replay_dir),
            BudgetLevel::Nightly => Budget::nightly(replay_dir),
        }
    }
}

/// The budget a run used, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BudgetInfo {
    pub level: BudgetLevel,
    pub loom_preemption_bound: usize,
    pub shuttle_random_schedules: usize,
    pub shuttle_pct_schedules: usize,
    pub pct_depth: usize,
    pub seed: u64,
}

/// Every check of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConcurrencyResults {
    pub budget: BudgetInfo,
    /// Only model-check cases whose id or component contains this were run.
    pub filter: Option<String>,
    pub records: Vec<CheckRecord>,
}

impl ConcurrencyResults {
    /// Records that are not what they should be: a fixed component that
    /// failed, or a zoo entry not caught breaking its invariant.
    pub fn unexpected(&self) -> impl Iterator<Item = &CheckRecord> {
        self.records.iter().filter(|r| !r.as_expected())
    }
}
