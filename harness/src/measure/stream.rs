//! The stream producer's latency under load (claim C16), read from the file
//! the kernels' `stream` bench writes (`cargo bench --bench stream`).
//!
//! Freshness, as for the HTTP record: the file counts only if the
//! measurement started after the pairs bench whose samples the report
//! reads, so a report never puts an old run's latencies beside today's.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::results::{BenchRun, StreamBench};

/// Why the record at a path cannot be used (a problem of the run; claim
/// C16 is then unmeasured).
#[derive(Debug, Error)]
pub enum StreamRecordError {
    #[error(
        "stream producer not measured: cannot read {path} ({source}); `make report` writes it \
         (cargo bench --bench stream)",
        path = path.display()
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: field `{field}`: {problem}; not a record the stream bench wrote: run it again \
         (`make report` does)",
        path = path.display()
    )]
    Malformed {
        path: PathBuf,
        field: String,
        problem: String,
    },
    #[error(
        "{path}: stale: the stream measurement started before the pairs bench ({bench_started}); \
         run `cargo bench --bench stream` again (`make report` does)",
        path = path.display()
    )]
    Stale {
        path: PathBuf,
        bench_started: String,
    },
}

/// The record at `path`, if it is readable, well-formed and fresh.
pub fn read(path: &Path, bench_run: Option<&BenchRun>) -> Result<StreamBench, StreamRecordError> {
    let text = std::fs::read_to_string(path).map_err(|source| StreamRecordError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut json = serde_json::Deserializer::from_str(&text);
    let record: StreamBench =
        serde_path_to_error::deserialize(&mut json).map_err(|e| StreamRecordError::Malformed {
            path: path.to_path_buf(),
            field: e.path().to_string(),
            problem: e.inner().to_string(),
        })?;
    match bench_run {
        Some(run) if record.started_unix_ms < run.started_unix_ms => {
            Err(StreamRecordError::Stale {
                path: path.to_path_buf(),
                bench_started: run.started_at.clone(),
            })
        }
        _ => Ok(record),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixtures::stream_record as record;

    fn scratch(name: &str) -> PathBuf {
        crate::measure::scratch_file("stream", name)
    }

    #[test]
    fn a_hand_made_record_is_consistent() {
        assert_eq!(record(1, 3.0).inconsistencies(), Vec::<String>::new());
        let mut lost_one = record(1, 3.0);
        lost_one.written -= 1;
        let found = lost_one.inconsistencies();
        assert!(found.iter().any(|f| f.contains("accepted")), "{found:?}");
    }

    #[test]
    fn reads_a_fresh_file_and_refuses_stale_missing_or_malformed_ones() {
        let run = {
            let mut r = BenchRun::starting_now(Path::new("s.toml"), None);
            r.started_unix_ms = 1_000;
            r
        };
        let fresh = scratch("fresh.json");
        std::fs::write(
            &fresh,
            serde_json::to_vec(&record(2_000, 3.0)).expect("json"),
        )
        .expect("write");
        assert_eq!(read(&fresh, Some(&run)).expect("fresh"), record(2_000, 3.0));

        let stale = scratch("stale.json");
        std::fs::write(&stale, serde_json::to_vec(&record(500, 3.0)).expect("json"))
            .expect("write");
        let err = read(&stale, Some(&run)).expect_err("stale").to_string();
        assert!(
            err.contains("stale") && err.contains("make report"),
            "{err}"
        );

        let err = read(&scratch("missing.json"), Some(&run))
            .expect_err("missing")
            .to_string();
        assert!(
            err.contains("cannot read") && err.contains("missing.json"),
            "{err}"
        );

        let bad = scratch("bad.json");
        let mut json = serde_json::to_value(record(2_000, 3.0)).expect("json");
        json["from_call"]["p99_us"] = serde_json::json!("fast");
        std::fs::write(&bad, json.to_string()).expect("write");
        let err = read(&bad, Some(&run)).expect_err("malformed").to_string();
        assert!(
            err.contains("bad.json") && err.contains("from_call.p99_us"),
            "{err}"
        );
    }
}
