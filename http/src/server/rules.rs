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
/// as given to `config::load`). Its first poll loads the files once more,
/// so nothing changed since the caller loaded them is missed; a set equal
/// to the current one is not swapped. It stops by itself once `rules` is
/// dropped.
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
            // None: the first poll always loads, so a change made between
            // the caller's load and this thread's start is not missed.
            let mut seen: Option<Fingerprint> = None;
            loop {
                std::thread::sleep(interval);
                let Some(rules) = rules.upgrade() else {
                    return;
                };
                let now = fingerprint(&dir);
                if seen.as_ref() == Some(&now) {
                    continue;
                }
                seen = Some(now);
                match config::load(&dir, env.as_deref()) {
                    Ok(config) if *rules.get() == config => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_rules(to: &Path) {
        for sub in ["base", "local"] {
            std::fs::create_dir_all(to.join(sub)).expect("mkdir");
        }
        for name in ["sla_rules.yaml", "routing_rules.yaml", "queries.yaml"] {
            let from = config::default_dir().join("base").join(name);
            std::fs::copy(from, to.join("base").join(name)).expect("copy");
        }
    }

    fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let start = std::time::Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(10), "{what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A good change is swapped in; a bad one leaves the last good set;
    /// the watcher ends once the rules are dropped.
    #[test]
    fn the_watcher_swaps_good_sets_and_keeps_the_last_good_one() {
        let dir = std::env::temp_dir().join(format!("twinbench-rules-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_rules(&dir);
        let rules = Arc::new(LiveRules::new(
            config::load(&dir, Some("none")).expect("rules"),
        ));
        let watcher = watch(
            dir.clone(),
            Some("none".into()),
            &rules,
            Duration::from_millis(10),
        )
        .expect("watcher");
        let shell = |r: &LiveRules| r.get().sla.target_for("shell").target_minutes;
        assert_eq!(shell(&rules), 5);
        let file = dir.join("local").join("o.yaml");
        std::fs::write(&file, "sla_targets:\n  shell:\n    target_minutes: 9\n").expect("write");
        wait_for("the new target", || shell(&rules) == 9);
        let held = rules.get();
        std::fs::write(&file, "sla_targets: [").expect("write");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            shell(&rules),
            9,
            "a malformed set must not replace the rules"
        );
        std::fs::write(&file, "sla_targets:\n  shell:\n    target_minutes: 11\n").expect("write");
        wait_for("the next good set", || shell(&rules) == 11);
        assert_eq!(
            held.sla.target_for("shell").target_minutes,
            9,
            "a held set never changes"
        );
        drop(rules);
        wait_for("the watcher to stop", || watcher.is_finished());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
