//! The record of the measuring `cargo bench` run a result's timings come
//! from (written beside criterion's samples by `measure::bench_run`).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::environment::GitInfo;

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
