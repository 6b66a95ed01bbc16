//! `twinbench report`: check every pair at the scenario's sizes, read
//! criterion's samples from the last `cargo bench`, write
//! `reports/<run>/results.json` and `reports/index.html`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::measure::memory::AllocationMeter;
use twinbench::results::BudgetLevel;
use twinbench::run::{ChecksOptions, PinSetRunner, Progress, RunOptions, run, step_count};
use twinbench::scenario::{self, Shard};
use twinbench::{report, workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (default: scenarios/default.toml).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Where criterion saved its samples (default: target/criterion).
    #[arg(long)]
    pub criterion_dir: Option<PathBuf>,
    /// Output folder (default: reports/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Budget of the concurrency checks.
    #[arg(long, value_enum, default_value_t = BudgetLevel::Ci)]
    pub check_budget: BudgetLevel,
    /// Run only the model-check cases whose id or component contains this.
    #[arg(long)]
    pub checks: Option<String>,
    /// Leave the concurrency checks out of this run (the report then says so).
    #[arg(long, conflicts_with = "checks")]
    pub skip_checks: bool,
    /// Run only shard i of n (every n-th kernel and check); combine the
    /// shards' results.json with `twinbench merge`.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Include the HTTP service's measurement from this file (written by
    /// twinbench-http-bench; `make report` passes it). Missing or older than
    /// the pairs bench: a problem of the run, never silently left out.
    #[arg(long)]
    pub http: Option<PathBuf>,
    /// Include the stream producer's latency record from this file (written
    /// by `cargo bench --bench stream`; `make report` passes it). Missing or
    /// older than the pairs bench: a problem of the run, and claim C16
    /// unmeasured.
    #[arg(long)]
    pub stream: Option<PathBuf>,
    /// Include a shadow-campaign record from this file (written by `python
    /// -m campaign`, one per venv: give the option once per record; `make
    /// report` passes them). Missing or malformed: a problem of the run, and
    /// claim C14 judged without it.
    #[arg(long)]
    pub shadow: Vec<PathBuf>,
}

/// Exit 0 when everything was measured and agrees, 1 otherwise.
pub fn run_command(args: Args, meter: AllocationMeter) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario.unwrap_or_else(workspace::default_scenario))?;
    let out = args.out.unwrap_or_else(workspace::reports_dir);
    // Checked before the work: a long run must not be lost at the end.
    workspace::check_writable(&out)
        .with_context(|| format!("--out {}: cannot write there", out.display()))?;
    let options = RunOptions {
        criterion_dir: args.criterion_dir.unwrap_or_else(workspace::criterion_dir),
        reports_dir: out.clone(),
        checks: (!args.skip_checks).then_some(ChecksOptions {
            level: args.check_budget,
            filter: args.checks,
        }),
        memory: Some(meter),
        shard: args.shard,
        http_bench: args.http,
        stream_bench: args.stream,
        shadow_records: args.shadow,
        // This binary serves every pin set: itself, with TWINBENCH_PINS.
        pin_sets: std::env::current_exe().ok().map(|exe| PinSetRunner { exe }),
    };
    let bar = super::progress_bar(step_count(&scenario, args.shard) as u64, "sizes");
    // The PostgreSQL pairs' shared cluster (started by the first of their
    // inputs) stops when the run is over, also if it panics; nothing of
    // ours is left running (twinbench_service::pg::shared).
    let postgres = twinbench_service::pg::shared::guard();
    let results = run(&scenario, &options, |step| {
        bar.suspend(|| eprintln!("twinbench: {step}"));
        if matches!(step, Progress::CheckingSize { .. }) {
            bar.inc(1);
        }
    });
    drop(postgres);
    bar.finish_and_clear();
    let written = report::write(&results, &out).context("writing the report")?;
    super::print_summary(&results);
    println!("results: {}", written.results_json.display());
    println!("report:  {}", written.index_html.display());
    if !super::complete_and_correct(&results) {
        eprintln!("twinbench: some checks failed or figures are missing (see the report)");
    }
    Ok(super::run_exit_code(&results))
}
