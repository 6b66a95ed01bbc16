//! The service's four kernels: the session scan, the pending-task page, the
//! SLA status and the assignment pass. Each is written once, over the
//! [`Store`] trait, and runs on SQLite ([`SqliteStore`]) and PostgreSQL
//! ([`PgStore`]) alike; the pure logic (`sla::statuses`, `assign::plan`)
//! takes rows and rules only.
//!
//! Dependencies point one way: the kernels know [`Store`]; the two
//! backends (`on_sqlite`, `on_pg`) implement it over `crate::sqlite` and
//! `crate::pg`, which know nothing of the kernels.

pub mod assign;
mod on_pg;
mod on_sqlite;
pub mod pending;
pub mod scan;
pub mod sla;

use std::collections::BTreeMap;

use thiserror::Error;

use crate::config::{BuiltQuery, Config, ParamValue, QueryError};
use crate::model::{Session, Task};
use crate::pg::StoreError;
use crate::sqlite::DbError;

pub use on_pg::PgStore;
pub use on_sqlite::SqliteStore;

/// Why a kernel produced no answer.
#[derive(Debug, Error)]
pub enum KernelError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Pg(#[from] StoreError),
}

/// What happens to a kernel's writes: kept, or undone so the next call
/// starts from the same rows (benchmarks and differential tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Commit,
    Rollback,
}

/// What the kernels ask of a database: built templates run, rows read as
/// the service's models, one transaction at a time. Invariant of every
/// implementation: a statement is prepared once per connection and reused
/// (SQLite's statement cache, PostgreSQL's named prepared statements), as
/// the Python drivers do (sqlite3's statement cache; psycopg's automatic
/// preparation after `prepare_threshold` executions).
pub trait Store {
    /// Every row of a `tasks` template (the templates' column order).
    fn tasks(&mut self, query: &BuiltQuery) -> Result<Vec<Task>, KernelError>;
    /// Every row of a `sessions` template (the templates' column order).
    fn sessions(&mut self, query: &BuiltQuery) -> Result<Vec<Session>, KernelError>;
    /// Integer column `column` of every row.
    fn ints(&mut self, query: &BuiltQuery, column: usize) -> Result<Vec<i64>, KernelError>;
    /// Text column `column` of every row.
    fn texts(&mut self, query: &BuiltQuery, column: usize) -> Result<Vec<String>, KernelError>;
    /// Runs a statement that returns no rows; the number of rows changed.
    fn execute(&mut self, query: &BuiltQuery) -> Result<u64, KernelError>;
    /// Starts a transaction.
    fn begin(&mut self) -> Result<(), KernelError>;
    /// Ends the transaction [`Store::begin`] started.
    fn end(&mut self, finish: Finish) -> Result<(), KernelError>;
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

/// Runs `body` in one transaction, then commits or rolls back; an error in
/// `body` rolls back (and is the error returned).
pub(crate) fn in_transaction<S: Store + ?Sized, T>(
    store: &mut S,
    finish: Finish,
    body: impl FnOnce(&mut S) -> Result<T, KernelError>,
) -> Result<T, KernelError> {
    store.begin()?;
    match body(store) {
        Ok(out) => {
            store.end(finish)?;
            Ok(out)
        }
        Err(e) => {
            // The body's error is the one worth reporting.
            let _ = store.end(Finish::Rollback);
            Err(e)
        }
    }
}
