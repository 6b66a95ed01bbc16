//! `twinbench run-pairs` (hidden): some pairs of a scenario, checked,
//! measured and timed in this process, which serves the pin set
//! `TWINBENCH_PINS` names; their results printed as JSON on stdout. The
//! report runs the pairs of each pin set other than its own this way
//! (twinbench::run::PinSetRunner).

use std::path::PathBuf;
use std::process::ExitCode;

use twinbench::measure::memory::AllocationMeter;
use twinbench::run::{RunOptions, run_pairs};
use twinbench::{scenario, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    pub scenario: PathBuf,
    #[arg(long)]
    pub criterion_dir: PathBuf,
    /// Kernel names, comma-separated, in the order their results are wanted.
    #[arg(long, value_delimiter = ',')]
    pub kernels: Vec<String>,
}

/// Exit 0 whenever it printed its results (failures are inside them).
pub fn run(args: Args, meter: AllocationMeter) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario)?;
    let options = RunOptions {
        criterion_dir: args.criterion_dir,
        reports_dir: workspace::reports_dir(),
        checks: None,
        memory: Some(meter),
        shard: None,
        http_bench: None,
        stream_bench: None,
        shadow_records: Vec::new(),
        pin_sets: None,
    };
    // Stops the PostgreSQL pairs' cluster (if one started) before exit.
    let _postgres = twinbench_service::pg::shared::guard();
    let run = run_pairs(&scenario, &args.kernels, &options, |step| {
        eprintln!("twinbench run-pairs: {step}");
    });
    println!("{}", serde_json::to_string(&run)?);
    Ok(ExitCode::SUCCESS)
}
