//! One file per subcommand: its clap arguments and its logic. `main.rs`
//! only parses and dispatches; each `run` here returns the exit code, so a
//! command is testable without spawning the binary.
//!
//! Exit codes, shared by every command: 0 success, 1 usage error or a run
//! with failed checks, 2 "cannot judge" or an error, 3 a regression.

pub mod calibrate;
pub mod check;
pub mod checks;
pub mod export;
pub mod gate;
pub mod icount_one;
pub mod instructions;
pub mod list;
pub mod merge;
pub mod pool;
pub mod replay;
pub mod report;
pub mod run_check;
pub mod run_pairs;
pub mod schema;

use std::process::ExitCode;

use twinbench::results::{Correctness, Results};

/// Usage errors exit 1 (the gates reserve 2 for "cannot judge").
pub const USAGE: u8 = 1;

/// A progress bar on stderr when it is a terminal; hidden otherwise (CI logs
/// keep their plain lines).
pub fn progress_bar(length: u64, unit: &str) -> indicatif::ProgressBar {
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

/// Whether a run (or a merge of shards) measured everything it set out to,
/// with both sides agreeing everywhere. A size not run because the machine
/// lacks what it needs (PostgreSQL) does not count against it: the run
/// said so loudly, and where it is required (TWINBENCH_REQUIRE_POSTGRES)
/// such a size is recorded as failed instead.
pub fn complete_and_correct(results: &Results) -> bool {
    results.problems.is_empty()
        && results
            .pairs
            .iter()
            .flat_map(|p| &p.sizes)
            .filter(|s| !s.correctness.is_not_run())
            .all(|s| s.correctness.is_agree() && s.problems.is_empty() && s.speedup.is_some())
}

/// 0 when [`complete_and_correct`], else 1.
pub fn run_exit_code(results: &Results) -> ExitCode {
    if complete_and_correct(results) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// One line per kernel × size: speedup and correctness, then the problems.
pub fn print_summary(results: &Results) {
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
                Correctness::NotRun { reason } => format!("NOT RUN: {reason}"),
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

/// Reads every results.json named, the first unreadable one an error.
pub fn load_all(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<Results>> {
    paths
        .iter()
        .map(|p| twinbench::results::load(p).map_err(anyhow::Error::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::process::ExitCode;

    fn missing(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("twinbench-commands-{}-{name}", std::process::id()))
    }

    fn gate_args(threshold: f64) -> super::gate::Args {
        super::gate::Args {
            baseline: missing("baseline.json"),
            current: missing("current.json"),
            threshold,
            allow_other_machine: false,
            gate_parallel: twinbench::gate::ParallelPolicy::Auto,
            markdown: None,
            junit: None,
            rerun_list: None,
            confirm: None,
        }
    }

    #[test]
    fn the_gate_cannot_judge_unreadable_files_and_refuses_a_bad_threshold() {
        let code = super::gate::run(gate_args(0.1)).expect("runs");
        assert_eq!(code, ExitCode::from(2));
        let code = super::gate::run(gate_args(-1.0)).expect("runs");
        assert_eq!(code, ExitCode::from(super::USAGE));
    }

    #[test]
    fn export_of_a_missing_file_is_an_error_naming_it() {
        let args = super::export::Args {
            results: missing("results.json"),
            format: super::export::FormatName::Bmf,
            instructions: None,
            out: None,
        };
        let error = super::export::run(args).expect_err("no such file");
        assert!(format!("{error:#}").contains("results.json"), "{error:#}");
    }

    #[test]
    fn merge_and_pool_refuse_unreadable_inputs() {
        let files = vec![missing("shard.json")];
        assert!(super::load_all(&files).is_err());
    }
}
