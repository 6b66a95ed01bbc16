//! The original `CircuitBreakerManager` (catalog §3), ported with its race.
//!
//! - `R3.7` — `create_breaker` (l.515–521) checks `name in self._breakers`,
//!   builds the breaker, inserts it, then does
//!   `_global_metrics['total_breakers'] += 1`: each dict operation is atomic
//!   (the GIL; a mutex here), the sequence is not. Two threads creating one
//!   name both pass the check; both return a breaker, the second insert
//!   silently replaces the first (whose holder now trips a breaker nobody
//!   else sees), and the counter's read-modify-write can lose an increment.

use std::collections::HashMap;

use super::super::breaker::{BreakerConfig, CircuitBreaker};
use super::super::breaker_manager::RegistryError;
use super::super::clock::Clock;
use super::super::sync::Mutex;

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
