//! Incident store: concurrent creators, resolvers, versioned updates and
//! sweeps keep one incident per correlation, one of each transition, the
//! newest update and a consistent view; the original's check-build-insert
//! (R1.1) and check-then-write transition (R1.2) do not. Acknowledgements
//! happen once (R1.3), metrics add up (R1.5), merges keep a forest (R1.7),
//! callbacks get exactly the transitions after their registration (R1.8) and
//! the auto-close loop runs until stopped (R1.10); the original's do not.

use super::super::SCALE;
use super::super::bug_zoo::incidents::RacyIncidentManager;
use super::super::bug_zoo::incidents::RacyMonitor;
use super::super::incidents::{
    AutoCloseMonitor, Created, Incident, IncidentCallback, IncidentId, IncidentMetrics,
    IncidentStore, MonitorReport, Notification, Status, StoreSnapshot, TimelineEvent, Update,
};
use super::super::sync::{Arc, Mutex, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ONE_INCIDENT_PER_CORRELATION: &str = "one-incident-per-correlation";
const TRANSITION_ONCE: &str = "transition-once";
const NO_STALE_OVERWRITE: &str = "no-stale-overwrite";
const ITERATION_SAFE: &str = "iteration-safe";
const ACKNOWLEDGE_ONCE: &str = "acknowledge-once";
const METRICS_CONSISTENT: &str = "metrics-consistent";
const MERGE_FOREST: &str = "merge-forest";
const CALLBACKS_AFTER_REGISTRATION: &str = "callbacks-after-registration";
const MONITOR_RUNS_UNTIL_STOP: &str = "monitor-runs-until-stop";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "incident_store.concurrent_create",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "workers each create incidents for the same correlations (slow build \
                         outside the lock) while main snapshots the store",
            invariants: &[ONE_INCIDENT_PER_CORRELATION, ITERATION_SAFE],
            checkers: &Checker::ALL,
            body: concurrent_create,
        },
        CheckCase {
            id: "incident_store.concurrent_transition",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "workers each resolve one incident (one first tries to start the \
                         investigation) while main tries to close it",
            invariants: &[TRANSITION_ONCE],
            checkers: &Checker::ALL,
            body: concurrent_transition,
        },
        CheckCase {
            id: "incident_store.versioned_updates",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "workers apply updates with interleaved versions to one incident in \
                         arbitrary arrival order",
            invariants: &[NO_STALE_OVERWRITE],
            checkers: &Checker::ALL,
            body: versioned_updates,
        },
        CheckCase {
            id: "incident_store.sweep_during_create",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "one worker auto-closes old resolved incidents while the others create \
                         and resolve new ones and main snapshots",
            invariants: &[ITERATION_SAFE, TRANSITION_ONCE],
            checkers: &Checker::ALL,
            body: sweep_during_create,
        },
        CheckCase {
            id: "incident_store.concurrent_acknowledge",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "workers each acknowledge one open incident under their own name",
            invariants: &[ACKNOWLEDGE_ONCE],
            checkers: &Checker::ALL,
            body: concurrent_acknowledge,
        },
        CheckCase {
            id: "incident_store.metrics_during_transitions",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "workers each resolve an incident and create another while main \
                         reads the metrics",
            invariants: &[METRICS_CONSISTENT],
            checkers: &Checker::ALL,
            body: metrics_during_transitions,
        },
        CheckCase {
            id: "incident_store.concurrent_merge",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "workers merge A<-B, B<-A (then C<-A, A<-[A,C]) concurrently",
            invariants: &[MERGE_FOREST],
            checkers: &Checker::ALL,
            body: concurrent_merge,
        },
        CheckCase {
            id: "incident_store.callbacks_during_transition",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "main registers a callback; workers resolve incidents while others \
                         register callbacks",
            invariants: &[CALLBACKS_AFTER_REGISTRATION],
            checkers: &Checker::ALL,
            body: callbacks_during_transition,
        },
        CheckCase {
            id: "incident_store.monitor_lifecycle",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "main starts the auto-close monitor (a thread), ticks it and stops it",
            invariants: &[MONITOR_RUNS_UNTIL_STOP],
            checkers: &Checker::ALL,
            body: monitor_lifecycle,
        },
        CheckCase {
            id: "zoo.R1.1",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.1",
                breaks: ONE_INCIDENT_PER_CORRELATION,
            }),
            operations: "workers each create the incident of one correlation: check index, \
                         build (await get_alert), insert both maps",
            invariants: &[ONE_INCIDENT_PER_CORRELATION],
            checkers: &Checker::ALL,
            body: zoo_duplicate_incident,
        },
        CheckCase {
            id: "zoo.R1.2",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.2",
                breaks: TRANSITION_ONCE,
            }),
            operations: "workers each resolve one incident: check status, then write it",
            invariants: &[TRANSITION_ONCE],
            checkers: &Checker::ALL,
            body: zoo_double_resolve,
        },
        CheckCase {
            id: "zoo.R1.3",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.3",
                breaks: ACKNOWLEDGE_ONCE,
            }),
            operations: "workers each acknowledge one open incident: check OPEN, write \
                         acknowledged_by, status stays OPEN",
            invariants: &[ACKNOWLEDGE_ONCE],
            checkers: &Checker::ALL,
            body: zoo_acknowledge_again,
        },
        CheckCase {
            id: "zoo.R1.5",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.5",
                breaks: METRICS_CONSISTENT,
            }),
            operations: "workers each resolve an incident and create another while main \
                         computes the metrics, one walk of the dict per count",
            invariants: &[METRICS_CONSISTENT],
            checkers: &Checker::ALL,
            body: zoo_torn_metrics,
        },
        CheckCase {
            id: "zoo.R1.7",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.7",
                breaks: MERGE_FOREST,
            }),
            operations: "workers merge A<-B, B<-A (then C<-A, A<-[A,C]): existence checked, \
                         nothing else",
            invariants: &[MERGE_FOREST],
            checkers: &Checker::ALL,
            body: zoo_merge_cycle,
        },
        CheckCase {
            id: "zoo.R1.8",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.8",
                breaks: CALLBACKS_AFTER_REGISTRATION,
            }),
            operations: "main registers a callback; workers resolve incidents (walking the \
                         live callback list) while others append callbacks",
            invariants: &[CALLBACKS_AFTER_REGISTRATION],
            checkers: &Checker::ALL,
            body: zoo_late_callback,
        },
        CheckCase {
            id: "zoo.R1.10",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.10",
                breaks: MONITOR_RUNS_UNTIL_STOP,
            }),
            operations: "main starts the monitor (task spawned, then running = True), ticks \
                         it, stops it (cancel, no await) and joins it",
            invariants: &[MONITOR_RUNS_UNTIL_STOP],
            checkers: &Checker::ALL,
            body: zoo_monitor_exits_early,
        },
    ]
}

/// Map and index agree. Two incidents for one correlation, or an index entry
/// naming another correlation's incident, break the correlation invariant; an
/// incident listed twice, or present in only one of map and index (a torn
/// view), breaks iteration safety.
fn check_snapshot(snapshot: &StoreSnapshot) {
    let mut correlations: Vec<u64> = snapshot.incidents.iter().map(|i| i.correlation).collect();
    correlations.sort_unstable();
    let misindexed = snapshot.index.iter().any(|&(c, id)| {
        snapshot
            .incidents
            .iter()
            .any(|i| i.id == id && i.correlation != c)
    });
    ensure(
        correlations.windows(2).all(|w| w[0] != w[1]) && !misindexed,
        ONE_INCIDENT_PER_CORRELATION,
        || format!("duplicate or misindexed correlation: {snapshot:?}"),
    );
    let ids: Vec<IncidentId> = snapshot.incidents.iter().map(|i| i.id).collect();
    ensure(ids.windows(2).all(|w| w[0] < w[1]), ITERATION_SAFE, || {
        format!("snapshot lists incidents {ids:?}")
    });
    let whole = snapshot.index.len() == snapshot.incidents.len()
        && snapshot
            .index
            .iter()
            .all(|&(_, id)| snapshot.incidents.iter().any(|i| i.id == id));
    ensure(whole, ITERATION_SAFE, || {
        format!("torn view, index and incidents from different instants: {snapshot:?}")
    });
}

fn concurrent_create() {
    let store = IncidentStore::new();
    let correlations = SCALE.ops_per_thread as u64;
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let store = store.clone();
            thread::spawn(move || {
                (0..correlations)
                    .map(|c| (c, store.create_with(c, 0, || format!("corr {c} by {t}"))))
                    .collect::<Vec<(u64, Created)>>()
            })
        })
        .collect();
    check_snapshot(&store.snapshot());
    let results: Vec<(u64, Created)> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    let snapshot = store.snapshot();
    check_snapshot(&snapshot);
    for c in 0..correlations {
        let incidents: Vec<IncidentId> = snapshot
            .incidents
            .iter()
            .filter(|i| i.correlation == c)
            .map(|i| i.id)
            .collect();
        let mine: Vec<Created> = results
            .iter()
            .filter(|(rc, _)| *rc == c)
            .map(|&(_, r)| r)
            .collect();
        let creators = mine.iter().filter(|r| r.created).count();
        ensure(
            incidents.len() == 1 && creators == 1 && mine.iter().all(|r| r.id == incidents[0]),
            ONE_INCIDENT_PER_CORRELATION,
            || format!("correlation {c}: incidents {incidents:?}, creators got {mine:?}"),
        );
    }
}

/// Transition events of `id`'s timeline, in order.
fn transitions(timeline: &[TimelineEvent]) -> Vec<(Status, Status)> {
    timeline
        .iter()
        .filter_map(|e| match *e {
            TimelineEvent::Transition { from, to, .. } => Some((from, to)),
            _ => None,
        })
        .collect()
}

fn concurrent_transition() {
    let store = IncidentStore::new();
    let id = store.create_with(1, 0, String::new).id;
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let store = store.clone();
            thread::spawn(move || {
                let started = t == 1 && store.transition(id, Status::Investigating, 1).is_ok();
                let resolved = (0..SCALE.ops_per_thread)
                    .filter(|_| store.transition(id, Status::Resolved, 2).is_ok())
                    .count();
                (usize::from(started), resolved)
            })
        })
        .collect();
    let closed = usize::from(store.transition(id, Status::Closed, 3).is_ok());
    let (started, resolved) = workers
        .into_iter()
        .map(|w| w.join().unwrap_or_default())
        .fold((0, 0), |(s, r), (ws, wr)| (s + ws, r + wr));
    let timeline = store.get(id).map(|i| i.timeline).unwrap_or_default();
    let steps = transitions(&timeline);
    let count = |to: Status| steps.iter().filter(|&&(_, t)| t == to).count();
    let chained = steps.windows(2).all(|w| w[0].1 == w[1].0)
        && steps.first().is_none_or(|&(from, _)| from == Status::Open);
    ensure(
        resolved == 1
            && count(Status::Resolved) == 1
            && count(Status::Investigating) == started
            && count(Status::Closed) == closed
            && chained,
        TRANSITION_ONCE,
        || {
            format!(
                "{resolved} resolvers succeeded ({started} started, {closed} closed); \
                 timeline {steps:?}"
            )
        },
    );
}

fn versioned_updates() {
    let store = IncidentStore::new();
    let id = store.create_with(1, 0, String::new).id;
    let threads = SCALE.threads as u64;
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let store = store.clone();
            thread::spawn(move || {
                (0..SCALE.ops_per_thread as u64)
                    .filter(|k| {
                        let version = k * threads + t + 1;
                        let update = Update {
                            version,
                            assignee: Some(format!("v{version}")),
                        };
                        store.apply_update(id, update, version).is_ok()
                    })
                    .count()
            })
        })
        .collect();
    let accepted: usize = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    let newest = threads * SCALE.ops_per_thread as u64;
    let incident = store.get(id);
    let applied: Vec<u64> = incident
        .as_ref()
        .map(|i| {
            i.timeline
                .iter()
                .filter_map(|e| match *e {
                    TimelineEvent::Updated { version, .. } => Some(version),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let final_state = incident.as_ref().map(|i| (i.version, i.assignee.clone()));
    ensure(
        final_state == Some((newest, Some(format!("v{newest}"))))
            && applied.len() == accepted
            && applied.windows(2).all(|w| w[0] < w[1]),
        NO_STALE_OVERWRITE,
        || format!("final {final_state:?}; applied in order {applied:?} ({accepted} accepted)"),
    );
}

/// Old incidents resolve at 10 and must be closed by the sweep (cutoff 20);
/// new incidents resolve at 30 and must not be.
fn sweep_during_create() {
    const CUTOFF: u64 = 20;
    let store = IncidentStore::new();
    let old: Vec<IncidentId> = (0..SCALE.threads.max(2) as u64 - 1)
        .map(|c| store.create_with(c, 0, String::new).id)
        .collect();
    for &id in &old {
        let _ = store.transition(id, Status::Resolved, 10);
    }
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let store = store.clone();
            thread::spawn(move || {
                if t == 0 {
                    return store.close_resolved_before(CUTOFF, 40);
                }
                for k in 0..SCALE.ops_per_thread {
                    let c = 100 + (t * SCALE.ops_per_thread + k) as u64;
                    let id = store.create_with(c, 25, String::new).id;
                    let _ = store.transition(id, Status::Resolved, 30);
                }
                Vec::new()
            })
        })
        .collect();
    check_snapshot(&store.snapshot());
    let swept: Vec<IncidentId> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    let snapshot = store.snapshot();
    check_snapshot(&snapshot);
    ensure(swept == old, ITERATION_SAFE, || {
        format!("sweep closed {swept:?}, expected exactly {old:?}")
    });
    for incident in &snapshot.incidents {
        let should_be_closed = old.contains(&incident.id);
        let closes = transitions(&incident.timeline)
            .iter()
            .filter(|&&(_, to)| to == Status::Closed)
            .count();
        ensure(
            closes == usize::from(should_be_closed)
                && (incident.status == Status::Closed) == should_be_closed,
            TRANSITION_ONCE,
            || format!("incident after sweep: {incident:?}"),
        );
    }
}

fn zoo_duplicate_incident() {
    let manager = Arc::new(RacyIncidentManager::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let manager = Arc::clone(&manager);
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    manager.create_from_correlation(7, 0, || format!("built by {t}"));
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let incidents = manager.incidents_for(7);
    ensure(incidents.len() == 1, ONE_INCIDENT_PER_CORRELATION, || {
        let ids: Vec<IncidentId> = incidents.iter().map(|i| i.id).collect();
        format!("correlation 7 has incidents {ids:?}")
    });
}

fn zoo_double_resolve() {
    let manager = Arc::new(RacyIncidentManager::new());
    let id = manager.create_from_correlation(1, 0, String::new);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let manager = Arc::clone(&manager);
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .filter(|_| manager.transition(id, Status::Resolved, 2))
                    .count()
            })
        })
        .collect();
    let resolved: usize = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    let events = manager
        .get(id)
        .map(|i| transitions(&i.timeline).len())
        .unwrap_or(0);
    ensure(resolved == 1 && events == 1, TRANSITION_ONCE, || {
        format!("{resolved} resolvers succeeded, {events} transition events")
    });
}

/// Exactly one acknowledger succeeded, the incident records exactly one
/// acknowledgement, and it is the winner's.
fn check_acknowledged(winners: &[String], incident: Option<&Incident>) {
    let events: Vec<&str> = incident
        .map(|i| {
            i.timeline
                .iter()
                .filter_map(|e| match e {
                    TimelineEvent::Acknowledged { by, .. } => Some(by.as_str()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let recorded = incident.and_then(|i| i.acknowledged.as_ref().map(|a| a.by.as_str()));
    ensure(
        winners.len() == 1 && events.len() == 1 && recorded == Some(winners[0].as_str()),
        ACKNOWLEDGE_ONCE,
        || {
            format!(
                "acknowledgers {winners:?} succeeded; timeline {events:?}; recorded {recorded:?}"
            )
        },
    );
}

fn acknowledgers(acknowledge: impl Fn(&str) -> bool + Send + Sync + 'static) -> Vec<String> {
    let acknowledge = Arc::new(acknowledge);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let acknowledge = Arc::clone(&acknowledge);
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .map(|k| format!("oncall-{t}-{k}"))
                    .filter(|name| acknowledge(name))
                    .collect::<Vec<String>>()
            })
        })
        .collect();
    workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect()
}

fn concurrent_acknowledge() {
    let store = IncidentStore::new();
    let id = store.create_with(1, 0, String::new).id;
    let acking = store.clone();
    let winners = acknowledgers(move |name| acking.acknowledge(id, name, 1).is_ok());
    check_acknowledged(&winners, store.get(id).as_ref());
}

fn zoo_acknowledge_again() {
    let manager = Arc::new(RacyIncidentManager::new());
    let id = manager.create_from_correlation(1, 0, String::new);
    let acking = Arc::clone(&manager);
    let winners = acknowledgers(move |name| acking.acknowledge(id, name, 1));
    check_acknowledged(&winners, manager.get(id).as_ref());
}

/// The counts add up, and each is that of a state the store was in: every
/// incident present at the start is counted, none counted twice.
fn check_metrics(metrics: IncidentMetrics, before: usize, after: usize) {
    ensure(
        metrics.adds_up() && (before..=after).contains(&metrics.total),
        METRICS_CONSISTENT,
        || format!("metrics {metrics:?} (total between {before} and {after})"),
    );
}

/// Worker `t` resolves pre-created incident `t` and creates incident
/// `100 + t`; main reads the metrics meanwhile.
fn metrics_during_transitions() {
    let store = IncidentStore::new();
    let ids: Vec<IncidentId> = (0..SCALE.threads as u64)
        .map(|c| store.create_with(c, 0, String::new).id)
        .collect();
    let workers: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(t, &id)| {
            let store = store.clone();
            thread::spawn(move || {
                let _ = store.transition(id, Status::Resolved, 1);
                store.create_with(100 + t as u64, 1, String::new);
            })
        })
        .collect();
    let metrics = store.metrics();
    for worker in workers {
        let _ = worker.join();
    }
    check_metrics(metrics, ids.len(), 2 * ids.len());
    check_metrics(store.metrics(), 2 * ids.len(), 2 * ids.len());
}

fn zoo_torn_metrics() {
    let manager = Arc::new(RacyIncidentManager::new());
    let ids: Vec<IncidentId> = (0..SCALE.threads as u64)
        .map(|c| manager.create_from_correlation(c, 0, String::new))
        .collect();
    let workers: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(t, &id)| {
            let manager = Arc::clone(&manager);
            thread::spawn(move || {
                manager.transition(id, Status::Resolved, 1);
                manager.create_from_correlation(100 + t as u64, 1, String::new);
            })
        })
        .collect();
    let metrics = manager.metrics();
    for worker in workers {
        let _ = worker.join();
    }
    check_metrics(metrics, ids.len(), 2 * ids.len());
}

/// The merges worker `t` attempts, on incidents `[A, B, C]`.
fn merge_plan(t: usize, abc: [IncidentId; 3]) -> (IncidentId, Vec<IncidentId>) {
    let [a, b, c] = abc;
    match t % 4 {
        0 => (a, vec![b]),
        1 => (b, vec![a]),
        2 => (c, vec![a]),
        _ => (a, vec![a, c]),
    }
}

/// No incident is its own ancestor, and parent and children agree.
fn check_forest(incidents: &[Incident]) {
    let parent_of = |id: IncidentId| incidents.iter().find(|i| i.id == id).and_then(|i| i.parent);
    for incident in incidents {
        let mut seen = vec![incident.id];
        let mut at = incident.id;
        while let Some(parent) = parent_of(at) {
            ensure(!seen.contains(&parent), MERGE_FOREST, || {
                format!("cycle through {seen:?} back to {parent}: {incidents:?}")
            });
            seen.push(parent);
            at = parent;
        }
        let agrees = incident
            .children
            .iter()
            .all(|&c| parent_of(c) == Some(incident.id))
            && incident.parent.is_none_or(|p| {
                incidents
                    .iter()
                    .any(|i| i.id == p && i.children.contains(&incident.id))
            });
        ensure(agrees, MERGE_FOREST, || {
            format!(
                "parent and children disagree at {}: {incidents:?}",
                incident.id
            )
        });
    }
}

fn concurrent_merge() {
    let store = IncidentStore::new();
    let abc = [1, 2, 3].map(|c| store.create_with(c, 0, String::new).id);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let store = store.clone();
            thread::spawn(move || {
                let (primary, secondaries) = merge_plan(t, abc);
                let _ = store.merge(primary, &secondaries, 1);
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    check_forest(&store.snapshot().incidents);
}

fn zoo_merge_cycle() {
    let manager = Arc::new(RacyIncidentManager::new());
    let abc = [1, 2, 3].map(|c| manager.create_from_correlation(c, 0, String::new));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let manager = Arc::clone(&manager);
            thread::spawn(move || {
                let (primary, secondaries) = merge_plan(t, abc);
                manager.merge(primary, &secondaries, 1);
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    check_forest(&manager.snapshot());
}

/// A callback that logs the sequence numbers it receives.
fn logging_callback() -> (IncidentCallback, Arc<Mutex<Vec<u64>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let callback: IncidentCallback =
        std::sync::Arc::new(move |n: &Notification| sink.lock().push(n.seq));
    (callback, log)
}

/// Even workers resolve their incident, odd ones register a callback (under
/// loom: one of each). Each callback must have received exactly the
/// transitions numbered after its registration, once each (concurrent
/// transitions may reach it in either order: callbacks run outside the lock).
fn callbacks_race(
    resolve: impl Fn(usize) -> bool + Send + Sync + 'static,
    register: impl Fn(IncidentCallback) -> u64 + Send + Sync + 'static,
) {
    let resolve = Arc::new(resolve);
    let register = Arc::new(register);
    let (callback, log) = logging_callback();
    let mut callbacks = vec![(register(callback), log)];
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let resolve = Arc::clone(&resolve);
            let register = Arc::clone(&register);
            thread::spawn(move || {
                if t % 2 == 0 {
                    let _ = resolve(t);
                    None
                } else {
                    let (callback, log) = logging_callback();
                    Some((register(callback), log))
                }
            })
        })
        .collect();
    callbacks.extend(workers.into_iter().filter_map(|w| w.join().ok().flatten()));
    let transitions = SCALE.threads.div_ceil(2) as u64;
    for (registered_at, log) in callbacks {
        let mut got = log.lock().clone();
        got.sort_unstable();
        let expected: Vec<u64> = (registered_at + 1..=transitions).collect();
        ensure(got == expected, CALLBACKS_AFTER_REGISTRATION, || {
            format!("callback registered after transition {registered_at} received {got:?}")
        });
    }
}

fn callbacks_during_transition() {
    let store = IncidentStore::new();
    let ids: Vec<IncidentId> = (0..SCALE.threads as u64)
        .map(|c| store.create_with(c, 0, String::new).id)
        .collect();
    let resolving = store.clone();
    callbacks_race(
        move |t| resolving.transition(ids[t], Status::Resolved, 1).is_ok(),
        move |callback| store.add_callback(callback),
    );
}

fn zoo_late_callback() {
    let manager = Arc::new(RacyIncidentManager::new());
    let ids: Vec<IncidentId> = (0..SCALE.threads as u64)
        .map(|c| manager.create_from_correlation(c, 0, String::new))
        .collect();
    let resolving = Arc::clone(&manager);
    callbacks_race(
        move |t| resolving.transition(ids[t], Status::Resolved, 1),
        move |callback| manager.add_callback(callback),
    );
}

fn check_monitor(report: MonitorReport, ticks: u64) {
    ensure(
        report.sweeps == ticks && !report.exited_before_stop,
        MONITOR_RUNS_UNTIL_STOP,
        || format!("{ticks} ticks queued before stop; monitor reported {report:?}"),
    );
}

/// An incident resolved at 10 must be closed by a sweep at 100 (max age 50).
fn monitor_lifecycle() {
    let store = IncidentStore::new();
    let id = store.create_with(1, 0, String::new).id;
    let _ = store.transition(id, Status::Resolved, 10);
    let monitor = AutoCloseMonitor::start(store.clone(), 50);
    let ticks = (0..SCALE.ops_per_thread)
        .filter(|&k| monitor.tick(100 + k as u64))
        .count() as u64;
    let report = monitor.stop();
    check_monitor(report, ticks);
    let status = store.get(id).map(|i| i.status);
    ensure(
        ticks == 0 || status == Some(Status::Closed),
        MONITOR_RUNS_UNTIL_STOP,
        || format!("{ticks} sweeps ran, old resolved incident is {status:?}"),
    );
    ensure(!monitor.tick(200), MONITOR_RUNS_UNTIL_STOP, || {
        "a stopped monitor queued a tick".to_string()
    });
}

fn zoo_monitor_exits_early() {
    let (monitor, task) = RacyMonitor::start();
    let ticks = (0..SCALE.ops_per_thread).filter(|_| monitor.tick()).count() as u64;
    monitor.stop();
    let _ = task.join();
    check_monitor(monitor.report(), ticks);
}
