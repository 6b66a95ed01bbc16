//! Connection pool: concurrent checkouts, returns, discards, expiry and close
//! keep the pool within `max_size` with balanced counters, and close nothing
//! under its holder; the original `GenericConnectionPool` breaks each of
//! those (R4.1–R4.5) and its `GraphConnectionPool` hands out a connection
//! closed by `close_all` (§10a).
//!
//! A connection here is a [`Conn`] that counts itself in a [`Gauge`] from the
//! moment the factory makes it until it is dropped (closed), so "alive" is
//! what really exists, not what the pool believes. The originals' connections
//! are shared Python references, so the zoo's are [`ZooConn`]s: clones of
//! one `Arc`, alive in the same gauge from the factory to their first
//! `close()`, which counts every close.

use std::convert::Infallible;

use super::super::SCALE;
use super::super::bug_zoo::pool::{GenericConnectionPool, GraphConnectionPool, PyConnection};
use super::super::clock::{Clock, ManualClock, Millis};
use super::super::pool::{
    ConnectionPool, PoolConfig, PoolError, PooledConnection, ScopedConnection,
};
use super::super::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use super::super::sync::{Arc, Mutex, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure, violated};

const WITHIN_MAX_CONNECTIONS: &str = "within-max-connections";
const COUNTERS_BALANCE: &str = "counters-balance";
const NEVER_HANDS_OUT_EXPIRED: &str = "never-hands-out-expired";
const NO_HANDOUT_AFTER_CLOSE: &str = "no-handout-after-close";
const NO_CLOSE_WHILE_CHECKED_OUT: &str = "no-close-while-checked-out";
/// What a checker reports when every thread is blocked: a return that waits
/// for space forever shows up as this.
const DEADLOCK_FREE: &str = "deadlock-free";

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
            operations: "workers acquire (blocking), use and return while main closes the pool \
                         and then tries to acquire",
            invariants: &[
                NO_HANDOUT_AFTER_CLOSE,
                NO_CLOSE_WHILE_CHECKED_OUT,
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
        CheckCase {
            id: "zoo.R4.2",
            component: Component::ConnectionPool,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.2",
                breaks: COUNTERS_BALANCE,
            }),
            operations: "workers get, let the connection expire and return it (closed: \
                         _active_connections -= 1, _created_connections untouched)",
            invariants: &[COUNTERS_BALANCE],
            checkers: &Checker::ALL,
            body: zoo_counters_never_balance,
        },
        CheckCase {
            id: "zoo.R4.3",
            component: Component::ConnectionPool,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.3",
                breaks: DEADLOCK_FREE,
            }),
            operations: "more workers than connections get (over-creating as in R4.1) and \
                         return (await Queue.put on the bounded queue)",
            invariants: &[DEADLOCK_FREE],
            // Not loom: the bug shows only as a deadlock (a return waiting for
            // space forever), and loom aborts the whole process when it unwinds
            // through a deadlock in some models; both shuttle schedulers
            // report it as a panic.
            checkers: &[Checker::ShuttleRandom, Checker::ShuttlePct],
            body: zoo_return_blocks,
        },
        CheckCase {
            id: "zoo.R4.4",
            component: Component::ConnectionPool,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.4",
                breaks: NO_CLOSE_WHILE_CHECKED_OUT,
            }),
            operations: "workers get, use and return connections while main runs close_all \
                         (under a lock get and return never take)",
            invariants: &[NO_CLOSE_WHILE_CHECKED_OUT],
            checkers: &Checker::ALL,
            body: zoo_close_all_while_checked_out,
        },
        CheckCase {
            id: "zoo.R4.5",
            component: Component::ConnectionPool,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.5",
                breaks: NEVER_HANDS_OUT_EXPIRED,
            }),
            operations: "main gets a connection; after max_age workers each get a new one (the \
                         factory returns None: one _connection_times key); main returns the old \
                         one and gets again",
            invariants: &[NEVER_HANDS_OUT_EXPIRED],
            checkers: &Checker::ALL,
            body: zoo_one_key_for_all,
        },
        CheckCase {
            id: "zoo.10a.closed-handout",
            component: Component::ConnectionPool,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "10a.closed-handout",
                breaks: NO_HANDOUT_AFTER_CLOSE,
            }),
            operations: "GraphConnectionPool: workers acquire (polling the free list) and \
                         release while main runs close_all",
            invariants: &[NO_HANDOUT_AFTER_CLOSE],
            checkers: &Checker::ALL,
            body: zoo_graph_closed_handout,
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
            let (pool, closed, gauge) = (pool.clone(), Arc::clone(&closed), Arc::clone(&gauge));
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
                        Ok(conn) => {
                            // Ownership: the pool keeps no reference to a
                            // checked-out connection, so close() cannot reach
                            // this one; it is still alive while used.
                            if gauge.live.load(Ordering::SeqCst) == 0 {
                                return Err((
                                    NO_CLOSE_WHILE_CHECKED_OUT,
                                    format!("holding connection born at {}, none alive", conn.born),
                                ));
                            }
                            drop(conn);
                        }
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
    ensure(
        stats.closed == stats.created,
        NO_CLOSE_WHILE_CHECKED_OUT,
        || format!("each connection must be closed exactly once: {stats:?}"),
    );
    check_quiescent(&pool, &gauge);
}

/// A connection of the original pools: one object behind shared references.
struct PyConn {
    id: usize,
    /// `hash(conn)`: `id`, or 0 for all when the factory returns `None`.
    key: u64,
    /// Clock time when the factory made it.
    born: Millis,
    closes: AtomicUsize,
    gauge: Arc<Gauge>,
}

/// A reference to a [`PyConn`]; clones are the same connection.
#[derive(Clone)]
struct ZooConn(Arc<PyConn>);

impl ZooConn {
    fn closes(&self) -> usize {
        self.0.closes.load(Ordering::SeqCst)
    }
}

impl PyConnection for ZooConn {
    fn key(&self) -> u64 {
        self.0.key
    }

    /// Counts the close; the first one ends the connection's life.
    fn close(&self) {
        if self.0.closes.fetch_add(1, Ordering::SeqCst) == 0 {
            self.0.gauge.live.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Opens the zoo's connections: numbered, alive in the gauge until closed,
/// every one remembered for the final count of closes.
struct Opener {
    gauge: Arc<Gauge>,
    clock: Arc<ManualClock>,
    /// The factory returns `None`: every connection hashes alike (R4.5).
    none_keys: bool,
    opened: Mutex<Vec<ZooConn>>,
}

impl Opener {
    fn new(clock: &Arc<ManualClock>, none_keys: bool) -> Arc<Self> {
        Arc::new(Self {
            gauge: Arc::new(Gauge::default()),
            clock: Arc::clone(clock),
            none_keys,
            opened: Mutex::new(Vec::new()),
        })
    }

    fn open(&self) -> ZooConn {
        let live = self.gauge.live.fetch_add(1, Ordering::SeqCst) + 1;
        self.gauge.peak.fetch_max(live, Ordering::SeqCst);
        let mut opened = self.opened.lock();
        let id = opened.len();
        let conn = ZooConn(Arc::new(PyConn {
            id,
            key: if self.none_keys { 0 } else { id as u64 + 1 },
            born: self.clock.now(),
            closes: AtomicUsize::new(0),
            gauge: Arc::clone(&self.gauge),
        }));
        opened.push(conn.clone());
        conn
    }

    fn live(&self) -> usize {
        self.gauge.live.load(Ordering::SeqCst)
    }
}

type ZooFactory = Box<dyn Fn() -> ZooConn + Send + Sync>;
type ZooPool = GenericConnectionPool<ZooConn, ZooFactory, Arc<ManualClock>>;

/// `max_age` long enough that nothing expires.
const NEVER: Millis = Millis::MAX / 2;

fn zoo_pool(
    max: usize,
    max_age: Millis,
    none_keys: bool,
) -> (Arc<ZooPool>, Arc<Opener>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(0));
    let opener = Opener::new(&clock, none_keys);
    let factory: ZooFactory = {
        let opener = Arc::clone(&opener);
        Box::new(move || opener.open())
    };
    let pool = Arc::new(GenericConnectionPool::new(
        max,
        max_age,
        Arc::clone(&clock),
        factory,
    ));
    (pool, opener, clock)
}

/// R4.1: workers (one more than `max_size`) get connections and keep them.
fn zoo_over_create() {
    let max = max_size();
    let (pool, opener, _clock) = zoo_pool(max, NEVER, false);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let pool = Arc::clone(&pool);
            thread::spawn(move || -> Vec<ZooConn> {
                (0..SCALE.ops_per_thread)
                    .filter_map(|_| pool.get())
                    .collect()
            })
        })
        .collect();
    let held: Vec<ZooConn> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    let peak = opener.gauge.peak.load(Ordering::SeqCst);
    ensure(peak <= max, WITHIN_MAX_CONNECTIONS, || {
        format!(
            "{peak} connections alive at once with max_size {max} (counter says {})",
            pool.created()
        )
    });
    drop(held);
}

/// R4.2: every worker's connection expires before it comes back, so every
/// return closes one. Nothing is checked out at the end; the counters must
/// still describe what is alive.
fn zoo_counters_never_balance() {
    let (pool, opener, clock) = zoo_pool(max_size(), AGE, false);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (pool, clock) = (Arc::clone(&pool), Arc::clone(&clock));
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    if let Some(conn) = pool.get() {
                        clock.advance(AGE + 1);
                        pool.return_connection(conn);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let (live, created, active) = (opener.live(), pool.created(), pool.active());
    ensure(created == live && active >= 0, COUNTERS_BALANCE, || {
        let starved = if pool.get().is_none() {
            "; get() now fails with nothing alive (the pool starves)"
        } else {
            ""
        };
        format!(
            "nothing checked out and {live} connections alive, yet _created_connections \
                 is {created} and _active_connections {active}{starved}"
        )
    });
}

/// R4.3: workers get (the surplus of R4.1 appears) and return; once more
/// connections exist than the queue holds, the last return waits for space
/// that nobody frees.
fn zoo_return_blocks() {
    let (pool, _opener, _clock) = zoo_pool(max_size(), NEVER, false);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let pool = Arc::clone(&pool);
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    if let Some(conn) = pool.get() {
                        pool.return_connection(conn);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

/// R4.4: workers get, use (the connection must not be closed) and return,
/// while main runs `close_all`. The pool has room for every get, so no
/// surplus and no blocked return (R4.1, R4.3) get in the way.
fn zoo_close_all_while_checked_out() {
    let room = SCALE.threads * SCALE.ops_per_thread;
    let (pool, opener, _clock) = zoo_pool(room, NEVER, false);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let pool = Arc::clone(&pool);
            thread::spawn(move || -> Found {
                for _ in 0..SCALE.ops_per_thread {
                    let Some(conn) = pool.get() else { continue };
                    if conn.closes() > 0 {
                        return Err((
                            NO_CLOSE_WHILE_CHECKED_OUT,
                            format!(
                                "connection {} was closed by close_all while checked out, then \
                                 used by its holder",
                                conn.0.id
                            ),
                        ));
                    }
                    pool.return_connection(conn);
                }
                Ok(())
            })
        })
        .collect();
    pool.close_all();
    report(workers);
    let opened = opener.opened.lock().clone();
    if let Some(twice) = opened.iter().find(|c| c.closes() > 1) {
        violated(
            NO_CLOSE_WHILE_CHECKED_OUT,
            format!(
                "connection {} closed {} times: by close_all while checked out, again when \
                 returned (no longer in _connection_times, so 'expired')",
                twice.0.id,
                twice.closes()
            ),
        );
    }
}

/// R4.5: connection 0 is made at time 0; after `max_age` workers each make
/// one more, and every creation overwrites the one `None` key's time. Main
/// returns connection 0 (judged by the newest time: kept) and gets again a
/// moment later: connection 0, older than `max_age`.
fn zoo_one_key_for_all() {
    let (pool, _opener, clock) = zoo_pool(SCALE.threads + 1, AGE, true);
    let first = pool.get();
    clock.advance(AGE);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.get())
        })
        .collect();
    let held: Vec<Option<ZooConn>> = workers
        .into_iter()
        .map(|w| w.join().unwrap_or_default())
        .collect();
    if let Some(first) = first {
        pool.return_connection(first);
    }
    clock.advance(1);
    let now = clock.now();
    if let Some(conn) = pool.get() {
        ensure(conn.0.born + AGE > now, NEVER_HANDS_OUT_EXPIRED, || {
            format!(
                "handed out connection {} born at {} at time {now} (max_age {AGE}): its age was \
                 read from the one key every connection shares",
                conn.0.id, conn.0.born
            )
        });
    }
    drop(held);
}

/// Polls of `GraphConnectionPool.acquire` before it times out.
const POLLS: usize = 2;

/// §10a: workers acquire and release; main runs `close_all` and then marks
/// the pool closed. An acquire that starts after that must get nothing.
fn zoo_graph_closed_handout() {
    let clock = Arc::new(ManualClock::new(0));
    let opener = Opener::new(&clock, false);
    let pool = Arc::new(GraphConnectionPool::new(
        (0..max_size()).map(|_| opener.open()).collect(),
    ));
    let closed = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (pool, closed) = (Arc::clone(&pool), Arc::clone(&closed));
            thread::spawn(move || -> Found {
                for _ in 0..SCALE.ops_per_thread {
                    let after_close = closed.load(Ordering::SeqCst);
                    let Some(conn) = pool.acquire(POLLS) else {
                        continue;
                    };
                    if after_close {
                        return Err((
                            NO_HANDOUT_AFTER_CLOSE,
                            format!(
                                "an acquire started after close_all handed out connection {} \
                                 (closed {} times)",
                                conn.0.id,
                                conn.closes()
                            ),
                        ));
                    }
                    pool.release(conn);
                }
                Ok(())
            })
        })
        .collect();
    pool.close_all();
    closed.store(true, Ordering::SeqCst);
    report(workers);
}
