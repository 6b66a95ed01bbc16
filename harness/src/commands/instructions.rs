//! `twinbench instructions`: callgrind counts of each Rust twin
//! (single-threaded, fixed seeded inputs) and, given a baseline, the gate on
//! them: exit 0 pass, 3 regression, 2 cannot judge, 1 usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use twinbench::environment::GitInfo;
use twinbench::environment::Toolchain;
use twinbench::gate::Verdict;
use twinbench::instructions::{self, CompareOptions, InstructionRun, MeasureOptions};
use twinbench::scenario;
use twinbench::workspace::{self, write_atomic};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Kernels, sizes and seeds (default: scenarios/instructions.toml).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Where to write the counts (default: reports/instructions.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Counts to compare with (e.g. reports/instructions-baseline.json).
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Allowed change as a fraction (0.02 = 2% more instructions).
    #[arg(long, default_value_t = instructions::DEFAULT_LIMIT)]
    pub limit: f64,
    /// Compare counts from another rustc, build profile or C library anyway.
    #[arg(long)]
    pub allow_other_toolchain: bool,
    /// Callgrind processes at once (default: the logical CPUs); counts do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// The baseline is read before anything is measured: an unusable one is
/// "cannot judge" (2) at once, not after a minute of callgrind. A
/// measurement that fails is an error (also 2): no count is ever filled in.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = CompareOptions {
        limit: args.limit,
        allow_other_toolchain: args.allow_other_toolchain,
    };
    if !(options.limit.is_finite() && options.limit > 0.0) {
        eprintln!(
            "twinbench: error: --limit must be a fraction > 0 (0.02 = 2% more instructions), got {}",
            options.limit
        );
        return Ok(ExitCode::from(super::USAGE));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| workspace::reports_dir().join("instructions.json"));
    if let Some(baseline) = &args.baseline
        && let Err(e) = workspace::refuse_overwrite([("--out", out.as_path())], &[baseline])
    {
        eprintln!("twinbench instructions: error: {e}");
        return Ok(ExitCode::from(super::USAGE));
    }
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match instructions::load(path) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("twinbench instructions: cannot judge: {e}");
                return Ok(ExitCode::from(Verdict::CannotJudge.exit_code()));
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
    let measure = MeasureOptions {
        valgrind: valgrind.path.clone(),
        exe: std::env::current_exe().context("locating the twinbench binary")?,
        scratch: std::env::temp_dir().join(format!("twinbench-icount-{}", std::process::id())),
        profiles: Some(instructions::profiles_dir(&out)),
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
    };
    eprintln!(
        "twinbench: counting {} kernel runs under callgrind ({})",
        jobs.len(),
        valgrind.version
    );
    let records = instructions::measure(&jobs, &measure)?;
    let run = InstructionRun {
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
        toolchain: Toolchain::current(),
        valgrind: valgrind.version,
        git: GitInfo::of(&workspace::root()),
        records,
    };
    let mut json = serde_json::to_string_pretty(&run)?;
    json.push('\n');
    write_atomic(&out, json.as_bytes()).with_context(|| format!("writing {}", out.display()))?;
    let Some(baseline) = baseline else {
        println!("{}", instructions::markdown_counts(&run));
        println!("counts: {}", out.display());
        return Ok(ExitCode::SUCCESS);
    };
    let report = instructions::compare(&baseline, &run, &options);
    println!("{}", instructions::markdown_report(&report));
    println!("counts: {}", out.display());
    Ok(ExitCode::from(report.verdict.exit_code()))
}
