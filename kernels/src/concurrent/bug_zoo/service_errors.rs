//! Seed 003's `ServiceErrorHandler` (§Impl 3, l.602–639; catalog §99),
//! ported with its races. Listed under the error-aggregator component, like
//! the fixed [`super::super::service_errors`].
//!
//! `handle_service_error` (l.609–628) counts an error in three steps, each
//! dict access atomic (the GIL; a mutex here), the sequence not:
//!
//! - `seed003-error-counts` — l.614–615: `if service_id not in
//!   self.error_counts: self.error_counts[service_id] = {}`. Two first
//!   errors of a service both find it absent; each assigns a fresh inner
//!   dict, and the later one replaces the earlier with whatever counts were
//!   already written into it (even of another error type).
//! - `seed003-error-count-rmw` — l.618:
//!   `self.error_counts[service_id][error_type] += 1`, a load and a store:
//!   two errors of one known (service, type) both store `count + 1`.
//!
//! The inner dicts are objects of their own (an `Arc` here): a step that
//! looked one up keeps writing into it after the outer dict has moved on.

use std::collections::{BTreeMap, HashMap};

use super::super::error_aggregator::Strategy;
use super::super::service_errors::Recovery;
use super::super::sync::{Arc, Mutex};

type Inner = Arc<Mutex<HashMap<String, u64>>>;

/// `error_counts` and `recovery_strategies` as written.
#[derive(Debug, Default)]
pub struct RacyServiceErrorHandler {
    error_counts: Mutex<HashMap<String, Inner>>,
    recovery_strategies: Mutex<HashMap<String, Strategy>>,
}

impl RacyServiceErrorHandler {
    pub fn new() -> Self {
        Self::default()
    }

    /// `self.error_counts[service_id]`.
    fn inner(&self, service: &str) -> Option<Inner> {
        self.error_counts.lock().get(service).cloned()
    }

    /// `handle_service_error(service_id, error)` for an error of
    /// `error_type` with text `message`.
    pub fn handle_service_error(&self, service: &str, error_type: &str, message: &str) -> Recovery {
        if !self.error_counts.lock().contains_key(service) {
            self.error_counts
                .lock()
                .insert(service.to_string(), Arc::new(Mutex::new(HashMap::new())));
        }
        let known = self
            .inner(service)
            .is_some_and(|inner| inner.lock().contains_key(error_type));
        if !known {
            // `self.error_counts[service_id][error_type] = 0`: the inner
            // dict is looked up again.
            if let Some(inner) = self.inner(service) {
                inner.lock().insert(error_type.to_string(), 0);
            }
        }
        // `self.error_counts[service_id][error_type] += 1`: look up, load,
        // store.
        if let Some(inner) = self.inner(service) {
            let count = inner.lock().get(error_type).copied().unwrap_or(0);
            inner.lock().insert(error_type.to_string(), count + 1);
        }
        match self.recovery_strategies.lock().get(error_type) {
            Some(&strategy) => Recovery::Strategy(strategy),
            None => Recovery::Unhandled {
                message: message.to_string(),
            },
        }
    }

    /// The counts as they stand: service → error type → errors.
    pub fn error_counts(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        let outer: Vec<(String, Inner)> = self
            .error_counts
            .lock()
            .iter()
            .map(|(service, inner)| (service.clone(), Arc::clone(inner)))
            .collect();
        outer
            .into_iter()
            .map(|(service, inner)| {
                let types = inner.lock().iter().map(|(t, n)| (t.clone(), *n)).collect();
                (service, types)
            })
            .collect()
    }
}
