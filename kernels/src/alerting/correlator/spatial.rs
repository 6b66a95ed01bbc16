//! K8.2 `SpatialCorrelator`: per existing alert, a match score of 2.5 for
//! the same host and 2.0 for the same component (both present and
//! non-empty), 1.5 for the same category (always checked, so every
//! same-category alert matches) and the shared tag keys over the larger tag
//! count; matched when positive. Confidence: the average over the id set,
//! over the maximum 2.5 + 2.0 + 1.5 + 1.0, times the rule weight 1.0. The
//! weights are the default rule's (the class defaults, 2.0 / 1.5 / 1.2,
//! apply only to a hand-built rule).

use super::{Correlation, Factor, Strategy, python_min_one};
use crate::alerting::Alert;

const HOST: f64 = 2.5;
const COMPONENT: f64 = 2.0;
const CATEGORY: f64 = 1.5;
const WEIGHT: f64 = 1.0;

/// The number of tag keys both carry.
fn common_keys(a: &[(String, String)], b: &[(String, String)]) -> usize {
    a.iter()
        .filter(|(key, _)| b.iter().any(|(other, _)| other == key))
        .count()
}

pub fn correlate(new: &Alert, existing: &[Alert]) -> Option<Correlation> {
    let factors: Vec<Factor> = existing
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let mut score = 0.0;
            if new.same_host(a).is_some() {
                score += HOST;
            }
            if new.same_component(a).is_some() {
                score += COMPONENT;
            }
            if new.category == a.category {
                score += CATEGORY;
            }
            if !new.tags.is_empty() && !a.tags.is_empty() {
                let common = common_keys(&new.tags, &a.tags);
                if common > 0 {
                    score += common as f64 / new.tags.len().max(a.tags.len()) as f64;
                }
            }
            (score > 0.0).then_some(Factor {
                alert: i,
                score,
                detail: [0.0; 2],
            })
        })
        .collect();
    let max_possible = HOST + COMPONENT + CATEGORY + 1.0;
    Correlation::from_factors(Strategy::Spatial, new, existing, factors, |average| {
        python_min_one(average / max_possible * WEIGHT)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_alerts::alert;
    use super::*;

    #[test]
    fn empty_hosts_never_match_and_tag_keys_count_over_the_larger_set() {
        let mut new = alert(9, 0);
        new.source_host = Some(String::new());
        new.tags = vec![("env".into(), "prod".into()), ("team".into(), "a".into())];
        let mut other = alert(1, 0);
        other.source_host = Some(String::new());
        other.category = 1;
        other.tags = vec![
            ("env".into(), "dev".into()),
            ("x".into(), "y".into()),
            ("z".into(), "w".into()),
        ];
        let found = correlate(&new, &[other]).expect("a tag key is shared");
        assert_eq!(found.factors[0].score, 1.0 / 3.0);
        assert_eq!(found.confidence_score, 1.0 / 3.0 / 2.0 / 7.0);
    }
}
