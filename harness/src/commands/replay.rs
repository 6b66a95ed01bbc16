//! `twinbench replay`: a failing schedule saved by a check, run again.
//! Exit 0 when it reproduces one of the case's own violations, 1 when the
//! schedule passes, 2 when it cannot stand for a run of this case (saved by
//! another case or checker, not a schedule, failing outside the case's
//! invariants, or crashing the checker): "cannot replay", never
//! "reproduced".
//!
//! The schedule runs in a child process (this binary again, with the hidden
//! `--in-process`): loom aborts the whole process on some schedules that do
//! not belong to the model it is given, and an abort must end as "cannot
//! replay", not take the command down with no answer.

use std::path::PathBuf;
use std::process::{Command, ExitCode, ExitStatus};

use anyhow::Context;
use twinbench_checks::{Checker, Outcome};

/// Exit code of "cannot replay".
const CANNOT_REPLAY: u8 = 2;

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
    /// Run the schedule in this process (what the child does).
    #[arg(long, hide = true)]
    pub in_process: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.in_process {
        return in_process(args);
    }
    let exe = std::env::current_exe().context("cannot find this twinbench binary to rerun")?;
    let status = Command::new(exe)
        .arg("replay")
        .arg(&args.id)
        .arg("--checker")
        .arg(&args.checker)
        .arg("--schedule")
        .arg(&args.schedule)
        .arg("--in-process")
        .status()
        .context("cannot start the replay's child process")?;
    Ok(match status.code().and_then(|c| u8::try_from(c).ok()) {
        Some(code @ 0..=2) => ExitCode::from(code),
        _ => {
            println!(
                "cannot replay {}: the checker died on this schedule ({}): it is not a \
                 schedule this case can run",
                args.schedule.display(),
                describe(status)
            );
            ExitCode::from(CANNOT_REPLAY)
        }
    })
}

fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    status.to_string()
}

fn in_process(args: Args) -> anyhow::Result<ExitCode> {
    let Args {
        id,
        checker,
        schedule,
        ..
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
