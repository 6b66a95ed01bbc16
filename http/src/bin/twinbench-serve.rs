//! `twinbench-serve`: the Rust twin of seed 004's task service over HTTP.
//! Parses, prepares, binds, prints `listening on http://ADDR` on stderr (the
//! line `twinbench_http::process` waits for), serves. Exit code 2 on a
//! start-up error, with the error's fix on stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use clap::Parser;
use twinbench_http::clock::Clock;
use twinbench_http::server::{self, RELOAD_INTERVAL, ServerOptions};

/// Serve the task-routing API (docs/service.md, "HTTP API") on loopback.
#[derive(Debug, Parser)]
#[command(name = "twinbench-serve")]
struct Args {
    /// The SQLite database to serve (must exist).
    #[arg(long)]
    db: PathBuf,
    /// The rule folder (holding base/, environments/, local/).
    #[arg(long)]
    config: PathBuf,
    /// The override environment (default: $TWINBENCH_SERVICE_ENV).
    #[arg(long)]
    env: Option<String>,
    /// Where to listen: a loopback address; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
}

fn run(args: Args) -> anyhow::Result<()> {
    let clock = Clock::from_env()?;
    let prepared = server::prepare(ServerOptions {
        db: args.db,
        config_dir: args.config,
        env: args.env,
        clock,
        reload_interval: RELOAD_INTERVAL,
    })?;
    let listener = server::bind(args.bind)?;
    let addr = listener
        .local_addr()
        .map_err(|e| anyhow!("cannot read the address it listens on: {e}"))?;
    eprintln!("twinbench-serve: listening on http://{addr}");
    server::serve(listener, prepared)?;
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Every error's message already quotes its cause (and its fix).
            eprintln!("twinbench-serve: error: {err}");
            ExitCode::from(2)
        }
    }
}
