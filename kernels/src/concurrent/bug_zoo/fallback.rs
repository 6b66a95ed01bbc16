//! Seed 003's `FallbackManager` (§6, l.325–359; catalog §99), ported with
//! its defects. Listed under the circuit-breaker component, like the fixed
//! [`super::super::fallback`] (§6 pairs the breaker with the fallbacks).
//!
//! - `seed003-fallback-untagged` — `execute_with_fallback` (l.336–350)
//!   returns `await primary_func(...)` or `await fallback_func(...)`: a bare
//!   value either way, and the defined fallbacks
//!   (`_fallback_to_cpython_analytics`, `_fallback_to_basic_ml`, l.352–359)
//!   `pass`, i.e. return `None`. The caller reads a degraded answer as the
//!   service's own.
//! - `seed003-fallback-caller-bug` — `except Exception as e:` (l.341)
//!   catches the caller's own `TypeError`/`ValueError` for an invalid
//!   argument as it catches an outage: the fallback answers the bug (and
//!   with no fallback registered it becomes a `ServiceUnavailableError`).
//! - `seed003-fallback-late-lookup` — `self.fallback_strategies.get(...)`
//!   (l.345) runs only after the primary's await has failed: a strategy
//!   registered (`fallback_strategies[t] = f`) while the primary is in
//!   flight answers that call, so which fallback answers depends on how
//!   long the primary took.
//!
//! Each dict access is one step (a mutex here); the primary's `await` is a
//! point where other tasks run.

use std::collections::HashMap;
use std::future::Future;

use super::super::fallback::{Failure, Strategy};
use super::super::sync::Mutex;

/// What `execute_with_fallback` raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyRaised<E> {
    /// `ServiceUnavailableError(f"No fallback available for {service_type}")`.
    ServiceUnavailable { service: String, error: E },
    /// An exception of the fallback, propagated.
    Fallback(E),
}

/// `fallback_strategies`, a dict read and written one access at a time.
pub struct RacyFallbackManager<A, T, E> {
    fallback_strategies: Mutex<HashMap<String, Strategy<A, T, E>>>,
}

impl<A, T, E> Default for RacyFallbackManager<A, T, E> {
    fn default() -> Self {
        Self {
            fallback_strategies: Mutex::new(HashMap::new()),
        }
    }
}

impl<A, T, E> std::fmt::Debug for RacyFallbackManager<A, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RacyFallbackManager")
            .finish_non_exhaustive()
    }
}

impl<A, T, E> RacyFallbackManager<A, T, E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `self.fallback_strategies[service_type] = fallback`.
    pub fn register(&self, service: &str, strategy: Strategy<A, T, E>) {
        self.fallback_strategies
            .lock()
            .insert(service.to_string(), strategy);
    }

    /// `execute_with_fallback(service_type, primary_func, *args)`: await the
    /// primary; on any exception, look the fallback up and return its bare
    /// value, or raise `ServiceUnavailableError`.
    pub async fn execute_with_fallback<F, Fut>(
        &self,
        service: &str,
        args: &A,
        primary: F,
    ) -> Result<T, PyRaised<E>>
    where
        F: FnOnce(&A) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>>,
    {
        match primary(args).await {
            Ok(value) => Ok(value),
            // `except Exception`: an outage and a caller bug alike.
            Err(Failure::Service(error) | Failure::Invalid(error)) => {
                let fallback = self.fallback_strategies.lock().get(service).cloned();
                match fallback {
                    Some(fallback) => fallback(args).map_err(PyRaised::Fallback),
                    None => Err(PyRaised::ServiceUnavailable {
                        service: service.to_string(),
                        error,
                    }),
                }
            }
        }
    }
}
