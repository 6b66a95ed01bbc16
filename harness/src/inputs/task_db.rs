//! The task database of seed 004's service: generated rows written to two
//! databases (without and with the seed's indexes), built once per input
//! outside every timed region and removed when the last copy of the input
//! is dropped. On SQLite: two files in a folder of their own, built with
//! the input. On PostgreSQL: two databases on the process's shared cluster
//! (`twinbench_service::pg::shared`), loaded the first time a side asks
//! for them (so the cluster starts only when a PostgreSQL pair runs).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use twinbench_service::config;
use twinbench_service::generate::{Dataset, Shape, generate};
use twinbench_service::pg::shared::{self, SharedDatabases};
use twinbench_service::schema::Indexes;
use twinbench_service::sqlite;

/// Which database engine a task database lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Database {
    /// Two SQLite files (Python `sqlite3`, Rust `rusqlite`).
    Sqlite,
    /// Two databases on a throwaway PostgreSQL cluster (Python `psycopg`,
    /// Rust `postgres`).
    Postgres,
}

impl Database {
    /// Its name in results and the report.
    pub fn label(self) -> &'static str {
        match self {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        }
    }
}

/// 2026-02-14T12:00:00Z, the seed's date: every kernel's `now`.
pub const SERVICE_NOW: i64 = 1_771_070_400;
/// Rows of the `pending_tasks` page (a dashboard's page).
pub const PAGE_LIMIT: i64 = 50;

/// What a size counts, and the fixed count of the other table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskDbScale {
    /// Size = tasks; this many sessions.
    Tasks { sessions: usize },
    /// Size = stored sessions (and detected ones); this many tasks.
    Sessions { tasks: usize },
}

/// The two database files. Invariant: both hold the same rows; the folder
/// is this value's alone and goes with it.
#[derive(Debug)]
pub struct DbFiles {
    pub dir: PathBuf,
    pub plain: PathBuf,
    pub indexed: PathBuf,
}

impl Drop for DbFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A generated task database: its rows, where they are stored (or why they
/// could not be: the error surfaces when a side prepares it), the rule
/// folder.
#[derive(Debug, Clone)]
pub struct TaskDb {
    pub data: Arc<Dataset>,
    pub database: Database,
    /// The SQLite files (an error naming the engine for a PostgreSQL input).
    pub files: Arc<Result<DbFiles, String>>,
    /// The PostgreSQL databases, loaded on first use (never for SQLite).
    pg: Arc<OnceLock<Result<SharedDatabases, String>>>,
    pub config_dir: PathBuf,
}

impl PartialEq for TaskDb {
    /// The same rows; where the files live does not matter.
    fn eq(&self, other: &TaskDb) -> bool {
        self.data == other.data && self.config_dir == other.config_dir
    }
}

impl TaskDb {
    /// The files, or why there are none.
    pub fn files(&self) -> Result<&DbFiles, String> {
        self.files.as_ref().as_ref().map_err(Clone::clone)
    }

    /// The PostgreSQL databases, loaded (and the shared cluster started) on
    /// the first call; or why there are none (PostgreSQL not installed, a
    /// SQLite input, a failed load).
    pub fn pg(&self) -> Result<&SharedDatabases, String> {
        if self.database != Database::Postgres {
            return Err("a SQLite task database has no PostgreSQL databases".into());
        }
        self.pg
            .get_or_init(|| shared::load(&self.data).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn new(
        data: Dataset,
        database: Database,
        config_dir: PathBuf,
        rules_ok: Result<(), String>,
    ) -> Self {
        let files = match (database, rules_ok) {
            (_, Err(e)) => Err(e),
            (Database::Sqlite, Ok(())) => build_files(&data),
            (Database::Postgres, Ok(())) => {
                Err("a PostgreSQL task database has no SQLite files".into())
            }
        };
        TaskDb {
            data: Arc::new(data),
            database,
            files: Arc::new(files),
            pg: Arc::new(OnceLock::new()),
            config_dir,
        }
    }
}

fn build_files(data: &Dataset) -> Result<DbFiles, String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("twinbench-taskdb-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let files = DbFiles {
        plain: dir.join("tasks-plain.sqlite3"),
        indexed: dir.join("tasks-indexed.sqlite3"),
        dir,
    };
    sqlite::build(&files.plain, data, Indexes::Off).map_err(|e| e.to_string())?;
    sqlite::build(&files.indexed, data, Indexes::On).map_err(|e| e.to_string())?;
    Ok(files)
}

/// The rows for `size` under `scale`, written to both databases of
/// `database`.
pub fn task_db(database: Database, scale: TaskDbScale, size: usize, seed: u64) -> TaskDb {
    task_db_on(database, &config::default_dir(), scale, size, seed)
}

/// [`task_db`] on SQLite with the rules of `config_dir`.
pub fn task_db_in(config_dir: &Path, scale: TaskDbScale, size: usize, seed: u64) -> TaskDb {
    task_db_on(Database::Sqlite, config_dir, scale, size, seed)
}

/// [`task_db`] with the rules of `config_dir`.
pub fn task_db_on(
    database: Database,
    config_dir: &Path,
    scale: TaskDbScale,
    size: usize,
    seed: u64,
) -> TaskDb {
    let (tasks, sessions) = match scale {
        TaskDbScale::Tasks { sessions } => (size, sessions),
        TaskDbScale::Sessions { tasks } => (tasks, size),
    };
    let rules = config::load(config_dir, None);
    let (sla, timeout) = match &rules {
        Ok(c) => (Some(c.sla.clone()), c.routing.heartbeat_timeout_seconds),
        Err(_) => (None, 300),
    };
    let shape = Shape {
        seed,
        tasks,
        sessions,
        heartbeat_timeout: timeout,
        now: SERVICE_NOW,
    };
    let data = match (&rules, sla) {
        (Ok(_), Some(sla)) => generate(&shape, &sla),
        _ => Dataset {
            now: SERVICE_NOW,
            tasks: Vec::new(),
            prompts: Vec::new(),
            sessions: Vec::new(),
            detected: Vec::new(),
        },
    };
    let rules_ok = rules.map(|_| ()).map_err(|e| e.to_string());
    TaskDb::new(data, database, config_dir.to_path_buf(), rules_ok)
}

/// A SQLite task database from rows a test wrote by hand (edge cases).
pub fn task_db_from(data: Dataset) -> TaskDb {
    task_db_from_on(Database::Sqlite, data)
}

/// [`task_db_from`] on `database`.
pub fn task_db_from_on(database: Database, data: Dataset) -> TaskDb {
    TaskDb::new(data, database, config::default_dir(), Ok(()))
}
