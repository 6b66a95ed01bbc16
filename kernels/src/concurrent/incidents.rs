//! Incident store: incidents keyed by id, indexed by correlation, with a
//! lifecycle state machine and versioned updates.
//!
//! The original `IncidentManager` (catalog §1) has no lock at all. Creating an
//! incident from a correlation checks the index, then awaits one alert lookup
//! per alert, and only then writes both maps, so two creators for one
//! correlation both pass the check and the index ends up pointing at one of
//! two incidents (R1.1, bug zoo `R1.1`). Transitions check the status and
//! write it in separate steps (R1.2, zoo `R1.2`); the auto-close and save
//! loops iterate the live dict across awaits (R1.4); saves commit in no
//! particular order, so an older state can overwrite a newer one (R1.6).
//!
//! Here the incident map and its correlation index live in one
//! [`IncidentStoreCore`] behind one mutex, so they change together. Creation
//! does its slow part (building the incident: the alert lookups) *outside*
//! the lock and re-checks the index inside it: a creator that lost the race
//! discards its build and returns the winner's incident. A transition checks
//! and writes the status in one critical section. Updates carry a source
//! version and are applied only if newer than the last applied one. Sweeps
//! snapshot the candidate ids under the lock, then act on each through the
//! same checked transition, so a concurrent insert never disturbs them and a
//! concurrent change is re-checked, never overwritten.
//!
//! # Invariants (asserted by the model checks)
//! - **one-incident-per-correlation**: at most one incident per correlation
//!   id; the index maps each correlation to the incident carrying it, and
//!   concurrent creators for one correlation all get that incident, exactly
//!   one of them with `created == true`.
//! - **transition-once**: each lifecycle transition happens at most once; of N
//!   concurrent callers requesting it exactly one succeeds, and the timeline
//!   records exactly one event for it.
//! - **no-stale-overwrite**: updates are applied in increasing version order;
//!   one older than the last applied is rejected, so the final state is the
//!   newest update's, whatever the arrival order.
//! - **iteration-safe**: a snapshot lists every incident once, with map and
//!   index agreeing, while creations run; a sweep visits every incident that
//!   qualified when it began, acting on each at most once.

use std::collections::BTreeMap;
use std::fmt;

use super::clock::Millis;
use super::sync::{Arc, Mutex};

pub type IncidentId = u64;
pub type CorrelationId = u64;

/// Lifecycle: `Open → Investigating → Resolved → Closed`, `Open → Resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Open,
    Investigating,
    Resolved,
    Closed,
}

impl Status {
    /// Whether `self → to` is an edge of the state machine.
    pub fn can_become(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Open, Status::Investigating)
                | (Status::Open, Status::Resolved)
                | (Status::Investigating, Status::Resolved)
                | (Status::Resolved, Status::Closed)
        )
    }
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineEvent {
    Created {
        at: Millis,
    },
    Transition {
        from: Status,
        to: Status,
        at: Millis,
    },
    Updated {
        version: u64,
        at: Millis,
    },
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: IncidentId,
    pub correlation: CorrelationId,
    pub title: String,
    pub status: Status,
    pub created_at: Millis,
    pub resolved_at: Option<Millis>,
    pub assignee: Option<String>,
    /// Source version of the last applied [`Update`] (0: none yet).
    pub version: u64,
    pub timeline: Vec<TimelineEvent>,
}

/// A versioned change from an external source (the UI, a sync job): applied
/// only if its version is newer than the last one applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub version: u64,
    pub assignee: Option<String>,
}

/// What [`IncidentStore::create_with`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub id: IncidentId,
    /// `false`: the correlation already had an incident, which is returned.
    pub created: bool,
}

/// Errors of the incident store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    #[error("incident {0} does not exist")]
    NotFound(IncidentId),
    #[error("incident {id} cannot go from {from:?} to {to:?}")]
    InvalidTransition {
        id: IncidentId,
        from: Status,
        to: Status,
    },
    #[error("update version {offered} for incident {id} is not newer than {current}")]
    StaleUpdate {
        id: IncidentId,
        current: u64,
        offered: u64,
    },
}

/// The store's logic, unsynchronised: one owner, `&mut self`.
#[derive(Debug, Clone, Default)]
pub struct IncidentStoreCore {
    incidents: BTreeMap<IncidentId, Incident>,
    by_correlation: BTreeMap<CorrelationId, IncidentId>,
    next_id: IncidentId,
}

impl IncidentStoreCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The incident of `correlation`, creating it (with `title`) if absent.
    pub fn create(&mut self, correlation: CorrelationId, title: String, now: Millis) -> Created {
        if let Some(&id) = self.by_correlation.get(&correlation) {
            return Created { id, created: false };
        }
        self.next_id += 1;
        let id = self.next_id;
        self.incidents.insert(
            id,
            Incident {
                id,
                correlation,
                title,
                status: Status::Open,
                created_at: now,
                resolved_at: None,
                assignee: None,
                version: 0,
                timeline: vec![TimelineEvent::Created { at: now }],
            },
        );
        self.by_correlation.insert(correlation, id);
        Created { id, created: true }
    }

    pub fn find_by_correlation(&self, correlation: CorrelationId) -> Option<IncidentId> {
        self.by_correlation.get(&correlation).copied()
    }

    pub fn get(&self, id: IncidentId) -> Option<&Incident> {
        self.incidents.get(&id)
    }

    /// Moves incident `id` to `to`, if that is an edge from its current status.
    pub fn transition(
        &mut self,
        id: IncidentId,
        to: Status,
        now: Millis,
    ) -> Result<(), IncidentError> {
        let incident = self
            .incidents
            .get_mut(&id)
            .ok_or(IncidentError::NotFound(id))?;
        let from = incident.status;
        if !from.can_become(to) {
            return Err(IncidentError::InvalidTransition { id, from, to });
        }
        incident.status = to;
        if to == Status::Resolved {
            incident.resolved_at = Some(now);
        }
        incident
            .timeline
            .push(TimelineEvent::Transition { from, to, at: now });
        Ok(())
    }

    /// Applies `update` if its version is newer than the last applied one.
    pub fn apply_update(
        &mut self,
        id: IncidentId,
        update: Update,
        now: Millis,
    ) -> Result<(), IncidentError> {
        let incident = self
            .incidents
            .get_mut(&id)
            .ok_or(IncidentError::NotFound(id))?;
        if update.version <= incident.version {
            return Err(IncidentError::StaleUpdate {
                id,
                current: incident.version,
                offered: update.version,
            });
        }
        incident.version = update.version;
        incident.assignee = update.assignee;
        incident.timeline.push(TimelineEvent::Updated {
            version: update.version,
            at: now,
        });
        Ok(())
    }

    /// Ids of incidents resolved at or before `cutoff`, ascending.
    pub fn resolved_before(&self, cutoff: Millis) -> Vec<IncidentId> {
        self.incidents
            .values()
            .filter(|i| i.status == Status::Resolved && i.resolved_at.is_some_and(|t| t <= cutoff))
            .map(|i| i.id)
            .collect()
    }

    /// Every incident, ascending by id.
    pub fn snapshot(&self) -> Vec<Incident> {
        self.incidents.values().cloned().collect()
    }

    /// The correlation index, ascending by correlation.
    pub fn index(&self) -> Vec<(CorrelationId, IncidentId)> {
        self.by_correlation.iter().map(|(&c, &i)| (c, i)).collect()
    }

    pub fn len(&self) -> usize {
        self.incidents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty()
    }
}

/// A consistent copy of the whole store: incidents and index from one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSnapshot {
    /// Ascending by id.
    pub incidents: Vec<Incident>,
    /// Ascending by correlation.
    pub index: Vec<(CorrelationId, IncidentId)>,
}

/// The shared incident store: a handle; clones share one store.
#[derive(Clone, Default)]
pub struct IncidentStore {
    core: Arc<Mutex<IncidentStoreCore>>,
}

impl IncidentStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The incident of `correlation`, creating it if absent.
    ///
    /// `build` (the slow part: looking up the correlation's alerts and
    /// composing the title) runs without the lock, and only if the
    /// correlation has no incident yet; the insert re-checks the index under
    /// the lock, so of concurrent creators exactly one inserts and the others
    /// discard their build and get its incident.
    pub fn create_with(
        &self,
        correlation: CorrelationId,
        now: Millis,
        build: impl FnOnce() -> String,
    ) -> Created {
        if let Some(id) = self.core.lock().find_by_correlation(correlation) {
            return Created { id, created: false };
        }
        let title = build();
        self.core.lock().create(correlation, title, now)
    }

    /// A copy of incident `id`.
    pub fn get(&self, id: IncidentId) -> Option<Incident> {
        self.core.lock().get(id).cloned()
    }

    /// A copy of the incident of `correlation`.
    pub fn get_by_correlation(&self, correlation: CorrelationId) -> Option<Incident> {
        let core = self.core.lock();
        core.find_by_correlation(correlation)
            .and_then(|id| core.get(id).cloned())
    }

    /// Checks and applies one transition in one critical section: of
    /// concurrent callers for the same transition exactly one gets `Ok`.
    pub fn transition(&self, id: IncidentId, to: Status, now: Millis) -> Result<(), IncidentError> {
        self.core.lock().transition(id, to, now)
    }

    pub fn apply_update(
        &self,
        id: IncidentId,
        update: Update,
        now: Millis,
    ) -> Result<(), IncidentError> {
        self.core.lock().apply_update(id, update, now)
    }

    /// Auto-close: closes every incident resolved at or before `cutoff`.
    ///
    /// The candidates are snapshotted under the lock, then each is closed
    /// through [`IncidentStore::transition`], which re-checks its status: an
    /// incident created meanwhile does not disturb the sweep, one closed by
    /// someone else meanwhile is skipped. Returns the ids this sweep closed.
    pub fn close_resolved_before(&self, cutoff: Millis, now: Millis) -> Vec<IncidentId> {
        let candidates = self.core.lock().resolved_before(cutoff);
        candidates
            .into_iter()
            .filter(|&id| self.transition(id, Status::Closed, now).is_ok())
            .collect()
    }

    /// Every incident and the index, from one critical section.
    pub fn snapshot(&self) -> StoreSnapshot {
        let core = self.core.lock();
        StoreSnapshot {
            incidents: core.snapshot(),
            index: core.index(),
        }
    }

    pub fn len(&self) -> usize {
        self.core.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.core.lock().is_empty()
    }
}

impl fmt::Debug for IncidentStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncidentStore")
            .field("incidents", &self.len())
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    #[test]
    fn one_incident_per_correlation() {
        let store = IncidentStore::new();
        let a = store.create_with(7, 0, || "disk full".into());
        let b = store.create_with(7, 1, || unreachable!("already exists"));
        assert!(a.created && !b.created);
        assert_eq!(a.id, b.id);
        assert_eq!(
            store.get_by_correlation(7).map(|i| i.title),
            Some("disk full".into())
        );
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn lifecycle_follows_the_state_machine_once() {
        let store = IncidentStore::new();
        let id = store.create_with(1, 0, String::new).id;
        assert_eq!(store.transition(id, Status::Investigating, 1), Ok(()));
        assert!(matches!(
            store.transition(id, Status::Investigating, 2),
            Err(IncidentError::InvalidTransition { .. })
        ));
        assert_eq!(store.transition(id, Status::Resolved, 3), Ok(()));
        assert!(store.transition(id, Status::Resolved, 4).is_err());
        assert_eq!(
            store.transition(99, Status::Closed, 4),
            Err(IncidentError::NotFound(99))
        );
        let incident = store.get(id).expect("exists");
        assert_eq!(incident.resolved_at, Some(3));
        assert_eq!(incident.timeline.len(), 3);
    }

    #[test]
    fn older_updates_are_rejected() {
        let store = IncidentStore::new();
        let id = store.create_with(1, 0, String::new).id;
        let update = |version: u64| Update {
            version,
            assignee: Some(format!("v{version}")),
        };
        assert_eq!(store.apply_update(id, update(2), 1), Ok(()));
        assert!(matches!(
            store.apply_update(id, update(1), 2),
            Err(IncidentError::StaleUpdate {
                current: 2,
                offered: 1,
                ..
            })
        ));
        assert!(store.apply_update(id, update(2), 2).is_err());
        assert_eq!(store.apply_update(id, update(5), 3), Ok(()));
        let incident = store.get(id).expect("exists");
        assert_eq!(
            (incident.version, incident.assignee),
            (5, Some("v5".into()))
        );
    }

    #[test]
    fn sweep_closes_only_old_resolved_incidents() {
        let store = IncidentStore::new();
        let old = store.create_with(1, 0, String::new).id;
        let recent = store.create_with(2, 0, String::new).id;
        let open = store.create_with(3, 0, String::new).id;
        store
            .transition(old, Status::Resolved, 10)
            .expect("open → resolved");
        store
            .transition(recent, Status::Resolved, 50)
            .expect("open → resolved");
        assert_eq!(store.close_resolved_before(20, 60), vec![old]);
        assert_eq!(
            store.close_resolved_before(20, 61),
            Vec::<IncidentId>::new()
        );
        let snapshot = store.snapshot();
        let status = |id| {
            snapshot
                .incidents
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.status)
        };
        assert_eq!(status(old), Some(Status::Closed));
        assert_eq!(status(recent), Some(Status::Resolved));
        assert_eq!(status(open), Some(Status::Open));
        assert_eq!(snapshot.index, vec![(1, old), (2, recent), (3, open)]);
    }
}
