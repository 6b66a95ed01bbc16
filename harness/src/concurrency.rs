//! The concurrency checks as a run stage: every scenario of
//! `twinbench-checks` under each of its checkers, recorded in results.json.
//!
//! The checks themselves (loom, shuttle, the bug zoo) live in the
//! `twinbench-checks` crate so that `cargo test` and this stage run the same
//! functions; this module only selects, schedules and summarises them.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use twinbench_checks::{Budget, CheckRecord, Checker, Entry, catalog, runner};

/// How hard the checkers try, by name (recorded beside the results).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLevel {
    /// What `cargo test` runs: loom at preemption bound 2, 10 000 random and
    /// 10 000 PCT schedules per scenario.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetInfo {
    pub level: BudgetLevel,
    pub loom_preemption_bound: usize,
    pub shuttle_random_schedules: usize,
    pub shuttle_pct_schedules: usize,
    pub pct_depth: usize,
    pub seed: u64,
}

/// Every check of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcurrencyResults {
    pub budget: BudgetInfo,
    /// Only scenarios whose id or component contains this were run.
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

/// The scenarios `filter` selects (all when `None`).
pub fn select(filter: Option<&str>) -> Vec<Entry> {
    catalog()
        .into_iter()
        .filter(|e| {
            filter.is_none_or(|f| {
                e.scenario.id.contains(f)
                    || format!("{:?}", e.scenario.component)
                        .to_lowercase()
                        .contains(&f.to_lowercase())
            })
        })
        .collect()
}

/// Runs every selected scenario under each of its checkers, on `workers`
/// threads (each check is single-threaded: loom and shuttle run a model's
/// threads as coroutines), and reports each record as it completes.
pub fn run_checks(
    level: BudgetLevel,
    replay_dir: PathBuf,
    filter: Option<&str>,
    workers: usize,
    progress: &(dyn Fn(&CheckRecord) + Sync),
) -> ConcurrencyResults {
    let budget = level.budget(replay_dir);
    let jobs: Vec<(Entry, Checker)> = select(filter)
        .into_iter()
        .flat_map(|e| e.scenario.checkers.iter().map(move |&c| (e, c)))
        .collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, CheckRecord)>> = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some((entry, checker)) = jobs.get(index) else {
                        break;
                    };
                    let record = runner::run(entry, *checker, &budget);
                    progress(&record);
                    done.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((index, record));
                }
            });
        }
    });
    let mut records = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    records.sort_by_key(|(index, _)| *index);
    ConcurrencyResults {
        budget: BudgetInfo {
            level,
            loom_preemption_bound: budget.loom_preemption_bound,
            shuttle_random_schedules: budget.shuttle_random,
            shuttle_pct_schedules: budget.shuttle_pct,
            pct_depth: budget.pct_depth,
            seed: budget.seed,
        },
        filter: filter.map(str::to_string),
        records: records.into_iter().map(|(_, r)| r).collect(),
    }
}
