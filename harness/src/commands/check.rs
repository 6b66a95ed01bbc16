//! `twinbench check`: validate a scenario and start the Python bridge;
//! print what would run.

use std::path::PathBuf;
use std::process::ExitCode;

use twinbench::sides::python as bridge;
use twinbench::{scenario, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (default: scenarios/default.toml).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario.unwrap_or_else(workspace::default_scenario))?;
    let bridge = bridge::bridge()?;
    println!(
        "Python {} from {}",
        bridge.python_version,
        bridge.venv.display()
    );
    for pin in &bridge.packages {
        println!("  {} {}", pin.package, pin.version);
    }
    for plan in &scenario.kernels {
        println!(
            "{}: sizes {:?}, seed {}, tolerance {}",
            plan.pair.name, plan.sizes, plan.seed, plan.tolerance
        );
    }
    Ok(ExitCode::SUCCESS)
}
