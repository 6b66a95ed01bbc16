//! K4.2: `SmartAlertingSystem._group_alerts_by_correlation`. Correlations
//! are walked in ranked order; one whose primary id names an alert of the
//! batch not yet grouped starts a group with it and every related alert
//! that is found and not yet grouped. Then every alert whose id was never
//! grouped becomes a group of its own.
//!
//! The original finds alerts by a linear search of the batch (in its
//! given order, not the sorted one) for `alert.get('alert_id') == id`, so:
//!
//! - a re-sent id always finds its *first* alert, and the later alerts with
//!   that id are dropped from the output once the id is grouped (their id
//!   is "processed");
//! - fallback ids (`alert_i`, for alerts without an id) find nothing, so
//!   such alerts never join a group; each ends as a group of its own
//!   (`None not in processed`).

use std::collections::{HashMap, HashSet};

use super::{AlertRecord, AlertRef, Correlation};

/// The groups, as positions in `alerts`, in the original's order.
pub fn group_alerts(alerts: &[AlertRecord], correlations: &[Correlation]) -> Vec<Vec<usize>> {
    let mut first: HashMap<u64, usize> = HashMap::with_capacity(alerts.len());
    for (i, alert) in alerts.iter().enumerate() {
        if let Some(id) = alert.alert_id {
            first.entry(id).or_insert(i);
        }
    }
    let find = |r: AlertRef| match r {
        AlertRef::Id(id) => first.get(&id).map(|&i| (id, i)),
        AlertRef::Fallback(_) => None,
    };
    let mut processed: HashSet<u64> = HashSet::with_capacity(alerts.len());
    let mut groups = Vec::new();
    for correlation in correlations {
        let Some((id, at)) = find(correlation.primary) else {
            continue;
        };
        if !processed.insert(id) {
            continue;
        }
        let mut group = vec![at];
        for &related in &correlation.related {
            if let Some((id, at)) = find(related)
                && processed.insert(id)
            {
                group.push(at);
            }
        }
        groups.push(group);
    }
    for (i, alert) in alerts.iter().enumerate() {
        if alert.alert_id.is_none_or(|id| !processed.contains(&id)) {
            groups.push(vec![i]);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::super::{CorrelationKind, Field};
    use super::*;

    fn alert(id: Option<u64>) -> AlertRecord {
        AlertRecord {
            alert_id: id,
            timestamp: 0,
            service: Field::Absent,
            component: Field::Absent,
            source: Field::Absent,
            metric_name: None,
            severity: None,
        }
    }

    #[test]
    fn re_sent_ids_and_fallback_ids_follow_the_linear_search() {
        let alerts = [alert(Some(7)), alert(None), alert(Some(7)), alert(Some(8))];
        let correlations = [Correlation {
            kind: CorrelationKind::Temporal,
            primary: AlertRef::Id(8),
            related: vec![AlertRef::Fallback(0), AlertRef::Id(7), AlertRef::Id(7)],
            strength: 0.9,
        }];
        let groups = group_alerts(&alerts, &correlations);
        // 8 with the first 7; the alert without id alone; the second 7 gone.
        assert_eq!(groups, [vec![3, 0], vec![1]]);
    }
}
