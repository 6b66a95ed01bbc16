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
//!   index agreeing, while creations run; a sweep (auto-close, save-all)
//!   visits every incident that qualified when it began, acting on each at
//!   most once.
//! - **persisted-latest**: once every save has returned, each incident's
//!   persisted row is its in-memory state: a save built from an older state
//!   that commits last never overwrites a newer row ([`IncidentDb`]).

use std::collections::BTreeMap;
use std::fmt;

use super::clock::Millis;
use super::sync::thread::{self, JoinHandle};
use super::sync::{Arc, Condvar, Mutex};

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
    Acknowledged {
        by: String,
        at: Millis,
    },
    /// This incident became a child of `into` (on the secondary).
    MergedInto {
        into: IncidentId,
        at: Millis,
    },
    /// `children` became children of this incident (on the primary).
    Absorbed {
        children: Vec<IncidentId>,
        at: Millis,
    },
}

/// Who acknowledged an incident, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    pub by: String,
    pub at: Millis,
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
    /// Set once, by the one acknowledgement that succeeded.
    pub acknowledged: Option<Acknowledgement>,
    /// The incident this one was merged into (its parent in the merge forest).
    pub parent: Option<IncidentId>,
    /// Incidents merged into this one, ascending.
    pub children: Vec<IncidentId>,
    pub timeline: Vec<TimelineEvent>,
}

impl Incident {
    /// How many changes the incident has seen. Every change (creation, a
    /// transition, an update, an acknowledgement, a merge) appends exactly
    /// one timeline event, so the timeline's length orders an incident's
    /// states: of two copies, the one with the higher revision is newer.
    pub fn revision(&self) -> u64 {
        self.timeline.len() as u64
    }

    /// The row a save writes for this state of the incident.
    pub fn row(&self) -> PersistedRow {
        PersistedRow {
            id: self.id,
            revision: self.revision(),
            status: self.status,
            assignee: self.assignee.clone(),
        }
    }

    /// A fresh open incident, as creation makes it.
    pub fn open(id: IncidentId, correlation: CorrelationId, title: String, now: Millis) -> Self {
        Incident {
            id,
            correlation,
            title,
            status: Status::Open,
            created_at: now,
            resolved_at: None,
            assignee: None,
            version: 0,
            acknowledged: None,
            parent: None,
            children: Vec::new(),
            timeline: vec![TimelineEvent::Created { at: now }],
        }
    }
}

/// Counts of the store's incidents by status, all from one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncidentMetrics {
    pub total: usize,
    pub open: usize,
    pub investigating: usize,
    pub resolved: usize,
    pub closed: usize,
    pub acknowledged: usize,
}

impl IncidentMetrics {
    /// Every incident is in exactly one status, so the per-status counts of
    /// one snapshot add up to the total.
    pub fn adds_up(&self) -> bool {
        self.open + self.investigating + self.resolved + self.closed == self.total
    }
}

/// Why a merge was refused: each would make the merge graph other than a
/// forest of depth one (invariant 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeRefusal {
    /// The primary is among the secondaries (it would become its own parent).
    PrimaryIsSecondary,
    /// The primary was itself merged into another incident.
    PrimaryHasParent,
    /// A secondary was already merged into an incident.
    SecondaryHasParent(IncidentId),
    /// A secondary has children of its own.
    SecondaryHasChildren(IncidentId),
    /// A secondary is listed twice.
    Duplicate(IncidentId),
}

/// One successful lifecycle transition, as callbacks receive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notification {
    /// Store-wide position of the transition (1, 2, …): a callback
    /// registered at sequence `s` receives exactly the transitions with
    /// `seq > s`.
    pub seq: u64,
    pub id: IncidentId,
    pub from: Status,
    pub to: Status,
}

/// A transition callback. An immutable handle: its reference count is no
/// shared state the model checkers need to see, so it is `std`'s `Arc`, which
/// (unlike loom's) coerces to a trait object.
pub type IncidentCallback = std::sync::Arc<dyn Fn(&Notification) + Send + Sync>;

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
    #[error(
        "incident {id} cannot be acknowledged: status {status:?}, already acknowledged: {already}"
    )]
    NotAcknowledgeable {
        id: IncidentId,
        status: Status,
        already: bool,
    },
    #[error("cannot merge into incident {primary}: {refusal:?}")]
    InvalidMerge {
        primary: IncidentId,
        refusal: MergeRefusal,
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
        self.incidents
            .insert(id, Incident::open(id, correlation, title, now));
        self.by_correlation.insert(correlation, id);
        Created { id, created: true }
    }

    pub fn find_by_correlation(&self, correlation: CorrelationId) -> Option<IncidentId> {
        self.by_correlation.get(&correlation).copied()
    }

    pub fn get(&self, id: IncidentId) -> Option<&Incident> {
        self.incidents.get(&id)
    }

    /// Incident `id` for a change, or `NotFound` naming it.
    fn incident_mut(&mut self, id: IncidentId) -> Result<&mut Incident, IncidentError> {
        self.incidents
            .get_mut(&id)
            .ok_or(IncidentError::NotFound(id))
    }

    /// Moves incident `id` to `to`, if that is an edge from its current status.
    pub fn transition(
        &mut self,
        id: IncidentId,
        to: Status,
        now: Millis,
    ) -> Result<(), IncidentError> {
        let incident = self.incident_mut(id)?;
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
        let incident = self.incident_mut(id)?;
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

    /// Acknowledges incident `id`: only while it is open, and only once (the
    /// original's acknowledge leaves the status open and so succeeds again
    /// and again, each time overwriting who acknowledged it: R1.3).
    pub fn acknowledge(
        &mut self,
        id: IncidentId,
        by: String,
        now: Millis,
    ) -> Result<(), IncidentError> {
        let incident = self.incident_mut(id)?;
        if incident.status != Status::Open || incident.acknowledged.is_some() {
            return Err(IncidentError::NotAcknowledgeable {
                id,
                status: incident.status,
                already: incident.acknowledged.is_some(),
            });
        }
        incident.acknowledged = Some(Acknowledgement {
            by: by.clone(),
            at: now,
        });
        incident
            .timeline
            .push(TimelineEvent::Acknowledged { by, at: now });
        Ok(())
    }

    /// Merges `secondaries` into `primary`: each becomes a child of it.
    ///
    /// Everything is validated before anything is written, so a refused
    /// merge changes nothing. The rules keep the merge graph a forest of
    /// depth one: the primary is no secondary and has no parent, and every
    /// secondary has neither parent nor children. (The original checks only
    /// that the incidents exist, so concurrent `merge(A,[B])` and
    /// `merge(B,[A])` make a cycle: R1.7.)
    pub fn merge(
        &mut self,
        primary: IncidentId,
        secondaries: &[IncidentId],
        now: Millis,
    ) -> Result<(), IncidentError> {
        let refuse = |refusal| Err(IncidentError::InvalidMerge { primary, refusal });
        let parent = self
            .incidents
            .get(&primary)
            .ok_or(IncidentError::NotFound(primary))?;
        if parent.parent.is_some() {
            return refuse(MergeRefusal::PrimaryHasParent);
        }
        for (k, &s) in secondaries.iter().enumerate() {
            if s == primary {
                return refuse(MergeRefusal::PrimaryIsSecondary);
            }
            if secondaries[..k].contains(&s) {
                return refuse(MergeRefusal::Duplicate(s));
            }
            let child = self.incidents.get(&s).ok_or(IncidentError::NotFound(s))?;
            if child.parent.is_some() {
                return refuse(MergeRefusal::SecondaryHasParent(s));
            }
            if !child.children.is_empty() {
                return refuse(MergeRefusal::SecondaryHasChildren(s));
            }
        }
        for &s in secondaries {
            if let Some(child) = self.incidents.get_mut(&s) {
                child.parent = Some(primary);
                child.timeline.push(TimelineEvent::MergedInto {
                    into: primary,
                    at: now,
                });
            }
        }
        if let Some(parent) = self.incidents.get_mut(&primary) {
            parent.children.extend_from_slice(secondaries);
            parent.children.sort_unstable();
            parent.timeline.push(TimelineEvent::Absorbed {
                children: secondaries.to_vec(),
                at: now,
            });
        }
        Ok(())
    }

    /// Counts by status, in one pass over one state.
    pub fn metrics(&self) -> IncidentMetrics {
        let mut m = IncidentMetrics {
            total: self.incidents.len(),
            ..IncidentMetrics::default()
        };
        for incident in self.incidents.values() {
            match incident.status {
                Status::Open => m.open += 1,
                Status::Investigating => m.investigating += 1,
                Status::Resolved => m.resolved += 1,
                Status::Closed => m.closed += 1,
            }
            m.acknowledged += usize::from(incident.acknowledged.is_some());
        }
        m
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

    /// Every incident's row, ascending by id.
    pub fn rows(&self) -> Vec<PersistedRow> {
        self.incidents.values().map(Incident::row).collect()
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

/// One row of the incidents table: what a save persists of an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistedRow {
    pub id: IncidentId,
    /// [`Incident::revision`] of the state the row was built from.
    pub revision: u64,
    pub status: Status,
    pub assignee: Option<String>,
}

/// The incidents table (an in-memory stand-in for the original's SQLite
/// file): one row per incident, each save its own commit.
///
/// The original opens a connection per save and builds the row after that
/// `await`; commits land in no particular order, and `INSERT OR REPLACE`
/// keeps whichever commits last, so a row built from an older state can
/// overwrite a newer one for good (R1.6). Here a row carries the revision
/// of the state it was built from, and [`IncidentDb::upsert`] keeps the
/// newer of the stored and the offered row (in SQL: `INSERT … ON CONFLICT
/// DO UPDATE … WHERE excluded.revision > incidents.revision`).
///
/// Invariant (**persisted-latest**): a stored row's revision never
/// decreases; once every save of an incident has committed, its row is the
/// one built from the newest state any of them saw.
#[derive(Debug, Default)]
pub struct IncidentDb {
    rows: Mutex<BTreeMap<IncidentId, PersistedRow>>,
}

impl IncidentDb {
    pub fn new() -> Self {
        Self::default()
    }

    /// Commits `row` unless the stored row is as new or newer; returns
    /// whether it was written.
    pub fn upsert(&self, row: PersistedRow) -> bool {
        let mut rows = self.rows.lock();
        match rows.get(&row.id) {
            Some(stored) if stored.revision >= row.revision => false,
            _ => {
                rows.insert(row.id, row);
                true
            }
        }
    }

    pub fn row(&self, id: IncidentId) -> Option<PersistedRow> {
        self.rows.lock().get(&id).cloned()
    }

    /// Every row, ascending by id.
    pub fn rows(&self) -> Vec<PersistedRow> {
        self.rows.lock().values().cloned().collect()
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

/// What the store's one mutex guards: the incidents, the callbacks, and the
/// count of transitions so far, so a transition and a registration are
/// ordered against each other.
#[derive(Default)]
struct Shared {
    core: IncidentStoreCore,
    callbacks: Vec<IncidentCallback>,
    transitions: u64,
}

/// The shared incident store: a handle; clones share one store.
#[derive(Clone, Default)]
pub struct IncidentStore {
    shared: Arc<Mutex<Shared>>,
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
        if let Some(id) = self.shared.lock().core.find_by_correlation(correlation) {
            return Created { id, created: false };
        }
        let title = build();
        self.shared.lock().core.create(correlation, title, now)
    }

    /// A copy of incident `id`.
    pub fn get(&self, id: IncidentId) -> Option<Incident> {
        self.shared.lock().core.get(id).cloned()
    }

    /// A copy of the incident of `correlation`.
    pub fn get_by_correlation(&self, correlation: CorrelationId) -> Option<Incident> {
        let shared = self.shared.lock();
        let core = &shared.core;
        core.find_by_correlation(correlation)
            .and_then(|id| core.get(id).cloned())
    }

    /// Checks and applies one transition in one critical section: of
    /// concurrent callers for the same transition exactly one gets `Ok`.
    ///
    /// The successful caller then runs the callbacks registered before the
    /// transition, from a copy of the list taken in that same critical
    /// section and called outside it: a callback registered meanwhile does
    /// not receive it (the original iterates the live list across each
    /// callback's await, so it does: R1.8), and a callback may call back into
    /// the store without deadlocking.
    pub fn transition(&self, id: IncidentId, to: Status, now: Millis) -> Result<(), IncidentError> {
        let (notification, callbacks) = {
            let mut shared = self.shared.lock();
            let from = shared
                .core
                .get(id)
                .map(|i| i.status)
                .ok_or(IncidentError::NotFound(id))?;
            shared.core.transition(id, to, now)?;
            shared.transitions += 1;
            let notification = Notification {
                seq: shared.transitions,
                id,
                from,
                to,
            };
            (notification, shared.callbacks.clone())
        };
        for callback in callbacks {
            callback(&notification);
        }
        Ok(())
    }

    /// Registers a transition callback; returns the sequence number of the
    /// last transition before it: the callback receives exactly the
    /// transitions numbered above it, each once.
    pub fn add_callback(&self, callback: IncidentCallback) -> u64 {
        let mut shared = self.shared.lock();
        shared.callbacks.push(callback);
        shared.transitions
    }

    /// Acknowledges incident `id` once; see [`IncidentStoreCore::acknowledge`].
    pub fn acknowledge(&self, id: IncidentId, by: &str, now: Millis) -> Result<(), IncidentError> {
        self.shared.lock().core.acknowledge(id, by.to_string(), now)
    }

    /// Merges in one critical section; see [`IncidentStoreCore::merge`].
    pub fn merge(
        &self,
        primary: IncidentId,
        secondaries: &[IncidentId],
        now: Millis,
    ) -> Result<(), IncidentError> {
        self.shared.lock().core.merge(primary, secondaries, now)
    }

    /// Counts by status from one critical section, so they add up (the
    /// original walks the live dict once per count: R1.5).
    pub fn metrics(&self) -> IncidentMetrics {
        self.shared.lock().core.metrics()
    }

    pub fn apply_update(
        &self,
        id: IncidentId,
        update: Update,
        now: Millis,
    ) -> Result<(), IncidentError> {
        self.shared.lock().core.apply_update(id, update, now)
    }

    /// Auto-close: closes every incident resolved at or before `cutoff`.
    ///
    /// The candidates are snapshotted under the lock, then each is closed
    /// through [`IncidentStore::transition`], which re-checks its status: an
    /// incident created meanwhile does not disturb the sweep, one closed by
    /// someone else meanwhile is skipped. Returns the ids this sweep closed.
    pub fn close_resolved_before(&self, cutoff: Millis, now: Millis) -> Vec<IncidentId> {
        let candidates = self.shared.lock().core.resolved_before(cutoff);
        candidates
            .into_iter()
            .filter(|&id| self.transition(id, Status::Closed, now).is_ok())
            .collect()
    }

    /// Saves incident `id` to `db`: the row is built under the lock, so it is
    /// one state of the incident, and committed after it (the original's
    /// `await` on the connection); [`IncidentDb::upsert`] drops it if a save
    /// of a newer state committed first. Returns whether it was written.
    pub fn save(&self, id: IncidentId, db: &IncidentDb) -> Result<bool, IncidentError> {
        let row = self
            .shared
            .lock()
            .core
            .get(id)
            .map(Incident::row)
            .ok_or(IncidentError::NotFound(id))?;
        Ok(db.upsert(row))
    }

    /// Saves every incident (the shutdown save): the rows are built in one
    /// critical section, then committed one by one. The original iterates
    /// the live dict and awaits a save per incident, so an incident created
    /// meanwhile raises "dictionary changed size during iteration" and the
    /// rest are never saved (R1.4). Returns how many rows it offered.
    pub fn save_all(&self, db: &IncidentDb) -> usize {
        let rows = self.shared.lock().core.rows();
        let offered = rows.len();
        for row in rows {
            db.upsert(row);
        }
        offered
    }

    /// Every incident and the index, from one critical section.
    pub fn snapshot(&self) -> StoreSnapshot {
        let shared = self.shared.lock();
        let core = &shared.core;
        StoreSnapshot {
            incidents: core.snapshot(),
            index: core.index(),
        }
    }

    pub fn len(&self) -> usize {
        self.shared.lock().core.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shared.lock().core.is_empty()
    }
}

impl fmt::Debug for IncidentStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncidentStore")
            .field("incidents", &self.len())
            .finish()
    }
}

/// What a stopped [`AutoCloseMonitor`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorReport {
    /// Sweeps run: one per tick queued while running.
    pub sweeps: u64,
    /// The loop exited although nobody had stopped it.
    pub exited_before_stop: bool,
}

#[derive(Debug, Default)]
struct MonitorState {
    running: bool,
    /// Ticks (the sweep's `now`) not yet swept, oldest first.
    pending: std::collections::VecDeque<Millis>,
    sweeps: u64,
    stops: u64,
    exited_before_stop: bool,
}

/// The auto-close monitor: a background loop that, on every tick (hourly in
/// the original), closes the incidents resolved more than `max_age` ago.
///
/// The original creates its monitor tasks *before* setting `running`, and a
/// loop that checks `running` first (as a thread does, unlike an asyncio task
/// that only starts at the next yield) exits at once; its `shutdown` cancels
/// the tasks without awaiting them (R1.10). Here `running` is set before the
/// loop is spawned, the loop sweeps every queued tick before it looks at
/// `running`, and [`AutoCloseMonitor::stop`] joins the loop.
///
/// Invariant (**monitor-runs-until-stop**): the loop exits only after `stop`,
/// and every tick queued before `stop` is swept before `stop` returns.
pub struct AutoCloseMonitor {
    state: Arc<(Mutex<MonitorState>, Condvar)>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl AutoCloseMonitor {
    /// Marks the monitor running, then spawns its loop.
    pub fn start(store: IncidentStore, max_age: Millis) -> Self {
        let state = Arc::new((
            Mutex::new(MonitorState {
                running: true,
                ..MonitorState::default()
            }),
            Condvar::new(),
        ));
        let shared = Arc::clone(&state);
        let handle = thread::spawn(move || {
            let (lock, wake) = &*shared;
            let mut state = lock.lock();
            loop {
                if let Some(now) = state.pending.pop_front() {
                    drop(state);
                    store.close_resolved_before(now.saturating_sub(max_age), now);
                    state = lock.lock();
                    state.sweeps += 1;
                } else if !state.running {
                    state.exited_before_stop = state.stops == 0;
                    return;
                } else {
                    state = wake.wait(state);
                }
            }
        });
        Self {
            state,
            handle: Mutex::new(Some(handle)),
        }
    }

    /// Queues a sweep at `now`; `false` (nothing queued) once stopped.
    pub fn tick(&self, now: Millis) -> bool {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock();
        if !state.running {
            return false;
        }
        state.pending.push_back(now);
        wake.notify_all();
        true
    }

    /// Stops the loop and waits for it: queued ticks are swept first.
    pub fn stop(&self) -> MonitorReport {
        {
            let (lock, wake) = &*self.state;
            let mut state = lock.lock();
            state.stops += 1;
            state.running = false;
            wake.notify_all();
        }
        if let Some(handle) = self.handle.lock().take() {
            let _ = handle.join();
        }
        let state = self.state.0.lock();
        MonitorReport {
            sweeps: state.sweeps,
            exited_before_stop: state.exited_before_stop,
        }
    }
}

impl fmt::Debug for AutoCloseMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutoCloseMonitor").finish_non_exhaustive()
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

    #[test]
    fn the_database_keeps_the_newest_row() {
        let store = IncidentStore::new();
        let db = IncidentDb::new();
        let id = store.create_with(1, 0, String::new).id;
        let created = store.get(id).map(|i| i.row()).expect("exists");
        store.transition(id, Status::Resolved, 1).expect("ok");
        assert_eq!(store.save(id, &db), Ok(true));
        assert_eq!(store.save(id, &db), Ok(false));
        // A save built before the transition, committing last, is dropped.
        assert!(!db.upsert(created));
        let row = db.row(id).expect("saved");
        assert_eq!((row.status, row.revision), (Status::Resolved, 2));
        assert_eq!(store.save(9, &db), Err(IncidentError::NotFound(9)));
        store.create_with(2, 0, String::new);
        assert_eq!(store.save_all(&db), 2);
        assert_eq!(db.rows().len(), 2);
    }

    #[test]
    fn acknowledged_once_while_open() {
        let store = IncidentStore::new();
        let id = store.create_with(1, 0, String::new).id;
        assert_eq!(store.acknowledge(id, "ana", 1), Ok(()));
        assert!(matches!(
            store.acknowledge(id, "bo", 2),
            Err(IncidentError::NotAcknowledgeable { already: true, .. })
        ));
        let other = store.create_with(2, 0, String::new).id;
        store
            .transition(other, Status::Resolved, 1)
            .expect("open → resolved");
        assert!(store.acknowledge(other, "ana", 2).is_err());
        let incident = store.get(id).expect("exists");
        assert_eq!(incident.acknowledged.map(|a| a.by), Some("ana".into()));
        assert_eq!(store.metrics().acknowledged, 1);
    }

    #[test]
    fn merges_keep_a_forest_of_depth_one() {
        let store = IncidentStore::new();
        let [a, b, c, d] = [1, 2, 3, 4].map(|k| store.create_with(k, 0, String::new).id);
        let refused = |result: Result<(), IncidentError>| match result {
            Err(IncidentError::InvalidMerge { refusal, .. }) => refusal,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            refused(store.merge(a, &[a], 1)),
            MergeRefusal::PrimaryIsSecondary
        );
        assert_eq!(
            refused(store.merge(a, &[b, b], 1)),
            MergeRefusal::Duplicate(b)
        );
        assert_eq!(store.merge(a, &[b, c], 1), Ok(()));
        assert_eq!(
            refused(store.merge(b, &[d], 2)),
            MergeRefusal::PrimaryHasParent
        );
        assert_eq!(
            refused(store.merge(d, &[b], 2)),
            MergeRefusal::SecondaryHasParent(b)
        );
        assert_eq!(
            refused(store.merge(d, &[a], 2)),
            MergeRefusal::SecondaryHasChildren(a)
        );
        let incident = |id| store.get(id).expect("exists");
        assert_eq!(incident(a).children, vec![b, c]);
        assert_eq!((incident(b).parent, incident(c).parent), (Some(a), Some(a)));
        assert_eq!(incident(d).parent, None);
    }

    #[test]
    fn metrics_add_up() {
        let store = IncidentStore::new();
        let ids: Vec<IncidentId> = (0..4)
            .map(|c| store.create_with(c, 0, String::new).id)
            .collect();
        store
            .transition(ids[0], Status::Investigating, 1)
            .expect("ok");
        store.transition(ids[1], Status::Resolved, 1).expect("ok");
        store.transition(ids[2], Status::Resolved, 1).expect("ok");
        store.transition(ids[2], Status::Closed, 2).expect("ok");
        let metrics = store.metrics();
        assert!(metrics.adds_up());
        assert_eq!(
            (
                metrics.open,
                metrics.investigating,
                metrics.resolved,
                metrics.closed
            ),
            (1, 1, 1, 1)
        );
    }

    #[test]
    fn callbacks_get_the_transitions_after_their_registration() {
        let store = IncidentStore::new();
        let id = store.create_with(1, 0, String::new).id;
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let first = {
            let log = std::sync::Arc::clone(&log);
            store.add_callback(std::sync::Arc::new(move |n: &Notification| {
                log.lock().expect("log").push((1, n.seq, n.to))
            }))
        };
        store.transition(id, Status::Investigating, 1).expect("ok");
        // A callback may call back into the store.
        let reentrant = store.clone();
        let second = {
            let log = std::sync::Arc::clone(&log);
            store.add_callback(std::sync::Arc::new(move |n: &Notification| {
                let status = reentrant.get(n.id).map(|i| i.status);
                log.lock()
                    .expect("log")
                    .push((2, n.seq, status.unwrap_or(n.from)))
            }))
        };
        store.transition(id, Status::Resolved, 2).expect("ok");
        assert_eq!((first, second), (0, 1));
        assert_eq!(
            *log.lock().expect("log"),
            vec![
                (1, 1, Status::Investigating),
                (1, 2, Status::Resolved),
                (2, 2, Status::Resolved)
            ]
        );
    }

    #[test]
    fn monitor_sweeps_every_tick_until_stopped() {
        let store = IncidentStore::new();
        let id = store.create_with(1, 0, String::new).id;
        store.transition(id, Status::Resolved, 10).expect("ok");
        let monitor = AutoCloseMonitor::start(store.clone(), 50);
        assert!(monitor.tick(40));
        assert!(monitor.tick(100));
        assert_eq!(
            monitor.stop(),
            MonitorReport {
                sweeps: 2,
                exited_before_stop: false
            }
        );
        assert!(!monitor.tick(200));
        assert_eq!(store.get(id).map(|i| i.status), Some(Status::Closed));
    }
}
