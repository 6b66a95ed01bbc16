//! The first comparison of a run with its baseline: correctness, each Rust
//! side's timing against the threshold and the run-wide drift, the model
//! checks.

use std::collections::BTreeMap;

use super::{
    CheckId, CheckKind, GateCheck, GateOptions, GateReport, Reason, Verdict, identity, overall,
};
use crate::measure::PairBenchId;
use crate::pairs::Side;
use crate::results::{Correctness, Results, SideTiming, SizeResult};
use crate::stats::{median, percent_change, ratio_estimate};

/// Compares `current` with `baseline`.
pub fn judge(baseline: &Results, current: &Results, options: &GateOptions) -> GateReport {
    let mut reasons = Vec::new();
    let same_machine = baseline.machine.same_hardware(&current.machine);
    if !same_machine {
        let (b, c) = (
            baseline.machine.hardware(),
            baseline
                .machine
                .hardware_differences(&current.machine)
                .join("; "),
        );
        reasons.push(if options.allow_other_machine {
            Reason::Note(format!(
                "comparing timings across machines as asked (baseline: {b}): {c}"
            ))
        } else {
            Reason::CannotJudge(format!(
                "different machines (baseline: {b}): {c}; timings not compared \
                 (pass --allow-other-machine to compare anyway)"
            ))
        });
    }
    for problem in &current.problems {
        reasons.push(Reason::CannotJudge(format!(
            "current run incomplete: {problem}"
        )));
    }
    if baseline.pairs.is_empty() {
        reasons.push(Reason::CannotJudge(
            "the baseline has no kernel pairs: no correctness or timing to hold the run to".into(),
        ));
    }
    if current.bench_run.is_none() {
        reasons.push(Reason::CannotJudge(
            "current run has no bench-run record: its timings may be stale".into(),
        ));
    }
    let compare_timings = same_machine || options.allow_other_machine;

    let mut checks = Vec::new();
    let current_sizes = sizes_by_key(current);
    for (key, base) in sizes_by_key(baseline) {
        let (kernel, size) = (&key.0, key.1);
        let threshold = current
            .pair(kernel)
            .and_then(|p| p.gate_threshold)
            .unwrap_or(options.threshold);
        let Some(now) = current_sizes.get(&key) else {
            checks.push(GateCheck::new(
                CheckId::Correctness {
                    kernel: kernel.clone(),
                    size,
                },
                Verdict::Regression,
                "in the baseline, missing from the current run",
            ));
            continue;
        };
        checks.push(correctness_check(kernel, size, now));
        for side in [Side::Rust, Side::RustParallel] {
            let Some(before) = base.timing(side) else {
                continue;
            };
            let id = CheckId::Timing(PairBenchId {
                kernel: kernel.clone(),
                size,
                side,
            });
            let check = match now.timing(side) {
                None => GateCheck::new(
                    id,
                    Verdict::Regression,
                    "timed in the baseline, missing from the current run",
                ),
                Some(_) if !compare_timings => {
                    GateCheck::new(id, Verdict::CannotJudge, "different machine")
                }
                Some(after) => timing_check(id, before, after, threshold),
            };
            checks.push(check);
        }
    }
    let judge_parallel = options.parallel.gates(&current.machine);
    let drift: Vec<(Side, f64)> = [Side::Rust, Side::RustParallel]
        .into_iter()
        .filter_map(|side| Some((side, run_drift(&checks, side)?)))
        .collect();
    let rust_drift = drift.iter().find(|(s, _)| *s == Side::Rust).map(|d| d.1);
    let other_host = if same_machine {
        identity::other_host(baseline, current, rust_drift, options.threshold)
    } else {
        None
    };
    for &(side, d) in &drift {
        apply_drift(&mut checks, side, d);
        let explained = side == Side::Rust && other_host.is_some();
        if d > 1.0 + options.threshold && !explained {
            let text = format!(
                "every {side} timing moved: the run is {:+.1}% slower than the baseline (median): a \
                 busier machine or a regression common to every kernel; timing cannot tell which \
                 (the instruction-count gate can)",
                percent_change(d)
            );
            let judged = side != Side::RustParallel || judge_parallel;
            reasons.push(if judged {
                Reason::CannotJudge(text)
            } else {
                Reason::Note(text)
            });
        }
    }
    if let Some(why) = other_host {
        if options.allow_other_machine {
            reasons.push(Reason::Note(format!(
                "judging timings although this run's host does not look like the baseline's, \
                 as asked: {why}"
            )));
        } else {
            reasons.push(Reason::CannotJudge(format!(
                "this run's machine is not the baseline's (or is far busier than it was): {why}; \
                 its timings are not judged (a slowdown of the code itself is what the \
                 instruction-count gate, `make instructions`, catches; pass \
                 --allow-other-machine to judge them anyway)"
            )));
            for check in checks
                .iter_mut()
                .filter(|c| c.kind() == CheckKind::Timing && c.verdict == Verdict::Regression)
            {
                check.verdict = Verdict::CannotJudge;
                check.detail = format!("not judged, another host (see above): {}", check.detail);
            }
        }
    }
    if !judge_parallel {
        let mut shown = 0;
        for check in checks
            .iter_mut()
            .filter(|c| c.id.side() == Some(Side::RustParallel) && c.ratio.is_some())
        {
            shown += 1;
            check.not_judged = true;
            if check.verdict == Verdict::Regression {
                check.verdict = Verdict::Pass;
                check.detail = format!("not judged (parallel, see above): {}", check.detail);
            }
        }
        if shown > 0 {
            reasons.push(Reason::Note(format!(
                "{shown} parallel timings shown, not judged: on {} logical CPUs their \
                 run-to-run modes exceed any useful threshold (--gate-parallel always judges them)",
                current.machine.logical_cpus
            )));
        }
    }
    concurrency_checks(baseline, current, &mut checks);

    let verdict = overall(&checks, &reasons);
    if checks.is_empty() {
        reasons.push(Reason::CannotJudge(
            "the baseline has nothing to compare against".into(),
        ));
    }
    GateReport {
        verdict,
        drift,
        reasons,
        checks,
        threshold: options.threshold,
        baseline_run: describe_run(baseline),
        current_run: describe_run(current),
        confirmed_by_rerun: false,
    }
}

fn describe_run(r: &Results) -> String {
    let pooled = if r.pooled_from.is_empty() {
        String::new()
    } else {
        format!(", samples of {} runs pooled", r.pooled_from.len())
    };
    let run = match &r.git {
        Some(g) => format!(
            "{} (commit {}{})",
            r.run_id,
            &g.commit[..g.commit.len().min(10)],
            if g.dirty { ", dirty" } else { "" }
        ),
        None => r.run_id.clone(),
    };
    format!("{run}{pooled}")
}

pub(super) fn sizes_by_key(results: &Results) -> BTreeMap<(String, usize), &SizeResult> {
    results
        .pairs
        .iter()
        .flat_map(|p| p.sizes.iter().map(move |s| ((p.kernel.clone(), s.size), s)))
        .collect()
}

fn correctness_check(kernel: &str, size: usize, now: &SizeResult) -> GateCheck {
    let id = CheckId::Correctness {
        kernel: kernel.to_string(),
        size,
    };
    if now.correctness.is_agree() {
        GateCheck::new(id, Verdict::Pass, "both sides agree")
    } else if let Correctness::NotRun { reason } = &now.correctness {
        // Nothing ran, so nothing regressed; nor did anything pass.
        GateCheck::new(id, Verdict::CannotJudge, format!("not run: {reason}"))
    } else {
        let summary =
            serde_json::to_string(&now.correctness).unwrap_or_else(|_| "unprintable".into());
        GateCheck::new(
            id,
            Verdict::Regression,
            format!("twins disagree or failed: {summary}"),
        )
    }
}

/// Slower beyond `threshold`, with the whole interval above it.
fn timing_check(id: CheckId, before: &SideTiming, after: &SideTiming, threshold: f64) -> GateCheck {
    if before.per_iteration_ns.is_empty() || after.per_iteration_ns.is_empty() {
        return GateCheck::new(
            id,
            Verdict::CannotJudge,
            "no per-sample times recorded (results older than schema 3?)",
        );
    }
    let ratio = ratio_estimate(&after.per_iteration_ns, &before.per_iteration_ns);
    let limit = 1.0 + threshold;
    let (verdict, detail) = if ratio.low > limit {
        (
            Verdict::Regression,
            format!(
                "{:.1}% slower [{:.1}%, {:.1}%], beyond the {:.0}% threshold",
                percent_change(ratio.point),
                percent_change(ratio.low),
                percent_change(ratio.high),
                threshold * 100.0
            ),
        )
    } else {
        (Verdict::Pass, ratio.percent_change(1))
    };
    GateCheck {
        ratio: Some(ratio),
        limit: Some(limit),
        seconds: after.mean_ns.point / 1e9,
        ..GateCheck::new(id, verdict, detail)
    }
}

/// Fewest timing checks from which a run-wide drift is estimated.
const DRIFT_MIN_CHECKS: usize = 5;

/// The median current ÷ baseline ratio over the timing checks of one side
/// (single-threaded or parallel): how much the whole run moved. A busier or
/// cooler machine moves every kernel alike, and parallel runs, which need
/// both cores, far more than single-threaded ones.
fn run_drift(checks: &[GateCheck], side: Side) -> Option<f64> {
    let points: Vec<f64> = checks
        .iter()
        .filter(|c| c.id.side() == Some(side))
        .filter_map(|c| c.ratio.map(|r| r.point))
        .collect();
    if points.len() < DRIFT_MIN_CHECKS {
        return None;
    }
    median(points)
}

/// A kernel only regresses if it is slower beyond its threshold both in
/// absolute terms and relative to its side's run-wide drift: on a shared
/// machine the load of the moment slows every kernel of a run, and A/A runs
/// showed that shift alone exceeding 10% (and 100% for two-thread runs while
/// another process held a core). What the drift hides — a slowdown common to
/// every kernel — is reported as "cannot judge" (never a pass), and is what
/// the deterministic instruction-count gate is for.
fn apply_drift(checks: &mut [GateCheck], side: Side, drift: f64) {
    let factor = drift.max(1.0);
    for check in checks.iter_mut().filter(|c| c.id.side() == Some(side)) {
        let (Some(ratio), Some(limit)) = (check.ratio, check.limit) else {
            continue;
        };
        if check.verdict == Verdict::Regression && ratio.low / factor <= limit {
            check.verdict = Verdict::Pass;
            check.detail = format!(
                "{}, within the run-wide drift of {:+.1}% for {side}",
                ratio.percent_change(1),
                percent_change(drift)
            );
        }
    }
}

fn concurrency_checks(baseline: &Results, current: &Results, checks: &mut Vec<GateCheck>) {
    let id = |r: &twinbench_checks::CheckRecord| CheckId::Concurrency {
        case: r.id.clone(),
        checker: r.checker.to_string(),
    };
    fn records(r: &Results) -> BTreeMap<String, &twinbench_checks::CheckRecord> {
        r.concurrency
            .iter()
            .flat_map(|c| &c.records)
            .map(|record| (format!("{}/{}", record.id, record.checker), record))
            .collect()
    }
    let now = records(current);
    for record in current.concurrency.iter().flat_map(|c| &c.records) {
        let verdict = if record.as_expected() {
            Verdict::Pass
        } else {
            Verdict::Regression
        };
        checks.push(GateCheck {
            seconds: record.seconds,
            ..GateCheck::new(id(record), verdict, record.describe())
        });
    }
    for (key, record) in records(baseline) {
        if !now.contains_key(&key) {
            checks.push(GateCheck::new(
                id(record),
                Verdict::Regression,
                "in the baseline, missing from the current run",
            ));
        }
    }
}
