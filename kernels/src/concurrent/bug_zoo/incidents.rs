//! The original `IncidentManager` (catalog §1), ported with its races.
//!
//! - `R1.1` — `create_incident_from_correlation` checks
//!   `correlation_to_incident` (l.301), then awaits `get_alert` once per alert
//!   (l.310–313) to build the incident, and only then writes `incidents` and
//!   the index (l.333–334). Two creators for one correlation both pass the
//!   check and both insert: two incidents for one correlation, the first
//!   orphaned from the index.
//! - `R1.2` — `resolve` (and the other transitions) checks the status
//!   (l.464/470) and writes it (l.475) in separate steps: under threads two
//!   resolvers both pass the check, the incident is resolved twice and gets
//!   two timeline events.
//! - `R1.3` — `acknowledge_incident` (l.374–392) checks that the status is
//!   OPEN and then writes `acknowledged_at/by` *without changing the status*,
//!   so every acknowledger succeeds, each overwriting the last one's name.
//! - `R1.4` — `_auto_close_monitor` (l.1018–1023) and
//!   `_save_all_incidents_to_database` (l.883–884) iterate
//!   `self.incidents.values()` and await inside the loop (the close, the
//!   save); an incident created meanwhile makes the iterator's next step
//!   raise "dictionary changed size during iteration". Auto-close swallows
//!   the error (l.1025): the remaining incidents are not closed this round;
//!   the shutdown save swallows it too (l.294): the rest are never saved.
//! - `R1.5` — `_update_metrics` (l.918–944) walks `incidents` once per
//!   count; a transition between two walks counts an incident twice (or not
//!   at all), so the per-status counts need not add up to the total.
//! - `R1.6` — `_save_incident_to_database` (l.841–879) opens a connection
//!   per save and builds the row from the live incident after that await;
//!   the commits of two saves of one incident land in either order and
//!   `INSERT OR REPLACE` keeps the last: a row built before a transition can
//!   commit after the row built after it, and the table keeps the older
//!   state ([`RacyIncidentTable`]).
//! - `R1.7` — `merge_incidents` (l.551–609) checks only that the incidents
//!   exist, then sets each secondary's parent and the primary's children:
//!   `merge(A,[B])` and `merge(B,[A])` make a cycle.
//! - `R1.8` — `_trigger_incident_callbacks` (l.968–971) iterates the live
//!   callback list, awaiting each callback, while `add_incident_callback`
//!   (l.643) appends: a callback added during the iteration receives the
//!   transition that happened before it was added.
//! - `R1.10` — `start` creates the monitor tasks (l.269) *before* setting
//!   `running = True` (l.271): a loop that runs at once (a thread) sees
//!   `running == False` and exits; `shutdown` cancels the tasks without
//!   awaiting them (l.284–287).
//!
//! The two dicts are separate objects, each of whose operations is one
//! atomic step (a mutex here, the GIL there); the sequences are not atomic.

use std::collections::BTreeMap;

use std::collections::BTreeSet;

use super::super::clock::Millis;
use super::super::incidents::{
    Acknowledgement, CorrelationId, Incident, IncidentCallback, IncidentId, IncidentMetrics,
    MonitorReport, Notification, PersistedRow, Status, TimelineEvent,
};
use super::super::sync::thread::{self, JoinHandle};
use super::super::sync::{Arc, Condvar, Mutex};

/// The manager's two maps, unguarded as a pair.
#[derive(Debug, Default)]
pub struct RacyIncidentManager {
    incidents: Mutex<BTreeMap<IncidentId, Incident>>,
    correlation_to_incident: Mutex<BTreeMap<CorrelationId, IncidentId>>,
    /// `uuid4()`: unique ids (allocating one is one step).
    next_id: Mutex<IncidentId>,
    /// `incident_callbacks`: appended to, never snapshotted.
    callbacks: Mutex<Vec<IncidentCallback>>,
    /// Transitions so far (instrumentation: orders registrations against
    /// transitions, as [`super::super::incidents::IncidentStore`] does).
    transitions: Mutex<u64>,
}

impl RacyIncidentManager {
    pub fn new() -> Self {
        Self::default()
    }

    /// R1.1: check the index, build (the awaits), then insert both maps.
    pub fn create_from_correlation(
        &self,
        correlation: CorrelationId,
        now: Millis,
        build: impl FnOnce() -> String,
    ) -> IncidentId {
        if let Some(&id) = self.correlation_to_incident.lock().get(&correlation) {
            return id;
        }
        // `for alert_id in correlation.alert_ids: await get_alert(alert_id)`
        let title = build();
        let id = {
            let mut next = self.next_id.lock();
            *next += 1;
            *next
        };
        let incident = Incident::open(id, correlation, title, now);
        self.incidents.lock().insert(id, incident);
        self.correlation_to_incident.lock().insert(correlation, id);
        id
    }

    /// R1.2: check the status, then (separately) write it; then R1.8: run
    /// the callbacks by walking the live list.
    pub fn transition(&self, id: IncidentId, to: Status, now: Millis) -> bool {
        let Some(from) = self.incidents.lock().get(&id).map(|i| i.status) else {
            return false;
        };
        if !from.can_become(to) {
            return false;
        }
        let seq = {
            let mut incidents = self.incidents.lock();
            let Some(incident) = incidents.get_mut(&id) else {
                return false;
            };
            incident.status = to;
            if to == Status::Resolved {
                incident.resolved_at = Some(now);
            }
            incident
                .timeline
                .push(TimelineEvent::Transition { from, to, at: now });
            let mut transitions = self.transitions.lock();
            *transitions += 1;
            *transitions
        };
        let notification = Notification { seq, id, from, to };
        // `for callback in self.incident_callbacks: await callback(...)`:
        // Python's list iterator re-reads the length at every step.
        let mut next = 0;
        loop {
            let callback = self.callbacks.lock().get(next).cloned();
            let Some(callback) = callback else { break };
            callback(&notification);
            next += 1;
        }
        true
    }

    /// R1.8: `incident_callbacks.append(callback)`. Returns the transitions
    /// so far, read with the append (instrumentation, see `transitions`).
    pub fn add_callback(&self, callback: IncidentCallback) -> u64 {
        let mut callbacks = self.callbacks.lock();
        callbacks.push(callback);
        *self.transitions.lock()
    }

    /// R1.3: check OPEN, then record the acknowledgement; the status stays
    /// OPEN, so the next acknowledger passes the check too.
    pub fn acknowledge(&self, id: IncidentId, by: &str, now: Millis) -> bool {
        let Some(status) = self.incidents.lock().get(&id).map(|i| i.status) else {
            return false;
        };
        if status != Status::Open {
            return false;
        }
        if let Some(incident) = self.incidents.lock().get_mut(&id) {
            incident.acknowledged = Some(Acknowledgement {
                by: by.to_string(),
                at: now,
            });
            incident.timeline.push(TimelineEvent::Acknowledged {
                by: by.to_string(),
                at: now,
            });
        }
        true
    }

    /// R1.5: one walk of the live dict per count.
    pub fn metrics(&self) -> IncidentMetrics {
        let count = |status: Status| {
            self.incidents
                .lock()
                .values()
                .filter(|i| i.status == status)
                .count()
        };
        let total = self.incidents.lock().len();
        let open = count(Status::Open);
        let investigating = count(Status::Investigating);
        let resolved = count(Status::Resolved);
        let closed = count(Status::Closed);
        let acknowledged = self
            .incidents
            .lock()
            .values()
            .filter(|i| i.acknowledged.is_some())
            .count();
        IncidentMetrics {
            total,
            open,
            investigating,
            resolved,
            closed,
            acknowledged,
        }
    }

    /// R1.7: check that every incident exists, then link each secondary to
    /// the primary; no check for self-merge, an existing parent or a cycle.
    pub fn merge(&self, primary: IncidentId, secondaries: &[IncidentId], now: Millis) -> bool {
        if !self.incidents.lock().contains_key(&primary) {
            return false;
        }
        if !secondaries
            .iter()
            .all(|s| self.incidents.lock().contains_key(s))
        {
            return false;
        }
        for &s in secondaries {
            let mut incidents = self.incidents.lock();
            if let Some(parent) = incidents.get_mut(&primary) {
                let mut children: BTreeSet<IncidentId> = parent.children.iter().copied().collect();
                children.insert(s);
                parent.children = children.into_iter().collect();
            }
            if let Some(child) = incidents.get_mut(&s) {
                child.parent = Some(primary);
            }
        }
        if let Some(parent) = self.incidents.lock().get_mut(&primary) {
            parent.timeline.push(TimelineEvent::Absorbed {
                children: secondaries.to_vec(),
                at: now,
            });
        }
        true
    }

    /// Every incident, ascending by id.
    pub fn snapshot(&self) -> Vec<Incident> {
        self.incidents.lock().values().cloned().collect()
    }

    /// Every incident carrying `correlation`.
    pub fn incidents_for(&self, correlation: CorrelationId) -> Vec<Incident> {
        self.incidents
            .lock()
            .values()
            .filter(|i| i.correlation == correlation)
            .cloned()
            .collect()
    }

    pub fn get(&self, id: IncidentId) -> Option<Incident> {
        self.incidents.lock().get(&id).cloned()
    }

    /// R1.4: `for incident in self.incidents.values(): …` with the loop body
    /// (`visit`) free to await. Each step is one atomic `next()`, which (as
    /// CPython's dict iterator does) first compares the dict's size with its
    /// size when the iteration began.
    fn for_each_value(&self, mut visit: impl FnMut(Incident)) -> Result<(), DictChangedSize> {
        let mut started = None;
        for position in 0.. {
            let next = {
                let incidents = self.incidents.lock();
                let len = *started.get_or_insert(incidents.len());
                if incidents.len() != len {
                    return Err(DictChangedSize);
                }
                incidents.values().nth(position).cloned()
            };
            match next {
                Some(incident) => visit(incident),
                None => return Ok(()),
            }
        }
        Ok(())
    }

    /// R1.4: one round of `_auto_close_monitor`: closes (awaiting each
    /// close) every incident resolved at or before `cutoff`; the iteration's
    /// error is logged and swallowed. Returns the ids it closed.
    pub fn auto_close_sweep(&self, cutoff: Millis, now: Millis) -> Vec<IncidentId> {
        let mut closed = Vec::new();
        let swept = self.for_each_value(|incident| {
            let old = incident.status == Status::Resolved
                && incident.resolved_at.is_some_and(|t| t <= cutoff);
            if old && self.transition(incident.id, Status::Closed, now) {
                closed.push(incident.id);
            }
        });
        // `except Exception as e: logger.error(...)`
        let _ = swept;
        closed
    }

    /// R1.4: `_save_all_incidents_to_database`: awaits one save per
    /// incident while iterating the live dict; the shutdown that calls it
    /// swallows the error. Returns how many incidents it saved.
    pub fn save_all(&self, table: &RacyIncidentTable) -> usize {
        let mut saved = 0;
        let _ = self.for_each_value(|incident| {
            table.insert_or_replace(incident.row());
            saved += 1;
        });
        saved
    }

    /// R1.6: `_save_incident_to_database`: `await aiosqlite.connect(...)`,
    /// then the row is built from the live incident, then (after the
    /// execute's and the commit's awaits) it replaces whatever is stored.
    pub fn save(&self, id: IncidentId, table: &RacyIncidentTable) -> bool {
        let Some(row) = self.incidents.lock().get(&id).map(Incident::row) else {
            return false;
        };
        table.insert_or_replace(row);
        true
    }
}

/// R1.4's `RuntimeError`: the dict changed size while a loop iterated it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("RuntimeError: dictionary changed size during iteration")]
pub struct DictChangedSize;

/// R1.6: the SQLite `incidents` table as the original writes it: `INSERT OR
/// REPLACE`, the last commit wins whatever state its row was built from.
#[derive(Debug, Default)]
pub struct RacyIncidentTable {
    rows: Mutex<BTreeMap<IncidentId, PersistedRow>>,
}

impl RacyIncidentTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert_or_replace(&self, row: PersistedRow) {
        self.rows.lock().insert(row.id, row);
    }

    pub fn row(&self, id: IncidentId) -> Option<PersistedRow> {
        self.rows.lock().get(&id).cloned()
    }

    /// Every row, ascending by id.
    pub fn rows(&self) -> Vec<PersistedRow> {
        self.rows.lock().values().cloned().collect()
    }
}

#[derive(Debug, Default)]
struct RacyMonitorState {
    running: bool,
    pending: u64,
    sweeps: u64,
    stops: u64,
    exited_before_stop: bool,
}

/// R1.10: the manager's escalation monitor (its body is a stub in the
/// original, so a sweep only counts), started and stopped as the original
/// does.
#[derive(Debug, Clone, Default)]
pub struct RacyMonitor {
    state: Arc<(Mutex<RacyMonitorState>, Condvar)>,
}

impl RacyMonitor {
    /// `create_task(self._escalation_monitor())`, *then* `running = True`.
    pub fn start() -> (Self, JoinHandle<()>) {
        let monitor = Self::default();
        let shared = monitor.clone();
        let task = thread::spawn(move || {
            let (lock, wake) = &*shared.state;
            let mut state = lock.lock();
            // `while self.running:` with an `await asyncio.sleep(...)` per round.
            loop {
                if state.pending > 0 {
                    state.pending -= 1;
                    state.sweeps += 1;
                } else if !state.running {
                    state.exited_before_stop = state.stops == 0;
                    return;
                } else {
                    state = wake.wait(state);
                }
            }
        });
        monitor.state.0.lock().running = true;
        (monitor, task)
    }

    /// The sleep elapsing: one more round for the loop, if running.
    pub fn tick(&self) -> bool {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock();
        if !state.running {
            return false;
        }
        state.pending += 1;
        wake.notify_all();
        true
    }

    /// `running = False; task.cancel()`, never awaiting the task.
    pub fn stop(&self) {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock();
        state.stops += 1;
        state.running = false;
        wake.notify_all();
    }

    /// What the loop did, once its task is joined.
    pub fn report(&self) -> MonitorReport {
        let state = self.state.0.lock();
        MonitorReport {
            sweeps: state.sweeps,
            exited_before_stop: state.exited_before_stop,
        }
    }
}
