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

use std::fmt;
use std::hash::Hash;

use super::breaker::{BreakerConfig, BreakerConfigError, CallError, CircuitBreaker, Rejected};
use super::breaker_manager::BreakerRegistry;
use super::cache::{Cache, CacheError, TieredCache};
use super::clock::{Clock, Millis};

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
