//! Hand-made records for the tests of the modules that read them (measure,
//! verdicts, report), kept with the types so no reader's tests depend on
//! another reader.

use twinbench_http::record::LatencySummary;
use twinbench_http::stream_record::{StopReason, StreamBench, StreamConfig};

/// A hand-made, consistent record: 1,000 events, every one written
/// once, `p99_ms` the 99th percentile from the call.
pub(crate) fn stream_record(started_unix_ms: u64, p99_ms: f64) -> StreamBench {
    let summary = |p99_us: f64| LatencySummary {
        count: 1_000,
        mean_us: p99_us / 4.0,
        p50_us: p99_us / 5.0,
        p90_us: p99_us / 2.0,
        p99_us,
        p99_9_us: p99_us * 1.5,
        max_us: p99_us * 2.0,
    };
    StreamBench {
        started_unix_ms,
        config: StreamConfig {
            worker_threads: 2,
            cpus: 2,
            producers: 4,
            events: 1_000,
            duration_bound_s: 10.0,
            capacity: 100,
            batch_size: 10,
            flush_interval_ms: 5_000,
            payload_bytes: 200,
            streams: 4,
            sink: "a test sink".into(),
        },
        stopped_by: StopReason::Events,
        accepted: 1_000,
        written: 1_000,
        lost: 0,
        duplicated: 0,
        server_appended: 1_000,
        blocked: 300,
        batches: 100,
        failed_batches: 0,
        elapsed_s: 0.5,
        events_per_s: 2_000.0,
        from_call: Some(summary(p99_ms * 1e3)),
        from_acceptance: Some(summary(p99_ms * 1e3 * 0.8)),
        batch_write: Some(LatencySummary {
            count: 100,
            ..summary(500.0)
        }),
        problems: Vec::new(),
    }
}

/// A hand-made, consistent shadow-campaign record: the analytics family,
/// 4,000 shadowed calls over two functions, `errors` of them mismatches
/// (all in the first function), 100 declined.
pub(crate) fn shadow_run(errors: u64) -> crate::results::ShadowRun {
    use crate::pairs::Domain;
    use crate::results::{ShadowCounts, ShadowFamily, ShadowFunction, ShadowKept, ShadowRun};
    let function = |name: &str, shadowed: u64, declined: u64, mismatches: u64| ShadowFunction {
        function: name.into(),
        counts: ShadowCounts {
            calls: shadowed + declined,
            shadowed,
            declined,
            mismatches,
            failures: 0,
        },
        original_ns_total: 1_000_000,
        twin_ns_total: 100_000,
        kept: (0..mismatches.min(5))
            .map(|i| ShadowKept {
                kind: "mismatch".into(),
                detail: format!("at node {i}: twin 0.5, original 0.25"),
                input: "ba(40,2) int labels, shuffled".into(),
            })
            .collect(),
    };
    ShadowRun {
        schema: crate::results::SHADOW_SCHEMA,
        pins: "main".into(),
        seed: 1,
        calls_per_family: 4_000,
        python: "3.11.7".into(),
        packages: [("networkx".to_string(), "3.4.2".to_string())].into(),
        families: vec![ShadowFamily {
            family: Domain::Analytics,
            counts: ShadowCounts {
                calls: 4_100,
                shadowed: 4_000,
                declined: 100,
                mismatches: errors,
                failures: 0,
            },
            seconds: 8.0,
            functions: vec![
                function("pagerank", 2_000, 0, errors),
                function("shortest_path", 2_000, 100, 0),
            ],
        }],
    }
}
