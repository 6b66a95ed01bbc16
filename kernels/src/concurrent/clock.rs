//! Time as the components see it: milliseconds from a [`Clock`].
//!
//! Components that expire, time out or refill take their clock as a value, so
//! the model checks drive time with a [`ManualClock`] (its reads and advances
//! are facade atomics the checkers schedule like any other access) while the
//! shipped build uses [`SystemClock`].

use super::sync::atomic::{AtomicU64, Ordering};

/// Milliseconds since an arbitrary, fixed origin.
pub type Millis = u64;

/// A monotonic millisecond clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> Millis;
}

/// Wall time: milliseconds since the clock was created.
#[derive(Debug)]
pub struct SystemClock {
    origin: std::time::Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told to (tests and model checks).
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        Self {
            now: AtomicU64::new(start),
        }
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: Millis) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.now.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Millis {
        (**self).now()
    }
}

impl<C: Clock> Clock for super::sync::Arc<C> {
    fn now(&self) -> Millis {
        (**self).now()
    }
}
