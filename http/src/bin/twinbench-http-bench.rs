//! `twinbench-http-bench`: measures the task-routing service over HTTP,
//! the original (Flask under gunicorn) and the twin (`twinbench-serve`),
//! under the same loopback load, and writes the record `twinbench report
//! --http` reads (atomically: a reader never sees half a file).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow};
use clap::Parser;
use twinbench_http::bench::{BenchOptions, measure};
use twinbench_http::fixture::write_atomically;
use twinbench_http::process::twin_binary_beside_current_exe;

/// Measure both servers under bounded loopback load (127.0.0.1 only).
#[derive(Debug, Parser)]
#[command(name = "twinbench-http-bench")]
struct Args {
    /// Where to write the record (JSON).
    #[arg(long)]
    out: PathBuf,
    /// The twin's binary (default: twinbench-serve beside this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Tasks in the generated database.
    #[arg(long, default_value_t = 20_000)]
    tasks: usize,
    /// Sessions in the generated database.
    #[arg(long, default_value_t = 200)]
    sessions: usize,
    #[arg(long, default_value_t = 20_261_204)]
    seed: u64,
    /// Connection counts, one run each.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
    connections: Vec<usize>,
    /// Each run stops after this many requests...
    #[arg(long, default_value_t = 30_000)]
    requests: u64,
    /// ...or this many seconds, whichever comes first.
    #[arg(long, default_value_t = 6.0)]
    seconds: f64,
    /// Requests sent to each server before its measured runs.
    #[arg(long, default_value_t = 1_000)]
    warmup: u64,
}

fn run(args: Args) -> anyhow::Result<bool> {
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        return Err(anyhow!(
            "--seconds {}: give a positive number of seconds",
            args.seconds
        ));
    }
    if args.connections.is_empty() || args.connections.contains(&0) {
        return Err(anyhow!("--connections: give counts above 0, e.g. 1,16,64"));
    }
    let twin = match args.server {
        Some(path) => path,
        None => twin_binary_beside_current_exe().ok_or_else(|| {
            anyhow!("no twinbench-serve beside this binary: build it (cargo build -p twinbench-http --bins) or pass --server")
        })?,
    };
    let options = BenchOptions {
        twin,
        tasks: args.tasks,
        sessions: args.sessions,
        seed: args.seed,
        connections: args.connections,
        request_bound: args.requests,
        duration_bound: Duration::from_secs_f64(args.seconds),
        warmup_requests: args.warmup,
    };
    let workdir = tempfile::tempdir().context("creating a scratch folder")?;
    let bench = measure(&options, workdir.path(), |line| {
        eprintln!("twinbench-http-bench: {line}");
    });
    for problem in bench
        .problems
        .iter()
        .chain(bench.servers.iter().flat_map(|s| &s.problems))
    {
        eprintln!("twinbench-http-bench: problem: {problem}");
    }
    let json = serde_json::to_string_pretty(&bench).context("encoding the record")?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_atomically(&args.out, &json)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("twinbench-http-bench: wrote {}", args.out.display());
    let complete = bench.problems.is_empty() && bench.servers.iter().all(|s| s.problems.is_empty());
    Ok(complete)
}

/// 0 when everything was measured, 1 when something was not (the record is
/// written either way and says what), 2 on a usage or I/O error.
fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("twinbench-http-bench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
