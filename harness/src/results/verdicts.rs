//! The reviewer's verdicts as results.json stores them: the claims ledger's
//! rows and a ready / not-ready verdict per migrated component. Computed by
//! `verdicts`; data only here.

use serde::{Deserialize, Serialize};

use crate::stats::Estimate;

/// Verdict of one claim, from its measured 95% interval [lo, hi] against the
/// claimed figure C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimVerdict {
    /// lo ≥ C ("at least" claims) or hi < C ("less than" claims).
    Confirmed,
    /// C lies inside the interval.
    Consistent,
    /// hi < C ("at least") or lo ≥ C ("less than").
    Refuted,
    Unmeasured,
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClaimRow {
    pub id: String,
    pub claim: String,
    /// Seed document(s) it comes from.
    pub source: String,
    /// The promised figure, as the documents state it.
    pub claimed: String,
    /// The measured figure and its interval, when there is one.
    pub measured: Option<Estimate>,
    /// The measured figure in words (or why it is unmeasured).
    pub measured_text: String,
    pub verdict: ClaimVerdict,
    /// For a speedup claim, the same figure over only the kernels the
    /// original's own benchmark times, at the sizes it times them
    /// (`pairs::ORIGINAL_BENCHMARK_SIZES`): the claim where the original
    /// measured it. `None` when the run timed none of those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_original_sizes: Option<Estimate>,
    /// Kernels or components the measurement rests on.
    pub rests_on: Vec<String>,
    /// What it is measured against (baseline, peers).
    pub against: String,
    /// For the attribution claim (C22): per kernel, Python as written →
    /// Python fixed → Rust, with the database it runs on, so the report can
    /// show the three columns per database.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attribution: Vec<AttributionRow>,
}

/// One kernel's three columns (each at its largest size timed on all
/// three sides) and the two steps between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AttributionRow {
    /// "SQLite", "PostgreSQL", or `None` for a kernel without a database.
    pub database: Option<String>,
    pub kernel: String,
    pub size: usize,
    /// Mean time per call of each side, nanoseconds.
    pub python_ns: f64,
    pub python_fixed_ns: f64,
    pub rust_ns: f64,
    /// python ÷ python-fixed: what fixing the Python gives.
    pub fix: Estimate,
    /// python-fixed ÷ rust: what porting the fixed Python gives.
    pub port: Estimate,
}

/// Ready or not, per migrated component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    Ready,
    NotReady,
    /// Nothing of the component is ported or measured.
    NotAssessed,
}

/// How one requirement of the readiness checklist came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequirementStatus {
    Pass,
    Fail,
    NotMeasured,
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Requirement {
    pub name: String,
    pub status: RequirementStatus,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComponentVerdict {
    pub component: String,
    pub readiness: Readiness,
    /// Named `criteria` in results.json (schema 3), as it always was.
    #[serde(rename = "criteria")]
    pub requirements: Vec<Requirement>,
}
