//! Incident store: concurrent creators, resolvers, versioned updates and
//! sweeps keep one incident per correlation, one of each transition, the
//! newest update and a consistent view; the original's check-build-insert
//! (R1.1) and check-then-write transition (R1.2) do not.

use super::super::SCALE;
use super::super::bug_zoo::incidents::RacyIncidentManager;
use super::super::incidents::{
    Created, IncidentId, IncidentStore, Status, StoreSnapshot, TimelineEvent, Update,
};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const ONE_INCIDENT_PER_CORRELATION: &str = "one-incident-per-correlation";
const TRANSITION_ONCE: &str = "transition-once";
const NO_STALE_OVERWRITE: &str = "no-stale-overwrite";
const ITERATION_SAFE: &str = "iteration-safe";

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
