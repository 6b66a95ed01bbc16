//! The sync facade: the one place a concurrent component gets its primitives.
//!
//! Every component in [`crate::concurrent`] imports `Mutex`, `Condvar`, atomics,
//! threads and `block_on` from here, never from `std` directly. This file is
//! compiled three times, against three backends that sit beside it as
//! `super::backend`:
//!
//! - `std` in this crate (the shipped build);
//! - `loom` and `shuttle` in the `twinbench-checks` crate, which includes the
//!   component sources with `#[path]` under its own `backend` module.
//!
//! So the code the model checkers explore *is* the code that ships, as in
//! tokio's `loom` module. The wrappers give all three backends one API shape:
//! `lock()` does not poison (a panicking holder is a bug the checkers report on
//! their own; the data stays reachable for the checks that follow), and
//! [`Notify`] is a runtime-agnostic async wake-up that works under tokio,
//! `loom::future::block_on` and shuttle's executor alike.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

use super::backend;

pub use backend::Arc;

/// Which backend this build of the facade uses: `"std"`, `"loom"` or `"shuttle"`.
pub const BACKEND: &str = backend::NAME;

/// Atomics of the selected backend.
pub mod atomic {
    pub use super::super::backend::atomic::{
        AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering,
    };
}

/// Threads of the selected backend.
pub mod thread {
    pub use super::super::backend::thread::{JoinHandle, spawn, yield_now};
}

/// A small number identifying the calling thread, for spreading per-thread
/// work over shards (e.g. [`super::metrics::Counter`]). Distinct live threads
/// usually get distinct numbers, but nothing may depend on that: it is a
/// hint, never an identity. Under loom and shuttle it is the checker's own
/// thread number, so a schedule replays with the same shards.
pub fn thread_index() -> usize {
    backend::thread_index()
}

/// Runs a future to completion on the current thread (under loom and shuttle,
/// as a task the checker schedules).
pub fn block_on<F: Future>(future: F) -> F::Output {
    backend::block_on(future)
}

/// A mutual-exclusion lock whose `lock()` never reports poisoning.
pub struct Mutex<T>(backend::Mutex<T>);

/// Guard of a [`Mutex`].
pub type MutexGuard<'a, T> = backend::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Self(backend::Mutex::new(value))
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mutex { .. }")
    }
}

/// A reader-writer lock whose guards never report poisoning.
pub struct RwLock<T>(backend::RwLock<T>);

impl<T> RwLock<T> {
    pub fn new(value: T) -> Self {
        Self(backend::RwLock::new(value))
    }

    pub fn read(&self) -> backend::RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write(&self) -> backend::RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RwLock { .. }")
    }
}

/// A condition variable paired with [`Mutex`].
pub struct Condvar(backend::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Self(backend::Condvar::new())
    }

    /// Blocks until notified; spurious wake-ups are possible, so callers loop
    /// on their condition.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    pub fn notify_one(&self) {
        self.0.notify_one();
    }

    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condvar { .. }")
    }
}

/// Async wake-up that works on any executor.
///
/// A waiter reads [`Notify::epoch`] *before* testing its condition and, if the
/// condition does not hold, awaits [`Notify::changed_since`] with that epoch.
/// Any [`Notify::notify_all`] after the read completes the wait, so a wake-up
/// between the test and the await is never lost.
#[derive(Default)]
pub struct Notify {
    state: Mutex<NotifyState>,
}

#[derive(Default)]
struct NotifyState {
    epoch: u64,
    wakers: Vec<Waker>,
}

impl Notify {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current epoch; read it before testing the condition you wait on.
    pub fn epoch(&self) -> u64 {
        self.state.lock().epoch
    }

    /// Wakes every waiter registered so far.
    pub fn notify_all(&self) {
        let wakers = {
            let mut state = self.state.lock();
            state.epoch += 1;
            std::mem::take(&mut state.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Completes once the epoch differs from `epoch`.
    pub fn changed_since(&self, epoch: u64) -> Changed<'_> {
        Changed {
            notify: self,
            epoch,
        }
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Notify { .. }")
    }
}

/// Future returned by [`Notify::changed_since`].
#[derive(Debug)]
pub struct Changed<'a> {
    notify: &'a Notify,
    epoch: u64,
}

impl Future for Changed<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.notify.state.lock();
        if state.epoch != self.epoch {
            return Poll::Ready(());
        }
        if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            state.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}
