//! `twinbench gate`: compares a run with a baseline run and says whether CI
//! may pass — failing on a real regression and only then.
//!
//! A regression is any correctness or concurrency failure, any kernel × size ×
//! side (or concurrency check) present in the baseline and missing now, or a
//! slowdown of a Rust side that is both larger than the threshold and
//! statistically significant: the bootstrap interval of
//! `current mean ÷ baseline mean` lies entirely above `1 + threshold`.
//! That interval only knows the noise *within* a run, and on a shared machine
//! a whole kernel's measurement moves from run to run by more (bursts of
//! outside load hit one kernel for a second). Two more rules keep A/A runs
//! quiet without hiding real slowdowns:
//! - the baseline pools several runs (`twinbench pool`), so it is each
//!   kernel's typical speed rather than one lucky or unlucky run;
//! - a slowdown must reproduce: `make gate` times each flagged kernel again
//!   (only it, right away) and [`confirm`] keeps it a regression only if the
//!   rerun is slower beyond the threshold too. A real regression reproduces;
//!   a burst of load rarely hits the same kernel twice.
//!
//! "Cannot judge" is never a pass: no or unreadable baseline, another machine
//! (timings are only comparable on the same hardware: the CPU record and,
//! where it cannot tell hosts apart, the host calibration and the run-wide
//! drift held to the baseline runs' own noise, [`identity`]), or incomplete
//! data.

mod confirm;
pub mod identity;
mod judge;
mod junit;
mod markdown;

pub use confirm::{RerunSamples, confirm, read_rerun, rerun_targets};
pub use judge::judge;
pub use junit::{Junit, junit};
pub use markdown::{Markdown, STEP_SUMMARY_LIMIT, markdown, step_summary};

use serde::Serialize;

use crate::measure::PairBenchId;
use crate::pairs::Side;
use crate::stats::Estimate;

/// Default slowdown threshold (10%).
pub const DEFAULT_THRESHOLD: f64 = 0.10;

/// The gate's verdict and its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Regression,
    CannotJudge,
}

impl Verdict {
    /// 0 pass, 3 regression, 2 cannot judge (1 is left to usage errors).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Regression => 3,
            Verdict::CannotJudge => 2,
        }
    }
}

/// Gate settings.
#[derive(Debug, Clone)]
pub struct GateOptions {
    /// Slowdown threshold for kernels without their own (`gate_threshold` in
    /// the scenario).
    pub threshold: f64,
    /// Compare timings from different machines anyway.
    pub allow_other_machine: bool,
    /// Whether the parallel Rust sides' timings can fail the gate.
    pub parallel: ParallelPolicy,
}

impl Default for GateOptions {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            allow_other_machine: false,
            parallel: ParallelPolicy::Auto,
        }
    }
}

/// Fewest logical CPUs on which [`ParallelPolicy::Auto`] gates parallel
/// timings.
pub const PARALLEL_MIN_CPUS: usize = 4;

/// Whether parallel (`rust-parallel`) timings are judged or only shown.
///
/// On the 2-vCPU shared CI machine the parallel path runs on every core the
/// machine has, so its time depends on what else the host schedules on the
/// second one, in modes that last minutes: over 26 quick runs of unchanged
/// code, closeness at 500 nodes took 62–110 µs, and a rerun right after a
/// slow run was slow too (A/A: 5 of 6 runs "confirmed" a 22–66% slowdown of
/// some parallel side). No threshold both catches a 10% regression there and
/// stays quiet, so there they are shown, not judged; the single-threaded
/// sides (and their instruction counts) still are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ParallelPolicy {
    /// Judge them on machines with at least [`PARALLEL_MIN_CPUS`] logical CPUs.
    Auto,
    Always,
    Never,
}

impl ParallelPolicy {
    pub(crate) fn gates(self, machine: &crate::environment::Machine) -> bool {
        match self {
            ParallelPolicy::Always => true,
            ParallelPolicy::Never => false,
            ParallelPolicy::Auto => machine.logical_cpus >= PARALLEL_MIN_CPUS,
        }
    }
}

/// What one check concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Correctness,
    Timing,
    Concurrency,
}

/// What one check is about, typed: the gate, the confirming rerun and the
/// outputs find a check's kernel, size and side here, never by parsing its
/// name back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckId {
    /// Both sides' answers of `kernel` at `size`.
    Correctness { kernel: String, size: usize },
    /// One Rust side's timing.
    Timing(PairBenchId),
    /// One model check under one checker.
    Concurrency { case: String, checker: String },
}

impl CheckId {
    pub fn kind(&self) -> CheckKind {
        match self {
            CheckId::Correctness { .. } => CheckKind::Correctness,
            CheckId::Timing(_) => CheckKind::Timing,
            CheckId::Concurrency { .. } => CheckKind::Concurrency,
        }
    }

    /// The timed side, for timing checks.
    pub fn side(&self) -> Option<Side> {
        match self {
            CheckId::Timing(t) => Some(t.side),
            _ => None,
        }
    }
}

/// `kernel/size`, `kernel/size/side` or `case/checker`: the check's
/// name in the Markdown, JUnit and rerun list.
impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckId::Correctness { kernel, size } => write!(f, "{kernel}/{size}"),
            CheckId::Timing(t) => t.fmt(f),
            CheckId::Concurrency { case, checker } => write!(f, "{case}/{checker}"),
        }
    }
}

/// One gate check (one JUnit test case).
#[derive(Debug, Clone, Serialize)]
pub struct GateCheck {
    pub id: CheckId,
    pub verdict: Verdict,
    /// Shown, not judged (a parallel timing on a small machine): a pass
    /// whatever its figures, reported as skipped.
    pub not_judged: bool,
    pub detail: String,
    /// What the check measured, in seconds (JUnit's `time`): the current
    /// mean time per call of a timing check, a model check's run time, 0
    /// otherwise.
    pub seconds: f64,
    /// Current ÷ baseline mean time, with its interval (timing checks).
    pub ratio: Option<Estimate>,
    /// 1 + the threshold this check is held to (timing checks).
    #[serde(skip)]
    limit: Option<f64>,
}

impl GateCheck {
    pub fn kind(&self) -> CheckKind {
        self.id.kind()
    }

    /// The check's name (its [`CheckId`] in words).
    pub fn name(&self) -> String {
        self.id.to_string()
    }

    fn new(id: CheckId, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            id,
            verdict,
            not_judged: false,
            detail: detail.into(),
            seconds: 0.0,
            ratio: None,
            limit: None,
        }
    }
}

/// A run-wide reason the gate states. Only [`Reason::CannotJudge`] keeps a
/// run from passing; a note is shown and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Reason {
    /// The gate cannot judge the run (another machine, missing data).
    CannotJudge(String),
    /// Worth knowing; does not affect the verdict.
    Note(String),
}

impl Reason {
    /// Whether this reason alone makes the verdict "cannot judge".
    pub fn blocks_pass(&self) -> bool {
        matches!(self, Reason::CannotJudge(_))
    }

    pub fn text(&self) -> &str {
        match self {
            Reason::CannotJudge(text) | Reason::Note(text) => text,
        }
    }
}

/// As shown: a note starts with `note: `.
impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::CannotJudge(text) => f.write_str(text),
            Reason::Note(text) => write!(f, "note: {text}"),
        }
    }
}

/// Everything the gate decided.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    pub verdict: Verdict,
    /// Median current ÷ baseline time over the timing checks of each side
    /// (`rust`, `rust-parallel`), where there were enough.
    pub drift: Vec<(Side, f64)>,
    /// Run-wide reasons: why the gate cannot judge (machine, missing data),
    /// and notes.
    pub reasons: Vec<Reason>,
    pub checks: Vec<GateCheck>,
    pub threshold: f64,
    pub baseline_run: String,
    pub current_run: String,
    /// Whether [`confirm`] judged the slowdowns again on a rerun.
    pub confirmed_by_rerun: bool,
}

/// A regression anywhere fails; otherwise anything unjudged, or no checks at
/// all, is "cannot judge"; only then a pass.
fn overall(checks: &[GateCheck], reasons: &[Reason]) -> Verdict {
    if checks.iter().any(|c| c.verdict == Verdict::Regression) {
        Verdict::Regression
    } else if checks.iter().any(|c| c.verdict == Verdict::CannotJudge)
        || reasons.iter().any(Reason::blocks_pass)
        || checks.is_empty()
    {
        Verdict::CannotJudge
    } else {
        Verdict::Pass
    }
}
