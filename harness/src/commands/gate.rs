//! `twinbench gate`: a run against a baseline run. Exit 0 pass, 3
//! regression, 2 cannot judge (no baseline, another machine, unreadable or
//! incomplete data), 1 usage error (including an output path that names an
//! input). The verdict is printed before any file is written; a file that
//! cannot be written is reported beside it and makes a pass exit 2 (a
//! regression stays 3).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use twinbench::format::Format;
use twinbench::gate::{self, GateOptions, Junit, Markdown, ParallelPolicy, Verdict};
use twinbench::workspace::{self, write_atomic};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The baseline results.json (e.g. reports/baseline.json).
    #[arg(long)]
    pub baseline: PathBuf,
    /// The results.json to judge.
    #[arg(long)]
    pub current: PathBuf,
    /// Slowdown threshold as a fraction (kernels may set their own in the scenario).
    #[arg(long, default_value_t = gate::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Compare timings even when the machines differ.
    #[arg(long)]
    pub allow_other_machine: bool,
    /// Judge parallel timings: auto = on machines with at least 4 logical CPUs
    /// (below that they are shown, not judged; see gate.rs).
    #[arg(long, value_enum, default_value_t = ParallelPolicy::Auto)]
    pub gate_parallel: ParallelPolicy,
    /// Markdown summary (default: <current's folder>/gate.md; also appended to
    /// $GITHUB_STEP_SUMMARY when that is set, cut to GitHub's 1 MiB limit).
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// JUnit XML, one test case per check (default: <current's folder>/gate.junit.xml).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the timing checks judged a slowdown here, one `kernel/size/side`
    /// per line (empty when none): what a confirming rerun must time again
    /// (`TWINBENCH_ONLY` for the pairs bench).
    #[arg(long)]
    pub rerun_list: Option<PathBuf>,
    /// criterion folder of a confirming rerun (`CRITERION_HOME` of the
    /// rerun): a slowdown stays a regression only if the rerun's samples
    /// show it too.
    #[arg(long)]
    pub confirm: Option<PathBuf>,
}

/// Unreadable inputs are "cannot judge" (2), not errors.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = GateOptions {
        threshold: args.threshold,
        allow_other_machine: args.allow_other_machine,
        parallel: args.gate_parallel,
    };
    if !(options.threshold.is_finite() && options.threshold > 0.0) {
        eprintln!(
            "twinbench: error: --threshold must be a fraction > 0 (0.1 = 10% slower), got {}",
            options.threshold
        );
        return Ok(ExitCode::from(super::USAGE));
    }
    let folder = args
        .current
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let md_path = args
        .markdown
        .clone()
        .unwrap_or_else(|| folder.join(Markdown.file_name()));
    let junit_path = args
        .junit
        .clone()
        .unwrap_or_else(|| folder.join(Junit.file_name()));
    let mut outputs = vec![
        ("--markdown", md_path.as_path()),
        ("--junit", junit_path.as_path()),
    ];
    if let Some(list) = &args.rerun_list {
        outputs.push(("--rerun-list", list.as_path()));
    }
    if let Err(e) = workspace::refuse_overwrite(outputs, &[&args.baseline, &args.current]) {
        eprintln!("twinbench gate: error: {e}");
        return Ok(ExitCode::from(super::USAGE));
    }
    let loaded = (
        twinbench::results::load(&args.baseline),
        twinbench::results::load(&args.current),
    );
    let (baseline, current) = match loaded {
        (Ok(b), Ok(c)) => (b, c),
        (b, c) => {
            for e in [b.err(), c.err()].into_iter().flatten() {
                eprintln!("twinbench gate: cannot judge: {e}");
            }
            return Ok(ExitCode::from(Verdict::CannotJudge.exit_code()));
        }
    };
    let mut report = gate::judge(&baseline, &current, &options);
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
    let markdown = Markdown.render(&report)?;
    println!("{markdown}");
    let mut writes: Vec<(PathBuf, String)> = vec![
        (md_path.clone(), markdown),
        (junit_path.clone(), Junit.render(&report)?),
    ];
    if let Some(list) = &args.rerun_list {
        let text: String = gate::rerun_targets(&report)
            .iter()
            .map(|t| format!("{t}\n"))
            .collect();
        writes.push((list.clone(), text));
    }
    let mut failed = false;
    for (path, text) in &writes {
        if let Err(e) = write_atomic(path, text.as_bytes()) {
            eprintln!("twinbench gate: cannot write {}: {e}", path.display());
            failed = true;
        }
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let text = gate::step_summary(
            &report,
            gate::STEP_SUMMARY_LIMIT,
            &md_path.display().to_string(),
        );
        if let Err(e) = append(Path::new(&summary), &text) {
            eprintln!("twinbench gate: cannot append to $GITHUB_STEP_SUMMARY: {e}");
        }
    }
    println!(
        "summary: {}\njunit:   {}",
        md_path.display(),
        junit_path.display()
    );
    Ok(ExitCode::from(match report.verdict {
        Verdict::Regression => Verdict::Regression.exit_code(),
        _ if failed => Verdict::CannotJudge.exit_code(),
        verdict => verdict.exit_code(),
    }))
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
}
