//! The task-routing service over HTTP (claims C20, C21, C23, C25), read
//! from the file `twinbench-http-bench` writes (crate `twinbench-http`):
//! the report links no HTTP stack, it reads the measurement's records.
//!
//! Freshness: the file counts only if the measurement started after the
//! pairs bench whose samples the report reads (`BenchRun`), so a report
//! never puts last week's server figures beside today's kernels.

use std::path::Path;

use super::record::{self, RecordError, RecordSource};
use crate::results::{BenchRun, HttpBench};

/// The HTTP bench's record, for the messages.
pub const SOURCE: RecordSource = RecordSource {
    what: "HTTP service",
    writer: "twinbench-http-bench",
};

/// The measurement at `path`, or why it cannot be used (a problem of the run).
pub fn read(path: &Path, bench_run: Option<&BenchRun>) -> Result<HttpBench, RecordError> {
    let bench: HttpBench = record::read_json(path, SOURCE)?;
    record::check_fresh(path, SOURCE, bench.started_unix_ms, bench_run)?;
    Ok(bench)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use twinbench_http::record::DatabaseShape;

    fn bench(started_unix_ms: u64) -> HttpBench {
        HttpBench {
            started_unix_ms,
            database: DatabaseShape {
                tasks: 10,
                sessions: 2,
                seed: 1,
            },
            mix: Vec::new(),
            request_bound: 1,
            duration_bound_s: 1.0,
            servers: Vec::new(),
            reload: None,
            problems: Vec::new(),
        }
    }

    fn scratch(name: &str) -> PathBuf {
        crate::measure::scratch_file("http", name)
    }

    #[test]
    fn reads_a_fresh_file_and_refuses_stale_missing_or_malformed_ones() {
        let run = {
            let mut r = BenchRun::starting_now(Path::new("s.toml"), None);
            r.started_unix_ms = 1_000;
            r
        };
        let fresh = scratch("fresh.json");
        std::fs::write(&fresh, serde_json::to_vec(&bench(2_000)).expect("json")).expect("write");
        assert_eq!(read(&fresh, Some(&run)).expect("fresh"), bench(2_000));

        let stale = scratch("stale.json");
        std::fs::write(&stale, serde_json::to_vec(&bench(500)).expect("json")).expect("write");
        let err = read(&stale, Some(&run)).expect_err("stale").to_string();
        assert!(
            err.contains("stale") && err.contains("make report"),
            "{err}"
        );

        let err = read(&scratch("missing.json"), Some(&run))
            .expect_err("missing")
            .to_string();
        assert!(
            err.contains("cannot read") && err.contains("make report"),
            "{err}"
        );

        let bad = scratch("bad.json");
        std::fs::write(&bad, "{\"started_unix_ms\": \"soon\"}").expect("write");
        let err = read(&bad, Some(&run)).expect_err("malformed").to_string();
        assert!(
            err.contains("bad.json") && err.contains("started_unix_ms"),
            "{err}"
        );
    }
}
