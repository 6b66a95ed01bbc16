//! One cluster per process, shared by every benchmark input that needs
//! PostgreSQL: started lazily by the first [`load`], one database per
//! (dataset, indexes) on it, and never left running.
//!
//! Invariant: no server started here outlives this process. Two
//! mechanisms, because no destructor runs for a static at exit (and the
//! workspace forbids `unsafe`, so no `atexit`):
//!
//! * the cluster is started on a thread of its own (the keeper), with
//!   [`PgClusterBuilder::die_with_parent`]: the kernel sends the server
//!   SIGQUIT when that thread ends, and the keeper only ends when asked or
//!   when the process ends — normally, by a panic, or killed. This holds
//!   for `cargo test` too, whose tests run on threads that come and go
//!   (the parent-death signal follows the *thread* that spawned the
//!   server, which is why that thread must not be a test's);
//! * a [`guard`] held by a process's main (`twinbench report`, the bench
//!   main), or by each test using the cluster, stops the cluster cleanly
//!   when the last one drops, also while a panic unwinds: `pg_ctl stop`,
//!   the server reaped, its folder removed. Only the parent-death path
//!   leaves the folder in TMPDIR (and, where PID 1 does not reap orphans,
//!   a zombie entry of the dead server).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread::JoinHandle;

use super::cluster::{self, ClusterError, PgCluster};
use super::store::{self, StoreError};
use crate::generate::Dataset;
use crate::schema::Indexes;

/// Why the shared cluster or a database on it is not there. Cloneable: a
/// failed start is remembered and told to every later caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharedError {
    #[error(
        "PostgreSQL not installed: install the Debian package postgresql (apt-get install \
         postgresql), or set {} to a folder holding initdb, postgres and pg_ctl ({detail})",
        cluster::BIN_DIR_ENV
    )]
    NotInstalled { detail: String },
    #[error("the shared PostgreSQL cluster did not start: {detail}")]
    Start { detail: String },
    #[error("the shared PostgreSQL cluster's keeper thread could not be started: {detail}")]
    Keeper { detail: String },
    #[error("could not load the task database into PostgreSQL database {database}: {detail}")]
    Load { database: String, detail: String },
}

impl SharedError {
    fn from_start(e: &ClusterError) -> Self {
        match e {
            ClusterError::BinariesNotFound { .. } => SharedError::NotInstalled {
                detail: e.to_string(),
            },
            _ => SharedError::Start {
                detail: e.to_string(),
            },
        }
    }
}

/// Where the shared cluster listens. Cloned out of the keeper, so callers
/// never hold the cluster itself (only the keeper thread does).
#[derive(Debug)]
pub struct SharedCluster {
    config: postgres::Config,
    conninfo: String,
    /// The postmaster's pid: tells one cluster from the next one started.
    pid: Option<u32>,
    /// Which start this is (a stopped cluster's databases are not dropped
    /// on its successor).
    generation: u64,
    socket_dir: std::path::PathBuf,
    port: u16,
}

impl SharedCluster {
    /// A connection to `dbname` through the `postgres` crate.
    pub fn connect(&self, dbname: &str) -> Result<postgres::Client, ClusterError> {
        let mut config = self.config.clone();
        config
            .dbname(dbname)
            .connect(postgres::NoTls)
            .map_err(|source| ClusterError::Connect {
                socket_dir: self.socket_dir.clone(),
                source,
            })
    }

    /// A libpq conninfo for `dbname` (psycopg's `connect`); libpq takes
    /// the last of a repeated keyword, so `dbname` wins over the default.
    pub fn conninfo(&self, dbname: &str) -> String {
        format!(
            "{} dbname={}",
            self.conninfo,
            cluster::quote_conninfo(dbname)
        )
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

struct Keeper {
    info: Arc<SharedCluster>,
    /// Dropping it ends the keeper thread, which drops the cluster.
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

enum State {
    Idle,
    Running(Keeper),
    Failed(SharedError),
}

static STATE: Mutex<State> = Mutex::new(State::Idle);
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn state() -> MutexGuard<'static, State> {
    // A panic while holding the lock leaves a consistent State (every
    // transition is one assignment).
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The process's cluster, started on first use. A failed start is
/// remembered: later calls get the same error without trying again.
pub fn shared() -> Result<Arc<SharedCluster>, SharedError> {
    let mut state = state();
    match &*state {
        State::Running(keeper) => return Ok(keeper.info.clone()),
        State::Failed(e) => return Err(e.clone()),
        State::Idle => {}
    }
    if let Err(e) = cluster::probe() {
        let e = SharedError::from_start(e);
        *state = State::Failed(e.clone());
        return Err(e);
    }
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let generation = GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spawned = std::thread::Builder::new()
        .name("twinbench-pg-keeper".into())
        .spawn(move || {
            match PgCluster::builder().die_with_parent().start() {
                Ok(cluster) => {
                    let info = SharedCluster {
                        config: cluster.config(),
                        conninfo: cluster.conninfo(),
                        pid: cluster.pid(),
                        generation,
                        socket_dir: cluster.socket_dir().to_path_buf(),
                        port: cluster.port(),
                    };
                    if ready_tx.send(Ok(info)).is_ok() {
                        // Until the sender drops (stop) or the process ends.
                        let _ = stop_rx.recv();
                    }
                    drop(cluster);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(SharedError::from_start(&e)));
                }
            }
        });
    let thread = match spawned {
        Ok(t) => t,
        Err(e) => {
            let e = SharedError::Keeper {
                detail: e.to_string(),
            };
            *state = State::Failed(e.clone());
            return Err(e);
        }
    };
    let started = ready_rx.recv().unwrap_or_else(|_| {
        Err(SharedError::Keeper {
            detail: "the keeper thread ended before the cluster started".into(),
        })
    });
    match started {
        Ok(info) => {
            let info = Arc::new(info);
            *state = State::Running(Keeper {
                info: info.clone(),
                stop: stop_tx,
                thread,
            });
            Ok(info)
        }
        Err(e) => {
            let _ = thread.join();
            *state = State::Failed(e.clone());
            Err(e)
        }
    }
}

/// Stops the shared cluster now, if one runs (waits for it: `pg_ctl stop`,
/// reaped, folder removed). A later [`shared`] starts a new one.
pub fn stop() {
    let keeper = {
        let mut state = state();
        match std::mem::replace(&mut *state, State::Idle) {
            State::Running(keeper) => Some(keeper),
            // A failed start stays remembered: PostgreSQL did not appear.
            failed @ State::Failed(_) => {
                *state = failed;
                None
            }
            State::Idle => None,
        }
    };
    // The lock is released: joining waits for `pg_ctl stop`, and a
    // database dropped meanwhile must not wait on it.
    if let Some(keeper) = keeper {
        drop(keeper.stop);
        if keeper.thread.join().is_err() {
            eprintln!("!! the PostgreSQL keeper thread panicked while stopping its cluster");
        }
    }
}

/// How many [`Guard`]s are alive.
static GUARDS: Mutex<usize> = Mutex::new(0);

/// Keeps the shared cluster's clean stop in hand: when the last live guard
/// drops (also while a panic unwinds), the cluster stops (see the module
/// doc). Hold one in a process's main for as long as PostgreSQL inputs may
/// be used; tests, which run concurrently, each hold one while they use
/// the cluster, so it stops (and is reaped) when the last of them ends
/// rather than dying with the process, where an init that does not reap
/// orphans would keep its zombie.
#[derive(Debug)]
#[must_use = "the cluster stops when the last guard drops"]
pub struct Guard(());

pub fn guard() -> Guard {
    *GUARDS.lock().unwrap_or_else(PoisonError::into_inner) += 1;
    Guard(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut guards = GUARDS.lock().unwrap_or_else(PoisonError::into_inner);
        *guards = guards.saturating_sub(1);
        if *guards == 0 {
            // Under the guards' lock: no new guard can start using the
            // cluster while it stops (a later `shared` starts a new one).
            stop();
        }
    }
}

/// Two databases on the shared cluster holding the same rows: without and
/// with the seed's indexes. Dropped, both are dropped from the cluster
/// (if it still runs; `WITH (FORCE)` closes connections left open).
#[derive(Debug)]
pub struct SharedDatabases {
    pub plain: String,
    pub indexed: String,
    cluster: Arc<SharedCluster>,
}

impl SharedDatabases {
    pub fn cluster(&self) -> &SharedCluster {
        &self.cluster
    }

    /// The database with (`Indexes::On`) or without the indexes.
    pub fn name(&self, indexes: Indexes) -> &str {
        match indexes {
            Indexes::On => &self.indexed,
            Indexes::Off => &self.plain,
        }
    }
}

impl Drop for SharedDatabases {
    fn drop(&mut self) {
        let current = match &*state() {
            State::Running(k) => k.info.generation == self.cluster.generation,
            _ => false,
        };
        if !current {
            return;
        }
        if let Ok(mut admin) = self.cluster.connect(cluster::DATABASE) {
            for name in [&self.plain, &self.indexed] {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// `data` in two new databases on the shared cluster (started if need be).
pub fn load(data: &Dataset) -> Result<SharedDatabases, SharedError> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let cluster = shared()?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let databases = SharedDatabases {
        plain: format!("tasks_{n}_plain"),
        indexed: format!("tasks_{n}_indexed"),
        cluster,
    };
    for indexes in [Indexes::Off, Indexes::On] {
        let name = databases.name(indexes).to_string();
        let failed = |detail: String| SharedError::Load {
            database: name.clone(),
            detail,
        };
        let mut admin = databases
            .cluster
            .connect(cluster::DATABASE)
            .map_err(|e| failed(e.to_string()))?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| failed(e.to_string()))?;
        let mut client = databases
            .cluster
            .connect(&name)
            .map_err(|e| failed(e.to_string()))?;
        store::build(&mut client, data, indexes).map_err(|e: StoreError| failed(e.to_string()))?;
    }
    Ok(databases)
}
