//! Bounded connection pool: hands out idle connections, opens new ones with a
//! factory up to `max_size`, and takes them back without ever blocking.
//!
//! The original `GenericConnectionPool` (catalog §4a) checks `created < max`
//! and only counts the new connection after awaiting the factory, so waiters
//! that time out together all create one (R4.1); its counters never balance
//! (R4.2); its return path awaits a bounded queue's `put`, which blocks instead
//! of closing the surplus (R4.3); its `close_all` closes connections that are
//! checked out, and closes them again when they come back (R4.4); it keeps
//! each connection's age in a side table keyed by the connection object,
//! which the default factory's `None` collapses to one entry (R4.5).
//! `GraphConnectionPool` (§10a) takes connections back into the free list
//! after `close_all`, handing closed connections out again. Here a
//! connection's creation time travels with it ([`Pooled`]), so no table can
//! confuse two connections; the pool holds no reference to a checked-out
//! connection, so [`ConnectionPool::close`] cannot close one under its holder
//! and closes it (once) when it is returned, never putting it back where an
//! acquire could find it. One lock guards every count, and a connection's
//! *slot* is held from the moment the factory is about to run until the
//! connection has been dropped: the slot is reserved (`opening`) before the
//! factory is called outside the lock, and a connection being closed keeps
//! its slot (`closing`) until its `Drop` has run, also outside the lock. So the pool never has more
//! than `max_size` connections alive, not even for an instant, and no slow
//! factory or close runs under the lock.
//!
//! A blocking [`ConnectionPool::acquire`] waits on a condition variable for a
//! returned connection or a freed slot; [`ConnectionPool::try_acquire`] reports
//! [`PoolError::Exhausted`] instead. (Deadlines are the caller's: the facade has
//! no timed wait, and checked code never sleeps.)
//!
//! # Invariants (asserted by the model checks)
//! - **within-max-connections**: connections alive (returned by the factory and
//!   not yet dropped) never exceed `max_size`.
//! - **counters-balance**: in every snapshot, `created − closed = idle +
//!   checked_out`; `checked_out` counts exactly the live [`PooledConnection`]s.
//! - **return-never-blocks**: giving a connection back takes the lock and never
//!   waits: it is kept idle, or closed if it has expired or the pool is closed.
//!   (A blocking return can only show up as a deadlock, which the checkers
//!   report as `deadlock-free`.)
//! - **never-hands-out-expired**: a connection whose age has reached `max_age`
//!   is closed, never handed out.
//! - **no-handout-after-close**: once [`ConnectionPool::close`] has returned,
//!   every acquire fails with [`PoolError::Closed`], and each connection still
//!   checked out is closed when returned.
//! - **no-close-while-checked-out**: a connection is closed only while the
//!   pool owns it (idle, expired, surplus, or returned after close), and
//!   exactly once: the holder of a [`PooledConnection`] owns its connection
//!   until it gives it back.

use std::borrow::Borrow;
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use super::clock::{Clock, Millis};
use super::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Size and age limits of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// Most connections alive at once (idle, checked out, opening or closing).
    pub max_size: usize,
    /// Connections at least this old are closed instead of handed out.
    pub max_age: Option<Millis>,
}

/// A configuration the pool cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolConfigError {
    #[error("PoolConfig::max_size is 0: a pool must allow at least one connection")]
    ZeroSize,
}

/// Why no connection was handed out.
#[derive(Debug, thiserror::Error)]
pub enum PoolError<E> {
    #[error("the pool is closed")]
    Closed,
    #[error("all {max_size} connections are in use")]
    Exhausted { max_size: usize },
    #[error("opening a connection failed: {0}")]
    Open(E),
}

/// A connection with the time its opening began.
#[derive(Debug)]
pub struct Pooled<T> {
    conn: T,
    created_at: Millis,
}

impl<T> Pooled<T> {
    pub fn conn(&self) -> &T {
        &self.conn
    }

    pub fn created_at(&self) -> Millis {
        self.created_at
    }

    pub fn into_inner(self) -> T {
        self.conn
    }
}

/// What [`PoolCore::grant`] decided.
#[derive(Debug)]
pub enum Grant<T> {
    /// A fresh idle connection, now checked out.
    Reuse(Pooled<T>),
    /// A slot is reserved: open a connection, then call [`PoolCore::opened`]
    /// or [`PoolCore::open_failed`].
    Open,
    /// Every slot is taken.
    Full,
}

/// A consistent snapshot of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub max_size: usize,
    pub idle: usize,
    pub checked_out: usize,
    /// Slots reserved for a factory call in progress.
    pub opening: usize,
    /// Slots of connections being dropped.
    pub closing: usize,
    pub created: u64,
    pub closed: u64,
    /// Threads blocked in [`ConnectionPool::acquire`].
    pub waiting: usize,
}

impl PoolStats {
    /// Slots in use: never more than `max_size`.
    pub fn slots(&self) -> usize {
        self.idle + self.checked_out + self.opening + self.closing
    }

    /// `created − closed = idle + checked_out`.
    pub fn balanced(&self) -> bool {
        self.created.checked_sub(self.closed) == Some((self.idle + self.checked_out) as u64)
    }
}

/// The pool's bookkeeping, unsynchronised: one owner, `&mut self`, time passed
/// in. Connections leave it to be closed (dropped) by the caller, who then
/// reports [`PoolCore::finish_close`]; that two-step is what lets the shared
/// pool drop them outside its lock without giving their slots away early.
#[derive(Debug)]
pub struct PoolCore<T> {
    config: PoolConfig,
    /// Most recently returned last (reused first).
    idle: VecDeque<Pooled<T>>,
    checked_out: usize,
    opening: usize,
    closing: usize,
    created: u64,
    closed: u64,
    shut: bool,
    waiting: usize,
}

impl<T> PoolCore<T> {
    pub fn new(config: PoolConfig) -> Result<Self, PoolConfigError> {
        if config.max_size == 0 {
            return Err(PoolConfigError::ZeroSize);
        }
        Ok(Self {
            config,
            idle: VecDeque::new(),
            checked_out: 0,
            opening: 0,
            closing: 0,
            created: 0,
            closed: 0,
            shut: false,
            waiting: 0,
        })
    }

    fn slots(&self) -> usize {
        self.idle.len() + self.checked_out + self.opening + self.closing
    }

    fn expired(&self, pooled: &Pooled<T>, now: Millis) -> bool {
        self.config
            .max_age
            .is_some_and(|age| now >= pooled.created_at.saturating_add(age))
    }

    /// Checks out a fresh idle connection, or reserves a slot to open one, or
    /// reports the pool full. Expired idle connections met on the way go to
    /// `retire`, still holding their slots: drop them, then
    /// [`PoolCore::finish_close`].
    pub fn grant(&mut self, now: Millis, retire: &mut Vec<T>) -> Result<Grant<T>, PoolClosed> {
        if self.shut {
            return Err(PoolClosed);
        }
        while let Some(pooled) = self.idle.pop_back() {
            if self.expired(&pooled, now) {
                self.closed += 1;
                self.closing += 1;
                retire.push(pooled.conn);
            } else {
                self.checked_out += 1;
                return Ok(Grant::Reuse(pooled));
            }
        }
        if self.slots() < self.config.max_size {
            self.opening += 1;
            Ok(Grant::Open)
        } else {
            Ok(Grant::Full)
        }
    }

    /// A reserved slot's connection is open and checked out. `false` if the
    /// pool was closed meanwhile: the caller must close the connection (its
    /// slot is now `closing`) and then call [`PoolCore::finish_close`].
    pub fn opened(&mut self) -> bool {
        self.opening = self.opening.saturating_sub(1);
        self.created += 1;
        if self.shut {
            self.closed += 1;
            self.closing += 1;
            false
        } else {
            self.checked_out += 1;
            true
        }
    }

    /// A reserved slot's factory call failed (or panicked): the slot is free.
    pub fn open_failed(&mut self) {
        self.opening = self.opening.saturating_sub(1);
    }

    /// Takes a checked-out connection back, never waiting: it goes idle, or,
    /// if it has expired or the pool is closed, comes back as `Some` to be
    /// closed by the caller (then [`PoolCore::finish_close`]).
    pub fn release(&mut self, pooled: Pooled<T>, now: Millis) -> Option<T> {
        self.checked_out = self.checked_out.saturating_sub(1);
        if self.shut || self.expired(&pooled, now) {
            self.closed += 1;
            self.closing += 1;
            Some(pooled.conn)
        } else {
            self.idle.push_back(pooled);
            None
        }
    }

    /// A checked-out connection is broken: the caller closes it, then calls
    /// [`PoolCore::finish_close`].
    pub fn discard(&mut self) {
        self.checked_out = self.checked_out.saturating_sub(1);
        self.closed += 1;
        self.closing += 1;
    }

    /// `n` connections handed out for closing have been dropped; their slots
    /// are free.
    pub fn finish_close(&mut self, n: usize) {
        self.closing = self.closing.saturating_sub(n);
    }

    /// Closes the pool: idle connections come back to be closed; later grants
    /// fail and later releases close.
    pub fn shutdown(&mut self) -> Vec<T> {
        self.shut = true;
        let idle: Vec<T> = self.idle.drain(..).map(|p| p.conn).collect();
        self.closed += idle.len() as u64;
        self.closing += idle.len();
        idle
    }

    pub fn is_closed(&self) -> bool {
        self.shut
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            max_size: self.config.max_size,
            idle: self.idle.len(),
            checked_out: self.checked_out,
            opening: self.opening,
            closing: self.closing,
            created: self.created,
            closed: self.closed,
            waiting: self.waiting,
        }
    }

    /// One whole checkout for a single owner: reuse or open (the factory runs
    /// inline); expired connections are dropped on the spot.
    pub fn acquire_with<E>(
        &mut self,
        now: Millis,
        factory: impl FnOnce() -> Result<T, E>,
    ) -> Result<Pooled<T>, PoolError<E>> {
        let grant = loop {
            let mut retire = Vec::new();
            let grant = self.grant(now, &mut retire);
            let retired = retire.len();
            drop(retire);
            self.finish_close(retired);
            // Retiring freed slots a `Full` did not count: ask again.
            if retired == 0 || !matches!(grant, Ok(Grant::Full)) {
                break grant;
            }
        };
        match grant.map_err(|_| PoolError::Closed)? {
            Grant::Reuse(pooled) => Ok(pooled),
            Grant::Full => Err(PoolError::Exhausted {
                max_size: self.config.max_size,
            }),
            Grant::Open => match factory() {
                Ok(conn) => {
                    if self.opened() {
                        Ok(Pooled {
                            conn,
                            created_at: now,
                        })
                    } else {
                        drop(conn);
                        self.finish_close(1);
                        Err(PoolError::Closed)
                    }
                }
                Err(error) => {
                    self.open_failed();
                    Err(PoolError::Open(error))
                }
            },
        }
    }

    /// [`PoolCore::release`] for a single owner: a surplus connection is
    /// dropped on the spot.
    pub fn give_back(&mut self, pooled: Pooled<T>, now: Millis) {
        if let Some(conn) = self.release(pooled, now) {
            drop(conn);
            self.finish_close(1);
        }
    }
}

/// [`PoolCore::grant`] on a closed pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the pool is closed")]
pub struct PoolClosed;

impl<E> From<PoolClosed> for PoolError<E> {
    fn from(_: PoolClosed) -> Self {
        PoolError::Closed
    }
}

type Factory<T, E> = Box<dyn Fn() -> Result<T, E> + Send + Sync>;

/// The shared pool: a handle; clones share one pool.
pub struct ConnectionPool<T, E, C: Clock> {
    shared: Arc<Shared<T, E, C>>,
}

struct Shared<T, E, C> {
    core: Mutex<PoolCore<T>>,
    /// Signalled when a connection goes idle, a slot frees up, or the pool closes.
    available: Condvar,
    factory: Factory<T, E>,
    clock: C,
}

impl<T, E, C: Clock> ConnectionPool<T, E, C> {
    /// A pool that opens connections with `factory`.
    pub fn new(
        config: PoolConfig,
        clock: C,
        factory: impl Fn() -> Result<T, E> + Send + Sync + 'static,
    ) -> Result<Self, PoolConfigError> {
        Ok(Self {
            shared: Arc::new(Shared {
                core: Mutex::new(PoolCore::new(config)?),
                available: Condvar::new(),
                factory: Box::new(factory),
                clock,
            }),
        })
    }

    /// A connection, waiting for one to be returned (or a slot to free up) if
    /// all `max_size` are in use.
    pub fn acquire(&self) -> Result<PooledConnection<T, E, C>, PoolError<E>> {
        self.checkout(true)
            .map(|pooled| self.guard(self.clone(), pooled))
    }

    /// A connection, or [`PoolError::Exhausted`] at once if all are in use.
    pub fn try_acquire(&self) -> Result<PooledConnection<T, E, C>, PoolError<E>> {
        self.checkout(false)
            .map(|pooled| self.guard(self.clone(), pooled))
    }

    /// [`ConnectionPool::acquire`] for a caller that uses the connection
    /// within the pool handle's borrow: the guard borrows the pool instead of
    /// cloning its `Arc` (one atomic increment and one decrement fewer per
    /// checkout). Same checkout, same return path, same invariants.
    pub fn acquire_scoped(&self) -> Result<ScopedConnection<'_, T, E, C>, PoolError<E>> {
        self.checkout(true).map(|pooled| self.guard(self, pooled))
    }

    /// [`ConnectionPool::try_acquire`], borrowing the pool like
    /// [`ConnectionPool::acquire_scoped`].
    pub fn try_acquire_scoped(&self) -> Result<ScopedConnection<'_, T, E, C>, PoolError<E>> {
        self.checkout(false).map(|pooled| self.guard(self, pooled))
    }

    /// Closes the pool: idle connections now, checked-out ones as they come
    /// back; waiting and later acquires fail with [`PoolError::Closed`].
    pub fn close(&self) {
        let (idle, waiting) = {
            let mut core = self.shared.core.lock();
            let idle = core.shutdown();
            (idle, core.waiting > 0)
        };
        if waiting {
            self.shared.available.notify_all();
        }
        self.retire(idle);
    }

    /// A consistent snapshot (taken under the lock).
    pub fn stats(&self) -> PoolStats {
        self.shared.core.lock().stats()
    }

    fn checkout(&self, wait: bool) -> Result<Pooled<T>, PoolError<E>> {
        let mut retire = Vec::new();
        let mut core = self.shared.core.lock();
        loop {
            let now = self.shared.clock.now();
            let grant = core.grant(now, &mut retire);
            match grant {
                Ok(Grant::Full) if !retire.is_empty() => {
                    // Retiring frees slots; do it outside the lock, then retry.
                    drop(core);
                    self.retire(std::mem::take(&mut retire));
                    core = self.shared.core.lock();
                }
                Ok(Grant::Full) if wait => {
                    core.waiting += 1;
                    core = self.shared.available.wait(core);
                    core.waiting -= 1;
                }
                Ok(Grant::Full) => {
                    let max_size = core.config.max_size;
                    return Err(PoolError::Exhausted { max_size });
                }
                Ok(Grant::Reuse(pooled)) => {
                    drop(core);
                    self.retire(retire);
                    return Ok(pooled);
                }
                Ok(Grant::Open) => {
                    drop(core);
                    self.retire(retire);
                    return self.open(now);
                }
                Err(closed) => {
                    drop(core);
                    self.retire(retire);
                    return Err(closed.into());
                }
            }
        }
    }

    /// Runs the factory for a reserved slot, outside the lock. The slot is
    /// given back if the factory fails or panics.
    fn open(&self, now: Millis) -> Result<Pooled<T>, PoolError<E>> {
        let mut reservation = Reservation {
            pool: self,
            armed: true,
        };
        let result = (self.shared.factory)();
        reservation.armed = false;
        match result {
            Ok(conn) => {
                let open = self.shared.core.lock().opened();
                if open {
                    Ok(Pooled {
                        conn,
                        created_at: now,
                    })
                } else {
                    self.retire(vec![conn]);
                    Err(PoolError::Closed)
                }
            }
            Err(error) => {
                self.slot_freed(|core| core.open_failed());
                Err(PoolError::Open(error))
            }
        }
    }

    /// Drops connections whose slots are `closing`, then frees the slots.
    fn retire(&self, conns: Vec<T>) {
        let n = conns.len();
        if n > 0 {
            drop(conns);
            self.slot_freed(|core| core.finish_close(n));
        }
    }

    /// Applies `free` under the lock and wakes a waiter if there is one.
    fn slot_freed(&self, free: impl FnOnce(&mut PoolCore<T>)) {
        let waiting = {
            let mut core = self.shared.core.lock();
            free(&mut core);
            core.waiting > 0
        };
        if waiting {
            self.shared.available.notify_all();
        }
    }

    fn guard<P: Borrow<Self>>(&self, pool: P, pooled: Pooled<T>) -> PooledConnection<T, E, C, P> {
        PooledConnection {
            pool,
            pooled: Some(pooled),
            backend: PhantomData,
        }
    }

    /// Returns a connection: one critical section, no waiting.
    fn give_back(&self, pooled: Pooled<T>) {
        let now = self.shared.clock.now();
        let (surplus, waiting) = {
            let mut core: MutexGuard<'_, PoolCore<T>> = self.shared.core.lock();
            let surplus = core.release(pooled, now);
            (surplus, core.waiting > 0)
        };
        match surplus {
            Some(conn) => self.retire(vec![conn]),
            None if waiting => self.shared.available.notify_one(),
            None => {}
        }
    }

    fn discard(&self, pooled: Pooled<T>) {
        self.shared.core.lock().discard();
        self.retire(vec![pooled.conn]);
    }
}

/// Frees a reserved slot unless disarmed (the factory returned).
struct Reservation<'a, T, E, C: Clock> {
    pool: &'a ConnectionPool<T, E, C>,
    armed: bool,
}

impl<T, E, C: Clock> Drop for Reservation<'_, T, E, C> {
    fn drop(&mut self) {
        if self.armed {
            self.pool.slot_freed(|core| core.open_failed());
        }
    }
}

impl<T, E, C: Clock> Clone for ConnectionPool<T, E, C> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T, E, C: Clock> fmt::Debug for ConnectionPool<T, E, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionPool")
            .field("stats", &self.stats())
            .finish()
    }
}

/// A checked-out connection; dropping it returns it to the pool (which never
/// blocks), [`PooledConnection::discard`] closes it instead.
///
/// `P` is how the guard reaches its pool: an owned handle (the default, from
/// [`ConnectionPool::acquire`]; the guard may outlive the caller's handle and
/// move to another thread) or a borrow ([`ScopedConnection`], from
/// [`ConnectionPool::acquire_scoped`]). Both return the connection the same way.
pub struct PooledConnection<T, E, C: Clock, P = ConnectionPool<T, E, C>>
where
    P: Borrow<ConnectionPool<T, E, C>>,
{
    pool: P,
    /// `Some` for the guard's whole life; taken only by `Drop` and `discard`.
    pooled: Option<Pooled<T>>,
    backend: PhantomData<fn() -> (E, C)>,
}

/// A checked-out connection that borrows its pool (no `Arc` clone).
pub type ScopedConnection<'a, T, E, C> = PooledConnection<T, E, C, &'a ConnectionPool<T, E, C>>;

impl<T, E, C: Clock, P: Borrow<ConnectionPool<T, E, C>>> PooledConnection<T, E, C, P> {
    /// When the connection's opening began.
    pub fn created_at(&self) -> Millis {
        self.pooled.as_ref().map_or(0, |p| p.created_at)
    }

    /// The connection is broken: close it rather than return it.
    pub fn discard(mut self) {
        if let Some(pooled) = self.pooled.take() {
            self.pool.borrow().discard(pooled);
        }
    }
}

impl<T, E, C: Clock, P: Borrow<ConnectionPool<T, E, C>>> Deref for PooledConnection<T, E, C, P> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.pooled {
            Some(pooled) => &pooled.conn,
            None => unreachable!("a PooledConnection holds its connection until dropped"),
        }
    }
}

impl<T, E, C: Clock, P: Borrow<ConnectionPool<T, E, C>>> DerefMut for PooledConnection<T, E, C, P> {
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.pooled {
            Some(pooled) => &mut pooled.conn,
            None => unreachable!("a PooledConnection holds its connection until dropped"),
        }
    }
}

impl<T, E, C: Clock, P: Borrow<ConnectionPool<T, E, C>>> Drop for PooledConnection<T, E, C, P> {
    fn drop(&mut self) {
        if let Some(pooled) = self.pooled.take() {
            self.pool.borrow().give_back(pooled);
        }
    }
}

impl<T, E, C: Clock, P: Borrow<ConnectionPool<T, E, C>>> fmt::Debug
    for PooledConnection<T, E, C, P>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("created_at", &self.created_at())
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::super::clock::ManualClock;
    use super::*;

    fn config(max_size: usize, max_age: Option<Millis>) -> PoolConfig {
        PoolConfig { max_size, max_age }
    }

    fn counting_pool(
        max_size: usize,
        max_age: Option<Millis>,
    ) -> (
        ConnectionPool<u64, Infallible, Arc<ManualClock>>,
        Arc<ManualClock>,
    ) {
        let clock = Arc::new(ManualClock::new(0));
        let next = AtomicU64::new(0);
        let pool = ConnectionPool::new(config(max_size, max_age), Arc::clone(&clock), move || {
            Ok(next.fetch_add(1, Ordering::SeqCst))
        })
        .expect("valid config");
        (pool, clock)
    }

    #[test]
    fn reuses_returned_connections_and_stays_within_max() {
        let (pool, _) = counting_pool(2, None);
        let a = pool.try_acquire().expect("slot");
        let b = pool.try_acquire().expect("slot");
        assert_eq!((*a, *b), (0, 1));
        assert!(matches!(
            pool.try_acquire(),
            Err(PoolError::Exhausted { max_size: 2 })
        ));
        drop(a);
        assert_eq!(*pool.try_acquire().expect("idle one"), 0);
        let stats = pool.stats();
        assert!(stats.balanced(), "{stats:?}");
        assert_eq!((stats.created, stats.checked_out, stats.idle), (2, 1, 1));
    }

    #[test]
    fn expired_connections_are_closed_not_handed_out() {
        let (pool, clock) = counting_pool(1, Some(10));
        drop(pool.acquire().expect("opens"));
        clock.advance(10);
        let fresh = pool.acquire().expect("reopens");
        assert_eq!(*fresh, 1, "connection 0 expired");
        assert_eq!(pool.stats().closed, 1);
        clock.advance(10);
        drop(fresh);
        let stats = pool.stats();
        assert_eq!((stats.idle, stats.closed, stats.closing), (0, 2, 0));
    }

    #[test]
    fn discard_frees_the_slot() {
        let (pool, _) = counting_pool(1, None);
        pool.acquire().expect("opens").discard();
        assert_eq!(*pool.try_acquire().expect("slot freed"), 1);
    }

    #[test]
    fn close_refuses_acquires_and_closes_returns() {
        let (pool, _) = counting_pool(2, None);
        let held = pool.acquire().expect("opens");
        drop(pool.acquire().expect("opens"));
        pool.close();
        assert!(matches!(pool.acquire(), Err(PoolError::Closed)));
        drop(held);
        let stats = pool.stats();
        assert_eq!((stats.idle, stats.created, stats.closed), (0, 2, 2));
        assert_eq!(stats.slots(), 0);
    }

    #[test]
    fn close_leaves_checked_out_connections_to_their_holders() {
        struct Closes(Arc<AtomicU64>);
        impl Drop for Closes {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let closes = Arc::new(AtomicU64::new(0));
        let factory = {
            let closes = Arc::clone(&closes);
            move || Ok::<_, Infallible>(Closes(Arc::clone(&closes)))
        };
        let pool = ConnectionPool::new(config(1, None), ManualClock::new(0), factory)
            .expect("valid config");
        let held = pool.acquire().expect("opens");
        pool.close();
        assert_eq!(closes.load(Ordering::SeqCst), 0, "closed under its holder");
        drop(held);
        assert_eq!(
            closes.load(Ordering::SeqCst),
            1,
            "closed once, when returned"
        );
        assert!(matches!(pool.acquire(), Err(PoolError::Closed)));
        assert_eq!(closes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn blocked_acquire_wakes_on_return() {
        let (pool, _) = counting_pool(1, None);
        let held = pool.acquire().expect("opens");
        let waiter = {
            let pool = pool.clone();
            std::thread::spawn(move || pool.acquire().map(|c| *c).ok())
        };
        while pool.stats().waiting == 0 {
            std::thread::yield_now();
        }
        drop(held);
        assert_eq!(waiter.join().expect("no panic"), Some(0));
    }

    #[test]
    fn failed_factory_gives_the_slot_back() {
        let clock = ManualClock::new(0);
        let pool: ConnectionPool<u8, &str, _> =
            ConnectionPool::new(config(1, None), clock, || Err("refused")).expect("valid");
        assert!(matches!(pool.acquire(), Err(PoolError::Open("refused"))));
        assert_eq!(pool.stats().slots(), 0);
        assert!(PoolCore::<u8>::new(config(0, None)).is_err());
    }

    #[test]
    fn core_checkout_and_give_back() {
        let mut core = PoolCore::new(config(1, Some(5))).expect("valid");
        let a = core
            .acquire_with(0, || Ok::<_, Infallible>('a'))
            .expect("opens");
        assert!(matches!(
            core.acquire_with(0, || Ok::<_, Infallible>('b')),
            Err(PoolError::Exhausted { .. })
        ));
        core.give_back(a, 1);
        let again = core
            .acquire_with(6, || Ok::<_, Infallible>('c'))
            .expect("reopens");
        assert_eq!(*again.conn(), 'c');
        assert!(core.stats().balanced());
    }

    #[test]
    fn scoped_guard_returns_and_discards_like_the_owned_one() {
        let (pool, _clock) = counting_pool(1, None);
        {
            let conn = pool.acquire_scoped().expect("a free slot");
            assert_eq!(*conn, 0);
            assert!(matches!(
                pool.try_acquire_scoped(),
                Err(PoolError::Exhausted { max_size: 1 })
            ));
        }
        let conn = pool.try_acquire_scoped().expect("returned on drop");
        assert_eq!(*conn, 0, "the returned connection is reused");
        conn.discard();
        let stats = pool.stats();
        assert_eq!(
            (stats.idle, stats.checked_out, stats.created, stats.closed),
            (0, 0, 1, 1)
        );
        assert!(stats.balanced());
        assert_eq!(*pool.acquire().expect("slot freed by the discard"), 1);
    }
}
