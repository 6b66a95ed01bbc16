//! Service registry: concurrent probes, re-registrations and discoveries keep
//! health newest-first, per registration and fresh; the original's probes and
//! cache (R9.1–R9.3) do not. Concurrent request counts are exact; the
//! original's separate read-modify-writes (R9.6) lose some. Re-registering
//! a service never adds a prober; seed 003's registry starts a second one.
//! A start that races a stop of the health monitor decides its final state;
//! the original's start during a slow stop is undone (R9.4).

use super::super::SCALE;
use super::super::bug_zoo::registry::{
    OriginalProbeLoop, OriginalRegistry, OriginalTicket, Seed003Registry,
};
use super::super::clock::{Clock, ManualClock, Millis};
use super::super::registry::{
    CORE_SERVICES, DEFAULT_MAX_SILENCE, DEFAULT_PROBE_TIMEOUT, Health, ProbeTicket, Query,
    ServiceRegistry, health_monitor,
};
use super::super::sync::atomic::{AtomicU64, Ordering};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure, violated};

const NEWEST_PROBE_WINS: &str = "newest-probe-wins";
const NO_CROSS_WIRING: &str = "no-cross-wiring";
const DISCOVERY_FRESH: &str = "discovery-fresh";
const COUNTERS_EXACT: &str = "counters-exact";
const ONE_PROBER_PER_SERVICE: &str = "one-prober-per-service";
const LAST_CALL_DECIDES: &str = "final-state-is-last-call";
const REINIT_KEEPS_STATE: &str = "reinit-keeps-state";
const SILENT_MARKED: &str = "silent-marked";
const PROBE_DEADLINE: &str = "probe-deadline";

const ID: &str = "svc";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "service_registry.overlapping_probes",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "workers each begin and complete probes of one service with \
                         alternating results",
            invariants: &[NEWEST_PROBE_WINS, NO_CROSS_WIRING],
            checkers: &Checker::ALL,
            body: overlapping_probes_fixed,
        },
        CheckCase {
            id: "service_registry.reregister_while_probing",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "one worker re-registers the service while the others probe it",
            invariants: &[NO_CROSS_WIRING, NEWEST_PROBE_WINS],
            checkers: &Checker::ALL,
            body: reregister_while_probing_fixed,
        },
        CheckCase {
            id: "service_registry.discover_during_health_change",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "main discovers healthy services (cached) while workers probe \
                         them unhealthy/healthy",
            invariants: &[DISCOVERY_FRESH],
            checkers: &Checker::ALL,
            body: discover_during_health_change_fixed,
        },
        CheckCase {
            id: "service_registry.concurrent_request_counts",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "workers each record requests (every other one failed) to one service",
            invariants: &[COUNTERS_EXACT],
            checkers: &Checker::ALL,
            body: concurrent_request_counts,
        },
        CheckCase {
            id: "service_registry.reregister_while_monitoring",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "health monitor running (a thread); workers each (re-)register one \
                         service while main ticks the monitor, then stops it",
            invariants: &[ONE_PROBER_PER_SERVICE],
            checkers: &Checker::ALL,
            body: reregister_while_monitoring,
        },
        CheckCase {
            id: "service_registry.monitor_start_during_stop",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "health monitor started; a worker starts it while main stops it",
            invariants: &[LAST_CALL_DECIDES],
            checkers: &Checker::ALL,
            body: monitor_start_during_stop,
        },
        CheckCase {
            id: "service_registry.reinitialize_while_probing",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "registry initialised; a worker probes a core service while \
                         another initialises the registry again",
            invariants: &[REINIT_KEEPS_STATE, NEWEST_PROBE_WINS],
            checkers: &Checker::ALL,
            body: reinitialize_while_probing_fixed,
        },
        CheckCase {
            id: "service_registry.silent_service_marked",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "a monitor runs health cycles on a logical clock (probes answer \
                         healthy) while a worker heart-beats one service; the other is silent",
            invariants: &[SILENT_MARKED],
            checkers: &Checker::ALL,
            body: silent_service_marked_fixed,
        },
        CheckCase {
            id: "service_registry.hung_probe_fails_at_deadline",
            component: Component::ServiceRegistry,
            subject: Subject::Fixed,
            operations: "a timed probe is in flight; its service answers healthy on a worker \
                         while main moves the logical clock past the deadline and expires probes",
            invariants: &[PROBE_DEADLINE],
            checkers: &Checker::ALL,
            body: hung_probe_fixed,
        },
        CheckCase {
            id: "zoo.R9.2",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.2",
                breaks: NEWEST_PROBE_WINS,
            }),
            operations: "two probes of one endpoint overlap; the last to finish writes",
            invariants: &[NEWEST_PROBE_WINS],
            checkers: &Checker::ALL,
            body: zoo_out_of_order_probes,
        },
        CheckCase {
            id: "zoo.R9.3",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.3",
                breaks: NO_CROSS_WIRING,
            }),
            operations: "a probe is in flight while the id is re-registered; its counts \
                         are looked up by id",
            invariants: &[NO_CROSS_WIRING],
            checkers: &Checker::ALL,
            body: zoo_reregister_while_probing,
        },
        CheckCase {
            id: "zoo.R9.1",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.1",
                breaks: DISCOVERY_FRESH,
            }),
            operations: "main discovers healthy services (cached) while a worker probes \
                         one unhealthy",
            invariants: &[DISCOVERY_FRESH],
            checkers: &Checker::ALL,
            body: zoo_stale_discovery,
        },
        CheckCase {
            id: "zoo.R9.6",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.6",
                breaks: COUNTERS_EXACT,
            }),
            operations: "workers each record requests to one service: running mean, then \
                         request_count += 1, then error_count += 1, each a read then a write",
            invariants: &[COUNTERS_EXACT],
            checkers: &Checker::ALL,
            body: zoo_lost_request_counts,
        },
        CheckCase {
            id: "zoo.seed003-registry-second-prober",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-registry-second-prober",
                breaks: ONE_PROBER_PER_SERVICE,
            }),
            operations: "seed 003 registry: workers each (re-)register one service, each \
                         registration starting a monitor task and overwriting the stored \
                         handle; then unregister",
            invariants: &[ONE_PROBER_PER_SERVICE],
            checkers: &Checker::ALL,
            body: zoo_second_prober,
        },
        CheckCase {
            id: "zoo.R9.4",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.4",
                breaks: LAST_CALL_DECIDES,
            }),
            operations: "probe loop started; a worker calls start() while main's stop() \
                         awaits the loop with a timeout, then cancels it",
            invariants: &[LAST_CALL_DECIDES],
            checkers: &Checker::ALL,
            body: zoo_start_during_slow_stop,
        },
        CheckCase {
            id: "zoo.R9.8",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.8",
                breaks: REINIT_KEEPS_STATE,
            }),
            operations: "registry initialised; a worker probes a core service while \
                         another initialises it again (re-registering every core service)",
            invariants: &[REINIT_KEEPS_STATE],
            checkers: &Checker::ALL,
            body: zoo_reinitialize_resets,
        },
        CheckCase {
            id: "zoo.R9.7",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.7",
                breaks: SILENT_MARKED,
            }),
            operations: "the health loop probes on a logical clock (probes answer healthy) \
                         while a worker heart-beats one service; the other is silent",
            invariants: &[SILENT_MARKED],
            checkers: &Checker::ALL,
            body: zoo_silent_service_stays_healthy,
        },
        CheckCase {
            id: "zoo.R9.5",
            component: Component::ServiceRegistry,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R9.5",
                breaks: PROBE_DEADLINE,
            }),
            operations: "a probe is in flight; its service answers healthy on a worker while \
                         main moves the logical clock past the port's deadline (aiohttp's \
                         5-minute default is all the original has)",
            invariants: &[PROBE_DEADLINE],
            checkers: &Checker::ALL,
            body: zoo_hung_probe,
        },
    ]
}

/// What the cases need of a registry, fixed or ported.
trait Registry: Send + Sync + 'static {
    type Ticket: Send + 'static;
    fn register(&self, id: &str) -> u64;
    /// Registers the core services (initialisation).
    fn initialize(&self);
    fn heartbeat(&self, id: &str, now: Millis);
    /// One cycle of the health loop at `now`; every probe answers healthy.
    fn health_cycle(&self, now: Millis);
    /// A probe sent at `now` (with the port's deadline, if it has one).
    fn begin_probe_at(&self, id: &str, now: Millis) -> Option<Self::Ticket>;
    /// The probe's answer, arriving at `now`.
    fn complete_probe_at(&self, ticket: &Self::Ticket, health: Health, now: Millis);
    /// Fails the probes past their deadline at `now` (if the registry can).
    fn expire_probes(&self, now: Millis);
    fn begin_probe(&self, id: &str) -> Option<Self::Ticket>;
    /// `(seq, generation)` of a ticket.
    fn ticket(ticket: &Self::Ticket) -> (u64, u64);
    fn complete_probe(&self, ticket: &Self::Ticket, health: Health);
    /// `(generation, health, probes_applied)` of `id`'s registration.
    fn state(&self, id: &str) -> Option<(u64, Health, u64)>;
    fn discover_healthy(&self) -> Vec<String>;
    /// The ids whose current health is healthy, computed without any cache.
    fn healthy_now(&self) -> Vec<String>;
}

fn healthy_only() -> Query {
    Query {
        kind: None,
        healthy_only: true,
    }
}

impl Registry for ServiceRegistry {
    type Ticket = ProbeTicket;
    fn register(&self, id: &str) -> u64 {
        ServiceRegistry::register(self, id, "analytics", "http://svc/health", 0)
    }
    fn initialize(&self) {
        self.register_core_services(0);
    }
    fn heartbeat(&self, id: &str, now: Millis) {
        let _ = ServiceRegistry::heartbeat(self, id, now);
    }
    fn health_cycle(&self, now: Millis) {
        let _ = self.check_health(now, DEFAULT_MAX_SILENCE, |_| Health::Healthy);
    }
    fn begin_probe_at(&self, id: &str, now: Millis) -> Option<ProbeTicket> {
        self.begin_probe_timed(id, now, DEFAULT_PROBE_TIMEOUT).ok()
    }
    fn complete_probe_at(&self, ticket: &ProbeTicket, health: Health, now: Millis) {
        let _ = ServiceRegistry::complete_probe_at(self, ticket, health, now);
    }
    fn expire_probes(&self, now: Millis) {
        let _ = ServiceRegistry::expire_probes(self, now);
    }
    fn begin_probe(&self, id: &str) -> Option<ProbeTicket> {
        ServiceRegistry::begin_probe(self, id).ok()
    }
    fn ticket(ticket: &ProbeTicket) -> (u64, u64) {
        (ticket.seq(), ticket.generation())
    }
    fn complete_probe(&self, ticket: &ProbeTicket, health: Health) {
        let _ = ServiceRegistry::complete_probe(self, ticket, health);
    }
    fn state(&self, id: &str) -> Option<(u64, Health, u64)> {
        self.get(id)
            .map(|s| (s.generation, s.health, s.probes_applied))
    }
    fn discover_healthy(&self) -> Vec<String> {
        self.discover(&healthy_only())
            .into_iter()
            .map(|s| s.id)
            .collect()
    }
    fn healthy_now(&self) -> Vec<String> {
        let query = healthy_only();
        self.list()
            .into_iter()
            .filter(|s| query.matches(s))
            .map(|s| s.id)
            .collect()
    }
}

impl Registry for OriginalRegistry {
    type Ticket = OriginalTicket;
    fn register(&self, id: &str) -> u64 {
        OriginalRegistry::register(self, id)
    }
    fn initialize(&self) {
        self.initialize_core_services();
    }
    fn heartbeat(&self, id: &str, now: Millis) {
        OriginalRegistry::heartbeat(self, id, now);
    }
    fn health_cycle(&self, _now: Millis) {
        self.perform_health_checks(|_| Health::Healthy);
    }
    fn begin_probe_at(&self, id: &str, now: Millis) -> Option<OriginalTicket> {
        OriginalRegistry::begin_probe_at(self, id, now)
    }
    fn complete_probe_at(&self, ticket: &OriginalTicket, health: Health, now: Millis) {
        OriginalRegistry::complete_probe_at(self, ticket, health, now);
    }
    /// The original has no deadline to enforce.
    fn expire_probes(&self, _now: Millis) {}
    fn begin_probe(&self, id: &str) -> Option<OriginalTicket> {
        OriginalRegistry::begin_probe(self, id)
    }
    fn ticket(ticket: &OriginalTicket) -> (u64, u64) {
        (ticket.seq(), ticket.generation())
    }
    fn complete_probe(&self, ticket: &OriginalTicket, health: Health) {
        OriginalRegistry::complete_probe(self, ticket, health);
    }
    fn state(&self, id: &str) -> Option<(u64, Health, u64)> {
        self.get(id)
    }
    fn discover_healthy(&self) -> Vec<String> {
        OriginalRegistry::discover_healthy(self)
    }
    fn healthy_now(&self) -> Vec<String> {
        OriginalRegistry::healthy_now(self)
    }
}

/// One completed probe: `(seq, generation, health)`.
type Probed = (u64, u64, Health);

/// Worker `w`'s `n` probes of `ID`, results alternating by worker and op.
fn probe<R: Registry>(registry: &R, w: usize, n: usize) -> Vec<Probed> {
    (0..n)
        .filter_map(|op| {
            let ticket = registry.begin_probe(ID)?;
            let health = if (w + op) % 2 == 0 {
                Health::Unhealthy
            } else {
                Health::Healthy
            };
            registry.complete_probe(&ticket, health);
            let (seq, generation) = R::ticket(&ticket);
            Some((seq, generation, health))
        })
        .collect()
}

/// Spawns `probers` probing workers (and, if `reregister`, one more worker
/// that re-registers `ID`); returns every completed probe.
fn run_probes<R: Registry>(registry: &Arc<R>, probers: usize, reregister: usize) -> Vec<Probed> {
    let workers: Vec<_> = (0..probers)
        .map(|w| {
            let registry = Arc::clone(registry);
            thread::spawn(move || probe(&*registry, w, SCALE.ops_per_thread))
        })
        .collect();
    let reregistering = (reregister > 0).then(|| {
        let registry = Arc::clone(registry);
        thread::spawn(move || {
            for _ in 0..reregister {
                registry.register(ID);
            }
        })
    });
    let probed = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    if let Some(worker) = reregistering {
        let _ = worker.join();
    }
    probed
}

/// The current registration's state must come only from probes taken for
/// it (no-cross-wiring) and equal the newest of them (newest-probe-wins).
fn ensure_per_registration<R: Registry>(registry: &R, probed: &[Probed], newest: bool) {
    let Some((generation, health, applied)) = registry.state(ID) else {
        return;
    };
    let own: Vec<&Probed> = probed.iter().filter(|p| p.1 == generation).collect();
    ensure(
        applied <= own.len() as u64 && (!own.is_empty() || health == Health::Unknown),
        NO_CROSS_WIRING,
        || {
            format!(
                "registration {generation} has health {health:?} and {applied} probe(s) \
                 applied, but only {} probe(s) were taken for it (all: {probed:?})",
                own.len()
            )
        },
    );
    if !newest {
        return;
    }
    let expected = own
        .iter()
        .max_by_key(|p| p.0)
        .map_or(Health::Unknown, |p| p.2);
    ensure(health == expected, NEWEST_PROBE_WINS, || {
        format!(
            "registration {generation} is {health:?} but its newest completed probe said \
             {expected:?} (probes: {probed:?})"
        )
    });
}

fn overlapping_probes_fixed() {
    let registry = Arc::new(ServiceRegistry::new());
    Registry::register(&*registry, ID);
    let probed = run_probes(&registry, SCALE.threads, 0);
    ensure_per_registration(&*registry, &probed, true);
}

fn reregister_while_probing_fixed() {
    let registry = Arc::new(ServiceRegistry::new());
    Registry::register(&*registry, ID);
    let probers = SCALE.threads.saturating_sub(1).max(1);
    let probed = run_probes(&registry, probers, SCALE.ops_per_thread);
    ensure_per_registration(&*registry, &probed, true);
}

/// After probes that race a discovery (which refills the cache), discovery
/// must equal the uncached truth.
fn discover_during<R: Registry>(registry: &Arc<R>) {
    for id in ["a", ID] {
        registry.register(id);
        if let Some(ticket) = registry.begin_probe(id) {
            registry.complete_probe(&ticket, Health::Healthy);
        }
    }
    let _ = registry.discover_healthy(); // fills the cache
    // A membership change empties it again, so the discovery below, racing
    // the probes, recomputes (and refills) it.
    registry.register("b");
    let workers: Vec<_> = (0..SCALE.threads.saturating_sub(1).max(1))
        .map(|w| {
            let registry = Arc::clone(registry);
            thread::spawn(move || {
                let _ = probe(&*registry, w, SCALE.ops_per_thread);
            })
        })
        .collect();
    let _ = registry.discover_healthy();
    for worker in workers {
        let _ = worker.join();
    }
    let (discovered, truth) = (registry.discover_healthy(), registry.healthy_now());
    ensure(discovered == truth, DISCOVERY_FRESH, || {
        format!("discovery returned {discovered:?} but the healthy services are {truth:?}")
    });
}

fn discover_during_health_change_fixed() {
    discover_during(&Arc::new(ServiceRegistry::new()));
}

/// R9.2: two probes of one endpoint; the older may finish last.
fn zoo_out_of_order_probes() {
    let registry = OriginalRegistry::new();
    registry.register(ID);
    let probed = run_probes(&registry, 2, 0);
    ensure_per_registration(&*registry, &probed, true);
}

/// R9.3: one probe in flight while the id is re-registered.
fn zoo_reregister_while_probing() {
    let registry = OriginalRegistry::new();
    registry.register(ID);
    let probed = run_probes(&registry, 1, 1);
    ensure_per_registration(&*registry, &probed, false);
}

/// R9.1: the health change does not invalidate the cache.
fn zoo_stale_discovery() {
    discover_during(&OriginalRegistry::new());
}

/// Worker `t`'s `k`-th request: latency `10 · (t + 1)`, failed when `k` is odd.
fn request(t: usize, k: usize) -> (u64, bool) {
    (10 * (t as u64 + 1), k % 2 == 0)
}

/// Every worker's requests, recorded through `record`; returns the
/// expected (requests, errors, total latency).
fn record_requests(record: impl Fn(u64, bool) + Send + Sync + 'static) -> (u64, u64, u64) {
    let record = Arc::new(record);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let record = Arc::clone(&record);
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    let (latency, ok) = request(t, k);
                    record(latency, ok);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let all =
        (0..SCALE.threads).flat_map(|t| (0..SCALE.ops_per_thread).map(move |k| request(t, k)));
    all.fold((0, 0, 0), |(n, e, l), (latency, ok)| {
        (n + 1, e + u64::from(!ok), l + latency)
    })
}

fn concurrent_request_counts() {
    let registry = ServiceRegistry::new();
    registry.register(ID, "analytics", "http://svc", 0);
    let recording = registry.clone();
    let expected = record_requests(move |latency, ok| {
        let _ = recording.record_request(ID, latency, ok);
    });
    let got = registry
        .get(ID)
        .map(|s| (s.requests, s.errors, s.total_latency));
    ensure(got == Some(expected), COUNTERS_EXACT, || {
        format!("(requests, errors, total latency) {got:?}, expected {expected:?}")
    });
}

fn zoo_lost_request_counts() {
    let registry = OriginalRegistry::new();
    registry.register(ID);
    let recording = Arc::clone(&registry);
    let (requests, errors, total) = record_requests(move |latency, ok| {
        recording.update_service_metrics(ID, latency, ok);
    });
    let got = registry.service_metrics(ID);
    let mean = total as f64 / requests as f64;
    let exact =
        got.is_some_and(|(n, e, avg)| n == requests && e == errors && (avg - mean).abs() < 1e-9);
    ensure(exact, COUNTERS_EXACT, || {
        format!("(requests, errors, mean) {got:?}, expected ({requests}, {errors}, {mean})")
    });
}

fn reregister_while_monitoring() {
    let registry = ServiceRegistry::new();
    let probes = Arc::new(AtomicU64::new(0));
    let counting = Arc::clone(&probes);
    let monitor = health_monitor(registry.clone(), move |_| {
        counting.fetch_add(1, Ordering::SeqCst);
        Health::Healthy
    });
    monitor.start();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let registry = registry.clone();
            thread::spawn(move || {
                registry.register(ID, "analytics", "http://svc", 0);
            })
        })
        .collect();
    for _ in 0..SCALE.ops_per_thread {
        monitor.tick();
    }
    for worker in workers {
        let _ = worker.join();
    }
    monitor.stop();
    let (peak, alive) = (monitor.peak_alive_loops(), monitor.alive_loops());
    let (probed, ticks) = (probes.load(Ordering::SeqCst), monitor.ticks_collected());
    ensure(
        peak <= 1 && alive == 0 && probed <= ticks,
        ONE_PROBER_PER_SERVICE,
        || {
            format!(
                "peak {peak} probe loops, {alive} alive after stop; one service probed \
                 {probed} times in {ticks} ticks"
            )
        },
    );
}

fn zoo_second_prober() {
    let registry = Seed003Registry::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let registry = Arc::clone(&registry);
            thread::spawn(move || registry.register_service(ID))
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    registry.unregister_service(ID);
    registry.close();
    let peak = registry.peak_probers(ID);
    ensure(peak <= 1, ONE_PROBER_PER_SERVICE, || {
        format!("{peak} monitor tasks ran at once for service {ID:?}")
    });
}

/// Main starts; a worker starts while main stops. Once both returned, the
/// loop runs (exactly one) iff the call with the higher sequence number was
/// the start. `running` reports `(running, loops alive)`.
fn start_during_stop(
    start: impl Fn() -> u64 + Send + 'static,
    stop: impl Fn() -> u64,
    running: impl Fn() -> (bool, usize),
) {
    start();
    let worker = thread::spawn(start);
    let stopped = stop();
    let Ok(started) = worker.join() else {
        return;
    };
    let (running, alive) = running();
    let expect = started > stopped;
    ensure(
        running == expect && alive == usize::from(expect),
        LAST_CALL_DECIDES,
        || {
            format!(
                "start (call {started}) and stop (call {stopped}) returned; running = \
                 {running} with {alive} loop(s)"
            )
        },
    );
}

fn monitor_start_during_stop() {
    let monitor = Arc::new(health_monitor(ServiceRegistry::new(), |_| Health::Healthy));
    let starting = Arc::clone(&monitor);
    start_during_stop(
        move || starting.start(),
        || monitor.stop(),
        || (monitor.is_running(), monitor.alive_loops()),
    );
    monitor.stop();
}

/// R9.4: the start during stop's timed wait returns early; stop cancels.
fn zoo_start_during_slow_stop() {
    let probe_loop = OriginalProbeLoop::new();
    let starting = Arc::clone(&probe_loop);
    start_during_stop(
        move || starting.start(),
        || probe_loop.stop(),
        || {
            let alive = probe_loop.alive_loops();
            (alive > 0, alive)
        },
    );
    probe_loop.close();
}

/// Initialised registry; a worker probes a core service (alternating
/// results) while another initialises again. The core service must keep its
/// registration and show its newest probe.
fn reinitialize_while_probing<R: Registry>(registry: &Arc<R>) {
    let core = CORE_SERVICES[0].0;
    registry.initialize();
    let Some((generation, _, _)) = registry.state(core) else {
        violated(
            REINIT_KEEPS_STATE,
            format!("{core} not registered by initialisation"),
        )
    };
    let prober = {
        let registry = Arc::clone(registry);
        thread::spawn(move || {
            (0..SCALE.ops_per_thread)
                .filter_map(|op| {
                    let ticket = registry.begin_probe(core)?;
                    let health = if op % 2 == 0 {
                        Health::Healthy
                    } else {
                        Health::Degraded
                    };
                    registry.complete_probe(&ticket, health);
                    Some((R::ticket(&ticket).0, health))
                })
                .collect::<Vec<_>>()
        })
    };
    let initializer = {
        let registry = Arc::clone(registry);
        thread::spawn(move || registry.initialize())
    };
    let _ = initializer.join();
    let probed = prober.join().unwrap_or_default();
    let newest = probed
        .iter()
        .max_by_key(|p| p.0)
        .map_or(Health::Unknown, |p| p.1);
    let now = registry.state(core);
    ensure(
        now.is_some_and(|(g, h, _)| g == generation && h == newest),
        REINIT_KEEPS_STATE,
        || {
            format!(
                "{core} was registration {generation}; after probes {probed:?} and a second \
                 initialisation it is (registration, health, probes applied) {now:?}, \
                 expected registration {generation} with health {newest:?}"
            )
        },
    );
}

fn reinitialize_while_probing_fixed() {
    reinitialize_while_probing(&Arc::new(ServiceRegistry::new()));
}

/// R9.8: the second initialisation re-registers the core service.
fn zoo_reinitialize_resets() {
    reinitialize_while_probing(&OriginalRegistry::new());
}

/// The original's health-check interval.
const HEALTH_INTERVAL: Millis = 30_000;

/// `ID` registers at 0 and never heart-beats again; `"a"` heart-beats from a
/// worker. A monitor thread runs health cycles one interval apart on a
/// logical clock until `ID` has been silent for longer than
/// `DEFAULT_MAX_SILENCE`; then it must not be healthy nor discovered as such.
fn silent_service<R: Registry>(registry: &Arc<R>) {
    let clock = Arc::new(ManualClock::new(0));
    for id in [ID, "a"] {
        registry.register(id);
    }
    let heartbeater = {
        let (registry, clock) = (Arc::clone(registry), Arc::clone(&clock));
        thread::spawn(move || {
            for _ in 0..SCALE.ops_per_thread {
                registry.heartbeat("a", clock.now());
            }
        })
    };
    let monitor = {
        let (registry, clock) = (Arc::clone(registry), Arc::clone(&clock));
        thread::spawn(move || {
            while clock.now() <= DEFAULT_MAX_SILENCE {
                clock.advance(HEALTH_INTERVAL);
                registry.health_cycle(clock.now());
            }
        })
    };
    let _ = heartbeater.join();
    let _ = monitor.join();
    let now = clock.now();
    let health = registry.state(ID).map(|s| s.1);
    let discovered = registry.discover_healthy();
    ensure(
        health != Some(Health::Healthy) && !discovered.iter().any(|id| id == ID),
        SILENT_MARKED,
        || {
            format!(
                "{ID} has been silent since 0 and the last health cycle ran at {now} ms \
                 (deadline {DEFAULT_MAX_SILENCE} ms), yet its health is {health:?}; healthy \
                 services discovered: {discovered:?}"
            )
        },
    );
}

fn silent_service_marked_fixed() {
    silent_service(&Arc::new(ServiceRegistry::new()));
}

/// R9.7: heartbeats are recorded and never read.
fn zoo_silent_service_stays_healthy() {
    silent_service(&OriginalRegistry::new());
}

/// A probe of `ID` is in flight (sent one interval in); the service answers
/// healthy on a worker, at whatever time the logical clock shows then, while
/// main moves the clock past the port's deadline and expires overdue probes.
/// An answer at or after the deadline must not leave the service healthy.
fn hung_probe<R: Registry>(registry: &Arc<R>) {
    let clock = Arc::new(ManualClock::new(0));
    registry.register(ID);
    clock.advance(HEALTH_INTERVAL);
    let sent = clock.now();
    let Some(ticket) = registry.begin_probe_at(ID, sent) else {
        violated(PROBE_DEADLINE, format!("{ID} not registered"))
    };
    let answer = {
        let (registry, clock) = (Arc::clone(registry), Arc::clone(&clock));
        thread::spawn(move || {
            let at = clock.now();
            registry.complete_probe_at(&ticket, Health::Healthy, at);
            at
        })
    };
    clock.advance(DEFAULT_PROBE_TIMEOUT);
    registry.expire_probes(clock.now());
    let Ok(answered) = answer.join() else {
        return;
    };
    let deadline = sent + DEFAULT_PROBE_TIMEOUT;
    let health = registry.state(ID).map(|s| s.1);
    ensure(
        answered < deadline || health != Some(Health::Healthy),
        PROBE_DEADLINE,
        || {
            format!(
                "the probe sent at {sent} ms answered at {answered} ms (deadline {deadline} ms) \
                 and {ID} is {health:?}"
            )
        },
    );
}

fn hung_probe_fixed() {
    hung_probe(&Arc::new(ServiceRegistry::new()));
}

/// R9.5: a probe answering after the port's deadline still counts.
fn zoo_hung_probe() {
    hung_probe(&OriginalRegistry::new());
}
