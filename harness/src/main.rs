//! `twinbench`: the command-line edge. Errors become `anyhow` here and only here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use twinbench::concurrency::{self, BudgetLevel};
use twinbench::results::write_atomic;
use twinbench::results::{Correctness, Results};
use twinbench::run::{ChecksOptions, RunOptions, run};
use twinbench::shard::Shard;
use twinbench::{bridge, gate, instructions, registry, report, scenario, workspace};
use twinbench_checks::{Checker, Outcome};

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
        /// Budget of the concurrency checks.
        #[arg(long, value_enum, default_value_t = BudgetLevel::Ci)]
        check_budget: BudgetLevel,
        /// Run only the concurrency scenarios whose id or component contains this.
        #[arg(long)]
        checks: Option<String>,
        /// Leave the concurrency checks out of this run (the report then says so).
        #[arg(long, conflicts_with = "checks")]
        skip_checks: bool,
        /// Run only shard i of n (every n-th kernel and check); combine the
        /// shards' results.json with `twinbench merge`.
        #[arg(long)]
        shard: Option<Shard>,
    },
    /// Merge the results.json of every shard of one run into one results.json
    /// and report.
    Merge {
        /// The shards' results.json files.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output folder (default: reports/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run the concurrency model checks (loom, shuttle random, shuttle PCT) and
    /// the bug zoo; print one line per check. Exit 1 if any is not as expected.
    Checks {
        /// List the scenarios instead of running them.
        #[arg(long)]
        list: bool,
        /// Only scenarios whose id or component contains this.
        filter: Option<String>,
        #[arg(long, value_enum, default_value_t = BudgetLevel::Ci)]
        budget: BudgetLevel,
        /// Where replay files of failing checks go (default: reports/replays).
        #[arg(long)]
        replay_dir: Option<PathBuf>,
    },
    /// Compare a run with a baseline run: exit 0 pass, 3 regression, 2 cannot
    /// judge (no baseline, another machine, unreadable or incomplete data), 1 usage error.
    Gate {
        /// The baseline results.json (e.g. reports/baseline.json).
        #[arg(long)]
        baseline: PathBuf,
        /// The results.json to judge.
        #[arg(long)]
        current: PathBuf,
        /// Slowdown threshold as a fraction (kernels may set their own in the scenario).
        #[arg(long, default_value_t = gate::DEFAULT_THRESHOLD)]
        threshold: f64,
        /// Compare timings even when the machines differ.
        #[arg(long)]
        allow_other_machine: bool,
        /// Judge parallel timings: auto = on machines with at least 4 logical CPUs
        /// (below that they are shown, not judged; see gate.rs).
        #[arg(long, value_enum, default_value_t = gate::ParallelPolicy::Auto)]
        gate_parallel: gate::ParallelPolicy,
        /// Markdown summary (default: <current's folder>/gate.md; also appended to
        /// $GITHUB_STEP_SUMMARY when that is set).
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// JUnit XML, one test case per check (default: <current's folder>/gate.junit.xml).
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Write the timing checks judged a slowdown here, one `kernel/size/side`
        /// per line (empty when none): what a confirming rerun must time again
        /// (`TWINBENCH_ONLY` for the pairs bench).
        #[arg(long)]
        rerun_list: Option<PathBuf>,
        /// criterion folder of a confirming rerun (`CRITERION_HOME` of the
        /// rerun): a slowdown stays a regression only if the rerun's samples
        /// show it too.
        #[arg(long)]
        confirm: Option<PathBuf>,
    },
    /// Pool the timing samples of several runs of the same code (same
    /// scenario, machine and commit, each complete and correct) into one gate
    /// baseline, e.g. reports/baseline.json.
    Pool {
        /// The runs' results.json files.
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Where to write the pooled results.
        #[arg(long)]
        out: PathBuf,
    },
    /// Count the instructions of each Rust twin under valgrind's callgrind
    /// (single-threaded, fixed seeded inputs) and, given a baseline, gate on
    /// them: exit 0 pass, 3 regression, 2 cannot judge, 1 usage error.
    /// Counts do not depend on machine load.
    Instructions {
        /// Kernels, sizes and seeds (default: scenarios/instructions.toml).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Where to write the counts (default: reports/instructions.json).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Counts to compare with (e.g. reports/instructions-baseline.json).
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Allowed change as a fraction (0.02 = 2% more instructions).
        #[arg(long, default_value_t = instructions::DEFAULT_LIMIT)]
        limit: f64,
        /// Compare counts from another rustc, build profile or C library anyway.
        #[arg(long)]
        allow_other_toolchain: bool,
        /// Callgrind processes at once (default: the logical CPUs); counts do not depend on it.
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Run one kernel once, its input built outside the counted call (run
    /// under callgrind by `instructions`).
    #[command(hide = true)]
    IcountOne {
        kernel: String,
        #[arg(long)]
        size: usize,
        #[arg(long)]
        seed: u64,
    },
    /// Run one check and print its record as JSON (used by `checks` and
    /// `report`, which run each check in its own process).
    #[command(hide = true)]
    RunCheck {
        id: String,
        #[arg(long)]
        checker: String,
        #[arg(long, value_enum)]
        budget: BudgetLevel,
        #[arg(long)]
        replay_dir: PathBuf,
    },
    /// Replay a failing schedule saved by a check (shuttle schedule or loom checkpoint).
    Replay {
        /// Scenario id, e.g. zoo.R1.1.
        id: String,
        /// loom, shuttle-random or shuttle-pct.
        #[arg(long)]
        checker: String,
        /// The schedule file the failing check saved.
        #[arg(long)]
        schedule: PathBuf,
    },
    /// Validate a scenario and start the Python bridge; print what would run.
    Check {
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// List the registered kernel pairs.
    List,
    /// Print the JSON Schema of results.json (or write it with --out).
    Schema {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Counts every heap allocation, so `twinbench report` can measure the Rust
/// twins' peak memory per call (the benchmarks run in their own binaries,
/// without it).
#[global_allocator]
static ALLOCATOR: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

fn allocation_meter() -> twinbench::memory::AllocationMeter {
    twinbench::memory::AllocationMeter {
        current: || ALLOCATOR.current_usage(),
        peak: || ALLOCATOR.peak_usage(),
        reset_peak: || ALLOCATOR.reset_peak_usage(),
    }
}

fn main() -> ExitCode {
    // Usage errors exit 1 (the gate reserves 2 for "cannot judge").
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("twinbench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Merge { shards, out } => {
            let mut loaded = Vec::new();
            for path in &shards {
                loaded.push(gate::load(path)?);
            }
            let merged = twinbench::shard::merge(loaded)?;
            let written = report::write(&merged, &out.unwrap_or_else(workspace::reports_dir))
                .context("writing the merged report")?;
            print_summary(&merged);
            println!("results: {}", written.results_json.display());
            println!("report:  {}", written.index_html.display());
            Ok(if complete_and_correct(&merged) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Schema { out } => {
            let text = serde_json::to_string_pretty(&twinbench::results::json_schema())? + "\n";
            match out {
                Some(path) => write_atomic(&path, text.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
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
        Command::Gate {
            baseline,
            current,
            threshold,
            allow_other_machine,
            gate_parallel,
            markdown,
            junit,
            rerun_list,
            confirm,
        } => run_gate(GateArgs {
            baseline,
            current,
            options: gate::GateOptions {
                threshold,
                allow_other_machine,
                parallel: gate_parallel,
            },
            markdown,
            junit,
            rerun_list,
            confirm,
        }),
        Command::Pool { runs, out } => {
            let mut loaded = Vec::new();
            for path in &runs {
                loaded.push(gate::load(path)?);
            }
            let pooled = twinbench::pool::pool(loaded)?;
            let json = serde_json::to_vec_pretty(&pooled)?;
            write_atomic(&out, &json).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{}: samples of {} runs pooled ({})",
                out.display(),
                pooled.pooled_from.len(),
                pooled.pooled_from.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Instructions {
            scenario,
            out,
            baseline,
            limit,
            allow_other_toolchain,
            jobs,
        } => run_instructions(InstructionsArgs {
            scenario,
            out,
            baseline,
            options: instructions::CompareOptions {
                limit,
                allow_other_toolchain,
            },
            jobs,
        }),
        Command::IcountOne { kernel, size, seed } => {
            instructions::run_one(&kernel, size, seed)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Checks {
            list,
            filter,
            budget,
            replay_dir,
        } => run_checks_command(list, filter.as_deref(), budget, replay_dir),
        Command::RunCheck {
            id,
            checker,
            budget,
            replay_dir,
        } => {
            let checker =
                Checker::parse(&checker).with_context(|| format!("unknown checker {checker:?}"))?;
            let entry = twinbench_checks::find(&id)?;
            let record = twinbench_checks::runner::run(&entry, checker, &budget.budget(replay_dir));
            println!("{}", serde_json::to_string(&record)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay {
            id,
            checker,
            schedule,
        } => {
            let checker = Checker::parse(&checker).with_context(|| {
                format!("unknown checker {checker:?}; expected loom, shuttle-random or shuttle-pct")
            })?;
            let entry = twinbench_checks::find(&id)?;
            let outcome = twinbench_checks::runner::replay(&entry, checker, &schedule)?;
            match outcome {
                Outcome::Passed => {
                    println!("{id} under {checker}: the schedule passed (not reproduced)");
                    Ok(ExitCode::from(1))
                }
                Outcome::Violated { invariant, detail } => {
                    println!(
                        "{id} under {checker}: reproduced: invariant violated [{invariant}] {detail}"
                    );
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Report {
            scenario,
            criterion_dir,
            out,
            check_budget,
            checks,
            skip_checks,
            shard,
        } => {
            let scenario = scenario::load(&scenario.unwrap_or_else(workspace::default_scenario))?;
            let out = out.unwrap_or_else(workspace::reports_dir);
            let options = RunOptions {
                criterion_dir: criterion_dir.unwrap_or_else(workspace::criterion_dir),
                reports_dir: out.clone(),
                checks: (!skip_checks).then_some(ChecksOptions {
                    level: check_budget,
                    filter: checks,
                }),
                memory: Some(allocation_meter()),
                shard,
            };
            let steps = scenario
                .kernels
                .iter()
                .map(|k| k.sizes.len())
                .sum::<usize>() as u64;
            let bar = progress_bar(steps, "sizes");
            let results = run(&scenario, &options, |line| {
                bar.suspend(|| eprintln!("twinbench: {line}"));
                if line.contains(": checking size ") {
                    bar.inc(1);
                }
            });
            bar.finish_and_clear();
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

struct GateArgs {
    baseline: PathBuf,
    current: PathBuf,
    options: gate::GateOptions,
    markdown: Option<PathBuf>,
    junit: Option<PathBuf>,
    rerun_list: Option<PathBuf>,
    confirm: Option<PathBuf>,
}

/// `twinbench gate`. Unreadable inputs are "cannot judge" (2), not errors.
fn run_gate(args: GateArgs) -> anyhow::Result<ExitCode> {
    if !(args.options.threshold.is_finite() && args.options.threshold > 0.0) {
        eprintln!(
            "twinbench: error: --threshold must be a fraction > 0 (0.1 = 10% slower), got {}",
            args.options.threshold
        );
        return Ok(ExitCode::from(1));
    }
    let (baseline, current) = match (gate::load(&args.baseline), gate::load(&args.current)) {
        (Ok(b), Ok(c)) => (b, c),
        (b, c) => {
            for e in [b.err(), c.err()].into_iter().flatten() {
                eprintln!("twinbench gate: cannot judge: {e}");
            }
            return Ok(ExitCode::from(gate::Verdict::CannotJudge.exit_code()));
        }
    };
    let mut report = gate::judge(&baseline, &current, &args.options);
    if let Some(dir) = &args.confirm {
        let targets = gate::rerun_targets(&report);
        if !targets.is_empty() {
            let (samples, problems) = gate::read_rerun(dir, &targets);
            for problem in problems {
                eprintln!("twinbench gate: rerun: {problem}");
            }
            gate::confirm(&mut report, &baseline, &samples);
        }
    }
    if let Some(list) = &args.rerun_list {
        let mut text = gate::rerun_targets(&report).join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        write_atomic(list, text.as_bytes())
            .with_context(|| format!("writing {}", list.display()))?;
    }
    let folder = args
        .current
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let markdown = gate::markdown(&report);
    let md_path = args.markdown.unwrap_or_else(|| folder.join("gate.md"));
    let junit_path = args.junit.unwrap_or_else(|| folder.join("gate.junit.xml"));
    write_atomic(&md_path, markdown.as_bytes())
        .with_context(|| format!("writing {}", md_path.display()))?;
    write_atomic(&junit_path, gate::junit(&report).as_bytes())
        .with_context(|| format!("writing {}", junit_path.display()))?;
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        use std::io::Write as _;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .and_then(|mut f| f.write_all(markdown.as_bytes()));
        if let Err(e) = appended {
            eprintln!("twinbench gate: cannot append to $GITHUB_STEP_SUMMARY: {e}");
        }
    }
    println!("{markdown}");
    println!(
        "summary: {}
junit:   {}",
        md_path.display(),
        junit_path.display()
    );
    Ok(ExitCode::from(report.verdict.exit_code()))
}

struct InstructionsArgs {
    scenario: Option<PathBuf>,
    out: Option<PathBuf>,
    baseline: Option<PathBuf>,
    options: instructions::CompareOptions,
    jobs: Option<usize>,
}

/// `twinbench instructions`. The baseline is read before anything is
/// measured: an unusable one is "cannot judge" (2) at once, not after a minute
/// of callgrind. A measurement that fails is an error (also 2): no count is
/// ever filled in.
fn run_instructions(args: InstructionsArgs) -> anyhow::Result<ExitCode> {
    let limit = args.options.limit;
    if !(limit.is_finite() && limit > 0.0) {
        eprintln!(
            "twinbench: error: --limit must be a fraction > 0 (0.02 = 2% more instructions), got {limit}"
        );
        return Ok(ExitCode::from(1));
    }
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match instructions::load(path) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("twinbench instructions: cannot judge: {e}");
                return Ok(ExitCode::from(gate::Verdict::CannotJudge.exit_code()));
            }
        },
    };
    let scenario_path = args.scenario.unwrap_or_else(|| {
        workspace::root()
            .join("scenarios")
            .join("instructions.toml")
    });
    let scenario = scenario::load(&scenario_path)?;
    let valgrind = instructions::find_valgrind()?;
    let jobs = instructions::jobs(&scenario);
    let options = instructions::MeasureOptions {
        valgrind: valgrind.path.clone(),
        exe: std::env::current_exe().context("locating the twinbench binary")?,
        scratch: std::env::temp_dir().join(format!("twinbench-icount-{}", std::process::id())),
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
    };
    eprintln!(
        "twinbench: counting {} kernel runs under callgrind ({})",
        jobs.len(),
        valgrind.version
    );
    let records = instructions::measure(&jobs, &options)?;
    let run = instructions::InstructionRun {
        schema_version: instructions::SCHEMA_VERSION,
        created_unix_s: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        // Relative to the workspace when inside it: the committed baseline
        // must not name one checkout's folder.
        scenario: scenario_path
            .strip_prefix(workspace::root())
            .unwrap_or(&scenario_path)
            .display()
            .to_string(),
        toolchain: instructions::Toolchain::current(),
        valgrind: valgrind.version,
        git: twinbench::environment::GitInfo::of(&workspace::root()),
        records,
    };
    let out = args
        .out
        .unwrap_or_else(|| workspace::reports_dir().join("instructions.json"));
    let mut json = serde_json::to_string_pretty(&run)?;
    json.push('\n');
    write_atomic(&out, json.as_bytes()).with_context(|| format!("writing {}", out.display()))?;
    let Some(baseline) = baseline else {
        println!("{}", instructions::markdown_counts(&run));
        println!("counts: {}", out.display());
        return Ok(ExitCode::SUCCESS);
    };
    let report = instructions::compare(&baseline, &run, &args.options);
    println!("{}", instructions::markdown_report(&report));
    println!("counts: {}", out.display());
    Ok(ExitCode::from(report.verdict.exit_code()))
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (CI logs
/// keep their plain lines).
fn progress_bar(length: u64, unit: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(length);
    let template = format!("{{elapsed_precise}} [{{wide_bar}}] {{pos}}/{{len}} {unit}");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// `twinbench checks`: run (or list) the concurrency scenarios.
fn run_checks_command(
    list: bool,
    filter: Option<&str>,
    budget: BudgetLevel,
    replay_dir: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    if list {
        for entry in concurrency::select(filter) {
            let s = entry.scenario;
            let subject = match s.subject {
                twinbench_checks::Subject::Fixed => "fixed".to_string(),
                twinbench_checks::Subject::Zoo(z) => {
                    format!("zoo {} breaks {}", z.catalog_id, z.breaks)
                }
            };
            println!(
                "{:<40} {:<34} {subject}\n    {}",
                s.id,
                s.component.title(),
                s.operations
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let replay_dir = replay_dir.unwrap_or_else(|| workspace::reports_dir().join("replays"));
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let isolation = concurrency::Isolation::Subprocess {
        exe: std::env::current_exe().context("locating the twinbench binary")?,
    };
    let jobs: usize = concurrency::select(filter)
        .iter()
        .map(|e| e.scenario.checkers.len())
        .sum();
    // A bar on a terminal (each line printed above it); plain lines in logs.
    let bar = progress_bar(jobs as u64, "checks");
    let results = concurrency::run_checks(
        budget,
        replay_dir,
        filter,
        None,
        workers,
        &isolation,
        &|record| {
            let mark = if record.as_expected() {
                "ok"
            } else {
                "UNEXPECTED"
            };
            bar.suspend(|| println!("{mark:>10}  {}", record.describe()));
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    let unexpected = results.unexpected().count();
    println!(
        "{} checks, {} as expected, {unexpected} not",
        results.records.len(),
        results.records.len() - unexpected
    );
    Ok(if unexpected == 0 && !results.records.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
