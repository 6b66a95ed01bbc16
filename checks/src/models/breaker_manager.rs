//! Breaker registry: concurrent creators of one name get one breaker, the
//! creation counter is exact and a stats sweep is undisturbed; the original
//! manager's check-then-insert (R3.7) hands out two. The global registry is
//! built once (the original's check-then-assign singleton, R3.8, builds two),
//! and the cache manager's first use racing its re-initialisation leaves a
//! complete manager published (the original keeps a half-initialised one,
//! X1).
//!
//! Listed under the circuit-breaker component: the registry is the other
//! half of catalog §3 (`CircuitBreakerManager` beside the breaker).

use super::super::SCALE;
use super::super::breaker::{BreakerConfig, State};
use super::super::breaker_manager::{BreakerRegistry, GlobalBreakerRegistry};
use super::super::bug_zoo::breaker_manager::{
    CacheManagerGlobal, RacyBreakerManager, UnlockedManagerGlobal,
};
use super::super::cache::Cache;
use super::super::cache_manager::{CacheManager, CacheManagerConfig};
use super::super::clock::ManualClock;
use super::super::singleton::Singleton;
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ONE_BREAKER_PER_NAME: &str = "one-breaker-per-name";
const ONE_MANAGER_KEEPS_EVERY_BREAKER: &str = "one-manager-keeps-every-breaker";
const PUBLISHED_MANAGER_INITIALISED: &str = "published-manager-initialised";

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
            id: "breaker_registry.global_built_once",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers each get the global registry (built on first use) and \
                         create their own breaker in it",
            invariants: &[ONE_MANAGER_KEEPS_EVERY_BREAKER],
            checkers: &Checker::ALL,
            body: global_built_once,
        },
        CheckCase {
            id: "breaker_registry.cache_manager_reinit",
            component: Component::CircuitBreaker,
            subject: Subject::Fixed,
            operations: "workers alternately get the global cache manager (initialised on \
                         first use) and re-initialise it (replace); each manager takes the \
                         registry's \"cache_manager\" breaker",
            invariants: &[PUBLISHED_MANAGER_INITIALISED],
            checkers: &Checker::ALL,
            body: cache_manager_reinit,
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
        CheckCase {
            id: "zoo.R3.8",
            component: Component::CircuitBreaker,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R3.8",
                breaks: ONE_MANAGER_KEEPS_EVERY_BREAKER,
            }),
            operations: "workers each call get_circuit_breaker_manager() (if None: build, \
                         assign) and create their own breaker in it",
            invariants: &[ONE_MANAGER_KEEPS_EVERY_BREAKER],
            checkers: &Checker::ALL,
            body: zoo_two_managers,
        },
        CheckCase {
            id: "zoo.X1",
            component: Component::CircuitBreaker,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "X1",
                breaks: PUBLISHED_MANAGER_INITIALISED,
            }),
            operations: "workers alternately call get_cache_manager() and \
                         initialize_cache_manager() (assign the global, then initialize: \
                         create_breaker(\"cache_manager\") raises if taken)",
            invariants: &[PUBLISHED_MANAGER_INITIALISED],
            checkers: &Checker::ALL,
            body: zoo_half_initialised_cache_manager,
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

/// Worker `t`'s breaker.
fn breaker_of(worker: usize) -> String {
    format!("db{worker}")
}

/// Every worker's breaker must be listed by the registry later callers get.
fn ensure_every_breaker_kept(mut listed: Vec<String>) {
    listed.sort_unstable();
    let mut expected: Vec<String> = (0..SCALE.threads).map(breaker_of).collect();
    expected.sort_unstable();
    ensure(listed == expected, ONE_MANAGER_KEEPS_EVERY_BREAKER, || {
        format!("breakers {expected:?} created, the manager callers now get lists {listed:?}")
    });
}

fn global_built_once() {
    let global: GlobalBreakerRegistry<Arc<ManualClock>> = Singleton::new();
    let clock = clock();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (global, clock) = (global.clone(), Arc::clone(&clock));
            thread::spawn(move || {
                if let Ok(registry) =
                    global.get_or_try_init(|| Ok::<_, ()>(BreakerRegistry::new(clock)))
                {
                    let _ = registry.create(&breaker_of(t), BreakerConfig::default());
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let listed = global
        .get()
        .map(|r| r.all_stats().into_iter().map(|(name, _)| name).collect())
        .unwrap_or_default();
    ensure_every_breaker_kept(listed);
}

/// R3.8: `get_circuit_breaker_manager` checks, then builds and assigns.
fn zoo_two_managers() {
    let global: Arc<UnlockedManagerGlobal<Arc<ManualClock>>> =
        Arc::new(UnlockedManagerGlobal::new());
    let clock = clock();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (global, clock) = (Arc::clone(&global), Arc::clone(&clock));
            thread::spawn(move || {
                let manager = global.get(|| RacyBreakerManager::new(clock));
                let _ = manager.create_breaker(&breaker_of(t), BreakerConfig::default());
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let manager = global.get(|| RacyBreakerManager::new(clock));
    let listed = (0..SCALE.threads)
        .map(breaker_of)
        .filter(|name| manager.get_breaker(name).is_some())
        .collect();
    ensure_every_breaker_kept(listed);
}

/// Worker `t` gets the cache manager if `t` is even, re-initialises it if
/// odd (one of each under loom), each a first use or a later one depending
/// on the schedule.
fn is_getter(worker: usize) -> bool {
    worker % 2 == 0
}

/// The published manager must be initialised: it holds the registry's
/// `"cache_manager"` breaker (a failure through it shows in the registry's
/// handle), and the registry made exactly one.
fn ensure_published_initialised(trip: Option<bool>, registered: Option<State>, created: u64) {
    ensure(
        trip == Some(true) && registered == Some(State::Open) && created == 1,
        PUBLISHED_MANAGER_INITIALISED,
        || {
            format!(
                "published manager: breaker tripped {trip:?} (None: no manager or no breaker); \
                 registry's \"cache_manager\" is {registered:?}; {created} created"
            )
        },
    );
}

/// A breaker that opens on its first failure, so one failure tells handles apart.
fn trips_at_once() -> BreakerConfig {
    BreakerConfig {
        failure_threshold: 1,
        ..BreakerConfig::default()
    }
}

fn cache_manager_reinit() {
    type Manager = CacheManager<u64, u64, Arc<ManualClock>>;
    let clock = clock();
    let breakers = BreakerRegistry::new(Arc::clone(&clock));
    let l2: Cache<u64, u64, _> = Cache::new(4, None, clock).expect("capacity");
    let config = CacheManagerConfig {
        l1_capacity: 2,
        l1_ttl: None,
        breaker: trips_at_once(),
    };
    let global: Singleton<Manager> = Singleton::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (global, breakers, l2) = (global.clone(), breakers.clone(), l2.clone());
            thread::spawn(move || {
                let init = || Manager::initialize(config, l2, &breakers);
                if is_getter(t) {
                    let _ = global.get_or_try_init(init);
                } else if let Ok(replaced) = global.try_replace(init) {
                    // The displaced manager is torn down (dropped) here.
                    drop(replaced.old);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let trip = global
        .get()
        .map(|m| m.protect(|| Err::<(), ()>(())).is_err());
    let registered = breakers.get(Manager::BREAKER).map(|b| b.state());
    ensure_published_initialised(trip, registered, breakers.created());
}

/// X1: first use and re-initialisation of the original's cache manager.
fn zoo_half_initialised_cache_manager() {
    let breakers = Arc::new(RacyBreakerManager::new(clock()));
    let global = Arc::new(CacheManagerGlobal::new(
        Arc::clone(&breakers),
        trips_at_once(),
    ));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let global = Arc::clone(&global);
            thread::spawn(move || {
                // A failed initialisation raises to this caller; what matters
                // is what stays published.
                let _ = if is_getter(t) {
                    global.get_cache_manager()
                } else {
                    global.initialize_cache_manager()
                };
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let trip = global
        .current()
        .and_then(|m| m.breaker())
        .map(|b| b.call(|| Err::<(), ()>(())).is_err());
    let registered = breakers.get_breaker("cache_manager").map(|b| b.state());
    ensure_published_initialised(trip, registered, breakers.total_breakers());
}
