//! A batch of incident alerts as plain dicts: what the smart-alerting
//! system's `process_alerts` is handed (catalog ml_monitoring.md §4).
//!
//! Shaped by what the original's answer depends on:
//!
//! - **Time.** Alerts arrive in bursts (a fifth on the previous alert's
//!   microsecond, most seconds apart, a tenth minutes apart) and 5% arrive
//!   late, up to 15 minutes before the previous one, so sorting by
//!   timestamp reorders the batch; ties keep their order (a stable sort).
//!   Gaps of exactly ten minutes hit the window's inclusive edge.
//! - **Ids.** 4% of alerts have no `alert_id` (the fallback `alert_{i}`
//!   names the sorted position, and the grouping cannot find it); 3% repeat
//!   a recent alert's id (a re-sent alert: the linear search finds the
//!   first).
//! - **Service keys.** Presence decides: `service`, else `component`, else
//!   `source`, each sometimes `None` or empty (the alert is then skipped as
//!   a primary even when a later key has a value); a fifth of the alerts
//!   have none, and their service comes from the metric name.
//! - **Metric names and severities.** Names of every class the classifier
//!   knows (in mixed case), of the relationship tables' neighbours, others,
//!   the empty name, and missing; severities in mixed case, unknown ones
//!   and missing.

use twinbench_kernels::alerting::smart::{AlertRecord, Field};

use super::SplitMix64;

/// 2026-01-20T00:00:00Z in microseconds: the first alert.
const ORIGIN_MICROS: i64 = 1_768_867_200 * 1_000_000;

const SERVICES: [&str; 10] = [
    "graphmemory_api",
    "database",
    "load_balancer",
    "redis",
    "storage",
    "nginx",
    "graphmemory_search",
    "auth",
    "worker",
    "Database",
];

const METRIC_NAMES: [&str; 18] = [
    "response_time_p95",
    "api_request_duration_ms",
    "Response_Time",
    "error_rate",
    "database_errors",
    "http_errors_total",
    "memory_usage",
    "redis_memory_bytes",
    "cpu_usage",
    "CPU_Load",
    "node_count",
    "active_sessions",
    "cache_size",
    "database_connections",
    "graphmemory_search_latency",
    "disk_io_wait",
    "queue_depth",
    "",
];

const SEVERITIES: [&str; 9] = [
    "low", "medium", "high", "critical", "High", "CRITICAL", "warning", "info", "Medium",
];

/// The batch and the clock `process_alerts` reads (the rate limiter's
/// hour): the last alert's time.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertBatch {
    pub alerts: Vec<AlertRecord>,
    pub now: i64,
}

fn field(rng: &mut SplitMix64) -> Field {
    match rng.below(100) {
        0..8 => Field::Null,
        8..12 => Field::Text(String::new()),
        _ => Field::Text(SERVICES[rng.below(SERVICES.len() as u64) as usize].to_string()),
    }
}

/// `size` alert dicts.
pub fn alert_batch(size: usize, rng: &mut SplitMix64) -> AlertBatch {
    let mut alerts: Vec<AlertRecord> = Vec::with_capacity(size);
    let mut clock = ORIGIN_MICROS;
    let mut next_id = 1_000u64;
    for i in 0..size {
        clock += match rng.below(100) {
            0..20 => 0,
            20..23 => 600_000_000,
            23..90 => (rng.unit() * 30.0e6) as i64,
            _ => (rng.unit() * 900.0e6) as i64,
        };
        let timestamp = if rng.below(100) < 5 {
            clock - rng.below(900_000_000) as i64
        } else {
            clock
        };
        let alert_id = match rng.below(100) {
            0..4 => None,
            4..7 if i > 0 => {
                let back = 1 + rng.below(20.min(i as u64)) as usize;
                alerts[i - back].alert_id
            }
            _ => {
                next_id += 1;
                Some(next_id)
            }
        };
        let (mut service, mut component, mut source) =
            (Field::Absent, Field::Absent, Field::Absent);
        match rng.below(100) {
            0..50 => service = field(rng),
            50..70 => component = field(rng),
            70..80 => source = field(rng),
            _ => {}
        }
        // A later key beside the deciding one: presence, not value, decides.
        if rng.below(100) < 15 {
            source = field(rng);
        }
        let metric_name = (rng.below(100) >= 8)
            .then(|| METRIC_NAMES[rng.below(METRIC_NAMES.len() as u64) as usize].to_string());
        let severity = (rng.below(100) >= 5)
            .then(|| SEVERITIES[rng.below(SEVERITIES.len() as u64) as usize].to_string());
        alerts.push(AlertRecord {
            alert_id,
            timestamp,
            service,
            component,
            source,
            metric_name,
            severity,
        });
    }
    AlertBatch { alerts, now: clock }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_plants_what_the_rules_depend_on() {
        let batch = alert_batch(2_000, &mut SplitMix64::new(7));
        let a = &batch.alerts;
        assert!(a.windows(2).any(|w| w[1].timestamp < w[0].timestamp));
        assert!(a.windows(2).any(|w| w[1].timestamp == w[0].timestamp));
        assert!(a.iter().any(|x| x.alert_id.is_none()));
        let mut ids: Vec<u64> = a.iter().filter_map(|x| x.alert_id).collect();
        let with_id = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert!(ids.len() < with_id);
        assert!(a.iter().any(|x| x.service == Field::Null));
        assert!(a.iter().any(|x| x.component == Field::Text(String::new())));
        assert!(a.iter().any(|x| {
            x.service == Field::Absent && x.component == Field::Absent && x.source == Field::Absent
        }));
        assert!(a.iter().any(|x| x.metric_name.is_none()));
        assert!(a.iter().any(|x| x.severity.is_none()));
        assert!(a.iter().all(|x| x.timestamp <= batch.now));
    }
}
