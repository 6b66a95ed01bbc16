//! Breaker registry: named circuit breakers, one per name.
//!
//! The original `CircuitBreakerManager` (catalog §3, l.496–569) keeps its
//! breakers in a plain dict with no lock: `create_breaker` checks the name
//! (l.515), builds the breaker and inserts it (l.519), then bumps
//! `_global_metrics['total_breakers']` with `+=` (l.520–521). Atomic under
//! one event loop, but under threads two creators of one name both pass the
//! check, both get a breaker, and the first is silently replaced: its holder
//! trips a breaker nobody else sees (R3.7, bug zoo `R3.7`); the counter can
//! lose an increment. `get_all_metrics` and `reset_all` iterate the live dict
//! across awaits.
//!
//! Here the name → breaker map and the creation counter live under one
//! [`Mutex`], so a check and its insert are one step. [`BreakerRegistry::create`]
//! refuses a taken name (the original's `ValueError`), and
//! [`BreakerRegistry::get_or_create`] gives every caller the one breaker of a
//! name, which is what a component that (re)initializes, like the cache
//! manager's `initialize` (X1), needs. [`BreakerRegistry::all_stats`] copies
//! the handles under the lock and reads each breaker's stats outside it, so a
//! concurrent creation never disturbs it and a breaker's lock is never taken
//! under the registry's. The breakers themselves are [`CircuitBreaker`]s,
//! used only through their public API.
//!
//! The process-wide registry is a [`GlobalBreakerRegistry`], a
//! [`Singleton`]: the original's `get_circuit_breaker_manager` (l.576–581)
//! checks and assigns its global in separate steps, so two first callers
//! under threads each build a manager, and the breakers registered into the
//! one overwritten are lost to everyone else (R3.8, bug zoo `R3.8`).
//!
//! # Invariants (asserted by the model checks)
//! - **one-breaker-per-name**: of concurrent `create(name)` calls exactly one
//!   succeeds; every `get_or_create(name)` caller holds the same breaker (a
//!   failure recorded through any handle is seen through all); the creation
//!   counter equals the number of names registered.
//! - **one-manager-keeps-every-breaker**: every caller of the global gets one
//!   registry, so every breaker registered through it is listed by it.

use std::collections::BTreeMap;
use std::fmt;

use super::breaker::{BreakerConfig, BreakerConfigError, BreakerStats, CircuitBreaker};
use super::clock::Clock;
use super::singleton::Singleton;
use super::sync::{Arc, Mutex};

/// Errors of the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("a circuit breaker named {0:?} already exists; use get_or_create to share it")]
    Duplicate(String),
    #[error(transparent)]
    Config(#[from] BreakerConfigError),
}

/// The process-wide registry: built once, by the first caller of
/// [`Singleton::get_or_try_init`], and handed to every caller after.
pub type GlobalBreakerRegistry<C> = Singleton<BreakerRegistry<C>>;

struct Breakers<C: Clock> {
    by_name: BTreeMap<String, CircuitBreaker<C>>,
    /// Breakers created so far (the original's `total_breakers`).
    created: u64,
}

/// Named breakers sharing one clock: a handle; clones share one registry.
pub struct BreakerRegistry<C: Clock + Clone> {
    breakers: Arc<Mutex<Breakers<C>>>,
    clock: C,
}

impl<C: Clock + Clone> Clone for BreakerRegistry<C> {
    fn clone(&self) -> Self {
        Self {
            breakers: Arc::clone(&self.breakers),
            clock: self.clock.clone(),
        }
    }
}

impl<C: Clock + Clone> BreakerRegistry<C> {
    pub fn new(clock: C) -> Self {
        Self {
            breakers: Arc::new(Mutex::new(Breakers {
                by_name: BTreeMap::new(),
                created: 0,
            })),
            clock,
        }
    }

    /// Creates the breaker `name`; refused if the name is taken. The check,
    /// the construction (no I/O) and the insert are one critical section.
    pub fn create(
        &self,
        name: &str,
        config: BreakerConfig,
    ) -> Result<CircuitBreaker<C>, RegistryError> {
        let mut breakers = self.breakers.lock();
        if breakers.by_name.contains_key(name) {
            return Err(RegistryError::Duplicate(name.to_string()));
        }
        let breaker = CircuitBreaker::new(config, self.clock.clone())?;
        breakers.by_name.insert(name.to_string(), breaker.clone());
        breakers.created += 1;
        Ok(breaker)
    }

    /// The breaker `name`, created with `config` if absent (an existing
    /// breaker keeps its own configuration).
    pub fn get_or_create(
        &self,
        name: &str,
        config: BreakerConfig,
    ) -> Result<CircuitBreaker<C>, BreakerConfigError> {
        let mut breakers = self.breakers.lock();
        if let Some(breaker) = breakers.by_name.get(name) {
            return Ok(breaker.clone());
        }
        let breaker = CircuitBreaker::new(config, self.clock.clone())?;
        breakers.by_name.insert(name.to_string(), breaker.clone());
        breakers.created += 1;
        Ok(breaker)
    }

    pub fn get(&self, name: &str) -> Option<CircuitBreaker<C>> {
        self.breakers.lock().by_name.get(name).cloned()
    }

    /// Every breaker's stats, ascending by name: the handles are copied under
    /// the registry's lock, each breaker's stats read outside it.
    pub fn all_stats(&self) -> Vec<(String, BreakerStats)> {
        let handles: Vec<(String, CircuitBreaker<C>)> = self
            .breakers
            .lock()
            .by_name
            .iter()
            .map(|(name, breaker)| (name.clone(), breaker.clone()))
            .collect();
        handles
            .into_iter()
            .map(|(name, breaker)| (name, breaker.stats()))
            .collect()
    }

    /// Breakers created so far.
    pub fn created(&self) -> u64 {
        self.breakers.lock().created
    }

    pub fn len(&self) -> usize {
        self.breakers.lock().by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<C: Clock + Clone> fmt::Debug for BreakerRegistry<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerRegistry")
            .field("breakers", &self.len())
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;
    use crate::concurrent::breaker::State;
    use crate::concurrent::clock::ManualClock;

    fn trips_at_once() -> BreakerConfig {
        BreakerConfig {
            failure_threshold: 1,
            ..BreakerConfig::default()
        }
    }

    #[test]
    fn one_breaker_per_name() {
        let registry = BreakerRegistry::new(std::sync::Arc::new(ManualClock::new(0)));
        let first = registry.create("db", trips_at_once()).expect("new name");
        assert_eq!(
            registry.create("db", trips_at_once()).err(),
            Some(RegistryError::Duplicate("db".into()))
        );
        let shared = registry
            .get_or_create("db", BreakerConfig::default())
            .expect("valid");
        let _ = shared.call(|| Err::<(), _>("down"));
        assert_eq!(
            first.state(),
            State::Open,
            "one breaker behind both handles"
        );
        registry
            .get_or_create("cache", trips_at_once())
            .expect("valid");
        assert_eq!(registry.created(), 2);
        let names: Vec<String> = registry.all_stats().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["cache".to_string(), "db".to_string()]);
        let zero = BreakerConfig {
            failure_threshold: 0,
            ..BreakerConfig::default()
        };
        assert!(matches!(
            registry.create("bad", zero),
            Err(RegistryError::Config(_))
        ));
        assert!(registry.get("bad").is_none());
    }
}
