//! Incident store: concurrent creators, resolvers, versioned updates and
//! sweeps keep one incident per correlation, one of each transition, the
//! newest update and a consistent view; the original's check-build-insert
//! (R1.1) and check-then-write transition (R1.2) do not. Acknowledgements
//! happen once (R1.3), metrics add up (R1.5), merges keep a forest (R1.7),
//! callbacks get exactly the transitions after their registration (R1.8) and
//! the auto-close loop runs until stopped (R1.10); the original's do not.
//! Auto-close and the shutdown save visit every incident while others are
//! created, and the table keeps each incident's newest row whatever order
//! saves commit in; the original's live-dict loops (R1.4) and
//! last-writer-wins saves (R1.6) do not.

use super::super::SCALE;
use super::super::bug_zoo::incidents::RacyIncidentManager;
use super::super::bug_zoo::incidents::{RacyIncidentTable, RacyMonitor};
use super::super::clock::Millis;
use super::super::incidents::{
    AutoCloseMonitor, Created, Incident, IncidentCallback, IncidentDb, IncidentId, IncidentMetrics,
    IncidentStore, MonitorReport, Notification, PersistedRow, Status, StoreSnapshot, TimelineEvent,
    Update,
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
const PERSISTED_LATEST: &str = "persisted-latest";

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
            id: "incident_store.save_all_during_create",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "one worker runs the shutdown save of every incident while the others \
                         create and resolve new ones",
            invariants: &[ITERATION_SAFE, PERSISTED_LATEST],
            checkers: &Checker::ALL,
            body: save_all_during_create,
        },
        CheckCase {
            id: "incident_store.saves_during_transitions",
            component: Component::IncidentStore,
            subject: Subject::Fixed,
            operations: "workers each move one incident a step along its lifecycle once and \
                         save it (row built, then committed)",
            invariants: &[PERSISTED_LATEST],
            checkers: &Checker::ALL,
            body: saves_during_transitions,
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
            id: "zoo.R1.4",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.4",
                breaks: ITERATION_SAFE,
            }),
            operations: "one worker runs an auto-close round (iterating the live dict, awaiting \
                         each close) while the others create and resolve new incidents",
            invariants: &[ITERATION_SAFE, TRANSITION_ONCE],
            checkers: &Checker::ALL,
            body: zoo_sweep_dict_changed_size,
        },
        CheckCase {
            id: "zoo.R1.4.shutdown-save",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.4",
                breaks: ITERATION_SAFE,
            }),
            operations: "one worker runs _save_all_incidents_to_database (iterating the live \
                         dict, awaiting each save) while the others create incidents",
            invariants: &[ITERATION_SAFE, PERSISTED_LATEST],
            checkers: &Checker::ALL,
            body: zoo_save_all_dict_changed_size,
        },
        CheckCase {
            id: "zoo.R1.6",
            component: Component::IncidentStore,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R1.6",
                breaks: PERSISTED_LATEST,
            }),
            operations: "workers each move one incident a step along its lifecycle once and \
                         save it: connect, build the row, INSERT OR REPLACE",
            invariants: &[PERSISTED_LATEST],
            checkers: &Checker::ALL,
            body: zoo_stale_row_wins,
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

/// What the sweep and save cases need of a store, fixed or ported.
trait Sweepable: Send + Sync + 'static {
    /// Creates the incident of `correlation` and resolves it at `resolved`.
    fn create_resolved(&self, correlation: u64, resolved: Millis) -> IncidentId;
    /// One auto-close round at `now` for incidents resolved by `cutoff`.
    fn sweep(&self, cutoff: Millis, now: Millis) -> Vec<IncidentId>;
    /// Every incident, ascending by id.
    fn incidents(&self) -> Vec<Incident>;
}

impl Sweepable for IncidentStore {
    fn create_resolved(&self, correlation: u64, resolved: Millis) -> IncidentId {
        let id = self.create_with(correlation, 0, String::new).id;
        let _ = self.transition(id, Status::Resolved, resolved);
        id
    }
    fn sweep(&self, cutoff: Millis, now: Millis) -> Vec<IncidentId> {
        self.close_resolved_before(cutoff, now)
    }
    fn incidents(&self) -> Vec<Incident> {
        self.snapshot().incidents
    }
}

impl Sweepable for RacyIncidentManager {
    fn create_resolved(&self, correlation: u64, resolved: Millis) -> IncidentId {
        let id = self.create_from_correlation(correlation, 0, String::new);
        self.transition(id, Status::Resolved, resolved);
        id
    }
    fn sweep(&self, cutoff: Millis, now: Millis) -> Vec<IncidentId> {
        self.auto_close_sweep(cutoff, now)
    }
    fn incidents(&self) -> Vec<Incident> {
        self.snapshot()
    }
}

/// Incidents resolved at 10 are old (cutoff 20); those resolved at 30 not.
const CUTOFF: Millis = 20;

/// At least two old incidents, so a sweep that stops after the first one
/// leaves one behind.
fn old_incidents(store: &impl Sweepable) -> Vec<IncidentId> {
    (0..SCALE.threads.max(3) as u64 - 1)
        .map(|c| store.create_resolved(c, 10))
        .collect()
}

/// Worker 0 runs `sweep` once; the others each create and resolve (at 30)
/// new incidents; main runs `during` meanwhile. Returns the sweep's result.
fn sweep_race<S: Sweepable, T: Default + Send + 'static>(
    store: &Arc<S>,
    sweep: impl FnOnce(&S) -> T + Send + 'static,
    during: impl FnOnce(&S),
) -> T {
    let sweeper = {
        let store = Arc::clone(store);
        thread::spawn(move || sweep(&store))
    };
    let creators: Vec<_> = (1..SCALE.threads)
        .map(|t| {
            let store = Arc::clone(store);
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    store.create_resolved(100 + (t * SCALE.ops_per_thread + k) as u64, 30);
                }
            })
        })
        .collect();
    during(store);
    for creator in creators {
        let _ = creator.join();
    }
    sweeper.join().unwrap_or_default()
}

/// The sweep closed exactly the old incidents, each once, and nothing else.
fn check_sweep(old: &[IncidentId], swept: &[IncidentId], incidents: &[Incident]) {
    ensure(swept == old, ITERATION_SAFE, || {
        format!("sweep closed {swept:?}, expected exactly {old:?}")
    });
    for incident in incidents {
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

fn sweep_during_create() {
    let store = Arc::new(IncidentStore::new());
    let old = old_incidents(&*store);
    let swept = sweep_race(
        &store,
        |s| s.sweep(CUTOFF, 40),
        |s| check_snapshot(&s.snapshot()),
    );
    let snapshot = store.snapshot();
    check_snapshot(&snapshot);
    check_sweep(&old, &swept, &snapshot.incidents);
}

fn zoo_sweep_dict_changed_size() {
    let manager = Arc::new(RacyIncidentManager::new());
    let old = old_incidents(&*manager);
    let swept = sweep_race(&manager, |m| m.sweep(CUTOFF, 40), |_| {});
    check_sweep(&old, &swept, &manager.incidents());
}

/// After the shutdown save returned, every incident that existed when it
/// began has a row, and that row is the incident's state (nothing changes
/// those incidents meanwhile; new ones may be saved mid-change).
fn check_saved(before: &[IncidentId], incidents: &[Incident], rows: &[PersistedRow]) {
    let missing: Vec<IncidentId> = before
        .iter()
        .copied()
        .filter(|id| !rows.iter().any(|r| r.id == *id))
        .collect();
    ensure(missing.is_empty(), ITERATION_SAFE, || {
        format!("shutdown save left incidents {missing:?} unsaved; rows {rows:?}")
    });
    for row in rows.iter().filter(|r| before.contains(&r.id)) {
        let current = incidents.iter().find(|i| i.id == row.id).map(Incident::row);
        ensure(current.as_ref() == Some(row), PERSISTED_LATEST, || {
            format!("row {row:?}, incident now {current:?}")
        });
    }
}

fn save_all_during_create() {
    let store = Arc::new(IncidentStore::new());
    let db = Arc::new(IncidentDb::new());
    let old = old_incidents(&*store);
    let saving = Arc::clone(&db);
    let offered = sweep_race(&store, move |s| s.save_all(&saving), |_| {});
    let rows = db.rows();
    check_saved(&old, &store.incidents(), &rows);
    ensure(offered == rows.len(), ITERATION_SAFE, || {
        format!("save_all offered {offered} rows, the table holds {rows:?}")
    });
}

fn zoo_save_all_dict_changed_size() {
    let manager = Arc::new(RacyIncidentManager::new());
    let table = Arc::new(RacyIncidentTable::new());
    let old = old_incidents(&*manager);
    let saving = Arc::clone(&table);
    let _ = sweep_race(&manager, move |m| m.save_all(&saving), |_| {});
    check_saved(&old, &manager.incidents(), &table.rows());
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

/// Moves an incident one step along `Open → Investigating → Resolved →
/// Closed` through `transition` (nothing once closed).
fn advance(transition: impl Fn(Status) -> bool) {
    for to in [Status::Investigating, Status::Resolved, Status::Closed] {
        if transition(to) {
            return;
        }
    }
}

/// Every worker runs `step` (advance one incident, then save it) once: the
/// lifecycle has three steps, so more saves would mostly rewrite the final
/// state and hide which commit came last.
fn saves_race(step: impl Fn() + Send + Sync + 'static) {
    let step = Arc::new(step);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let step = Arc::clone(&step);
            thread::spawn(move || {
                step();
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

/// Once every save has returned, the row is the incident's current state.
fn check_persisted(row: Option<PersistedRow>, incident: Option<Incident>) {
    let current = incident.as_ref().map(Incident::row);
    ensure(row.is_some() && row == current, PERSISTED_LATEST, || {
        format!("after every save returned the table holds {row:?}, the incident is {current:?}")
    });
}

fn saves_during_transitions() {
    let store = IncidentStore::new();
    let db = Arc::new(IncidentDb::new());
    let id = store.create_with(1, 0, String::new).id;
    let (saving, table) = (store.clone(), Arc::clone(&db));
    saves_race(move || {
        advance(|to| saving.transition(id, to, 1).is_ok());
        let _ = saving.save(id, &table);
    });
    check_persisted(db.row(id), store.get(id));
}

fn zoo_stale_row_wins() {
    let manager = Arc::new(RacyIncidentManager::new());
    let table = Arc::new(RacyIncidentTable::new());
    let id = manager.create_from_correlation(1, 0, String::new);
    let (saving, rows) = (Arc::clone(&manager), Arc::clone(&table));
    saves_race(move || {
        advance(|to| saving.transition(id, to, 1));
        saving.save(id, &rows);
    });
    check_persisted(table.row(id), manager.get(id));
}
