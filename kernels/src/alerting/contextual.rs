//! The LLM monitor's contextual alert manager (catalog ml_monitoring.md §3,
//! `monitoring/ai_detection/llm_monitor.py` at 9455c19): per metric alert
//! an incident with ratio severity (K3.2), keyword category, services and
//! user impact (K3.3) and the LLM's analysis extracted from its response
//! (K3.1); then (service, category) groups of the last 300 s (K3.4) and the
//! summary counts (K3.5).
//!
//! The extraction is `re.search(r"\{.*\}", response, re.DOTALL)`: greedy,
//! so from the first `{` to the *last* `}` (two JSON objects in one reply
//! make one invalid document, so `{}`); with no such span the whole reply
//! is parsed. A `JSONDecodeError` gives `{}`; any other exception (an
//! integer of more than 4,300 digits) propagates, and the twin returns it
//! as an error.

use crate::fast_hash::FastMap;
use crate::text::python_json::{self, LoadError, Value};
use crate::text::python_str;

/// `AlertSeverity`, in declaration order (the harness's codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// `AlertCategory`, in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Performance,
    Error,
    Capacity,
    Security,
    Availability,
}

/// The affected services, by the harness's codes.
pub const SERVICES: [&str; 5] = [
    "graphmemory-api",
    "graphmemory-search",
    "database",
    "redis",
    "graphmemory-cache",
];

/// One metric alert and what the model answered about it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricAlert {
    /// Naive wall-clock microseconds.
    pub time: i64,
    pub metric: String,
    pub value: f64,
    pub threshold: f64,
    pub response: String,
}

/// An `IncidentContext`.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub time: i64,
    pub severity: Severity,
    pub category: Category,
    /// Indices into [`SERVICES`].
    pub services: &'static [u8],
    /// Index of the impact entry (the seven of the table, then the
    /// default).
    pub impact: u8,
    pub analysis: Value,
}

/// `_calculate_severity`: the ratio to a positive threshold, else 1.0 (NaN
/// compares false everywhere: low).
pub fn severity(value: f64, threshold: f64) -> Severity {
    let ratio = if threshold > 0.0 {
        value / threshold
    } else {
        1.0
    };
    if ratio >= 3.0 {
        Severity::Critical
    } else if ratio >= 2.0 {
        Severity::High
    } else if ratio >= 1.5 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// `_categorize_alert`: keywords of the lower-cased name, in priority
/// order.
pub fn category(metric: &str) -> Category {
    let m = python_str::lower(metric);
    let any = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if any(&["duration", "latency", "response_time"]) {
        Category::Performance
    } else if any(&["error", "exception", "failed"]) {
        Category::Error
    } else if any(&["memory", "cpu", "disk", "capacity"]) {
        Category::Capacity
    } else if any(&["auth", "security", "unauthorized"]) {
        Category::Security
    } else if any(&["availability", "uptime", "health"]) {
        Category::Availability
    } else {
        Category::Performance
    }
}

/// `_identify_affected_services` (case-sensitive).
pub fn services(metric: &str) -> &'static [u8] {
    if metric.contains("graphmemory") {
        &[0, 1]
    } else if metric.contains("database") {
        &[2, 0]
    } else if metric.contains("redis") {
        &[3, 4]
    } else {
        &[0]
    }
}

/// `_assess_user_impact`: the table's entry, 7 for the default.
pub fn impact(category: Category, severity: Severity) -> u8 {
    use Category as C;
    use Severity as S;
    match (category, severity) {
        (C::Performance, S::Critical) => 0,
        (C::Performance, S::High) => 1,
        (C::Error, S::Critical) => 2,
        (C::Error, S::High) => 3,
        (C::Availability, S::Critical) => 4,
        (C::Security, S::Critical) => 5,
        (C::Capacity, S::Critical) => 6,
        _ => 7,
    }
}

/// `_extract_json_from_response`.
pub fn extract_json(response: &str) -> Result<Value, LoadError> {
    let span = match (response.find('{'), response.rfind('}')) {
        (Some(open), Some(close)) if open < close => &response[open..=close],
        _ => response,
    };
    match python_json::loads(span) {
        Ok(value) => Ok(value),
        Err(LoadError::Decode { .. }) => Ok(Value::Dict(Vec::new())),
        Err(other) => Err(other),
    }
}

/// `get_incident_summary()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub active: usize,
    /// In first-seen order over the active incidents.
    pub by_severity: Vec<(Severity, usize)>,
    pub by_category: Vec<(Category, usize)>,
    pub today: usize,
}

/// What one run of the harness's stream gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Managed {
    pub incidents: Vec<Incident>,
    /// Groups of positions in `incidents`.
    pub groups: Vec<Vec<usize>>,
    pub summary: Summary,
}

const SECOND: i64 = 1_000_000;
const DAY: i64 = 86_400 * SECOND;
/// `correlate_alerts`' default window, inclusive.
const GROUP_WINDOW: i64 = 300 * SECOND;

/// Every alert into one manager at its own time, then the groups and the
/// summary at the last alert's time.
pub fn manage(alerts: &[MetricAlert]) -> Result<Managed, LoadError> {
    let mut incidents = Vec::with_capacity(alerts.len());
    // Active incidents in dict order, by their id (second, metric).
    let mut active: Vec<usize> = Vec::new();
    let mut ids: FastMap<(i64, &str), usize> = FastMap::default();
    // `alert_history`: the oldest position still in it.
    let mut history_start = 0;
    // Category and services depend on the name alone: worked out once per
    // distinct name (the original lower-cases and scans per alert).
    let mut by_name: FastMap<&str, (Category, &'static [u8])> = FastMap::default();
    for (k, alert) in alerts.iter().enumerate() {
        let severity = severity(alert.value, alert.threshold);
        let (category, services) = *by_name
            .entry(alert.metric.as_str())
            .or_insert_with(|| (category(&alert.metric), services(&alert.metric)));
        incidents.push(Incident {
            time: alert.time,
            severity,
            category,
            services,
            impact: impact(category, severity),
            analysis: extract_json(&alert.response)?,
        });
        let id = (alert.time.div_euclid(SECOND), alert.metric.as_str());
        match ids.get(&id) {
            Some(&slot) => active[slot] = k,
            None => {
                ids.insert(id, active.len());
                active.push(k);
            }
        }
        if k + 1 - history_start > 1_000 {
            history_start = k + 1 - 500;
        }
    }
    let now = alerts.last().map_or(0, |a| a.time);
    let mut keys: Vec<(u8, Category)> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &k in &active {
        let incident = &incidents[k];
        if now - incident.time > GROUP_WINDOW {
            continue;
        }
        for &service in incident.services {
            let key = (service, incident.category);
            match keys.iter().position(|x| *x == key) {
                Some(g) => groups[g].push(k),
                None => {
                    keys.push(key);
                    groups.push(vec![k]);
                }
            }
        }
    }
    groups.retain(|g| g.len() > 1);
    let mut by_severity: Vec<(Severity, usize)> = Vec::new();
    let mut by_category: Vec<(Category, usize)> = Vec::new();
    for &k in &active {
        count(&mut by_severity, incidents[k].severity);
        count(&mut by_category, incidents[k].category);
    }
    let today = now.div_euclid(DAY);
    let summary = Summary {
        active: active.len(),
        by_severity,
        by_category,
        today: incidents[history_start.min(incidents.len())..]
            .iter()
            .filter(|i| i.time.div_euclid(DAY) == today)
            .count(),
    };
    Ok(Managed {
        incidents,
        groups,
        summary,
    })
}

fn count<K: PartialEq + Copy>(counts: &mut Vec<(K, usize)>, key: K) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 += 1,
        None => counts.push((key, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greedy_span_runs_to_the_last_brace() {
        let two = r#"first {"a": 1} then {"b": 2}"#;
        assert_eq!(extract_json(two), Ok(Value::Dict(Vec::new())));
        let fenced = "```json\n{\"root_cause\": \"pool\", \"n\": 3}\n```";
        let Ok(Value::Dict(pairs)) = extract_json(fenced) else {
            panic!("a dict");
        };
        assert_eq!(pairs.len(), 2);
        assert_eq!(extract_json("[1, 2]"), python_json::loads("[1, 2]"));
        assert_eq!(extract_json("} no {"), Ok(Value::Dict(Vec::new())));
    }

    #[test]
    fn severity_boundaries_and_nan() {
        assert_eq!(severity(150.0, 100.0), Severity::Medium);
        assert_eq!(severity(300.0, 100.0), Severity::Critical);
        assert_eq!(severity(f64::NAN, 100.0), Severity::Low);
        assert_eq!(severity(500.0, 0.0), Severity::Low);
        assert_eq!(category("DB_Query_Duration"), Category::Performance);
        assert_eq!(category("auth_errors"), Category::Error);
    }
}
