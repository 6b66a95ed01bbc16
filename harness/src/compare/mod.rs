//! Deciding whether the Rust twin and the Python baseline agree: the
//! comparison modes, over [`Output`], the language-neutral form both
//! sides' answers are converted to.

use std::fmt;

use serde::{Deserialize, Serialize};

mod output;
mod statistical;

pub use output::{Event, Lists, Output};

/// Per-element tolerance: `|rust − python| ≤ atol + rtol·|python|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

impl Tolerance {
    pub fn accepts(self, rust: f64, python: f64) -> bool {
        // Equal infinities: their difference is NaN, but they agree.
        if rust == python {
            return true;
        }
        if rust.is_nan() || python.is_nan() {
            return rust.is_nan() && python.is_nan();
        }
        (rust - python).abs() <= self.atol + self.rtol * python.abs()
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "atol {:e} + rtol {:e}·|python|", self.atol, self.rtol)
    }
}

/// How a pair's outputs are compared (see DESIGN.md, "comparison modes").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Element by element within the tolerance.
    Float,
    /// The same events at exactly the same positions with the same severity;
    /// their values within the tolerance. An event only the Rust side reports
    /// is forgiven only when it sits on the threshold to within the tolerance
    /// (its margin), since then rounding alone decides it.
    ExactEvents,
    /// The same integer lists in the same order (paths, canonically ordered
    /// partitions) and every value within the tolerance.
    ExactLists,
    /// Randomized algorithms (Louvain): the two sides cannot produce the same
    /// partition, so only the quality score, the first value, is compared,
    /// within a tolerance that is a statistical allowance.
    QualityOnly,
    /// Randomized anomaly scores (isolation forest): one score per row,
    /// higher = more anomalous, on an input with planted anomalies. The two
    /// sides cannot draw the same trees, so they agree when they rank rows
    /// alike (Spearman's ρ) and find the planted anomalies equally well
    /// (ROC AUC), not value by value.
    AnomalyScores(ScoreAgreement),
    /// Clusterings whose labels cannot match value by value (k-means from
    /// another generator, spectral clustering's random start vector): the
    /// partitions (lists of members) must agree by adjusted Rand index and
    /// the values (silhouette, inertia) within the tolerance.
    Partition(PartitionAgreement),
    /// Randomized regressors (a random forest from another generator): the
    /// values are `[MAE, MSE, R², predictions…]`; the two sides agree when
    /// their R² are close and their predictions correlate, not value by
    /// value.
    Regression(RegressionAgreement),
}

/// The bounds of [`Comparison::Regression`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RegressionAgreement {
    /// Largest |R²(rust) − R²(python)|.
    pub max_r2_gap: f64,
    /// Smallest Pearson r between the two prediction vectors.
    pub min_correlation: f64,
}

/// The bound of [`Comparison::Partition`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartitionAgreement {
    /// Smallest adjusted Rand index between the two partitions.
    pub min_ari: f64,
}

/// The bounds of [`Comparison::AnomalyScores`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScoreAgreement {
    /// Smallest Spearman ρ between the two score vectors.
    pub min_spearman: f64,
    /// Largest |AUC(rust) − AUC(python)| on the planted anomalies…
    pub max_auc_gap: f64,
    /// …judged only with at least this many planted anomalies among the
    /// rows: with fewer, one random state to the next moves a forest's AUC
    /// by more than `max_auc_gap` (which was measured at the pair's own
    /// sizes), so only the ranking (`min_spearman`) is judged and both AUCs
    /// are still reported.
    #[serde(default)]
    pub min_positives: usize,
}

/// What the input's generator planted: the truth statistical modes score
/// each side against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Truth<'a> {
    /// One flag per row: planted as an anomaly.
    pub anomalies: Option<&'a [bool]>,
}

/// A quality figure of both answers, shown beside their speed: a fast model
/// of worse quality is a failure, not a win.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Quality {
    pub measure: QualityMeasure,
    pub rust: f64,
    pub python: f64,
    /// How alike the two answers are, by `between_measure`.
    pub between: f64,
    pub between_measure: BetweenMeasure,
}

/// What a [`Quality`] figure measures against the input's truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualityMeasure {
    /// Area under the ROC curve on the planted anomalies (1 = perfect,
    /// 0.5 = chance, below 0.5 = ranks normal rows as anomalous).
    RocAuc,
    /// Mean silhouette of the clustering (−1 to 1, higher = tighter,
    /// better separated clusters): the original's own quality figure.
    Silhouette,
    /// In-sample R² of a regressor (1 = perfect fit): the original's own
    /// model-selection figure.
    R2,
}

/// How the two sides' answers are compared with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BetweenMeasure {
    /// Spearman's rank correlation of the two score vectors.
    SpearmanRho,
    /// Adjusted Rand index of the two partitions (1 = identical).
    AdjustedRand,
    /// Pearson's r of the two prediction vectors.
    PearsonR,
}

impl QualityMeasure {
    pub fn label(self) -> &'static str {
        match self {
            QualityMeasure::RocAuc => "ROC AUC",
            QualityMeasure::Silhouette => "silhouette",
            QualityMeasure::R2 => "in-sample R²",
        }
    }
}

impl BetweenMeasure {
    pub fn label(self) -> &'static str {
        match self {
            BetweenMeasure::SpearmanRho => "Spearman ρ",
            BetweenMeasure::AdjustedRand => "adjusted Rand index",
            BetweenMeasure::PearsonR => "Pearson r of predictions",
        }
    }
}

impl Comparison {
    pub fn describe(self) -> &'static str {
        match self {
            Comparison::Float => "float: every element within tolerance",
            Comparison::ExactEvents => {
                "exact events: same positions and severities, values within tolerance"
            }
            Comparison::ExactLists => "exact lists: identical lists, values within tolerance",
            Comparison::QualityOnly => {
                "quality only: randomized, the quality score (first value) within tolerance"
            }
            Comparison::Partition(_) => {
                "partition: the same clustering by adjusted Rand index, silhouette and \
                 inertia within tolerance"
            }
            Comparison::AnomalyScores(_) => {
                "anomaly scores: randomized, rows ranked alike (Spearman ρ) and planted \
                 anomalies found equally well (ROC AUC)"
            }
            Comparison::Regression(_) => {
                "regression: randomized, the same in-sample R² and correlated predictions"
            }
        }
    }
}

/// The two sides agree; how closely.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Agreement {
    /// Elements compared (scores, or events plus their values).
    pub compared: usize,
    pub max_abs_error: f64,
    /// Events forgiven as threshold ties (see [`Comparison::ExactEvents`]).
    pub borderline: usize,
    /// Statistical modes: each side's quality and how alike the answers are.
    #[serde(default)]
    pub quality: Option<Quality>,
}

/// The first disagreement found, with both values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Mismatch {
    /// Where: "node 17", "event at index 4032", "output length".
    pub location: String,
    pub rust: String,
    pub python: String,
    /// Why this counts as a disagreement.
    pub reason: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: rust = {}, python = {} ({})",
            self.location, self.rust, self.python, self.reason
        )
    }
}

impl std::error::Error for Mismatch {}

/// Compares `rust` against `python` under `mode` and `tol`; statistical
/// modes also score both against `truth`.
pub fn compare(
    mode: Comparison,
    tol: Tolerance,
    rust: &Output,
    python: &Output,
    truth: Truth<'_>,
) -> Result<Agreement, Mismatch> {
    match (mode, rust, python) {
        (Comparison::AnomalyScores(bounds), Output::Values(r), Output::Values(p)) => {
            statistical::compare_scores(bounds, r, p, truth)
        }
        (Comparison::Regression(bounds), Output::Values(r), Output::Values(p)) => {
            statistical::compare_regressions(bounds, tol, r, p)
        }
        (Comparison::Partition(bound), Output::Lists(r), Output::Lists(p)) => {
            let values = compare_floats(tol, "value", &r.values, &p.values)?;
            statistical::compare_partitions(bound, r, p, values)
        }
        (Comparison::Float, Output::NodeScores(r), Output::NodeScores(p)) => {
            compare_floats(tol, "node", r, p)
        }
        (Comparison::Float, Output::Values(r), Output::Values(p)) => {
            compare_floats(tol, "value", r, p)
        }
        (Comparison::ExactLists, Output::Lists(r), Output::Lists(p)) => compare_lists(tol, r, p),
        (Comparison::ExactLists, Output::Texts(r), Output::Texts(p)) => compare_texts(r, p),
        (Comparison::QualityOnly, Output::Lists(r), Output::Lists(p)) => {
            compare_floats(tol, "quality score", first(&r.values), first(&p.values))
        }
        (Comparison::ExactEvents, Output::Events(r), Output::Events(p)) => {
            compare_events(tol, r, p)
        }
        _ => Err(Mismatch {
            location: "output kind".into(),
            rust: kind(rust).into(),
            python: kind(python).into(),
            reason: format!("comparison mode {mode:?} cannot compare these"),
        }),
    }
}

fn kind(output: &Output) -> &'static str {
    match output {
        Output::NodeScores(_) => "node scores",
        Output::Events(_) => "events",
        Output::Values(_) => "values",
        Output::Lists(_) => "lists",
        Output::Texts(_) => "texts",
    }
}

fn first(values: &[f64]) -> &[f64] {
    &values[..values.len().min(1)]
}

/// Element by element; `what` names an element in messages ("node 17").
pub(super) fn compare_floats(
    tol: Tolerance,
    what: &str,
    rust: &[f64],
    python: &[f64],
) -> Result<Agreement, Mismatch> {
    if rust.len() != python.len() {
        return Err(Mismatch {
            location: "output length".into(),
            rust: rust.len().to_string(),
            python: python.len().to_string(),
            reason: format!("the same number of {what} values expected on both sides"),
        });
    }
    let mut max_abs_error: f64 = 0.0;
    for (index, (&r, &p)) in rust.iter().zip(python).enumerate() {
        if !tol.accepts(r, p) {
            return Err(Mismatch {
                location: format!("{what} {index}"),
                rust: format!("{r:.17e}"),
                python: format!("{p:.17e}"),
                reason: format!("|diff| = {:.3e} exceeds {tol}", (r - p).abs()),
            });
        }
        if !(r.is_nan() && p.is_nan()) {
            max_abs_error = max_abs_error.max((r - p).abs());
        }
    }
    Ok(Agreement {
        compared: rust.len(),
        max_abs_error,
        borderline: 0,
        quality: None,
    })
}

/// A short, bounded rendering of a list for messages.
fn show_list(list: &[i64]) -> String {
    const SHOWN: usize = 12;
    let head: Vec<String> = list.iter().take(SHOWN).map(i64::to_string).collect();
    if list.len() > SHOWN {
        format!("[{}, … ({} items)]", head.join(", "), list.len())
    } else {
        format!("[{}]", head.join(", "))
    }
}

fn compare_lists(tol: Tolerance, rust: &Lists, python: &Lists) -> Result<Agreement, Mismatch> {
    if rust.lists.len() != python.lists.len() {
        return Err(Mismatch {
            location: "number of lists".into(),
            rust: rust.lists.len().to_string(),
            python: python.lists.len().to_string(),
            reason: "the same lists expected on both sides".into(),
        });
    }
    for (index, (r, p)) in rust.lists.iter().zip(&python.lists).enumerate() {
        if r != p {
            let at = r.iter().zip(p).position(|(a, b)| a != b);
            return Err(Mismatch {
                location: format!("list {index}"),
                rust: show_list(r),
                python: show_list(p),
                reason: match at {
                    Some(i) => format!("lists differ first at position {i}"),
                    None => "lists differ in length".into(),
                },
            });
        }
    }
    let values = compare_floats(tol, "value", &rust.values, &python.values)?;
    Ok(Agreement {
        compared: rust.lists.len() + values.compared,
        ..values
    })
}

/// Text by text, byte for byte; a mismatch names the first differing
/// character and shows both texts around it.
fn compare_texts(rust: &[String], python: &[String]) -> Result<Agreement, Mismatch> {
    if rust.len() != python.len() {
        return Err(Mismatch {
            location: "number of texts".into(),
            rust: rust.len().to_string(),
            python: python.len().to_string(),
            reason: "the same texts expected on both sides".into(),
        });
    }
    for (index, (r, p)) in rust.iter().zip(python).enumerate() {
        if r != p {
            let at = r
                .chars()
                .zip(p.chars())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| r.chars().count().min(p.chars().count()));
            let around = |t: &str| -> String {
                t.chars()
                    .skip(at.saturating_sub(20))
                    .take(60)
                    .collect::<String>()
            };
            return Err(Mismatch {
                location: format!("text {index}"),
                rust: format!("{:?}", around(r)),
                python: format!("{:?}", around(p)),
                reason: format!("texts differ first at character {at}"),
            });
        }
    }
    Ok(Agreement {
        compared: rust.len(),
        max_abs_error: 0.0,
        borderline: 0,
        quality: None,
    })
}

fn compare_events(tol: Tolerance, rust: &[Event], python: &[Event]) -> Result<Agreement, Mismatch> {
    let (mut i, mut j) = (0, 0);
    let mut agreement = Agreement {
        compared: 0,
        max_abs_error: 0.0,
        borderline: 0,
        quality: None,
    };
    while i < rust.len() || j < python.len() {
        let r = rust.get(i);
        let p = python.get(j);
        match (r, p) {
            (Some(r), Some(p)) if r.index == p.index => {
                check_event_pair(tol, r, p, &mut agreement)?;
                i += 1;
                j += 1;
            }
            (Some(r), p) if p.is_none_or(|p| r.index < p.index) => {
                let on_threshold = r
                    .margin
                    .is_some_and(|m| m.abs() <= tol.atol + tol.rtol * r.value.abs());
                if !on_threshold {
                    return Err(Mismatch {
                        location: format!("event at index {}", r.index),
                        rust: format!("reported (value {:.17e}, margin {:?})", r.value, r.margin),
                        python: "not reported".into(),
                        reason: "only the Rust twin fires here".into(),
                    });
                }
                agreement.borderline += 1;
                i += 1;
            }
            (_, Some(p)) => {
                return Err(Mismatch {
                    location: format!("event at index {}", p.index),
                    rust: "not reported".into(),
                    python: format!("reported (value {:.17e})", p.value),
                    reason: "only the Python baseline fires here".into(),
                });
            }
            (r, None) => unreachable!("loop guard: rust event {r:?} handled above"),
        }
    }
    Ok(agreement)
}

fn check_event_pair(
    tol: Tolerance,
    r: &Event,
    p: &Event,
    agreement: &mut Agreement,
) -> Result<(), Mismatch> {
    let location = || format!("event at index {}", r.index);
    if r.severity != p.severity {
        return Err(Mismatch {
            location: location(),
            rust: format!("severity {}", r.severity),
            python: format!("severity {}", p.severity),
            reason: "severities must be equal".into(),
        });
    }
    for (what, a, b) in [
        ("value", r.value, p.value),
        ("baseline", r.baseline, p.baseline),
    ] {
        if !tol.accepts(a, b) {
            return Err(Mismatch {
                location: format!("{} ({what})", location()),
                rust: format!("{a:.17e}"),
                python: format!("{b:.17e}"),
                reason: format!("|diff| = {:.3e} exceeds {tol}", (a - b).abs()),
            });
        }
        agreement.max_abs_error = agreement.max_abs_error.max((a - b).abs());
    }
    agreement.compared += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: Tolerance = Tolerance {
        rtol: 1e-9,
        atol: 1e-12,
    };

    fn event(index: usize, value: f64, margin: Option<f64>) -> Event {
        Event {
            index,
            value,
            baseline: 1.0,
            severity: 0,
            margin,
        }
    }

    #[test]
    fn scores_within_tolerance_agree_and_report_the_error() {
        let a = compare(
            Comparison::Float,
            TOL,
            &Output::NodeScores(vec![0.5, 0.25]),
            &Output::NodeScores(vec![0.5, 0.25 + 1e-13]),
            Truth::default(),
        )
        .expect("agree");
        assert_eq!(a.compared, 2);
        assert!(a.max_abs_error > 0.0 && a.max_abs_error < 1e-12);
    }

    #[test]
    fn a_score_off_by_more_than_tolerance_names_the_node_and_both_values() {
        let m = compare(
            Comparison::Float,
            TOL,
            &Output::NodeScores(vec![0.5, 0.75]),
            &Output::NodeScores(vec![0.5, 0.25]),
            Truth::default(),
        )
        .expect_err("differ");
        assert_eq!(m.location, "node 1");
        let text = m.to_string();
        assert!(
            text.contains("rust = 7.5") && text.contains("python = 2.5"),
            "{text}"
        );
    }

    #[test]
    fn texts_agree_only_byte_for_byte_and_a_difference_is_located() {
        let texts = |t: &[&str]| Output::Texts(t.iter().map(|s| s.to_string()).collect());
        let same = compare(
            Comparison::ExactLists,
            TOL,
            &texts(&["{\"a\": 1}", "k\u{e9}"]),
            &texts(&["{\"a\": 1}", "k\u{e9}"]),
            Truth::default(),
        )
        .expect("agree");
        assert_eq!(same.compared, 2);
        let m = compare(
            Comparison::ExactLists,
            TOL,
            &texts(&["{\"a\": 1}", "k\u{e9}"]),
            &texts(&["{\"a\": 1}", "k\u{c9}"]),
            Truth::default(),
        )
        .expect_err("a case differs");
        assert_eq!(m.location, "text 1");
        assert!(m.reason.contains("character 1"), "{}", m.reason);
        let m = compare(
            Comparison::ExactLists,
            TOL,
            &texts(&["x"]),
            &texts(&["x", "y"]),
            Truth::default(),
        )
        .expect_err("a text missing");
        assert_eq!(m.location, "number of texts");
    }

    #[test]
    fn nan_only_matches_nan() {
        assert!(TOL.accepts(f64::NAN, f64::NAN));
        assert!(!TOL.accepts(f64::NAN, 1.0));
    }

    #[test]
    fn missing_event_on_either_side_is_a_mismatch() {
        let r = Output::Events(vec![event(3, 9.0, Some(1.0))]);
        let p = Output::Events(vec![]);
        let m =
            compare(Comparison::ExactEvents, TOL, &r, &p, Truth::default()).expect_err("rust-only");
        assert!(m.reason.contains("only the Rust twin"));
        let m = compare(Comparison::ExactEvents, TOL, &p, &r, Truth::default())
            .expect_err("python-only");
        assert!(m.reason.contains("only the Python baseline"));
    }

    #[test]
    fn a_rust_event_on_the_threshold_is_borderline_not_a_mismatch() {
        let r = Output::Events(vec![event(3, 9.0, Some(1e-15)), event(5, 9.0, Some(1.0))]);
        let p = Output::Events(vec![event(5, 9.0, None)]);
        let a = compare(Comparison::ExactEvents, TOL, &r, &p, Truth::default())
            .expect("borderline forgiven");
        assert_eq!((a.compared, a.borderline), (1, 1));
    }

    fn lists(lists: &[&[i64]], values: &[f64]) -> Output {
        Output::Lists(Lists {
            lists: lists.iter().map(|l| l.to_vec()).collect(),
            values: values.to_vec(),
        })
    }

    #[test]
    fn identical_lists_with_close_values_agree() {
        let a = compare(
            Comparison::ExactLists,
            TOL,
            &lists(&[&[0, 1, 2], &[3]], &[0.5]),
            &lists(&[&[0, 1, 2], &[3]], &[0.5 + 1e-13]),
            Truth::default(),
        )
        .expect("agree");
        assert_eq!(a.compared, 3);
    }

    #[test]
    fn a_different_list_names_its_index_and_first_difference() {
        let m = compare(
            Comparison::ExactLists,
            TOL,
            &lists(&[&[0, 1, 2], &[3, 4]], &[]),
            &lists(&[&[0, 1, 2], &[3, 5]], &[]),
            Truth::default(),
        )
        .expect_err("differ");
        assert_eq!(m.location, "list 1");
        assert!(m.reason.contains("position 1"), "{}", m.reason);
    }

    #[test]
    fn quality_only_ignores_the_lists_but_not_the_score() {
        let r = lists(&[&[0, 1]], &[0.40, 9.0]);
        let p = lists(&[&[1, 0]], &[0.41, 1.0]);
        let loose = Tolerance {
            rtol: 0.0,
            atol: 0.02,
        };
        compare(Comparison::QualityOnly, loose, &r, &p, Truth::default())
            .expect("within allowance");
        let m =
            compare(Comparison::QualityOnly, TOL, &r, &p, Truth::default()).expect_err("outside");
        assert_eq!(m.location, "quality score 0");
    }

    #[test]
    fn mismatched_kinds_are_reported() {
        let m = compare(
            Comparison::Float,
            TOL,
            &Output::Events(vec![]),
            &Output::NodeScores(vec![]),
            Truth::default(),
        )
        .expect_err("kinds differ");
        assert_eq!(m.location, "output kind");
    }
}
