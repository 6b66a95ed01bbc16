//! `twinbench pool`: the timing samples of several runs of the same code
//! pooled into one gate baseline (`twinbench::run::pool_runs` says why).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::workspace::write_atomic;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runs' results.json files.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Where to write the pooled results.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let inputs: Vec<&std::path::Path> = args.runs.iter().map(PathBuf::as_path).collect();
    if let Err(e) = twinbench::workspace::refuse_overwrite([("--out", args.out.as_path())], &inputs)
    {
        eprintln!("twinbench pool: error: {e}");
        return Ok(ExitCode::from(super::USAGE));
    }
    let pooled = twinbench::run::pool_runs(super::load_all(&args.runs)?)?;
    let json = serde_json::to_vec_pretty(&pooled)?;
    write_atomic(&args.out, &json).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "{}: samples of {} runs pooled ({})",
        args.out.display(),
        pooled.pooled_from.len(),
        pooled.pooled_from.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
