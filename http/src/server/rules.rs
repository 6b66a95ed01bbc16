//! The rules a running server uses, reloaded live (claim C25: "config
//! changes live within 30 s instead of a 30-minute deploy").
//!
//! A watcher thread polls the rule files' names, sizes and mtimes every
//! `interval` (portable, no inotify dependency) and, on any change, loads
//! the whole set again with `twinbench_service::config::load`. A set that
//! loads replaces the current one in one pointer swap: a request holds the
//! `Arc<Config>` it started with, so no request ever sees half of two rule
//! sets, and none waits for a reload. A set that does not load is logged
//! (the error names file, key and fix) and the previous rules stay.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use twinbench_service::config::{self, Config};

/// The current rule set. Invariant: always a set that loaded and validated.
#[derive(Debug)]
pub struct LiveRules {
    current: RwLock<Arc<Config>>,
}

impl LiveRules {
    pub fn new(config: Config) -> LiveRules {
        LiveRules {
            current: RwLock::new(Arc::new(config)),
        }
    }

    /// The rules now; kept by the caller for the whole request.
    pub fn get(&self) -> Arc<Config> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Swaps in `config` for every request that starts from now on.
    pub fn replace(&self, config: Config) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
    }
}

/// `(file, size, mtime)` of every file the loader may read, sorted.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

fn fingerprint(dir: &Path) -> Fingerprint {
    let mut out = Vec::new();
    for sub in ["base", "environments", "local"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let meta = entry.metadata().ok();
            out.push((
                entry.path(),
                meta.as_ref().map_or(0, |m| m.len()),
                meta.and_then(|m| m.modified().ok()),
            ));
        }
    }
    out.sort();
    out
}

/// Starts the watcher of `dir`'s rule files (override environment `env`,
/// as given to `config::load`). It stops by itself once `rules` is dropped.
pub fn watch(
    dir: PathBuf,
    env: Option<String>,
    rules: &Arc<LiveRules>,
    interval: Duration,
) -> std::io::Result<JoinHandle<()>> {
    let rules: Weak<LiveRules> = Arc::downgrade(rules);
    std::thread::Builder::new()
        .name("rules-watcher".into())
        .spawn(move || {
            let mut seen = fingerprint(&dir);
            loop {
                std::thread::sleep(interval);
                let Some(rules) = rules.upgrade() else {
                    return;
                };
                let now = fingerprint(&dir);
                if now == seen {
                    continue;
                }
                seen = now;
                match config::load(&dir, env.as_deref()) {
                    Ok(config) => {
                        rules.replace(config);
                        eprintln!("twinbench-serve: rules reloaded from {}", dir.display());
                    }
                    Err(err) => eprintln!(
                        "twinbench-serve: rule change NOT applied, still serving the previous \
                         rules: {err}"
                    ),
                }
            }
        })
}
