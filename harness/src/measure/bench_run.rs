//! A record of the last measuring `cargo bench` run, kept beside criterion's
//! samples, so the report never mixes samples from different runs unawares.
//!
//! criterion keeps each benchmark's last samples indefinitely: after a
//! filtered `cargo bench -- pagerank`, or a code change and a partial re-run,
//! the sample files are a mixture of runs. The bench harness writes this
//! record when it starts measuring; the report flags any sample file older
//! than it as stale rather than silently putting it next to fresh ones.

use std::path::{Path, PathBuf};

pub use crate::results::BenchRun;
use crate::workspace::write_atomic;

/// File name inside the criterion directory.
const FILE_NAME: &str = "twinbench-bench-run.json";

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
