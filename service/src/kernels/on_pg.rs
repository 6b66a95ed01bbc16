//! [`Store`] on a `postgres` (synchronous) connection.
//!
//! Statement preparation, chosen to match psycopg 3 on the Python side:
//! psycopg sends a query unprepared (one extended-protocol round trip,
//! Parse + Bind + Execute) for its first `prepare_threshold` (5) runs on a
//! connection, then prepares it server-side and reuses the named statement.
//! Here each distinct SQL text is prepared once per connection (its first
//! run costs a Parse/Describe round trip more) and the named statement is
//! reused from then on: over a benchmark's thousands of calls both sides
//! run every statement prepared. Transactions are plain `BEGIN` / `COMMIT`
//! / `ROLLBACK`, as psycopg's (non-autocommit) connection sends them.

use std::collections::HashMap;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, Row, Statement};

use super::{Finish, KernelError, Store};
use crate::config::{BuiltQuery, ParamValue};
use crate::model::{Session, Task};
use crate::pg::value::read_column;
use crate::pg::{Bound, Param, SqlValue, StoreError, bind, store};

/// A PostgreSQL connection with its prepared statements. Invariant: every
/// cached statement was prepared on `client` (a statement never outlives
/// or crosses its connection).
pub struct PgStore {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("prepared", &self.statements.len())
            .finish_non_exhaustive()
    }
}

fn db(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> StoreError {
    let what = what.into();
    move |source| StoreError::Db { what, source }
}

/// A built query's values as `:name` parameters.
fn params(query: &BuiltQuery) -> Vec<(&str, Param)> {
    query
        .params
        .iter()
        .map(|(name, value)| {
            let param = match value {
                ParamValue::Integer(n) => Param::One(SqlValue::Int(*n)),
                ParamValue::String(s) => Param::One(SqlValue::Text(s.clone())),
                ParamValue::StringList(items) => {
                    Param::List(items.iter().cloned().map(SqlValue::Text).collect())
                }
            };
            (name.as_str(), param)
        })
        .collect()
}

fn values(bound: &Bound) -> Vec<&(dyn ToSql + Sync)> {
    bound
        .values
        .iter()
        .map(|v| v as &(dyn ToSql + Sync))
        .collect()
}

fn value(row: &Row, column: usize, sql: &str) -> Result<SqlValue, StoreError> {
    match read_column(row, column) {
        // The context is formatted only on failure: this runs per value,
        // inside the timed calls (formatting it eagerly cost ~2 µs a row).
        Some(v) => v.map_err(|source| StoreError::Db {
            what: format!("read column {column} of {sql}"),
            source,
        }),
        None => Err(StoreError::UnsupportedType {
            column: row
                .columns()
                .get(column)
                .map_or_else(|| format!("#{column} (absent)"), |c| c.name().to_string()),
            ty: row
                .columns()
                .get(column)
                .map_or_else(String::new, |c| c.type_().to_string()),
        }),
    }
}

/// Column `column` as the Rust type of its SQL type (the DDL's: `BIGINT`
/// ids and timestamps as `i64`, `INTEGER` as `i32`, `TEXT` as `String`),
/// read directly: the rows' decoding is inside the timed calls.
fn get<'r, T: postgres::types::FromSql<'r>>(
    row: &'r Row,
    column: usize,
    sql: &str,
) -> Result<T, StoreError> {
    row.try_get(column).map_err(|source| StoreError::Db {
        what: format!("read column {column} of {sql}"),
        source,
    })
}

fn int(row: &Row, column: usize, sql: &str) -> Result<i64, StoreError> {
    match value(row, column, sql)? {
        SqlValue::Int(v) => Ok(v),
        other => Err(StoreError::UnexpectedValue {
            column,
            expected: "an integer",
            found: format!("{other:?}"),
        }),
    }
}

fn text(row: &Row, column: usize, sql: &str) -> Result<String, StoreError> {
    match value(row, column, sql)? {
        SqlValue::Text(v) => Ok(v),
        other => Err(StoreError::UnexpectedValue {
            column,
            expected: "text",
            found: format!("{other:?}"),
        }),
    }
}

impl PgStore {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            statements: HashMap::new(),
        }
    }

    /// The connection (for loading rows, `EXPLAIN`, set-up).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// `EXPLAIN` of a built query with its values: the plan's lines.
    pub fn explain(&mut self, query: &BuiltQuery) -> Result<Vec<String>, KernelError> {
        let text = store::explain(&mut self.client, &query.sql, &params(query))?;
        Ok(text.lines().map(str::to_string).collect())
    }

    /// `query`'s statement (prepared on its first use on this connection)
    /// and its values in `$n` order.
    fn prepared(&mut self, query: &BuiltQuery) -> Result<(Statement, Bound), StoreError> {
        let bound = bind(&query.sql, &params(query))?;
        let statement = match self.statements.get(&query.sql) {
            Some(s) => s.clone(),
            None => {
                let s = self
                    .client
                    .prepare(&bound.sql)
                    .map_err(db(format!("prepare {}", bound.sql)))?;
                self.statements.insert(query.sql.clone(), s.clone());
                s
            }
        };
        Ok((statement, bound))
    }

    /// Runs `query` through its prepared statement and maps each row with
    /// `f` as it arrives: no `Vec<Row>` of the whole result is held beside
    /// the mapped rows. Held, it about doubled the twin's peak allocation
    /// (task_assignment_pg at 6,000 tasks: 2.20 MB, streamed 1.13 MB, the
    /// baseline 1.77 MB under tracemalloc, its rows in libpq's buffer).
    fn map<T>(
        &mut self,
        query: &BuiltQuery,
        f: impl Fn(&Row, &str) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, KernelError> {
        let (statement, bound) = self.prepared(query)?;
        let mut rows = self
            .client
            .query_raw(&statement, bound.values.iter())
            .map_err(db(format!("run {}", bound.sql)))?;
        let mut mapped = Vec::new();
        while let Some(row) = rows
            .next()
            .map_err(db(format!("read the rows of {}", bound.sql)))?
        {
            mapped.push(f(&row, &query.sql)?);
        }
        Ok(mapped)
    }
}

impl Store for PgStore {
    fn tasks(&mut self, query: &BuiltQuery) -> Result<Vec<Task>, KernelError> {
        self.map(query, |r, sql| {
            Ok(Task {
                id: get(r, 0, sql)?,
                task_type: get(r, 1, sql)?,
                status: get(r, 2, sql)?,
                priority: i64::from(get::<i32>(r, 3, sql)?),
                created_at: get(r, 4, sql)?,
                environment: get(r, 5, sql)?,
                assigned_to: get(r, 6, sql)?,
                assigned_at: get(r, 7, sql)?,
                content: get(r, 8, sql)?,
            })
        })
    }

    fn sessions(&mut self, query: &BuiltQuery) -> Result<Vec<Session>, KernelError> {
        self.map(query, |r, sql| {
            Ok(Session {
                id: get(r, 0, sql)?,
                name: get(r, 1, sql)?,
                status: get(r, 2, sql)?,
                last_heartbeat: get(r, 3, sql)?,
                environment: get(r, 4, sql)?,
                provider: get(r, 5, sql)?,
                current_task_id: get(r, 6, sql)?,
            })
        })
    }

    fn ints(&mut self, query: &BuiltQuery, column: usize) -> Result<Vec<i64>, KernelError> {
        self.map(query, |r, sql| int(r, column, sql))
    }

    fn texts(&mut self, query: &BuiltQuery, column: usize) -> Result<Vec<String>, KernelError> {
        self.map(query, |r, sql| text(r, column, sql))
    }

    fn execute(&mut self, query: &BuiltQuery) -> Result<u64, KernelError> {
        let (statement, bound) = self.prepared(query)?;
        Ok(self
            .client
            .execute(&statement, &values(&bound))
            .map_err(db(format!("run {}", bound.sql)))?)
    }

    fn begin(&mut self) -> Result<(), KernelError> {
        Ok(self
            .client
            .batch_execute("BEGIN")
            .map_err(db("start a transaction"))?)
    }

    fn end(&mut self, finish: Finish) -> Result<(), KernelError> {
        let sql = match finish {
            Finish::Commit => "COMMIT",
            Finish::Rollback => "ROLLBACK",
        };
        Ok(self.client.batch_execute(sql).map_err(db(sql))?)
    }
}
