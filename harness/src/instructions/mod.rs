//! Instruction counts of the Rust twins under valgrind's callgrind: a gate
//! that does not depend on machine load, so it can run on any CI runner.
//!
//! Criterion's timings (and `twinbench gate`) only mean something on a quiet,
//! known machine. The number of instructions a kernel executes on a fixed
//! input does not: callgrind counts guest instructions, so two runs of the
//! same binary on the same input give the *same* count, to the instruction,
//! however loaded the host is. That makes a tight limit (2%) possible where a
//! timing gate needs 10% and a confidence interval. Two caveats, both far
//! below any limit: the callgrind process gets an empty environment, because
//! the environment's size moves the stack and a memcpy's path depends on
//! alignment (a few instructions in 20 million otherwise); and a rebuild after
//! an unrelated change can move a count by as much (data moves in the binary).
//!
//! How one count is taken ([`measure`]): `valgrind --tool=callgrind
//! --collect-atstart=no --toggle-collect=*twinbench_measured_kernel_call*`
//! runs this very binary's hidden `icount-one` subcommand, which generates and
//! prepares the input *outside* the counted region, then calls
//! [`twinbench_measured_kernel_call`] once. Collection is on only while that
//! function runs, so the count is the single-threaded twin alone: no input
//! generation, argument parsing, or process start-up. Each (kernel, size) runs
//! in its own process, so adding a kernel to the list never moves another
//! kernel's count (a shared heap would).
//!
//! What the count depends on, and is therefore recorded beside it and checked
//! before comparing ([`Toolchain`]): the compiler version, the build profile
//! (`make test` builds the dev profile, whose counts differ from release),
//! the C library (malloc and memcpy run inside the kernels) and the
//! architecture. A different one is "cannot judge", not a regression. The
//! valgrind version is recorded too but only noted: callgrind counts the
//! program's instructions, which do not change with the tool.
//!
//! Verdicts use `twinbench gate`'s exit codes: 0 pass, 3 regression (more
//! instructions than the limit allows, or a kernel of the baseline missing),
//! 2 cannot judge (no or unreadable baseline, another toolchain).

mod compare;
mod measure;
mod record;
mod render;

pub use compare::{CompareOptions, CountCheck, CountReport, compare};
pub use measure::{
    Job, MeasureOptions, Valgrind, find_valgrind, injected_iterations, jobs, measure, profiles_dir,
    run_one, total_ir, twinbench_measured_kernel_call,
};
pub use record::{InstructionRecord, InstructionRun, load};
pub use render::{markdown_counts, markdown_report};

use std::path::PathBuf;

use thiserror::Error;

use crate::pairs::TwinError;

/// Bump on any change a reader of an older file could misread.
pub const SCHEMA_VERSION: u32 = 1;

/// The function callgrind counts; its symbol is matched by
/// [`TOGGLE_PATTERN`], so renaming it means changing both.
pub const MEASURED_SYMBOL: &str = "twinbench_measured_kernel_call";

/// Glob for `--toggle-collect`: matches the mangled and the demangled symbol
/// (`twinbench::instructions::twinbench_measured_kernel_call`) alike.
pub const TOGGLE_PATTERN: &str = "*twinbench_measured_kernel_call*";

/// Default limit: more than 2% more instructions is a regression. Counts are
/// exact, so the limit only has to absorb intended small changes, not noise.
pub const DEFAULT_LIMIT: f64 = 0.02;

/// Test-only knob: `<kernel>:<iterations>` makes `icount-one` run that many
/// extra loop iterations inside the counted call of `<kernel>`, so a test can
/// inject a known amount of extra work and check the gate names that kernel.
/// Read only by the hidden `icount-one` subcommand; nothing else looks at it.
pub const INJECT_ENV: &str = "TWINBENCH_INJECT_INSTRUCTIONS";

/// The Debian package that provides valgrind, named in the error when it is missing.
pub const VALGRIND_PACKAGE: &str = "valgrind";

/// Why instruction counts could not be taken or compared.
#[derive(Debug, Error)]
pub enum InstructionsError {
    #[error(
        "valgrind not found on PATH: the instruction-count gate runs the kernels under \
         callgrind; install the Debian package `{VALGRIND_PACKAGE}` (apt-get install {VALGRIND_PACKAGE})"
    )]
    ValgrindMissing,
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`valgrind --version` printed nothing usable: {output:?}")]
    ValgrindVersion { output: String },
    #[error("{kernel} at size {size}: callgrind run failed ({status}); its stderr ends:\n{stderr}")]
    RunFailed {
        kernel: String,
        size: usize,
        status: String,
        stderr: String,
    },
    #[error("cannot read callgrind output {path}: {source}", path = path.display())]
    ReadProfile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("callgrind output {path}: {reason}", path = path.display())]
    ParseProfile { path: PathBuf, reason: String },
    #[error("only {counted} of {expected} counts were taken (a worker thread panicked)")]
    Incomplete { counted: usize, expected: usize },
    #[error("cannot keep the callgrind profile at {path}: {source}", path = path.display())]
    KeepProfile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the scratch folder {path}: {source}", path = path.display())]
    Scratch {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown kernel `{name}`; expected one of: {known}")]
    UnknownKernel { name: String, known: String },
    #[error("size {size} is below {kernel}'s minimum {min}")]
    SizeTooSmall {
        kernel: String,
        size: usize,
        min: usize,
    },
    #[error("{kernel} at size {size}: the Rust twin failed: {source}")]
    Twin {
        kernel: String,
        size: usize,
        #[source]
        source: TwinError,
    },
    #[error(
        "${INJECT_ENV}={value:?}: expected <kernel>:<extra loop iterations>, e.g. pagerank:100000"
    )]
    BadInjection { value: String },
    #[error("cannot read baseline {path}: {source}", path = path.display())]
    ReadBaseline {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a twinbench instruction-count file: {source}", path = path.display())]
    ParseBaseline {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{path} has schema version {found}; this twinbench reads {SCHEMA_VERSION}: \
         regenerate it with `make instructions-baseline`", path = path.display()
    )]
    Schema { path: PathBuf, found: u32 },
}

#[cfg(test)]
mod tests {
    use super::render::group_digits;
    use super::*;
    use crate::environment::Toolchain;
    use crate::gate::Verdict;

    const PROFILE: &str = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\n\
        events: Ir\nsummary: 1234\n\nfn=foo\n1 1234\n\ntotals: 1234\n";

    #[test]
    fn total_ir_reads_the_ir_column() {
        assert_eq!(total_ir(PROFILE), Ok(1234));
        let two = "events: Dr Ir\nsummary: 7 99\n";
        assert_eq!(total_ir(two), Ok(99));
        assert!(total_ir("events: Dr\nsummary: 7\n").is_err());
        assert!(total_ir("events: Ir\n").is_err());
        assert!(total_ir("events: Ir\ntotals: many\n").is_err());
    }

    fn run(records: &[(&str, usize, u64)]) -> InstructionRun {
        InstructionRun {
            schema_version: SCHEMA_VERSION,
            created_unix_s: 0,
            scenario: "test".into(),
            toolchain: Toolchain {
                rustc: "rustc 1.0".into(),
                profile: "release".into(),
                libc: "glibc 2.36".into(),
                arch: "x86_64".into(),
            },
            valgrind: "valgrind-3.19.0".into(),
            git: None,
            records: records
                .iter()
                .map(|&(kernel, size, instructions)| InstructionRecord {
                    kernel: kernel.into(),
                    size,
                    seed: 1,
                    instructions,
                    profile: None,
                })
                .collect(),
        }
    }

    #[test]
    fn only_more_instructions_beyond_the_limit_is_a_regression() {
        let base = run(&[("a", 10, 1000), ("b", 10, 1000), ("c", 10, 1000)]);
        let now = run(&[("a", 10, 1020), ("b", 10, 1021), ("c", 10, 500)]);
        let report = compare(&base, &now, &CompareOptions::default());
        assert_eq!(report.verdict, Verdict::Regression);
        let names: Vec<&str> = report.regressions().map(|c| c.kernel.as_str()).collect();
        assert_eq!(names, ["b"]);
        assert!(report.checks[2].detail.contains("refresh the baseline"));
    }

    #[test]
    fn a_missing_kernel_is_a_regression_and_a_new_one_is_not() {
        let base = run(&[("a", 10, 1000), ("b", 10, 1000)]);
        let now = run(&[("a", 10, 1000), ("d", 10, 1)]);
        let report = compare(&base, &now, &CompareOptions::default());
        assert_eq!(report.verdict, Verdict::Regression);
        let names: Vec<&str> = report.regressions().map(|c| c.kernel.as_str()).collect();
        assert_eq!(names, ["b"]);
    }

    #[test]
    fn another_toolchain_cannot_be_judged_unless_allowed() {
        let base = run(&[("a", 10, 1000)]);
        let mut now = run(&[("a", 10, 2000)]);
        now.toolchain.rustc = "rustc 2.0".into();
        let report = compare(&base, &now, &CompareOptions::default());
        assert_eq!(report.verdict, Verdict::CannotJudge);
        assert!(
            report.reasons[0].blocks_pass() && report.reasons[0].text().contains("rustc differs")
        );
        let allowed = CompareOptions {
            allow_other_toolchain: true,
            ..CompareOptions::default()
        };
        assert_eq!(compare(&base, &now, &allowed).verdict, Verdict::Regression);
    }

    #[test]
    fn identical_counts_pass_and_an_empty_baseline_cannot_judge() {
        let base = run(&[("a", 10, 1000)]);
        assert_eq!(
            compare(&base, &base, &CompareOptions::default()).verdict,
            Verdict::Pass
        );
        assert_eq!(
            compare(&run(&[]), &base, &CompareOptions::default()).verdict,
            Verdict::CannotJudge
        );
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1 000");
        assert_eq!(group_digits(1_234_567), "1 234 567");
    }
}
