//! A ready / not-ready verdict per migrated component: seed 002's readiness
//! checklist, measured (correctness, concurrency, speed — seed 000's "≥ 90%
//! of baseline performance" — and memory).

use twinbench_checks::Component;

use crate::pairs::Domain;
use crate::pairs::memory_notes::{MemoryNote, MemoryNoteKind};
use crate::results::verdicts::{ComponentVerdict, Readiness, Requirement, RequirementStatus};
use crate::results::{Results, SizeResult};

use super::times;

fn requirement(name: &str, status: RequirementStatus, detail: impl Into<String>) -> Requirement {
    Requirement {
        name: name.into(),
        status,
        detail: detail.into(),
    }
}

fn readiness(requirements: &[Requirement]) -> Readiness {
    if requirements.iter().all(|c| {
        matches!(
            c.status,
            RequirementStatus::Pass | RequirementStatus::NotApplicable
        )
    }) {
        Readiness::Ready
    } else {
        Readiness::NotReady
    }
}

/// Seed 000's rollout rule: promote only at ≥ 90% of the baseline's performance.
const MIN_RELATIVE_PERFORMANCE: f64 = 0.9;

/// Seed 001's locking-overhead budget, used as the concurrent components' speed requirement.
const MAX_LOCKING_OVERHEAD: f64 = 1.2;

/// One verdict per migrated component: the kernel domains, the components
/// with nothing ported (not assessed), and each concurrent component.
pub fn verdicts(results: &Results) -> Vec<ComponentVerdict> {
    let mut out = Vec::new();
    for (domain, name) in [
        (Domain::Analytics, "analytics engine"),
        (Domain::Detection, "AI detection"),
        (Domain::Forecasting, "forecasting engine"),
        (Domain::Optimizer, "AI performance optimizer"),
        (Domain::Alerting, "alert correlator"),
        (Domain::Monitoring, "performance monitor"),
        (Domain::ErrorHandling, "error handling"),
        (Domain::TaskRouting, "task routing service"),
    ] {
        let pairs: Vec<_> = results
            .pairs
            .iter()
            .filter(|p| p.domain == domain)
            .collect();
        if pairs.is_empty() {
            out.push(not_assessed(
                name,
                "no kernel of this component was part of the run",
            ));
            continue;
        }
        // A size not run (PostgreSQL absent) is neither right nor wrong:
        // the run recorded why; the component is judged on what ran.
        let sizes: Vec<(&str, &SizeResult)> = pairs
            .iter()
            .flat_map(|p| p.sizes.iter().map(move |s| (p.kernel.as_str(), s)))
            .filter(|(_, s)| !s.correctness.is_not_run())
            .collect();
        let wrong: Vec<String> = sizes
            .iter()
            .filter(|(_, s)| !s.correctness.is_agree())
            .map(|(k, s)| format!("{k} @ {}", s.size))
            .collect();
        let correctness = if wrong.is_empty() {
            requirement(
                "correctness",
                RequirementStatus::Pass,
                format!(
                    "all {} kernel × size checks agree with the Python baseline",
                    sizes.len()
                ),
            )
        } else {
            requirement(
                "correctness",
                RequirementStatus::Fail,
                format!("disagree or failed: {}", wrong.join(", ")),
            )
        };
        let untimed: Vec<String> = sizes
            .iter()
            .filter(|(_, s)| s.speedup.is_none())
            .map(|(k, s)| format!("{k} @ {}", s.size))
            .collect();
        let slow: Vec<String> = sizes
            .iter()
            .filter_map(|(k, s)| {
                let e = s.speedup?;
                (e.low < MIN_RELATIVE_PERFORMANCE)
                    .then(|| format!("{k} @ {} ({})", s.size, times(e.point)))
            })
            .collect();
        let slowest = sizes
            .iter()
            .filter_map(|(k, s)| s.speedup.map(|e| (k, s.size, e)))
            .min_by(|a, b| a.2.point.total_cmp(&b.2.point));
        let speed = if !slow.is_empty() {
            requirement(
                "speed",
                RequirementStatus::Fail,
                format!(
                    "below 90% of the baseline's speed (interval): {}",
                    slow.join(", ")
                ),
            )
        } else if !untimed.is_empty() {
            requirement(
                "speed",
                RequirementStatus::NotMeasured,
                format!("not timed: {}", untimed.join(", ")),
            )
        } else {
            let detail = slowest
                .map(|(k, size, e)| {
                    format!(
                        "≥ 90% of the baseline at every size; slowest: {k} @ {size}, {} [{}, {}]",
                        times(e.point),
                        times(e.low),
                        times(e.high)
                    )
                })
                .unwrap_or_default();
            requirement("speed", RequirementStatus::Pass, detail)
        };
        out.push(ComponentVerdict {
            component: name.into(),
            readiness: Readiness::NotReady,
            requirements: vec![
                correctness,
                match shared_state(domain) {
                    Some(component) => checks_requirement(component, results),
                    None => requirement(
                        "concurrency",
                        RequirementStatus::NotApplicable,
                        "pure functions of their input; no shared state",
                    ),
                },
                speed,
                memory_requirement(&sizes, |kernel| {
                    pairs
                        .iter()
                        .find(|p| p.kernel == kernel)
                        .and_then(|p| p.memory_note.as_ref())
                }),
            ],
        });
        if let Some(v) = out.last_mut() {
            v.readiness = readiness(&v.requirements);
        }
    }
    for component in Component::ALL {
        out.push(concurrent_verdict(component, results));
    }
    out
}

/// Memory: the twin's peak per call no higher than the baseline's, and
/// nothing retained after a call. Where the two figures are not like for
/// like (`note`: the pair's memory note says how), a higher twin figure is
/// named in the detail but does not fail the requirement; the largest
/// twin-to-baseline ratio is always named.
fn memory_requirement<'a>(
    sizes: &[(&str, &SizeResult)],
    note: impl Fn(&str) -> Option<&'a MemoryNote>,
) -> Requirement {
    let mut missing = Vec::new();
    let mut worse = Vec::new();
    let mut unlike = Vec::new();
    let mut highest: Option<(String, f64)> = None;
    let mut leaks = Vec::new();
    let mut best_ratio: Option<f64> = None;
    let mut worst_ratio: Option<f64> = None;
    for (kernel, size) in sizes {
        let at = format!("{kernel} @ {}", size.size);
        let Some(m) = &size.memory else {
            missing.push(at);
            continue;
        };
        let (Some(rust), Some(python)) = (m.rust, m.python) else {
            missing.push(at);
            continue;
        };
        if rust.retained_bytes != 0 {
            leaks.push(format!("{at} retains {} B", rust.retained_bytes));
        }
        let python_bytes = python.compared_bytes();
        let over = rust.peak_bytes as f64 / python_bytes.max(1) as f64;
        if highest.as_ref().is_none_or(|(_, h)| over > *h) {
            highest = Some((at.clone(), over));
        }
        if rust.peak_bytes > python_bytes {
            let figures = format!("{at}: {} B vs {} B", rust.peak_bytes, python_bytes);
            match note(kernel) {
                Some(n) if n.kind == MemoryNoteKind::NotLikeForLike => unlike.push(figures),
                _ => worse.push(figures),
            }
        }
        let ratio = python_bytes as f64 / (rust.peak_bytes.max(1)) as f64;
        best_ratio = Some(best_ratio.map_or(ratio, |b: f64| b.max(ratio)));
        worst_ratio = Some(worst_ratio.map_or(ratio, |w: f64| w.min(ratio)));
    }
    let highest = highest
        .map(|(at, over)| format!("; highest twin ÷ baseline: {at}, {over:.2}×"))
        .unwrap_or_default();
    let unlike = if unlike.is_empty() {
        String::new()
    } else {
        format!(
            "; above a baseline figure that is not like for like (see the pair's memory note): {}",
            unlike.join(", ")
        )
    };
    if !worse.is_empty() || !leaks.is_empty() {
        let mut parts = Vec::new();
        if !worse.is_empty() {
            parts.push(format!("peak above the baseline's: {}", worse.join(", ")));
        }
        if !leaks.is_empty() {
            parts.push(format!(
                "memory retained after the call: {}",
                leaks.join(", ")
            ));
        }
        return requirement(
            "memory",
            RequirementStatus::Fail,
            format!("{}{highest}{unlike}", parts.join("; ")),
        );
    }
    if !missing.is_empty() {
        return requirement(
            "memory",
            RequirementStatus::NotMeasured,
            format!("not measured: {}", missing.join(", ")),
        );
    }
    requirement(
        "memory",
        RequirementStatus::Pass,
        format!(
            "baseline ÷ twin peak per call {}–{} (counting allocator vs the largest of \
             tracemalloc's peak, the C heap the baseline's result holds and its resident growth); \
             nothing retained{highest}{unlike}",
            times(worst_ratio.unwrap_or(1.0)),
            times(best_ratio.unwrap_or(1.0))
        ),
    )
}

fn not_assessed(name: &str, why: &str) -> ComponentVerdict {
    ComponentVerdict {
        component: name.into(),
        readiness: Readiness::NotAssessed,
        requirements: vec![requirement(
            "everything",
            RequirementStatus::NotMeasured,
            why,
        )],
    }
}

/// The concurrent component that holds a domain's shared state, where its
/// kernels are not pure functions of their input: the error handler's
/// pattern table, record rings and tables are shared by every caller, so
/// the error-handling verdict rests on that component's model checks; the
/// alert engine's rule dict and the correlator's store likewise
/// (the alert pipeline component).
fn shared_state(domain: Domain) -> Option<Component> {
    match domain {
        Domain::ErrorHandling => Some(Component::ErrorAggregator),
        Domain::Alerting => Some(Component::AlertPipeline),
        Domain::Analytics
        | Domain::Detection
        | Domain::Forecasting
        | Domain::Optimizer
        | Domain::Monitoring
        | Domain::TaskRouting => None,
    }
}

/// Concurrency: every model check of `component` in the run as expected
/// (fixed twins pass, zoo entries caught).
fn checks_requirement(component: Component, results: &Results) -> Requirement {
    let records: Vec<_> = results
        .concurrency
        .iter()
        .flat_map(|c| &c.records)
        .filter(|r| r.component == component)
        .collect();
    if records.is_empty() {
        requirement(
            "concurrency",
            RequirementStatus::NotMeasured,
            "no model check of this component in the run",
        )
    } else {
        let bad: Vec<String> = records
            .iter()
            .filter(|r| !r.as_expected())
            .map(|r| format!("{} under {}", r.id, r.checker))
            .collect();
        if bad.is_empty() {
            requirement(
                "concurrency",
                RequirementStatus::Pass,
                format!(
                    "{} checks as expected (fixed passes, zoo caught)",
                    records.len()
                ),
            )
        } else {
            requirement(
                "concurrency",
                RequirementStatus::Fail,
                format!("not as expected: {}", bad.join(", ")),
            )
        }
    }
}

fn concurrent_verdict(component: Component, results: &Results) -> ComponentVerdict {
    let concurrency = checks_requirement(component, results);
    let speed = match results
        .locking_overhead
        .iter()
        .find(|o| o.component == component)
    {
        None => requirement(
            "speed",
            RequirementStatus::NotMeasured,
            "locking overhead not measured in this run",
        ),
        Some(o) => {
            let e = o.overhead_ratio;
            let text = format!("locking overhead {} on one thread", e.percent_change(0));
            if e.low >= MAX_LOCKING_OVERHEAD {
                requirement(
                    "speed",
                    RequirementStatus::Fail,
                    format!("{text}: over the 20% budget (C10)"),
                )
            } else {
                requirement("speed", RequirementStatus::Pass, text)
            }
        }
    };
    let requirements = vec![
        requirement(
            "correctness",
            RequirementStatus::NotApplicable,
            "covered by the invariants the model checks assert",
        ),
        concurrency,
        speed,
        requirement(
            "memory",
            RequirementStatus::NotApplicable,
            "bounded by construction (capacities are invariants)",
        ),
    ];
    ComponentVerdict {
        component: component.title().into(),
        readiness: readiness(&requirements),
        requirements,
    }
}
