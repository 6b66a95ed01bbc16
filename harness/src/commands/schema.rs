//! `twinbench schema`: the JSON Schema of results.json, printed or written.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::workspace::write_atomic;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write it here instead of printing it.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = serde_json::to_string_pretty(&twinbench::results::json_schema())? + "\n";
    match args.out {
        Some(path) => write_atomic(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
