//! Runs a case under a checker and turns the outcome into a record:
//! schedules explored, the invariant violated (if any) and how to replay it.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::case::{Checker, Component, Subject, VIOLATION_PREFIX};
use crate::{Entry, ReplayError};

/// How hard each checker tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// loom's preemption bound (issue 5 asks for at least 2).
    pub loom_preemption_bound: usize,
    /// Schedules for shuttle's random scheduler.
    pub shuttle_random: usize,
    /// Schedules for shuttle's PCT scheduler.
    pub shuttle_pct: usize,
    /// PCT's bug depth.
    pub pct_depth: usize,
    /// Seed of both shuttle schedulers (fixed, so CI is reproducible).
    pub seed: u64,
    /// Where replay files (shuttle schedules, loom checkpoints) go.
    pub replay_dir: PathBuf,
}

/// `TWINBENCH_CHECKS=nightly` selects [`Budget::nightly`].
pub const BUDGET_ENV: &str = "TWINBENCH_CHECKS";

impl Budget {
    /// What `cargo test` and `make test` run: ≥ 10 000 schedules per shuttle
    /// scheduler, loom at preemption bound 2.
    pub fn ci(replay_dir: PathBuf) -> Self {
        Self {
            loom_preemption_bound: 2,
            shuttle_random: 10_000,
            shuttle_pct: 10_000,
            pct_depth: 3,
            seed: 0x7769_6e62_656e_6368, // "winbench"
            replay_dir,
        }
    }

    /// Ten times the schedules and one more preemption, for nightly runs.
    pub fn nightly(replay_dir: PathBuf) -> Self {
        Self {
            loom_preemption_bound: 3,
            shuttle_random: 100_000,
            shuttle_pct: 100_000,
            ..Self::ci(replay_dir)
        }
    }

    /// [`Budget::ci`], or [`Budget::nightly`] when `TWINBENCH_CHECKS=nightly`.
    pub fn from_env(replay_dir: PathBuf) -> Self {
        match std::env::var(BUDGET_ENV).as_deref() {
            Ok("nightly") => Self::nightly(replay_dir),
            _ => Self::ci(replay_dir),
        }
    }
}

/// Fixed component or zoo entry, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubjectInfo {
    Fixed,
    Zoo {
        catalog_id: String,
        /// The invariant the checker must report.
        breaks: String,
    },
}

impl From<Subject> for SubjectInfo {
    fn from(subject: Subject) -> Self {
        match subject {
            Subject::Fixed => SubjectInfo::Fixed,
            Subject::Zoo(zoo) => SubjectInfo::Zoo {
                catalog_id: zoo.catalog_id.to_string(),
                breaks: zoo.breaks.to_string(),
            },
        }
    }
}

/// What one checker saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Every explored schedule kept every invariant.
    Passed,
    /// A schedule broke `invariant` (`"deadlock-free"` for a deadlock,
    /// `"no-panic"` for any other panic).
    Violated { invariant: String, detail: String },
}

/// How to replay a failing schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Replay {
    /// The shuttle schedule string, or the loom checkpoint file's path.
    pub schedule: String,
    /// Where the schedule is saved.
    pub file: String,
    /// The one command that replays it.
    pub command: String,
}

/// One case under one checker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckRecord {
    pub id: String,
    pub component: Component,
    pub subject: SubjectInfo,
    pub operations: String,
    pub checker: Checker,
    /// Schedules run: all of them on a pass; up to and including the failing
    /// one on a violation.
    pub schedules: u64,
    /// loom only: the bounded state space was explored completely.
    pub exhaustive: bool,
    pub outcome: Outcome,
    pub replay: Option<Replay>,
    /// Wall time of the check (information only; no test asserts on it).
    pub seconds: f64,
}

impl CheckRecord {
    /// A fixed component passes; a zoo entry is caught breaking exactly the
    /// invariant it is there to break.
    pub fn as_expected(&self) -> bool {
        match (&self.subject, &self.outcome) {
            (SubjectInfo::Fixed, Outcome::Passed) => true,
            (SubjectInfo::Zoo { breaks, .. }, Outcome::Violated { invariant, .. }) => {
                breaks == invariant
            }
            _ => false,
        }
    }

    /// One line for a failing test or the console.
    pub fn describe(&self) -> String {
        let outcome = match &self.outcome {
            Outcome::Passed => "passed".to_string(),
            Outcome::Violated { invariant, detail } => format!(
                "violated [{invariant}]: {detail}\n  operations: {}",
                self.operations
            ),
        };
        let replay = self
            .replay
            .as_ref()
            .map(|r| format!("\n  replay: {}", r.command))
            .unwrap_or_default();
        format!(
            "{} under {} after {} schedules: {outcome}{replay}",
            self.id, self.checker, self.schedules
        )
    }
}

/// Runs `entry` under `checker`.
pub fn run(entry: &Entry, checker: Checker, budget: &Budget) -> CheckRecord {
    let started = Instant::now();
    let counter = Arc::new(AtomicU64::new(0));
    let dir = replay_dir(entry, checker, budget);
    let (result, exhaustive) = match checker {
        Checker::Loom => {
            let result = run_loom(entry.loom_body, budget, LoomRun::Explore, &counter);
            let exhaustive = result.is_ok();
            (result, exhaustive)
        }
        Checker::ShuttleRandom | Checker::ShuttlePct => (
            run_shuttle(entry.shuttle_body, checker, budget, &counter),
            false,
        ),
    };
    let schedules = counter.load(Ordering::SeqCst);
    let (outcome, replay) = match result {
        Ok(()) => (Outcome::Passed, None),
        Err(payload) => {
            let outcome = outcome_of(payload.as_ref());
            let replay = dir.and_then(|dir| saved_replay(entry, checker, budget, &dir));
            (outcome, replay)
        }
    };
    CheckRecord {
        id: entry.case.id.to_string(),
        component: entry.case.component,
        subject: entry.case.subject.into(),
        operations: entry.case.operations.to_string(),
        checker,
        schedules,
        exhaustive,
        outcome,
        replay,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// File beside every saved schedule naming the case and checker it belongs
/// to, so a replay of it under anything else is refused.
pub const IDENTITY_FILE: &str = "case.json";

/// What [`IDENTITY_FILE`] records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Identity {
    case: String,
    checker: Checker,
    component: Component,
    /// FNV-1a (64 bits, hex) of the schedule file's bytes as saved: binds
    /// this identity to that one file, so a schedule copied beside another
    /// case's identity (or edited) is refused before it runs. It guards
    /// against mix-ups, not forgery: `twinbench replay` also runs the
    /// schedule in a child process, so a forged one that crashes the
    /// checker is "cannot replay" too.
    schedule_digest: String,
}

/// The digest [`IDENTITY_FILE`] records of a schedule file's `bytes`
/// (FNV-1a, 64 bits, hex).
pub fn schedule_digest(bytes: &[u8]) -> String {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(bytes);
    format!("{:016x}", hasher.finish())
}

/// Replays a saved schedule (a shuttle schedule file or a loom checkpoint).
///
/// The schedule is checked before anything runs: it must have been saved by
/// a check of this very case under this checker ([`IDENTITY_FILE`] beside
/// it), and parse as that checker's schedule; nothing is created. A
/// violation counts only if it is one of the case's own invariants (or a
/// deadlock): a panic of the checker over the schedule itself is "cannot
/// replay", never a reproduction.
pub fn replay(
    entry: &Entry,
    checker: Checker,
    schedule_file: &Path,
) -> Result<Outcome, ReplayError> {
    let refuse = |reason: String| ReplayError::NotReplayable {
        path: schedule_file.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(schedule_file).map_err(|source| ReplayError::Read {
        path: schedule_file.to_path_buf(),
        source,
    })?;
    let identity_file = schedule_file
        .parent()
        .unwrap_or(Path::new("."))
        .join(IDENTITY_FILE);
    let identity: Identity = std::fs::read(&identity_file)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            refuse(format!(
                "no readable {} beside it: not a schedule a twinbench check saved",
                identity_file.display()
            ))
        })?;
    if identity.case != entry.case.id || identity.component != entry.case.component {
        return Err(refuse(format!(
            "saved by case {} ({}), not {} ({})",
            identity.case,
            identity.component.title(),
            entry.case.id,
            entry.case.component.title()
        )));
    }
    if identity.checker != checker {
        return Err(refuse(format!(
            "saved under {}, not {checker}",
            identity.checker
        )));
    }
    let digest = schedule_digest(text.as_bytes());
    if identity.schedule_digest != digest {
        return Err(refuse(format!(
            "not the schedule saved with {} (its digest is {digest}, the saved one's {}): \
             copied from another check, or changed since",
            identity_file.display(),
            identity.schedule_digest
        )));
    }
    let counter = Arc::new(AtomicU64::new(0));
    let result = match checker {
        Checker::Loom => {
            if serde_json::from_str::<serde_json::Value>(&text).is_err() {
                return Err(refuse("not a loom checkpoint (not JSON)".into()));
            }
            let budget = Budget::ci(PathBuf::new());
            run_loom(
                entry.loom_body,
                &budget,
                LoomRun::Resume(schedule_file),
                &counter,
            )
        }
        Checker::ShuttleRandom | Checker::ShuttlePct => {
            let schedule = text.trim();
            if !is_shuttle_schedule(schedule) {
                return Err(refuse("not a shuttle schedule".into()));
            }
            let body = entry.shuttle_body;
            catch_unwind(AssertUnwindSafe(|| shuttle::replay(body, schedule)))
        }
    };
    let outcome = match result {
        Ok(()) => Outcome::Passed,
        Err(payload) => outcome_of(payload.as_ref()),
    };
    if let Outcome::Violated { invariant, detail } = &outcome {
        let own = entry.case.invariants.contains(&invariant.as_str())
            || invariant == "deadlock-free"
            || matches!(entry.case.subject, Subject::Zoo(z) if z.breaks == invariant);
        if !own {
            return Err(refuse(format!(
                "the run failed outside the case's invariants ({}): [{invariant}] {detail}",
                entry.case.invariants.join(", ")
            )));
        }
    }
    Ok(outcome)
}

type Panic = Box<dyn Any + Send + 'static>;

/// What a loom run does with a checkpoint file.
#[derive(Debug, Clone, Copy)]
enum LoomRun<'a> {
    /// Explore every schedule within the budget; no file.
    Explore,
    /// Explore, writing the path of each execution to this file before it
    /// runs, so the file holds the failing one when the run fails.
    SaveTo(&'a Path),
    /// Resume exploring where this checkpoint stands. A loom checkpoint is
    /// where exploration resumes, not one execution: loom rewrites the file
    /// at every execution, so the run reads a private copy and the user's
    /// file is never written. (Stopping after the first execution was
    /// tried: the same checkpoint then reproduced under one build of the
    /// binary and passed under another, with other dependency features, so
    /// the first violation found from the checkpoint is what counts; the
    /// digest in [`IDENTITY_FILE`] makes sure the checkpoint is the case's
    /// own.)
    Resume(&'a Path),
}

fn run_loom(
    body: fn(),
    budget: &Budget,
    mode: LoomRun<'_>,
    counter: &Arc<AtomicU64>,
) -> Result<(), Panic> {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(budget.loom_preemption_bound);
    builder.max_branches = 100_000;
    builder.max_permutations = None;
    builder.max_duration = None;
    let mut private_copy = None;
    match mode {
        LoomRun::Explore => {}
        LoomRun::SaveTo(path) => {
            builder.checkpoint_file = Some(path.to_path_buf());
            builder.checkpoint_interval = 1;
        }
        LoomRun::Resume(path) => {
            let copy = private_checkpoint(path)
                .map_err(|e| Box::new(format!("cannot copy the checkpoint: {e}")) as Panic)?;
            builder.checkpoint_file = Some(copy.join(LOOM_CHECKPOINT));
            builder.checkpoint_interval = 1;
            private_copy = Some(copy);
        }
    }
    let counter = Arc::clone(counter);
    let result = catch_unwind(AssertUnwindSafe(|| {
        builder.check(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            body();
        })
    }));
    if let Some(dir) = private_copy {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// File name of a saved loom checkpoint.
const LOOM_CHECKPOINT: &str = "checkpoint.json";

/// A fresh folder under the system temp dir holding a copy of `checkpoint`
/// as [`LOOM_CHECKPOINT`].
fn private_checkpoint(checkpoint: &Path) -> std::io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "twinbench-replay-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(checkpoint, dir.join(LOOM_CHECKPOINT))?;
    Ok(dir)
}

fn run_shuttle(
    body: fn(),
    checker: Checker,
    budget: &Budget,
    counter: &Arc<AtomicU64>,
) -> Result<(), Panic> {
    let mut config = shuttle::Config::new();
    // Saved by `saved_replay` instead (see there).
    config.failure_persistence = shuttle::FailurePersistence::None;
    let counter = Arc::clone(counter);
    let test = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        body();
    };
    catch_unwind(AssertUnwindSafe(|| {
        match checker {
            Checker::ShuttlePct => {
                let scheduler = shuttle::scheduler::PctScheduler::new_from_seed(
                    budget.seed,
                    budget.pct_depth,
                    budget.shuttle_pct,
                );
                shuttle::Runner::new(scheduler, config).run(test);
            }
            _ => {
                let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(
                    budget.seed,
                    budget.shuttle_random,
                );
                shuttle::Runner::new(scheduler, config).run(test);
            }
        };
    }))
}

/// A fresh, empty folder for this check's replay file: unique per process and
/// call, so concurrent tests never read each other's (or a stale) schedule.
fn replay_dir(entry: &Entry, checker: Checker, budget: &Budget) -> Option<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = budget.replay_dir.join(format!(
        "{}.{}.{}-{}",
        sanitize(entry.case.id),
        checker.name(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// The replay of a failed check, saved into `dir`.
///
/// Shuttle: the engine keeps the last execution's schedule in a thread-local
/// until the next execution starts, so right after the failing run it is the
/// failing schedule. (Shuttle's own file persistence is configured once per
/// process, by the first run, so it cannot give each check its own file.)
/// loom: rerun with a checkpoint written before every iteration; its
/// exploration order is fixed, so the rerun fails at the same schedule and the
/// file then holds the failing path.
fn saved_replay(entry: &Entry, checker: Checker, budget: &Budget, dir: &Path) -> Option<Replay> {
    let (file, schedule) = match checker {
        Checker::Loom => {
            let file = dir.join(LOOM_CHECKPOINT);
            let counter = Arc::new(AtomicU64::new(0));
            run_loom(entry.loom_body, budget, LoomRun::SaveTo(&file), &counter).err()?;
            (file.clone(), file.display().to_string())
        }
        Checker::ShuttleRandom | Checker::ShuttlePct => {
            let schedule = shuttle_engine::scheduler::serialization::serialize_schedule(
                &shuttle_engine::runtime::execution::CurrentSchedule::get_schedule(),
            );
            let file = dir.join("schedule.txt");
            std::fs::write(&file, &schedule).ok()?;
            (file, schedule)
        }
    };
    let identity = Identity {
        case: entry.case.id.to_string(),
        checker,
        component: entry.case.component,
        schedule_digest: schedule_digest(&std::fs::read(&file).ok()?),
    };
    let identity = serde_json::to_vec_pretty(&identity).ok()?;
    std::fs::write(dir.join(IDENTITY_FILE), identity).ok()?;
    let file = file.canonicalize().unwrap_or(file);
    Some(Replay {
        command: format!(
            "cargo run --release -p twinbench -- replay {} --checker {} --schedule {}",
            entry.case.id,
            checker.name(),
            file.display()
        ),
        schedule,
        file: file.display().to_string(),
    })
}

/// Whether `text` decodes as a shuttle schedule, checked without letting
/// shuttle's decoder see what would crash it: it indexes the first byte of
/// an empty input and reserves as many steps as the header claims, so the
/// header is read here first and the step count held to what the bits left
/// can encode (one bit at least per step). Whatever passes is decoded under
/// `catch_unwind`.
fn is_shuttle_schedule(text: &str) -> bool {
    /// The version byte shuttle-engine 0.1.8 writes (`SCHEDULE_MAGIC_V2`).
    const MAGIC: u8 = 0x91;
    let hex: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if hex.len() < 4 || hex.len() % 2 != 0 {
        return false;
    }
    let digit = |b: u8| (b as char).to_digit(16);
    let Some(bytes) = hex
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? * 16 + digit(pair[1])?))
        .map(|b| b.and_then(|b| u8::try_from(b).ok()))
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    if bytes[0] != MAGIC {
        return false;
    }
    let mut rest = &bytes[1..];
    let mut varint = || -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, tail) = rest.split_first()?;
            rest = tail;
            value |= u64::from(byte & 0x7F).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    };
    let (Some(_bits), Some(steps), Some(_seed)) = (varint(), varint(), varint()) else {
        return false;
    };
    if steps > 8 * rest.len() as u64 {
        return false;
    }
    let text = text.to_string();
    catch_unwind(move || {
        shuttle_engine::scheduler::serialization::deserialize_schedule(&text).is_some()
    })
    .unwrap_or(false)
}

fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Reads the invariant back out of a panic payload.
fn outcome_of(payload: &(dyn Any + Send)) -> Outcome {
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic with a non-string payload".to_string());
    if let Some(start) = message.find(VIOLATION_PREFIX) {
        let rest = &message[start + VIOLATION_PREFIX.len()..];
        if let Some(end) = rest.find(']') {
            return Outcome::Violated {
                invariant: rest[..end].to_string(),
                detail: rest[end + 1..].trim().to_string(),
            };
        }
    }
    let invariant = if message.to_lowercase().contains("deadlock") {
        "deadlock-free"
    } else {
        "no-panic"
    };
    Outcome::Violated {
        invariant: invariant.to_string(),
        detail: message,
    }
}
