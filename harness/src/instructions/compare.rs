//! The instruction-count gate: each kernel against the baseline's count,
//! within the limit, when the toolchain is the same.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{DEFAULT_LIMIT, InstructionRecord, InstructionRun};
use crate::gate::{Reason, Verdict};

/// Comparison settings.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Allowed relative change in either direction; more instructions than
    /// that is a regression, fewer is reported so the baseline gets updated.
    pub limit: f64,
    /// Compare counts taken with another toolchain anyway.
    pub allow_other_toolchain: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            allow_other_toolchain: false,
        }
    }
}

/// One row of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CountCheck {
    pub kernel: String,
    pub size: usize,
    pub baseline: Option<u64>,
    pub current: Option<u64>,
    /// `current ÷ baseline − 1`.
    pub change: Option<f64>,
    pub verdict: Verdict,
    pub detail: String,
    /// The current run's callgrind profile of this kernel, where kept.
    pub profile: Option<String>,
}

/// What the comparison decided.
#[derive(Debug, Clone, Serialize)]
pub struct CountReport {
    pub verdict: Verdict,
    /// Run-wide reasons (only [`Reason::CannotJudge`] ones affect the verdict).
    pub reasons: Vec<Reason>,
    pub checks: Vec<CountCheck>,
    pub limit: f64,
}

impl CountReport {
    /// Kernels whose check is a regression, for messages.
    pub fn regressions(&self) -> impl Iterator<Item = &CountCheck> {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Regression)
    }
}

/// Compares `current` with `baseline`, kernel × size.
///
/// A regression: more instructions than `1 + limit` times the baseline, or a
/// (kernel, size) of the baseline missing now. Cannot judge: another
/// toolchain (unless allowed), or a different seed for the same
/// (kernel, size). Fewer instructions beyond the limit pass, flagged so the
/// baseline is refreshed: left stale, it would let a later regression of the
/// same size through.
pub fn compare(
    baseline: &InstructionRun,
    current: &InstructionRun,
    options: &CompareOptions,
) -> CountReport {
    let mut reasons = Vec::new();
    let (b, c) = (&baseline.toolchain, &current.toolchain);
    let mut other_toolchain = false;
    for (what, before, now) in [
        ("rustc", &b.rustc, &c.rustc),
        ("build profile", &b.profile, &c.profile),
        ("C library", &b.libc, &c.libc),
        ("architecture", &b.arch, &c.arch),
    ] {
        if before != now {
            other_toolchain = true;
            let text = format!(
                "{what} differs: baseline `{before}`, current `{now}`; instruction counts \
                 change with it (regenerate the baseline with `make instructions-baseline`, or \
                 pass --allow-other-toolchain)"
            );
            reasons.push(if options.allow_other_toolchain {
                Reason::Note(format!("compared anyway as asked: {text}"))
            } else {
                Reason::CannotJudge(text)
            });
        }
    }
    if baseline.valgrind != current.valgrind {
        reasons.push(Reason::Note(format!(
            "valgrind differs (baseline {}, current {}); counts are the program's, not the tool's",
            baseline.valgrind, current.valgrind
        )));
    }
    let judge_counts = !other_toolchain || options.allow_other_toolchain;

    let now: BTreeMap<(&str, usize), &InstructionRecord> = current
        .records
        .iter()
        .map(|r| ((r.kernel.as_str(), r.size), r))
        .collect();
    let before: BTreeMap<(&str, usize), &InstructionRecord> = baseline
        .records
        .iter()
        .map(|r| ((r.kernel.as_str(), r.size), r))
        .collect();
    let mut checks = Vec::new();
    for record in &baseline.records {
        let check = match now.get(&(record.kernel.as_str(), record.size)) {
            None => CountCheck {
                kernel: record.kernel.clone(),
                size: record.size,
                baseline: Some(record.instructions),
                current: None,
                change: None,
                verdict: Verdict::Regression,
                detail: "in the baseline, missing from the current run".into(),
                profile: None,
            },
            Some(now) => count_check(record, now, options.limit, judge_counts),
        };
        checks.push(check);
    }
    for record in &current.records {
        if !before.contains_key(&(record.kernel.as_str(), record.size)) {
            checks.push(CountCheck {
                kernel: record.kernel.clone(),
                size: record.size,
                baseline: None,
                current: Some(record.instructions),
                change: None,
                verdict: Verdict::Pass,
                detail: "new: not in the baseline, not judged".into(),
                profile: None,
            });
        }
    }
    let verdict = if checks.iter().any(|c| c.verdict == Verdict::Regression) {
        Verdict::Regression
    } else if baseline.records.is_empty()
        || checks.iter().any(|c| c.verdict == Verdict::CannotJudge)
        || reasons.iter().any(Reason::blocks_pass)
    {
        Verdict::CannotJudge
    } else {
        Verdict::Pass
    };
    if baseline.records.is_empty() {
        reasons.push(Reason::CannotJudge(
            "the baseline has no counts to compare against".into(),
        ));
    }
    for check in &mut checks {
        check.profile = now
            .get(&(check.kernel.as_str(), check.size))
            .and_then(|r| r.profile.clone());
    }
    CountReport {
        verdict,
        reasons,
        checks,
        limit: options.limit,
    }
}

fn count_check(
    before: &InstructionRecord,
    now: &InstructionRecord,
    limit: f64,
    judge: bool,
) -> CountCheck {
    let (was, is) = (before.instructions as f64, now.instructions as f64);
    let change = is / was.max(1.0) - 1.0;
    let percent = crate::stats::percent_change(is / was.max(1.0));
    // Compared as counts, not as `change`, so exactly +limit is within it
    // (1020 / 1000 − 1 is a hair above 0.02 in floating point).
    let (above, below) = (is > was * (1.0 + limit), is < was * (1.0 - limit));
    let (verdict, detail) = if before.seed != now.seed {
        (
            Verdict::CannotJudge,
            format!(
                "seed changed ({} → {}): another input, counts not comparable",
                before.seed, now.seed
            ),
        )
    } else if !judge {
        (Verdict::CannotJudge, "other toolchain: not judged".into())
    } else if above {
        (
            Verdict::Regression,
            format!(
                "{percent:+.2}% instructions, beyond the +{:.1}% limit",
                limit * 100.0
            ),
        )
    } else if below {
        (
            Verdict::Pass,
            format!(
                "{percent:+.2}% instructions: faster beyond the limit; refresh the baseline \
                 (`make instructions-baseline`) so it keeps guarding this gain"
            ),
        )
    } else if now.instructions == before.instructions {
        (Verdict::Pass, "identical".into())
    } else {
        (
            Verdict::Pass,
            format!(
                "{:+} instructions ({percent:+.4}%), within the limit",
                i128::from(now.instructions) - i128::from(before.instructions)
            ),
        )
    };
    CountCheck {
        kernel: now.kernel.clone(),
        size: now.size,
        baseline: Some(before.instructions),
        current: Some(now.instructions),
        change: Some(change),
        verdict,
        detail,
        profile: None,
    }
}
