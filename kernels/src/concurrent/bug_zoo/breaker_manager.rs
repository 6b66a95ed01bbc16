//! The original `CircuitBreakerManager` (catalog §3), ported with its race.
//!
//! - `R3.7` — `create_breaker` (l.515–521) checks `name in self._breakers`,
//!   builds the breaker, inserts it, then does
//!   `_global_metrics['total_breakers'] += 1`: each dict operation is atomic
//!   (the GIL; a mutex here), the sequence is not. Two threads creating one
//!   name both pass the check; both return a breaker, the second insert
//!   silently replaces the first (whose holder now trips a breaker nobody
//!   else sees), and the counter's read-modify-write can lose an increment.
//! - `R3.8` — `get_circuit_breaker_manager` (l.576–581) is `if
//!   _circuit_breaker_manager is None: _circuit_breaker_manager =
//!   CircuitBreakerManager()`, check and assignment in separate steps with no
//!   lock ([`UnlockedManagerGlobal`]). Two first callers under threads each
//!   build a manager and register their breakers into it; the one assigned
//!   first is overwritten, and the breakers registered into it are unknown to
//!   every later caller (no stats, no `reset_all`).
//! - `X1` — `CacheManager.initialize` (cache_manager.py l.498–499) always
//!   calls `create_breaker("cache_manager")`, which raises on a taken name.
//!   `initialize_cache_manager` (l.851–856) assigns the global, then
//!   initializes it ([`CacheManagerGlobal::initialize_cache_manager`]): after
//!   `get_cache_manager` has made one, the second `initialize` raises *after*
//!   the global was replaced, so the process keeps a half-initialised cache
//!   manager (no breaker; in the original, no L1 either).

use std::collections::HashMap;

use super::super::breaker::{BreakerConfig, CircuitBreaker};
use super::super::breaker_manager::RegistryError;
use super::super::clock::Clock;
use super::super::sync::{Arc, Mutex};
use super::singleton::UnlockedLazy;

/// `_breakers` and `_global_metrics`, unguarded as a sequence.
#[derive(Debug)]
pub struct RacyBreakerManager<C: Clock + Clone> {
    breakers: Mutex<HashMap<String, CircuitBreaker<C>>>,
    total_breakers: Mutex<u64>,
    clock: C,
}

impl<C: Clock + Clone> RacyBreakerManager<C> {
    pub fn new(clock: C) -> Self {
        Self {
            breakers: Mutex::new(HashMap::new()),
            total_breakers: Mutex::new(0),
            clock,
        }
    }

    /// R3.7: `if name in self._breakers: raise ValueError`; build; insert;
    /// `total_breakers += 1`.
    pub fn create_breaker(
        &self,
        name: &str,
        config: BreakerConfig,
    ) -> Result<CircuitBreaker<C>, RegistryError> {
        if self.breakers.lock().contains_key(name) {
            return Err(RegistryError::Duplicate(name.to_string()));
        }
        let breaker = CircuitBreaker::new(config, self.clock.clone())?;
        self.breakers
            .lock()
            .insert(name.to_string(), breaker.clone());
        let total = *self.total_breakers.lock();
        *self.total_breakers.lock() = total + 1;
        Ok(breaker)
    }

    pub fn get_breaker(&self, name: &str) -> Option<CircuitBreaker<C>> {
        self.breakers.lock().get(name).cloned()
    }

    pub fn total_breakers(&self) -> u64 {
        *self.total_breakers.lock()
    }

    pub fn len(&self) -> usize {
        self.breakers.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `R3.8`: the module global `_circuit_breaker_manager` behind
/// `get_circuit_breaker_manager`: check, then construct and assign.
pub type UnlockedManagerGlobal<C> = UnlockedLazy<RacyBreakerManager<C>>;

/// `X1`: the dashboard `CacheManager` reduced to what `initialize` sets up:
/// the breaker it registers as `"cache_manager"`.
#[derive(Debug)]
pub struct OriginalCacheManager<C: Clock + Clone> {
    breaker: Mutex<Option<CircuitBreaker<C>>>,
}

impl<C: Clock + Clone> OriginalCacheManager<C> {
    /// The breaker's name (cache_manager.py l.498).
    pub const BREAKER: &'static str = "cache_manager";

    /// `CacheManager(config)`: nothing set up yet.
    pub fn new() -> Self {
        Self {
            breaker: Mutex::new(None),
        }
    }

    /// `initialize`: `create_breaker("cache_manager", config)`, re-raised.
    pub fn initialize(
        &self,
        breakers: &RacyBreakerManager<C>,
        config: BreakerConfig,
    ) -> Result<(), RegistryError> {
        let breaker = breakers.create_breaker(Self::BREAKER, config)?;
        *self.breaker.lock() = Some(breaker);
        Ok(())
    }

    /// Its breaker, once `initialize` has succeeded.
    pub fn breaker(&self) -> Option<CircuitBreaker<C>> {
        self.breaker.lock().clone()
    }
}

impl<C: Clock + Clone> Default for OriginalCacheManager<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// `X1`: the module global `_cache_manager` and its two accessors. Each
/// accessor is one step (its `initialize` has no real suspension point, so
/// under asyncio it runs without interleaving); only their order varies.
#[derive(Debug)]
pub struct CacheManagerGlobal<C: Clock + Clone> {
    global: Mutex<Option<Arc<OriginalCacheManager<C>>>>,
    breakers: Arc<RacyBreakerManager<C>>,
    /// The breaker settings of the cache config every manager is built with.
    config: BreakerConfig,
}

impl<C: Clock + Clone> CacheManagerGlobal<C> {
    pub fn new(breakers: Arc<RacyBreakerManager<C>>, config: BreakerConfig) -> Self {
        Self {
            global: Mutex::new(None),
            breakers,
            config,
        }
    }

    /// `get_cache_manager` (l.842–848): create and initialize if absent.
    pub fn get_cache_manager(&self) -> Result<Arc<OriginalCacheManager<C>>, RegistryError> {
        let mut global = self.global.lock();
        if let Some(manager) = &*global {
            return Ok(Arc::clone(manager));
        }
        let manager = Arc::new(OriginalCacheManager::new());
        *global = Some(Arc::clone(&manager));
        manager.initialize(&self.breakers, self.config)?;
        Ok(manager)
    }

    /// `initialize_cache_manager` (l.851–856): `_cache_manager =
    /// CacheManager(config)` (l.854), then `await _cache_manager.initialize()`,
    /// whose error propagates with the new manager already published.
    pub fn initialize_cache_manager(&self) -> Result<Arc<OriginalCacheManager<C>>, RegistryError> {
        let mut global = self.global.lock();
        let manager = Arc::new(OriginalCacheManager::new());
        *global = Some(Arc::clone(&manager));
        manager.initialize(&self.breakers, self.config)?;
        Ok(manager)
    }

    /// What the next caller of `get_cache_manager` receives.
    pub fn current(&self) -> Option<Arc<OriginalCacheManager<C>>> {
        self.global.lock().clone()
    }
}
