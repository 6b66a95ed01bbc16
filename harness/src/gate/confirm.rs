//! A slowdown must reproduce: what a confirming rerun times again, reading
//! its samples, and judging the flagged checks once more on them.

use std::collections::BTreeMap;
use std::path::Path;

use super::judge::sizes_by_key;
use super::{CheckId, CheckKind, GateReport, Verdict, overall};
use crate::measure::{PairBenchId, bench_run, criterion_samples};
use crate::results::Results;
use crate::stats::ratio_estimate;

/// What a confirming rerun must time again: the timing checks judged a
/// slowdown (the ids the pairs bench reads from `TWINBENCH_ONLY`).
pub fn rerun_targets(report: &GateReport) -> Vec<PairBenchId> {
    report
        .checks
        .iter()
        .filter(|c| c.kind() == CheckKind::Timing && c.verdict == Verdict::Regression)
        .filter(|c| c.ratio.is_some())
        .filter_map(|c| match &c.id {
            CheckId::Timing(target) => Some(target.clone()),
            _ => None,
        })
        .collect()
}

/// Per-call samples of a confirming rerun, by benchmark.
pub type RerunSamples = BTreeMap<String, Vec<f64>>;

/// Reads the rerun's samples of each target from a criterion folder,
/// refusing samples older than the rerun's bench-run record. A target
/// without usable samples is left out (its slowdown then stands).
pub fn read_rerun(criterion_dir: &Path, targets: &[PairBenchId]) -> (RerunSamples, Vec<String>) {
    let mut samples = RerunSamples::new();
    let mut problems = Vec::new();
    let run = match bench_run::read(criterion_dir) {
        Ok(run) => run,
        Err(e) => {
            problems.push(e);
            return (samples, problems);
        }
    };
    for target in targets {
        let path = target.bench_id().sample_file(criterion_dir);
        match criterion_samples::read(&path) {
            Ok(_) if !run.covers(&path) => {
                problems.push(format!(
                    "{target}: stale rerun samples at {}",
                    path.display()
                ));
            }
            Ok(s) => {
                samples.insert(target.to_string(), s.per_iteration_ns);
            }
            Err(e) => problems.push(format!("{target}: {e}")),
        }
    }
    (samples, problems)
}

/// A slowdown must reproduce. Each timing check the first comparison judged
/// a regression is judged again on the rerun's samples, against the same
/// baseline, threshold and run-wide drift; it stays a regression only if the
/// rerun is also slower beyond the threshold. Without rerun samples for it, it
/// stays a regression (nothing is ever passed for lack of data).
pub fn confirm(report: &mut GateReport, baseline: &Results, rerun: &RerunSamples) {
    let base = sizes_by_key(baseline);
    for check in report.checks.iter_mut() {
        let (CheckId::Timing(target), Verdict::Regression, Some(first), Some(limit)) =
            (&check.id, check.verdict, check.ratio, check.limit)
        else {
            continue;
        };
        let before = base
            .get(&(target.kernel.clone(), target.size))
            .and_then(|s| s.samples(target.side));
        let (Some(before), Some(again)) = (before, rerun.get(&target.to_string())) else {
            check.detail = format!("{}; no rerun to confirm it, so it stands", check.detail);
            continue;
        };
        let drift = report
            .drift
            .iter()
            .find(|(side, _)| *side == target.side)
            .map_or(1.0, |(_, d)| d.max(1.0));
        let second = ratio_estimate(again, before);
        if second.low > limit && second.low / drift > limit {
            check.detail = format!(
                "{}; reproduced on rerun: {}",
                check.detail,
                second.percent_change(1)
            );
        } else {
            check.verdict = Verdict::Pass;
            check.detail = format!(
                "first run {}, not reproduced on rerun: {}",
                first.percent_change(1),
                second.percent_change(1)
            );
        }
        check.ratio = Some(second);
    }
    report.confirmed_by_rerun = true;
    report.verdict = overall(&report.checks, &report.reasons);
}
