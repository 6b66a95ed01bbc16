//! `twinbench merge`: the results.json of every shard of one run into one
//! results.json and report.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::{report, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shards' results.json files.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder (default: reports/).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Exit 0 when the merged run is complete and correct, 1 otherwise.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(workspace::reports_dir);
    workspace::check_writable(&out)
        .with_context(|| format!("--out {}: cannot write there", out.display()))?;
    let merged = twinbench::run::merge(super::load_all(&args.shards)?)?;
    let written = report::write(&merged, &out).context("writing the merged report")?;
    super::print_summary(&merged);
    println!("results: {}", written.results_json.display());
    println!("report:  {}", written.index_html.display());
    Ok(super::run_exit_code(&merged))
}
