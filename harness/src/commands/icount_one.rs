//! `twinbench icount-one` (hidden): one kernel once, its input built outside
//! the counted call; what `instructions` runs under callgrind.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    pub kernel: String,
    #[arg(long)]
    pub size: usize,
    #[arg(long)]
    pub seed: u64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    twinbench::instructions::run_one(&args.kernel, args.size, args.seed)?;
    Ok(ExitCode::SUCCESS)
}
