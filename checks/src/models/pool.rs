//! Connection pool: concurrent checkouts, returns, discards, expiry and close
//! keep the pool within `max_size` with balanced counters; the original
//! `GenericConnectionPool`'s check-then-create (R4.1) does not.
//!
//! A connection here is a [`Conn`] that counts itself in a [`Gauge`] from the
//! moment the factory makes it until it is dropped (closed), so "alive" is
//! what really exists, not what the pool believes.

use std::convert::Infallible;

use super::super::SCALE;
use super::super::bug_zoo::pool::GenericConnectionPool;
use super::super::clock::{Clock, ManualClock, Millis};
use super::super::pool::{
    ConnectionPool, PoolConfig, PoolError, PooledConnection, ScopedConnection,
};
use super::super::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure, violated};

const WITHIN_MAX_CONNECTIONS: &str = "within-max-connections";
const COUNTERS_BALANCE: &str = "counters-balance";
const NEVER_HANDS_OUT_EXPIRED: &str = "never-hands-out-expired";
const NO_HANDOUT_AFTER_CLOSE: &str = "no-handout-after-close";

/// `max_age` of the expiry case; the clock moves by whole ages.
const AGE: Millis = 10;

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "pool.churn",
            component: Component::ConnectionPool,
            subject: Subject::Fixed,
            operations: "more workers than connections acquire (blocking or try), check a \
                         snapshot while holding one, and return it",
            invariants: &[WITHIN_MAX_CONNECTIONS, COUNTERS_BALANCE],
            checkers: &Checker::ALL,
            body: churn,
        },
        CheckCase {
            id: "pool.expiry_and_discard",
            component: Component::ConnectionPool,
            subject: Subject::Fixed,
            operations: "workers acquire, then return or discard; one advances the clock by \
                         max_age after each use, expiring idle connections",
            invariants: &[
                NEVER_HANDS_OUT_EXPIRED,
                WITHIN_MAX_CONNECTIONS,
                COUNTERS_BALANCE,
            ],
            checkers: &Checker::ALL,
            body: expiry_and_discard,
        },
        CheckCase {
            id: "pool.close_while_checked_out",
            component: Component::ConnectionPool,
            subject: Subject::Fixed,
            operations: "workers acquire (blocking) and return while main closes the pool and \
                         then tries to acquire",
            invariants: &[
                NO_HANDOUT_AFTER_CLOSE,
                WITHIN_MAX_CONNECTIONS,
                COUNTERS_BALANCE,
            ],
            checkers: &Checker::ALL,
            body: close_while_checked_out,
        },
        CheckCase {
            id: "zoo.R4.1",
            component: Component::ConnectionPool,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.1",
                breaks: WITHIN_MAX_CONNECTIONS,
            }),
            operations: "more workers than connections get (the wait times out at once: check \
                         created < max, await, create, count) and hold what they got",
            invariants: &[WITHIN_MAX_CONNECTIONS],
            checkers: &Checker::ALL,
            body: zoo_over_create,
        },
    ]
}

/// Connections alive, and the most ever alive at once.
#[derive(Default)]
struct Gauge {
    live: AtomicUsize,
    peak: AtomicUsize,
}

/// A connection: alive from the factory until dropped.
struct Conn {
    /// Clock time when the factory made it.
    born: Millis,
    gauge: Arc<Gauge>,
}

fn open_conn(gauge: &Arc<Gauge>, born: Millis) -> Conn {
    let live = gauge.live.fetch_add(1, Ordering::SeqCst) + 1;
    gauge.peak.fetch_max(live, Ordering::SeqCst);
    Conn {
        born,
        gauge: Arc::clone(gauge),
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.gauge.live.fetch_sub(1, Ordering::SeqCst);
    }
}

type Pool = ConnectionPool<Conn, Infallible, Arc<ManualClock>>;
type Guard = PooledConnection<Conn, Infallible, Arc<ManualClock>>;
type ScopedGuard<'a> = ScopedConnection<'a, Conn, Infallible, Arc<ManualClock>>;

fn setup(max_size: usize, max_age: Option<Millis>) -> (Pool, Arc<Gauge>, Arc<ManualClock>) {
    let gauge = Arc::new(Gauge::default());
    let clock = Arc::new(ManualClock::new(0));
    let factory = {
        let (gauge, clock) = (Arc::clone(&gauge), Arc::clone(&clock));
        move || Ok(open_conn(&gauge, clock.now()))
    };
    let config = PoolConfig { max_size, max_age };
    let pool = ConnectionPool::new(config, Arc::clone(&clock), factory).expect("max_size ≥ 1");
    (pool, gauge, clock)
}

/// Pool size for "more workers than connections": half as many (1 under
/// loom's 2 workers, 2 under shuttle's 4), so even PCT's few preemptions
/// bring more workers than slots into one window.
fn max_size() -> usize {
    (SCALE.threads / 2).max(1)
}

/// A violation found on a worker thread, reported by main after the join.
type Found = Result<(), (&'static str, String)>;

fn report(workers: Vec<thread::JoinHandle<Found>>) {
    for worker in workers {
        if let Ok(Err((invariant, detail))) = worker.join() {
            violated(invariant, detail);
        }
    }
}

fn check_snapshot(pool: &Pool) -> Found {
    let stats = pool.stats();
    if !stats.balanced() {
        return Err((COUNTERS_BALANCE, format!("unbalanced snapshot {stats:?}")));
    }
    if stats.slots() > stats.max_size {
        return Err((
            WITHIN_MAX_CONNECTIONS,
            format!("slots over max in {stats:?}"),
        ));
    }
    Ok(())
}

/// Nothing checked out: at most `max` were ever alive, the pool's counters
/// balance, and the connections alive are exactly the idle ones.
fn check_quiescent(pool: &Pool, gauge: &Gauge) {
    let peak = gauge.peak.load(Ordering::SeqCst);
    let max = pool.stats().max_size;
    ensure(peak <= max, WITHIN_MAX_CONNECTIONS, || {
        format!("{peak} connections alive at once with max_size {max}")
    });
    let stats = pool.stats();
    let live = gauge.live.load(Ordering::SeqCst);
    ensure(
        stats.balanced()
            && stats.checked_out == 0
            && stats.opening == 0
            && stats.closing == 0
            && live == stats.idle,
        COUNTERS_BALANCE,
        || format!("nothing checked out, {live} connections alive, pool says {stats:?}"),
    );
}

fn acquire(pool: &Pool, blocking: bool) -> Result<Option<Guard>, (&'static str, String)> {
    let result = if blocking {
        pool.acquire()
    } else {
        pool.try_acquire()
    };
    match result {
        Ok(conn) => Ok(Some(conn)),
        Err(PoolError::Exhausted { .. }) if !blocking => Ok(None),
        Err(error) => Err(("no-panic", format!("acquire failed: {error}"))),
    }
}

/// [`acquire`] through the borrowing guard (no `Arc` clone).
fn acquire_scoped(
    pool: &Pool,
    blocking: bool,
) -> Result<Option<ScopedGuard<'_>>, (&'static str, String)> {
    let result = if blocking {
        pool.acquire_scoped()
    } else {
        pool.try_acquire_scoped()
    };
    match result {
        Ok(conn) => Ok(Some(conn)),
        Err(PoolError::Exhausted { .. }) if !blocking => Ok(None),
        Err(error) => Err(("no-panic", format!("acquire failed: {error}"))),
    }
}

/// Workers (one more than the pool has connections) take connections; the
/// first operation of each blocks, so under loom two workers contend for one
/// connection through the condition variable; later ones alternate
/// try/blocking. Odd workers hold the borrowing guard ([`ScopedConnection`]),
/// even ones the owned one, so the two kinds of lease race each other.
fn churn() {
    let (pool, gauge, _clock) = setup(max_size(), None);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|worker| {
            let pool = pool.clone();
            thread::spawn(move || -> Found {
                for op in 0..SCALE.ops_per_thread {
                    let blocking = op % 2 == 0;
                    if worker % 2 == 1 {
                        if let Some(conn) = acquire_scoped(&pool, blocking)? {
                            check_snapshot(&pool)?;
                            drop(conn);
                        }
                    } else if let Some(conn) = acquire(&pool, blocking)? {
                        check_snapshot(&pool)?;
                        drop(conn);
                    }
                }
                Ok(())
            })
        })
        .collect();
    report(workers);
    check_quiescent(&pool, &gauge);
}

/// Each worker reads the clock, acquires, checks the connection is younger
/// than `max_age` at that time, then returns or discards it; worker 0 then
/// moves the clock by `max_age`, so connections left idle expire.
fn expiry_and_discard() {
    let (pool, gauge, clock) = setup(max_size(), Some(AGE));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|worker| {
            let (pool, clock) = (pool.clone(), Arc::clone(&clock));
            thread::spawn(move || -> Found {
                for op in 0..SCALE.ops_per_thread {
                    let before = clock.now();
                    let Some(conn) = acquire(&pool, true)? else {
                        continue;
                    };
                    if conn.born + AGE <= before {
                        return Err((
                            NEVER_HANDS_OUT_EXPIRED,
                            format!(
                                "handed out a connection born at {} at time ≥ {before} \
                                 (max_age {AGE})",
                                conn.born
                            ),
                        ));
                    }
                    if (worker + op) % 2 == 1 {
                        conn.discard();
                    } else {
                        drop(conn);
                    }
                    if worker == 0 {
                        clock.advance(AGE);
                    }
                }
                Ok(())
            })
        })
        .collect();
    report(workers);
    check_quiescent(&pool, &gauge);
}

/// Workers acquire (blocking) and return; main closes the pool meanwhile. An
/// acquire that starts after `close` returned must fail, a blocked one must
/// wake with `Closed`, and once everything is returned no connection is alive.
fn close_while_checked_out() {
    let (pool, gauge, _clock) = setup(max_size(), None);
    let closed = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (pool, closed) = (pool.clone(), Arc::clone(&closed));
            thread::spawn(move || -> Found {
                for _ in 0..SCALE.ops_per_thread {
                    let after_close = closed.load(Ordering::SeqCst);
                    match pool.acquire() {
                        Ok(_) if after_close => {
                            return Err((
                                NO_HANDOUT_AFTER_CLOSE,
                                "an acquire started after close() handed out a connection"
                                    .to_string(),
                            ));
                        }
                        Ok(conn) => drop(conn),
                        Err(PoolError::Closed) => {}
                        Err(error) => return Err(("no-panic", format!("acquire: {error}"))),
                    }
                }
                Ok(())
            })
        })
        .collect();
    pool.close();
    closed.store(true, Ordering::SeqCst);
    let late = pool.try_acquire();
    ensure(
        matches!(late, Err(PoolError::Closed)),
        NO_HANDOUT_AFTER_CLOSE,
        || "try_acquire after close() did not fail with Closed".to_string(),
    );
    drop(late);
    report(workers);
    let (stats, live) = (pool.stats(), gauge.live.load(Ordering::SeqCst));
    ensure(
        live == 0 && stats.idle == 0 && stats.slots() == 0,
        NO_HANDOUT_AFTER_CLOSE,
        || format!("closed and all returned, yet {live} connections alive: {stats:?}"),
    );
    check_quiescent(&pool, &gauge);
}

/// R4.1: workers (one more than `max_size`) get connections and keep them.
fn zoo_over_create() {
    let max = max_size();
    let gauge = Arc::new(Gauge::default());
    let pool = {
        let gauge = Arc::clone(&gauge);
        Arc::new(GenericConnectionPool::new(max, move || {
            open_conn(&gauge, 0)
        }))
    };
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let pool = Arc::clone(&pool);
            thread::spawn(move || -> Vec<Conn> {
                (0..SCALE.ops_per_thread)
                    .filter_map(|_| pool.get())
                    .collect()
            })
        })
        .collect();
    let held: Vec<Conn> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    let peak = gauge.peak.load(Ordering::SeqCst);
    ensure(peak <= max, WITHIN_MAX_CONNECTIONS, || {
        format!(
            "{peak} connections alive at once with max_size {max} (counter says {})",
            pool.created()
        )
    });
    drop(held);
}
