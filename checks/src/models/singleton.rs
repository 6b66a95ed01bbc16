//! Lazy singleton: concurrent getters share one fully initialised instance,
//! failed inits publish nothing, replace/shutdown hand the old instance back
//! for teardown; the original's three accessor shapes (S1, S2, S3) do not.

use super::super::SCALE;
use super::super::bug_zoo::singleton::{OverwritingInit, PublishBeforeInit, UnlockedLazy};
use super::super::error_aggregator::ErrorHandler;
use super::super::singleton::Singleton;
use super::super::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const CONSTRUCTED_ONCE: &str = "constructed-once";
const NEVER_HALF_INITIALISED: &str = "never-half-initialised";
const FAILED_INIT_LEAVES_EMPTY: &str = "failed-init-leaves-empty";
const OLD_INSTANCE_TORN_DOWN: &str = "old-instance-torn-down";
const ONE_ENGINE_KEEPS_EVERY_ALERT: &str = "one-engine-keeps-every-alert";
const ONE_HANDLER_KEEPS_EVERY_REGISTRATION: &str = "one-handler-keeps-every-registration";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "singleton.concurrent_get",
            component: Component::Singleton,
            subject: Subject::Fixed,
            operations: "workers each get-or-init the singleton (construct, then initialise) \
                         while main reads it without initialising",
            invariants: &[CONSTRUCTED_ONCE, NEVER_HALF_INITIALISED],
            checkers: &Checker::ALL,
            body: concurrent_get,
        },
        CheckCase {
            id: "singleton.failed_init",
            component: Component::Singleton,
            subject: Subject::Fixed,
            operations: "workers each get-or-init; the first init attempt fails, later ones \
                         succeed; main reads meanwhile",
            invariants: &[
                FAILED_INIT_LEAVES_EMPTY,
                CONSTRUCTED_ONCE,
                NEVER_HALF_INITIALISED,
            ],
            checkers: &Checker::ALL,
            body: failed_init,
        },
        CheckCase {
            id: "singleton.replace_shutdown_vs_get",
            component: Component::Singleton,
            subject: Subject::Fixed,
            operations: "one worker replaces the instance (tearing the old one down), one \
                         (shuttle) shuts it down, the others get-or-init",
            invariants: &[
                OLD_INSTANCE_TORN_DOWN,
                CONSTRUCTED_ONCE,
                NEVER_HALF_INITIALISED,
            ],
            checkers: &Checker::ALL,
            body: replace_shutdown_vs_get,
        },
        CheckCase {
            id: "singleton.engine_keeps_every_alert",
            component: Component::Singleton,
            subject: Subject::Fixed,
            operations: "workers each get-or-init the correlation engine and process one \
                         alert through the engine they got",
            invariants: &[ONE_ENGINE_KEEPS_EVERY_ALERT],
            checkers: &Checker::ALL,
            body: engine_keeps_every_alert,
        },
        CheckCase {
            id: "singleton.handler_keeps_every_registration",
            component: Component::Singleton,
            subject: Subject::Fixed,
            operations: "workers each get-or-init the error handler and register a fallback \
                         on the handler they got",
            invariants: &[ONE_HANDLER_KEEPS_EVERY_REGISTRATION],
            checkers: &Checker::ALL,
            body: handler_keeps_every_registration,
        },
        CheckCase {
            id: "zoo.S1",
            component: Component::Singleton,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "S1",
                breaks: CONSTRUCTED_ONCE,
            }),
            operations: "workers each call the lazy getter `if g is None: g = X()`",
            invariants: &[CONSTRUCTED_ONCE],
            checkers: &Checker::ALL,
            body: zoo_unlocked_lazy,
        },
        CheckCase {
            id: "zoo.S2",
            component: Component::Singleton,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "S2",
                breaks: NEVER_HALF_INITIALISED,
            }),
            operations: "workers each call the getter that assigns the global, then \
                         initialises it",
            invariants: &[NEVER_HALF_INITIALISED],
            checkers: &Checker::ALL,
            body: zoo_publish_before_init,
        },
        CheckCase {
            id: "zoo.S3",
            component: Component::Singleton,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "S3",
                breaks: OLD_INSTANCE_TORN_DOWN,
            }),
            operations: "one worker calls initialize_x() (overwrites the global) while the \
                         others call the lazy getter",
            invariants: &[OLD_INSTANCE_TORN_DOWN],
            checkers: &Checker::ALL,
            body: zoo_overwriting_init,
        },
        CheckCase {
            id: "zoo.ML6.singleton",
            component: Component::Singleton,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "ML6.singleton",
                breaks: ONE_ENGINE_KEEPS_EVERY_ALERT,
            }),
            operations: "workers each call `get_correlation_engine()` (`if _engine is None: \
                         _engine = AlertCorrelationEngine()`) and process one alert",
            invariants: &[ONE_ENGINE_KEEPS_EVERY_ALERT],
            checkers: &Checker::ALL,
            body: zoo_two_engines,
        },
        CheckCase {
            id: "zoo.R10.7.singleton",
            component: Component::Singleton,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R10.7.singleton",
                breaks: ONE_HANDLER_KEEPS_EVERY_REGISTRATION,
            }),
            operations: "workers each call `get_error_handler()` (`if _error_handler is None: \
                         _error_handler = EnhancedErrorHandler()`) and register a fallback",
            invariants: &[ONE_HANDLER_KEEPS_EVERY_REGISTRATION],
            checkers: &Checker::ALL,
            body: zoo_two_handlers,
        },
    ]
}

/// The singleton's instance type: initialised in a second step, like the
/// original managers (`X()` then `initialize()`).
#[derive(Debug)]
struct Service {
    id: usize,
    initialised: AtomicBool,
}

impl Service {
    fn initialise(&self) {
        self.initialised.store(true, Ordering::SeqCst);
    }

    fn is_initialised(&self) -> bool {
        self.initialised.load(Ordering::SeqCst)
    }
}

/// What the case observes from outside: instances constructed, and
/// instances constructed but not yet torn down ("still running").
#[derive(Debug)]
struct World {
    constructed: AtomicUsize,
    live: AtomicUsize,
}

impl World {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            constructed: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
        })
    }

    /// `X()`: not yet initialised.
    fn construct(&self) -> Service {
        let id = self.constructed.fetch_add(1, Ordering::SeqCst);
        self.live.fetch_add(1, Ordering::SeqCst);
        Service {
            id,
            initialised: AtomicBool::new(false),
        }
    }

    /// `X()` then `initialize()`, both before returning.
    fn build(&self) -> Service {
        let service = self.construct();
        service.initialise();
        service
    }

    fn tear_down(&self, _service: &Service) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }

    fn constructed(&self) -> usize {
        self.constructed.load(Ordering::SeqCst)
    }

    fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }
}

fn ensure_initialised(service: &Service) {
    ensure(service.is_initialised(), NEVER_HALF_INITIALISED, || {
        format!(
            "caller received instance {} before its initialisation",
            service.id
        )
    });
}

fn concurrent_get() {
    let world = World::new();
    let singleton: Singleton<Service> = Singleton::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (world, singleton) = (Arc::clone(&world), singleton.clone());
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .filter_map(|_| {
                        singleton
                            .get_or_try_init(|| Ok::<_, ()>(world.build()))
                            .ok()
                    })
                    .map(|s| {
                        ensure_initialised(&s);
                        s.id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    if let Some(s) = singleton.get() {
        ensure_initialised(&s);
    }
    let ids: Vec<usize> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    let constructed = world.constructed();
    ensure(
        constructed == 1 && ids.iter().all(|&id| id == 0),
        CONSTRUCTED_ONCE,
        || format!("{constructed} constructions; getters received instances {ids:?}"),
    );
}

fn failed_init() {
    let world = World::new();
    let attempts = Arc::new(AtomicUsize::new(0));
    let singleton: Singleton<Service> = Singleton::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (world, singleton) = (Arc::clone(&world), singleton.clone());
            let attempts = Arc::clone(&attempts);
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .map(|_| {
                        singleton
                            .get_or_try_init(|| match attempts.fetch_add(1, Ordering::SeqCst) {
                                0 => Err("first init fails"),
                                _ => Ok(world.build()),
                            })
                            .map(|s| {
                                ensure_initialised(&s);
                                s.id
                            })
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    if let Some(s) = singleton.get() {
        ensure_initialised(&s);
    }
    let results: Vec<Result<usize, &str>> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    let failures = results.iter().filter(|r| r.is_err()).count();
    let published = singleton.get().map(|s| s.id);
    // Two or more calls, one failure: a later call must have run its own
    // init and published it, and every success is that instance.
    ensure(
        failures == 1
            && published.is_some()
            && results.iter().flatten().all(|&id| Some(id) == published),
        FAILED_INIT_LEAVES_EMPTY,
        || format!("results {results:?}, published {published:?}"),
    );
    let constructed = world.constructed();
    ensure(constructed == 1, CONSTRUCTED_ONCE, || {
        format!("{constructed} successful constructions in one epoch")
    });
}

fn replace_shutdown_vs_get() {
    let world = World::new();
    let singleton: Singleton<Service> = Singleton::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (world, singleton) = (Arc::clone(&world), singleton.clone());
            thread::spawn(move || match t {
                0 => {
                    if let Ok(replaced) = singleton.try_replace(|| Ok::<_, ()>(world.build())) {
                        ensure_initialised(&replaced.instance);
                        if let Some(old) = replaced.old {
                            world.tear_down(&old);
                        }
                    }
                }
                2 => {
                    if let Some(old) = singleton.shutdown() {
                        world.tear_down(&old);
                    }
                }
                _ => {
                    for _ in 0..SCALE.ops_per_thread {
                        if let Ok(s) = singleton.get_or_try_init(|| Ok::<_, ()>(world.build())) {
                            ensure_initialised(&s);
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let published = usize::from(singleton.get().is_some());
    let live = world.live();
    ensure(live == published, OLD_INSTANCE_TORN_DOWN, || {
        format!("{live} instances still running, {published} published")
    });
    let (constructed, epochs) = (world.constructed(), singleton.epoch());
    // One getter construction per epoch at most, plus the replacement itself.
    ensure(constructed as u64 <= epochs + 1, CONSTRUCTED_ONCE, || {
        format!("{constructed} constructions over {epochs} replacements/shutdowns")
    });
}

fn zoo_unlocked_lazy() {
    let world = World::new();
    let global = Arc::new(UnlockedLazy::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (world, global) = (Arc::clone(&world), Arc::clone(&global));
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    drop(global.get(|| world.build()));
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let constructed = world.constructed();
    ensure(constructed == 1, CONSTRUCTED_ONCE, || {
        format!("{constructed} instances constructed by the lazy getter")
    });
}

fn zoo_publish_before_init() {
    let world = World::new();
    let global = Arc::new(PublishBeforeInit::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (world, global) = (Arc::clone(&world), Arc::clone(&global));
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    let s = global.get(|| world.construct(), Service::initialise);
                    ensure_initialised(&s);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

fn zoo_overwriting_init() {
    let world = World::new();
    let global = Arc::new(OverwritingInit::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (world, global) = (Arc::clone(&world), Arc::clone(&global));
            thread::spawn(move || {
                if t == 0 {
                    drop(global.initialize(|| world.build()));
                } else {
                    for _ in 0..SCALE.ops_per_thread {
                        drop(global.get(|| world.build()));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let published = usize::from(global.current().is_some());
    let live = world.live();
    ensure(live == published, OLD_INSTANCE_TORN_DOWN, || {
        format!("{live} instances still running, {published} published")
    });
}

/// The monitoring server's correlation engine, reduced to what the
/// singleton race loses: the alerts it has processed (its groups).
#[derive(Debug, Default)]
struct Engine {
    processed: super::super::sync::Mutex<Vec<usize>>,
}

impl Engine {
    fn process_alert(&self, alert: usize) {
        self.processed.lock().push(alert);
    }
}

/// Every worker's alert must be in the engine later callers get: an
/// engine built and used by a first caller, then replaced by a second
/// caller's, takes the first caller's groups with it.
fn ensure_every_alert_kept(kept: Option<Arc<Engine>>) {
    let mut processed = kept.map(|e| e.processed.lock().clone()).unwrap_or_default();
    processed.sort_unstable();
    let expected: Vec<usize> = (0..SCALE.threads).collect();
    ensure(processed == expected, ONE_ENGINE_KEEPS_EVERY_ALERT, || {
        format!("alerts {expected:?} processed, the engine callers now get holds {processed:?}")
    });
}

fn engine_keeps_every_alert() {
    let singleton: Singleton<Engine> = Singleton::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|alert| {
            let singleton = singleton.clone();
            thread::spawn(move || {
                if let Ok(engine) = singleton.get_or_try_init(|| Ok::<_, ()>(Engine::default())) {
                    engine.process_alert(alert);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    ensure_every_alert_kept(singleton.get());
}

/// `ML6.singleton` (catalog ml_monitoring.md §6, §10): the module-level
/// engine is created lazily without a lock, so two first callers can each
/// build one; the first caller's alerts go into an engine nobody reaches
/// again. The same holds for `_alert_correlator`, `_alert_engine`,
/// `_alerting_system` and `_alert_manager` (§3, §4, §8, §9).
fn zoo_two_engines() {
    let global: Arc<UnlockedLazy<Engine>> = Arc::new(UnlockedLazy::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|alert| {
            let global = Arc::clone(&global);
            thread::spawn(move || global.get(Engine::default).process_alert(alert))
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    ensure_every_alert_kept(Some(global.get(Engine::default)));
}

/// Worker `t`'s registration.
fn fallback_of(worker: usize) -> String {
    format!("svc{worker}")
}

/// Every worker's fallback must be registered on the handler later callers
/// get: registrations made on a handler that lost the race vanish with it.
fn ensure_every_registration_kept(kept: Option<Arc<ErrorHandler>>) {
    let registered = kept.map(|h| h.fallbacks()).unwrap_or_default();
    let mut expected: Vec<String> = (0..SCALE.threads).map(fallback_of).collect();
    expected.sort_unstable();
    ensure(
        registered == expected,
        ONE_HANDLER_KEEPS_EVERY_REGISTRATION,
        || {
            format!(
                "fallbacks {expected:?} registered, the handler callers now get holds {registered:?}"
            )
        },
    );
}

fn handler_keeps_every_registration() {
    let singleton: Singleton<ErrorHandler> = Singleton::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let singleton = singleton.clone();
            thread::spawn(move || {
                if let Ok(handler) = singleton.get_or_try_init(|| Ok::<_, ()>(ErrorHandler::new(0)))
                {
                    handler.register_fallback(&fallback_of(t));
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    ensure_every_registration_kept(singleton.get());
}

/// `R10.7.singleton` (catalog error_handling.md §2): `get_error_handler`
/// checks the module global, then assigns it, with no lock; two first
/// callers each build a handler, and the fallbacks, handlers and strategies
/// registered on the one overwritten are gone (its holders keep writing to
/// a private aggregator).
fn zoo_two_handlers() {
    let global: Arc<UnlockedLazy<ErrorHandler>> = Arc::new(UnlockedLazy::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let global = Arc::clone(&global);
            thread::spawn(move || {
                global
                    .get(|| ErrorHandler::new(0))
                    .register_fallback(&fallback_of(t))
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    ensure_every_registration_kept(Some(global.get(|| ErrorHandler::new(0))));
}
