//! Metric alerts for the LLM monitor's contextual alert manager, each with
//! the reply the model gave when asked about it.
//!
//! Shaped by what the manager's answer depends on:
//!
//! - **Names**: metrics of every keyword category in mixed case (the
//!   categoriser lower-cases, the service mapping does not), names that
//!   match two categories (priority decides), unknown names.
//! - **Ratios** at the severity boundaries (exactly 1.5, 2 and 3 times the
//!   threshold), thresholds of 0 and below, NaN and infinite values.
//! - **Time**: bursts within one second (two alerts of one metric in one
//!   second share an incident id), minutes apart, across midnight; 3%
//!   late.
//! - **Replies**: a bare JSON object, one in a fenced block with prose, two
//!   objects (the greedy match spans both: invalid), a JSON array without
//!   braces, prose only, prose with a stray brace, trailing commas, single
//!   quotes, and documents with Python's own extensions (NaN, big
//!   integers, repeated keys, `\u` escapes and surrogate pairs, floats in
//!   exponent form).

use super::SplitMix64;

/// 2026-01-20T23:00:00Z in microseconds: one hour before midnight.
pub const METRIC_ALERTS_ORIGIN_MICROS: i64 = (1_768_867_200 + 23 * 3_600) * 1_000_000;

const METRICS: [&str; 16] = [
    "graphmemory_api_latency",
    "database_query_duration_ms",
    "redis_memory_usage",
    "http_error_rate",
    "GraphMemory_Exceptions",
    "cpu_usage",
    "Disk_Capacity",
    "auth_failures",
    "unauthorized_requests",
    "service_uptime",
    "Health_Check_Failed",
    "queue_depth",
    "Database_CPU",
    "redis_response_time",
    "search_index_size",
    "security_scan_errors",
];

/// Reply templates; `{n}` a number, `{m}` the metric, `{x}` a float.
const REPLIES: [&str; 14] = [
    r#"{"root_cause": "connection pool exhausted on {m}", "confidence": 0.{n}, "recommendations": ["scale the pool", "add a replica"]}"#,
    "Here is my analysis:\n```json\n{\n  \"root_cause\": \"{m} regression\",\n  \"severity\": \"high\",\n  \"estimated_impact_users\": {n}\n}\n```\nLet me know if you need more.",
    r#"Summary: {"a": 1} and details: {"b": {n}}"#,
    "[\"restart {m}\", \"check logs\", {n}]",
    "The system looks healthy; no action needed for {m}.",
    "Value {m} exceeded } the threshold { by {n}%.",
    r#"{"actions": ["a", "b",], "n": {n}}"#,
    "{'root_cause': '{m}', 'n': {n}}",
    r#"{"score": NaN, "trend": -Infinity, "requests": 123456789012345678901234567890{n}}"#,
    r#"{"key": 1, "key": {n}, "other": {"key": [true, false, null]}}"#,
    "Réponse : {\"cause\": \"m\\u00e9moire \\ud83d\\ude00 satur\u{e9}e\", \"taux\": {x}}",
    r#"{"tiny": {x}e-7, "huge": {x}e+300, "int_exp": 1E5, "neg_zero": -0.0}"#,
    "{\"unterminated\": \"{m}",
    "  {\"ok\": true}  \n\n",
];

/// One column per field; row `i` is alert `i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricAlerts {
    pub time: Vec<i64>,
    pub metric: Vec<&'static str>,
    pub value: Vec<f64>,
    pub threshold: Vec<f64>,
    pub response: Vec<String>,
}

impl MetricAlerts {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }
}

/// `size` metric alerts.
pub fn metric_alerts(size: usize, rng: &mut SplitMix64) -> MetricAlerts {
    let mut out = MetricAlerts::default();
    let mut clock = METRIC_ALERTS_ORIGIN_MICROS;
    for _ in 0..size {
        clock += match rng.below(100) {
            0..30 => rng.below(900_000) as i64,
            30..90 => (rng.unit() * 60.0e6) as i64,
            _ => (rng.unit() * 900.0e6) as i64,
        };
        let time = if rng.below(100) < 3 {
            clock - rng.below(400_000_000) as i64
        } else {
            clock
        };
        let metric = METRICS[rng.below(METRICS.len() as u64) as usize];
        let threshold = match rng.below(100) {
            0..4 => 0.0,
            4..6 => -10.0,
            6..7 => f64::NAN,
            _ => [80.0, 100.0, 0.5, 1_000.0][rng.below(4) as usize],
        };
        let value = match rng.below(100) {
            0..12 => threshold * [1.5, 2.0, 3.0][rng.below(3) as usize],
            12..14 => f64::NAN,
            14..15 => f64::INFINITY,
            _ => threshold * (0.8 + 3.0 * rng.unit()),
        };
        let n = (1 + rng.below(9_999)).to_string();
        let x = format!("{}", rng.normal() * 10f64.powi(rng.below(9) as i32 - 4));
        let response = REPLIES[rng.below(REPLIES.len() as u64) as usize]
            .replace("{n}", &n)
            .replace("{m}", metric)
            .replace("{x}", &x);
        out.time.push(time);
        out.metric.push(metric);
        out.value.push(value);
        out.threshold.push(threshold);
        out.response.push(response);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alerts_plant_what_the_manager_depends_on() {
        let a = metric_alerts(3_000, &mut SplitMix64::new(11));
        assert!(a.time.windows(2).any(|w| w[1] < w[0]));
        let day = |t: i64| t.div_euclid(86_400 * 1_000_000);
        assert!(day(*a.time.last().expect("alerts")) > day(a.time[0]));
        let same_second =
            a.time.windows(2).zip(a.metric.windows(2)).any(|(t, m)| {
                t[0].div_euclid(1_000_000) == t[1].div_euclid(1_000_000) && m[0] == m[1]
            });
        assert!(same_second);
        assert!(a.value.iter().any(|v| v.is_nan()));
        assert!(a.threshold.contains(&0.0));
        assert!(a.response.iter().any(|r| r.contains("```json")));
    }
}
