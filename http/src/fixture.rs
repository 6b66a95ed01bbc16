//! What a measurement or a test starts servers on: a seeded database with
//! the seed's indexes, a private copy of the rule folder (the reload edits
//! it), and an atomic rule-file write (a watcher never reads half a file).

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;
use twinbench_service::config::{self, ConfigError};
use twinbench_service::generate::{Shape, generate};
use twinbench_service::schema::Indexes;
use twinbench_service::sqlite::{self, DbError};

/// The scenarios' clock (2026-02-14T12:00:00Z), which generated rows are
/// relative to; servers measured on a generated database pin theirs to it.
pub const NOW: i64 = 1_771_070_400;

#[derive(Debug, Error)]
pub enum FixtureError {
    #[error("the repository's rule files: {0}")]
    Rules(#[from] ConfigError),
    #[error("building the database {path}: {source}", path = path.display())]
    Database { path: PathBuf, source: DbError },
    #[error("copying the rule folder to {path}: {source}", path = path.display())]
    Copy { path: PathBuf, source: io::Error },
}

/// A database of `tasks` tasks and `sessions` sessions (seeded, with the
/// seed's indexes) at `dir/name`, generated with the repository's rules.
pub fn build_db(
    dir: &Path,
    name: &str,
    seed: u64,
    tasks: usize,
    sessions: usize,
) -> Result<PathBuf, FixtureError> {
    // An environment no folder has: the base rules alone.
    let rules = config::load(&config::default_dir(), Some("none-such"))?;
    let shape = Shape {
        seed,
        tasks,
        sessions,
        heartbeat_timeout: rules.routing.heartbeat_timeout_seconds,
        now: NOW,
    };
    let path = dir.join(name);
    sqlite::build(&path, &generate(&shape, &rules.sla), Indexes::On).map_err(|source| {
        FixtureError::Database {
            path: path.clone(),
            source,
        }
    })?;
    Ok(path)
}

/// A copy of the repository's rule folder (`base/`, `environments/`,
/// `local/`) at `dir/config`.
pub fn copy_config(dir: &Path) -> Result<PathBuf, FixtureError> {
    let out = dir.join("config");
    let copy_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FixtureError::Copy { path, source }
    };
    for sub in ["base", "environments", "local"] {
        let target = out.join(sub);
        std::fs::create_dir_all(&target).map_err(copy_err(&target))?;
        let Ok(entries) = std::fs::read_dir(config::default_dir().join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_file() {
                let dest = target.join(entry.file_name());
                std::fs::copy(entry.path(), &dest).map_err(copy_err(&dest))?;
            }
        }
    }
    Ok(out)
}

/// Writes `text` to `path` through a temporary file and one rename.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
