//! What the stream producer's latency measurement records (claim C16,
//! "Streaming Service: < 10ms latency"), as written to JSON by the kernels'
//! `stream` bench and read back by the report. Plain data (serde only), kept
//! beside the HTTP records because both are read by the report without
//! linking the runtime that produced them.
//!
//! An event's latency runs from the `produce` call to the moment the sink
//! has written the whole batch that holds it. Two starting points are kept:
//! the call (what a caller waits, including the time it was blocked by
//! backpressure) and the acceptance (`produce` returned its sequence number).

use serde::{Deserialize, Serialize};

use crate::record::LatencySummary;

/// The whole measurement (the `stream` bench's output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StreamBench {
    /// When the measurement started (ms since the Unix epoch): the report
    /// takes it only if it is newer than the pairs bench it reports.
    pub started_unix_ms: u64,
    pub config: StreamConfig,
    /// Why production stopped: every event was produced, or the time ran out.
    pub stopped_by: StopReason,
    /// `produce` calls that returned a sequence number (accepted events).
    pub accepted: u64,
    /// Accepted events the sink wrote, each counted once.
    pub written: u64,
    /// Accepted events the sink never wrote before the run's bound.
    pub lost: u64,
    /// Writes of an event beyond its first (a re-sent event).
    pub duplicated: u64,
    /// Lines the sink's server appended to its file: `written + duplicated`
    /// when the sink and the server agree.
    pub server_appended: u64,
    /// `produce` calls that had to wait for room: backpressure engaged.
    pub blocked: u64,
    /// Sink writes (batches), and how many of them failed.
    pub batches: u64,
    pub failed_batches: u64,
    /// From the first `produce` call to the last event written.
    pub elapsed_s: f64,
    /// `written / elapsed_s`.
    pub events_per_s: f64,
    /// Per written event, from the `produce` call; `None` if none was written.
    pub from_call: Option<LatencySummary>,
    /// Per written event, from `produce` returning; `None` if none was written.
    pub from_acceptance: Option<LatencySummary>,
    /// Each sink write's duration (a whole batch's `XADD`s); `None` if
    /// the sink never wrote.
    pub batch_write: Option<LatencySummary>,
    /// What could not be measured, and why.
    pub problems: Vec<String>,
}

/// The machine, runtime and load the figures were measured under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StreamConfig {
    /// tokio multi-thread runtime worker threads.
    pub worker_threads: usize,
    /// The machine's available parallelism when measured.
    pub cpus: usize,
    /// Producer tasks, each producing its share of `events` back to back.
    pub producers: usize,
    /// Events the run produces unless `duration_bound_s` comes first.
    pub events: u64,
    pub duration_bound_s: f64,
    /// The producer's `ProducerConfig`.
    pub capacity: usize,
    pub batch_size: usize,
    pub flush_interval_ms: u64,
    /// Bytes of each event's payload.
    pub payload_bytes: usize,
    /// Streams the events are spread over.
    pub streams: usize,
    /// What one sink write costs, in words.
    pub sink: String,
}

/// Why production stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every one of `config.events` was produced.
    Events,
    /// `config.duration_bound_s` passed first.
    Deadline,
}

impl StreamBench {
    /// Where the record contradicts itself: every accepted event must be
    /// written exactly once or counted lost, the server must have appended
    /// what the sink wrote, both latency summaries must cover every written
    /// event, and their percentiles must be ordered, the call's at or above
    /// the acceptance's (an event is accepted after its call). Empty when
    /// the record is consistent.
    pub fn inconsistencies(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.written + self.lost != self.accepted {
            out.push(format!(
                "written ({}) + lost ({}) != accepted ({})",
                self.written, self.lost, self.accepted
            ));
        }
        if self.server_appended != self.written + self.duplicated {
            out.push(format!(
                "the server appended {} lines, the sink wrote {} events ({} duplicated)",
                self.server_appended, self.written, self.duplicated
            ));
        }
        if self.blocked > self.accepted {
            out.push(format!(
                "{} blocked calls of {} accepted",
                self.blocked, self.accepted
            ));
        }
        for (name, summary) in [
            ("from_call", &self.from_call),
            ("from_acceptance", &self.from_acceptance),
        ] {
            match summary {
                None if self.written > 0 => out.push(format!(
                    "{name}: missing for {} written events",
                    self.written
                )),
                Some(s) if s.count as u64 != self.written => out.push(format!(
                    "{name}: covers {} events, {} were written",
                    s.count, self.written
                )),
                Some(s) if !ordered(s) => out.push(format!(
                    "{name}: percentiles out of order (p50 {} p90 {} p99 {} p99.9 {} max {} µs)",
                    s.p50_us, s.p90_us, s.p99_us, s.p99_9_us, s.max_us
                )),
                _ => {}
            }
        }
        if self.batch_write.as_ref().map_or(0, |b| b.count as u64) != self.batches {
            out.push(format!(
                "batch_write covers {} writes, the sink made {}",
                self.batch_write.as_ref().map_or(0, |b| b.count),
                self.batches
            ));
        }
        if let (Some(call), Some(acc)) = (&self.from_call, &self.from_acceptance) {
            let pairs = [
                (call.p50_us, acc.p50_us),
                (call.p90_us, acc.p90_us),
                (call.p99_us, acc.p99_us),
                (call.p99_9_us, acc.p99_9_us),
                (call.max_us, acc.max_us),
            ];
            if pairs.iter().any(|(c, a)| c < a) {
                out.push(
                    "a percentile from the call is below the same percentile from acceptance"
                        .into(),
                );
            }
        }
        out
    }
}

fn ordered(s: &LatencySummary) -> bool {
    s.p50_us <= s.p90_us && s.p90_us <= s.p99_us && s.p99_us <= s.p99_9_us && s.p99_9_us <= s.max_us
}
