//! The reviewer's two verdicts, computed from a run's results: the claims
//! ledger (every promise of `../shared/CLAIMS.md`, C01–C22, measured or
//! visibly unmeasured) and a ready / not-ready verdict per migrated component
//! (seed 002's readiness checklist, measured: correctness, concurrency, speed
//! — seed 000's "≥ 90% of baseline performance" — and memory).

use serde::{Deserialize, Serialize};
use twinbench_checks::Component;

use crate::registry::Domain;
use crate::results::{Results, SizeResult};
use crate::timing::Side;
use crate::timing::bootstrap::{Estimate, geomean_ratio_estimate};

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
    /// Kernels or components the measurement rests on.
    pub rests_on: Vec<String>,
    /// What it is measured against (baseline, peers).
    pub against: String,
}

#[derive(Debug, Clone, Copy)]
enum Direction {
    AtLeast,
    LessThan,
}

fn verdict(estimate: &Estimate, claimed: f64, direction: Direction) -> ClaimVerdict {
    match direction {
        Direction::AtLeast if estimate.low >= claimed => ClaimVerdict::Confirmed,
        Direction::AtLeast if estimate.high < claimed => ClaimVerdict::Refuted,
        Direction::LessThan if estimate.high < claimed => ClaimVerdict::Confirmed,
        Direction::LessThan if estimate.low >= claimed => ClaimVerdict::Refuted,
        _ => ClaimVerdict::Consistent,
    }
}

/// How a claim is measured.
#[derive(Debug, Clone, Copy)]
enum Measure {
    /// Geometric-mean speedup over Python of the kernels tagged with the
    /// claim, each at its largest size.
    Speedup { factor: f64 },
    /// Worst locking overhead over the concurrent components.
    LockingOverhead { limit: f64 },
    /// Every component's model checks pass and every zoo bug is caught.
    RaceFree,
    /// Differential mismatches and failures per size check.
    ErrorRate { limit: f64 },
    /// Fixing the Python vs porting it, for kernels with a fixed baseline.
    Attribution,
    /// Bytes the Rust twins still hold after a call.
    Leaks,
    /// Nothing measures it yet; the reason says what would.
    Unmeasured { reason: &'static str },
}

struct ClaimSpec {
    id: &'static str,
    claim: &'static str,
    source: &'static str,
    claimed: &'static str,
    measure: Measure,
}

const NOT_PORTED: &str = "no kernel of this component is ported yet";
const SECOND_SERVICE: &str = "the second service (seed 004) is not ported yet";

const CLAIMS: [ClaimSpec; 22] = [
    ClaimSpec {
        id: "C01",
        claim: "Analytics engine: 50x faster",
        source: "000",
        claimed: "≥ 50×",
        measure: Measure::Speedup { factor: 50.0 },
    },
    ClaimSpec {
        id: "C02",
        claim: "AI detection: 8x faster",
        source: "000",
        claimed: "≥ 8×",
        measure: Measure::Speedup { factor: 8.0 },
    },
    ClaimSpec {
        id: "C03",
        claim: "Performance monitor: 4x faster",
        source: "000",
        claimed: "≥ 4×",
        measure: Measure::Unmeasured { reason: NOT_PORTED },
    },
    ClaimSpec {
        id: "C04",
        claim: "AI performance optimizer: 15x faster",
        source: "000",
        claimed: "≥ 15×",
        measure: Measure::Unmeasured { reason: NOT_PORTED },
    },
    ClaimSpec {
        id: "C05",
        claim: "ML inference: 8x faster",
        source: "000",
        claimed: "≥ 8×",
        measure: Measure::Unmeasured {
            reason: "no model-scoring kernel (isolation forest, forecasting) is ported yet",
        },
    },
    ClaimSpec {
        id: "C06",
        claim: "Anomaly detection: 4x faster",
        source: "000",
        claimed: "≥ 4×",
        measure: Measure::Speedup { factor: 4.0 },
    },
    ClaimSpec {
        id: "C07",
        claim: "Analytics algorithms: 100x faster",
        source: "001",
        claimed: "≥ 100×",
        measure: Measure::Speedup { factor: 100.0 },
    },
    ClaimSpec {
        id: "C08",
        claim: "AI performance optimizer: 100x faster",
        source: "001",
        claimed: "≥ 100×",
        measure: Measure::Unmeasured { reason: NOT_PORTED },
    },
    ClaimSpec {
        id: "C09",
        claim: "Anomaly detector: 1000x faster",
        source: "001",
        claimed: "≥ 1000×",
        measure: Measure::Speedup { factor: 1000.0 },
    },
    ClaimSpec {
        id: "C10",
        claim: "Thread-safety overhead under 20%",
        source: "001",
        claimed: "< 20%",
        measure: Measure::LockingOverhead { limit: 1.20 },
    },
    ClaimSpec {
        id: "C11",
        claim: "Error processing 5x faster",
        source: "001",
        claimed: "≥ 5×",
        measure: Measure::Unmeasured {
            reason: "the error classification path is not ported yet",
        },
    },
    ClaimSpec {
        id: "C12",
        claim: "No race conditions under concurrent access; 100% thread-safety validation",
        source: "001",
        claimed: "no races",
        measure: Measure::RaceFree,
    },
    ClaimSpec {
        id: "C13",
        claim: "Gradual rollout: 5% +10%/period, promote at ≥90% performance and <1% errors, automatic rollback",
        source: "000",
        claimed: "state machine holds",
        measure: Measure::Unmeasured {
            reason: "the rollout controller is not modelled yet",
        },
    },
    ClaimSpec {
        id: "C14",
        claim: "Error rate below 1% during migration (0.1% in 001)",
        source: "000, 001",
        claimed: "< 1%",
        measure: Measure::ErrorRate { limit: 0.01 },
    },
    ClaimSpec {
        id: "C15",
        claim: "Memory stable under load; zero leaks",
        source: "000, 001",
        claimed: "stable, no leaks",
        measure: Measure::Leaks,
    },
    ClaimSpec {
        id: "C16",
        claim: "Streaming service latency under 10 ms",
        source: "000",
        claimed: "< 10 ms",
        measure: Measure::Unmeasured {
            reason: "stream producer latency percentiles under load are not measured yet",
        },
    },
    ClaimSpec {
        id: "C17",
        claim: "Database indexes: 10x faster queries",
        source: "004",
        claimed: "≥ 10×",
        measure: Measure::Unmeasured {
            reason: SECOND_SERVICE,
        },
    },
    ClaimSpec {
        id: "C18",
        claim: "Fixing the N+1 query: 5x faster scan",
        source: "004",
        claimed: "≥ 5×",
        measure: Measure::Unmeasured {
            reason: SECOND_SERVICE,
        },
    },
    ClaimSpec {
        id: "C19",
        claim: "Task assignment 50x faster (2000 ms → 40 ms)",
        source: "004",
        claimed: "≥ 50×",
        measure: Measure::Unmeasured {
            reason: SECOND_SERVICE,
        },
    },
    ClaimSpec {
        id: "C20",
        claim: "Memory 10x lower (2 GB → 200 MB)",
        source: "004",
        claimed: "≥ 10× less",
        measure: Measure::Unmeasured {
            reason: SECOND_SERVICE,
        },
    },
    ClaimSpec {
        id: "C21",
        claim: "Concurrent requests 50x higher throughput",
        source: "004",
        claimed: "≥ 50×",
        measure: Measure::Unmeasured {
            reason: SECOND_SERVICE,
        },
    },
    ClaimSpec {
        id: "C22",
        claim: "Rust's advantage is negligible for I/O-bound work",
        source: "004",
        claimed: "port ≈ 1× for I/O-bound work",
        measure: Measure::Attribution,
    },
];

fn samples(size: &SizeResult, side: Side) -> Option<&[f64]> {
    size.timings
        .iter()
        .find(|t| t.side == side)
        .map(|t| t.per_iteration_ns.as_slice())
        .filter(|s| !s.is_empty())
}

/// The largest size of a kernel with both sides timed.
fn largest_timed(sizes: &[SizeResult]) -> Option<&SizeResult> {
    sizes
        .iter()
        .filter(|s| samples(s, Side::Python).is_some() && samples(s, Side::Rust).is_some())
        .max_by_key(|s| s.size)
}

fn times(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}×")
    } else if x >= 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.2}×")
    }
}

/// Every claim of CLAIMS.md, measured or marked unmeasured.
pub fn ledger(results: &Results) -> Vec<ClaimRow> {
    CLAIMS.iter().map(|spec| row(spec, results)).collect()
}

/// A row for `spec` with nothing measured yet; measured rows override the rest.
fn claim_base(spec: &ClaimSpec) -> ClaimRow {
    ClaimRow {
        id: spec.id.into(),
        claim: spec.claim.into(),
        source: spec.source.into(),
        claimed: spec.claimed.into(),
        measured: None,
        measured_text: String::new(),
        verdict: ClaimVerdict::Unmeasured,
        rests_on: Vec::new(),
        against: String::new(),
    }
}

fn unmeasured(spec: &ClaimSpec, reason: &str) -> ClaimRow {
    ClaimRow {
        measured_text: format!("unmeasured: {reason}"),
        ..claim_base(spec)
    }
}

fn row(spec: &ClaimSpec, results: &Results) -> ClaimRow {
    match spec.measure {
        Measure::Unmeasured { reason } => unmeasured(spec, reason),
        Measure::Speedup { factor } => speedup_row(spec, factor, results),
        Measure::LockingOverhead { limit } => overhead_row(spec, limit, results),
        Measure::RaceFree => race_free_row(spec, results),
        Measure::ErrorRate { limit } => error_rate_row(spec, limit, results),
        Measure::Attribution => attribution_row(spec, results),
        Measure::Leaks => leaks_row(spec, results),
    }
}

fn speedup_row(spec: &ClaimSpec, factor: f64, results: &Results) -> ClaimRow {
    let tagged: Vec<(&str, &SizeResult)> = results
        .pairs
        .iter()
        .filter(|p| p.claims.iter().any(|c| c == spec.id))
        .filter_map(|p| largest_timed(&p.sizes).map(|s| (p.kernel.as_str(), s)))
        .collect();
    if tagged.is_empty() {
        return unmeasured(
            spec,
            "no kernel tagged with this claim was timed in this run",
        );
    }
    let ratios: Vec<(&[f64], &[f64])> = tagged
        .iter()
        .filter_map(|(_, s)| Some((samples(s, Side::Python)?, samples(s, Side::Rust)?)))
        .collect();
    let estimate = geomean_ratio_estimate(&ratios);
    // The best peer per kernel (where one was timed): its time ÷ the twin's.
    let peer_ratios: Vec<f64> = tagged
        .iter()
        .filter_map(|(_, s)| {
            s.alternatives
                .iter()
                .filter(|a| a.side.is_peer())
                .filter_map(|a| a.rust_speedup.map(|e| e.point))
                .min_by(f64::total_cmp)
        })
        .collect();
    let against = if peer_ratios.is_empty() {
        "the faithful Python baseline; no compiled peer for these kernels".to_string()
    } else {
        let geo =
            (peer_ratios.iter().map(|r| r.ln()).sum::<f64>() / peer_ratios.len() as f64).exp();
        format!(
            "the faithful Python baseline; against the best compiled peer (rustworkx/igraph) \
             the twin is {} faster (geometric mean over the {} kernels that have one)",
            times(geo),
            peer_ratios.len()
        )
    };
    ClaimRow {
        measured_text: format!(
            "{} [{}, {}] geometric mean over {} kernels, each at its largest size",
            times(estimate.point),
            times(estimate.low),
            times(estimate.high),
            tagged.len()
        ),
        verdict: verdict(&estimate, factor, Direction::AtLeast),
        measured: Some(estimate),
        rests_on: tagged
            .iter()
            .map(|(k, s)| format!("{k} @ {}", s.size))
            .collect(),
        against,
        ..claim_base(spec)
    }
}

fn overhead_row(spec: &ClaimSpec, limit: f64, results: &Results) -> ClaimRow {
    let Some(worst) = results
        .locking_overhead
        .iter()
        .max_by(|a, b| a.overhead_ratio.point.total_cmp(&b.overhead_ratio.point))
    else {
        return unmeasured(spec, "the locking-overhead bench was not part of this run");
    };
    let pct = |r: f64| format!("{:+.0}%", (r - 1.0) * 100.0);
    let missed: Vec<String> = results
        .locking_overhead
        .iter()
        .filter(|o| o.overhead_ratio.low >= limit)
        .map(|o| format!("{} {}", o.component.title(), pct(o.overhead_ratio.point)))
        .collect();
    let e = worst.overhead_ratio;
    // The claim is about every component: refuted if any is surely over,
    // confirmed only if all are surely under.
    let all_under = results
        .locking_overhead
        .iter()
        .all(|o| o.overhead_ratio.high < limit);
    let verdict = if !missed.is_empty() {
        ClaimVerdict::Refuted
    } else if all_under {
        ClaimVerdict::Confirmed
    } else {
        ClaimVerdict::Consistent
    };
    ClaimRow {
        measured: Some(e),
        measured_text: format!(
            "worst: {} {} [{}, {}] over {} components{}",
            worst.component.title(),
            pct(e.point),
            pct(e.low),
            pct(e.high),
            results.locking_overhead.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!("; over 20%: {}", missed.join(", "))
            }
        ),
        verdict,
        rests_on: results
            .locking_overhead
            .iter()
            .map(|o| o.component.title().to_string())
            .collect(),
        against: "the same operations on the component's unsynchronised core, one thread".into(),
        ..claim_base(spec)
    }
}

fn race_free_row(spec: &ClaimSpec, results: &Results) -> ClaimRow {
    let Some(c) = &results.concurrency else {
        return unmeasured(spec, "the concurrency checks were not part of this run");
    };
    let fixed: Vec<_> = c
        .records
        .iter()
        .filter(|r| r.subject == twinbench_checks::runner::SubjectInfo::Fixed)
        .collect();
    let zoo = c.records.len() - fixed.len();
    let unexpected = c.unexpected().count();
    let components: std::collections::BTreeSet<Component> =
        fixed.iter().map(|r| r.component).collect();
    let all_components = components.len() == Component::ALL.len();
    let verdict = if unexpected > 0 {
        ClaimVerdict::Refuted
    } else if all_components && c.filter.is_none() {
        ClaimVerdict::Confirmed
    } else {
        ClaimVerdict::Consistent
    };
    ClaimRow {
        measured: None,
        measured_text: format!(
            "{} of {} fixed-component checks pass on {} components; {} zoo checks; {} not as expected \
             (loom bound {}, {} random + {} PCT schedules per scenario)",
            fixed.iter().filter(|r| r.as_expected()).count(),
            fixed.len(),
            components.len(),
            zoo,
            unexpected,
            c.budget.loom_preemption_bound,
            c.budget.shuttle_random_schedules,
            c.budget.shuttle_pct_schedules
        ),
        verdict,
        rests_on: components.iter().map(|c| c.title().to_string()).collect(),
        against:
            "loom (exhaustive within the bound) and shuttle; the bug zoo shows the checks can fail"
                .into(),
        ..claim_base(spec)
    }
}

/// Wilson score interval for `k` events in `n` trials (95%).
fn wilson(k: usize, n: usize) -> Estimate {
    let (k, n) = (k as f64, n as f64);
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    Estimate {
        point: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        confidence: 0.95,
    }
}

fn error_rate_row(spec: &ClaimSpec, limit: f64, results: &Results) -> ClaimRow {
    let sizes: Vec<(&str, &SizeResult)> = results
        .pairs
        .iter()
        .flat_map(|p| p.sizes.iter().map(move |s| (p.kernel.as_str(), s)))
        .collect();
    if sizes.is_empty() {
        return unmeasured(spec, "no kernel was checked in this run");
    }
    let bad = sizes
        .iter()
        .filter(|(_, s)| !s.correctness.is_agree())
        .count();
    let e = wilson(bad, sizes.len());
    ClaimRow {
        measured_text: format!(
            "{bad} of {} kernel × size checks disagreed or failed: {:.1}% [{:.1}%, {:.1}%] (Wilson)",
            sizes.len(),
            e.point * 100.0,
            e.low * 100.0,
            e.high * 100.0
        ),
        verdict: verdict(&e, limit, Direction::LessThan),
        measured: Some(e),
        rests_on: results.pairs.iter().map(|p| p.kernel.clone()).collect(),
        against: "the faithful Python baseline on the same seeded inputs (differential checks)"
            .into(),
        ..claim_base(spec)
    }
}

fn leaks_row(spec: &ClaimSpec, results: &Results) -> ClaimRow {
    let calls: Vec<(String, i64)> = results
        .pairs
        .iter()
        .flat_map(|p| {
            p.sizes.iter().filter_map(move |s| {
                let rust = s.memory.as_ref()?.rust?;
                Some((format!("{} @ {}", p.kernel, s.size), rust.retained_bytes))
            })
        })
        .collect();
    if calls.is_empty() {
        return unmeasured(
            spec,
            "no Rust call was measured under the counting allocator in this run",
        );
    }
    let leaking: Vec<String> = calls
        .iter()
        .filter(|(_, r)| *r != 0)
        .map(|(at, r)| format!("{at}: {r} B"))
        .collect();
    ClaimRow {
        measured: None,
        measured_text: if leaking.is_empty() {
            format!(
                "0 bytes retained after each of {} Rust calls (one call per kernel × size); \
                 stability under sustained load is not measured, hence not confirmed",
                calls.len()
            )
        } else {
            format!("bytes retained after the call: {}", leaking.join(", "))
        },
        verdict: if leaking.is_empty() {
            ClaimVerdict::Consistent
        } else {
            ClaimVerdict::Refuted
        },
        rests_on: calls.into_iter().map(|(at, _)| at).collect(),
        against: "the counting global allocator: bytes held before vs after the call".into(),
        ..claim_base(spec)
    }
}

fn attribution_row(spec: &ClaimSpec, results: &Results) -> ClaimRow {
    let mut fix = Vec::new();
    let mut port = Vec::new();
    let mut kernels = Vec::new();
    for pair in &results.pairs {
        let Some(size) = pair
            .sizes
            .iter()
            .filter(|s| {
                samples(s, Side::PythonFixed).is_some() && samples(s, Side::Python).is_some()
            })
            .max_by_key(|s| s.size)
        else {
            continue;
        };
        let (Some(python), Some(fixed), Some(rust)) = (
            samples(size, Side::Python),
            samples(size, Side::PythonFixed),
            samples(size, Side::Rust),
        ) else {
            continue;
        };
        fix.push((python, fixed));
        port.push((fixed, rust));
        kernels.push(format!("{} @ {}", pair.kernel, size.size));
    }
    if kernels.is_empty() {
        return unmeasured(
            spec,
            "no kernel with a fixed Python baseline was timed in this run",
        );
    }
    let fix = geomean_ratio_estimate(&fix);
    let port = geomean_ratio_estimate(&port);
    ClaimRow {
        measured: Some(port),
        measured_text: format!(
            "unmeasured for I/O-bound work (no I/O-bound kernel is ported yet). For the {} CPU-bound \
             kernels with a fixed Python baseline: fixing the Python gives {} [{}, {}], porting the \
             fixed Python to Rust a further {} [{}, {}] (geometric means)",
            kernels.len(),
            times(fix.point),
            times(fix.low),
            times(fix.high),
            times(port.point),
            times(port.low),
            times(port.high)
        ),
        verdict: ClaimVerdict::Unmeasured,
        rests_on: kernels,
        against: "the as-written Python, the fixed Python and the Rust twin on the same input"
            .into(),
        ..claim_base(spec)
    }
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

/// One criterion of the readiness checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CriterionStatus {
    Pass,
    Fail,
    NotMeasured,
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Criterion {
    pub name: String,
    pub status: CriterionStatus,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComponentVerdict {
    pub component: String,
    pub readiness: Readiness,
    pub criteria: Vec<Criterion>,
}

fn criterion(name: &str, status: CriterionStatus, detail: impl Into<String>) -> Criterion {
    Criterion {
        name: name.into(),
        status,
        detail: detail.into(),
    }
}

fn readiness(criteria: &[Criterion]) -> Readiness {
    if criteria.iter().all(|c| {
        matches!(
            c.status,
            CriterionStatus::Pass | CriterionStatus::NotApplicable
        )
    }) {
        Readiness::Ready
    } else {
        Readiness::NotReady
    }
}

/// Seed 000's rollout rule: promote only at ≥ 90% of the baseline's performance.
const MIN_RELATIVE_PERFORMANCE: f64 = 0.9;

/// Seed 001's locking-overhead budget, used as the concurrent components' speed criterion.
const MAX_LOCKING_OVERHEAD: f64 = 1.2;

/// One verdict per migrated component: the kernel domains, the components
/// with nothing ported (not assessed), and each concurrent component.
pub fn verdicts(results: &Results) -> Vec<ComponentVerdict> {
    let mut out = Vec::new();
    for (domain, name) in [
        (Domain::Analytics, "analytics engine"),
        (Domain::Detection, "AI detection"),
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
        let sizes: Vec<(&str, &SizeResult)> = pairs
            .iter()
            .flat_map(|p| p.sizes.iter().map(move |s| (p.kernel.as_str(), s)))
            .collect();
        let wrong: Vec<String> = sizes
            .iter()
            .filter(|(_, s)| !s.correctness.is_agree())
            .map(|(k, s)| format!("{k} @ {}", s.size))
            .collect();
        let correctness = if wrong.is_empty() {
            criterion(
                "correctness",
                CriterionStatus::Pass,
                format!(
                    "all {} kernel × size checks agree with the Python baseline",
                    sizes.len()
                ),
            )
        } else {
            criterion(
                "correctness",
                CriterionStatus::Fail,
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
            criterion(
                "speed",
                CriterionStatus::Fail,
                format!(
                    "below 90% of the baseline's speed (interval): {}",
                    slow.join(", ")
                ),
            )
        } else if !untimed.is_empty() {
            criterion(
                "speed",
                CriterionStatus::NotMeasured,
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
            criterion("speed", CriterionStatus::Pass, detail)
        };
        out.push(ComponentVerdict {
            component: name.into(),
            readiness: Readiness::NotReady,
            criteria: vec![
                correctness,
                criterion(
                    "concurrency",
                    CriterionStatus::NotApplicable,
                    "pure functions of their input; no shared state",
                ),
                speed,
                memory_criterion(&sizes),
            ],
        });
        if let Some(v) = out.last_mut() {
            v.readiness = readiness(&v.criteria);
        }
    }
    for name in [
        "performance monitor",
        "AI performance optimizer",
        "alert correlator",
    ] {
        out.push(not_assessed(name, NOT_PORTED));
    }
    for component in Component::ALL {
        out.push(concurrent_verdict(component, results));
    }
    out
}

/// Memory: the twin's peak per call no higher than the baseline's, and
/// nothing retained after a call.
fn memory_criterion(sizes: &[(&str, &SizeResult)]) -> Criterion {
    let mut missing = Vec::new();
    let mut worse = Vec::new();
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
        if rust.peak_bytes > python.peak_bytes {
            worse.push(format!(
                "{at}: {} B vs {} B",
                rust.peak_bytes, python.peak_bytes
            ));
        }
        let ratio = python.peak_bytes as f64 / (rust.peak_bytes.max(1)) as f64;
        best_ratio = Some(best_ratio.map_or(ratio, |b: f64| b.max(ratio)));
        worst_ratio = Some(worst_ratio.map_or(ratio, |w: f64| w.min(ratio)));
    }
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
        return criterion("memory", CriterionStatus::Fail, parts.join("; "));
    }
    if !missing.is_empty() {
        return criterion(
            "memory",
            CriterionStatus::NotMeasured,
            format!("not measured: {}", missing.join(", ")),
        );
    }
    criterion(
        "memory",
        CriterionStatus::Pass,
        format!(
            "peak per call {}–{} smaller than the baseline's (counting allocator vs tracemalloc); nothing retained",
            times(worst_ratio.unwrap_or(1.0)),
            times(best_ratio.unwrap_or(1.0))
        ),
    )
}

fn not_assessed(name: &str, why: &str) -> ComponentVerdict {
    ComponentVerdict {
        component: name.into(),
        readiness: Readiness::NotAssessed,
        criteria: vec![criterion("everything", CriterionStatus::NotMeasured, why)],
    }
}

fn concurrent_verdict(component: Component, results: &Results) -> ComponentVerdict {
    let records: Vec<_> = results
        .concurrency
        .iter()
        .flat_map(|c| &c.records)
        .filter(|r| r.component == component)
        .collect();
    let concurrency = if records.is_empty() {
        criterion(
            "concurrency",
            CriterionStatus::NotMeasured,
            "no model check of this component in the run",
        )
    } else {
        let bad: Vec<String> = records
            .iter()
            .filter(|r| !r.as_expected())
            .map(|r| format!("{} under {}", r.id, r.checker))
            .collect();
        if bad.is_empty() {
            criterion(
                "concurrency",
                CriterionStatus::Pass,
                format!(
                    "{} checks as expected (fixed passes, zoo caught)",
                    records.len()
                ),
            )
        } else {
            criterion(
                "concurrency",
                CriterionStatus::Fail,
                format!("not as expected: {}", bad.join(", ")),
            )
        }
    };
    let speed = match results
        .locking_overhead
        .iter()
        .find(|o| o.component == component)
    {
        None => criterion(
            "speed",
            CriterionStatus::NotMeasured,
            "locking overhead not measured in this run",
        ),
        Some(o) => {
            let e = o.overhead_ratio;
            let text = format!(
                "locking overhead {:+.0}% [{:+.0}%, {:+.0}%] on one thread",
                (e.point - 1.0) * 100.0,
                (e.low - 1.0) * 100.0,
                (e.high - 1.0) * 100.0
            );
            if e.low >= MAX_LOCKING_OVERHEAD {
                criterion(
                    "speed",
                    CriterionStatus::Fail,
                    format!("{text}: over the 20% budget (C10)"),
                )
            } else {
                criterion("speed", CriterionStatus::Pass, text)
            }
        }
    };
    let criteria = vec![
        criterion(
            "correctness",
            CriterionStatus::NotApplicable,
            "covered by the invariants the model checks assert",
        ),
        concurrency,
        speed,
        criterion(
            "memory",
            CriterionStatus::NotApplicable,
            "bounded by construction (capacities are invariants)",
        ),
    ];
    ComponentVerdict {
        component: component.title().into(),
        readiness: readiness(&criteria),
        criteria,
    }
}
