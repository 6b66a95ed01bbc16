//! Deciding whether the Rust twin and the Python baseline agree.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::output::{Event, Output};

/// Per-element tolerance: `|rust − python| ≤ atol + rtol·|python|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

impl Tolerance {
    pub fn accepts(self, rust: f64, python: f64) -> bool {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Element by element within the tolerance.
    Float,
    /// The same events at exactly the same positions with the same severity;
    /// their values within the tolerance. An event only the Rust side reports
    /// is forgiven only when it sits on the threshold to within the tolerance
    /// (its margin), since then rounding alone decides it.
    ExactEvents,
}

impl Comparison {
    pub fn describe(self) -> &'static str {
        match self {
            Comparison::Float => "float: every element within tolerance",
            Comparison::ExactEvents => {
                "exact events: same positions and severities, values within tolerance"
            }
        }
    }
}

/// The two sides agree; how closely.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Elements compared (scores, or events plus their values).
    pub compared: usize,
    pub max_abs_error: f64,
    /// Events forgiven as threshold ties (see [`Comparison::ExactEvents`]).
    pub borderline: usize,
}

/// The first disagreement found, with both values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// Compares `rust` against `python` under `mode` and `tol`.
pub fn compare(
    mode: Comparison,
    tol: Tolerance,
    rust: &Output,
    python: &Output,
) -> Result<Agreement, Mismatch> {
    match (mode, rust, python) {
        (Comparison::Float, Output::NodeScores(r), Output::NodeScores(p)) => {
            compare_scores(tol, r, p)
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
    }
}

fn compare_scores(tol: Tolerance, rust: &[f64], python: &[f64]) -> Result<Agreement, Mismatch> {
    if rust.len() != python.len() {
        return Err(Mismatch {
            location: "output length".into(),
            rust: rust.len().to_string(),
            python: python.len().to_string(),
            reason: "one score per node expected on both sides".into(),
        });
    }
    let mut max_abs_error: f64 = 0.0;
    for (node, (&r, &p)) in rust.iter().zip(python).enumerate() {
        if !tol.accepts(r, p) {
            return Err(Mismatch {
                location: format!("node {node}"),
                rust: format!("{r:.17e}"),
                python: format!("{p:.17e}"),
                reason: format!("|diff| = {:.3e} exceeds {tol}", (r - p).abs()),
            });
        }
        max_abs_error = max_abs_error.max((r - p).abs());
    }
    Ok(Agreement {
        compared: rust.len(),
        max_abs_error,
        borderline: 0,
    })
}

fn compare_events(tol: Tolerance, rust: &[Event], python: &[Event]) -> Result<Agreement, Mismatch> {
    let (mut i, mut j) = (0, 0);
    let mut agreement = Agreement {
        compared: 0,
        max_abs_error: 0.0,
        borderline: 0,
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
    fn nan_only_matches_nan() {
        assert!(TOL.accepts(f64::NAN, f64::NAN));
        assert!(!TOL.accepts(f64::NAN, 1.0));
    }

    #[test]
    fn missing_event_on_either_side_is_a_mismatch() {
        let r = Output::Events(vec![event(3, 9.0, Some(1.0))]);
        let p = Output::Events(vec![]);
        let m = compare(Comparison::ExactEvents, TOL, &r, &p).expect_err("rust-only");
        assert!(m.reason.contains("only the Rust twin"));
        let m = compare(Comparison::ExactEvents, TOL, &p, &r).expect_err("python-only");
        assert!(m.reason.contains("only the Python baseline"));
    }

    #[test]
    fn a_rust_event_on_the_threshold_is_borderline_not_a_mismatch() {
        let r = Output::Events(vec![event(3, 9.0, Some(1e-15)), event(5, 9.0, Some(1.0))]);
        let p = Output::Events(vec![event(5, 9.0, None)]);
        let a = compare(Comparison::ExactEvents, TOL, &r, &p).expect("borderline forgiven");
        assert_eq!((a.compared, a.borderline), (1, 1));
    }

    #[test]
    fn mismatched_kinds_are_reported() {
        let m = compare(
            Comparison::Float,
            TOL,
            &Output::Events(vec![]),
            &Output::NodeScores(vec![]),
        )
        .expect_err("kinds differ");
        assert_eq!(m.location, "output kind");
    }
}
