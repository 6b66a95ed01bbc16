//! K4.1: `AlertCorrelationEngine.correlate_alerts`. The batch is stably
//! sorted by timestamp; then, for every alert as the *primary* and every
//! other alert, four strategies decide whether the two are related, and a
//! primary with at least one related alert gives one correlation per
//! strategy:
//!
//! - **temporal**: `|t_i − t_j| ≤ 600 s`; strength `min(1.0, 0.3 · k)` for
//!   `k` related alerts (`0.3 * 3` is `0.8999999999999999`, as in Python);
//! - **service**: the first of `service`, `component`, `source` *present*
//!   in the dict, else one derived from `metric_name`; related when either
//!   service lists the other as a dependency (the same service is not
//!   related to itself); strength 0.8; a primary whose service is `None`
//!   or empty gives nothing;
//! - **metric**: the metric class of the lower-cased `metric_name`; related
//!   by the metric relationship table in either direction; strength 0.7;
//! - **causal**: never fires. Its pattern is `f"{metric_class}_{severity}"`
//!   for severity `high` or `critical`; of the table's keys only `cpu_high`
//!   and `memory_high` end so, and they need the class `cpu` or `memory`,
//!   which the classifier never returns (a name containing "cpu" is
//!   `cpu_usage`). The test `the_causal_strategy_is_unreachable` checks it.
//!
//! The list is then ranked by strength (stable: ties keep strategy order)
//! and deduplicated on the *set* of ids a correlation names (primary and
//! related), the first of each set kept.
//!
//! Complexity: the original tests every ordered pair, `O(n²)` per strategy.
//! Here the batch is sorted, so a primary's temporal partners are one
//! contiguous run; and the service and metric rules depend only on the
//! alerts' classes, so one list of partners per class serves every primary
//! of that class. Building the answer (the related lists) is what is left.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::{AlertRecord, AlertRef, Field};
use crate::fast_hash::FastSet;
use crate::text::python_str;

/// `correlation_window`: ten minutes, in microseconds (inclusive).
const WINDOW_MICROS: i64 = 600 * 1_000_000;

/// `service_dependencies`.
const SERVICE_DEPENDENCIES: [(&str, &[&str]); 3] = [
    (
        "graphmemory_api",
        &["graphmemory_search", "database", "redis"],
    ),
    ("database", &["graphmemory_api", "storage"]),
    ("load_balancer", &["graphmemory_api", "nginx"]),
];

/// `metric_relationships`.
const METRIC_RELATIONSHIPS: [(&str, &[&str]); 3] = [
    (
        "response_time",
        &["cpu_usage", "memory_usage", "database_connections"],
    ),
    (
        "error_rate",
        &["response_time", "database_errors", "network_errors"],
    ),
    (
        "memory_usage",
        &["node_count", "active_sessions", "cache_size"],
    ),
];

/// `causal_patterns`' keys (used by the test that shows none is reachable).
#[cfg(test)]
const CAUSAL_KEYS: [&str; 4] = ["cpu_high", "memory_high", "database_slow", "network_error"];

/// The strategy a correlation came from, in merge order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationKind {
    Temporal,
    Service,
    Metric,
}

impl CorrelationKind {
    /// The harness's code (`KIND_CODES` in the baseline).
    pub fn code(self) -> i64 {
        match self {
            CorrelationKind::Temporal => 0,
            CorrelationKind::Service => 1,
            CorrelationKind::Metric => 2,
        }
    }
}

/// One `AlertCorrelation` (its id and `created_at` are not modelled: the
/// original builds them from the clock).
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub kind: CorrelationKind,
    pub primary: AlertRef,
    /// `related_alerts`, in the sorted batch's order.
    pub related: Vec<AlertRef>,
    pub strength: f64,
}

/// `_extract_service`: `None` when the alert is skipped as a primary (no
/// service, or a present `None` or empty string).
fn service(alert: &AlertRecord) -> Option<&str> {
    for field in [&alert.service, &alert.component, &alert.source] {
        match field {
            Field::Absent => continue,
            Field::Null => return None,
            Field::Text(s) => return Some(s).filter(|s| !s.is_empty()).map(String::as_str),
        }
    }
    let metric = alert.metric_name.as_deref().unwrap_or("");
    if metric.contains("graphmemory") {
        Some("graphmemory_api")
    } else if metric.contains("database") {
        Some("database")
    } else if metric.contains("redis") {
        Some("redis")
    } else {
        None
    }
}

/// `_extract_metric`: the class of the lower-cased metric name, `None` for
/// the empty name.
fn metric_class(alert: &AlertRecord) -> Option<String> {
    let name = python_str::lower(alert.metric_name.as_deref().unwrap_or(""));
    let class = if name.contains("response_time") || name.contains("duration") {
        "response_time".to_string()
    } else if name.contains("error") {
        "error_rate".to_string()
    } else if name.contains("memory") {
        "memory_usage".to_string()
    } else if name.contains("cpu") {
        "cpu_usage".to_string()
    } else {
        name
    };
    (!class.is_empty()).then_some(class)
}

/// `a` lists `b` as a neighbour, or `b` lists `a`.
fn adjacent(table: &[(&str, &[&str])], a: &str, b: &str) -> bool {
    let lists = |x: &str, y: &str| {
        table
            .iter()
            .any(|(key, related)| *key == x && related.contains(&y))
    };
    lists(a, b) || lists(b, a)
}

/// Interns the classes of a sorted batch: `class_of[i]` is alert `i`'s
/// class id (`None`: skipped), and `partners[c]` the alerts related to
/// class `c`, ascending (an alert is never its own partner: no class is
/// adjacent to itself).
struct ClassPartners {
    class_of: Vec<Option<usize>>,
    partners: Vec<Vec<usize>>,
}

impl ClassPartners {
    fn new<S: AsRef<str>>(classes: Vec<Option<S>>, table: &[(&str, &[&str])]) -> Self {
        let mut names: Vec<S> = Vec::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut class_of = Vec::with_capacity(classes.len());
        for class in classes {
            class_of.push(class.map(|c| match ids.entry(c.as_ref().to_string()) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    names.push(c);
                    *e.insert(names.len() - 1)
                }
            }));
        }
        let related: Vec<Vec<bool>> = names
            .iter()
            .map(|a| {
                names
                    .iter()
                    .map(|b| adjacent(table, a.as_ref(), b.as_ref()))
                    .collect()
            })
            .collect();
        let mut partners = vec![Vec::new(); names.len()];
        for (j, class) in class_of.iter().enumerate() {
            let Some(cj) = *class else { continue };
            for (ci, list) in partners.iter_mut().enumerate() {
                if related[ci][cj] {
                    list.push(j);
                }
            }
        }
        ClassPartners { class_of, partners }
    }

    /// One correlation per primary with partners, in primary order.
    fn correlations(
        &self,
        ids: &[AlertRef],
        kind: CorrelationKind,
        strength: f64,
        out: &mut Vec<Correlation>,
    ) {
        let mut lists: Vec<Option<Vec<AlertRef>>> = vec![None; self.partners.len()];
        for (i, class) in self.class_of.iter().enumerate() {
            let Some(c) = *class else { continue };
            if self.partners[c].is_empty() {
                continue;
            }
            let related = lists[c]
                .get_or_insert_with(|| self.partners[c].iter().map(|&j| ids[j]).collect())
                .clone();
            out.push(Correlation {
                kind,
                primary: ids[i],
                related,
                strength,
            });
        }
    }
}

/// `correlate_alerts(alerts)`: the ranked, deduplicated correlations.
pub fn correlate_alerts(alerts: &[AlertRecord]) -> Vec<Correlation> {
    if alerts.len() < 2 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..alerts.len()).collect();
    order.sort_by_key(|&i| alerts[i].timestamp);
    let sorted: Vec<&AlertRecord> = order.iter().map(|&i| &alerts[i]).collect();
    let ids: Vec<AlertRef> = sorted
        .iter()
        .enumerate()
        .map(|(i, a)| a.alert_id.map_or(AlertRef::Fallback(i), AlertRef::Id))
        .collect();

    let mut all = Vec::new();
    temporal(&sorted, &ids, &mut all);
    ClassPartners::new(
        sorted.iter().map(|a| service(a)).collect(),
        &SERVICE_DEPENDENCIES,
    )
    .correlations(&ids, CorrelationKind::Service, 0.8, &mut all);
    ClassPartners::new(
        sorted.iter().map(|a| metric_class(a)).collect(),
        &METRIC_RELATIONSHIPS,
    )
    .correlations(&ids, CorrelationKind::Metric, 0.7, &mut all);
    deduplicate(all)
}

/// The temporal strategy: the batch is sorted, so the alerts within the
/// window of alert `i` are the run `lo..hi` around it.
fn temporal(sorted: &[&AlertRecord], ids: &[AlertRef], out: &mut Vec<Correlation>) {
    let (mut lo, mut hi) = (0, 0);
    for (i, alert) in sorted.iter().enumerate() {
        let t = alert.timestamp;
        while sorted[lo].timestamp < t - WINDOW_MICROS {
            lo += 1;
        }
        while hi < sorted.len() && sorted[hi].timestamp <= t + WINDOW_MICROS {
            hi += 1;
        }
        let count = hi - lo - 1;
        if count == 0 {
            continue;
        }
        let related = (lo..hi).filter(|&j| j != i).map(|j| ids[j]).collect();
        out.push(Correlation {
            kind: CorrelationKind::Temporal,
            primary: ids[i],
            related,
            strength: (0.3 * count as f64).min(1.0),
        });
    }
}

/// `_deduplicate_correlations`: stable sort by strength, descending; keep
/// the first correlation of every id set. A set is its sorted, deduplicated
/// ids packed in `u64`s, hashed with [`FastSet`] (SipHash over the
/// signatures was over half of a call at 1,000 alerts).
fn deduplicate(mut all: Vec<Correlation>) -> Vec<Correlation> {
    all.sort_by(|a, b| b.strength.total_cmp(&a.strength));
    let pack = |r: AlertRef| match r {
        AlertRef::Id(n) => n << 1,
        AlertRef::Fallback(i) => ((i as u64) << 1) | 1,
    };
    let mut seen: FastSet<Vec<u64>> = FastSet::default();
    let mut signature = Vec::new();
    all.retain(|c| {
        signature.clear();
        signature.push(pack(c.primary));
        signature.extend(c.related.iter().map(|&r| pack(r)));
        signature.sort_unstable();
        signature.dedup();
        if seen.contains(&signature) {
            false
        } else {
            seen.insert(signature.clone());
            true
        }
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(id: Option<u64>, seconds: i64, service: Field, metric: &str) -> AlertRecord {
        AlertRecord {
            alert_id: id,
            timestamp: seconds * 1_000_000,
            service,
            component: Field::Absent,
            source: Field::Absent,
            metric_name: Some(metric.to_string()),
            severity: Some("high".to_string()),
        }
    }

    #[test]
    fn the_causal_strategy_is_unreachable() {
        for key in CAUSAL_KEYS {
            for severity in ["high", "critical"] {
                let Some(class) = key.strip_suffix(&format!("_{severity}")) else {
                    continue;
                };
                // The only name that could give this class is the class itself.
                let a = alert(Some(1), 0, Field::Absent, class);
                assert_ne!(metric_class(&a).as_deref(), Some(class), "{key}");
            }
        }
    }

    #[test]
    fn temporal_strength_is_the_python_product_and_the_window_is_inclusive() {
        let text = |s: &str| Field::Text(s.to_string());
        let alerts = [
            alert(Some(1), 0, text("x"), ""),
            alert(Some(2), 600, text("x"), ""),
            alert(Some(3), 601, text("x"), ""),
            alert(Some(4), 1, text("x"), ""),
        ];
        let all = correlate_alerts(&alerts);
        let by_primary = |id| {
            all.iter()
                .find(|c| c.primary == AlertRef::Id(id))
                .map(|c| (c.related.clone(), c.strength))
        };
        // Alert 4 (t=1 s) sees 1, 2 and 3: strength 0.3 * 3.
        assert_eq!(
            by_primary(4),
            Some((
                vec![AlertRef::Id(1), AlertRef::Id(2), AlertRef::Id(3)],
                0.8999999999999999
            ))
        );
        // Alert 1's set {1, 4, 2} is kept once under whichever came first.
        assert!(all.iter().all(|c| c.kind == CorrelationKind::Temporal));
    }

    #[test]
    fn presence_not_truthiness_picks_the_service() {
        let mut a = alert(Some(1), 0, Field::Null, "graphmemory_latency");
        a.component = Field::Text("database".into());
        assert_eq!(service(&a), None);
        a.service = Field::Absent;
        assert_eq!(service(&a), Some("database"));
        a.component = Field::Absent;
        assert_eq!(service(&a), Some("graphmemory_api"));
        a.source = Field::Text(String::new());
        assert_eq!(service(&a), None);
    }

    #[test]
    fn same_service_alerts_are_not_related_but_dependencies_are() {
        let text = |s: &str| Field::Text(s.to_string());
        let alerts = [
            alert(Some(1), 0, text("database"), ""),
            alert(Some(2), 10_000, text("database"), ""),
            alert(Some(3), 20_000, text("storage"), ""),
        ];
        let all = correlate_alerts(&alerts);
        let kinds: Vec<_> = all.iter().map(|c| (c.kind, c.primary)).collect();
        assert_eq!(
            kinds,
            [
                (CorrelationKind::Service, AlertRef::Id(1)),
                (CorrelationKind::Service, AlertRef::Id(2)),
                (CorrelationKind::Service, AlertRef::Id(3)),
            ]
        );
        assert_eq!(all[2].related, [AlertRef::Id(1), AlertRef::Id(2)]);
    }
}
