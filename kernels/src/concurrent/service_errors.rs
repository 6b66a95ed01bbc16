//! Service error handler: per (service, error type) error counts and the
//! recovery strategy of each error type.
//!
//! Seed 003's `ServiceErrorHandler` (§Impl 3, l.602–639; catalog §99)
//! keeps `error_counts`, a dict of dicts, and `recovery_strategies`, a dict
//! that is never filled. `handle_service_error` (l.609–628) runs
//! `if service_id not in error_counts: error_counts[service_id] = {}`,
//! `if error_type not in error_counts[service_id]: ...[error_type] = 0`,
//! `...[error_type] += 1`, then awaits the type's recovery strategy or
//! returns `{"status": "error", "message": str(error)}`. Each dict access
//! is atomic, the sequence is not, so under threads:
//!
//! - two first errors of a service both find it absent and each assign a
//!   fresh inner dict: the later assignment discards the earlier one with
//!   the counts already written into it (`seed003-error-counts`);
//! - `+= 1` is a load and a store: two errors of one (service, type) both
//!   store `count + 1` (`seed003-error-count-rmw`).
//!
//! Here the counts, the number of errors recorded and the strategy map are
//! one [`ServiceErrorCore`] behind one [`Mutex`]: counting an error and
//! looking up its recovery are one critical section, and a
//! [`ServiceErrors::snapshot`] copies the counts in one. The recovery
//! strategies are the error handler's [`Strategy`] values (the seed's
//! `_handle_connection_error` is [`Strategy::RetryWithBackoff`], its
//! `_handle_timeout_error` [`Strategy::FallbackToDefault`]); running one is
//! that handler's job ([`super::error_aggregator`]), so nothing here
//! awaits. With no strategy for the type the outcome is
//! [`Recovery::Unhandled`], the original's `{status: error, message}`.
//!
//! # Invariants (asserted by the model checks)
//! - **counts-sum-to-calls**: whatever the interleaving, each (service,
//!   type) count equals the errors handled for it, and the counts sum to
//!   the errors recorded.
//! - **snapshot-consistent**: a snapshot taken while errors are handled
//!   sums to the errors it says were recorded, and no count in it exceeds
//!   the final one.

use std::collections::BTreeMap;
use std::fmt;

use super::error_aggregator::Strategy;
use super::sync::{Arc, Mutex};

/// The counts at one moment: service → error type → errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorCounts {
    by_service: BTreeMap<String, BTreeMap<String, u64>>,
    recorded: u64,
}

impl ErrorCounts {
    /// Errors of `error_type` handled for `service`.
    pub fn count(&self, service: &str, error_type: &str) -> u64 {
        self.by_service
            .get(service)
            .and_then(|types| types.get(error_type))
            .copied()
            .unwrap_or(0)
    }

    /// service → error type → errors, sorted.
    pub fn by_service(&self) -> &BTreeMap<String, BTreeMap<String, u64>> {
        &self.by_service
    }

    /// The sum of every count.
    pub fn total(&self) -> u64 {
        self.by_service.values().flat_map(BTreeMap::values).sum()
    }

    /// Errors handled (`handle` calls) up to this moment.
    pub fn recorded(&self) -> u64 {
        self.recorded
    }
}

/// What handling an error tells the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The strategy configured for the error's type.
    Strategy(Strategy),
    /// No strategy for the type: the original's
    /// `{"status": "error", "message": str(error)}`.
    Unhandled { message: String },
}

/// A handled error: its (service, type) count including it, and the
/// recovery to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub count: u64,
    pub recovery: Recovery,
}

/// The handler's state, unsynchronised.
#[derive(Debug, Clone, Default)]
pub struct ServiceErrorCore {
    counts: ErrorCounts,
    /// error type → strategy; empty by default, as the original's.
    recovery: BTreeMap<String, Strategy>,
}

impl ServiceErrorCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// `handle_service_error` for an error of `error_type` (the original's
    /// `type(error).__name__`) with text `message`: counts it, then reads
    /// the type's recovery.
    pub fn handle(&mut self, service: &str, error_type: &str, message: &str) -> Handled {
        let count = self
            .counts
            .by_service
            .entry(service.to_string())
            .or_default()
            .entry(error_type.to_string())
            .or_default();
        *count += 1;
        let count = *count;
        self.counts.recorded += 1;
        let recovery = match self.recovery.get(error_type) {
            Some(&strategy) => Recovery::Strategy(strategy),
            None => Recovery::Unhandled {
                message: message.to_string(),
            },
        };
        Handled { count, recovery }
    }

    /// Sets (or replaces) the recovery of `error_type`.
    pub fn configure(&mut self, error_type: &str, strategy: Strategy) {
        self.recovery.insert(error_type.to_string(), strategy);
    }

    pub fn counts(&self) -> &ErrorCounts {
        &self.counts
    }
}

/// The shared handler: a handle; clones share one state.
#[derive(Clone, Default)]
pub struct ServiceErrors {
    core: Arc<Mutex<ServiceErrorCore>>,
}

impl ServiceErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts the error and reads its recovery in one critical section.
    pub fn handle(&self, service: &str, error_type: &str, message: &str) -> Handled {
        self.core.lock().handle(service, error_type, message)
    }

    pub fn configure(&self, error_type: &str, strategy: Strategy) {
        self.core.lock().configure(error_type, strategy);
    }

    /// A copy of the counts, taken in one critical section.
    pub fn snapshot(&self) -> ErrorCounts {
        self.core.lock().counts.clone()
    }
}

impl fmt::Debug for ServiceErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceErrors")
            .field("recorded", &self.core.lock().counts.recorded)
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    #[test]
    fn counts_per_service_and_type_and_an_unconfigured_type_is_unhandled() {
        let handler = ServiceErrors::new();
        assert_eq!(
            handler.handle("codon-analytics", "ConnectionError", "refused"),
            Handled {
                count: 1,
                recovery: Recovery::Unhandled {
                    message: "refused".into()
                }
            }
        );
        handler.handle("codon-analytics", "ConnectionError", "refused");
        handler.handle("codon-analytics", "TimeoutError", "60 s");
        handler.handle("cpython-auth", "ConnectionError", "reset");
        let counts = handler.snapshot();
        assert_eq!(counts.count("codon-analytics", "ConnectionError"), 2);
        assert_eq!(counts.count("codon-analytics", "TimeoutError"), 1);
        assert_eq!(counts.count("cpython-auth", "ConnectionError"), 1);
        assert_eq!(counts.count("cpython-auth", "TimeoutError"), 0);
        assert_eq!((counts.total(), counts.recorded()), (4, 4));
        assert_eq!(
            counts.by_service().keys().collect::<Vec<_>>(),
            vec!["codon-analytics", "cpython-auth"]
        );
    }

    #[test]
    fn a_configured_type_gets_its_strategy() {
        let handler = ServiceErrors::new();
        handler.configure("TimeoutError", Strategy::FallbackToDefault);
        handler.configure("ConnectionError", Strategy::RetryWithBackoff);
        assert_eq!(
            handler.handle("ml", "TimeoutError", "slow").recovery,
            Recovery::Strategy(Strategy::FallbackToDefault)
        );
        handler.configure("TimeoutError", Strategy::ImmediateFail);
        let handled = handler.handle("ml", "TimeoutError", "slow");
        assert_eq!(
            (handled.count, handled.recovery),
            (2, Recovery::Strategy(Strategy::ImmediateFail))
        );
    }

    #[test]
    fn concurrent_first_errors_of_a_service_lose_nothing() {
        let handler = ServiceErrors::new();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let handler = handler.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        handler.handle("svc", &format!("E{}", (t + i) % 3), "x");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("no panic");
        }
        let counts = handler.snapshot();
        assert_eq!((counts.total(), counts.recorded()), (400, 400));
        let per_type: Vec<u64> = (0..3)
            .map(|k| counts.count("svc", &format!("E{k}")))
            .collect();
        assert_eq!(per_type.iter().sum::<u64>(), 400);
    }
}
