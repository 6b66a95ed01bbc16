//! K10.7 `EnhancedErrorHandler.handle_error` with no type given (so K10.1
//! classifies) and K10.8 `_handle_retry_with_backoff`, the sleeps virtual.
//!
//! The registered fallbacks and recovery handlers are Python callables in
//! the original; here each is described by what the handler makes of its
//! result: a cache value is or is not `None`; a default fallback yields a
//! value that is or is not `None` (an exception counts as `None`); a
//! recovery handler's result is reduced by `bool(result) if result is not
//! None else False`, an exception to `False`. Asynchronous and synchronous
//! callables behave alike once awaited, so the description is complete.
//!
//! The retry is the original's placeholder: nothing is re-executed; an
//! attempt succeeds when the operation is non-empty, its lower-case form
//! holds no `"test"`, and `random.random() > 0.7` on the interpreter-global
//! stream ([`PythonRandom`]). Delays start at 1 s and double up to 30 s;
//! every attempt sleeps first, and the sleeps are returned instead of
//! taken.

use super::aggregator::Aggregator;
use super::classify::classify;
use super::{Action, ErrorEvent, ErrorType, Strategy};
use crate::fast_hash::FastMap;
use crate::text::python_random::PythonRandom;
use crate::text::python_str;

/// `max_retries`, `base_retry_delay`, `max_retry_delay`, `retry_multiplier`.
pub const MAX_RETRIES: u32 = 3;
pub const BASE_DELAY: f64 = 1.0;
pub const MAX_DELAY: f64 = 30.0;
pub const MULTIPLIER: f64 = 2.0;
/// A draw strictly above this succeeds.
pub const SUCCESS_ABOVE: f64 = 0.7;

/// The strategy and action tables by type (`configure_*` replaces
/// entries); a type without an entry gets fallback-to-cache and none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub strategy: FastMap<ErrorType, Strategy>,
    pub action: FastMap<ErrorType, Action>,
}

impl Default for Tables {
    /// The handler's `__init__` tables.
    fn default() -> Self {
        use ErrorType as T;
        let strategy = [
            (T::Transient, Strategy::RetryWithBackoff),
            (T::RateLimit, Strategy::RetryWithBackoff),
            (T::Authentication, Strategy::ImmediateFail),
            (T::DataValidation, Strategy::FallbackToDefault),
            (T::Permanent, Strategy::ImmediateFail),
            (T::Unknown, Strategy::FallbackToCache),
        ];
        let action = [
            (T::Transient, Action::None),
            (T::RateLimit, Action::ReduceLoad),
            (T::Authentication, Action::AlertAdmin),
            (T::DataValidation, Action::ClearCache),
            (T::Permanent, Action::AlertAdmin),
            (T::Unknown, Action::None),
        ];
        Tables {
            strategy: strategy.into_iter().collect(),
            action: action.into_iter().collect(),
        }
    }
}

/// What a recovery handler returns, reduced as `execute_recovery` reduces
/// it, for the error being handled.
pub type RecoveryHandler = fn(&ErrorEvent) -> bool;

/// `FallbackManager` and `RecoveryManager` registrations.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// Component → whether its cached value is not `None`.
    pub cache: FastMap<String, bool>,
    /// Component → whether its default fallback returns something other
    /// than `None` (and does not raise).
    pub defaults: FastMap<String, bool>,
    pub recovery: FastMap<Action, RecoveryHandler>,
}

/// `ErrorHandlingResult` without the random id and the wall time, plus
/// the sleeps the retry asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub error_type: ErrorType,
    pub success: bool,
    pub recovery_attempted: bool,
    pub fallback_used: bool,
    pub strategy: Strategy,
    pub action: Action,
    /// 0 on every path but the retry.
    pub retry_count: u32,
    /// Seconds, in order: one per retry attempt.
    pub sleeps: Vec<f64>,
}

/// `EnhancedErrorHandler` with its aggregator, tables and registrations.
#[derive(Debug, Clone, Default)]
pub struct Handler {
    pub aggregator: Aggregator,
    pub tables: Tables,
    pub registry: Registry,
}

impl Handler {
    pub fn new(tables: Tables, registry: Registry) -> Self {
        Handler {
            aggregator: Aggregator::new(),
            tables,
            registry,
        }
    }

    /// `await handle_error(error, context)` with `datetime.now()` and
    /// `time.time()` at the event's time, drawing from `rng`.
    pub fn handle(&mut self, event: &ErrorEvent, rng: &mut PythonRandom) -> Outcome {
        let error_type = classify(&event.class_name, &event.text);
        self.aggregator.add(event, error_type, event.time);
        let strategy = self
            .tables
            .strategy
            .get(&error_type)
            .copied()
            .unwrap_or(Strategy::FallbackToCache);
        let action = self
            .tables
            .action
            .get(&error_type)
            .copied()
            .unwrap_or(Action::None);
        let mut out = Outcome {
            error_type,
            success: false,
            recovery_attempted: false,
            fallback_used: false,
            strategy,
            action,
            retry_count: 0,
            sleeps: Vec::new(),
        };
        match strategy {
            // CIRCUIT_BREAKER has no branch in the original: it leaves
            // success False, like an immediate fail.
            Strategy::ImmediateFail | Strategy::CircuitBreaker => {}
            Strategy::RetryWithBackoff => {
                let (success, count) = retry(&event.operation, rng, &mut out.sleeps);
                out.success = success;
                out.retry_count = count;
            }
            Strategy::FallbackToCache => {
                out.fallback_used = self.registry.cache.get(&event.component) == Some(&true);
                out.success = out.fallback_used;
            }
            Strategy::FallbackToDefault => {
                out.fallback_used = self.registry.defaults.get(&event.component) == Some(&true);
                out.success = out.fallback_used;
            }
            Strategy::GracefulDegradation => out.success = true,
        }
        if action != Action::None {
            out.recovery_attempted = true;
            let recovered = self
                .registry
                .recovery
                .get(&action)
                .is_some_and(|handler| handler(event));
            if recovered && !out.success {
                out.success = true;
            }
        }
        out
    }
}

/// K10.8: (success, retry_count), the sleeps appended to `sleeps`.
fn retry(operation: &str, rng: &mut PythonRandom, sleeps: &mut Vec<f64>) -> (bool, u32) {
    let may_succeed = !operation.is_empty() && !python_str::lower(operation).contains("test");
    let mut delay = BASE_DELAY;
    for attempt in 1..=MAX_RETRIES {
        sleeps.push(delay);
        if may_succeed && rng.random() > SUCCESS_ABOVE {
            return (true, attempt);
        }
        delay = (delay * MULTIPLIER).min(MAX_DELAY);
    }
    (false, MAX_RETRIES)
}

/// Package-mode `generate_error_id()` format: `ERR_` and the first eight
/// hex digits of a uuid4, upper-cased.
pub fn is_error_id(id: &str) -> bool {
    id.len() == 12
        && id.starts_with("ERR_")
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(class: &str, operation: &str) -> ErrorEvent {
        ErrorEvent {
            class_name: class.into(),
            text: String::new(),
            component: "api".into(),
            operation: operation.into(),
            request_id: "r1".into(),
            time: 5,
        }
    }

    /// The catalog's default outcomes with nothing registered.
    #[test]
    fn default_outcomes_with_nothing_registered() {
        let mut h = Handler::default();
        let mut rng = PythonRandom::seed(1);
        let auth = h.handle(&event("PermissionError", "read"), &mut rng);
        assert!(!auth.success && auth.recovery_attempted && auth.retry_count == 0);
        let data = h.handle(&event("ParseError", "read"), &mut rng);
        assert!(!data.success && !data.fallback_used && data.recovery_attempted);
        let unknown = h.handle(&event("ValueError", "read"), &mut rng);
        assert!(!unknown.success && !unknown.recovery_attempted);
        // "latest" holds "test": every attempt fails, 1 + 2 + 4 s asked for.
        let transient = h.handle(&event("TimeoutError", "latest"), &mut rng);
        assert_eq!((transient.success, transient.retry_count), (false, 3));
        assert_eq!(transient.sleeps, vec![1.0, 2.0, 4.0]);
        assert!(!transient.recovery_attempted);
        assert_eq!(h.aggregator.patterns().len(), 4);
    }

    /// Seeded 0, the first draws are 0.844 (success), so a retry that may
    /// succeed does so at its first attempt; a second one sees 0.758.
    #[test]
    fn retry_draws_from_the_python_stream() {
        let mut h = Handler::default();
        let mut rng = PythonRandom::seed(0);
        let first = h.handle(&event("TimeoutError", "fetch"), &mut rng);
        assert_eq!(
            (first.success, first.retry_count, first.sleeps.len()),
            (true, 1, 1)
        );
        let second = h.handle(&event("TimeoutError", "fetch"), &mut rng);
        assert_eq!((second.success, second.retry_count), (true, 1));
        // 0.4206 fails, then the next draws decide.
        let third = h.handle(&event("TimeoutError", "fetch"), &mut rng);
        assert!(third.retry_count >= 2);
    }

    /// A CIRCUIT_BREAKER strategy has no branch: nothing happens.
    #[test]
    fn circuit_breaker_strategy_does_nothing() {
        let mut tables = Tables::default();
        tables
            .strategy
            .insert(ErrorType::Unknown, Strategy::CircuitBreaker);
        tables
            .strategy
            .insert(ErrorType::Permanent, Strategy::GracefulDegradation);
        let mut registry = Registry::default();
        registry.cache.insert("api".into(), true);
        let mut h = Handler::new(tables, registry);
        let mut rng = PythonRandom::seed(0);
        let out = h.handle(&event("KeyError", "x"), &mut rng);
        assert!(!out.success && !out.fallback_used && !out.recovery_attempted);
        let graceful = h.handle(&event("ImportError", "x"), &mut rng);
        assert!(graceful.success && graceful.recovery_attempted);
    }

    #[test]
    fn recovery_turns_a_failure_into_success() {
        let mut registry = Registry::default();
        registry
            .recovery
            .insert(Action::AlertAdmin, |e| e.component == "api");
        let mut h = Handler::new(Tables::default(), registry);
        let out = h.handle(&event("PermissionError", "x"), &mut PythonRandom::seed(0));
        assert!(out.success && out.recovery_attempted && !out.fallback_used);
    }

    #[test]
    fn error_id_format() {
        assert!(is_error_id("ERR_0A1B2C3D"));
        for bad in [
            "ERR_0a1b2c3d",
            "ERR_0A1B2C3",
            "err_0A1B2C3D",
            "ERR_0A1B2C3G",
        ] {
            assert!(!is_error_id(bad), "{bad}");
        }
    }
}
