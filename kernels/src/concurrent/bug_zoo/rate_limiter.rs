//! The original `RateLimitManager` (catalog §4b,
//! `server/dashboard/performance_manager.py` l.462–515) and
//! `PerformanceManager.execute_with_rate_limit` (l.1072–1079), ported with
//! their defects.
//!
//! - `R4.6` — `execute_with_rate_limit` just calls the operation: the
//!   limiter (and `custom_limits`, `adaptive_limits`, the burst limit) is
//!   never consulted, so every request runs however many there are.
//! - `R4.7` — `adjust_adaptive_limits` (l.502–511) inserts the endpoint with
//!   factor 1.0 if absent, then does `adaptive_limits[endpoint] *= 0.9`
//!   (load above 0.8) or `*= 1.1` (below 0.5): a read and a write, atomic
//!   under one event loop, not under threads, where two adjusters read the
//!   same factor and one update is lost. The factor has no floor and decays
//!   toward 0 under sustained load.
//!
//! Each dict operation is one step here (a mutex; the GIL there), the
//! sequence is not.

use std::collections::HashMap;

use super::super::clock::Clock;
use super::super::rate_limiter::RateLimiter;
use super::super::sync::Mutex;

/// `RateLimitManager` with the `PerformanceManager` method that should use it.
#[derive(Debug)]
pub struct RacyRateLimitManager<C> {
    /// `self.limiter`: configured, never consulted.
    limiter: RateLimiter<C>,
    /// `adaptive_limits: Dict[endpoint, float]`.
    adaptive_limits: Mutex<HashMap<String, f64>>,
}

impl<C: Clock> RacyRateLimitManager<C> {
    pub fn new(limiter: RateLimiter<C>) -> Self {
        Self {
            limiter,
            adaptive_limits: Mutex::new(HashMap::new()),
        }
    }

    /// The limiter the manager holds (and never applies).
    pub fn limiter(&self) -> &RateLimiter<C> {
        &self.limiter
    }

    /// R4.6: `return await operation()`.
    pub fn execute_with_rate_limit<R>(&self, op: impl FnOnce() -> R) -> R {
        op()
    }

    /// R4.7: insert-if-absent, then `factor *= 0.9` / `*= 1.1` as a read and
    /// a write; no floor, no ceiling.
    pub fn adjust_adaptive_limits(&self, endpoint: &str, current_load: f64) {
        if !self.adaptive_limits.lock().contains_key(endpoint) {
            self.adaptive_limits
                .lock()
                .insert(endpoint.to_string(), 1.0);
        }
        let step = if current_load > 0.8 {
            0.9
        } else if current_load < 0.5 {
            1.1
        } else {
            return;
        };
        let factor = self
            .adaptive_limits
            .lock()
            .get(endpoint)
            .copied()
            .unwrap_or(1.0);
        self.adaptive_limits
            .lock()
            .insert(endpoint.to_string(), factor * step);
    }

    /// `adaptive_limits.get(endpoint, 1.0)`.
    pub fn factor(&self, endpoint: &str) -> f64 {
        self.adaptive_limits
            .lock()
            .get(endpoint)
            .copied()
            .unwrap_or(1.0)
    }
}
