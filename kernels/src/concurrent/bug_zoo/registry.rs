//! `R9.1`, `R9.2`, `R9.3` — `AnalyticsServiceRegistry` as written: endpoint
//! objects mutated in place by whichever probe holds them, counts routed by id,
//! and a discovery cache invalidated on membership changes only.
//!
//! - `R9.2` out-of-order completion: a probe writes `health_status` on the
//!   endpoint object it holds when it *finishes*; nothing orders two probes
//!   of one endpoint, so an older probe's UNHEALTHY can overwrite a newer
//!   HEALTHY (breaks newest-probe-wins).
//! - `R9.3` ABA on the id: the probe's health goes to the object it captured,
//!   but its counts go through `update_service_metrics`, which looks the id
//!   up *again*; after a re-registration during the probe's await they land
//!   on the new registration, which stays UNKNOWN (breaks no-cross-wiring).
//! - `R9.6` counter read-modify-writes: see
//!   [`OriginalRegistry::update_service_metrics`].
//! - `seed003-registry-second-prober` — seed 003's `ServiceRegistry` (§99):
//!   registering an id again starts another health-monitor task and
//!   overwrites the handle of the first without cancelling it, so two
//!   probers run for one service and write its status in any order; see
//!   [`Seed003Registry`].
//! - `R9.1` stale discovery: health transitions do not invalidate the cache,
//!   so `discover(healthy_only)` keeps returning a service that turned
//!   unhealthy (breaks discovery-fresh).
//! - `R9.4` slow stop, start during stop undone: see [`OriginalProbeLoop`].
//! - `R9.5` no probe timeout of its own: see
//!   [`OriginalRegistry::complete_probe_at`].
//! - `R9.7` no liveness: see [`OriginalRegistry::perform_health_checks`].
//! - `R9.8` re-initialisation resets the core services: see
//!   [`OriginalRegistry::initialize_core_services`].
//!
//! The original has neither probe sequence numbers nor registration
//! generations; the port records both *for observation only* (the checks use
//! them to know which probe started last and which registration a probe was
//! for), and never consults them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::super::clock::Millis;
use super::super::registry::{CORE_SERVICES, Health};
use super::super::sync::thread::{self, JoinHandle};
use super::super::sync::{Arc, Condvar, Mutex};

/// aiohttp's default total timeout, the only bound on a probe (R9.5).
pub const AIOHTTP_TIMEOUT: Millis = 300_000;

/// `ServiceEndpoint`: mutated in place by probes and metric updates.
#[derive(Debug, Clone)]
struct Endpoint {
    generation: u64,
    health: Health,
    probes_applied: u64,
    request_count: u64,
    error_count: u64,
    avg_response_time: f64,
    /// `last_heartbeat`: recorded, never read (R9.7).
    last_heartbeat: Millis,
}

/// A probe in flight: the endpoint object it holds, plus observation-only
/// numbers.
#[derive(Debug, Clone)]
pub struct OriginalTicket {
    id: String,
    endpoint: Arc<Mutex<Endpoint>>,
    generation: u64,
    seq: u64,
    /// When the HTTP request was sent ([`OriginalRegistry::begin_probe_at`]).
    started: Millis,
}

impl OriginalTicket {
    /// The registration the probe started on (observation only).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The probe's start order (observation only).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

#[derive(Default)]
struct Inner {
    services: BTreeMap<String, Arc<Mutex<Endpoint>>>,
    /// `_discovery_cache` for the one query the port supports (healthy only).
    discovery_cache: Option<Vec<String>>,
    registrations: u64,
    probes_started: u64,
}

/// The original registry's health, metrics and discovery paths.
pub struct OriginalRegistry {
    inner: Mutex<Inner>,
}

impl OriginalRegistry {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner::default()),
        })
    }

    /// `register_service`: replaces the endpoint object, invalidates the
    /// cache. Returns the (observation-only) registration number.
    pub fn register(&self, id: &str) -> u64 {
        let mut inner = self.inner.lock();
        inner.registrations += 1;
        let generation = inner.registrations;
        inner.services.insert(
            id.to_string(),
            Arc::new(Mutex::new(Endpoint {
                generation,
                health: Health::Unknown,
                probes_applied: 0,
                request_count: 0,
                error_count: 0,
                avg_response_time: 0.0,
                last_heartbeat: 0,
            })),
        );
        inner.discovery_cache = None;
        generation
    }

    /// `heartbeat(service_id)`: updates the timestamp only.
    pub fn heartbeat(&self, id: &str, now: Millis) {
        let endpoint = self.inner.lock().services.get(id).cloned();
        if let Some(endpoint) = endpoint {
            endpoint.lock().last_heartbeat = now;
        }
    }

    /// `R9.7` — `_perform_health_checks` (l.370–379) as written: probe every
    /// service and write what the probe says. `last_heartbeat` and
    /// `consecutive_failures` are never consulted, so a service that stopped
    /// heart-beating but whose health URL still answers stays HEALTHY
    /// forever (nothing evicts it or marks it down).
    pub fn perform_health_checks(&self, probe: impl Fn(&str) -> Health) {
        let ids: Vec<String> = self.inner.lock().services.keys().cloned().collect();
        for id in ids {
            if let Some(ticket) = self.begin_probe(&id) {
                self.complete_probe(&ticket, probe(&id));
            }
        }
    }

    /// `R9.8` — the core-services part of `initialize_service_registry`
    /// (l.473–540) as written: `for service in core_services: await
    /// registry.register_service(service)`, whether or not they are
    /// registered already. Each registration replaces the endpoint object,
    /// so a second initialisation resets their health to UNKNOWN and their
    /// counters to zero, and orphans their in-flight probes. Each
    /// `register_service` is its own step (it awaits its first probe).
    pub fn initialize_core_services(&self) {
        for (id, _, _) in CORE_SERVICES {
            self.register(id);
        }
    }

    /// The probe starts on the endpoint object registered now.
    pub fn begin_probe(&self, id: &str) -> Option<OriginalTicket> {
        let mut inner = self.inner.lock();
        inner.probes_started += 1;
        let seq = inner.probes_started;
        let endpoint = Arc::clone(inner.services.get(id)?);
        let generation = endpoint.lock().generation;
        Some(OriginalTicket {
            id: id.to_string(),
            endpoint,
            generation,
            seq,
            started: 0,
        })
    }

    /// [`Self::begin_probe`], the request sent at `now`.
    pub fn begin_probe_at(&self, id: &str, now: Millis) -> Option<OriginalTicket> {
        let mut ticket = self.begin_probe(id)?;
        ticket.started = now;
        Some(ticket)
    }

    /// `R9.5` — `_check_service_health` (l.383–416) answered at `now`: the
    /// session uses aiohttp's default total timeout ([`AIOHTTP_TIMEOUT`], 5
    /// minutes), so only an answer that long after the request counts as
    /// failed; any earlier answer, however late for a 30 s health cycle, is
    /// written as given. Meanwhile the cycle's `gather` waits for it, and so
    /// does every other service's refresh (and `register_service`, which
    /// awaits the first probe inline).
    pub fn complete_probe_at(&self, ticket: &OriginalTicket, health: Health, now: Millis) {
        let health = if now.saturating_sub(ticket.started) >= AIOHTTP_TIMEOUT {
            Health::Unhealthy
        } else {
            health
        };
        self.complete_probe(ticket, health);
    }

    /// `_check_service_health` after its await: status onto the held object
    /// (R9.2: no ordering), counts by id lookup (R9.3), no cache
    /// invalidation (R9.1).
    pub fn complete_probe(&self, ticket: &OriginalTicket, health: Health) {
        ticket.endpoint.lock().health = health;
        // `update_service_metrics(service_id, ...)`: `self.services.get(id)`.
        let current = self.inner.lock().services.get(&ticket.id).cloned();
        if let Some(current) = current {
            current.lock().probes_applied += 1;
        }
    }

    /// `R9.6` `update_service_metrics` (l.319–337): the running mean, then
    /// `request_count += 1`, then `error_count += 1` on failure; each
    /// attribute read and write is atomic, no statement is.
    pub fn update_service_metrics(&self, id: &str, response_time: u64, success: bool) {
        let Some(endpoint) = self.inner.lock().services.get(id).cloned() else {
            return;
        };
        // `s.avg = (s.avg * s.request_count + rt) / (s.request_count + 1)`
        let (avg, count) = {
            let e = endpoint.lock();
            (e.avg_response_time, e.request_count)
        };
        let avg = (avg * count as f64 + response_time as f64) / (count + 1) as f64;
        endpoint.lock().avg_response_time = avg;
        // `s.request_count += 1`
        let count = endpoint.lock().request_count;
        endpoint.lock().request_count = count + 1;
        if !success {
            // `s.error_count += 1`
            let errors = endpoint.lock().error_count;
            endpoint.lock().error_count = errors + 1;
        }
    }

    /// `(request_count, error_count, avg_response_time)` of `id`.
    pub fn service_metrics(&self, id: &str) -> Option<(u64, u64, f64)> {
        let endpoint = self.inner.lock().services.get(id).cloned()?;
        let e = endpoint.lock();
        Some((e.request_count, e.error_count, e.avg_response_time))
    }

    /// `discover_services(healthy_only=True)`, cached.
    pub fn discover_healthy(&self) -> Vec<String> {
        let mut inner = self.inner.lock();
        if let Some(hits) = &inner.discovery_cache {
            return hits.clone();
        }
        let mut hits = Vec::new();
        for (id, endpoint) in &inner.services {
            if endpoint.lock().health == Health::Healthy {
                hits.push(id.clone());
            }
        }
        inner.discovery_cache = Some(hits.clone());
        hits
    }

    /// `(generation, health, probes_applied)` of the current registration.
    pub fn get(&self, id: &str) -> Option<(u64, Health, u64)> {
        let endpoint = self.inner.lock().services.get(id).cloned()?;
        let e = endpoint.lock();
        Some((e.generation, e.health, e.probes_applied))
    }

    /// The ids currently healthy, read directly (no cache).
    pub fn healthy_now(&self) -> Vec<String> {
        let inner = self.inner.lock();
        inner
            .services
            .iter()
            .filter(|(_, e)| e.lock().health == Health::Healthy)
            .map(|(id, _)| id.clone())
            .collect()
    }
}

impl fmt::Debug for OriginalRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OriginalRegistry { .. }")
    }
}

#[derive(Debug, Default)]
struct Seed003State {
    /// `self.services`: id → registration number.
    services: BTreeMap<String, u64>,
    /// `self._health_tasks`: id → the cancel flag of the task it holds.
    health_tasks: BTreeMap<String, Arc<Mutex<bool>>>,
    /// Probers running (spawned, not yet exited) per id: observation only.
    live: BTreeMap<String, usize>,
    peak: BTreeMap<String, usize>,
    /// The event loop is closing: every task ends (test teardown).
    closed: bool,
}

/// `seed003-registry-second-prober`: seed 003's `ServiceRegistry` with one
/// health-monitor task per registration.
#[derive(Debug)]
pub struct Seed003Registry {
    state: Arc<(Mutex<Seed003State>, Condvar)>,
    /// Every task ever created (the event loop's view), for teardown.
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Seed003Registry {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Arc::new((Mutex::new(Seed003State::default()), Condvar::new())),
            tasks: Mutex::new(Vec::new()),
        })
    }

    /// `register_service`: store the service, then
    /// `self._health_tasks[id] = asyncio.create_task(self._monitor(id))`,
    /// never cancelling a task already stored under `id`.
    pub fn register_service(&self, id: &str) {
        let cancel = Arc::new(Mutex::new(false));
        {
            let mut state = self.state.0.lock();
            let registration = state.services.len() as u64 + 1;
            state.services.insert(id.to_string(), registration);
            let live = state.live.entry(id.to_string()).or_insert(0);
            *live += 1;
            let live = *live;
            let peak = state.peak.entry(id.to_string()).or_insert(0);
            *peak = (*peak).max(live);
        }
        let shared = Arc::clone(&self.state);
        let (name, flag) = (id.to_string(), Arc::clone(&cancel));
        let task = thread::spawn(move || {
            // `_monitor`: `while True: await check(); await sleep(30)` until
            // cancelled; the sleep is a wait on the condition variable.
            let (lock, wake) = &*shared;
            let mut state = lock.lock();
            while !*flag.lock() && !state.closed {
                state = wake.wait(state);
            }
            if let Some(live) = state.live.get_mut(&name) {
                *live -= 1;
            }
        });
        self.tasks.lock().push(task);
        self.state
            .0
            .lock()
            .health_tasks
            .insert(id.to_string(), cancel);
    }

    /// `unregister_service`: cancel the task stored under `id`.
    pub fn unregister_service(&self, id: &str) {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock();
        state.services.remove(id);
        if let Some(cancel) = state.health_tasks.remove(id) {
            *cancel.lock() = true;
        }
        wake.notify_all();
    }

    /// Most probers ever running at once for `id`.
    pub fn peak_probers(&self, id: &str) -> usize {
        self.state.0.lock().peak.get(id).copied().unwrap_or(0)
    }

    /// Probers of `id` still running.
    pub fn live_probers(&self, id: &str) -> usize {
        self.state.0.lock().live.get(id).copied().unwrap_or(0)
    }

    /// The event loop closes: every task ends; waits for them.
    pub fn close(&self) {
        {
            let (lock, wake) = &*self.state;
            lock.lock().closed = true;
            wake.notify_all();
        }
        let tasks = std::mem::take(&mut *self.tasks.lock());
        for task in tasks {
            let _ = task.join();
        }
    }
}

/// `start`/`stop` of the probe loop as the port sees them.
#[derive(Debug, Default)]
struct LoopState {
    /// Sequence number of the last start/stop call (observation only).
    calls: u64,
    /// `self._shutdown_event`.
    shutdown: bool,
    /// `self._health_check_task`: the task's number.
    task: Option<u64>,
    tasks_created: u64,
    cancelled: BTreeSet<u64>,
    /// Tasks that have finished (`task.done()`).
    done: BTreeSet<u64>,
    /// The event loop is closing: every task ends (test teardown).
    closed: bool,
}

/// `R9.4` — the registry's health-check loop lifecycle (l.95–114,
/// l.355–366), as written. `start` returns early while
/// `_health_check_task` is not done (l.98–99), without clearing
/// `_shutdown_event`. `stop` sets the event and awaits the task with a 5 s
/// `wait_for`; the loop sleeps with a plain `asyncio.sleep(30)` that does not
/// watch the event, so the wait times out and cancels the task. A `start`
/// that arrives while `stop` awaits sees the task not yet done and returns
/// normally; `stop` then cancels the task: the last call was a start, yet no
/// loop runs.
///
/// The loop's sleep is a [`Condvar`] wait that only a cancellation (or the
/// event loop closing) ends: 30 s never elapse within stop's 5 s.
#[derive(Debug)]
pub struct OriginalProbeLoop {
    state: Arc<(Mutex<LoopState>, Condvar)>,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl OriginalProbeLoop {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Arc::new((Mutex::new(LoopState::default()), Condvar::new())),
            handles: Mutex::new(Vec::new()),
        })
    }

    /// `start()`; returns the call's sequence number.
    pub fn start(&self) -> u64 {
        let (seq, task) = {
            let mut state = self.state.0.lock();
            state.calls += 1;
            let seq = state.calls;
            // `if self._health_check_task and not self._health_check_task.done(): return`
            if state.task.is_some_and(|t| !state.done.contains(&t)) {
                return seq;
            }
            state.shutdown = false;
            state.tasks_created += 1;
            let task = state.tasks_created;
            state.task = Some(task);
            (seq, task)
        };
        let shared = Arc::clone(&self.state);
        let handle = thread::spawn(move || {
            let (lock, wake) = &*shared;
            let mut state = lock.lock();
            // `while not self._shutdown_event.is_set():` probe, then
            // `await asyncio.sleep(self.health_check_interval)`.
            if !state.shutdown {
                while !state.cancelled.contains(&task) && !state.closed {
                    state = wake.wait(state);
                }
            }
            state.done.insert(task);
            wake.notify_all();
        });
        self.handles.lock().push(handle);
        seq
    }

    /// `stop()`; returns the call's sequence number.
    pub fn stop(&self) -> u64 {
        let (lock, wake) = &*self.state;
        let (seq, target) = {
            let mut state = lock.lock();
            state.calls += 1;
            state.shutdown = true;
            wake.notify_all();
            // `await asyncio.wait_for(self._health_check_task, timeout=5.0)`
            (state.calls, state.task)
        };
        // ... the loop is in its 30 s sleep: after 5 s `wait_for` cancels the
        // task it was given and waits for it; then
        // `self._health_check_task.cancel()` on whatever the attribute holds.
        let mut state = lock.lock();
        for task in [target, state.task].into_iter().flatten() {
            state.cancelled.insert(task);
        }
        wake.notify_all();
        while target.is_some_and(|t| !state.done.contains(&t)) {
            state = wake.wait(state);
        }
        seq
    }

    /// Probe loops running now (created, not finished).
    pub fn alive_loops(&self) -> usize {
        let state = self.state.0.lock();
        state.tasks_created as usize - state.done.len()
    }

    /// The event loop closes: every task ends; waits for them.
    pub fn close(&self) {
        {
            let (lock, wake) = &*self.state;
            lock.lock().closed = true;
            wake.notify_all();
        }
        let handles = std::mem::take(&mut *self.handles.lock());
        for handle in handles {
            let _ = handle.join();
        }
    }
}
