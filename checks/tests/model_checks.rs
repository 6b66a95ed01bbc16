//! Plain `cargo test` runs every model check: each component's fixed cases
//! under loom (exhaustive within the preemption bound), shuttle's random and
//! shuttle's PCT schedulers, and every bug-zoo entry, which must be *caught*
//! breaking the invariant it names.
//!
//! `TWINBENCH_CHECKS=nightly cargo test -p twinbench-checks --release` runs
//! ten times the schedules at preemption bound 3.

use std::collections::BTreeSet;
use std::path::PathBuf;

use twinbench_checks::runner::{self, Outcome};
use twinbench_checks::{Budget, Checker, Component, Entry, Subject, catalog};

fn budget() -> Budget {
    Budget::from_env(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("replays"))
}

fn entries(component: Component, zoo: bool) -> Vec<Entry> {
    catalog()
        .into_iter()
        .filter(|e| e.case.component == component)
        .filter(|e| matches!(e.case.subject, Subject::Zoo(_)) == zoo)
        .collect()
}

/// Every fixed case of `component` that lists `checker` passes.
fn fixed_component_passes(component: Component, checker: Checker) {
    let cases: Vec<Entry> = entries(component, false)
        .into_iter()
        .filter(|e| e.case.checkers.contains(&checker))
        .collect();
    assert!(
        !cases.is_empty(),
        "{component} has no fixed case under {checker}: nothing would be checked"
    );
    let budget = budget();
    let failures: Vec<String> = cases
        .iter()
        .map(|e| runner::run(e, checker, &budget))
        .inspect(|r| eprintln!("{}", r.describe()))
        .filter(|r| !r.as_expected())
        .map(|r| r.describe())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every zoo entry of `component` is caught, under every checker it lists,
/// breaking exactly the invariant it names, with a replay saved.
fn zoo_is_caught(component: Component) {
    let budget = budget();
    let mut failures = Vec::new();
    for entry in entries(component, true) {
        for &checker in entry.case.checkers {
            let record = runner::run(&entry, checker, &budget);
            eprintln!("{}", record.describe());
            if !record.as_expected() {
                failures.push(format!("not caught as expected: {}", record.describe()));
            } else if record.replay.is_none() {
                failures.push(format!("caught but no replay saved: {}", record.describe()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

macro_rules! component_checks {
    ($($module:ident => $component:expr),* $(,)?) => {$(
        mod $module {
            use super::*;

            #[test]
            fn loom() {
                fixed_component_passes($component, Checker::Loom);
            }

            #[test]
            fn shuttle_random() {
                fixed_component_passes($component, Checker::ShuttleRandom);
            }

            #[test]
            fn shuttle_pct() {
                fixed_component_passes($component, Checker::ShuttlePct);
            }

            #[test]
            fn zoo() {
                zoo_is_caught($component);
            }
        }
    )*};
}

component_checks! {
    cache => Component::Cache,
    circuit_breaker => Component::CircuitBreaker,
    rate_limiter => Component::RateLimiter,
    connection_pool => Component::ConnectionPool,
    metrics => Component::Metrics,
    singleton => Component::Singleton,
    incident_store => Component::IncidentStore,
    stream_producer => Component::StreamProducer,
    balancer => Component::Balancer,
    service_registry => Component::ServiceRegistry,
    collector => Component::Collector,
    alert_pipeline => Component::AlertPipeline,
    error_aggregator => Component::ErrorAggregator,
    rollout => Component::Rollout,
}

/// The races issues 5, 19, 21 and 22 name, each of which must have a zoo entry.
const REQUIRED_ZOO: &[&str] = &[
    "R1.1",
    "R1.3",
    "R1.4",
    "R1.5",
    "R1.6",
    "R1.7",
    "R1.8",
    "R1.10",
    "R2.1",
    "R2.2",
    "R2.3",
    "R2.4",
    "R2.6",
    "R2.7",
    "R2.8",
    "R2.9",
    "R2.11",
    "R2.12",
    "R3.1",
    "R3.2",
    "R3.3",
    "R3.4",
    "R3.5",
    "R3.6",
    "R3.7",
    "R3.8",
    "R4.1",
    "R4.2",
    "R4.3",
    "R4.4",
    "R4.5",
    "R4.6",
    "R4.7",
    "R4.9",
    "R4.10",
    "R4.11",
    "R4.12",
    "10a.closed-handout",
    "R5.1",
    "R5.2",
    "R5.3",
    "R5.4",
    "R5.5",
    "R5.6",
    "R6.2",
    "R6.3",
    "R6.4",
    "R6.5",
    "R6.6",
    "R6.7",
    "R6.9",
    "R7.1",
    "R7.2",
    "R7.4",
    "R7.5",
    "R7.6",
    "R7.7.second-flusher",
    "R7.7.produce-during-stop",
    "R8.1",
    "R8.2",
    "R8.4",
    "R8.5",
    "X1",
    "R9.2",
    "R9.3",
    "R9.4",
    "R9.5",
    "R9.6",
    "R9.7",
    "R9.8",
    "S1",
    "S2",
    "S3",
    "seed003-breaker-counter",
    "seed003-breaker-half-open",
    "seed003-cache-expired-read",
    "seed003-registry-second-prober",
    "seed003-fallback-untagged",
    "seed003-fallback-caller-bug",
    "seed003-fallback-late-lookup",
    "seed003-error-counts",
    "seed003-error-count-rmw",
    "seed003-client-serialized",
    "seed003-mq-double-subscribe",
    "seed003-mq-publish-serialized",
    "R10.1.lost-counts",
    "R10.1.last-seen-backwards",
    "R10.2.iteration",
    "R10.3.torn-snapshot",
    "R10.5.shared-random",
    "R10.6.cancelled-retry",
    "R10.7.singleton",
    "RO.double-promotion",
    "RO.lost-rollback",
];

#[test]
fn every_required_race_has_a_zoo_entry_and_every_component_a_fixed_check() {
    let catalog = catalog();
    let zoo: BTreeSet<&str> = catalog
        .iter()
        .filter_map(|e| match e.case.subject {
            Subject::Zoo(z) => Some(z.catalog_id),
            Subject::Fixed => None,
        })
        .collect();
    let missing: Vec<&str> = REQUIRED_ZOO
        .iter()
        .copied()
        .filter(|id| !zoo.contains(id))
        .collect();
    assert!(missing.is_empty(), "no zoo entry for {missing:?}");
    for component in Component::ALL {
        for checker in Checker::ALL {
            assert!(
                catalog.iter().any(|e| e.case.component == component
                    && e.case.subject == Subject::Fixed
                    && e.case.checkers.contains(&checker)),
                "{component} has no fixed case under {checker}"
            );
        }
    }
    let ids: BTreeSet<&str> = catalog.iter().map(|e| e.case.id).collect();
    assert_eq!(ids.len(), catalog.len(), "case ids must be unique");
}

/// The two backends must include every module the shipped build has: a
/// component missing from a backend would silently go unchecked.
#[test]
fn both_backends_include_every_component_module() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let modules = |path: PathBuf| -> BTreeSet<String> {
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub mod "))
            .map(|m| m.trim_end_matches(['{', ';']).trim().to_string())
            .collect()
    };
    let shipped = modules(root.join("../kernels/src/concurrent/mod.rs"));
    for backend in ["loom_backend.rs", "shuttle_backend.rs"] {
        let mut included = modules(root.join("src").join(backend));
        included.remove("backend");
        included.remove("models");
        assert_eq!(
            included, shipped,
            "{backend} and kernels/src/concurrent/mod.rs differ"
        );
    }
}

/// A caught violation comes with a schedule that reproduces it.
#[test]
fn a_saved_schedule_replays_the_same_violation() {
    let entry = twinbench_checks::find("zoo.LB.seed003").expect("the balancer zoo entry exists");
    let budget = budget();
    for checker in Checker::ALL {
        let record = runner::run(&entry, checker, &budget);
        let replay = record
            .replay
            .as_ref()
            .unwrap_or_else(|| panic!("no replay saved: {}", record.describe()));
        let replayed = runner::replay(&entry, checker, std::path::Path::new(&replay.file))
            .expect("schedule file readable");
        assert_eq!(replayed, record.outcome, "{checker} replay");
        assert!(matches!(replayed, Outcome::Violated { .. }));
    }
}

/// Rewrites the schedule digest of an identity file to that of `schedule`:
/// what a forger (or a careless copy-and-edit) would do.
fn forge_digest(identity: &std::path::Path, schedule: &[u8]) {
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(identity).expect("read identity")).expect("json");
    json["schedule_digest"] = runner::schedule_digest(schedule).into();
    std::fs::write(identity, serde_json::to_vec(&json).expect("encode")).expect("write");
}

/// A schedule that cannot stand for a run of the case is refused before
/// anything runs — never "reproduced", never a file created.
#[test]
fn a_schedule_that_is_not_this_cases_is_refused() {
    use twinbench_checks::ReplayError;
    let entry = twinbench_checks::find("zoo.LB.seed003").expect("the balancer zoo entry exists");
    let other = catalog()
        .into_iter()
        .find(|e| e.case.id != entry.case.id)
        .expect("another case");
    let budget = budget();
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replay-refusals-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let refused = |result: Result<Outcome, ReplayError>, says: &str, what: &str| match result {
        Err(ReplayError::NotReplayable { reason, .. }) => {
            assert!(reason.contains(says), "{what}: {reason}")
        }
        other => panic!("{what}: expected a refusal, got {other:?}"),
    };
    for checker in Checker::ALL {
        let record = runner::run(&entry, checker, &budget);
        let saved = PathBuf::from(&record.replay.expect("replay saved").file);
        let wrong_checker = Checker::ALL
            .into_iter()
            .find(|&c| c != checker)
            .expect("another checker");
        refused(
            runner::replay(&entry, wrong_checker, &saved),
            "saved under",
            "another checker",
        );
        refused(
            runner::replay(&other, checker, &saved),
            "saved by case",
            "another case",
        );
        // Garbage beside a genuine identity file: not the schedule saved
        // with it; and with the identity's digest forged to match, still
        // not a schedule (the parser's own guard).
        let identity = saved.with_file_name(runner::IDENTITY_FILE);
        for (name, text) in [("empty", ""), ("text", "hello, not a schedule")] {
            let dir = scratch.join(format!("{}-{name}", checker.name()));
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::copy(&identity, dir.join(runner::IDENTITY_FILE)).expect("identity");
            let file = dir.join("schedule");
            std::fs::write(&file, text).expect("write");
            refused(
                runner::replay(&entry, checker, &file),
                "not the schedule saved with",
                name,
            );
            forge_digest(&dir.join(runner::IDENTITY_FILE), text.as_bytes());
            refused(runner::replay(&entry, checker, &file), "not a", name);
        }
        // A schedule with no identity beside it.
        let bare = scratch.join(format!("{}-bare", checker.name()));
        std::fs::create_dir_all(&bare).expect("dir");
        std::fs::copy(&saved, bare.join("schedule")).expect("copy");
        refused(
            runner::replay(&entry, checker, &bare.join("schedule")),
            "not a schedule a twinbench check saved",
            "bare",
        );
        // A missing path is an error, and loom does not create it.
        let missing = scratch.join(format!("{}-missing.json", checker.name()));
        assert!(matches!(
            runner::replay(&entry, checker, &missing),
            Err(ReplayError::Read { .. })
        ));
        assert!(!missing.exists(), "{checker} created {}", missing.display());
    }
}

/// A genuine shuttle schedule saved by a failing check of `zoo.LB.seed003`,
/// made once for the property test below.
fn saved_shuttle_schedule() -> &'static (Entry, PathBuf, String) {
    static SAVED: std::sync::OnceLock<(Entry, PathBuf, String)> = std::sync::OnceLock::new();
    SAVED.get_or_init(|| {
        let entry = twinbench_checks::find("zoo.LB.seed003").expect("the balancer zoo entry");
        let record = runner::run(&entry, Checker::ShuttleRandom, &budget());
        let saved = PathBuf::from(&record.replay.expect("replay saved").file);
        let text = std::fs::read_to_string(&saved).expect("read schedule");
        (entry, saved, text)
    })
}

/// How a schedule's text is mangled.
#[derive(Debug, Clone)]
enum ScheduleEdit {
    /// One hex digit replaced.
    Digit(usize, char),
    /// Cut after this many characters.
    Truncate(usize),
    /// These characters inserted at a position.
    Insert(usize, String),
    /// The header's step count made huge (the decoder would reserve it).
    HugeCount,
}

fn schedule_edit() -> impl proptest::strategy::Strategy<Value = ScheduleEdit> {
    use proptest::prelude::*;
    prop_oneof![
        (any::<usize>(), proptest::char::range('0', 'z'))
            .prop_map(|(i, c)| ScheduleEdit::Digit(i, c)),
        any::<usize>().prop_map(ScheduleEdit::Truncate),
        (any::<usize>(), "[0-9a-fA-F ]{1,12}").prop_map(|(i, s)| ScheduleEdit::Insert(i, s)),
        Just(ScheduleEdit::HugeCount),
    ]
}

fn apply(text: &str, edit: &ScheduleEdit) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let at = |i: usize| if chars.is_empty() { 0 } else { i % chars.len() };
    match edit {
        ScheduleEdit::Digit(i, c) => {
            let mut out = chars.clone();
            if !out.is_empty() {
                out[at(*i)] = *c;
            }
            out.into_iter().collect()
        }
        ScheduleEdit::Truncate(i) => chars[..at(*i)].iter().collect(),
        ScheduleEdit::Insert(i, s) => {
            let mut out: String = chars[..at(*i)].iter().collect();
            out.push_str(s);
            out.extend(&chars[at(*i)..]);
            out
        }
        // The magic byte, then a varint of ten 0xff bytes: a count beyond u64.
        ScheduleEdit::HugeCount => {
            let rest: String = chars.iter().skip(2).collect();
            format!("91{}{rest}", "ff".repeat(10))
        }
    }
}

proptest::proptest! {
    // 200 mangled schedules, the same every run.
    #![proptest_config(proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(200),
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7363_6865_6475_6c65),
        ..proptest::test_runner::Config::default()
    })]

    /// A mangled shuttle schedule, its identity re-forged to match (so the
    /// decoder and the checker, not the digest, meet it): replay never
    /// panics, and it either refuses, passes, or reproduces one of the
    /// case's own invariants — nothing else.
    #[test]
    fn mangled_schedules_never_panic_nor_reproduce_anything_else(edit in schedule_edit()) {
        use twinbench_checks::ReplayError;
        let (entry, saved, text) = saved_shuttle_schedule();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("mangled-schedule-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let identity = dir.join(runner::IDENTITY_FILE);
        std::fs::copy(saved.with_file_name(runner::IDENTITY_FILE), &identity).expect("identity");
        let mangled = apply(text, &edit);
        let file = dir.join("schedule.txt");
        std::fs::write(&file, &mangled).expect("write");
        forge_digest(&identity, mangled.as_bytes());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runner::replay(entry, Checker::ShuttleRandom, &file)
        }));
        proptest::prop_assert!(result.is_ok(), "replay panicked on {edit:?}");
        match result.unwrap_or(Ok(Outcome::Passed)) {
            Ok(Outcome::Violated { invariant, .. }) => {
                let own = entry.case.invariants.contains(&invariant.as_str())
                    || invariant == "deadlock-free"
                    || matches!(entry.case.subject, Subject::Zoo(z) if z.breaks == invariant);
                proptest::prop_assert!(own, "reproduced a foreign invariant {invariant} on {edit:?}");
            }
            Ok(Outcome::Passed) | Err(ReplayError::NotReplayable { .. }) => {}
            Err(other) => proptest::prop_assert!(false, "unexpected error {other} on {edit:?}"),
        }
    }
}
