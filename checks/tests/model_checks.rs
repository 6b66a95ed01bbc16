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
}

/// The races issue 5 names, each of which must have a zoo entry.
const REQUIRED_ZOO: [&str; 21] = [
    "R1.1",
    "R2.2",
    "R2.4",
    "R3.1",
    "R3.2",
    "R3.3",
    "R3.4",
    "R4.1",
    "R5.1",
    "R6.2",
    "R6.4",
    "R7.1",
    "R7.2",
    "R8.1",
    "R9.2",
    "R9.3",
    "S1",
    "S2",
    "S3",
    "seed003-breaker-counter",
    "seed003-breaker-half-open",
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
        .into_iter()
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
        // Garbage beside a genuine identity file: not a schedule.
        let identity = saved.with_file_name(runner::IDENTITY_FILE);
        for (name, text) in [("empty", ""), ("text", "hello, not a schedule")] {
            let dir = scratch.join(format!("{}-{name}", checker.name()));
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::copy(&identity, dir.join(runner::IDENTITY_FILE)).expect("identity");
            let file = dir.join("schedule");
            std::fs::write(&file, text).expect("write");
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
