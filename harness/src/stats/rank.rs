//! Rank statistics for comparing randomized models: Spearman's ρ between two
//! score vectors and the ROC AUC of a score against planted labels.
//!
//! Both use average ranks for ties (as scipy.stats.spearmanr and
//! sklearn.metrics.roc_auc_score do), so a model that gives many rows the
//! same score is neither rewarded nor punished by the order of the rows.

/// 1-based ranks, ties sharing their average rank; NaN sorts last (ranked
/// above every number), as numpy's argsort puts it.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && same(values[order[end]], values[order[start]]) {
            end += 1;
        }
        // Positions start..end (0-based) share ranks start+1..=end.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Equal for ranking purposes: NaN ties with NaN, -0.0 with 0.0.
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// Spearman's rank correlation; `None` when the lengths differ, there are
/// fewer than two values, or either side is constant (ρ undefined).
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    pearson(&average_ranks(a), &average_ranks(b))
}

/// Pearson's correlation, two-pass; `None` when either side is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

/// Area under the ROC curve of `scores` (higher = more anomalous) against
/// `positive` (the planted anomalies): the probability that a random
/// anomaly outscores a random normal row, ties counting one half
/// (Mann–Whitney U / (n₊·n₋)). `None` without both classes.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    if scores.len() != positive.len() {
        return None;
    }
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let ranks = average_ranks(scores);
    let rank_sum: f64 = ranks
        .iter()
        .zip(positive)
        .filter(|&(_, &p)| p)
        .map(|(r, _)| r)
        .sum();
    let u = rank_sum - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Some(u / (n_pos as f64 * n_neg as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn spearman_of_a_monotone_map_is_one_and_of_its_reverse_minus_one() {
        let a = [1.0, 5.0, 2.0, 9.0, 3.0];
        let b: Vec<f64> = a.iter().map(|x: &f64| x.exp()).collect();
        let c: Vec<f64> = a.iter().map(|x| -x).collect();
        assert!((spearman(&a, &b).expect("defined") - 1.0).abs() < 1e-12);
        assert!((spearman(&a, &c).expect("defined") + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&a, &[1.0; 5]), None);
    }

    /// Hand-computed (and equal to sklearn.metrics.roc_auc_score):
    /// positives score 0.8 and 0.4, negatives 0.4, 0.1, 0.9; pairs won:
    /// 0.8 beats 0.4 and 0.1 (2), 0.4 ties 0.4 (½) and beats 0.1 (1): 3.5/6.
    #[test]
    fn auc_counts_ties_as_one_half() {
        let scores = [0.8, 0.4, 0.4, 0.1, 0.9];
        let positive = [true, true, false, false, false];
        let auc = roc_auc(&scores, &positive).expect("both classes");
        assert!((auc - 3.5 / 6.0).abs() < 1e-15);
        assert_eq!(roc_auc(&scores, &[false; 5]), None);
    }
}
