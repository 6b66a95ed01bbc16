//! `twinbench run-check` (hidden): one model check, its record printed as
//! JSON; `checks` and `report` run each check in its own process this way.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::results::BudgetLevel;
use twinbench_checks::Checker;

#[derive(Debug, clap::Args)]
pub struct Args {
    pub id: String,
    #[arg(long)]
    pub checker: String,
    #[arg(long, value_enum)]
    pub budget: BudgetLevel,
    #[arg(long)]
    pub replay_dir: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let checker = Checker::parse(&args.checker)
        .with_context(|| format!("unknown checker {:?}", args.checker))?;
    let entry = twinbench_checks::find(&args.id)?;
    let record =
        twinbench_checks::runner::run(&entry, checker, &args.budget.budget(args.replay_dir));
    println!("{}", serde_json::to_string(&record)?);
    Ok(ExitCode::SUCCESS)
}
