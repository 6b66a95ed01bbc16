//! The statistical comparison modes: randomized models are held to the
//! same quality as the baseline and to ranking rows alike, never to the
//! same values.

use twinbench_kernels::ml::kmeans::adjusted_rand_index;

use super::{
    Agreement, BetweenMeasure, Lists, Mismatch, PartitionAgreement, Quality, QualityMeasure,
    RegressionAgreement, ScoreAgreement, Tolerance, Truth,
};
use crate::stats::rank::{pearson, roc_auc, spearman};

/// Values before the predictions in a [`super::Comparison::Regression`]
/// output: MAE, MSE, R².
const REGRESSION_METRICS: usize = 3;

/// [`super::Comparison::Regression`]: `[MAE, MSE, R², predictions…]` on
/// both sides (or nothing on both: the original's "no model"). R² within
/// the bound and the predictions correlated at least `min_correlation`;
/// where the predictions are constant on either side (a constant target:
/// r undefined) they must agree within `tol` instead.
pub(super) fn compare_regressions(
    bounds: RegressionAgreement,
    tol: Tolerance,
    rust: &[f64],
    python: &[f64],
) -> Result<Agreement, Mismatch> {
    if rust.len() != python.len() || (!rust.is_empty() && rust.len() < REGRESSION_METRICS) {
        return Err(Mismatch {
            location: "output length".into(),
            rust: rust.len().to_string(),
            python: python.len().to_string(),
            reason: "MAE, MSE, R² and one prediction per row expected on both sides".into(),
        });
    }
    if rust.is_empty() {
        return Ok(Agreement {
            compared: 0,
            max_abs_error: 0.0,
            borderline: 0,
            quality: None,
        });
    }
    let (r2_rust, r2_python) = (rust[2], python[2]);
    let gap = (r2_rust - r2_python).abs();
    // NaN R² (either side) fails too.
    if gap.is_nan() || gap > bounds.max_r2_gap {
        return Err(Mismatch {
            location: "in-sample R²".into(),
            rust: format!("{r2_rust:.4}"),
            python: format!("{r2_python:.4}"),
            reason: format!("R² differ by {gap:.4} > {:.3}", bounds.max_r2_gap),
        });
    }
    let (pred_rust, pred_python) = (&rust[REGRESSION_METRICS..], &python[REGRESSION_METRICS..]);
    let quality = |between: f64| Quality {
        measure: QualityMeasure::R2,
        rust: r2_rust,
        python: r2_python,
        between,
        between_measure: BetweenMeasure::PearsonR,
    };
    // Equal within the tolerance (a constant target's flat predictions,
    // where r is undefined or rounding noise) agrees outright.
    if let Ok(agreement) = super::compare_floats(tol, "prediction", pred_rust, pred_python) {
        return Ok(Agreement {
            quality: pearson(pred_rust, pred_python).map(quality),
            ..agreement
        });
    }
    let Some(r) = pearson(pred_rust, pred_python) else {
        return Err(Mismatch {
            location: "predictions".into(),
            rust: format!("{pred_rust:?}"),
            python: format!("{pred_python:?}"),
            reason: "one side's predictions are constant and the other's differ".into(),
        });
    };
    if r.is_nan() || r < bounds.min_correlation {
        return Err(Mismatch {
            location: "predictions".into(),
            rust: format!("Pearson r = {r:.4}"),
            python: format!("(R² rust {r2_rust:.4}, python {r2_python:.4})"),
            reason: format!("r below the mode's {:.2}", bounds.min_correlation),
        });
    }
    Ok(Agreement {
        compared: pred_rust.len(),
        max_abs_error: 0.0,
        borderline: 0,
        quality: Some(quality(r)),
    })
}

/// [`super::Comparison::AnomalyScores`]: Spearman's ρ between the score
/// vectors, and the gap between their ROC AUCs on the planted anomalies.
/// Without both classes in the truth (a tiny input) only ρ is judged and
/// the AUCs are reported as NaN; with fewer than two rows or a constant
/// score vector on either side (ρ undefined), the vectors must be equal.
pub(super) fn compare_scores(
    bounds: ScoreAgreement,
    rust: &[f64],
    python: &[f64],
    truth: Truth<'_>,
) -> Result<Agreement, Mismatch> {
    if rust.len() != python.len() {
        return Err(Mismatch {
            location: "output length".into(),
            rust: rust.len().to_string(),
            python: python.len().to_string(),
            reason: "one score per row expected on both sides".into(),
        });
    }
    let auc = |scores: &[f64]| {
        truth
            .anomalies
            .and_then(|flags| roc_auc(scores, flags))
            .unwrap_or(f64::NAN)
    };
    let (auc_rust, auc_python) = (auc(rust), auc(python));
    let rho = match spearman(rust, python) {
        Some(rho) => rho,
        None => return constant_scores(rust, python),
    };
    if rho < bounds.min_spearman {
        return Err(Mismatch {
            location: "score ranking".into(),
            rust: format!("Spearman ρ = {rho:.4}"),
            python: format!("(AUC rust {auc_rust:.4}, python {auc_python:.4})"),
            reason: format!("ρ below the mode's {:.2}", bounds.min_spearman),
        });
    }
    let positives = truth
        .anomalies
        .map_or(0, |flags| flags.iter().filter(|&&a| a).count());
    let gap = (auc_rust - auc_python).abs();
    if gap > bounds.max_auc_gap && positives >= bounds.min_positives {
        return Err(Mismatch {
            location: "ROC AUC on the planted anomalies".into(),
            rust: format!("{auc_rust:.4}"),
            python: format!("{auc_python:.4}"),
            reason: format!("AUCs differ by {gap:.4} > {:.3}", bounds.max_auc_gap),
        });
    }
    // No AUC without both classes among the rows (a tiny input): then no
    // quality figure rather than a NaN one (results.json holds numbers).
    let quality = (auc_rust.is_finite() && auc_python.is_finite()).then_some(Quality {
        measure: QualityMeasure::RocAuc,
        rust: auc_rust,
        python: auc_python,
        between: rho,
        between_measure: BetweenMeasure::SpearmanRho,
    });
    Ok(Agreement {
        compared: rust.len(),
        max_abs_error: 0.0,
        borderline: 0,
        quality,
    })
}

/// [`super::Comparison::Partition`]: the lists are clusters (member ids,
/// each id once); the values, already compared within tolerance by the
/// caller (`values`), start with the silhouette.
pub(super) fn compare_partitions(
    bound: PartitionAgreement,
    rust: &Lists,
    python: &Lists,
    values: Agreement,
) -> Result<Agreement, Mismatch> {
    let (r, p) = (labels_of(&rust.lists)?, labels_of(&python.lists)?);
    if r.len() != p.len() {
        return Err(Mismatch {
            location: "clustered rows".into(),
            rust: r.len().to_string(),
            python: p.len().to_string(),
            reason: "both sides must cluster the same rows".into(),
        });
    }
    let ari = if r.is_empty() {
        1.0
    } else {
        adjusted_rand_index(&r, &p)
    };
    if ari.is_nan() || ari < bound.min_ari {
        return Err(Mismatch {
            location: "partition".into(),
            rust: format!("{} clusters", rust.lists.len()),
            python: format!("{} clusters", python.lists.len()),
            reason: format!("adjusted Rand index {ari:.4} below {:.2}", bound.min_ari),
        });
    }
    let silhouette = |l: &Lists| l.values.first().copied().filter(|v| v.is_finite());
    let quality = match (silhouette(rust), silhouette(python)) {
        (Some(rust), Some(python)) => Some(Quality {
            measure: QualityMeasure::Silhouette,
            rust,
            python,
            between: ari,
            between_measure: BetweenMeasure::AdjustedRand,
        }),
        _ => None,
    };
    Ok(Agreement {
        compared: r.len() + values.compared,
        quality,
        ..values
    })
}

/// Row → cluster (its list's position) from lists of member rows; each row
/// must appear once and the rows must be 0..n.
fn labels_of(lists: &[Vec<i64>]) -> Result<Vec<usize>, Mismatch> {
    let n: usize = lists.iter().map(Vec::len).sum();
    let mut labels = vec![usize::MAX; n];
    for (cluster, members) in lists.iter().enumerate() {
        for &row in members {
            let slot = usize::try_from(row).ok().and_then(|r| labels.get_mut(r));
            match slot {
                Some(slot) if *slot == usize::MAX => *slot = cluster,
                _ => {
                    return Err(Mismatch {
                        location: format!("cluster {cluster}"),
                        rust: format!("row {row}"),
                        python: String::new(),
                        reason: "a partition lists every row 0..n exactly once".into(),
                    });
                }
            }
        }
    }
    Ok(labels)
}

/// ρ is undefined: both sides must then give the same constant answer
/// (e.g. every row identical, or a single row).
fn constant_scores(rust: &[f64], python: &[f64]) -> Result<Agreement, Mismatch> {
    let constant = |v: &[f64]| v.windows(2).all(|w| w[0] == w[1]);
    if constant(rust) && constant(python) {
        return Ok(Agreement {
            compared: rust.len(),
            max_abs_error: 0.0,
            borderline: 0,
            quality: None,
        });
    }
    Err(Mismatch {
        location: "score ranking".into(),
        rust: format!("constant: {}", constant(rust)),
        python: format!("constant: {}", constant(python)),
        reason: "one side ranks rows the other scores all alike".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: ScoreAgreement = ScoreAgreement {
        min_spearman: 0.9,
        max_auc_gap: 0.02,
        min_positives: 0,
    };

    #[test]
    fn a_monotone_rescaling_agrees_and_reports_both_aucs() {
        let python = [0.1, 0.9, 0.2, 0.8, 0.3];
        let rust: Vec<f64> = python.iter().map(|x| 10.0 * x + 1.0).collect();
        let flags = [false, true, false, true, false];
        let truth = Truth {
            anomalies: Some(&flags),
        };
        let a = compare_scores(BOUNDS, &rust, &python, truth).expect("agree");
        let q = a.quality.expect("quality");
        assert_eq!((q.rust, q.python), (1.0, 1.0));
        assert!((q.between - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_reversed_ranking_is_refused() {
        let python = [0.1, 0.9, 0.2, 0.8, 0.3];
        let rust: Vec<f64> = python.iter().map(|x| -x).collect();
        let err = compare_scores(BOUNDS, &rust, &python, Truth::default()).expect_err("reversed");
        assert!(err.reason.contains("ρ below"), "{err}");
    }

    #[test]
    fn a_worse_detector_is_refused_even_when_rankings_correlate() {
        // Same order except the two anomalies swap with their neighbours.
        let n = 40;
        let python: Vec<f64> = (0..n).map(f64::from).collect();
        let mut rust = python.clone();
        rust.swap(38, 36);
        rust.swap(39, 37);
        let mut flags = vec![false; n as usize];
        flags[38] = true;
        flags[39] = true;
        let truth = Truth {
            anomalies: Some(&flags),
        };
        let err = compare_scores(BOUNDS, &rust, &python, truth).expect_err("worse AUC");
        assert!(err.location.contains("AUC"), "{err}");
        // With fewer planted anomalies than the bound was measured on, the
        // gap is reported, not judged.
        let few = ScoreAgreement {
            min_positives: 3,
            ..BOUNDS
        };
        let a = compare_scores(few, &rust, &python, truth).expect("two anomalies: not judged");
        let q = a.quality.expect("both AUCs reported");
        assert!(q.rust < q.python);
    }

    fn lists(clusters: &[&[i64]], silhouette: f64) -> Lists {
        Lists {
            lists: clusters.iter().map(|c| c.to_vec()).collect(),
            values: vec![silhouette],
        }
    }

    #[test]
    fn relabelled_partitions_agree_and_a_moved_row_lowers_the_ari() {
        let bound = PartitionAgreement { min_ari: 0.95 };
        let values = Agreement {
            compared: 1,
            max_abs_error: 0.0,
            borderline: 0,
            quality: None,
        };
        let a = lists(&[&[0, 1, 2], &[3, 4, 5]], 0.7);
        let b = lists(&[&[3, 4, 5], &[0, 1, 2]], 0.7);
        let q = compare_partitions(bound, &a, &b, values)
            .expect("same partition")
            .quality
            .expect("quality");
        assert_eq!((q.between, q.rust), (1.0, 0.7));
        let moved = lists(&[&[0, 1], &[2, 3, 4, 5]], 0.7);
        assert!(compare_partitions(bound, &a, &moved, values).is_err());
        let broken = lists(&[&[0, 1, 1], &[3, 4, 5]], 0.7);
        assert!(compare_partitions(bound, &broken, &a, values).is_err());
    }

    #[test]
    fn constant_scores_agree_only_with_constant_scores() {
        assert!(compare_scores(BOUNDS, &[1.0; 3], &[0.5; 3], Truth::default()).is_ok());
        assert!(compare_scores(BOUNDS, &[1.0; 3], &[0.5, 0.6, 0.7], Truth::default()).is_err());
    }
}
