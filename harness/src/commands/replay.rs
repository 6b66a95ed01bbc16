//! `twinbench replay`: a failing schedule saved by a check, run again.
//! Exit 0 when it reproduces one of the case's own violations, 1 when the
//! schedule passes, 2 when it cannot stand for a run of this case (saved by
//! another case or checker, not a schedule, failing outside the case's
//! invariants): "cannot replay", never "reproduced".

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench_checks::{Checker, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model-check case id, e.g. zoo.R1.1.
    pub id: String,
    /// loom, shuttle-random or shuttle-pct.
    #[arg(long)]
    pub checker: String,
    /// The schedule file the failing check saved.
    #[arg(long)]
    pub schedule: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Args {
        id,
        checker,
        schedule,
    } = args;
    let checker = Checker::parse(&checker).with_context(|| {
        format!("unknown checker {checker:?}; expected loom, shuttle-random or shuttle-pct")
    })?;
    let entry = twinbench_checks::find(&id)?;
    match twinbench_checks::runner::replay(&entry, checker, &schedule)? {
        Outcome::Passed => {
            println!("{id} under {checker}: the schedule passed (not reproduced)");
            Ok(ExitCode::from(1))
        }
        Outcome::Violated { invariant, detail } => {
            println!("{id} under {checker}: reproduced: invariant violated [{invariant}] {detail}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
