//! Service registry with caller-driven health probes and a discovery cache.
//!
//! The original `AnalyticsServiceRegistry` (catalog §9) lets whichever probe
//! *finishes* last write a service's health (R9.2), routes a probe's counts to
//! whatever registration holds the id when the probe ends (R9.3: ABA on the
//! id after a re-register), and invalidates its discovery cache on membership
//! changes only (R9.1). Here:
//!
//! - every registration gets a fresh **generation**; a [`ProbeTicket`] names
//!   the generation it was taken for, and a result for any other generation
//!   (the id was re-registered or unregistered meanwhile) is dropped;
//! - every probe takes a **sequence number when it starts**; a result older
//!   than the last one applied to the registration is dropped, so health
//!   reflects the most recently *started* probe that has completed;
//! - the discovery cache is stamped with the registry's **version**, bumped on
//!   every membership and every health change, so it never serves a status
//!   older than the last change. Results are returned by value.
//!
//! Probes are performed by the caller ([`ServiceRegistry::begin_probe`], do
//! the I/O without any lock held, then [`ServiceRegistry::complete_probe`]),
//! so a slow service never blocks the registry (R9.5) and the model checks
//! control the interleaving without real I/O. [`health_monitor`] runs such
//! probes from a background loop whose start/stop lifecycle is the
//! [`Collector`]'s (R9.4).
//!
//! # Invariants (asserted by the model checks)
//! - **newest-probe-wins**: a registration's health is the status of the
//!   completed probe with the highest sequence number taken for it (unknown
//!   if none completed); an older result never overwrites a newer one.
//! - **no-cross-wiring**: a probe result is applied only to the registration
//!   (id *and* generation) it was taken for: health and probe counts of a
//!   re-registered id never include results taken for its previous
//!   registration.
//! - **counters-exact**: a registration's request, error and latency totals
//!   count every [`ServiceRegistry::record_request`] exactly once (the
//!   original updates its running mean and counts in separate read-modify-
//!   writes: R9.6), and its mean latency is their exact quotient.
//! - **reinit-keeps-state**: registering the core services again
//!   ([`ServiceRegistry::register_core_services`]) leaves every existing
//!   registration as it was: same generation, health and counts (the
//!   original's `initialize_service_registry` re-registers them, resetting
//!   health to unknown and counters to zero: R9.8).
//! - **probe-deadline**: a timed probe not answered before its deadline
//!   counts as failed: once [`ServiceRegistry::expire_probes`] has run at or
//!   after the deadline, or the answer arrives late, the service is not
//!   healthy on that probe's account (R9.5: the original waits out aiohttp's
//!   5-minute default, and one hung probe holds up every refresh).
//! - **silent-marked**: after a health cycle at `now`
//!   ([`ServiceRegistry::check_health`]), no service whose last heartbeat is
//!   more than `max_silence` before `now` is healthy, whatever its probe
//!   said (the original records heartbeats and never reads them: R9.7).
//! - **discovery-fresh**: a discovery returns exactly the services that match
//!   the query in the registry's state at the time of the call (for
//!   `healthy_only`, with the health of the last applied probe), cache or not.

use std::collections::BTreeMap;
use std::fmt;

use super::clock::{Clock, Millis};
use super::collector::Collector;
use super::sync::{Arc, Mutex};

/// A service's health as the last applied probe saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Health {
    /// Registered, no probe result yet.
    Unknown,
    Healthy,
    Degraded,
    Unhealthy,
}

/// Errors of the registry's operations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("service {0:?} is not registered")]
    NotRegistered(String),
}

/// What a probe of one registration carries from its start to its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTicket {
    id: String,
    generation: u64,
    seq: u64,
    endpoint: String,
    /// When an unanswered probe counts as failed (timed probes only).
    deadline: Option<Millis>,
}

impl ProbeTicket {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The registration the probe was taken for.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The probe's start order over the whole registry.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// When the probe times out, if it was started with a deadline.
    pub fn deadline(&self) -> Option<Millis> {
        self.deadline
    }

    /// Where to send the probe.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// What became of a probe result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// Applied to the registration it was taken for.
    Applied,
    /// Dropped: a probe that started later has already been applied.
    Stale,
    /// Dropped: the registration it was taken for is gone (unregistered or
    /// replaced by a re-registration of the id).
    Orphaned,
}

/// A copy of one registration's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSnapshot {
    pub id: String,
    pub kind: String,
    pub endpoint: String,
    pub generation: u64,
    pub health: Health,
    /// Probe results applied to this registration.
    pub probes_applied: u64,
    /// Applied results in a row that were not healthy.
    pub consecutive_failures: u64,
    pub last_heartbeat: Millis,
    /// Requests recorded with [`ServiceRegistry::record_request`].
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Sum of their latencies (the mean is `total_latency / requests`, exact,
    /// not a running float).
    pub total_latency: Millis,
}

impl ServiceSnapshot {
    /// Mean latency of the recorded requests (`None` before the first).
    pub fn mean_latency(&self) -> Option<Millis> {
        self.total_latency.checked_div(self.requests)
    }
}

/// A discovery hit: the fields that change only with membership or health,
/// which is what the cache's version tracks (counters and heartbeats are read
/// with [`ServiceRegistry::get`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub id: String,
    pub kind: String,
    pub endpoint: String,
    pub generation: u64,
    pub health: Health,
}

impl From<&ServiceSnapshot> for Discovered {
    fn from(s: &ServiceSnapshot) -> Self {
        Self {
            id: s.id.clone(),
            kind: s.kind.clone(),
            endpoint: s.endpoint.clone(),
            generation: s.generation,
            health: s.health,
        }
    }
}

impl Query {
    /// Whether `service` matches.
    pub fn matches(&self, service: &ServiceSnapshot) -> bool {
        self.kind.as_ref().is_none_or(|k| *k == service.kind)
            && (!self.healthy_only || service.health == Health::Healthy)
    }
}

/// A discovery query.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Query {
    /// Only services of this kind (`None`: any).
    pub kind: Option<String>,
    /// Only services whose last applied probe said healthy.
    pub healthy_only: bool,
}

#[derive(Debug, Clone)]
struct Registration {
    snapshot: ServiceSnapshot,
    /// Sequence number of the last applied probe.
    last_applied_seq: u64,
    /// Timed probes in flight: sequence number → deadline.
    deadlines: BTreeMap<u64, Millis>,
}

/// The registry's logic, unsynchronised: one owner, `&mut self`.
#[derive(Debug, Clone, Default)]
pub struct RegistryCore {
    services: BTreeMap<String, Registration>,
    next_generation: u64,
    next_probe_seq: u64,
    /// Bumped on every membership and health change.
    version: u64,
    /// Discovery results, each valid for the version it was computed at.
    cache: BTreeMap<Query, (u64, Vec<Discovered>)>,
}

impl RegistryCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `id` (replacing any earlier registration of it, whose
    /// in-flight probes are then orphaned); returns the new generation.
    pub fn register(&mut self, id: &str, kind: &str, endpoint: &str, now: Millis) -> u64 {
        self.next_generation += 1;
        let generation = self.next_generation;
        self.services.insert(
            id.to_string(),
            Registration {
                snapshot: ServiceSnapshot {
                    id: id.to_string(),
                    kind: kind.to_string(),
                    endpoint: endpoint.to_string(),
                    generation,
                    health: Health::Unknown,
                    probes_applied: 0,
                    consecutive_failures: 0,
                    last_heartbeat: now,
                    requests: 0,
                    errors: 0,
                    total_latency: 0,
                },
                last_applied_seq: 0,
                deadlines: BTreeMap::new(),
            },
        );
        self.version += 1;
        generation
    }

    /// Registers `id` unless it is registered already (then nothing changes);
    /// returns the new generation if it was inserted.
    pub fn register_if_absent(
        &mut self,
        id: &str,
        kind: &str,
        endpoint: &str,
        now: Millis,
    ) -> Option<u64> {
        if self.services.contains_key(id) {
            return None;
        }
        Some(self.register(id, kind, endpoint, now))
    }

    /// Removes `id`; `false` if it was not registered.
    pub fn unregister(&mut self, id: &str) -> bool {
        let removed = self.services.remove(id).is_some();
        if removed {
            self.version += 1;
        }
        removed
    }

    /// Records a heartbeat (no effect on health or discovery).
    pub fn heartbeat(&mut self, id: &str, now: Millis) -> Result<(), RegistryError> {
        let registration = self
            .services
            .get_mut(id)
            .ok_or_else(|| RegistryError::NotRegistered(id.to_string()))?;
        registration.snapshot.last_heartbeat = registration.snapshot.last_heartbeat.max(now);
        Ok(())
    }

    /// Counts one request to `id` (no effect on health or discovery).
    pub fn record_request(
        &mut self,
        id: &str,
        latency: Millis,
        ok: bool,
    ) -> Result<(), RegistryError> {
        let s = &mut self
            .services
            .get_mut(id)
            .ok_or_else(|| RegistryError::NotRegistered(id.to_string()))?
            .snapshot;
        s.requests += 1;
        s.errors += u64::from(!ok);
        s.total_latency = s.total_latency.saturating_add(latency);
        Ok(())
    }

    /// Starts a probe of `id`'s current registration.
    pub fn begin_probe(&mut self, id: &str) -> Result<ProbeTicket, RegistryError> {
        let registration = self
            .services
            .get(id)
            .ok_or_else(|| RegistryError::NotRegistered(id.to_string()))?;
        self.next_probe_seq += 1;
        Ok(ProbeTicket {
            id: id.to_string(),
            generation: registration.snapshot.generation,
            seq: self.next_probe_seq,
            endpoint: registration.snapshot.endpoint.clone(),
            deadline: None,
        })
    }

    /// Starts a probe of `id` that counts as failed (unhealthy) unless it is
    /// answered before `now + timeout`: see [`Self::expire_probes`] and
    /// [`Self::complete_probe_at`]. The original has no timeout of its own
    /// (aiohttp's 5-minute default), so one hung service holds up every
    /// refresh (R9.5).
    pub fn begin_probe_timed(
        &mut self,
        id: &str,
        now: Millis,
        timeout: Millis,
    ) -> Result<ProbeTicket, RegistryError> {
        let mut ticket = self.begin_probe(id)?;
        let deadline = now.saturating_add(timeout);
        ticket.deadline = Some(deadline);
        if let Some(registration) = self.services.get_mut(id) {
            registration.deadlines.insert(ticket.seq, deadline);
        }
        Ok(ticket)
    }

    /// Applies a timed probe's answer that arrived at `now`: an answer at or
    /// after the deadline counts as a failure, and one for a probe
    /// [`Self::expire_probes`] already failed is dropped ([`ProbeOutcome::Stale`]).
    pub fn complete_probe_at(
        &mut self,
        ticket: &ProbeTicket,
        health: Health,
        now: Millis,
    ) -> ProbeOutcome {
        let health = match ticket.deadline {
            Some(deadline) if now >= deadline => Health::Unhealthy,
            _ => health,
        };
        self.complete_probe(ticket, health)
    }

    /// Fails (as unhealthy) every timed probe whose deadline is at or before
    /// `now` and that has not been answered; returns the ids affected. A
    /// failed probe is applied like any result: only if no later-started
    /// probe has been applied.
    pub fn expire_probes(&mut self, now: Millis) -> Vec<String> {
        let mut expired = Vec::new();
        for registration in self.services.values_mut() {
            let due: Vec<u64> = registration
                .deadlines
                .iter()
                .filter(|&(_, &deadline)| deadline <= now)
                .map(|(&seq, _)| seq)
                .collect();
            for seq in due {
                registration.deadlines.remove(&seq);
                if Self::apply(registration, seq, Health::Unhealthy, &mut self.version) {
                    expired.push(registration.snapshot.id.clone());
                }
            }
        }
        expired
    }

    /// Starts a probe of every registered service.
    pub fn begin_probe_all(&mut self) -> Vec<ProbeTicket> {
        let ids: Vec<String> = self.services.keys().cloned().collect();
        ids.iter()
            .filter_map(|id| self.begin_probe(id).ok())
            .collect()
    }

    /// Applies a probe's result, unless its registration is gone or a later
    /// probe has already been applied.
    pub fn complete_probe(&mut self, ticket: &ProbeTicket, health: Health) -> ProbeOutcome {
        let Some(registration) = self
            .services
            .get_mut(&ticket.id)
            .filter(|r| r.snapshot.generation == ticket.generation)
        else {
            return ProbeOutcome::Orphaned;
        };
        if ticket.deadline.is_some() && registration.deadlines.remove(&ticket.seq).is_none() {
            // Timed out already (or answered twice).
            return ProbeOutcome::Stale;
        }
        if Self::apply(registration, ticket.seq, health, &mut self.version) {
            ProbeOutcome::Applied
        } else {
            ProbeOutcome::Stale
        }
    }

    /// Applies the result of probe `seq` unless a later-started probe's was
    /// applied; bumps `version` on a health change.
    fn apply(registration: &mut Registration, seq: u64, health: Health, version: &mut u64) -> bool {
        if seq < registration.last_applied_seq {
            return false;
        }
        registration.last_applied_seq = seq;
        let snapshot = &mut registration.snapshot;
        snapshot.probes_applied += 1;
        snapshot.consecutive_failures = if health == Health::Healthy {
            0
        } else {
            snapshot.consecutive_failures + 1
        };
        if snapshot.health != health {
            snapshot.health = health;
            *version += 1;
        }
        true
    }

    /// Marks unhealthy every service whose last heartbeat is older than
    /// `max_silence` at `now` (the original records heartbeats but never acts
    /// on them, R9.7); returns their ids. Any probe in flight when this runs
    /// is superseded: it started earlier than this verdict.
    pub fn mark_silent(&mut self, now: Millis, max_silence: Millis) -> Vec<String> {
        let silent: Vec<String> = self
            .services
            .values()
            .filter(|r| now.saturating_sub(r.snapshot.last_heartbeat) > max_silence)
            .filter(|r| r.snapshot.health != Health::Unhealthy)
            .map(|r| r.snapshot.id.clone())
            .collect();
        for id in &silent {
            self.next_probe_seq += 1;
            let seq = self.next_probe_seq;
            if let Some(registration) = self.services.get_mut(id) {
                registration.last_applied_seq = seq;
                registration.snapshot.health = Health::Unhealthy;
                self.version += 1;
            }
        }
        silent
    }

    /// A copy of `id`'s registration.
    pub fn get(&self, id: &str) -> Option<ServiceSnapshot> {
        self.services.get(id).map(|r| r.snapshot.clone())
    }

    /// Every registration, by id.
    pub fn list(&self) -> Vec<ServiceSnapshot> {
        self.services.values().map(|r| r.snapshot.clone()).collect()
    }

    /// The services matching `query`, from the cache when it is current.
    pub fn discover(&mut self, query: &Query) -> Vec<Discovered> {
        match self.cache.get(query) {
            Some((version, hits)) if *version == self.version => return hits.clone(),
            _ => {}
        }
        let hits: Vec<Discovered> = self
            .services
            .values()
            .map(|r| &r.snapshot)
            .filter(|s| query.matches(s))
            .map(Discovered::from)
            .collect();
        self.cache
            .insert(query.clone(), (self.version, hits.clone()));
        hits
    }

    /// The registry's version: bumped on every membership or health change.
    pub fn version(&self) -> u64 {
        self.version
    }
}

/// The services the original registers at initialisation: `(id, kind,
/// endpoint)`.
pub const CORE_SERVICES: [(&str, &str, &str); 5] = [
    ("mcp_server", "mcp", "http://localhost:8000"),
    (
        "analytics_engine",
        "analytics",
        "http://localhost:8000/analytics",
    ),
    ("kuzu_database", "database", "http://localhost:8080"),
    (
        "streaming_analytics",
        "streaming",
        "http://localhost:8000/streaming",
    ),
    ("dragonfly_stream", "stream", "http://localhost:6379"),
];

/// The shared registry: a handle; clones share one state.
#[derive(Clone)]
pub struct ServiceRegistry {
    core: Arc<Mutex<RegistryCore>>,
}

impl ServiceRegistry {
    pub fn new() -> Self {
        Self {
            core: Arc::new(Mutex::new(RegistryCore::new())),
        }
    }

    /// See [`RegistryCore::register`].
    pub fn register(&self, id: &str, kind: &str, endpoint: &str, now: Millis) -> u64 {
        self.core.lock().register(id, kind, endpoint, now)
    }

    pub fn unregister(&self, id: &str) -> bool {
        self.core.lock().unregister(id)
    }

    /// Registers the [`CORE_SERVICES`] not registered yet, all in one
    /// critical section; returns how many were new. Idempotent: calling it
    /// again (a second initialisation) never resets a registration, unlike
    /// the original, which re-registers them (R9.8).
    pub fn register_core_services(&self, now: Millis) -> usize {
        let mut core = self.core.lock();
        CORE_SERVICES
            .iter()
            .filter(|(id, kind, endpoint)| {
                core.register_if_absent(id, kind, endpoint, now).is_some()
            })
            .count()
    }

    pub fn heartbeat(&self, id: &str, now: Millis) -> Result<(), RegistryError> {
        self.core.lock().heartbeat(id, now)
    }

    /// Counts one request in one critical section; see
    /// [`RegistryCore::record_request`].
    pub fn record_request(&self, id: &str, latency: Millis, ok: bool) -> Result<(), RegistryError> {
        self.core.lock().record_request(id, latency, ok)
    }

    /// Starts a probe; do the I/O with no registry lock held, then pass the
    /// ticket to [`ServiceRegistry::complete_probe`].
    pub fn begin_probe(&self, id: &str) -> Result<ProbeTicket, RegistryError> {
        self.core.lock().begin_probe(id)
    }

    pub fn begin_probe_all(&self) -> Vec<ProbeTicket> {
        self.core.lock().begin_probe_all()
    }

    pub fn complete_probe(&self, ticket: &ProbeTicket, health: Health) -> ProbeOutcome {
        self.core.lock().complete_probe(ticket, health)
    }

    /// See [`RegistryCore::begin_probe_timed`].
    pub fn begin_probe_timed(
        &self,
        id: &str,
        now: Millis,
        timeout: Millis,
    ) -> Result<ProbeTicket, RegistryError> {
        self.core.lock().begin_probe_timed(id, now, timeout)
    }

    /// See [`RegistryCore::complete_probe_at`].
    pub fn complete_probe_at(
        &self,
        ticket: &ProbeTicket,
        health: Health,
        now: Millis,
    ) -> ProbeOutcome {
        self.core.lock().complete_probe_at(ticket, health, now)
    }

    /// See [`RegistryCore::expire_probes`].
    pub fn expire_probes(&self, now: Millis) -> Vec<String> {
        self.core.lock().expire_probes(now)
    }

    pub fn mark_silent(&self, now: Millis, max_silence: Millis) -> Vec<String> {
        self.core.lock().mark_silent(now, max_silence)
    }

    /// One health cycle at `now`: probes every service with `probe` (no lock
    /// held), applies the results, then marks unhealthy every service silent
    /// for more than `max_silence` (R9.7: the original never acts on
    /// heartbeats). Marking last means a probe of this cycle cannot undo the
    /// verdict. Returns the ids marked.
    pub fn check_health(
        &self,
        now: Millis,
        max_silence: Millis,
        probe: impl Fn(&str) -> Health,
    ) -> Vec<String> {
        for ticket in self.begin_probe_all() {
            let health = probe(ticket.endpoint());
            let _ = self.complete_probe(&ticket, health);
        }
        self.mark_silent(now, max_silence)
    }

    pub fn get(&self, id: &str) -> Option<ServiceSnapshot> {
        self.core.lock().get(id)
    }

    pub fn list(&self) -> Vec<ServiceSnapshot> {
        self.core.lock().list()
    }

    pub fn discover(&self, query: &Query) -> Vec<Discovered> {
        self.core.lock().discover(query)
    }
}

impl Default for ServiceRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ServiceRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRegistry")
            .field("services", &self.list().len())
            .finish()
    }
}

/// A background health monitor: each tick of the returned [`Collector`]
/// probes every registered service with `probe` (called with no lock held)
/// and applies the results. Start, stop and tick it like any collector.
pub fn health_monitor(
    registry: ServiceRegistry,
    probe: impl Fn(&str) -> Health + Send + Sync + 'static,
) -> Collector {
    Collector::new(move |_| {
        for ticket in registry.begin_probe_all() {
            let health = probe(ticket.endpoint());
            let _ = registry.complete_probe(&ticket, health);
        }
    })
}

/// The port's per-probe deadline: a third of the original's 30 s health
/// interval, so a hung service is failed within the cycle that probed it.
pub const DEFAULT_PROBE_TIMEOUT: Millis = 10_000;

/// A service silent for longer than this (three of the original's 30 s
/// health intervals) is marked unhealthy by [`liveness_monitor`].
pub const DEFAULT_MAX_SILENCE: Millis = 90_000;

/// [`health_monitor`] with liveness: each tick runs
/// [`ServiceRegistry::check_health`] at `clock`'s time, so services that stop
/// heart-beating for `max_silence` are marked unhealthy.
pub fn liveness_monitor(
    registry: ServiceRegistry,
    clock: impl Clock + 'static,
    max_silence: Millis,
    probe: impl Fn(&str) -> Health + Send + Sync + 'static,
) -> Collector {
    Collector::new(move |_| {
        let _ = registry.check_health(clock.now(), max_silence, &probe);
    })
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    fn healthy_only() -> Query {
        Query {
            kind: None,
            healthy_only: true,
        }
    }

    #[test]
    fn request_counts_are_exact_and_reset_on_reregister() {
        let mut core = RegistryCore::new();
        core.register("svc", "api", "http://svc", 0);
        assert_eq!(core.get("svc").and_then(|s| s.mean_latency()), None);
        core.record_request("svc", 10, true).expect("registered");
        core.record_request("svc", 21, false).expect("registered");
        let s = core.get("svc").expect("registered");
        assert_eq!((s.requests, s.errors, s.total_latency), (2, 1, 31));
        assert_eq!(s.mean_latency(), Some(15));
        assert_eq!(
            core.record_request("nope", 1, true),
            Err(RegistryError::NotRegistered("nope".into()))
        );
        core.register("svc", "api", "http://svc", 1);
        assert_eq!(core.get("svc").map(|s| s.requests), Some(0));
    }

    #[test]
    fn core_services_are_registered_once() {
        let registry = ServiceRegistry::new();
        assert_eq!(registry.register_core_services(0), CORE_SERVICES.len());
        let t = registry.begin_probe("mcp_server").expect("registered");
        registry.complete_probe(&t, Health::Healthy);
        registry
            .record_request("mcp_server", 5, true)
            .expect("registered");
        let before = registry.get("mcp_server");
        assert_eq!(registry.register_core_services(1), 0);
        assert_eq!(registry.get("mcp_server"), before, "nothing was reset");
    }

    #[test]
    fn an_older_probe_never_overwrites_a_newer_result() {
        let mut core = RegistryCore::new();
        core.register("a", "db", "http://a", 0);
        let old = core.begin_probe("a").expect("a is registered");
        let new = core.begin_probe("a").expect("a is registered");
        assert_eq!(
            core.complete_probe(&new, Health::Healthy),
            ProbeOutcome::Applied
        );
        assert_eq!(
            core.complete_probe(&old, Health::Unhealthy),
            ProbeOutcome::Stale
        );
        let a = core.get("a").expect("a is registered");
        assert_eq!((a.health, a.probes_applied), (Health::Healthy, 1));
    }

    #[test]
    fn results_for_a_replaced_registration_are_dropped() {
        let mut core = RegistryCore::new();
        let g1 = core.register("a", "db", "http://a", 0);
        let ticket = core.begin_probe("a").expect("a is registered");
        let g2 = core.register("a", "db", "http://a2", 1);
        assert_ne!(g1, g2);
        assert_eq!(
            core.complete_probe(&ticket, Health::Unhealthy),
            ProbeOutcome::Orphaned
        );
        let a = core.get("a").expect("a is registered");
        assert_eq!(
            (a.health, a.probes_applied, a.generation),
            (Health::Unknown, 0, g2)
        );
        core.unregister("a");
        assert_eq!(
            core.complete_probe(&ticket, Health::Healthy),
            ProbeOutcome::Orphaned
        );
        assert!(matches!(
            core.begin_probe("a"),
            Err(RegistryError::NotRegistered(_))
        ));
    }

    #[test]
    fn discovery_follows_health_changes_through_the_cache() {
        let mut core = RegistryCore::new();
        core.register("a", "db", "http://a", 0);
        core.register("b", "cache", "http://b", 0);
        for id in ["a", "b"] {
            let t = core.begin_probe(id).expect("registered");
            core.complete_probe(&t, Health::Healthy);
        }
        assert_eq!(core.discover(&healthy_only()).len(), 2);
        let t = core.begin_probe("a").expect("a is registered");
        core.complete_probe(&t, Health::Unhealthy);
        let ids: Vec<String> = core
            .discover(&healthy_only())
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["b"]);
        let dbs = core.discover(&Query {
            kind: Some("db".into()),
            healthy_only: false,
        });
        assert_eq!(dbs.len(), 1);
        assert_eq!(dbs[0].health, Health::Unhealthy);
        assert_eq!(
            core.get("a").expect("a is registered").consecutive_failures,
            1
        );
    }

    #[test]
    fn silent_services_are_marked_unhealthy_and_in_flight_probes_lose() {
        let mut core = RegistryCore::new();
        core.register("a", "db", "http://a", 0);
        core.heartbeat("a", 10).expect("a is registered");
        let in_flight = core.begin_probe("a").expect("a is registered");
        assert!(core.mark_silent(20, 30).is_empty());
        assert_eq!(core.mark_silent(50, 30), ["a"]);
        assert_eq!(
            core.complete_probe(&in_flight, Health::Healthy),
            ProbeOutcome::Stale
        );
        assert_eq!(
            core.get("a").expect("a is registered").health,
            Health::Unhealthy
        );
    }

    #[test]
    fn an_unanswered_probe_fails_at_its_deadline() {
        let mut core = RegistryCore::new();
        core.register("hung", "db", "http://hung", 0);
        core.register("late", "db", "http://late", 0);
        let hung = core.begin_probe_timed("hung", 0, 10).expect("registered");
        let late = core.begin_probe_timed("late", 0, 10).expect("registered");
        assert!(core.expire_probes(9).is_empty());
        assert_eq!(
            core.complete_probe_at(&late, Health::Healthy, 12),
            ProbeOutcome::Applied
        );
        assert_eq!(core.expire_probes(10), ["hung"]);
        assert_eq!(
            core.complete_probe_at(&hung, Health::Healthy, 30),
            ProbeOutcome::Stale,
            "already failed"
        );
        for id in ["hung", "late"] {
            assert_eq!(core.get(id).map(|s| s.health), Some(Health::Unhealthy));
        }
    }

    #[test]
    fn a_health_cycle_marks_silent_services_after_probing() {
        let registry = ServiceRegistry::new();
        registry.register("quiet", "db", "http://quiet", 0);
        registry.register("chatty", "db", "http://chatty", 0);
        registry.heartbeat("chatty", 100).expect("registered");
        assert!(
            registry
                .check_health(90, 90, |_| Health::Healthy)
                .is_empty()
        );
        assert_eq!(
            registry.check_health(150, 90, |_| Health::Healthy),
            ["quiet"]
        );
        let health = |id| registry.get(id).map(|s| s.health);
        assert_eq!(health("quiet"), Some(Health::Unhealthy));
        assert_eq!(health("chatty"), Some(Health::Healthy));
    }

    #[test]
    fn the_health_monitor_probes_on_each_tick() {
        let registry = ServiceRegistry::new();
        registry.register("a", "db", "http://a", 0);
        let monitor = health_monitor(registry.clone(), |_| Health::Degraded);
        monitor.start();
        monitor.tick();
        while monitor.ticks_collected() == 0 {
            std::thread::yield_now();
        }
        monitor.stop();
        assert_eq!(
            registry.get("a").expect("a is registered").health,
            Health::Degraded
        );
    }
}
