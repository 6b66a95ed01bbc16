//! `twinbench check`: validate a scenario and start the Python bridge of
//! every pin set it needs (the other sets' in processes of their own:
//! crate::pins); print what would run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use twinbench::pins::PinSet;
use twinbench::sides::python as bridge;
use twinbench::{scenario, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (default: scenarios/default.toml).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Only start this process's bridge and print it (how `check` checks
    /// the other pin sets, each in a process of its own).
    #[arg(long, hide = true)]
    pub bridge_only: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bridge = bridge::bridge()?;
    println!(
        "Python {} from {} ({} pins)",
        bridge.python_version,
        bridge.venv.display(),
        bridge.pins
    );
    for pin in &bridge.packages {
        println!("  {} {}", pin.package, pin.version);
    }
    if args.bridge_only {
        return Ok(ExitCode::SUCCESS);
    }
    let scenario = scenario::load(&args.scenario.unwrap_or_else(workspace::default_scenario))?;
    for other in PinSet::ALL.into_iter().filter(|p| *p != bridge.pins) {
        if !scenario.kernels.iter().any(|plan| plan.pair.pins == other) {
            continue;
        }
        let exe = std::env::current_exe().context("locating this binary")?;
        let (variable, value) = other.child_env();
        let status = std::process::Command::new(&exe)
            .args(["check", "--bridge-only"])
            .env(variable, value)
            .status()
            .with_context(|| format!("starting {}", exe.display()))?;
        if !status.success() {
            bail!("the {other} pins' bridge did not start (its error is above)");
        }
    }
    for plan in &scenario.kernels {
        println!(
            "{}: sizes {:?}, seed {}, tolerance {}, {} pins",
            plan.pair.name, plan.sizes, plan.seed, plan.tolerance, plan.pair.pins
        );
    }
    Ok(ExitCode::SUCCESS)
}
