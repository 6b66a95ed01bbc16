//! `R4.1` — the original `GenericConnectionPool.get`
//! (`server/dashboard/performance_manager.py`) creates a connection when its
//! wait for an idle one times out, if `_created_connections < max_size`. The
//! check and the creation are separate steps with an `await` between them
//! (`_create_connection` awaits the factory and only then increments the
//! counter), so K waiters that time out together all pass the check and all
//! create: up to `max_size + K − 1` connections alive.
//!
//! The port keeps the idle queue (a bounded `asyncio.Queue`) behind a mutex and
//! the counter as an atomic; the timed-out wait is immediate (an empty queue),
//! and the `await` is a `yield_now`. The return path blocks on a full queue
//! (`Queue.put` waits for space: R4.3), as the original does.

use std::collections::VecDeque;

use super::super::sync::atomic::{AtomicUsize, Ordering};
use super::super::sync::{Condvar, Mutex, thread};

/// `GenericConnectionPool`'s get/return logic.
#[derive(Debug)]
pub struct GenericConnectionPool<T, F> {
    max_size: usize,
    /// `_pool`: `asyncio.Queue(maxsize=max_size)`.
    pool: Mutex<VecDeque<T>>,
    /// `Queue.put` waits on this for space.
    space: Condvar,
    /// `_created_connections`.
    created_connections: AtomicUsize,
    factory: F,
}

impl<T, F: Fn() -> T> GenericConnectionPool<T, F> {
    pub fn new(max_size: usize, factory: F) -> Self {
        Self {
            max_size,
            pool: Mutex::new(VecDeque::new()),
            space: Condvar::new(),
            created_connections: AtomicUsize::new(0),
            factory,
        }
    }

    /// `get_connection`: an idle connection, else (the wait timed out) a new
    /// one if the counter allows it, else `None` (the original raises).
    pub fn get(&self) -> Option<T> {
        let idle = self.pool.lock().pop_front();
        if let Some(conn) = idle {
            self.space.notify_one();
            return Some(conn);
        }
        // R4.1: check...
        if self.created_connections.load(Ordering::SeqCst) < self.max_size {
            // ...await the factory (other waiters run here)...
            thread::yield_now();
            let conn = (self.factory)();
            // ...and only then count it.
            self.created_connections.fetch_add(1, Ordering::SeqCst);
            return Some(conn);
        }
        None
    }

    /// `return_connection`: `await self._pool.put(conn)` waits while the queue
    /// is full (R4.3); the `QueueFull` close path is dead code.
    pub fn return_connection(&self, conn: T) {
        let mut pool = self.pool.lock();
        while pool.len() >= self.max_size {
            pool = self.space.wait(pool);
        }
        pool.push_back(conn);
    }

    /// `_created_connections`.
    pub fn created(&self) -> usize {
        self.created_connections.load(Ordering::SeqCst)
    }
}
