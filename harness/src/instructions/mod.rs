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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::compare::Output;
use crate::environment::{GitInfo, Toolchain};
use crate::gate::{Reason, Verdict};
use crate::pairs::{self, Prepared, RustTwin, TwinError};
use crate::scenario::Scenario;

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

/// One count: a kernel's single-threaded twin on one seeded input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructionRecord {
    pub kernel: String,
    pub size: usize,
    pub seed: u64,
    /// Instructions executed (callgrind's `Ir`) inside the counted call.
    pub instructions: u64,
    /// The callgrind profile of the count, kept for `callgrind_annotate`
    /// (relative to the workspace when inside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An instruction-count run: what `twinbench instructions --out` writes and
/// what `--baseline` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstructionRun {
    pub schema_version: u32,
    /// When the run finished, in seconds since the Unix epoch (information only).
    pub created_unix_s: u64,
    /// The scenario file, relative to the workspace root when inside it.
    pub scenario: String,
    pub toolchain: Toolchain,
    /// `valgrind --version`.
    pub valgrind: String,
    pub git: Option<GitInfo>,
    pub records: Vec<InstructionRecord>,
}

/// One (kernel, size) to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub kernel: &'static str,
    pub size: usize,
    pub seed: u64,
}

/// Every (kernel, size) of a scenario, in its order.
pub fn jobs(scenario: &Scenario) -> Vec<Job> {
    scenario
        .kernels
        .iter()
        .flat_map(|plan| {
            plan.sizes.iter().map(|&size| Job {
                kernel: plan.pair.name,
                size,
                seed: plan.seed,
            })
        })
        .collect()
}

/// The only code callgrind counts: one single-threaded call of the twin on
/// an input prepared beforehand, plus `extra` loop iterations (the
/// [`INJECT_ENV`] test knob; 0 otherwise). Never inlined, so its symbol exists
/// for `--toggle-collect` even under fat LTO.
#[inline(never)]
pub fn twinbench_measured_kernel_call(
    twin: &RustTwin,
    prepared: &Prepared,
    extra: u64,
) -> Result<Output, TwinError> {
    let out = (twin.run)(std::hint::black_box(prepared));
    for i in 0..extra {
        std::hint::black_box(i);
    }
    std::hint::black_box(out)
}

/// Extra loop iterations the [`INJECT_ENV`] knob asks for in `kernel`'s
/// counted call (0 when unset or aimed at another kernel).
pub fn injected_iterations(kernel: &str) -> Result<u64, InstructionsError> {
    let Some(value) = std::env::var_os(INJECT_ENV) else {
        return Ok(0);
    };
    let value = value.to_string_lossy().into_owned();
    let bad = || InstructionsError::BadInjection {
        value: value.clone(),
    };
    let (target, iterations) = value.split_once(':').ok_or_else(bad)?;
    let iterations: u64 = iterations.trim().parse().map_err(|_| bad())?;
    Ok(if target == kernel { iterations } else { 0 })
}

/// `twinbench icount-one`: builds `kernel`'s input at `size` and `seed`
/// outside the counted region, then runs the counted call once. Meant to run
/// under callgrind (see [`measure`]); natively it just runs the kernel.
pub fn run_one(kernel: &str, size: usize, seed: u64) -> Result<(), InstructionsError> {
    let pair = pairs::find(kernel).ok_or_else(|| InstructionsError::UnknownKernel {
        name: kernel.to_string(),
        known: pairs::names().join(", "),
    })?;
    let min = pair.generator.min_size().max(1);
    if size < min {
        return Err(InstructionsError::SizeTooSmall {
            kernel: kernel.to_string(),
            size,
            min,
        });
    }
    let extra = injected_iterations(kernel)?;
    let twin_error = |source| InstructionsError::Twin {
        kernel: kernel.to_string(),
        size,
        source,
    };
    let input = pair.generator.generate(size, seed);
    let prepared = (pair.rust.prepare)(&input).map_err(twin_error)?;
    let output =
        twinbench_measured_kernel_call(&pair.rust, &prepared, extra).map_err(twin_error)?;
    // Dropped outside the counted region, like the input.
    drop(output);
    Ok(())
}

/// The valgrind found on the caller's `PATH`.
#[derive(Debug, Clone)]
pub struct Valgrind {
    /// Absolute when found through `PATH`: the callgrind runs get an empty
    /// environment (see [`measure`]), so they cannot search `PATH` themselves.
    pub path: PathBuf,
    /// `valgrind --version`, e.g. `valgrind-3.19.0`.
    pub version: String,
}

/// Finds valgrind on `PATH` and asks its version; [`InstructionsError::ValgrindMissing`]
/// (naming the package to install) when there is none.
pub fn find_valgrind() -> Result<Valgrind, InstructionsError> {
    let path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("valgrind"))
        .find(|candidate| candidate.is_file())
        .ok_or(InstructionsError::ValgrindMissing)?;
    let output = Command::new(&path)
        .arg("--version")
        .output()
        .map_err(|source| spawn_error(&path, source))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || !version.starts_with("valgrind") {
        return Err(InstructionsError::ValgrindVersion { output: version });
    }
    Ok(Valgrind { path, version })
}

fn spawn_error(program: &Path, source: std::io::Error) -> InstructionsError {
    if source.kind() == ErrorKind::NotFound {
        InstructionsError::ValgrindMissing
    } else {
        InstructionsError::Spawn {
            program: program.display().to_string(),
            source,
        }
    }
}

/// How to run the counts.
#[derive(Debug, Clone)]
pub struct MeasureOptions {
    /// The valgrind to run ([`find_valgrind`]).
    pub valgrind: PathBuf,
    /// The twinbench binary to run under callgrind (normally the current one:
    /// the counts are of the code that is running).
    pub exe: PathBuf,
    /// Where callgrind's output files go while they are read (removed after).
    pub scratch: PathBuf,
    /// Where each kernel's callgrind profile is kept
    /// (`<kernel>-<size>.out`), for `callgrind_annotate` or a flamegraph
    /// tool; `None` keeps none.
    pub profiles: Option<PathBuf>,
    /// Callgrind processes at once. Counts do not depend on it.
    pub jobs: usize,
}

/// Counts every job under callgrind, `options.jobs` processes at a time, and
/// returns the records in job order. Fails on the first error (a missing
/// count is never filled in).
pub fn measure(
    jobs: &[Job],
    options: &MeasureOptions,
) -> Result<Vec<InstructionRecord>, InstructionsError> {
    std::fs::create_dir_all(&options.scratch).map_err(|source| InstructionsError::Scratch {
        path: options.scratch.clone(),
        source,
    })?;
    let next = AtomicUsize::new(0);
    let workers = options.jobs.clamp(1, jobs.len().max(1));
    let mut done: Vec<(usize, Result<InstructionRecord, InstructionsError>)> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(job) = jobs.get(i) else { break };
                            let result = measure_one(job, options);
                            let failed = result.is_err();
                            mine.push((i, result));
                            if failed {
                                // Hand out no more work; the others finish theirs.
                                next.store(jobs.len(), Ordering::Relaxed);
                            }
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
    let _ = std::fs::remove_dir_all(&options.scratch);
    done.sort_by_key(|(i, _)| *i);
    let complete = done.len() == jobs.len();
    let records = done
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<Vec<_>, _>>()?;
    // Every job ran unless one failed (returned above) or a worker panicked.
    if !complete {
        return Err(InstructionsError::Incomplete {
            counted: records.len(),
            expected: jobs.len(),
        });
    }
    Ok(records)
}

fn measure_one(
    job: &Job,
    options: &MeasureOptions,
) -> Result<InstructionRecord, InstructionsError> {
    let profile = options
        .scratch
        .join(format!("{}-{}.callgrind", job.kernel, job.size));
    let mut command = Command::new(&options.valgrind);
    // A fixed environment: the client's stack starts below its environment
    // strings, and a memcpy's path (so its count) depends on alignment. With
    // the caller's environment, CI variables of varying length moved counts
    // by a few instructions in 20 million; without it they are identical.
    // The injection knob goes only to the kernel it names, so the others'
    // environments (and counts) stay exactly as without it.
    command.env_clear();
    if let Some(value) = std::env::var_os("LD_LIBRARY_PATH") {
        command.env("LD_LIBRARY_PATH", value);
    }
    // (A malformed value goes to every kernel, whose `icount-one` rejects it.)
    if let Some(value) = std::env::var_os(INJECT_ENV) {
        let aimed_here = value
            .to_string_lossy()
            .split_once(':')
            .is_none_or(|(target, _)| target == job.kernel);
        if aimed_here {
            command.env(INJECT_ENV, value);
        }
    }
    let output = command
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", profile.display()))
        .arg("--collect-atstart=no")
        .arg(format!("--toggle-collect={TOGGLE_PATTERN}"))
        .arg(&options.exe)
        .args(["icount-one", job.kernel, "--size"])
        .arg(job.size.to_string())
        .arg("--seed")
        .arg(job.seed.to_string())
        .output()
        .map_err(|source| spawn_error(&options.valgrind, source))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        return Err(InstructionsError::RunFailed {
            kernel: job.kernel.into(),
            size: job.size,
            status: output.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    let text =
        std::fs::read_to_string(&profile).map_err(|source| InstructionsError::ReadProfile {
            path: profile.clone(),
            source,
        })?;
    let instructions = total_ir(&text).map_err(|reason| InstructionsError::ParseProfile {
        path: profile.clone(),
        reason,
    })?;
    if instructions == 0 {
        return Err(InstructionsError::ParseProfile {
            path: profile,
            reason: format!(
                "0 instructions counted: the symbol `{MEASURED_SYMBOL}` was not found \
                 (inlined or renamed?)"
            ),
        });
    }
    let kept = match &options.profiles {
        None => None,
        Some(dir) => Some(keep_profile(&profile, dir, job)?),
    };
    Ok(InstructionRecord {
        kernel: job.kernel.into(),
        size: job.size,
        seed: job.seed,
        instructions,
        profile: kept.map(|p| {
            let root = crate::workspace::root();
            p.strip_prefix(&root).unwrap_or(&p).display().to_string()
        }),
    })
}

/// Where [`MeasureOptions::profiles`] keeps the profiles of a counts file
/// written to `counts`: `<its folder>/callgrind/`.
pub fn profiles_dir(counts: &Path) -> PathBuf {
    counts.parent().unwrap_or(Path::new(".")).join("callgrind")
}

/// Moves one job's callgrind profile out of the scratch folder into `dir`.
fn keep_profile(profile: &Path, dir: &Path, job: &Job) -> Result<PathBuf, InstructionsError> {
    let kept = dir.join(format!("{}-{}.out", job.kernel, job.size));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::copy(profile, &kept).map(drop))
        .map_err(|source| InstructionsError::KeepProfile {
            path: kept.clone(),
            source,
        })?;
    Ok(kept)
}

/// The total `Ir` of a callgrind output file: the `totals:` line (else
/// `summary:`), at the column `events:` gives `Ir`.
pub fn total_ir(profile: &str) -> Result<u64, String> {
    let field = |prefix: &str| {
        profile
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::split_whitespace)
    };
    let events = field("events:").ok_or("no `events:` line")?;
    let column = events
        .into_iter()
        .position(|e| e == "Ir")
        .ok_or("`events:` lists no `Ir`")?;
    let totals = field("totals:")
        .or_else(|| field("summary:"))
        .ok_or("no `totals:` or `summary:` line")?;
    let value = totals
        .into_iter()
        .nth(column)
        .ok_or("the totals line has no `Ir` column")?;
    value
        .parse()
        .map_err(|_| format!("`Ir` total {value:?} is not a count"))
}

/// Reads an instruction-count file (a baseline or an earlier run).
pub fn load(path: &Path) -> Result<InstructionRun, InstructionsError> {
    let bytes = std::fs::read(path).map_err(|source| InstructionsError::ReadBaseline {
        path: path.to_path_buf(),
        source,
    })?;
    // The version first, so an old file gets "regenerate it", not a field error.
    #[derive(Deserialize)]
    struct Versioned {
        schema_version: u32,
    }
    let parse_error = |source| InstructionsError::ParseBaseline {
        path: path.to_path_buf(),
        source,
    };
    let versioned: Versioned = serde_json::from_slice(&bytes).map_err(parse_error)?;
    if versioned.schema_version != SCHEMA_VERSION {
        return Err(InstructionsError::Schema {
            path: path.to_path_buf(),
            found: versioned.schema_version,
        });
    }
    serde_json::from_slice(&bytes).map_err(parse_error)
}

/// Comparison settings.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Allowed relative change in either direction; more instructions than
    /// that is a regression, fewer is reported so the baseline gets updated.
    pub limit: f64,
    /// Compare counts taken with another toolchain anyway.
    pub allow_other_toolchain: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            allow_other_toolchain: false,
        }
    }
}

/// One row of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CountCheck {
    pub kernel: String,
    pub size: usize,
    pub baseline: Option<u64>,
    pub current: Option<u64>,
    /// `current ÷ baseline − 1`.
    pub change: Option<f64>,
    pub verdict: Verdict,
    pub detail: String,
    /// The current run's callgrind profile of this kernel, where kept.
    pub profile: Option<String>,
}

/// What the comparison decided.
#[derive(Debug, Clone, Serialize)]
pub struct CountReport {
    pub verdict: Verdict,
    /// Run-wide reasons (only [`Reason::CannotJudge`] ones affect the verdict).
    pub reasons: Vec<Reason>,
    pub checks: Vec<CountCheck>,
    pub limit: f64,
}

impl CountReport {
    /// Kernels whose check is a regression, for messages.
    pub fn regressions(&self) -> impl Iterator<Item = &CountCheck> {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Regression)
    }
}

/// Compares `current` with `baseline`, kernel × size.
///
/// A regression: more instructions than `1 + limit` times the baseline, or a
/// (kernel, size) of the baseline missing now. Cannot judge: another
/// toolchain (unless allowed), or a different seed for the same
/// (kernel, size). Fewer instructions beyond the limit pass, flagged so the
/// baseline is refreshed: left stale, it would let a later regression of the
/// same size through.
pub fn compare(
    baseline: &InstructionRun,
    current: &InstructionRun,
    options: &CompareOptions,
) -> CountReport {
    let mut reasons = Vec::new();
    let (b, c) = (&baseline.toolchain, &current.toolchain);
    let mut other_toolchain = false;
    for (what, before, now) in [
        ("rustc", &b.rustc, &c.rustc),
        ("build profile", &b.profile, &c.profile),
        ("C library", &b.libc, &c.libc),
        ("architecture", &b.arch, &c.arch),
    ] {
        if before != now {
            other_toolchain = true;
            let text = format!(
                "{what} differs: baseline `{before}`, current `{now}`; instruction counts \
                 change with it (regenerate the baseline with `make instructions-baseline`, or \
                 pass --allow-other-toolchain)"
            );
            reasons.push(if options.allow_other_toolchain {
                Reason::Note(format!("compared anyway as asked: {text}"))
            } else {
                Reason::CannotJudge(text)
            });
        }
    }
    if baseline.valgrind != current.valgrind {
        reasons.push(Reason::Note(format!(
            "valgrind differs (baseline {}, current {}); counts are the program's, not the tool's",
            baseline.valgrind, current.valgrind
        )));
    }
    let judge_counts = !other_toolchain || options.allow_other_toolchain;

    let now: BTreeMap<(&str, usize), &InstructionRecord> = current
        .records
        .iter()
        .map(|r| ((r.kernel.as_str(), r.size), r))
        .collect();
    let before: BTreeMap<(&str, usize), &InstructionRecord> = baseline
        .records
        .iter()
        .map(|r| ((r.kernel.as_str(), r.size), r))
        .collect();
    let mut checks = Vec::new();
    for record in &baseline.records {
        let check = match now.get(&(record.kernel.as_str(), record.size)) {
            None => CountCheck {
                kernel: record.kernel.clone(),
                size: record.size,
                baseline: Some(record.instructions),
                current: None,
                change: None,
                verdict: Verdict::Regression,
                detail: "in the baseline, missing from the current run".into(),
                profile: None,
            },
            Some(now) => count_check(record, now, options.limit, judge_counts),
        };
        checks.push(check);
    }
    for record in &current.records {
        if !before.contains_key(&(record.kernel.as_str(), record.size)) {
            checks.push(CountCheck {
                kernel: record.kernel.clone(),
                size: record.size,
                baseline: None,
                current: Some(record.instructions),
                change: None,
                verdict: Verdict::Pass,
                detail: "new: not in the baseline, not judged".into(),
                profile: None,
            });
        }
    }
    let verdict = if checks.iter().any(|c| c.verdict == Verdict::Regression) {
        Verdict::Regression
    } else if baseline.records.is_empty()
        || checks.iter().any(|c| c.verdict == Verdict::CannotJudge)
        || reasons.iter().any(Reason::blocks_pass)
    {
        Verdict::CannotJudge
    } else {
        Verdict::Pass
    };
    if baseline.records.is_empty() {
        reasons.push(Reason::CannotJudge(
            "the baseline has no counts to compare against".into(),
        ));
    }
    for check in &mut checks {
        check.profile = now
            .get(&(check.kernel.as_str(), check.size))
            .and_then(|r| r.profile.clone());
    }
    CountReport {
        verdict,
        reasons,
        checks,
        limit: options.limit,
    }
}

fn count_check(
    before: &InstructionRecord,
    now: &InstructionRecord,
    limit: f64,
    judge: bool,
) -> CountCheck {
    let (was, is) = (before.instructions as f64, now.instructions as f64);
    let change = is / was.max(1.0) - 1.0;
    let percent = change * 100.0;
    // Compared as counts, not as `change`, so exactly +limit is within it
    // (1020 / 1000 − 1 is a hair above 0.02 in floating point).
    let (above, below) = (is > was * (1.0 + limit), is < was * (1.0 - limit));
    let (verdict, detail) = if before.seed != now.seed {
        (
            Verdict::CannotJudge,
            format!(
                "seed changed ({} → {}): another input, counts not comparable",
                before.seed, now.seed
            ),
        )
    } else if !judge {
        (Verdict::CannotJudge, "other toolchain: not judged".into())
    } else if above {
        (
            Verdict::Regression,
            format!(
                "{percent:+.2}% instructions, beyond the +{:.1}% limit",
                limit * 100.0
            ),
        )
    } else if below {
        (
            Verdict::Pass,
            format!(
                "{percent:+.2}% instructions: faster beyond the limit; refresh the baseline \
                 (`make instructions-baseline`) so it keeps guarding this gain"
            ),
        )
    } else if now.instructions == before.instructions {
        (Verdict::Pass, "identical".into())
    } else {
        (
            Verdict::Pass,
            format!(
                "{:+} instructions ({percent:+.4}%), within the limit",
                i128::from(now.instructions) - i128::from(before.instructions)
            ),
        )
    };
    CountCheck {
        kernel: now.kernel.clone(),
        size: now.size,
        baseline: Some(before.instructions),
        current: Some(now.instructions),
        change: Some(change),
        verdict,
        detail,
        profile: None,
    }
}

/// The counts of one run as a Markdown table (no baseline given).
pub fn markdown_counts(run: &InstructionRun) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## twinbench instruction counts\n\n{} · {} profile · {} · {} · {}\n",
        run.toolchain.rustc,
        run.toolchain.profile,
        run.toolchain.libc,
        run.toolchain.arch,
        run.valgrind
    );
    let _ = writeln!(
        out,
        "| kernel | size | seed | instructions |\n|---|---:|---:|---:|"
    );
    for r in &run.records {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            r.kernel,
            r.size,
            r.seed,
            group_digits(r.instructions)
        );
    }
    out
}

/// The comparison as a Markdown table, every kernel listed, regressions named first.
pub fn markdown_report(report: &CountReport) -> String {
    let mut out = String::new();
    let title = match report.verdict {
        Verdict::Pass => "PASS",
        Verdict::Regression => "REGRESSION",
        Verdict::CannotJudge => "CANNOT JUDGE",
    };
    let _ = writeln!(
        out,
        "## twinbench instruction-count gate: {title}\n\nLimit ±{:.1}% instructions \
         (callgrind `Ir`, single-threaded twin, fixed input)\n",
        report.limit * 100.0
    );
    for reason in &report.reasons {
        let _ = writeln!(out, "- {reason}");
    }
    let regressions: Vec<String> = report
        .regressions()
        .map(|c| format!("`{}` at {}", c.kernel, c.size))
        .collect();
    if !regressions.is_empty() {
        let _ = writeln!(out, "\nRegressions: {}", regressions.join(", "));
        for c in report.regressions() {
            if let Some(profile) = &c.profile {
                let _ = writeln!(
                    out,
                    "- `{}` at {}: profile `{profile}` (`callgrind_annotate {profile}`)",
                    c.kernel, c.size
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n| kernel | size | baseline | current | change | verdict | detail |\n\
         |---|---:|---:|---:|---:|---|---|"
    );
    let show = |n: Option<u64>| n.map_or_else(|| "—".to_string(), group_digits);
    for c in &report.checks {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {:?} | {} |",
            c.kernel,
            c.size,
            show(c.baseline),
            show(c.current),
            c.change
                .map_or_else(|| "—".to_string(), |x| format!("{:+.2}%", x * 100.0)),
            c.verdict,
            c.detail.replace('|', "\\|")
        );
    }
    out
}

/// `1234567` → `1 234 567` (thin grouping, readable in a table).
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
