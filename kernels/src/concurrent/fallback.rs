//! Fallback manager: a service call that a registered fallback answers when
//! the service fails, and says so.
//!
//! Seed 003's `FallbackManager` (§6, l.325–359; catalog §99) keeps a dict
//! service type → fallback coroutine and runs
//! `try: return await primary(*args) except Exception: fallback =
//! strategies.get(service_type); return await fallback(*args)` (or raises
//! `ServiceUnavailableError`). As written:
//!
//! - the answer is a bare value, and the defined fallbacks return `None`: a
//!   caller cannot tell a degraded answer from the service's own
//!   (`seed003-fallback-untagged`);
//! - `except Exception` also catches the caller's own bugs (a `TypeError`
//!   or `ValueError` for an invalid argument) and answers them from the
//!   fallback, hiding the bug behind a degraded answer
//!   (`seed003-fallback-caller-bug`);
//! - the strategy is looked up only after the primary's await has failed,
//!   so a strategy registered (or replaced) while a call's primary is in
//!   flight answers that call: which fallback answers depends on how long
//!   the primary took (`seed003-fallback-late-lookup`);
//! - `__init__` names `_fallback_to_basic_auth` and
//!   `_fallback_to_offline_mode`, which are not defined: construction raises
//!   `AttributeError` as written (not ported: a twin is built empty and
//!   strategies are registered).
//!
//! Here a primary's failure is typed ([`Failure::Service`] or
//! [`Failure::Invalid`]); only a service failure reaches a fallback, an
//! invalid request comes back as [`FallbackError::InvalidRequest`]. The
//! answer is an [`Answer`], `Primary` or `Fallback` (with the primary's
//! error and the registration that answered). A call looks up its strategy
//! once, in one critical section *before* its primary starts, and uses that
//! registration whatever is registered while the primary runs: a
//! replacement applies to the calls that begin after it, so each answer
//! belongs to one configuration (its `registration` number) and never to
//! the primary's latency. The lock is never held across an await or while
//! a primary or fallback runs. Dropping a call's future (cancellation)
//! changes nothing: a call keeps no state in the manager.
//!
//! # Invariants (asserted by the model checks)
//! - **primary-invoked-once**: every call invokes its primary exactly once.
//! - **fallback-only-after-service-failure**: a fallback runs only for a call
//!   whose primary failed with a service failure, never for an invalid
//!   request nor after a success.
//! - **answer-tagged**: an answer is `Primary` exactly when the primary
//!   answered, `Fallback` exactly when a fallback did; a service failure
//!   with no fallback registered is [`FallbackError::ServiceUnavailable`].
//! - **strategy-of-calls-start**: a fallback answer comes from the strategy
//!   registered when its call began (a strategy registered after the call's
//!   primary started never answers it).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

use super::sync::{Arc, Mutex};

/// How a primary call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure<E> {
    /// The service failed (unreachable, timed out, answered an error): a
    /// fallback may answer instead.
    Service(E),
    /// The request was invalid (the original's `TypeError`/`ValueError` on
    /// a bad argument): a bug of the caller, which no fallback should hide.
    Invalid(E),
}

/// A fallback: computes a degraded answer from the call's arguments. An
/// immutable handle, so `std`'s `Arc`, which (unlike loom's) coerces to a
/// trait object (see [`super::incidents::IncidentCallback`]).
pub type Strategy<A, T, E> = std::sync::Arc<dyn Fn(&A) -> Result<T, E> + Send + Sync>;

/// Who answered a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T, E> {
    /// The service answered.
    Primary(T),
    /// The service failed with `primary_error`; the strategy registered as
    /// number `registration` answered `value`.
    Fallback {
        value: T,
        primary_error: E,
        registration: u64,
    },
}

impl<T, E> Answer<T, E> {
    pub fn value(&self) -> &T {
        match self {
            Answer::Primary(value) | Answer::Fallback { value, .. } => value,
        }
    }

    pub fn is_fallback(&self) -> bool {
        matches!(self, Answer::Fallback { .. })
    }
}

/// Why a call has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FallbackError<E> {
    /// The primary refused the request as invalid; no fallback ran.
    #[error("invalid request to service {service:?}: {error} (a caller bug; no fallback ran)")]
    InvalidRequest { service: String, error: E },
    /// The service failed and no fallback is registered for it (the
    /// original's `ServiceUnavailableError`).
    #[error(
        "service {service:?} failed ({error}) and no fallback is registered for it; \
         register one with FallbackManager::register"
    )]
    ServiceUnavailable { service: String, error: E },
    /// The service failed and so did its fallback.
    #[error("service {service:?} failed ({primary}) and its fallback failed too ({fallback})")]
    FallbackFailed {
        service: String,
        primary: E,
        fallback: E,
    },
}

/// A registered strategy and its registration number.
pub struct Registered<A, T, E> {
    pub strategy: Strategy<A, T, E>,
    /// Registrations are numbered 1, 2, … per manager, in order.
    pub registration: u64,
}

impl<A, T, E> Clone for Registered<A, T, E> {
    fn clone(&self) -> Self {
        Self {
            strategy: std::sync::Arc::clone(&self.strategy),
            registration: self.registration,
        }
    }
}

impl<A, T, E> fmt::Debug for Registered<A, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registered")
            .field("registration", &self.registration)
            .finish_non_exhaustive()
    }
}

/// The strategy map, unsynchronised.
pub struct FallbackCore<A, T, E> {
    by_service: BTreeMap<String, Registered<A, T, E>>,
    registrations: u64,
}

impl<A, T, E> Default for FallbackCore<A, T, E> {
    fn default() -> Self {
        Self {
            by_service: BTreeMap::new(),
            registrations: 0,
        }
    }
}

impl<A, T, E> FallbackCore<A, T, E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) `service`'s fallback; returns its
    /// registration number.
    pub fn register(&mut self, service: &str, strategy: Strategy<A, T, E>) -> u64 {
        self.registrations += 1;
        let registration = self.registrations;
        self.by_service.insert(
            service.to_string(),
            Registered {
                strategy,
                registration,
            },
        );
        registration
    }

    /// `service`'s current fallback.
    pub fn lookup(&self, service: &str) -> Option<Registered<A, T, E>> {
        self.by_service.get(service).cloned()
    }

    /// Services with a fallback, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.by_service.keys().map(String::as_str)
    }
}

impl<A, T, E> fmt::Debug for FallbackCore<A, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FallbackCore")
            .field("services", &self.by_service.keys().collect::<Vec<_>>())
            .field("registrations", &self.registrations)
            .finish()
    }
}

/// The shared manager: a handle; clones share one strategy map.
pub struct FallbackManager<A, T, E> {
    core: Arc<Mutex<FallbackCore<A, T, E>>>,
}

impl<A, T, E> Clone for FallbackManager<A, T, E> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
        }
    }
}

impl<A, T, E> Default for FallbackManager<A, T, E> {
    fn default() -> Self {
        Self {
            core: Arc::new(Mutex::new(FallbackCore::new())),
        }
    }
}

impl<A, T, E> FallbackManager<A, T, E> {
    /// A manager with no fallback registered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) `service`'s fallback, for the calls that
    /// begin from now on; returns its registration number.
    pub fn register(&self, service: &str, strategy: Strategy<A, T, E>) -> u64 {
        self.core.lock().register(service, strategy)
    }

    /// `service`'s current fallback's registration number.
    pub fn registration(&self, service: &str) -> Option<u64> {
        self.core.lock().lookup(service).map(|r| r.registration)
    }

    /// Services with a fallback, sorted.
    pub fn services(&self) -> Vec<String> {
        self.core.lock().services().map(str::to_string).collect()
    }

    /// `execute_with_fallback`: looks up `service`'s strategy (one critical
    /// section), awaits `primary(args)` exactly once with no lock held, and
    /// on a service failure answers from that strategy. An invalid request
    /// is returned as [`FallbackError::InvalidRequest`] without a fallback.
    pub async fn execute<F, Fut>(
        &self,
        service: &str,
        args: &A,
        primary: F,
    ) -> Result<Answer<T, E>, FallbackError<E>>
    where
        F: FnOnce(&A) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>>,
    {
        let strategy = self.core.lock().lookup(service);
        match primary(args).await {
            Ok(value) => Ok(Answer::Primary(value)),
            Err(Failure::Invalid(error)) => Err(FallbackError::InvalidRequest {
                service: service.to_string(),
                error,
            }),
            Err(Failure::Service(error)) => match strategy {
                None => Err(FallbackError::ServiceUnavailable {
                    service: service.to_string(),
                    error,
                }),
                Some(Registered {
                    strategy,
                    registration,
                }) => match strategy(args) {
                    Ok(value) => Ok(Answer::Fallback {
                        value,
                        primary_error: error,
                        registration,
                    }),
                    Err(fallback) => Err(FallbackError::FallbackFailed {
                        service: service.to_string(),
                        primary: error,
                        fallback,
                    }),
                },
            },
        }
    }
}

impl<A, T, E> fmt::Debug for FallbackManager<A, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FallbackManager")
            .field("services", &self.services())
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::super::sync::block_on;

    type Manager = FallbackManager<u32, String, String>;

    fn answering(tag: &'static str) -> Strategy<u32, String, String> {
        std::sync::Arc::new(move |x: &u32| Ok(format!("{tag}:{x}")))
    }

    fn call(
        manager: &Manager,
        service: &str,
        outcome: Result<&str, Failure<&str>>,
        invoked: &AtomicU32,
    ) -> Result<Answer<String, String>, FallbackError<String>> {
        block_on(manager.execute(service, &7, |x| {
            invoked.fetch_add(1, Ordering::SeqCst);
            let out = outcome.map(|v| format!("{v}:{x}")).map_err(|f| match f {
                Failure::Service(e) => Failure::Service(e.to_string()),
                Failure::Invalid(e) => Failure::Invalid(e.to_string()),
            });
            async move { out }
        }))
    }

    #[test]
    fn answers_are_tagged_and_only_service_failures_fall_back() {
        let manager = Manager::new();
        let registration = manager.register("analytics", answering("basic"));
        let invoked = AtomicU32::new(0);
        assert_eq!(
            call(&manager, "analytics", Ok("codon"), &invoked),
            Ok(Answer::Primary("codon:7".into()))
        );
        assert_eq!(
            call(
                &manager,
                "analytics",
                Err(Failure::Service("down")),
                &invoked
            ),
            Ok(Answer::Fallback {
                value: "basic:7".into(),
                primary_error: "down".into(),
                registration,
            })
        );
        assert_eq!(
            call(
                &manager,
                "analytics",
                Err(Failure::Invalid("bad id")),
                &invoked
            ),
            Err(FallbackError::InvalidRequest {
                service: "analytics".into(),
                error: "bad id".into()
            })
        );
        let unavailable = call(&manager, "auth", Err(Failure::Service("down")), &invoked);
        assert_eq!(
            unavailable,
            Err(FallbackError::ServiceUnavailable {
                service: "auth".into(),
                error: "down".into()
            })
        );
        assert!(
            unavailable
                .err()
                .is_some_and(|e| e.to_string().contains("FallbackManager::register"))
        );
        assert_eq!(invoked.load(Ordering::SeqCst), 4, "one primary per call");
    }

    #[test]
    fn a_failing_fallback_reports_both_errors() {
        let manager = Manager::new();
        manager.register(
            "ml",
            std::sync::Arc::new(|_: &u32| Err("no model".to_string())),
        );
        let invoked = AtomicU32::new(0);
        assert_eq!(
            call(&manager, "ml", Err(Failure::Service("gpu lost")), &invoked),
            Err(FallbackError::FallbackFailed {
                service: "ml".into(),
                primary: "gpu lost".into(),
                fallback: "no model".into()
            })
        );
    }

    #[test]
    fn a_replacement_applies_to_calls_that_begin_after_it() {
        let manager = Manager::new();
        let first = manager.register("analytics", answering("a"));
        let replacing = manager.clone();
        let answer = block_on(manager.execute("analytics", &1, |_| {
            // The primary is in flight when the strategy is replaced.
            let second = replacing.register("analytics", answering("b"));
            assert_eq!(second, first + 1);
            async { Err(Failure::Service("down".to_string())) }
        }));
        assert_eq!(
            answer
                .as_ref()
                .map(|a| (a.value().as_str(), a.is_fallback())),
            Ok(("a:1", true))
        );
        let invoked = AtomicU32::new(0);
        let next = call(
            &manager,
            "analytics",
            Err(Failure::Service("down")),
            &invoked,
        );
        assert_eq!(next.map(|a| a.value().clone()), Ok("b:7".to_string()));
        assert_eq!(manager.services(), vec!["analytics".to_string()]);
        assert_eq!(manager.registration("analytics"), Some(first + 1));
    }
}
