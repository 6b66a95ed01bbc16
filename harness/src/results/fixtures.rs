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
