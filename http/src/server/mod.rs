//! The Rust twin's HTTP server: axum on a multi-threaded tokio runtime
//! (one worker thread per core, tokio's default), the database work on
//! tokio's blocking pool, the rules reloaded live from their files.
//!
//! Start-up is three steps so each failure is reported before the next
//! step: [`prepare`] (rules, database), [`bind`] (loopback only), [`serve`]
//! (runs until the process is killed: SIGTERM's default action ends it;
//! SQLite's WAL keeps every committed write).

mod error;
pub mod routes;
pub mod rules;
pub mod store;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use error::{ServerError, StoreError};
use rules::LiveRules;
use store::Store;
use twinbench_service::config;

use crate::clock::Clock;

/// How often the rule files are checked for changes.
pub const RELOAD_INTERVAL: Duration = Duration::from_millis(100);

/// What a server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    /// An existing SQLite file (never created).
    pub db: PathBuf,
    /// The rule folder (`base/`, `environments/`, `local/`).
    pub config_dir: PathBuf,
    /// The override environment (else `$TWINBENCH_SERVICE_ENV`).
    pub env: Option<String>,
    pub clock: Clock,
    pub reload_interval: Duration,
}

/// Everything a request reads. Shared by all requests.
#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub rules: Arc<LiveRules>,
    pub clock: Clock,
}

/// A server ready to serve: rules loaded, database opened.
#[derive(Debug)]
pub struct Prepared {
    state: Arc<AppState>,
    options: ServerOptions,
}

/// Loads the rules and opens the database; either error names its fix.
pub fn prepare(options: ServerOptions) -> Result<Prepared, ServerError> {
    let config = config::load(&options.config_dir, options.env.as_deref())?;
    let store = Store::open(&options.db)?;
    let state = Arc::new(AppState {
        store,
        rules: Arc::new(LiveRules::new(config)),
        clock: options.clock,
    });
    Ok(Prepared { state, options })
}

/// Binds `addr`, which must be a loopback address (port 0: any free one).
pub fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    if !addr.ip().is_loopback() {
        return Err(ServerError::NotLoopback { addr });
    }
    let listener = TcpListener::bind(addr).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServerError::AddrInUse { addr }
        } else {
            ServerError::Bind { addr, source }
        }
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| ServerError::Bind { addr, source })?;
    Ok(listener)
}

/// Serves `prepared` on `listener` until the process ends; starts the
/// rules watcher first.
pub fn serve(listener: TcpListener, prepared: Prepared) -> Result<(), ServerError> {
    let Prepared { state, options } = prepared;
    rules::watch(
        options.config_dir.clone(),
        options.env.clone(),
        &state.rules,
        options.reload_interval,
    )
    .map_err(ServerError::Runtime)?;
    // SQLite work runs on the blocking pool, at most one query per core at
    // a time (what gunicorn's one sync worker per core allows the original):
    // tokio's default of 512 blocking threads let 64 connections run 64
    // sorts at once on 2 cores, each with its own connection and sorter
    // memory (peak PSS 173 MB against gunicorn's 63 MB, p99 at 64
    // connections 227 ms against 200 ms), for no more throughput. The
    // queue in front of the pool is the listen backlog's equivalent.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores)
        .thread_name("twinbench-serve")
        .build()
        .map_err(ServerError::Runtime)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServerError::Serve)?;
        axum::serve(listener, routes::router(state))
            .await
            .map_err(ServerError::Serve)
    })
}
