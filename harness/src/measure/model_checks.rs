//! The concurrency checks as a run stage: every model-check case of
//! `twinbench-checks` under each of its checkers, recorded in results.json.
//!
//! The checks themselves (loom, shuttle, the bug zoo) live in the
//! `twinbench-checks` crate so that `cargo test` and this stage run the same
//! functions; this module only selects, schedules and summarises them.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use twinbench_checks::{CheckRecord, Checker, Entry, catalog, runner};

use crate::results::{BudgetInfo, BudgetLevel, ConcurrencyResults};
use crate::scenario::Shard;

/// The model-check cases `filter` selects (all when `None`).
pub fn select(filter: Option<&str>) -> Vec<Entry> {
    catalog()
        .into_iter()
        .filter(|e| {
            filter.is_none_or(|f| {
                e.case.id.contains(f)
                    || format!("{:?}", e.case.component)
                        .to_lowercase()
                        .contains(&f.to_lowercase())
            })
        })
        .collect()
}

/// How each check is run.
#[derive(Debug, Clone)]
pub enum Isolation {
    /// In this process (what `cargo test` does).
    InProcess,
    /// One child process per check: `<exe> run-check ...`. loom aborts the
    /// process when it unwinds through a deadlock in some models, and a run
    /// must record that as a failure and go on, not die with it.
    Subprocess { exe: PathBuf },
}

/// Runs every selected case under each of its checkers, on `workers`
/// threads (each check is single-threaded: loom and shuttle run a model's
/// threads as coroutines), and reports each record as it completes.
pub fn run_checks(
    level: BudgetLevel,
    replay_dir: PathBuf,
    filter: Option<&str>,
    shard: Option<Shard>,
    workers: usize,
    isolation: &Isolation,
    progress: &(dyn Fn(&CheckRecord) + Sync),
) -> ConcurrencyResults {
    let budget = level.budget(replay_dir);
    let jobs: Vec<(Entry, Checker)> = select(filter)
        .into_iter()
        .flat_map(|e| e.case.checkers.iter().map(move |&c| (e, c)))
        .enumerate()
        .filter(|(position, _)| shard.is_none_or(|s| s.takes(*position)))
        .map(|(_, job)| job)
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
                    let record = match isolation {
                        Isolation::InProcess => runner::run(entry, *checker, &budget),
                        Isolation::Subprocess { exe } => {
                            run_in_child(exe, entry, *checker, level, &budget.replay_dir)
                        }
                    };
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

/// Runs one check in a child process and reads its record from stdout; a
/// child that dies (a signal, a panic outside the checker) becomes a failed
/// record naming how it died.
fn run_in_child(
    exe: &std::path::Path,
    entry: &Entry,
    checker: Checker,
    level: BudgetLevel,
    replay_dir: &std::path::Path,
) -> CheckRecord {
    let started = std::time::Instant::now();
    let level_name = match level {
        BudgetLevel::Ci => "ci",
        BudgetLevel::Nightly => "nightly",
    };
    let output = std::process::Command::new(exe)
        .args([
            "run-check",
            entry.case.id,
            "--checker",
            checker.name(),
            "--budget",
            level_name,
        ])
        .arg("--replay-dir")
        .arg(replay_dir)
        .stdin(std::process::Stdio::null())
        .output();
    let failure = |detail: String| CheckRecord {
        id: entry.case.id.to_string(),
        component: entry.case.component,
        subject: entry.case.subject.into(),
        operations: entry.case.operations.to_string(),
        checker,
        schedules: 0,
        exhaustive: false,
        outcome: twinbench_checks::Outcome::Violated {
            invariant: "no-panic".to_string(),
            detail,
        },
        replay: None,
        seconds: started.elapsed().as_secs_f64(),
    };
    match output {
        Err(e) => failure(format!(
            "cannot start the checker process {}: {e}",
            exe.display()
        )),
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| failure(format!("the checker process printed no record ({e})"))),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
            failure(format!(
                "the checker process died ({}); loom aborts like this when it unwinds through a \
                 deadlock, so replay under shuttle to see it. Last lines: {}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        }
    }
}
