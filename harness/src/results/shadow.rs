//! The shadow campaign (claim C14), as results.json stores it: what
//! `python -m campaign` (python/tools/campaign) wrote, one record per venv
//! it ran in. Read by `measure::shadow`; judged by `verdicts::claims`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::pairs::Domain;

/// The campaign record's schema (`campaign/run.py` SCHEMA): a record of
/// another schema is refused, not half-read.
pub const SHADOW_SCHEMA: u32 = 1;

/// One run of the campaign: the families whose originals run under one
/// venv, every call shadowed (both sides run on the same arguments and
/// are compared under the pair's registered tolerance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShadowRun {
    pub schema: u32,
    /// The venv the originals ran under: `main` or `monitoring`.
    pub pins: String,
    pub seed: u64,
    /// The shadowed calls asked of each family (declined calls are topped
    /// up, so a family holds at least this many unless its twins declined
    /// nearly everything).
    pub calls_per_family: u64,
    pub python: String,
    /// Versions of the packages that ran (twinbench, networkx, numpy, …).
    pub packages: BTreeMap<String, String>,
    pub families: Vec<ShadowFamily>,
}

/// One component family's calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShadowFamily {
    pub family: Domain,
    #[serde(flatten)]
    pub counts: ShadowCounts,
    /// Wall time of the family's campaign (both sides, comparisons, input
    /// generation) while the build ran beside it: not a measurement.
    pub seconds: f64,
    pub functions: Vec<ShadowFunction>,
}

/// What shadow mode counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShadowCounts {
    /// Every call made (shadowed + declined).
    pub calls: u64,
    /// Calls where both sides ran and were compared.
    pub shadowed: u64,
    /// Calls the twin declined (NotImplementedError): the original answered
    /// them, as `backend_priority` would have it; nothing compared.
    pub declined: u64,
    /// Both answered, differently (beyond the pair's tolerance).
    pub mismatches: u64,
    /// The twin raised where the original answered.
    pub failures: u64,
}

impl ShadowCounts {
    /// Shadowed calls the twin got wrong.
    pub fn errors(&self) -> u64 {
        self.mismatches + self.failures
    }
}

/// One function of a family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShadowFunction {
    pub function: String,
    #[serde(flatten)]
    pub counts: ShadowCounts,
    pub original_ns_total: u64,
    pub twin_ns_total: u64,
    /// The first few mismatches and failures, with the input they happened
    /// on.
    pub kept: Vec<ShadowKept>,
}

/// A mismatch or failure, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShadowKept {
    /// `mismatch` or `failure`.
    pub kind: String,
    pub detail: String,
    /// The input, in a few words.
    pub input: String,
}

impl ShadowRun {
    /// What does not add up in the record (a campaign that miscounted is
    /// not evidence): per function and family, calls = shadowed + declined
    /// and errors ≤ shadowed; a family's counts are its functions' sums.
    pub fn inconsistencies(&self) -> Vec<String> {
        let mut out = Vec::new();
        let check = |what: &str, c: &ShadowCounts, out: &mut Vec<String>| {
            if c.calls != c.shadowed + c.declined {
                out.push(format!(
                    "{what}: {} calls but {} shadowed + {} declined",
                    c.calls, c.shadowed, c.declined
                ));
            }
            if c.errors() > c.shadowed {
                out.push(format!(
                    "{what}: {} mismatches and failures in {} shadowed calls",
                    c.errors(),
                    c.shadowed
                ));
            }
        };
        for family in &self.families {
            let name = family.family.title();
            check(name, &family.counts, &mut out);
            let mut sum = ShadowCounts {
                calls: 0,
                shadowed: 0,
                declined: 0,
                mismatches: 0,
                failures: 0,
            };
            for f in &family.functions {
                check(&format!("{name} / {}", f.function), &f.counts, &mut out);
                sum.calls += f.counts.calls;
                sum.shadowed += f.counts.shadowed;
                sum.declined += f.counts.declined;
                sum.mismatches += f.counts.mismatches;
                sum.failures += f.counts.failures;
            }
            if sum != family.counts {
                out.push(format!(
                    "{name}: the family's counts {:?} are not its functions' sums {sum:?}",
                    family.counts
                ));
            }
        }
        out
    }
}
