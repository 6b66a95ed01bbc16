//! The dashboard's error-processing path (catalog error_handling.md
//! K10.1–K10.9: `server/dashboard/error_handler.py` and the
//! `ErrorClassifier` of `enhanced_circuit_breaker.py` at 9455c19).
//!
//! Package-mode semantics (catalog §0): the handler module is imported as
//! part of its package, so `ErrorType` is the circuit breaker's enum (its
//! declaration order gives [`ErrorType::code`]), severities are the
//! `str`-mixin enum of `models/error_models.py`, and error ids are `ERR_`
//! plus eight upper-case hex digits ([`handler::is_error_id`]).
//!
//! - [`classify`]: K10.1, exception class name and text → [`ErrorType`].
//! - [`normalize`]: K10.2, the three `re.sub` rewrites under Python's
//!   Unicode classes, lower-case, strip.
//! - [`aggregator`]: K10.3 pattern key, K10.4 severity, K10.5 ingest,
//!   K10.6 analytics.
//! - [`handler`]: K10.7 strategy and recovery dispatch, K10.8's retry with
//!   CPython's `random` and virtual sleeps.
//! - [`event_json`]: K10.9, the "SSE" error event as `json.dumps` writes it.

pub mod aggregator;
pub mod classify;
pub mod event_json;
pub mod handler;
pub mod normalize;

/// The circuit breaker's `ErrorType`, in its declaration order (package
/// mode; the handler's own fallback enum declares the same six values in
/// another order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    Transient,
    Permanent,
    RateLimit,
    Authentication,
    DataValidation,
    Unknown,
}

impl ErrorType {
    /// Every member in declaration order (`code` is the position).
    pub const ALL: [ErrorType; 6] = [
        ErrorType::Transient,
        ErrorType::Permanent,
        ErrorType::RateLimit,
        ErrorType::Authentication,
        ErrorType::DataValidation,
        ErrorType::Unknown,
    ];

    /// `error_type.value`: what the pattern key ends with.
    pub fn value(self) -> &'static str {
        match self {
            ErrorType::Transient => "transient",
            ErrorType::Permanent => "permanent",
            ErrorType::RateLimit => "rate_limit",
            ErrorType::Authentication => "authentication",
            ErrorType::DataValidation => "data_validation",
            ErrorType::Unknown => "unknown",
        }
    }

    /// Position in the breaker enum's declaration order.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// `ErrorSeverity` (LOW, MEDIUM, HIGH, CRITICAL; codes in that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// `ErrorHandlingStrategy`, codes in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    ImmediateFail,
    RetryWithBackoff,
    FallbackToCache,
    FallbackToDefault,
    CircuitBreaker,
    GracefulDegradation,
}

impl Strategy {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// `RecoveryAction`, codes in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    None,
    RestartService,
    ClearCache,
    ResetConnection,
    SwitchEndpoint,
    ReduceLoad,
    AlertAdmin,
}

impl Action {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// One error as the handler sees it: the exception (its class's bare
/// `__name__` and `str(error)`) and its `ErrorContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEvent {
    pub class_name: String,
    /// `str(error)`: the message itself for most classes, its `repr` for
    /// `KeyError` ([`exception_str`]).
    pub text: String,
    pub component: String,
    pub operation: String,
    pub request_id: String,
    /// The context's timestamp, and the injected `datetime.now()` /
    /// `time.time()` while this error is handled: naive microseconds since
    /// 1970-01-01.
    pub time: i64,
}

/// `str(cls(message))` for an exception built with one argument: `KeyError`
/// shows the `repr` of its argument, every other class used here
/// (`Exception` subclasses, `OSError`'s family with one argument,
/// `ImportError`'s) the argument itself.
pub fn exception_str(class_name: &str, message: &str) -> String {
    if class_name == "KeyError" {
        crate::text::python_unicode::repr(message)
    } else {
        message.to_string()
    }
}
