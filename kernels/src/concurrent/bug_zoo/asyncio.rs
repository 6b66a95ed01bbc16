//! asyncio's primitives as the originals use them, for the zoo ports whose
//! fault is what they hold across an `await`.
//!
//! An [`AsyncLock`] is `asyncio.Lock`: `async with lock:` waits (an await
//! point: other tasks run) until no other task holds it. Only tasks of one
//! event loop ever contend for an `asyncio.Lock`; the port makes it a real
//! lock between the checkers' threads, so what the checks see is the
//! serialization the original intends, not a cross-thread race it does not
//! guard against. It counts the tasks waiting for it, which a check reads to
//! see that nothing else can run (and only then lets the logical clock
//! advance to a timeout).

use super::super::sync::{Mutex, Notify};

#[derive(Debug, Default)]
struct State {
    held: bool,
    waiting: usize,
}

/// `asyncio.Lock`.
#[derive(Debug, Default)]
pub struct AsyncLock {
    state: Mutex<State>,
    released: Notify,
}

impl AsyncLock {
    pub fn new() -> Self {
        Self::default()
    }

    /// `async with lock:` — held until the guard is dropped.
    pub async fn acquire(&self) -> AsyncLockGuard<'_> {
        let mut waiting = None;
        loop {
            let epoch = self.released.epoch();
            {
                let mut state = self.state.lock();
                if !state.held {
                    state.held = true;
                    drop(state);
                    drop(waiting);
                    return AsyncLockGuard(self);
                }
                if waiting.is_none() {
                    state.waiting += 1;
                    waiting = Some(Waiting(self));
                }
            }
            self.released.changed_since(epoch).await;
        }
    }

    /// Tasks waiting to acquire the lock now.
    pub fn waiting(&self) -> usize {
        self.state.lock().waiting
    }
}

/// A task counted as waiting until it acquires the lock or is dropped.
struct Waiting<'a>(&'a AsyncLock);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.state.lock().waiting -= 1;
    }
}

/// The lock held; dropping it releases the lock and wakes the waiters.
#[derive(Debug)]
pub struct AsyncLockGuard<'a>(&'a AsyncLock);

impl Drop for AsyncLockGuard<'_> {
    fn drop(&mut self) {
        self.0.state.lock().held = false;
        self.0.released.notify_all();
    }
}
