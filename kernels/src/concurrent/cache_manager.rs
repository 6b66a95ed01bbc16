//! The dashboard cache manager: a [`TieredCache`] behind the shared circuit
//! breaker `"cache_manager"`, published as a process-wide [`Singleton`].
//!
//! The original's `CacheManager.initialize` (catalog §2, `cache_manager.py`
//! l.498–499) always calls `create_breaker("cache_manager", …)`, which raises
//! `ValueError` when the name is taken (§3, l.515–517). So
//! `initialize_cache_manager` (l.851–856), which first assigns the global
//! (l.854) and then initializes it, fails on any second initialisation in the
//! process (after `get_cache_manager` made one, or a restart of the
//! component), and the failure leaves the new, half-initialised manager
//! published: no L1, no breaker, every get a miss (X1, bug zoo `X1`).
//!
//! Here [`CacheManager::initialize`] takes the breaker with
//! [`BreakerRegistry::get_or_create`]: every manager of the process protects
//! the one backend through the one breaker (its state, e.g. OPEN because the
//! backend is down, carries over to a replacement, as it should). A manager is
//! built *and* initialised inside [`Singleton::get_or_try_init`] or
//! [`Singleton::try_replace`], so it is published only once complete, and a
//! failed initialisation leaves the previous manager in place; `try_replace`
//! hands the displaced manager back for teardown.
//!
//! # Invariants (asserted by the model checks)
//! - **published-manager-initialised**: every manager a caller gets from the
//!   global holds the registry's `"cache_manager"` breaker (a failure recorded
//!   through it is seen by the registry's handle), whatever order first use
//!   and re-initialisation run in; the registry holds that one breaker.

use std::collections::BTreeSet;
use std::fmt;
use std::hash::Hash;

use super::breaker::{BreakerConfig, BreakerConfigError, CallError, CircuitBreaker, Rejected};
use super::breaker_manager::BreakerRegistry;
use super::cache::{Cache, CacheError, TieredCache};
use super::clock::{Clock, Millis};
use super::sync::thread::{self, JoinHandle};
use super::sync::{Arc, Condvar, Mutex};

/// Why a cache manager could not be initialised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheManagerError {
    #[error("cache manager: {0}")]
    Cache(#[from] CacheError),
    #[error("cache manager's circuit breaker: {0}")]
    Breaker(#[from] BreakerConfigError),
}

/// Sizes and TTL of a manager's L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheManagerConfig {
    pub l1_capacity: usize,
    /// `None`: L1 copies live as long as their L2 entry.
    pub l1_ttl: Option<Millis>,
    pub breaker: BreakerConfig,
}

impl Default for CacheManagerConfig {
    /// The original's L1 (1000 entries, 300 s) and breaker (threshold 5, 30 s).
    fn default() -> Self {
        Self {
            l1_capacity: 1_000,
            l1_ttl: Some(300_000),
            breaker: BreakerConfig::default(),
        }
    }
}

/// A two-level cache whose operations go through the breaker.
pub struct CacheManager<K, V, C: Clock + Clone> {
    cache: TieredCache<K, V, C>,
    breaker: CircuitBreaker<C>,
}

impl<K: Hash + Eq + Clone, V: Clone, C: Clock + Clone> CacheManager<K, V, C> {
    /// The breaker's name in the registry.
    pub const BREAKER: &'static str = "cache_manager";

    /// A complete manager over `l2`, sharing the registry's
    /// [`CacheManager::BREAKER`] (created with `config.breaker` if absent).
    pub fn initialize(
        config: CacheManagerConfig,
        l2: Cache<K, V, C>,
        breakers: &BreakerRegistry<C>,
    ) -> Result<Self, CacheManagerError> {
        let cache = TieredCache::new(config.l1_capacity, config.l1_ttl, l2)?;
        let breaker = breakers.get_or_create(Self::BREAKER, config.breaker)?;
        Ok(Self { cache, breaker })
    }

    pub fn breaker(&self) -> &CircuitBreaker<C> {
        &self.breaker
    }

    pub fn cache(&self) -> &TieredCache<K, V, C> {
        &self.cache
    }

    /// A lookup, if the breaker admits it.
    pub fn get(&self, key: &K) -> Result<Option<V>, Rejected> {
        let permit = self.breaker.try_acquire_scoped()?;
        let value = self.cache.get(key);
        permit.success();
        Ok(value)
    }

    /// A tagged store, if the breaker admits it.
    pub fn insert_tagged(
        &self,
        key: K,
        value: V,
        ttl: Option<Millis>,
        tags: Vec<String>,
    ) -> Result<(), Rejected> {
        let permit = self.breaker.try_acquire_scoped()?;
        self.cache.insert_tagged(key, value, ttl, tags);
        permit.success();
        Ok(())
    }

    /// Runs a backend call through the manager's breaker (what the cache's
    /// own operations do with an L2 round trip).
    pub fn protect<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        self.breaker.call(f)
    }
}

impl<K, V, C: Clock + Clone> fmt::Debug for CacheManager<K, V, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheManager")
            .field("breaker", &self.breaker)
            .finish_non_exhaustive()
    }
}

/// A warming task of a [`CacheWarmer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WarmTask {
    /// `preload_analytics_data`: one get of every key, once.
    Preload,
    /// `start_background_warming`'s loop: a preload each time the interval
    /// elapses ([`CacheWarmer::tick`]).
    Background,
}

/// [`CacheWarmer::start`] after [`CacheWarmer::stop_all`]: refused, nothing
/// started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cache warmer stopped: warming task {0:?} not started")]
pub struct WarmerStopped(pub WarmTask);

/// What a warmer has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WarmerStats {
    /// Warming tasks running now.
    pub live: usize,
    /// Warming tasks ever started.
    pub started: u64,
    /// Keys warmed (gets issued) so far.
    pub warmed: u64,
}

#[derive(Default)]
struct WarmerState {
    stopped: bool,
    /// Every task started and not yet joined by a stop.
    handles: Vec<JoinHandle<()>>,
    live: BTreeSet<WarmTask>,
    /// Intervals elapsed that the background loop has not warmed for yet.
    ticks: u64,
    started: u64,
    warmed: u64,
}

struct WarmerShared {
    state: Mutex<WarmerState>,
    wake: Condvar,
    keys: Vec<String>,
    /// Warms one key (the original: `await cache_manager.get(key)`).
    warm: Box<dyn Fn(&str) + Send + Sync>,
}

/// The dashboard cache manager's warmer (catalog §2, `CacheWarmer`,
/// l.242–318): a one-shot preload and a background loop that preloads each
/// time the interval elapses, both stopped for good by
/// [`CacheWarmer::stop_all`].
///
/// The original's `initialize` fire-and-forgets the preload task and a task
/// whose job is to create the background loop (l.503, 505–509), keeping no
/// reference to either; `stop_all_warming` (l.308–318) sees only the tasks
/// in `warming_tasks`, and the loops and stop share just the bool
/// `warming_enabled`. So a preload already under way keeps issuing gets
/// after the stop returned (R2.11, bug zoo `R2.11`), and `stop_all_warming`
/// iterates `warming_tasks.values()` with an await inside the loop, which
/// raises "dictionary changed size during iteration" if an insert lands
/// meanwhile. Here every task is started under the lock that holds the task
/// set and the stopped flag, as one value: a start after the stop is
/// refused ([`WarmerStopped`]), the stop marks the warmer stopped and drains
/// the handles in one critical section, then joins them outside it (a task
/// checks the flag before every key, so it ends after at most the key in
/// hand), and nothing it iterates can change under it.
///
/// # Invariants (asserted by the model checks)
/// - **no-warming-after-stop**: once `stop_all` has returned, no warming
///   task runs (none is live, no key is warmed) and none starts (`start`
///   returns [`WarmerStopped`]); `stop_all` never fails.
#[derive(Clone)]
pub struct CacheWarmer {
    shared: Arc<WarmerShared>,
}

impl CacheWarmer {
    /// A warmer of `keys` (the original: `system_metrics`,
    /// `memory_insights`, `graph_metrics`), warming each with `warm`.
    pub fn new(keys: Vec<String>, warm: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self {
            shared: Arc::new(WarmerShared {
                state: Mutex::new(WarmerState::default()),
                wake: Condvar::new(),
                keys,
                warm: Box::new(warm),
            }),
        }
    }

    /// `initialize`'s warming: the preload, and the background loop if
    /// `background` (the original: `warm_interval_seconds > 0`).
    pub fn initialize(&self, background: bool) -> Result<(), WarmerStopped> {
        self.start(WarmTask::Preload)?;
        if background {
            self.start(WarmTask::Background)?;
        }
        Ok(())
    }

    /// Starts `task` unless it runs (`Ok(false)`); refused once stopped. The
    /// check, the spawn and the handle's registration are one step for
    /// [`Self::stop_all`].
    pub fn start(&self, task: WarmTask) -> Result<bool, WarmerStopped> {
        let mut state = self.shared.state.lock();
        if state.stopped {
            return Err(WarmerStopped(task));
        }
        if !state.live.insert(task) {
            return Ok(false);
        }
        state.started += 1;
        let shared = Arc::clone(&self.shared);
        let handle = thread::spawn(move || {
            match task {
                WarmTask::Preload => {
                    preload(&shared);
                }
                WarmTask::Background => background(&shared),
            }
            shared.state.lock().live.remove(&task);
        });
        state.handles.push(handle);
        Ok(true)
    }

    /// The warming interval elapsing: the background loop (if it runs)
    /// preloads once more.
    pub fn tick(&self) {
        let mut state = self.shared.state.lock();
        if state.live.contains(&WarmTask::Background) {
            state.ticks += 1;
            self.shared.wake.notify_all();
        }
    }

    /// Stops warming for good: marks the warmer stopped and takes every
    /// task's handle in one critical section, then joins them. Returns the
    /// number of tasks joined.
    pub fn stop_all(&self) -> usize {
        let handles = {
            let mut state = self.shared.state.lock();
            state.stopped = true;
            self.shared.wake.notify_all();
            std::mem::take(&mut state.handles)
        };
        let joined = handles.len();
        for handle in handles {
            let _ = handle.join();
        }
        joined
    }

    pub fn stats(&self) -> WarmerStats {
        let state = self.shared.state.lock();
        WarmerStats {
            live: state.live.len(),
            started: state.started,
            warmed: state.warmed,
        }
    }
}

/// One get of every key, unless stopped first (checked before each key);
/// `false` if stopped.
fn preload(shared: &WarmerShared) -> bool {
    for key in &shared.keys {
        {
            let mut state = shared.state.lock();
            if state.stopped {
                return false;
            }
            state.warmed += 1;
        }
        (shared.warm)(key);
    }
    true
}

/// A preload per interval elapsed, until stopped.
fn background(shared: &WarmerShared) {
    loop {
        {
            let mut state = shared.state.lock();
            while state.ticks == 0 && !state.stopped {
                state = shared.wake.wait(state);
            }
            if state.stopped {
                return;
            }
            state.ticks -= 1;
        }
        if !preload(shared) {
            return;
        }
    }
}

impl fmt::Debug for CacheWarmer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheWarmer")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// A key of the analytics caches: the data type, the identifier and every
/// parameter, in full.
///
/// The original keeps 32 bits of an MD5 over the parameters
/// (`_generate_key`, l.74–80), so by the birthday bound ~65 k parameter
/// sets of one identifier likely share a key and one query's result is
/// served for another's parameters (R8.4, bug zoo `R8.4`). Here the key is
/// the parameter text itself: parameters sorted by name (a keyword dict has
/// no order), each part percent-escaped so that no separator (`:`, `=`, `&`)
/// can occur inside one. The text determines the parts, so distinct keys
/// come from distinct parameters and vice versa; as a Redis key it is
/// longer than a digest, the price of never colliding.
///
/// # Invariants (asserted by the model checks and the unit tests)
/// - **distinct-params-distinct-keys**: `(type, identifier, params)` and
///   `(type', identifier', params')` give equal keys iff they are equal
///   (params compared as a map).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnalyticsKey(String);

impl AnalyticsKey {
    /// `analytics:<type>:<identifier>:<name>=<value>&…`, names in order; a
    /// name given twice keeps its last value, as a keyword dict would.
    pub fn new<'a>(
        cache_type: &str,
        identifier: &str,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let params: std::collections::BTreeMap<&str, &str> = params.into_iter().collect();
        let mut key = String::from("analytics:");
        push_escaped(&mut key, cache_type);
        key.push(':');
        push_escaped(&mut key, identifier);
        key.push(':');
        for (i, (name, value)) in params.into_iter().enumerate() {
            if i > 0 {
                key.push('&');
            }
            push_escaped(&mut key, name);
            key.push('=');
            push_escaped(&mut key, value);
        }
        Self(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AnalyticsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `part` with `%` and the key's separators percent-encoded: injective, and
/// the result contains no bare separator.
fn push_escaped(key: &mut String, part: &str) {
    for c in part.chars() {
        match c {
            '%' => key.push_str("%25"),
            '&' => key.push_str("%26"),
            ':' => key.push_str("%3A"),
            '=' => key.push_str("%3D"),
            _ => key.push(c),
        }
    }
}

/// The analytics module's cache globals (catalog §8) as one value.
///
/// The original publishes `_cache_manager`, `_query_cache` and `_api_cache`
/// in three assignments (l.365–367), so a thread can read a new manager
/// beside no query cache or the previous manager's (R8.5, bug zoo `R8.5`).
/// Here the query and API caches are views of the bundle's one manager, and
/// the bundle is what gets published, as one [`Singleton`] value
/// (`get_or_try_init` / `try_replace`): a caller holds all three or none.
///
/// # Invariants (asserted by the model checks)
/// - **globals-published-together**: the manager, query cache and API cache
///   a caller gets are always the same one cache.
pub struct AnalyticsCaches<K, V, C> {
    manager: Cache<K, V, C>,
}

impl<K: Hash + Eq + Clone, V: Clone, C: Clock> AnalyticsCaches<K, V, C> {
    pub fn new(manager: Cache<K, V, C>) -> Self {
        Self { manager }
    }

    pub fn manager(&self) -> &Cache<K, V, C> {
        &self.manager
    }

    /// `QueryCache`: cache-aside over the manager ([`Cache::get_or_load`]).
    pub fn query_cache(&self) -> &Cache<K, V, C> {
        &self.manager
    }

    /// `APIResponseCache`: the same manager.
    pub fn api_cache(&self) -> &Cache<K, V, C> {
        &self.manager
    }
}

impl<K, V, C> fmt::Debug for AnalyticsCaches<K, V, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnalyticsCaches").finish_non_exhaustive()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;
    use crate::concurrent::breaker::State;
    use crate::concurrent::clock::ManualClock;
    use crate::concurrent::singleton::Singleton;
    use std::sync::Arc;

    type Manager = CacheManager<String, u32, Arc<ManualClock>>;

    #[test]
    fn reinitialising_shares_the_breaker_and_publishes_only_complete_managers() {
        let clock = Arc::new(ManualClock::new(0));
        let breakers = BreakerRegistry::new(Arc::clone(&clock));
        let l2: Cache<String, u32, _> = Cache::new(8, None, Arc::clone(&clock)).expect("cap");
        let config = CacheManagerConfig {
            breaker: BreakerConfig {
                failure_threshold: 1,
                ..BreakerConfig::default()
            },
            ..CacheManagerConfig::default()
        };
        let global: Singleton<Manager> = Singleton::new();
        let first = global
            .get_or_try_init(|| Manager::initialize(config, l2.clone(), &breakers))
            .expect("first initialisation");
        first
            .insert_tagged("k".into(), 1, None, Vec::new())
            .expect("closed");
        // The original raises here (duplicate breaker name) after publishing.
        let replaced = global
            .try_replace(|| Manager::initialize(config, l2.clone(), &breakers))
            .expect("re-initialisation");
        assert!(replaced.old.is_some_and(|old| Arc::ptr_eq(&old, &first)));
        assert_eq!(replaced.instance.get(&"k".into()), Ok(Some(1)));
        let _ = replaced.instance.protect(|| Err::<(), _>("backend down"));
        assert_eq!(first.breaker().state(), State::Open, "one breaker");
        assert_eq!(breakers.created(), 1);
        // A failed initialisation publishes nothing.
        let bad = CacheManagerConfig {
            l1_capacity: 0,
            ..config
        };
        assert!(
            global
                .try_replace(|| Manager::initialize(bad, l2.clone(), &breakers))
                .is_err()
        );
        assert!(
            global
                .get()
                .is_some_and(|m| Arc::ptr_eq(&m, &replaced.instance))
        );
    }

    #[test]
    fn warmer_stops_for_good_and_joins_its_tasks() {
        let warmed = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = Arc::clone(&warmed);
        let warmer = CacheWarmer::new(vec!["a".into(), "b".into()], move |key| {
            log.lock().expect("lock").push(key.to_string());
        });
        warmer.initialize(true).expect("not stopped");
        assert_eq!(
            warmer.start(WarmTask::Background),
            Ok(false),
            "runs already"
        );
        warmer.tick();
        assert_eq!(warmer.stop_all(), 2, "preload and background joined");
        let after_stop = warmed.lock().expect("lock").len();
        assert!(after_stop <= 4, "one preload and at most one tick's");
        assert_eq!(warmer.stats().live, 0);
        assert_eq!(
            warmer.start(WarmTask::Preload),
            Err(WarmerStopped(WarmTask::Preload))
        );
        assert!(warmer.initialize(false).is_err());
        warmer.tick();
        assert_eq!(warmer.stop_all(), 0, "stopping twice is fine");
        assert_eq!(warmed.lock().expect("lock").len(), after_stop);
        assert_eq!(warmer.stats().warmed as usize, after_stop);
    }

    #[test]
    fn analytics_keys_keep_every_parameter() {
        let key = |params: &[(&'static str, &'static str)]| {
            AnalyticsKey::new("query_result", "q", params.iter().copied())
        };
        // The pair whose 32-bit keys collide in the original (bug zoo R8.4).
        assert_ne!(key(&[("param_0", "77588")]), key(&[("param_0", "91232")]));
        assert_eq!(
            key(&[("a", "1"), ("b", "2")]),
            key(&[("b", "2"), ("a", "1")]),
            "a keyword dict has no order"
        );
        assert_eq!(key(&[("a", "1"), ("a", "2")]), key(&[("a", "2")]));
        // Separators inside a part cannot forge another split.
        assert_ne!(key(&[("a", "1&b=2")]), key(&[("a", "1"), ("b", "2")]));
        assert_ne!(key(&[("a=1", "")]), key(&[("a", "1=")]));
        assert_ne!(
            AnalyticsKey::new("t", "x:y", []),
            AnalyticsKey::new("t:x", "y", [])
        );
        assert_ne!(key(&[("a", "%26")]), key(&[("a", "&")]));
        assert_eq!(
            key(&[("param_0", "a:b")]).as_str(),
            "analytics:query_result:q:param_0=a%3Ab"
        );
    }

    #[test]
    fn analytics_views_are_the_manager() {
        let caches = AnalyticsCaches::new(
            Cache::<u32, u32, _>::new(2, None, ManualClock::new(0)).expect("cap"),
        );
        let loaded: Result<u32, ()> = caches.query_cache().get_or_load(1, |_| Ok(10));
        assert_eq!(loaded, Ok(10));
        assert_eq!(caches.api_cache().get(&1), Some(10));
        assert!(caches.manager().same_cache(caches.query_cache()));
    }
}
