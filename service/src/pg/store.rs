//! The service's schema and rows on PostgreSQL, and its query templates run
//! there: the PostgreSQL dialect of `docs/service.md`'s DDL, a bulk load in
//! one transaction, `:name` templates run with their values bound.
//!
//! The functions taking a [`postgres::GenericClient`] run the same way on a
//! plain connection and inside a transaction (the kernels roll theirs back).

use postgres::GenericClient;
use postgres::types::ToSql;

use super::placeholders::{Param, PlaceholderError, bind};
use super::value::{SqlValue, read_column, write_copy_text};
use crate::schema::{self, Dialect, Indexes};

/// The tables a load may name (the name is spliced into `COPY`, so only
/// these are accepted).
pub const TABLES: [&str; 3] = ["tasks", "prompts", "sessions"];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what}: {source}")]
    Db {
        what: String,
        #[source]
        source: postgres::Error,
    },
    #[error("could not send rows of `{table}` to COPY: {source}")]
    CopyWrite {
        table: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Placeholder(#[from] PlaceholderError),
    #[error("cannot load into `{table}`: the schema's tables are {TABLES:?}")]
    UnknownTable { table: String },
    #[error(
        "cannot load into `{table}`: column `{column}` is not a plain lower-case name \
         (letters, digits, _)"
    )]
    BadColumn { table: String, column: String },
    #[error(
        "row {row} for `{table}` has {found} values, and {expected} columns were named: give \
         one value per column"
    )]
    RowWidth {
        table: String,
        row: usize,
        expected: usize,
        found: usize,
    },
    #[error("column {column} of the result holds {found}, where the service expects {expected}")]
    UnexpectedValue {
        column: usize,
        expected: &'static str,
        found: String,
    },
    #[error(
        "column `{column}` of the result has type {ty}, which SqlValue does not hold: cast it \
         in the SQL (::bigint, ::float8, ::text)"
    )]
    UnsupportedType { column: String, ty: String },
}

fn db(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> StoreError {
    let what = what.into();
    move |source| StoreError::Db { what, source }
}

/// A query's result: the column names and every row, in the server's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<SqlValue>>,
}

impl Rows {
    /// Column `name` of every row (`None` when there is no such column).
    pub fn column(&self, name: &str) -> Option<Vec<&SqlValue>> {
        let idx = self.columns.iter().position(|c| c == name)?;
        Some(self.rows.iter().filter_map(|r| r.get(idx)).collect())
    }
}

/// Creates the three tables ([`schema::ddl`]'s PostgreSQL dialect: `BIGINT`
/// ids and timestamps, unix seconds as SQLite stores them).
pub fn create_tables(client: &mut impl GenericClient) -> Result<(), StoreError> {
    let statements = schema::ddl(Dialect::Postgres, Indexes::Off).join(";\n");
    client
        .batch_execute(&statements)
        .map_err(db("create the tables"))
}

/// Creates the seed's three indexes, then refreshes the planner's
/// statistics (so `EXPLAIN` shows the plan the data deserves, not the one
/// an unanalysed table gets).
pub fn create_indexes(client: &mut impl GenericClient) -> Result<(), StoreError> {
    client
        .batch_execute(&schema::INDEXES.join(";\n"))
        .map_err(db("create the indexes"))?;
    analyze(client)
}

/// `ANALYZE` every table: after a load, before anything is timed or
/// explained, on both the indexed and the unindexed database alike.
pub fn analyze(client: &mut impl GenericClient) -> Result<(), StoreError> {
    client.batch_execute("ANALYZE").map_err(db("analyze"))
}

/// Loads `rows` (one value per named column, in that order) into `table`
/// with one text-format `COPY`, in one transaction: all rows or none.
/// Returns the number of rows loaded.
pub fn load_rows<I>(
    client: &mut postgres::Client,
    table: &str,
    columns: &[&str],
    rows: I,
) -> Result<u64, StoreError>
where
    I: IntoIterator<Item = Vec<SqlValue>>,
{
    use std::io::Write;

    if !TABLES.contains(&table) {
        return Err(StoreError::UnknownTable {
            table: table.to_string(),
        });
    }
    if let Some(bad) = columns.iter().find(|c| {
        c.is_empty()
            || !c
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }) {
        return Err(StoreError::BadColumn {
            table: table.to_string(),
            column: bad.to_string(),
        });
    }
    let what = format!("load rows into {table}");
    let mut tx = client.transaction().map_err(db(what.clone()))?;
    let copy = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
    let mut writer = tx.copy_in(&copy).map_err(db(what.clone()))?;
    let mut line = String::new();
    for (n, row) in rows.into_iter().enumerate() {
        if row.len() != columns.len() {
            // Dropping the writer unfinished aborts the COPY; the
            // transaction rolls back with it.
            return Err(StoreError::RowWidth {
                table: table.to_string(),
                row: n,
                expected: columns.len(),
                found: row.len(),
            });
        }
        line.clear();
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            write_copy_text(value, &mut line);
        }
        line.push('\n');
        // A failed write aborts the COPY when the writer drops; the
        // transaction rolls back with it. The io error carries the server's.
        writer
            .write_all(line.as_bytes())
            .map_err(|source| StoreError::CopyWrite {
                table: table.to_string(),
                source,
            })?;
    }
    let count = writer.finish().map_err(db(what.clone()))?;
    tx.commit().map_err(db(what))?;
    Ok(count)
}

fn params_of(values: &[SqlValue]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// Runs a `:name` template and returns every row.
pub fn query(
    client: &mut impl GenericClient,
    sql: &str,
    params: &[(&str, Param)],
) -> Result<Rows, StoreError> {
    let bound = bind(sql, params)?;
    let rows = client
        .query(bound.sql.as_str(), &params_of(&bound.values))
        .map_err(db(format!("run {}", bound.sql.trim())))?;
    let columns: Vec<String> = match rows.first() {
        Some(row) => row.columns().iter().map(|c| c.name().to_string()).collect(),
        None => Vec::new(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut values = Vec::with_capacity(columns.len());
        for idx in 0..row.len() {
            let value = read_column(row, idx).ok_or_else(|| StoreError::UnsupportedType {
                column: columns.get(idx).cloned().unwrap_or_default(),
                ty: row.columns()[idx].type_().to_string(),
            })?;
            values.push(value.map_err(db(format!("read {}", bound.sql.trim())))?);
        }
        out.push(values);
    }
    Ok(Rows { columns, rows: out })
}

/// Runs a `:name` statement; returns the number of rows it changed.
pub fn execute(
    client: &mut impl GenericClient,
    sql: &str,
    params: &[(&str, Param)],
) -> Result<u64, StoreError> {
    let bound = bind(sql, params)?;
    client
        .execute(bound.sql.as_str(), &params_of(&bound.values))
        .map_err(db(format!("run {}", bound.sql.trim())))
}

/// `EXPLAIN` of a `:name` template with these values: the plan's lines
/// joined by newlines (what `psql` prints), recorded beside the timings.
pub fn explain(
    client: &mut impl GenericClient,
    sql: &str,
    params: &[(&str, Param)],
) -> Result<String, StoreError> {
    let bound = bind(sql, params)?;
    let explain = format!("EXPLAIN {}", bound.sql);
    let rows = client
        .query(explain.as_str(), &params_of(&bound.values))
        .map_err(db(format!("run {}", explain.trim())))?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let line: String = row
            .try_get(0)
            .map_err(db(format!("read {}", explain.trim())))?;
        lines.push(line);
    }
    Ok(lines.join("\n"))
}

/// The columns of `tasks` and `prompts`, in the DDL's order.
pub const TASK_COLUMNS: [&str; 9] = [
    "id",
    "type",
    "status",
    "priority",
    "created_at",
    "environment",
    "assigned_to",
    "assigned_at",
    "content",
];

/// The columns of `sessions`, in the DDL's order.
pub const SESSION_COLUMNS: [&str; 7] = [
    "id",
    "name",
    "status",
    "last_heartbeat",
    "environment",
    "provider",
    "current_task_id",
];

fn by_id(rows: &[crate::model::Task]) -> Vec<&crate::model::Task> {
    let mut rows: Vec<&crate::model::Task> = rows.iter().collect();
    rows.sort_by_key(|t| t.id);
    rows
}

fn task_values(t: &crate::model::Task) -> Vec<SqlValue> {
    vec![
        t.id.into(),
        t.task_type.as_str().into(),
        t.status.as_str().into(),
        t.priority.into(),
        t.created_at.into(),
        t.environment.as_str().into(),
        t.assigned_to.clone().into(),
        t.assigned_at.into(),
        t.content.as_str().into(),
    ]
}

/// Loads `data` into an empty database (the one `client` is connected
/// to), the PostgreSQL twin of `sqlite::build`: the tables, every row
/// (one `COPY` per table), the seed's indexes if `indexes` is on (after
/// the rows, as on SQLite), each identity column moved past the loaded
/// ids (so `insert_session`, which gives no id, never collides), then
/// `ANALYZE`.
pub fn build(
    client: &mut postgres::Client,
    data: &crate::generate::Dataset,
    indexes: Indexes,
) -> Result<(), StoreError> {
    create_tables(client)?;
    // In id order: SQLite stores a table by its integer primary key, so a
    // query without ORDER BY (the seed's `SELECT * FROM tasks`) reads rows
    // by id there; PostgreSQL reads a fresh table in insertion order. Both
    // start out alike (what a later UPDATE does to the order is each
    // engine's own, and no answer depends on it).
    load_rows(
        client,
        "tasks",
        &TASK_COLUMNS,
        by_id(&data.tasks).into_iter().map(task_values),
    )?;
    load_rows(
        client,
        "prompts",
        &TASK_COLUMNS,
        by_id(&data.prompts).into_iter().map(task_values),
    )?;
    let mut sessions: Vec<&crate::model::Session> = data.sessions.iter().collect();
    sessions.sort_by_key(|s| s.id);
    load_rows(
        client,
        "sessions",
        &SESSION_COLUMNS,
        sessions.into_iter().map(|s| {
            vec![
                s.id.into(),
                s.name.as_str().into(),
                s.status.as_str().into(),
                s.last_heartbeat.into(),
                s.environment.as_str().into(),
                s.provider.as_str().into(),
                s.current_task_id.into(),
            ]
        }),
    )?;
    for table in TABLES {
        client
            .batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            ))
            .map_err(db(format!("move {table}'s identity past the loaded ids")))?;
    }
    if indexes == Indexes::On {
        create_indexes(client)
    } else {
        analyze(client)
    }
}
