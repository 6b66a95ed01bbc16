//! `twinbench`: the command-line edge. Errors become `anyhow` here and only here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use twinbench::results::{Correctness, Results};
use twinbench::run::{RunOptions, run};
use twinbench::{bridge, registry, report, scenario, workspace};

#[derive(Parser)]
#[command(
    name = "twinbench",
    version,
    about = "Verify a Python→Rust migration's promises: \
    both twins on the same seeded inputs, compared, timed, reported."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every pair at the scenario's sizes, read criterion's samples from
    /// the last `cargo bench`, write reports/<run>/results.json and reports/index.html.
    Report {
        /// Scenario file (default: scenarios/default.toml).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Where criterion saved its samples (default: target/criterion).
        #[arg(long)]
        criterion_dir: Option<PathBuf>,
        /// Output folder (default: reports/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Validate a scenario and start the Python bridge; print what would run.
    Check {
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// List the registered kernel pairs.
    List,
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("twinbench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::List => {
            for pair in registry::PAIRS {
                println!(
                    "{:<16} {:<10} sizes {:?}  claims {}\n    {}",
                    pair.name,
                    format!("{:?}", pair.domain).to_lowercase(),
                    pair.sizes,
                    pair.claims.join(","),
                    pair.summary
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { scenario } => {
            let scenario = scenario::load(&scenario.unwrap_or_else(workspace::default_scenario))?;
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
        Command::Report {
            scenario,
            criterion_dir,
            out,
        } => {
            let scenario = scenario::load(&scenario.unwrap_or_else(workspace::default_scenario))?;
            let options = RunOptions {
                criterion_dir: criterion_dir.unwrap_or_else(workspace::criterion_dir),
            };
            let results = run(&scenario, &options, |line| eprintln!("twinbench: {line}"));
            let out = out.unwrap_or_else(workspace::reports_dir);
            let written = report::write(&results, &out).context("writing the report")?;
            print_summary(&results);
            println!("results: {}", written.results_json.display());
            println!("report:  {}", written.index_html.display());
            Ok(if complete_and_correct(&results) {
                ExitCode::SUCCESS
            } else {
                eprintln!("twinbench: some checks failed or figures are missing (see the report)");
                ExitCode::from(1)
            })
        }
    }
}

fn complete_and_correct(results: &Results) -> bool {
    results.problems.is_empty()
        && results
            .pairs
            .iter()
            .flat_map(|p| &p.sizes)
            .all(|s| s.correctness.is_agree() && s.problems.is_empty() && s.speedup.is_some())
}

fn print_summary(results: &Results) {
    for problem in &results.problems {
        println!("problem: {problem}");
    }
    println!(
        "{:<16} {:>9} {:>28} {:>12}",
        "kernel", "size", "speedup [95% CI]", "correctness"
    );
    for pair in &results.pairs {
        for size in &pair.sizes {
            let speedup = size
                .speedup
                .map(|e| format!("{:.1}x [{:.1}, {:.1}]", e.point, e.low, e.high))
                .unwrap_or_else(|| "missing".into());
            let status = match &size.correctness {
                Correctness::Agree { .. } => "agree".to_string(),
                Correctness::Disagree { mismatch } => format!("DISAGREE: {mismatch}"),
                Correctness::Failed { side, error } => {
                    format!("{side} FAILED: {}", error.lines().next().unwrap_or(""))
                }
                Correctness::BothFailed { .. } => "BOTH FAILED".into(),
            };
            println!(
                "{:<16} {:>9} {:>28} {:>12}",
                pair.kernel, size.size, speedup, status
            );
            for p in &size.problems {
                println!("    problem: {p}");
            }
        }
    }
}
