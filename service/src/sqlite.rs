//! The SQLite backend (rusqlite over the system SQLite, the library
//! CPython's sqlite3 links): building a database file
//! from generated rows, opening it with the service's pragmas, and running
//! built query templates.

use std::path::Path;

use rusqlite::{Connection, Row, ToSql, params};
use thiserror::Error;

use crate::config::{BuiltQuery, ParamValue};
use crate::generate::Dataset;
use crate::model::{Session, Task};
use crate::schema::{Dialect, Indexes, ddl};

/// A database operation that failed, with what was being done.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("{what}: {source}")]
    Sqlite {
        what: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: already exists; fix: remove it or build into a new path", path.display())]
    Exists { path: std::path::PathBuf },
}

pub(crate) fn context(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> DbError {
    let what = what.into();
    move |source| DbError::Sqlite { what, source }
}

/// The pragmas both twins set on connect (docs/service.md).
pub const PRAGMAS: &str =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";

/// Opens `path` with the service's pragmas.
pub fn open(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path).map_err(context(format!("opening {}", path.display())))?;
    conn.execute_batch(PRAGMAS)
        .map_err(context("setting the pragmas"))?;
    Ok(conn)
}

fn insert_tasks(conn: &Connection, table: &str, rows: &[Task]) -> Result<(), DbError> {
    let mut stmt = conn
        .prepare(&format!(
            "INSERT INTO {table} (id, type, status, priority, created_at, environment, \
             assigned_to, assigned_at, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))
        .map_err(context(format!("preparing the {table} insert")))?;
    for t in rows {
        stmt.execute(params![
            t.id,
            t.task_type,
            t.status,
            t.priority,
            t.created_at,
            t.environment,
            t.assigned_to,
            t.assigned_at,
            t.content
        ])
        .map_err(context(format!("inserting {table} row {}", t.id)))?;
    }
    Ok(())
}

/// Builds a new database file at `path` holding `data`, in one
/// transaction, with or without the seed's indexes (created after the rows,
/// as an operator adding them to a live database would).
pub fn build(path: &Path, data: &Dataset, indexes: Indexes) -> Result<(), DbError> {
    if path.exists() {
        return Err(DbError::Exists {
            path: path.to_path_buf(),
        });
    }
    let mut conn = open(path)?;
    let tx = conn.transaction().map_err(context("starting the build"))?;
    let statements = ddl(Dialect::Sqlite, Indexes::Off);
    for statement in &statements {
        tx.execute_batch(statement)
            .map_err(context(statement.clone()))?;
    }
    insert_tasks(&tx, "tasks", &data.tasks)?;
    insert_tasks(&tx, "prompts", &data.prompts)?;
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO sessions (id, name, status, last_heartbeat, environment, provider, \
                 current_task_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(context("preparing the sessions insert"))?;
        for s in &data.sessions {
            stmt.execute(params![
                s.id,
                s.name,
                s.status,
                s.last_heartbeat,
                s.environment,
                s.provider,
                s.current_task_id
            ])
            .map_err(context(format!("inserting session {}", s.name)))?;
        }
    }
    if indexes == Indexes::On {
        for statement in crate::schema::INDEXES {
            tx.execute_batch(statement).map_err(context(statement))?;
        }
    }
    tx.execute_batch("ANALYZE").map_err(context("ANALYZE"))?;
    tx.commit().map_err(context("committing the build"))?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .map_err(context("checkpointing the build"))?;
    Ok(())
}

/// The built query's values as rusqlite named parameters.
fn bind(query: &BuiltQuery) -> Vec<(String, Box<dyn ToSql>)> {
    query
        .params
        .iter()
        .map(|(name, value)| {
            let v: Box<dyn ToSql> = match value {
                ParamValue::Integer(n) => Box::new(*n),
                ParamValue::String(s) => Box::new(s.clone()),
                // build_query never leaves a list unexpanded; bind it as text
                // so a hand-made query fails in SQLite, not here.
                ParamValue::StringList(items) => Box::new(items.join(",")),
            };
            (format!(":{name}"), v)
        })
        .collect()
}

fn with_params<T>(
    query: &BuiltQuery,
    f: impl FnOnce(&[(&str, &dyn ToSql)]) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let owned = bind(query);
    let named: Vec<(&str, &dyn ToSql)> = owned
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_ref() as &dyn ToSql))
        .collect();
    f(&named)
}

/// Every row of `query`, mapped by `map` (the statement cached per
/// connection, as the Python driver caches its statements).
pub fn rows<T>(
    conn: &Connection,
    query: &BuiltQuery,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, DbError> {
    with_params(query, |named| {
        let mut stmt = conn.prepare_cached(&query.sql)?;
        stmt.query_map(named, map)?.collect()
    })
    .map_err(context(format!("running {}", query.sql)))
}

/// Runs a statement that returns no rows; the number of rows it changed.
pub fn execute(conn: &Connection, query: &BuiltQuery) -> Result<usize, DbError> {
    with_params(query, |named| {
        conn.prepare_cached(&query.sql)?.execute(named)
    })
    .map_err(context(format!("running {}", query.sql)))
}

/// `EXPLAIN QUERY PLAN` of `query`, one line per plan node, indented by depth.
pub fn explain(conn: &Connection, query: &BuiltQuery) -> Result<Vec<String>, DbError> {
    let plan = BuiltQuery {
        sql: format!("EXPLAIN QUERY PLAN {}", query.sql),
        params: query.params.clone(),
    };
    let nodes = rows(conn, &plan, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut depth: Vec<(i64, usize)> = Vec::new();
    Ok(nodes
        .into_iter()
        .map(|(id, parent, detail)| {
            let level = depth
                .iter()
                .find(|(node, _)| *node == parent)
                .map_or(0, |(_, d)| d + 1);
            depth.push((id, level));
            format!("{}{detail}", "  ".repeat(level))
        })
        .collect())
}

/// A `tasks` row in the templates' column order.
pub fn task_row(r: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: r.get(0)?,
        task_type: r.get(1)?,
        status: r.get(2)?,
        priority: r.get(3)?,
        created_at: r.get(4)?,
        environment: r.get(5)?,
        assigned_to: r.get(6)?,
        assigned_at: r.get(7)?,
        content: r.get(8)?,
    })
}

/// A `sessions` row in the templates' column order.
pub fn session_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        name: r.get(1)?,
        status: r.get(2)?,
        last_heartbeat: r.get(3)?,
        environment: r.get(4)?,
        provider: r.get(5)?,
        current_task_id: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, ParamValue};
    use crate::generate::{Shape, generate};

    /// Without the indexes `pending_tasks` scans the table; with them it
    /// searches idx_tasks_status_priority (the plans docs/service.md shows).
    #[test]
    fn pending_tasks_uses_the_index_only_when_it_exists() {
        let config = config::load(&config::default_dir(), Some("none-such")).expect("rules");
        let shape = Shape {
            seed: 1,
            tasks: 2_000,
            sessions: 20,
            heartbeat_timeout: 300,
            now: 1_771_070_400,
        };
        let data = generate(&shape, &config.sla);
        let dir = std::env::temp_dir().join(format!("twinbench-explain-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut given = std::collections::BTreeMap::new();
        given.insert("limit", ParamValue::Integer(50));
        let query = config.build_query("pending_tasks", &given).expect("query");
        let mut plans = Vec::new();
        for (name, indexes) in [("plain", Indexes::Off), ("indexed", Indexes::On)] {
            let path = dir.join(format!("{name}.sqlite3"));
            build(&path, &data, indexes).expect("build");
            let plan = explain(&open(&path).expect("open"), &query).expect("explain");
            println!("{name}:\n{}", plan.join("\n"));
            plans.push(plan.join("\n"));
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(plans[0].contains("SCAN tasks"), "{}", plans[0]);
        assert!(!plans[0].contains("idx_tasks"), "{}", plans[0]);
        assert!(
            plans[1].contains("idx_tasks_status_priority"),
            "{}",
            plans[1]
        );
    }
}
