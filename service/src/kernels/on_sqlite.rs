//! [`Store`] on a rusqlite connection: statements from the connection's
//! cache (`prepare_cached`), transactions as `BEGIN DEFERRED` / `COMMIT` /
//! `ROLLBACK` (what rusqlite's `unchecked_transaction` sends).

use rusqlite::Connection;

use super::{Finish, KernelError, Store};
use crate::config::BuiltQuery;
use crate::model::{Session, Task};
use crate::sqlite::{self, context, session_row, task_row};

/// A SQLite connection as the kernels' [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct SqliteStore<'c>(pub &'c Connection);

impl Store for SqliteStore<'_> {
    fn tasks(&mut self, query: &BuiltQuery) -> Result<Vec<Task>, KernelError> {
        Ok(sqlite::rows(self.0, query, task_row)?)
    }

    fn sessions(&mut self, query: &BuiltQuery) -> Result<Vec<Session>, KernelError> {
        Ok(sqlite::rows(self.0, query, session_row)?)
    }

    fn ints(&mut self, query: &BuiltQuery, column: usize) -> Result<Vec<i64>, KernelError> {
        Ok(sqlite::rows(self.0, query, |r| r.get::<_, i64>(column))?)
    }

    fn texts(&mut self, query: &BuiltQuery, column: usize) -> Result<Vec<String>, KernelError> {
        Ok(sqlite::rows(self.0, query, |r| r.get::<_, String>(column))?)
    }

    fn execute(&mut self, query: &BuiltQuery) -> Result<u64, KernelError> {
        Ok(sqlite::execute(self.0, query)? as u64)
    }

    fn begin(&mut self) -> Result<(), KernelError> {
        self.0
            .execute_batch("BEGIN DEFERRED")
            .map_err(context("starting a transaction"))?;
        Ok(())
    }

    fn end(&mut self, finish: Finish) -> Result<(), KernelError> {
        let (sql, what) = match finish {
            Finish::Commit => ("COMMIT", "committing"),
            Finish::Rollback => ("ROLLBACK", "rolling back"),
        };
        self.0.execute_batch(sql).map_err(context(what))?;
        Ok(())
    }
}
