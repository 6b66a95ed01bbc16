//! The measurement `make report` runs, end to end at toy bounds: both
//! servers measured at two connection counts with no failed request, their
//! memory sampled over all their processes, the reload measured, and the
//! record readable back. (Its figures are the report's business: nothing
//! here asserts a speed.)

mod common;

use std::time::Duration;

use twinbench_http::bench::{BenchOptions, measure};
use twinbench_http::record::HttpBench;

#[test]
fn both_servers_are_measured_and_the_record_round_trips() {
    let with_python = common::python_side_available("bench");
    let dir = tempfile::tempdir().expect("tempdir");
    let options = BenchOptions {
        twin: common::twin_binary(),
        tasks: 600,
        sessions: 20,
        seed: 5,
        connections: vec![1, 4],
        request_bound: 150,
        duration_bound: Duration::from_secs(20),
        warmup_requests: 20,
    };
    let mut lines = Vec::new();
    let bench = measure(&options, dir.path(), |l| lines.push(l.to_string()));
    assert_eq!(bench.mix.len(), 10, "{:?}", bench.mix);
    for server in &bench.servers {
        if server.side == "python" && !with_python {
            assert!(!server.problems.is_empty(), "a skipped side says why");
            continue;
        }
        assert!(
            server.problems.is_empty(),
            "{}: {:?}",
            server.side,
            server.problems
        );
        assert_eq!(server.runs.len(), 2);
        for run in &server.runs {
            assert_eq!(run.completed, 150, "{}: {run:?}", server.side);
            assert_eq!(
                run.non_2xx + run.transport_errors,
                0,
                "{}: {run:?}",
                server.side
            );
        }
        let memory = server.memory.as_ref().expect("sampled");
        assert!(
            memory.peak_pss_bytes > 0 && memory.samples >= 1,
            "{memory:?}"
        );
        let processes = if server.side == "python" { 2 } else { 1 };
        assert!(memory.processes >= processes, "{}: {memory:?}", server.side);
    }
    let reload = bench
        .reload
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", bench.problems));
    assert_eq!(reload.failed_during, 0, "{reload:?}");
    assert!(reload.requests_during > 0, "{reload:?}");
    let json = serde_json::to_string(&bench).expect("encode");
    let back: HttpBench = serde_json::from_str(&json).expect("decode");
    // Compared as JSON values: both sides of the comparison parse the same
    // decimal text, so a float's last bit cannot differ.
    let as_value = |b: &HttpBench| serde_json::to_value(b).expect("value");
    assert_eq!(
        as_value(&back),
        serde_json::from_str::<serde_json::Value>(&json).expect("value")
    );
    assert!(lines.iter().any(|l| l.contains("reload")), "{lines:?}");
}
