//! The database side of the three data endpoints, blocking (callers run
//! it on tokio's blocking pool). Reads go through a pool of connections,
//! one per concurrently running request, reused across requests; writes go
//! through the single writer connection, so the server's own writes are
//! serialised before SQLite's lock is ever contended (SQLite allows one
//! writer at a time; WAL lets the readers go on meanwhile). Every
//! connection is opened with the service's pragmas (`sqlite::open`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use twinbench_service::config::{Config, ParamValue};
use twinbench_service::kernels::SqliteStore;
use twinbench_service::kernels::assign::assign_one;
use twinbench_service::model::{Session, Task};
use twinbench_service::rusqlite::{Connection, TransactionBehavior};
use twinbench_service::sqlite::{self, DbError, rows, task_row};

use super::error::{ServerError, StoreError};
use crate::api::{Listing, Submission};

/// Connections to one database file.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Connection>,
}

/// A submitted task as stored, and the session it went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub task: Task,
    pub session: Option<Session>,
}

impl Store {
    /// Opens `path`, which must exist (SQLite would create an empty file).
    pub fn open(path: &Path) -> Result<Store, ServerError> {
        if !path.is_file() {
            return Err(ServerError::MissingDatabase {
                path: path.to_path_buf(),
            });
        }
        let writer = sqlite::open(path).map_err(|source| ServerError::Database {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Store {
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(writer),
        })
    }

    /// Runs `f` on a pooled reader (opened when none is free), then returns
    /// it to the pool.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => sqlite::open(&self.path)?,
        };
        let out = f(&conn);
        self.readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
        out
    }

    /// `GET /api/tasks`: the `pending_tasks` template, defaults from
    /// queries.yaml for what the listing leaves out.
    pub fn list(&self, config: &Config, listing: &Listing) -> Result<Vec<Task>, StoreError> {
        let mut given = BTreeMap::new();
        if let Some(status) = &listing.status {
            given.insert("status", ParamValue::String(status.clone()));
        }
        if let Some(limit) = listing.limit {
            given.insert("limit", ParamValue::Integer(limit));
        }
        let query = config
            .build_query("pending_tasks", &given)
            .map_err(twinbench_service::kernels::KernelError::from)?;
        self.read(|conn| Ok(rows(conn, &query, task_row)?))
    }

    /// `GET /api/tasks/<id>/sla`: the task, if any.
    pub fn task(&self, config: &Config, id: i64) -> Result<Option<Task>, StoreError> {
        let given = BTreeMap::from([("task_id", ParamValue::Integer(id))]);
        let query = config
            .build_query("task_by_id", &given)
            .map_err(twinbench_service::kernels::KernelError::from)?;
        self.read(|conn| Ok(rows(conn, &query, task_row)?.into_iter().next()))
    }

    /// `POST /api/tasks`: inserts the task and routes it, in one
    /// transaction (both written, or neither).
    pub fn submit(
        &self,
        config: &Config,
        submission: &Submission,
        now: i64,
    ) -> Result<Submitted, StoreError> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = writer
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| DbError::Sqlite {
                what: "starting the submit transaction".into(),
                source,
            })?;
        let given = BTreeMap::from([
            ("type", ParamValue::String(submission.task_type.clone())),
            ("priority", ParamValue::Integer(submission.priority)),
            ("now", ParamValue::Integer(now)),
            (
                "environment",
                ParamValue::String(submission.environment.clone()),
            ),
        ]);
        let insert = config
            .build_query("insert_task", &given)
            .map_err(twinbench_service::kernels::KernelError::from)?;
        let id = rows(&tx, &insert, |r| r.get::<_, i64>(0))?
            .into_iter()
            .next()
            .ok_or(StoreError::NoId)?;
        let task = Task {
            id,
            task_type: submission.task_type.clone(),
            status: "pending".into(),
            priority: submission.priority,
            created_at: now,
            environment: submission.environment.clone(),
            assigned_to: None,
            assigned_at: None,
            content: String::new(),
        };
        let session = assign_one(&mut SqliteStore(&tx), config, &task, now)?;
        tx.commit().map_err(|source| DbError::Sqlite {
            what: "committing the submit".into(),
            source,
        })?;
        Ok(Submitted { task, session })
    }
}
