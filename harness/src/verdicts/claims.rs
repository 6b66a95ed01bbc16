//! The claims ledger: every promise of `../shared/CLAIMS.md`, C01–C26,
//! measured from a run's results or visibly unmeasured.

use crate::inputs::{Database, Generator};
use crate::pairs::{self, Domain, ORIGINAL_BENCHMARK_SIZES, Side};
use crate::results::verdicts::{AttributionRow, ClaimRow, ClaimVerdict};
use crate::results::{Results, RolloutOutcome, SizeResult};
use crate::stats::{Estimate, geomean_ratio_estimate, percent_change, ratio_estimate};

use super::http_claims::{self, Finding};
use super::{error_rate_claim, stream_claim};
use super::{largest_timed, times};
use crate::results::HttpBench;
use twinbench_checks::Component;

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
    /// Geometric-mean speedup of the fixed Python over the Python as
    /// written (indexes, `WHERE IN`), over the kernels tagged with the
    /// claim: what the fix alone gives, no port involved.
    FixSpeedup { factor: f64 },
    /// Geometric-mean speedup of the Rust twin over the fixed Python, over
    /// the kernels tagged with the claim: one driver against the other on
    /// the same database file and query.
    PortSpeedup { factor: f64 },
    /// Fixing the Python vs porting it, for kernels with a fixed baseline.
    Attribution,
    /// Bytes the Rust twins still hold after a call.
    Leaks,
    /// The Python server's peak memory over the Rust server's (HTTP).
    ServerMemory { factor: f64 },
    /// Rust requests/s over Python's at the highest connection count.
    Throughput { factor: f64 },
    /// Python mean response time over Rust's, one connection.
    ApiLatency { factor: f64 },
    /// Rule change to first obeying response, under load, in seconds.
    ConfigReload { limit_s: f64 },
    /// The stream producer's per-event latency under load, in ms
    /// (`stream_claim::DECIDING` says which percentile decides).
    StreamLatency { limit_ms: f64 },
    /// The rollout controller's model checks, and the rollout replayed on
    /// the run's measurements.
    Rollout,
    /// The migration's per-call instrumentation over each twin's call.
    MonitoringOverhead { limit: f64 },
}

struct ClaimSpec {
    id: &'static str,
    claim: &'static str,
    source: &'static str,
    claimed: &'static str,
    measure: Measure,
}

/// Where a fixed kernel's port is no more than this much faster than the
/// fixed Python, the port's advantage counts as "negligible" (C22).
const NEGLIGIBLE_PORT: f64 = 1.25;

const CLAIMS: [ClaimSpec; 26] = [
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
        // The performance-monitor kernels (analytics.md K17–K25, K29, K30;
        // ml_monitoring.md §7), tagged C03.
        measure: Measure::Speedup { factor: 4.0 },
    },
    ClaimSpec {
        id: "C04",
        claim: "AI performance optimizer: 15x faster",
        source: "000",
        claimed: "≥ 15×",
        // The optimizer kernels (catalog ml_monitoring.md §5), tagged C04.
        measure: Measure::Speedup { factor: 15.0 },
    },
    ClaimSpec {
        id: "C05",
        claim: "ML inference: 8x faster",
        source: "000",
        claimed: "≥ 8×",
        // The model kernels tagged C05: isolation-forest scoring (K7, the
        // ensemble detector), the one-class SVM, node clustering (K6) and
        // the forecasting engine (K2.1-K2.7).
        measure: Measure::Speedup { factor: 8.0 },
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
        measure: Measure::Speedup { factor: 100.0 },
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
        // The error-processing kernels (error_handling.md K10.1–K10.9),
        // tagged C11.
        measure: Measure::Speedup { factor: 5.0 },
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
        measure: Measure::Rollout,
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
        measure: Measure::StreamLatency { limit_ms: 10.0 },
    },
    ClaimSpec {
        id: "C17",
        claim: "Database indexes: 10x faster queries",
        source: "004",
        claimed: "≥ 10×",
        // The query kernels tagged C17: the same query on the file without
        // and with the seed's three indexes, both from Python.
        measure: Measure::FixSpeedup { factor: 10.0 },
    },
    ClaimSpec {
        id: "C18",
        claim: "Fixing the N+1 query: 5x faster scan",
        source: "004",
        claimed: "≥ 5×",
        // The session scan as written (a full table read per session) and
        // with the seed's `WHERE name IN` fix, both from Python.
        measure: Measure::FixSpeedup { factor: 5.0 },
    },
    ClaimSpec {
        id: "C19",
        claim: "Task assignment 50x faster (2000 ms → 40 ms)",
        source: "004",
        claimed: "≥ 50×",
        // The assignment pass and SLA status, as written in Python against
        // the Rust twin: the seed's before and after.
        measure: Measure::Speedup { factor: 50.0 },
    },
    ClaimSpec {
        id: "C20",
        claim: "Memory 10x lower (2 GB → 200 MB)",
        source: "004",
        claimed: "≥ 10× less",
        measure: Measure::ServerMemory { factor: 10.0 },
    },
    ClaimSpec {
        id: "C21",
        claim: "Concurrent requests 50x higher throughput",
        source: "004",
        claimed: "≥ 50×",
        measure: Measure::Throughput { factor: 50.0 },
    },
    ClaimSpec {
        id: "C22",
        claim: "Rust's advantage is negligible for I/O-bound work",
        source: "004",
        claimed: "port ≈ 1× for I/O-bound work",
        measure: Measure::Attribution,
    },
    ClaimSpec {
        id: "C23",
        claim: "API response time 20x (200 ms → 10 ms)",
        source: "004",
        claimed: "≥ 20×",
        measure: Measure::ApiLatency { factor: 20.0 },
    },
    ClaimSpec {
        id: "C24",
        claim: "Database queries 20x (500 ms → 25 ms)",
        source: "004",
        claimed: "≥ 20×",
        // The same query template on the same indexed file, the Python
        // driver (sqlite3) against the Rust one (rusqlite).
        measure: Measure::PortSpeedup { factor: 20.0 },
    },
    ClaimSpec {
        id: "C25",
        claim: "Configuration changes live within 30 s, without a deploy",
        source: "004",
        claimed: "< 30 s",
        measure: Measure::ConfigReload { limit_s: 30.0 },
    },
    ClaimSpec {
        id: "C26",
        claim: "Monitoring overhead below 1%",
        source: "002",
        claimed: "< 1%",
        measure: Measure::MonitoringOverhead { limit: 0.01 },
    },
];

/// The database a kernel runs on (`None`: it has none, or this build does
/// not know the kernel).
fn database_of(kernel: &str) -> Option<Database> {
    match pairs::find(kernel)?.generator {
        Generator::TaskDatabase { database, .. } => Some(database),
        _ => None,
    }
}

/// Whether a kernel's figures are PostgreSQL's. The service's claims keep
/// their definition (measured on SQLite, the embedded default); the same
/// kernels on PostgreSQL are the second database's evidence, given beside
/// the verdict and not in it (a verdict is judged on them only where no
/// SQLite kernel was timed).
fn on_postgres(kernel: &str) -> bool {
    database_of(kernel) == Some(Database::Postgres)
}

/// `slower ÷ faster` over the PostgreSQL kernels tagged with `spec`, each
/// at its largest size timed on both, as one sentence for the ledger
/// (empty when none was timed).
fn postgres_evidence(
    spec: &ClaimSpec,
    (slower, faster): (Side, Side),
    results: &Results,
) -> String {
    let mut ratios: Vec<(&[f64], &[f64])> = Vec::new();
    let mut kernels = Vec::new();
    for pair in results
        .pairs
        .iter()
        .filter(|p| p.claims.iter().any(|c| c == spec.id) && on_postgres(&p.kernel))
    {
        if let Some((size, a, b)) = pair
            .sizes
            .iter()
            .filter_map(|s| Some((s.size, s.samples(slower)?, s.samples(faster)?)))
            .max_by_key(|(size, _, _)| *size)
        {
            ratios.push((a, b));
            kernels.push(format!("{} @ {size}", pair.kernel));
        }
    }
    if ratios.is_empty() {
        return String::new();
    }
    let e = geomean_ratio_estimate(&ratios);
    format!(
        " On PostgreSQL (the second database's evidence, not in the verdict): {} [{}, {}]          {} ÷ {} over {} ({}).",
        times(e.point),
        times(e.low),
        times(e.high),
        slower.id(),
        faster.id(),
        if ratios.len() == 1 {
            "1 kernel".to_string()
        } else {
            format!("{} kernels (geometric mean)", ratios.len())
        },
        kernels.join(", ")
    )
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
        at_original_sizes: None,
        rests_on: Vec::new(),
        against: String::new(),
        attribution: Vec::new(),
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
        Measure::Speedup { factor } => speedup_row(spec, factor, results),
        Measure::FixSpeedup { factor } => {
            side_ratio_row(spec, factor, (Side::Python, Side::PythonFixed), results)
        }
        Measure::PortSpeedup { factor } => {
            side_ratio_row(spec, factor, (Side::PythonFixed, Side::Rust), results)
        }
        Measure::LockingOverhead { limit } => overhead_row(spec, limit, results),
        Measure::RaceFree => race_free_row(spec, results),
        Measure::Rollout => rollout_row(spec, results),
        Measure::MonitoringOverhead { limit } => monitoring_overhead_row(spec, limit, results),
        Measure::ErrorRate { limit } => {
            finding_row(spec, error_rate_claim::error_rate(results, limit))
        }
        Measure::Attribution => attribution_row(spec, results),
        Measure::Leaks => leaks_row(spec, results),
        Measure::ServerMemory { factor } => {
            http_row(spec, results, |h| http_claims::memory(h, factor))
        }
        Measure::Throughput { factor } => {
            http_row(spec, results, |h| http_claims::throughput(h, factor))
        }
        Measure::ApiLatency { factor } => {
            http_row(spec, results, |h| http_claims::latency(h, factor))
        }
        Measure::ConfigReload { limit_s } => {
            http_row(spec, results, |h| http_claims::reload(h, limit_s))
        }
        Measure::StreamLatency { limit_ms } => match &results.stream {
            None => unmeasured(spec, stream_claim::NOT_RUN),
            Some(stream) => finding_row(spec, stream_claim::latency(stream, limit_ms)),
        },
    }
}

/// A row from a finding, or unmeasured with the reason it could not be had.
fn finding_row(spec: &ClaimSpec, finding: Result<Finding, String>) -> ClaimRow {
    match finding {
        Ok(f) => ClaimRow {
            measured_text: f.text,
            verdict: f.verdict,
            measured: f.measured,
            rests_on: f.rests_on,
            against: f.against,
            ..claim_base(spec)
        },
        Err(reason) => unmeasured(spec, &reason),
    }
}

/// A claim measured over HTTP: its finding, or unmeasured with the reason.
fn http_row(
    spec: &ClaimSpec,
    results: &Results,
    measure: impl Fn(&HttpBench) -> Result<Finding, String>,
) -> ClaimRow {
    let Some(http) = &results.http else {
        return unmeasured(spec, http_claims::NOT_RUN);
    };
    finding_row(spec, measure(http))
}

fn speedup_row(spec: &ClaimSpec, factor: f64, results: &Results) -> ClaimRow {
    let all: Vec<(&str, &SizeResult)> = results
        .pairs
        .iter()
        .filter(|p| p.claims.iter().any(|c| c == spec.id))
        .filter_map(|p| largest_timed(&p.sizes).map(|s| (p.kernel.as_str(), s)))
        .collect();
    // PostgreSQL's figures beside the verdict, unless they are all there is.
    let (tagged, pg_text) = if all.iter().all(|(k, _)| on_postgres(k)) {
        (all, String::new())
    } else {
        let tagged = all.into_iter().filter(|(k, _)| !on_postgres(k)).collect();
        (
            tagged,
            postgres_evidence(spec, (Side::Python, Side::Rust), results),
        )
    };
    if tagged.is_empty() {
        return unmeasured(
            spec,
            "no kernel tagged with this claim was timed in this run",
        );
    }
    let ratios: Vec<(&[f64], &[f64])> = tagged
        .iter()
        .filter_map(|(_, s)| Some((s.samples(Side::Python)?, s.samples(Side::Rust)?)))
        .collect();
    let estimate = geomean_ratio_estimate(&ratios);
    // The best peer per kernel (where one was timed): its time ÷ the twin's.
    // Peers called from Python and Rust crates alike: both are what a team
    // could have used instead of porting. A peer whose answer differs from
    // the baseline's there (linfa's one k-means start at 3,000 rows) is no
    // alternative: a fast wrong answer is not a data point.
    let mut peer_names: Vec<Side> = Vec::new();
    let peer_ratios: Vec<f64> = tagged
        .iter()
        .filter_map(|(_, s)| {
            s.alternatives
                .iter()
                .filter(|a| a.side.is_peer() && a.correctness.is_agree())
                .filter_map(|a| {
                    let ratio = a.rust_speedup?.point;
                    if !peer_names.contains(&a.side) {
                        peer_names.push(a.side);
                    }
                    Some(ratio)
                })
                .min_by(f64::total_cmp)
        })
        .collect();
    let against = if peer_ratios.is_empty() {
        "the faithful Python baseline; no compiled peer for these kernels".to_string()
    } else {
        let geo =
            (peer_ratios.iter().map(|r| r.ln()).sum::<f64>() / peer_ratios.len() as f64).exp();
        let names: Vec<&str> = peer_names.iter().map(|s| s.id()).collect();
        format!(
            "the faithful Python baseline; against the best compiled peer ({}) \
             the twin is {} faster (geometric mean over the {} kernels that have one)",
            names.join("/"),
            times(geo),
            peer_ratios.len()
        )
    };
    let (at_original_sizes, original_text) = at_original_sizes(spec, results);
    ClaimRow {
        measured_text: format!(
            "{} [{}, {}] geometric mean over {} kernels, each at its largest size\
             {original_text}{pg_text}",
            times(estimate.point),
            times(estimate.low),
            times(estimate.high),
            tagged.len()
        ),
        verdict: verdict(&estimate, factor, Direction::AtLeast),
        measured: Some(estimate),
        at_original_sizes,
        rests_on: tagged
            .iter()
            .map(|(k, s)| format!("{k} @ {}", s.size))
            .collect(),
        against,
        ..claim_base(spec)
    }
}

/// `slower ÷ faster` for the kernels tagged with the claim, each at its
/// largest size where both sides were timed: a geometric mean, like
/// [`speedup_row`], for claims about one step of the migration (the fix
/// alone, or the port of the fixed code).
fn side_ratio_row(
    spec: &ClaimSpec,
    factor: f64,
    (slower, faster): (Side, Side),
    results: &Results,
) -> ClaimRow {
    let mut ratios: Vec<(&[f64], &[f64])> = Vec::new();
    let mut rests_on = Vec::new();
    let tagged: Vec<_> = results
        .pairs
        .iter()
        .filter(|p| p.claims.iter().any(|c| c == spec.id))
        .collect();
    // PostgreSQL's figures beside the verdict, unless they are all there is.
    let only_postgres = tagged.iter().all(|p| on_postgres(&p.kernel));
    let pg_text = if only_postgres {
        String::new()
    } else {
        postgres_evidence(spec, (slower, faster), results)
    };
    for pair in tagged
        .into_iter()
        .filter(|p| only_postgres || !on_postgres(&p.kernel))
    {
        let largest = pair
            .sizes
            .iter()
            .filter_map(|s| Some((s.size, s.samples(slower)?, s.samples(faster)?)))
            .max_by_key(|(size, _, _)| *size);
        if let Some((size, a, b)) = largest {
            ratios.push((a, b));
            rests_on.push(format!("{} @ {size}", pair.kernel));
        }
    }
    if ratios.is_empty() {
        return unmeasured(
            spec,
            "no kernel tagged with this claim was timed on both sides in this run",
        );
    }
    let estimate = geomean_ratio_estimate(&ratios);
    ClaimRow {
        measured_text: format!(
            "{} [{}, {}] geometric mean over {} kernels, each at its largest size: {} ÷ {}.\
             {pg_text}",
            times(estimate.point),
            times(estimate.low),
            times(estimate.high),
            ratios.len(),
            slower.id(),
            faster.id()
        ),
        verdict: verdict(&estimate, factor, Direction::AtLeast),
        measured: Some(estimate),
        rests_on,
        against: format!(
            "the {} side on the same input and database file",
            slower.id()
        ),
        ..claim_base(spec)
    }
}

/// The speedup claim over the kernels tagged with it that the original's
/// own benchmark times, at every size of [`ORIGINAL_BENCHMARK_SIZES`] this
/// run timed: one geometric mean over those kernel × size points, and its
/// words for the ledger (empty when there is none).
fn at_original_sizes(spec: &ClaimSpec, results: &Results) -> (Option<Estimate>, String) {
    let points: Vec<(&[f64], &[f64])> = results
        .pairs
        .iter()
        .filter(|p| p.claims.iter().any(|c| c == spec.id))
        .filter(|p| pairs::find(&p.kernel).is_some_and(|k| k.original.timed_by.is_some()))
        .flat_map(|p| &p.sizes)
        .filter(|s| ORIGINAL_BENCHMARK_SIZES.contains(&s.size))
        .filter_map(|s| Some((s.samples(Side::Python)?, s.samples(Side::Rust)?)))
        .collect();
    if points.is_empty() {
        return (None, String::new());
    }
    let e = geomean_ratio_estimate(&points);
    let text = format!(
        "; at the original benchmark's own sizes ({} nodes, the kernels it times): {} [{}, {}] \
         over {} kernel × size points",
        ORIGINAL_BENCHMARK_SIZES.map(|n| n.to_string()).join("/"),
        times(e.point),
        times(e.low),
        times(e.high),
        points.len()
    );
    (Some(e), text)
}

fn overhead_row(spec: &ClaimSpec, limit: f64, results: &Results) -> ClaimRow {
    let Some(worst) = results
        .locking_overhead
        .iter()
        .max_by(|a, b| a.overhead_ratio.point.total_cmp(&b.overhead_ratio.point))
    else {
        return unmeasured(spec, "the locking-overhead bench was not part of this run");
    };
    let pct = |r: f64| format!("{:+.0}%", percent_change(r));
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

/// C13: the controller that implements the rule holds its invariants
/// under the model checkers (and the zoo shows the checks catch the two
/// ways a naive one breaks them), and, replayed on this run's timings and
/// failure rates, promotes or rolls back each component as the rule says.
/// Confirmed only with both: every rollout check as expected, and every
/// component's replay with 2% injected twin errors rolled back.
fn rollout_row(spec: &ClaimSpec, results: &Results) -> ClaimRow {
    let Some(c) = &results.concurrency else {
        return unmeasured(spec, "the concurrency checks were not part of this run");
    };
    let records: Vec<_> = c
        .records
        .iter()
        .filter(|r| r.component == Component::Rollout)
        .collect();
    if records.is_empty() {
        return unmeasured(spec, "this run's checks left out the rollout controller");
    }
    let fixed = records
        .iter()
        .filter(|r| r.subject == twinbench_checks::runner::SubjectInfo::Fixed)
        .count();
    let unexpected = records.iter().filter(|r| !r.as_expected()).count();
    let rollouts = &results.rollouts;
    let name = |d: Domain| d.title().to_string();
    let as_measured: Vec<_> = rollouts
        .iter()
        .filter(|r| r.injected_error_rate == 0.0)
        .collect();
    let list = |want: fn(&RolloutOutcome) -> bool| -> String {
        let names: Vec<String> = as_measured
            .iter()
            .filter(|r| want(&r.outcome))
            .map(|r| name(r.domain))
            .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    };
    let over_limit: Vec<_> = rollouts
        .iter()
        .filter(|r| r.injected_error_rate > 0.01)
        .collect();
    let all_rolled_back = !over_limit.is_empty()
        && over_limit
            .iter()
            .all(|r| matches!(r.outcome, RolloutOutcome::RolledBack { .. }));
    let verdict = if unexpected > 0 {
        ClaimVerdict::Refuted
    } else if rollouts.is_empty() {
        ClaimVerdict::Consistent
    } else if all_rolled_back {
        ClaimVerdict::Confirmed
    } else {
        ClaimVerdict::Refuted
    };
    let simulated = if rollouts.is_empty() {
        "; not replayed: no kernel was timed on both sides".to_string()
    } else {
        format!(
            "; replayed on this run's timings and check failures ({} calls per 24-hour period): \
             reaches 100%: {}; rolled back: {}; not there after {} periods: {}; with twin \
             errors injected above the 1% limit, {} of {} replays rolled back",
            super::rollout::CALLS_PER_PERIOD,
            list(|o| matches!(o, RolloutOutcome::ReachedFull { .. })),
            list(|o| matches!(o, RolloutOutcome::RolledBack { .. })),
            super::rollout::PERIODS,
            list(|o| matches!(o, RolloutOutcome::Incomplete { .. })),
            over_limit
                .iter()
                .filter(|r| matches!(r.outcome, RolloutOutcome::RolledBack { .. }))
                .count(),
            over_limit.len()
        )
    };
    ClaimRow {
        measured: None,
        measured_text: format!(
            "{} of {} rollout-controller checks as expected ({fixed} fixed, {} bug-zoo){simulated}",
            records.len() - unexpected,
            records.len(),
            records.len() - fixed,
        ),
        verdict,
        rests_on: as_measured.iter().map(|r| name(r.domain)).collect(),
        against: "loom and shuttle on the controller's invariants; the replay feeds the \
                  shipped controller the run's own samples"
            .into(),
        ..claim_base(spec)
    }
}

/// C26: the instrumentation's time per call (the rollout controller's
/// routing and report, the Prometheus metrics) over each twin's time per
/// call at the kernel's largest size: the share the monitoring adds to a
/// call the twin serves. The worst kernel decides: confirmed when its
/// interval is under the limit, refuted when it is above.
/// Each kernel's share `added ÷ its call` at its largest size timed on
/// `side`, worst first.
fn overhead_shares(
    results: &Results,
    added: &[f64],
    side: Side,
    label: &str,
) -> Vec<(String, Estimate)> {
    let mut shares: Vec<(String, Estimate)> = results
        .pairs
        .iter()
        .filter_map(|p| {
            // The largest size timed on both the pair's sides and `side`.
            let size = p
                .sizes
                .iter()
                .filter(|s| {
                    s.samples(side).is_some() && largest_timed(std::slice::from_ref(*s)).is_some()
                })
                .max_by_key(|s| s.size)?;
            let call = size.samples(side)?;
            Some((
                format!("{} @ {}{label}", p.kernel, size.size),
                ratio_estimate(added, call),
            ))
        })
        .collect();
    shares.sort_by(|a, b| b.1.point.total_cmp(&a.1.point));
    shares
}

/// "under 1% of the call for 67 of 68 kernels; worst k @ n: …; over: …".
fn overhead_text(shares: &[(String, Estimate)], limit: f64) -> String {
    let pct = |x: f64| format!("{:.3}%", x * 100.0);
    let over: Vec<String> = shares
        .iter()
        .filter(|(_, e)| e.point >= limit)
        .map(|(k, e)| format!("{k} {:.1}%", e.point * 100.0))
        .collect();
    let Some((worst_kernel, worst)) = shares.first() else {
        return "no call timed".into();
    };
    format!(
        "under {} of the call for {} of {} kernels (largest size); worst {worst_kernel}: {} \
         [{}, {}]{}",
        pct(limit),
        shares.len() - over.len(),
        shares.len(),
        pct(worst.point),
        pct(worst.low),
        pct(worst.high),
        if over.is_empty() {
            String::new()
        } else {
            format!("; over: {}", over.join(", "))
        }
    )
}

/// C26: what the migration's monitoring adds to a call the twin serves, as
/// a share of that call, worst kernel deciding. Two instrumentations, each
/// against the call it wraps: route + report to the controller and the
/// metrics (Rust, `twinbench_migrate::instrumented`) against the twin from
/// Rust; the shadow runner (`twinbench.shadow`, shadowing off, routing by
/// and reporting to the controller and the metrics) against the twin called
/// from Python, where that column was timed.
fn monitoring_overhead_row(spec: &ClaimSpec, limit: f64, results: &Results) -> ClaimRow {
    let Some(instrumentation) = results
        .instrumentation
        .as_ref()
        .map(|t| t.per_iteration_ns.as_slice())
        .filter(|s| !s.is_empty())
    else {
        return unmeasured(
            spec,
            "the instrumentation was not timed in this run (the pairs bench times it)",
        );
    };
    let rust_shares = overhead_shares(results, instrumentation, Side::Rust, "");
    if rust_shares.is_empty() {
        return unmeasured(spec, "no twin was timed in this run");
    }
    let per_call = crate::stats::mean_estimate(instrumentation);
    let mut text = format!(
        "route + report costs {:.0} ns [{:.0}, {:.0}] per call: {}",
        per_call.point,
        per_call.low,
        per_call.high,
        overhead_text(&rust_shares, limit)
    );
    let runner = results.shadow_runner.as_ref().map(|r| r.added_ns_samples());
    let python_shares = runner
        .as_deref()
        .map(|added| overhead_shares(results, added, Side::TwinFromPython, " (from Python)"))
        .unwrap_or_default();
    match &runner {
        None => text.push_str(
            ". The shadow runner was not timed in this run (the pairs bench times it), so it \
             is not included",
        ),
        Some(added) => {
            let e = crate::stats::mean_estimate(added);
            text.push_str(&format!(
                ". The shadow runner (twinbench.shadow, a call the twin serves, shadowing off, \
                 routed by the rollout controller and reported to it and the metrics) \
                 adds {:.0} ns [{:.0}, {:.0}] per call from Python: {}",
                e.point,
                e.low,
                e.high,
                if python_shares.is_empty() {
                    "no twin was timed from Python in this run".to_string()
                } else {
                    overhead_text(&python_shares, limit)
                }
            ));
        }
    }
    let mut shares = rust_shares;
    shares.extend(python_shares);
    shares.sort_by(|a, b| b.1.point.total_cmp(&a.1.point));
    let worst = shares[0].1;
    let mut row_verdict = verdict(&worst, limit, Direction::LessThan);
    if runner.is_none() && row_verdict == ClaimVerdict::Confirmed {
        // Half of the instrumentation unmeasured cannot confirm it.
        row_verdict = ClaimVerdict::Consistent;
    }
    ClaimRow {
        measured: Some(worst),
        measured_text: text,
        verdict: row_verdict,
        rests_on: shares.into_iter().map(|(k, _)| k).collect(),
        against: "each twin's own time per call at its largest size, from Rust and from \
                  Python (same run)"
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
    // (as written, fixed) and (fixed, Rust) per kernel, grouped by the
    // database the kernel waits on (the task-routing service, on SQLite
    // and on PostgreSQL) or none (it computes).
    let mut sqlite = Attributed::default();
    let mut postgres = Attributed::default();
    let mut cpu = Attributed::default();
    let mut table = Vec::new();
    for pair in &results.pairs {
        let Some(size) = pair
            .sizes
            .iter()
            .filter(|s| s.samples(Side::PythonFixed).is_some() && s.samples(Side::Python).is_some())
            .max_by_key(|s| s.size)
        else {
            continue;
        };
        let (Some(python), Some(fixed), Some(rust)) = (
            size.samples(Side::Python),
            size.samples(Side::PythonFixed),
            size.samples(Side::Rust),
        ) else {
            continue;
        };
        let database = database_of(&pair.kernel);
        let group = match database {
            Some(Database::Postgres) => &mut postgres,
            Some(Database::Sqlite) => &mut sqlite,
            // A task-routing kernel this build does not know: its domain
            // says it waits on a database; SQLite was the only one.
            None if pair.domain == Domain::TaskRouting => &mut sqlite,
            None => &mut cpu,
        };
        group.fix.push((python, fixed));
        group.port.push((fixed, rust));
        group
            .kernels
            .push(format!("{} @ {}", pair.kernel, size.size));
        let mean = |side| size.timing(side).map_or(f64::NAN, |t| t.mean_ns.point);
        table.push(AttributionRow {
            database: database.map(|d| d.label().to_string()),
            kernel: pair.kernel.clone(),
            size: size.size,
            python_ns: mean(Side::Python),
            python_fixed_ns: mean(Side::PythonFixed),
            rust_ns: mean(Side::Rust),
            fix: geomean_ratio_estimate(&[(python, fixed)]),
            port: geomean_ratio_estimate(&[(fixed, rust)]),
        });
    }
    if table.is_empty() {
        return unmeasured(
            spec,
            "no kernel with a fixed Python baseline was timed in this run",
        );
    }
    // Databases first, then the CPU-bound kernels, each in run order.
    table.sort_by_key(|r| match r.database.as_deref() {
        Some("SQLite") => 0,
        Some(_) => 1,
        None => 2,
    });
    let cpu_text = cpu.text("CPU-bound");
    let rests_on = sqlite
        .kernels
        .iter()
        .chain(&postgres.kernels)
        .chain(&cpu.kernels)
        .cloned()
        .collect();
    let against = "the as-written Python, the fixed Python and the Rust twin on the same input \
                   (for the database kernels, the same database)"
        .to_string();
    // The verdict keeps its definition: the port's step on SQLite; on
    // PostgreSQL alone where no SQLite kernel was timed.
    let (judged, judged_name, other, other_text) = if sqlite.kernels.is_empty() {
        (&postgres, "PostgreSQL", &sqlite, String::new())
    } else {
        (
            &sqlite,
            "SQLite",
            &postgres,
            " On PostgreSQL (the second database's evidence, shown beside the verdict): "
                .to_string(),
        )
    };
    if judged.kernels.is_empty() {
        return ClaimRow {
            measured: Some(geomean_ratio_estimate(&cpu.port)),
            measured_text: format!(
                "unmeasured for I/O-bound work (no database kernel in this run). {cpu_text}"
            ),
            verdict: ClaimVerdict::Unmeasured,
            rests_on,
            against,
            attribution: table,
            ..claim_base(spec)
        };
    }
    let port = geomean_ratio_estimate(&judged.port);
    let engine_note = if judged_name == "SQLite" {
        " On SQLite the database engine is the same C library on both sides, so the port's \
         share is the driver and the code around the queries."
    } else {
        " On PostgreSQL both sides talk to the same server over its unix socket, so the \
         port's share is the driver and the code around the queries."
    };
    let other_words = if other.kernels.is_empty() {
        String::new()
    } else {
        format!(
            "{other_text}{}",
            other.text("I/O-bound (PostgreSQL)").trim_start()
        )
    };
    ClaimRow {
        measured: Some(port),
        measured_text: format!(
            "On {judged_name}: {}{engine_note} \"Negligible\" is read as the port adding less \
             than {}.{other_words} {cpu_text}",
            judged.text(&format!("I/O-bound ({judged_name})")),
            times(NEGLIGIBLE_PORT)
        ),
        verdict: verdict(&port, NEGLIGIBLE_PORT, Direction::LessThan),
        rests_on,
        against,
        attribution: table,
        ..claim_base(spec)
    }
}

/// Kernels with a fixed Python baseline, one group of C22's attribution.
#[derive(Default)]
struct Attributed<'a> {
    /// (as written, fixed) samples per kernel.
    fix: Vec<(&'a [f64], &'a [f64])>,
    /// (fixed, Rust) samples per kernel.
    port: Vec<(&'a [f64], &'a [f64])>,
    kernels: Vec<String>,
}

impl Attributed<'_> {
    /// The group's two geometric means in words (empty for no kernel).
    fn text(&self, what: &str) -> String {
        if self.kernels.is_empty() {
            return String::new();
        }
        let fix = geomean_ratio_estimate(&self.fix);
        let port = geomean_ratio_estimate(&self.port);
        format!(
            "For the {} {what} kernels with a fixed Python baseline: fixing the Python gives {} \
             [{}, {}], porting the fixed Python to Rust a further {} [{}, {}] (geometric means).",
            self.kernels.len(),
            times(fix.point),
            times(fix.low),
            times(fix.high),
            times(port.point),
            times(port.low),
            times(port.high)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::timings::side_timing;
    use crate::results::PairResult;

    /// A task-routing pair's result: one size, the three sides timed at
    /// these per-call times (with a little spread), tagged with `claims`.
    fn timed(template: &PairResult, kernel: &str, claims: &[&str], ns: [f64; 3]) -> PairResult {
        let mut pair = template.clone();
        pair.kernel = kernel.to_string();
        pair.domain = Domain::TaskRouting;
        pair.claims = claims.iter().map(|c| c.to_string()).collect();
        let mut size = pair.sizes[0].clone();
        size.size = 1_000;
        size.timings = [Side::Python, Side::PythonFixed, Side::Rust]
            .into_iter()
            .zip(ns)
            .map(|(side, ns)| {
                let samples: Vec<f64> = (0..10)
                    .map(|i| ns * (1.0 + 0.01 * (i % 3) as f64))
                    .collect();
                side_timing(side, &samples, 10.0)
            })
            .collect();
        pair.sizes = vec![size];
        pair
    }

    /// C16 from the stream record: a run without it leaves the claim
    /// unmeasured (never a pass); with it, p99 from the call decides.
    #[test]
    fn c16_is_unmeasured_without_the_stream_record_and_decided_by_it() {
        let path = crate::workspace::root().join("reports/baseline.json");
        let mut results = crate::results::load(&path).expect("reports/baseline.json");
        let c16 = |results: &Results| {
            ledger(results)
                .into_iter()
                .find(|c| c.id == "C16")
                .expect("a C16 row")
        };
        results.stream = None;
        let missing = c16(&results);
        assert_eq!(missing.verdict, ClaimVerdict::Unmeasured);
        assert!(
            missing.measured_text.contains("--stream"),
            "{}",
            missing.measured_text
        );

        results.stream = Some(crate::results::fixtures::stream_record(1, 3.0));
        let fast = c16(&results);
        assert_eq!(
            fast.verdict,
            ClaimVerdict::Confirmed,
            "{}",
            fast.measured_text
        );
        assert!(!fast.rests_on.is_empty());

        results.stream = Some(crate::results::fixtures::stream_record(1, 25.0));
        assert_eq!(c16(&results).verdict, ClaimVerdict::Refuted);
    }

    /// The SQLite pairs decide C17, C24 and C22 as before; the same
    /// kernels on PostgreSQL are given beside (C17, C24) and in C22's
    /// per-database table, not in the verdicts.
    #[test]
    fn postgres_figures_are_evidence_beside_the_sqlite_verdicts() {
        let path = crate::workspace::root().join("reports/baseline.json");
        let mut results = crate::results::load(&path).expect("reports/baseline.json");
        let template = results.pairs[0].clone();
        // SQLite: the index 12.5x, the driver 4x. PostgreSQL: the index
        // 6.4x, the driver 0.75x (Rust slower), which alone would make C24
        // and C22 come out otherwise.
        results.pairs = vec![
            timed(
                &template,
                "pending_tasks",
                &["C17", "C24"],
                [50_000.0, 4_000.0, 1_000.0],
            ),
            timed(
                &template,
                "pending_tasks_pg",
                &["C17", "C24"],
                [8_500.0, 1_330.0, 1_770.0],
            ),
        ];
        let ledger = ledger(&results);
        let claim = |id: &str| ledger.iter().find(|c| c.id == id).expect("in the ledger");

        let c17 = claim("C17");
        assert_eq!(
            c17.verdict,
            ClaimVerdict::Confirmed,
            "{}",
            c17.measured_text
        );
        assert_eq!(c17.rests_on, ["pending_tasks @ 1000"]);
        assert!(
            c17.measured_text.contains("On PostgreSQL"),
            "{}",
            c17.measured_text
        );
        assert!(c17.measured_text.contains("pending_tasks_pg @ 1000"));

        let c24 = claim("C24");
        assert_eq!(
            c24.verdict,
            ClaimVerdict::Refuted,
            "4x against a claimed 20x"
        );
        assert!((c24.measured.expect("measured").point - 4.0).abs() < 0.2);

        let c22 = claim("C22");
        assert_eq!(c22.verdict, ClaimVerdict::Refuted, "the SQLite port's 4x");
        let databases: Vec<Option<&str>> = c22
            .attribution
            .iter()
            .map(|r| r.database.as_deref())
            .collect();
        assert_eq!(databases, [Some("SQLite"), Some("PostgreSQL")]);
        let pg = &c22.attribution[1];
        assert!((pg.fix.point - 8_500.0 / 1_330.0).abs() < 0.3, "{pg:?}");
        assert!(pg.port.point < 1.0, "{pg:?}");
        assert!(
            c22.measured_text.contains("On PostgreSQL"),
            "{}",
            c22.measured_text
        );

        // PostgreSQL alone: then it is what the verdicts rest on.
        results.pairs.remove(0);
        let ledger = super::ledger(&results);
        let c22 = ledger.iter().find(|c| c.id == "C22").expect("C22");
        assert_eq!(
            c22.verdict,
            ClaimVerdict::Confirmed,
            "{}",
            c22.measured_text
        );
        assert!(
            c22.measured_text.starts_with("On PostgreSQL"),
            "{}",
            c22.measured_text
        );
    }

    /// C26: the instrumentation's time over each twin's, the worst kernel
    /// deciding; not timed is unmeasured, never a pass.
    #[test]
    fn monitoring_overhead_is_judged_on_the_worst_kernel() {
        let path = crate::workspace::root().join("reports/baseline.json");
        let mut results = crate::results::load(&path).expect("reports/baseline.json");
        let template = results.pairs[0].clone();
        let spread = |ns: f64| -> Vec<f64> {
            (0..10)
                .map(|i| ns * (1.0 + 0.01 * (i % 3) as f64))
                .collect()
        };
        let claim = |results: &Results| {
            ledger(results)
                .into_iter()
                .find(|c| c.id == "C26")
                .expect("C26 in the ledger")
        };

        results.instrumentation = None;
        assert_eq!(claim(&results).verdict, ClaimVerdict::Unmeasured);

        results.instrumentation = Some(side_timing(Side::Rust, &spread(50.0), 10.0));
        results.pairs = vec![timed(&template, "slow", &[], [1e6, 1e6, 100_000.0])];
        results.shadow_runner = None;
        let c26 = claim(&results);
        assert_eq!(
            c26.verdict,
            ClaimVerdict::Consistent,
            "the shadow runner untimed cannot confirm it: {}",
            c26.measured_text
        );
        results.shadow_runner = Some(crate::results::ShadowRunnerCost {
            routed: side_timing(Side::Python, &spread(3_000.0), 10.0),
            direct: side_timing(Side::Python, &spread(500.0), 10.0),
        });
        let c26 = claim(&results);
        assert_eq!(
            c26.verdict,
            ClaimVerdict::Confirmed,
            "{}",
            c26.measured_text
        );
        assert!((c26.measured.expect("measured").point - 0.0005).abs() < 0.0001);
        assert!(
            c26.measured_text.contains("shadow runner"),
            "{}",
            c26.measured_text
        );

        // The runner against a twin called from Python: 2.5 µs of 100 µs.
        let mut from_python = results.clone();
        for size in &mut from_python.pairs[0].sizes {
            size.timings
                .push(side_timing(Side::TwinFromPython, &spread(100_000.0), 10.0));
        }
        let c26 = claim(&from_python);
        assert_eq!(c26.verdict, ClaimVerdict::Refuted, "{}", c26.measured_text);
        assert!(
            c26.rests_on[0].ends_with("(from Python)"),
            "{:?}",
            c26.rests_on
        );

        results
            .pairs
            .push(timed(&template, "fast", &[], [1e6, 1e6, 1_000.0]));
        let c26 = claim(&results);
        assert_eq!(c26.verdict, ClaimVerdict::Refuted, "{}", c26.measured_text);
        assert_eq!(c26.rests_on[0], "fast @ 1000", "the worst kernel first");
        assert!(
            c26.measured_text.contains("over: fast @ 1000 5.0%"),
            "{}",
            c26.measured_text
        );
    }
}
