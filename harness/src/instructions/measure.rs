//! Taking the counts: each (kernel, size) in its own callgrind process,
//! collection on only inside the measured call, every profile kept.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{INJECT_ENV, InstructionRecord, InstructionsError, MEASURED_SYMBOL, TOGGLE_PATTERN};
use crate::compare::Output;
use crate::pairs::{self, Prepared, RustTwin, TwinError};
use crate::scenario::Scenario;

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
