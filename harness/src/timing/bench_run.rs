//! A record of the last measuring `cargo bench` run, kept beside criterion's
//! samples, so the report never mixes samples from different runs unawares.
//!
//! criterion keeps each benchmark's last samples indefinitely: after a
//! filtered `cargo bench -- pagerank`, or a code change and a partial re-run,
//! the sample files are a mixture of runs. The bench harness writes this
//! record when it starts measuring; the report flags any sample file older
//! than it as stale rather than silently putting it next to fresh ones.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::environment::GitInfo;
use crate::results::write_atomic;

/// File name inside the criterion directory.
const FILE_NAME: &str = "twinbench-bench-run.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BenchRun {
    /// RFC 3339, UTC.
    pub started_at: String,
    /// Milliseconds since the Unix epoch, for comparing with file times.
    pub started_unix_ms: u64,
    pub scenario: String,
    pub git: Option<GitInfo>,
}

impl BenchRun {
    /// A record of a run starting now.
    pub fn starting_now(scenario: &Path, git: Option<GitInfo>) -> Self {
        let now = SystemTime::now();
        Self {
            started_at: humantime::format_rfc3339_seconds(now).to_string(),
            started_unix_ms: now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            scenario: scenario.display().to_string(),
            git,
        }
    }

    /// When the run started.
    pub fn started(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.started_unix_ms)
    }

    /// Whether the file at `path` was written during or after this run
    /// (i.e. is not left over from an earlier one).
    pub fn covers(&self, path: &Path) -> bool {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= self.started())
    }
}

/// Where the record lives for samples in `criterion_dir`.
pub fn record_path(criterion_dir: &Path) -> PathBuf {
    criterion_dir.join(FILE_NAME)
}

/// Writes `run` as the latest record (atomically).
pub fn write(criterion_dir: &Path, run: &BenchRun) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(run).map_err(std::io::Error::other)?;
    write_atomic(&record_path(criterion_dir), &json)
}

/// The latest record, if a measuring run left one.
pub fn read(criterion_dir: &Path) -> Result<BenchRun, String> {
    let path = record_path(criterion_dir);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "no record of a measuring `cargo bench` run at {} ({e}); run `cargo bench`",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("{}: unreadable: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_before_the_run_is_not_covered() {
        let dir = std::env::temp_dir().join(format!("twinbench-benchrun-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let old = dir.join("old.json");
        std::fs::write(&old, "{}").expect("old");
        let mut run = BenchRun::starting_now(Path::new("s.toml"), None);
        run.started_unix_ms += 60_000; // the run started a minute after `old`
        assert!(!run.covers(&old));
        run.started_unix_ms -= 120_000;
        assert!(run.covers(&old));
        assert!(!run.covers(&dir.join("missing.json")));
        write(&dir, &run).expect("write");
        assert_eq!(read(&dir).expect("read"), run);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
