//! `twinbench`: the command-line edge. It parses, dispatches to
//! `commands/<name>.rs`, and turns errors into exit codes; `anyhow` lives
//! here and in `commands/` only.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Report(commands::report::Args),
    /// Merge the results.json of every shard of one run into one results.json
    /// and report.
    Merge(commands::merge::Args),
    /// Run the concurrency model checks (loom, shuttle random, shuttle PCT) and
    /// the bug zoo; print one line per check. Exit 1 if any is not as expected.
    Checks(commands::checks::Args),
    /// Compare a run with a baseline run: exit 0 pass, 3 regression, 2 cannot
    /// judge (no baseline, another machine, unreadable or incomplete data), 1 usage error.
    Gate(commands::gate::Args),
    /// Pool the timing samples of several runs of the same code (same
    /// scenario, machine and commit, each complete and correct) into one gate
    /// baseline, e.g. reports/baseline.json.
    Pool(commands::pool::Args),
    /// Count the instructions of each Rust twin under valgrind's callgrind
    /// (single-threaded, fixed seeded inputs) and, given a baseline, gate on
    /// them: exit 0 pass, 3 regression, 2 cannot judge, 1 usage error.
    /// Counts do not depend on machine load.
    Instructions(commands::instructions::Args),
    /// Write a results.json in another tool's format: bmf (Bencher Metric
    /// Format) or gab (github-action-benchmark customSmallerIsBetter).
    Export(commands::export::Args),
    /// Run one kernel once, its input built outside the counted call (run
    /// under callgrind by `instructions`).
    #[command(hide = true)]
    IcountOne(commands::icount_one::Args),
    /// Run one check and print its record as JSON (used by `checks` and
    /// `report`, which run each check in its own process).
    #[command(hide = true)]
    RunCheck(commands::run_check::Args),
    /// Check, measure and time some pairs in a process serving the pin set
    /// TWINBENCH_PINS names; print their results as JSON (used by `report`
    /// for the pairs of another pin set than its own).
    #[command(hide = true)]
    RunPairs(commands::run_pairs::Args),
    /// Replay a failing schedule saved by a check (shuttle schedule or loom checkpoint).
    Replay(commands::replay::Args),
    /// Validate a scenario and start the Python bridge; print what would run.
    Check(commands::check::Args),
    /// Time the host calibration every bench run records (and print the CPU
    /// fingerprint the gate compares).
    Calibrate(commands::calibrate::Args),
    /// List the registered kernel pairs.
    List,
    /// Print the JSON Schema of results.json (or write it with --out).
    Schema(commands::schema::Args),
}

/// Counts every heap allocation, so `twinbench report` can measure the Rust
/// twins' peak memory per call (the benchmarks run in their own binaries,
/// without it).
#[global_allocator]
static ALLOCATOR: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

fn allocation_meter() -> twinbench::measure::memory::AllocationMeter {
    twinbench::measure::memory::AllocationMeter {
        current: || ALLOCATOR.current_usage(),
        peak: || ALLOCATOR.peak_usage(),
        reset_peak: || ALLOCATOR.reset_peak_usage(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(commands::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match cli.command {
        Command::Report(args) => commands::report::run_command(args, allocation_meter()),
        Command::Merge(args) => commands::merge::run(args),
        Command::Checks(args) => commands::checks::run(args),
        Command::Gate(args) => commands::gate::run(args),
        Command::Pool(args) => commands::pool::run(args),
        Command::Instructions(args) => commands::instructions::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::IcountOne(args) => commands::icount_one::run(args),
        Command::RunCheck(args) => commands::run_check::run(args),
        Command::RunPairs(args) => commands::run_pairs::run(args, allocation_meter()),
        Command::Replay(args) => commands::replay::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Calibrate(args) => commands::calibrate::run(args),
        Command::List => Ok(commands::list::run()),
        Command::Schema(args) => commands::schema::run(args),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("twinbench: error: {e:#}");
        ExitCode::from(2)
    })
}
