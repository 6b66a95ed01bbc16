//! `twinbench export`: a results.json in a format another tool reads —
//! `bmf` (Bencher Metric Format, `bencher run --adapter json`) or `gab`
//! (github-action-benchmark `customSmallerIsBetter`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::export::{self, Exported};
use twinbench::workspace::write_atomic;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatName {
    /// Bencher Metric Format.
    Bmf,
    /// github-action-benchmark, customSmallerIsBetter.
    Gab,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The results.json to export.
    pub results: PathBuf,
    #[arg(long, value_enum)]
    pub format: FormatName,
    /// Instruction counts to include (e.g. reports/instructions.json).
    #[arg(long)]
    pub instructions: Option<PathBuf>,
    /// Where to write it (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let results = twinbench::results::load(&args.results)?;
    let instructions = args
        .instructions
        .as_deref()
        .map(twinbench::instructions::load)
        .transpose()?;
    let name = match args.format {
        FormatName::Bmf => "bmf",
        FormatName::Gab => "gab",
    };
    let format = export::formats()
        .into_iter()
        .find(|f| f.name() == name)
        .with_context(|| format!("no export format {name}"))?;
    let input = Exported {
        results: &results,
        instructions: instructions.as_ref(),
    };
    let text = format.render(&input)? + "\n";
    match &args.out {
        Some(path) => write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
