//! The stream producer's latency under load (claim C16), read from the file
//! the kernels' `stream` bench writes (`cargo bench --bench stream`).
//!
//! Freshness, as for the HTTP record: the file counts only if the
//! measurement started after the pairs bench whose samples the report
//! reads, so a report never puts an old run's latencies beside today's.

use std::path::Path;

use super::record::{self, RecordError, RecordSource};
use crate::results::{BenchRun, StreamBench};

/// The stream bench's record, for the messages.
pub const SOURCE: RecordSource = RecordSource {
    what: "stream producer",
    writer: "cargo bench --bench stream",
};

/// The record at `path`, if it is readable, well-formed and fresh.
pub fn read(path: &Path, bench_run: Option<&BenchRun>) -> Result<StreamBench, RecordError> {
    let bench: StreamBench = record::read_json(path, SOURCE)?;
    record::check_fresh(path, SOURCE, bench.started_unix_ms, bench_run)?;
    Ok(bench)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixtures::stream_record as record;

    fn scratch(name: &str) -> std::path::PathBuf {
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
