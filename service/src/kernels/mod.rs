//! The service's four kernels over a SQLite connection: the session scan,
//! the pending-task page, the SLA status and the assignment pass. The pure
//! logic (`sla::statuses`, `assign::plan`) takes rows and rules only, so the
//! PostgreSQL backend can reuse it.

pub mod assign;
pub mod pending;
pub mod scan;
pub mod sla;

use std::collections::BTreeMap;

use rusqlite::Connection;
use thiserror::Error;

use crate::config::{BuiltQuery, Config, ParamValue, QueryError};
use crate::sqlite::{DbError, context};

/// Why a kernel produced no answer.
#[derive(Debug, Error)]
pub enum KernelError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What happens to a kernel's writes: kept, or undone so the next call
/// starts from the same rows (benchmarks and differential tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Commit,
    Rollback,
}

/// Template `name` with `(param, value)` pairs.
pub(crate) fn build(
    config: &Config,
    name: &str,
    params: &[(&'static str, ParamValue)],
) -> Result<BuiltQuery, QueryError> {
    let given: BTreeMap<&str, ParamValue> = params.iter().cloned().collect();
    config.build_query(name, &given)
}

/// Runs `body` in one transaction, then commits or rolls back.
pub(crate) fn in_transaction<T>(
    conn: &Connection,
    finish: Finish,
    body: impl FnOnce(&Connection) -> Result<T, KernelError>,
) -> Result<T, KernelError> {
    let tx = conn
        .unchecked_transaction()
        .map_err(context("starting a transaction"))?;
    let out = body(&tx)?;
    match finish {
        Finish::Commit => tx.commit().map_err(context("committing"))?,
        Finish::Rollback => tx.rollback().map_err(context("rolling back"))?,
    }
    Ok(out)
}
