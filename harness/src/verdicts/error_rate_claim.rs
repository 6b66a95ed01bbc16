//! Claim C14 (seeds 000 and 001), "error rate below 1% during migration
//! (below 0.1% in 001)", read off two sources:
//!
//! * the shadow campaign (`results.shadow`): per component family, at least
//!   4,000 calls on generated inputs with both sides run and compared under
//!   the pair's tolerance, which is what "error rate during migration" is;
//! * the differential checks (every kernel × size of the run against its
//!   baseline): few trials, but every kernel, the ones no Python function
//!   exposes yet included.
//!
//! The estimate that decides is the worst family's 95% Wilson interval of
//! (mismatches + failures) ÷ shadowed calls: the migration's error rate is
//! below the limit only if every family's is. Confirmed needs every family
//! of the run's pairs shadowed, each interval wholly below the limit, and no
//! differential check disagreeing; refuted, one family's interval wholly
//! above it; anything else is consistent, with what is missing said.

use std::collections::BTreeSet;

use crate::pairs::Domain;
use crate::results::verdicts::ClaimVerdict;
use crate::results::{Results, ShadowFamily};
use crate::stats::{Estimate, wilson};

use super::http_claims::Finding;

/// Seed 001's stricter figure, reported beside the verdict.
const SEED_001_LIMIT: f64 = 0.001;

fn percent(x: f64) -> String {
    let p = x * 100.0;
    if p != 0.0 && p < 0.1 {
        format!("{p:.3}%")
    } else {
        format!("{p:.2}%")
    }
}

fn interval(e: &Estimate) -> String {
    format!(
        "{} [{}, {}]",
        percent(e.point),
        percent(e.low),
        percent(e.high)
    )
}

/// One family's errors over its shadowed calls; `None` with none shadowed.
fn family_estimate(f: &ShadowFamily) -> Option<Estimate> {
    let n = usize::try_from(f.counts.shadowed).ok().filter(|&n| n > 0)?;
    let k = usize::try_from(f.counts.errors())
        .unwrap_or(usize::MAX)
        .min(n);
    Some(wilson(k, n))
}

/// The differential checks of the run: (disagreed or failed, checked).
fn differential(results: &Results) -> (usize, usize) {
    let sizes: Vec<_> = results
        .pairs
        .iter()
        .flat_map(|p| &p.sizes)
        // Not run (PostgreSQL absent) is not a check: it neither passed
        // nor failed.
        .filter(|s| !s.correctness.is_not_run())
        .collect();
    let bad = sizes.iter().filter(|s| !s.correctness.is_agree()).count();
    (bad, sizes.len())
}

/// The C14 finding, or why there is none.
pub(super) fn error_rate(results: &Results, limit: f64) -> Result<Finding, String> {
    let (bad_checks, checks) = differential(results);
    let families: Vec<&ShadowFamily> = results.shadow.iter().flat_map(|r| &r.families).collect();
    let checks_text = format!(
        "differential checks: {bad_checks} of {checks} kernel × size checks disagreed or failed"
    );
    if families.is_empty() {
        if checks == 0 {
            return Err("neither the shadow campaign nor any differential check ran".into());
        }
        let e = wilson(bad_checks, checks);
        let verdict = if e.low >= limit {
            ClaimVerdict::Refuted
        } else {
            // Without shadow mode a few hundred checks cannot confirm it.
            ClaimVerdict::Consistent
        };
        return Ok(Finding {
            text: format!(
                "shadow campaign not part of this run (`make report` runs it); {checks_text}: \
                 {} (Wilson)",
                interval(&e)
            ),
            verdict,
            measured: Some(e),
            rests_on: results.pairs.iter().map(|p| p.kernel.clone()).collect(),
            against: "the faithful Python baseline on the same seeded inputs".into(),
        });
    }
    let mut parts = Vec::new();
    let mut worst: Option<Estimate> = None;
    let mut below_strict = Vec::new();
    for f in &families {
        let Some(e) = family_estimate(f) else {
            parts.push(format!(
                "{}: no call shadowed ({} declined)",
                f.family.title(),
                f.counts.declined
            ));
            continue;
        };
        parts.push(format!(
            "{}: {} of {} shadowed calls wrong ({} mismatches, {} failures; {} declined) = {}",
            f.family.title(),
            f.counts.errors(),
            f.counts.shadowed,
            f.counts.mismatches,
            f.counts.failures,
            f.counts.declined,
            interval(&e)
        ));
        if e.high < SEED_001_LIMIT {
            below_strict.push(f.family.title());
        }
        if worst.is_none_or(|w| e.high > w.high) {
            worst = Some(e);
        }
    }
    let Some(worst) = worst else {
        return Err(format!(
            "the shadow campaign shadowed no call: {}",
            parts.join("; ")
        ));
    };
    let shadowed: BTreeSet<Domain> = families
        .iter()
        .filter(|f| f.counts.shadowed > 0)
        .map(|f| f.family)
        .collect();
    let unshadowed: BTreeSet<Domain> = results
        .pairs
        .iter()
        .map(|p| p.domain)
        .filter(|d| !shadowed.contains(d))
        .collect();
    let every_interval_below = families
        .iter()
        .filter_map(|f| family_estimate(f))
        .all(|e| e.high < limit);
    let verdict = if worst.low >= limit {
        ClaimVerdict::Refuted
    } else if every_interval_below && unshadowed.is_empty() && bad_checks == 0 {
        ClaimVerdict::Confirmed
    } else {
        ClaimVerdict::Consistent
    };
    let mut text = format!("shadow mode, worst family decides: {}", parts.join("; "));
    text.push_str(&format!(
        "; below seed 001's 0.1% (whole interval): {}",
        if below_strict.is_empty() {
            "none".to_string()
        } else {
            below_strict.join(", ")
        }
    ));
    if !unshadowed.is_empty() {
        text.push_str(&format!(
            "; not shadowed (no Python function of its twins yet), so not confirmed: {}",
            unshadowed
                .iter()
                .map(|d| d.title())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text.push_str(&format!("; {checks_text}"));
    Ok(Finding {
        text,
        verdict,
        measured: Some(worst),
        rests_on: families
            .iter()
            .flat_map(|f| {
                f.functions
                    .iter()
                    .map(move |g| format!("{} / {}", f.family.title(), g.function))
            })
            .collect(),
        against: "the original's functions on the same generated inputs, in shadow mode \
                  (python/tools/campaign), and the differential checks"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixtures::shadow_run;

    /// The committed gate baseline with only its analytics pairs (the
    /// family the hand-made record shadows), and `shadow`.
    fn results_with(shadow: Vec<crate::results::ShadowRun>, only_analytics: bool) -> Results {
        let path = crate::workspace::root().join("reports/baseline.json");
        let mut results = crate::results::load(&path).expect("reports/baseline.json");
        if only_analytics {
            results.pairs.retain(|p| p.domain == Domain::Analytics);
        }
        results.shadow = shadow;
        results
    }

    #[test]
    fn no_error_in_4000_calls_confirms_below_one_percent_and_below_a_tenth() {
        let finding = error_rate(&results_with(vec![shadow_run(0)], true), 0.01).expect("finding");
        assert_eq!(finding.verdict, ClaimVerdict::Confirmed, "{}", finding.text);
        let e = finding.measured.expect("estimate");
        assert!(e.point == 0.0 && e.high < 0.001, "{e:?}");
        assert!(
            finding
                .text
                .contains("below seed 001's 0.1% (whole interval): Analytics engine"),
            "{}",
            finding.text
        );
    }

    #[test]
    fn a_family_left_unshadowed_is_not_confirmed_and_is_named() {
        let finding = error_rate(&results_with(vec![shadow_run(0)], false), 0.01).expect("finding");
        assert_eq!(
            finding.verdict,
            ClaimVerdict::Consistent,
            "{}",
            finding.text
        );
        assert!(finding.text.contains("not shadowed"), "{}", finding.text);
    }

    #[test]
    fn errors_refute_and_a_few_leave_it_open() {
        let refuted = error_rate(&results_with(vec![shadow_run(80)], true), 0.01).expect("finding");
        assert_eq!(refuted.verdict, ClaimVerdict::Refuted, "{}", refuted.text);
        let open = error_rate(&results_with(vec![shadow_run(36)], true), 0.01).expect("finding");
        assert_eq!(open.verdict, ClaimVerdict::Consistent, "{}", open.text);
        assert!(open.text.contains("36 of 4000"), "{}", open.text);
    }

    #[test]
    fn without_the_campaign_the_checks_alone_cannot_confirm() {
        let finding = error_rate(&results_with(Vec::new(), true), 0.01).expect("finding");
        assert_eq!(
            finding.verdict,
            ClaimVerdict::Consistent,
            "{}",
            finding.text
        );
        assert!(
            finding
                .text
                .contains("shadow campaign not part of this run")
        );
        let mut nothing = results_with(Vec::new(), true);
        nothing.pairs.clear();
        assert!(error_rate(&nothing, 0.01).is_err());
    }
}
