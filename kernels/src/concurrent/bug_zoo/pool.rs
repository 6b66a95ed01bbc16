//! The original's two connection pools, ported with their defects:
//! `GenericConnectionPool` (catalog §4a, `server/dashboard/performance_manager.py`
//! l.259–397) and `GraphConnectionPool` (§10a, `server/graph_database.py`
//! l.57–121).
//!
//! - `R4.1` — `get_connection` creates a connection when its wait for an idle
//!   one times out, if `_created_connections < max_size` (l.335). The check
//!   and the creation are separate steps with an `await` between them
//!   (`_create_connection` awaits the factory, l.301, and only then increments
//!   the counter, l.305), so K waiters that time out together all pass the
//!   check and all create: up to `max_size + K − 1` connections alive.
//! - `R4.2` — the counters never balance: `_created_connections` is never
//!   decremented when a connection is closed, so once `max_size` connections
//!   have been created over the pool's life the timeout path never creates
//!   again (the pool starves with nothing alive); `_active_connections` is
//!   never incremented but is decremented on every close (l.368), so it goes
//!   negative.
//! - `R4.3` — `return_connection` awaits `Queue.put` (l.343) on a queue
//!   bounded at `max_size`; `put` waits for space, it never raises
//!   `QueueFull`, so the close path (l.344–346) is dead. With the surplus of
//!   R4.1, the return into a full queue blocks for good.
//! - `R4.4` — `close_all` (l.375–387) holds `_lock`, which get and return
//!   never take, so it excludes nothing: it closes every connection in
//!   `_connection_times`, including those checked out (use-after-close for
//!   the holder); returned later, they are no longer in `_connection_times`,
//!   `_is_connection_expired` says expired (l.352–354), and they are closed a
//!   second time.
//! - `R4.5` — `_connection_times` is keyed by the connection object; the
//!   default pools' factory returns `None` (l.1041, l.1050), so every
//!   connection is one key: each creation overwrites the one creation time,
//!   and an old connection is judged by the newest one's age.
//! - `10a.closed-handout` — `GraphConnectionPool.close_all` (l.110–121) closes
//!   every connection and clears both lists while some are checked out;
//!   `release` (l.105–108) appends a returned one back to the free list, so
//!   a closed connection is handed out later.
//!
//! Each attribute access of the originals is one step here (the GIL or the
//! single event loop makes it atomic, not the sequence): a facade mutex or
//! atomic per attribute. An `await` is a `yield_now`; a wait for an idle
//! connection that times out is immediate (an empty queue).

use std::collections::VecDeque;

use super::super::clock::{Clock, Millis};
use super::super::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use super::super::sync::{Condvar, Mutex, thread};

/// A connection object as the originals hold it: a Python reference, shared
/// by the pool's bookkeeping and its holder (so `Clone` is another reference
/// to the same connection).
pub trait PyConnection: Clone {
    /// `hash(conn)`, the key of `_connection_times`: the object's identity,
    /// one key for every connection when the factory returns `None` (R4.5).
    fn key(&self) -> u64;
    /// `await conn.close()`.
    fn close(&self);
}

/// `GenericConnectionPool`: get, return and close_all as the original does
/// them.
#[derive(Debug)]
pub struct GenericConnectionPool<T, F, C> {
    max_size: usize,
    /// `config.max_connection_age`.
    max_age: Millis,
    /// `_pool`: `asyncio.Queue(maxsize=max_size)` of idle connections.
    pool: Mutex<VecDeque<T>>,
    /// `Queue.put` waits on this for space.
    space: Condvar,
    /// `_connection_times`: connection → creation time, keyed by
    /// [`PyConnection::key`].
    connection_times: Mutex<Vec<(T, Millis)>>,
    /// `_created_connections`.
    created_connections: AtomicUsize,
    /// `_active_connections`.
    active_connections: AtomicI64,
    /// `_lock`: taken only by `close_all`.
    lock: Mutex<()>,
    factory: F,
    clock: C,
}

impl<T: PyConnection, F: Fn() -> T, C: Clock> GenericConnectionPool<T, F, C> {
    pub fn new(max_size: usize, max_age: Millis, clock: C, factory: F) -> Self {
        Self {
            max_size,
            max_age,
            pool: Mutex::new(VecDeque::new()),
            space: Condvar::new(),
            connection_times: Mutex::new(Vec::new()),
            created_connections: AtomicUsize::new(0),
            active_connections: AtomicI64::new(0),
            lock: Mutex::new(()),
            factory,
            clock,
        }
    }

    /// `get_connection`: an idle connection (replaced by a new one, with no
    /// bound check, if expired: l.323–325), else (the wait timed out) a new
    /// one if the counter allows it (R4.1), else `None` (the original raises).
    pub fn get(&self) -> Option<T> {
        let idle = self.pool.lock().pop_front();
        if let Some(conn) = idle {
            self.space.notify_one();
            if self.is_expired(&conn) {
                self.close_connection(&conn);
                return Some(self.create_connection());
            }
            return Some(conn);
        }
        // R4.1: check...
        if self.created_connections.load(Ordering::SeqCst) < self.max_size {
            // ...then create (and count) after an await.
            return Some(self.create_connection());
        }
        None
    }

    /// `_create_connection`: await the factory (other tasks run here), record
    /// the creation time under the connection's key (R4.5: overwrites an
    /// equal key's), and only then count it (R4.1).
    fn create_connection(&self) -> T {
        thread::yield_now();
        let conn = (self.factory)();
        let now = self.clock.now();
        {
            let mut times = self.connection_times.lock();
            let key = conn.key();
            match times.iter_mut().find(|(c, _)| c.key() == key) {
                Some(entry) => *entry = (conn.clone(), now),
                None => times.push((conn.clone(), now)),
            }
        }
        self.created_connections.fetch_add(1, Ordering::SeqCst);
        conn
    }

    /// `return_connection`: close it if `_is_connection_expired`, else
    /// `await self._pool.put(conn)`, which waits while the queue is full
    /// (R4.3); the `QueueFull` close path is dead code.
    pub fn return_connection(&self, conn: T) {
        if self.is_expired(&conn) {
            self.close_connection(&conn);
            return;
        }
        let mut pool = self.pool.lock();
        while pool.len() >= self.max_size {
            pool = self.space.wait(pool);
        }
        pool.push_back(conn);
    }

    /// `_is_connection_expired` (l.352–354): a connection missing from
    /// `_connection_times` counts as expired; else its recorded age decides.
    fn is_expired(&self, conn: &T) -> bool {
        let key = conn.key();
        let created = self
            .connection_times
            .lock()
            .iter()
            .find(|(c, _)| c.key() == key)
            .map(|(_, at)| *at);
        match created {
            None => true,
            Some(at) => self.clock.now().saturating_sub(at) > self.max_age,
        }
    }

    /// `_close_connection`: `await conn.close()`, drop its time, and
    /// `_active_connections -= 1` (l.368) — never `_created_connections`
    /// (R4.2).
    fn close_connection(&self, conn: &T) {
        conn.close();
        thread::yield_now();
        let key = conn.key();
        self.connection_times.lock().retain(|(c, _)| c.key() != key);
        self.active_connections.fetch_sub(1, Ordering::SeqCst);
    }

    /// `close_all` (R4.4): under `_lock` (which nothing else takes), drain
    /// and close the idle connections, then close every connection still in
    /// `_connection_times` — the checked-out ones.
    pub fn close_all(&self) {
        let _lock = self.lock.lock();
        loop {
            let idle = self.pool.lock().pop_front();
            let Some(conn) = idle else { break };
            self.space.notify_one();
            self.close_connection(&conn);
        }
        let all: Vec<T> = self
            .connection_times
            .lock()
            .iter()
            .map(|(c, _)| c.clone())
            .collect();
        for conn in all {
            self.close_connection(&conn);
        }
    }

    /// `_created_connections`: what the bound is checked against.
    pub fn created(&self) -> usize {
        self.created_connections.load(Ordering::SeqCst)
    }

    /// `_active_connections` (and `stats['current_active']` after a close).
    pub fn active(&self) -> i64 {
        self.active_connections.load(Ordering::SeqCst)
    }

    /// Entries in `_connection_times`.
    pub fn tracked(&self) -> usize {
        self.connection_times.lock().len()
    }
}

/// `GraphConnectionPool` (§10a): `_connections` and `_available_connections`
/// under one `threading.Lock` for pop, append and close.
#[derive(Debug)]
pub struct GraphConnectionPool<T> {
    lists: Mutex<GraphLists<T>>,
}

#[derive(Debug)]
struct GraphLists<T> {
    /// `_connections`: every connection, opened up front.
    connections: Vec<T>,
    /// `_available_connections`: the free list.
    available: Vec<T>,
}

impl<T: PyConnection> GraphConnectionPool<T> {
    /// `__init__`: `pool_size` connections opened up front, all free.
    pub fn new(connections: Vec<T>) -> Self {
        Self {
            lists: Mutex::new(GraphLists {
                available: connections.clone(),
                connections,
            }),
        }
    }

    /// `get_connection(timeout)`: poll the free list *without* the lock
    /// (`time.sleep(0.1)` between polls, l.92–93; here `polls` yields stand
    /// for the timeout), then pop under the lock after re-checking (l.95–99).
    pub fn acquire(&self, polls: usize) -> Option<T> {
        for poll in 0..=polls {
            let free = !self.lists.lock().available.is_empty();
            if free && let Some(conn) = self.lists.lock().available.pop() {
                return Some(conn);
            }
            if poll < polls {
                thread::yield_now();
            }
        }
        None
    }

    /// `return_connection` (l.105–108): appended back under the lock, closed
    /// or not.
    pub fn release(&self, conn: T) {
        self.lists.lock().available.push(conn);
    }

    /// `close_all` (l.110–121): close every connection and clear both lists,
    /// checked-out ones included.
    pub fn close_all(&self) {
        let mut lists = self.lists.lock();
        for conn in &lists.connections {
            conn.close();
        }
        lists.connections.clear();
        lists.available.clear();
    }
}
