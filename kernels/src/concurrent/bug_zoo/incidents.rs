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
//!
//! The two dicts are separate objects, each of whose operations is one
//! atomic step (a mutex here, the GIL there); the sequences are not atomic.

use std::collections::BTreeMap;

use super::super::clock::Millis;
use super::super::incidents::{CorrelationId, Incident, IncidentId, Status, TimelineEvent};
use super::super::sync::Mutex;

/// The manager's two maps, unguarded as a pair.
#[derive(Debug, Default)]
pub struct RacyIncidentManager {
    incidents: Mutex<BTreeMap<IncidentId, Incident>>,
    correlation_to_incident: Mutex<BTreeMap<CorrelationId, IncidentId>>,
    /// `uuid4()`: unique ids (allocating one is one step).
    next_id: Mutex<IncidentId>,
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
        let incident = Incident {
            id,
            correlation,
            title,
            status: Status::Open,
            created_at: now,
            resolved_at: None,
            assignee: None,
            version: 0,
            timeline: vec![TimelineEvent::Created { at: now }],
        };
        self.incidents.lock().insert(id, incident);
        self.correlation_to_incident.lock().insert(correlation, id);
        id
    }

    /// R1.2: check the status, then (separately) write it.
    pub fn transition(&self, id: IncidentId, to: Status, now: Millis) -> bool {
        let Some(from) = self.incidents.lock().get(&id).map(|i| i.status) else {
            return false;
        };
        if !from.can_become(to) {
            return false;
        }
        if let Some(incident) = self.incidents.lock().get_mut(&id) {
            incident.status = to;
            incident
                .timeline
                .push(TimelineEvent::Transition { from, to, at: now });
        }
        true
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
}
