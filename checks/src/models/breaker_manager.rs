//! Breaker registry: concurrent creators of one name get one breaker, the
//! creation counter is exact and a stats sweep is undisturbed; the original
//! manager's check-then-insert (R3.7) hands out two.
//!
//! Listed under the circuit-breaker component: the registry is the other
//! half of catalog §3 (`CircuitBreakerManager` beside the breaker).

use super::super::SCALE;
use super::super::breaker::{BreakerConfig, State};
use super::super::breaker_manager::BreakerRegistry;
use super::super::bug_zoo::breaker_manager::RacyBreakerManager;
use super::super::clock::ManualClock;
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ONE_BREAKER_PER_NAME: &str = "one-breaker-per-name";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "breaker_registry.concurrent_create",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers each create the breaker \"db\" while main sweeps every \
                         breaker's stats",
            invariants: &[ONE_BREAKER_PER_NAME],
            checkers: &Checker::ALL,
            body: concurrent_create,
        },
        CheckCase {
            id: "breaker_registry.shared_get_or_create",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers each get_or_create \"db\" (threshold = workers) and record \
                         one failure through their handle",
            invariants: &[ONE_BREAKER_PER_NAME],
            checkers: &Checker::ALL,
            body: shared_get_or_create,
        },
        CheckCase {
            id: "zoo.R3.7",
            component: Component::CircuitBreaker,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R3.7",
                breaks: ONE_BREAKER_PER_NAME,
            }),
            operations: "workers each create_breaker \"db\": check the name, build, insert, \
                         total_breakers += 1",
            invariants: &[ONE_BREAKER_PER_NAME],
            checkers: &Checker::ALL,
            body: zoo_duplicate_breaker,
        },
    ]
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(0))
}

/// Exactly one creator succeeded and the counter matches the registry.
fn check_created(winners: usize, created: u64, registered: usize) {
    ensure(
        winners == 1 && created == 1 && registered == 1,
        ONE_BREAKER_PER_NAME,
        || {
            format!(
                "{winners} creators of \"db\" succeeded; counter {created}, \
                 {registered} registered"
            )
        },
    );
}

fn creators(create: impl Fn() -> bool + Send + Sync + 'static) -> usize {
    let create = Arc::new(create);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let create = Arc::clone(&create);
            thread::spawn(move || usize::from(create()))
        })
        .collect();
    workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
}

fn concurrent_create() {
    let registry = BreakerRegistry::new(clock());
    let creating = registry.clone();
    let sweeping = registry.clone();
    let sweeper = thread::spawn(move || sweeping.all_stats());
    let winners = creators(move || creating.create("db", BreakerConfig::default()).is_ok());
    let swept = sweeper.join().unwrap_or_default();
    ensure(
        swept.len() <= 1 && swept.iter().all(|(name, _)| name == "db"),
        ONE_BREAKER_PER_NAME,
        || format!("stats sweep listed {swept:?}"),
    );
    check_created(winners, registry.created(), registry.len());
}

fn shared_get_or_create() {
    let registry = BreakerRegistry::new(clock());
    let config = BreakerConfig {
        failure_threshold: SCALE.threads as u32,
        ..BreakerConfig::default()
    };
    let getting = registry.clone();
    let recorded = creators(move || {
        getting
            .get_or_create("db", config)
            .map(|breaker| breaker.call(|| Err::<(), ()>(())).is_err())
            .unwrap_or(false)
    });
    let stats = registry.get("db").map(|b| b.stats());
    ensure(
        recorded == SCALE.threads
            && stats.is_some_and(|s| s.state == State::Open && s.failures == recorded as u64)
            && registry.created() == 1,
        ONE_BREAKER_PER_NAME,
        || {
            format!(
                "{recorded} failures recorded through get_or_create handles; the registered \
                 breaker shows {stats:?}; {} created",
                registry.created()
            )
        },
    );
}

fn zoo_duplicate_breaker() {
    let manager = Arc::new(RacyBreakerManager::new(clock()));
    let creating = Arc::clone(&manager);
    let winners = creators(move || {
        creating
            .create_breaker("db", BreakerConfig::default())
            .is_ok()
    });
    check_created(winners, manager.total_breakers(), manager.len());
}
