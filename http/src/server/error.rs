//! Why the server could not start or answer: each start-up error names
//! the file or address and the fix, so the operator acts on the message.

use std::net::SocketAddr;
use std::path::PathBuf;

use thiserror::Error;
use twinbench_service::config::ConfigError;
use twinbench_service::kernels::KernelError;
use twinbench_service::sqlite::DbError;

/// A server that cannot start.
#[derive(Debug, Error)]
pub enum ServerError {
    #[error(
        "refusing to listen on {addr}: not a loopback address; fix: bind 127.0.0.1 (or ::1), \
         this benchmark server never serves beyond the machine"
    )]
    NotLoopback { addr: SocketAddr },
    #[error(
        "cannot listen on {addr}: the address is already in use; fix: choose another --bind \
         port (or port 0 for any free one) or stop the process using it"
    )]
    AddrInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "database file {} does not exist; fix: build it first \
         (twinbench_service::sqlite::build writes one from a seeded Dataset) or pass the \
         path of an existing file with --db",
        path.display()
    )]
    MissingDatabase { path: PathBuf },
    #[error("database {}: {source}", path.display())]
    Database {
        path: PathBuf,
        #[source]
        source: DbError,
    },
    #[error("the rule files cannot be used: {0}")]
    Config(#[from] ConfigError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
}

/// A request the store could not answer (a 500; logged to stderr).
#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Kernel(#[from] KernelError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the insert returned no id")]
    NoId,
}
