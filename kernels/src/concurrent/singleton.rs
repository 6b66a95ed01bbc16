//! Lazy singleton: a process-wide instance built at most once per init epoch,
//! published only once fully initialised, replaced or shut down explicitly.
//!
//! Every singleton accessor in the original (catalog §10, R1.9, R4.13, R5.7,
//! R6.1) is a bare module global: `if g is None: g = X()` checks and assigns in
//! separate steps (two constructions under threads, bug zoo `S1`); the async
//! ones assign the global *before* `await g.initialize()` (a concurrent caller
//! gets a half-initialised instance, and a failed initialize stays published,
//! zoo `S2`); `initialize_x()` overwrites the global without shutting the old
//! instance down (its background tasks keep running, zoo `S3`).
//!
//! Here initialisation is a user closure returning `Result`: the instance is
//! built *and* initialised before anyone can see it. Double-checked locking:
//! an atomic `ready` flag is the fast-path hint, the published instance sits
//! behind an `RwLock` (concurrent readers do not exclude each other), and a
//! `Mutex` serialises everything that changes the slot — initialisation,
//! replacement, shutdown — so a caller that finds the slot empty blocks on it
//! (no spinning) and re-checks before constructing. [`Singleton::replace`]
//! and [`Singleton::shutdown`] hand the old instance back (`#[must_use]`) so
//! the caller tears it down; nothing is dropped silently while still running.
//!
//! Each replace or shutdown starts a new init epoch; a getter after a shutdown
//! constructs a fresh instance (epoch 2), never resurrects the old one.
//!
//! # Invariants (asserted by the model checks)
//! - **constructed-once**: within one init epoch the init closure succeeds at
//!   most once, and every getter of that epoch receives that one instance.
//! - **never-half-initialised**: no caller ever receives an instance whose
//!   initialisation has not completed.
//! - **failed-init-leaves-empty**: an init closure that fails publishes
//!   nothing; the next getter runs its own init.
//! - **old-instance-torn-down**: every instance ever published is either the
//!   current one or was returned by `replace`/`shutdown` for teardown; none is
//!   leaked while still live.

use std::fmt;

use super::sync::atomic::{AtomicBool, Ordering};
use super::sync::{Arc, Mutex, RwLock};

/// The slot's logic, unsynchronised: one owner, `&mut self`.
#[derive(Debug)]
pub struct SingletonCore<T> {
    instance: Option<Arc<T>>,
    epoch: u64,
}

impl<T> Default for SingletonCore<T> {
    fn default() -> Self {
        Self {
            instance: None,
            epoch: 0,
        }
    }
}

impl<T> SingletonCore<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The instance, built by `init` if there is none; a failed `init`
    /// leaves the slot empty.
    pub fn get_or_try_init<E>(&mut self, init: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Some(instance) = &self.instance {
            return Ok(Arc::clone(instance));
        }
        let instance = Arc::new(init()?);
        self.instance = Some(Arc::clone(&instance));
        Ok(instance)
    }

    pub fn get(&self) -> Option<Arc<T>> {
        self.instance.clone()
    }

    /// Publishes `value`, starting a new epoch; returns the old instance for
    /// teardown.
    #[must_use = "the old instance must be torn down"]
    pub fn replace(&mut self, value: T) -> Option<Arc<T>> {
        self.epoch += 1;
        self.instance.replace(Arc::new(value))
    }

    /// Empties the slot, starting a new epoch; returns the old instance for
    /// teardown.
    #[must_use = "the old instance must be torn down"]
    pub fn shutdown(&mut self) -> Option<Arc<T>> {
        self.epoch += 1;
        self.instance.take()
    }

    /// How many replacements and shutdowns have happened.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
}

struct Inner<T> {
    /// Fast-path hint: an instance is (very probably) published. Set after
    /// the slot is written, cleared before it is emptied; a stale `true` only
    /// costs a trip to the slot, a stale `false` only a trip to the mutex.
    ready: AtomicBool,
    /// The published instance; read-locked by getters.
    slot: RwLock<Option<Arc<T>>>,
    /// Serialises init, replace and shutdown; holds the epoch.
    changes: Mutex<u64>,
}

/// A lazily initialised, replaceable singleton; clones share one slot.
pub struct Singleton<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Singleton<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> Default for Singleton<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Singleton<T> {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                ready: AtomicBool::new(false),
                slot: RwLock::new(None),
                changes: Mutex::new(0),
            }),
        }
    }

    /// The published instance, if any (never initialises).
    pub fn get(&self) -> Option<Arc<T>> {
        if !self.inner.ready.load(Ordering::Acquire) {
            return None;
        }
        self.inner.slot.read().clone()
    }

    /// The instance, built by `init` if none is published.
    ///
    /// `init` runs at most once per epoch across all callers, holding the
    /// change lock, so concurrent callers wait for it instead of building
    /// their own; its result is published only if it is `Ok`, and only
    /// after it has returned, so no caller sees a half-built instance.
    pub fn get_or_try_init<E>(&self, init: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Some(instance) = self.get() {
            return Ok(instance);
        }
        let _changes = self.inner.changes.lock();
        // Second check: another caller may have initialised while we waited.
        if let Some(instance) = self.inner.slot.read().clone() {
            return Ok(instance);
        }
        let instance = Arc::new(init()?);
        *self.inner.slot.write() = Some(Arc::clone(&instance));
        self.inner.ready.store(true, Ordering::Release);
        Ok(instance)
    }

    /// Builds a new instance with `init` and publishes it, starting a new
    /// epoch; returns the instance it displaced, which the caller must tear
    /// down. If `init` fails, the current instance stays.
    #[must_use = "the old instance must be torn down"]
    pub fn try_replace<E>(&self, init: impl FnOnce() -> Result<T, E>) -> Result<Replaced<T>, E> {
        let mut epoch = self.inner.changes.lock();
        let instance = Arc::new(init()?);
        let old = self.inner.slot.write().replace(Arc::clone(&instance));
        self.inner.ready.store(true, Ordering::Release);
        *epoch += 1;
        Ok(Replaced { instance, old })
    }

    /// Empties the slot, starting a new epoch; returns the removed instance
    /// for teardown. Getters that already hold it keep a handle (they must
    /// cope with a stopped instance); later getters initialise anew.
    #[must_use = "the old instance must be torn down"]
    pub fn shutdown(&self) -> Option<Arc<T>> {
        let mut epoch = self.inner.changes.lock();
        self.inner.ready.store(false, Ordering::Release);
        let old = self.inner.slot.write().take();
        *epoch += 1;
        old
    }

    /// Replacements and shutdowns so far.
    pub fn epoch(&self) -> u64 {
        *self.inner.changes.lock()
    }
}

impl<T: fmt::Debug> fmt::Debug for Singleton<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Singleton")
            .field("instance", &self.get())
            .finish()
    }
}

/// The result of [`Singleton::try_replace`]: the new instance and the one it
/// displaced.
#[derive(Debug)]
#[must_use = "the old instance must be torn down"]
pub struct Replaced<T> {
    pub instance: Arc<T>,
    pub old: Option<Arc<T>>,
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Service(u32);

    #[test]
    fn initialises_once_and_then_returns_the_same_instance() {
        let s = Singleton::new();
        assert!(s.get().is_none());
        let a = s.get_or_try_init(|| Ok::<_, ()>(Service(1)));
        let b = s.get_or_try_init(|| Ok::<_, ()>(Service(2)));
        assert_eq!(a.as_deref(), Ok(&Service(1)));
        assert_eq!(b.as_deref(), Ok(&Service(1)));
        assert_eq!(s.get().as_deref(), Some(&Service(1)));
    }

    #[test]
    fn failed_init_publishes_nothing() {
        let s: Singleton<Service> = Singleton::new();
        assert_eq!(s.get_or_try_init(|| Err("db down")).err(), Some("db down"));
        assert!(s.get().is_none());
        let next = s.get_or_try_init(|| Ok::<_, &str>(Service(3)));
        assert_eq!(next.as_deref(), Ok(&Service(3)));
    }

    #[test]
    fn replace_and_shutdown_hand_back_the_old_instance() {
        let s = Singleton::new();
        let first = s.get_or_try_init(|| Ok::<_, ()>(Service(1)));
        let replaced = s.try_replace(|| Ok::<_, ()>(Service(2))).expect("init ok");
        assert_eq!(replaced.old.as_deref(), first.as_deref().ok());
        assert_eq!(*replaced.instance, Service(2));
        assert!(s.try_replace(|| Err::<Service, _>(())).is_err());
        assert_eq!(s.get().as_deref(), Some(&Service(2)));
        assert_eq!(s.shutdown().as_deref(), Some(&Service(2)));
        assert!(s.get().is_none());
        assert_eq!(s.epoch(), 2);
        let again = s.get_or_try_init(|| Ok::<_, ()>(Service(4)));
        assert_eq!(again.as_deref(), Ok(&Service(4)));
    }

    #[test]
    fn core_matches_the_shared_slot() {
        let mut core = SingletonCore::new();
        assert_eq!(core.get_or_try_init(|| Err::<Service, _>(1)).err(), Some(1));
        assert!(core.get().is_none());
        let a = core.get_or_try_init(|| Ok::<_, ()>(Service(1)));
        assert_eq!(a.as_deref(), Ok(&Service(1)));
        assert_eq!(core.replace(Service(2)).as_deref(), Some(&Service(1)));
        assert_eq!(core.shutdown().as_deref(), Some(&Service(2)));
        assert_eq!(core.epoch(), 2);
    }
}
