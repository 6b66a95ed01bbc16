//! `twinbench checks`: the concurrency model checks (loom, shuttle random,
//! shuttle PCT) and the bug zoo, one line each. Exit 1 if any is not as
//! expected (or none ran).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::measure::model_checks::{self, Isolation};
use twinbench::results::BudgetLevel;
use twinbench::workspace;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// List the model-check cases instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Only cases whose id or component contains this.
    pub filter: Option<String>,
    #[arg(long, value_enum, default_value_t = BudgetLevel::Ci)]
    pub budget: BudgetLevel,
    /// Where replay files of failing checks go (default: reports/replays).
    #[arg(long)]
    pub replay_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let filter = args.filter.as_deref();
    if args.list {
        list(filter);
        return Ok(ExitCode::SUCCESS);
    }
    let replay_dir = args
        .replay_dir
        .unwrap_or_else(|| workspace::reports_dir().join("replays"));
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let isolation = Isolation::Subprocess {
        exe: std::env::current_exe().context("locating the twinbench binary")?,
    };
    let jobs: usize = model_checks::select(filter)
        .iter()
        .map(|e| e.case.checkers.len())
        .sum();
    // A bar on a terminal (each line printed above it); plain lines in logs.
    let bar = super::progress_bar(jobs as u64, "checks");
    let results = model_checks::run_checks(
        args.budget,
        replay_dir,
        filter,
        None,
        workers,
        &isolation,
        &|record| {
            let mark = if record.as_expected() {
                "ok"
            } else {
                "UNEXPECTED"
            };
            bar.suspend(|| println!("{mark:>10}  {}", record.describe()));
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    let unexpected = results.unexpected().count();
    println!(
        "{} checks, {} as expected, {unexpected} not",
        results.records.len(),
        results.records.len() - unexpected
    );
    Ok(if unexpected == 0 && !results.records.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn list(filter: Option<&str>) {
    for entry in model_checks::select(filter) {
        let s = entry.case;
        let subject = match s.subject {
            twinbench_checks::Subject::Fixed => "fixed".to_string(),
            twinbench_checks::Subject::Zoo(z) => {
                format!("zoo {} breaks {}", z.catalog_id, z.breaks)
            }
        };
        println!(
            "{:<40} {:<34} {subject}\n    {}",
            s.id,
            s.component.title(),
            s.operations
        );
    }
}
