//! Seed 000's gradual rollout replayed on a run's own measurements (claim
//! C13): for each migrated component, the shipped controller
//! ([`twinbench_kernels::concurrent::rollout`]) is fed period after period
//! of calls whose times are the run's timing samples and whose failures
//! follow the run's differential checks, and says where the component ends:
//! promoted to 100%, rolled back, or still on the way.
//!
//! How calls are made up, so the replay is the run and not a model of it:
//! - a component's calls cycle through its kernels (the pair table's order),
//!   each at its largest size with both sides timed;
//! - the controller routes each call by its key, as it would in service;
//! - a twin call takes one of that kernel's Rust samples, an original call
//!   one of its Python samples, drawn by a seeded generator (a replay is
//!   exact: same results, same timelines);
//! - a twin call fails with the kernel's measured failure rate (the share
//!   of its checked sizes that disagreed or failed; not-run sizes are not
//!   checks) plus the injected rate of the scenario: 0 (the run as
//!   measured), 0.5% (under the 1% limit: should still promote) and 2%
//!   (over it: should roll back).

use twinbench_kernels::concurrent::rollout::{
    Action, Breach, Decision, HoldReason, Policy, RolloutCore, Sample,
};

use crate::pairs::{Domain, Side};
use crate::results::{
    Correctness, PairResult, Results, RolloutOutcome, SimulatedPeriod, SimulatedRollout,
};
use crate::stats::rng::SplitMix64;

use super::largest_timed;

/// Seed 000's evaluation period: 24 hours.
pub const PERIOD_MS: u64 = 86_400_000;
/// Calls per period: at the 5% start the twin serves ~1,000 of them, so a
/// period's mean times are not one slow sample's.
pub const CALLS_PER_PERIOD: u64 = 20_000;
/// Periods simulated: 5% reaches 100% in eleven promotions; one more shows
/// it holds.
pub const PERIODS: u64 = 12;
/// Failure rates added to every twin call, one simulation each.
pub const INJECTED_ERROR_RATES: [f64; 3] = [0.0, 0.005, 0.02];

/// One kernel's draws: its samples each side, its failure rate.
struct KernelDraws<'a> {
    name: &'a str,
    twin: &'a [f64],
    original: &'a [f64],
    failure_rate: f64,
}

/// Every migrated component's rollout, at each injected rate. Components
/// without a kernel timed on both sides are left out (nothing to replay).
pub fn simulate(results: &Results) -> Vec<SimulatedRollout> {
    let Ok(policy) = Policy::seed000(PERIOD_MS) else {
        return Vec::new();
    };
    let mut domains: Vec<Domain> = results.pairs.iter().map(|p| p.domain).collect();
    domains.sort();
    domains.dedup();
    let mut out = Vec::new();
    for domain in domains {
        let kernels: Vec<KernelDraws> = results
            .pairs
            .iter()
            .filter(|p| p.domain == domain)
            .filter_map(draws)
            .collect();
        if kernels.is_empty() {
            continue;
        }
        for (index, &injected) in INJECTED_ERROR_RATES.iter().enumerate() {
            let seed = (domain as u64) << 8 | index as u64;
            out.push(replay(domain, &kernels, injected, policy, seed));
        }
    }
    out
}

fn draws(pair: &PairResult) -> Option<KernelDraws<'_>> {
    let size = largest_timed(&pair.sizes)?;
    let checked: Vec<&Correctness> = pair
        .sizes
        .iter()
        .map(|s| &s.correctness)
        .filter(|c| !c.is_not_run())
        .collect();
    let failed = checked.iter().filter(|c| !c.is_agree()).count();
    Some(KernelDraws {
        name: &pair.kernel,
        twin: size.samples(Side::Rust)?,
        original: size.samples(Side::Python)?,
        failure_rate: if checked.is_empty() {
            0.0
        } else {
            failed as f64 / checked.len() as f64
        },
    })
}

fn replay(
    domain: Domain,
    kernels: &[KernelDraws],
    injected: f64,
    policy: Policy,
    seed: u64,
) -> SimulatedRollout {
    let mut rng = SplitMix64::new(seed);
    let mut core = RolloutCore::new(policy, 0);
    let mut periods = Vec::new();
    let mut outcome = None;
    let draw = |rng: &mut SplitMix64, samples: &[f64]| -> u64 {
        // Samples are positive nanoseconds (results validation); the draw
        // index is below the length by construction.
        let i = rng.below(samples.len() as u64) as usize;
        samples.get(i).map_or(0, |ns| ns.max(0.0).round() as u64)
    };
    for period in 0..PERIODS {
        let now = period * PERIOD_MS;
        let percent = core.percent();
        let mut decisions: Vec<Decision> = Vec::new();
        for call in 0..CALLS_PER_PERIOD {
            let kernel = &kernels[(call % kernels.len() as u64) as usize];
            let key = period * CALLS_PER_PERIOD + call;
            let sample = if core.routes_to_twin(key) {
                let error = rng.unit() < (kernel.failure_rate + injected).min(1.0);
                Sample::Twin {
                    ns: draw(&mut rng, kernel.twin),
                    error,
                }
            } else {
                Sample::Original {
                    ns: draw(&mut rng, kernel.original),
                }
            };
            decisions.extend(core.record(now, sample).into_iter().flatten());
        }
        let (_, stats) = core.open_period();
        decisions.extend(core.advance(now + PERIOD_MS));
        let decision = decisions
            .iter()
            .find(|d| d.period == period)
            .map(|d| describe(&d.action))
            .unwrap_or_else(|| "none".into());
        periods.push(SimulatedPeriod {
            period,
            percent,
            twin_calls: stats.twin_calls,
            twin_errors: stats.twin_errors,
            original_calls: stats.original_calls,
            performance: stats.performance(),
            decision,
        });
        if outcome.is_none() {
            if core.is_rolled_back() {
                outcome = Some(RolloutOutcome::RolledBack { period });
            } else if core.percent() == 100 {
                outcome = Some(RolloutOutcome::ReachedFull { period });
            }
        }
    }
    let measured = kernels.iter().map(|k| k.failure_rate).sum::<f64>() / kernels.len() as f64;
    SimulatedRollout {
        domain,
        measured_error_rate: measured,
        injected_error_rate: injected,
        calls_per_period: CALLS_PER_PERIOD,
        kernels: kernels.iter().map(|k| k.name.to_string()).collect(),
        periods,
        outcome: outcome.unwrap_or(RolloutOutcome::Incomplete {
            percent: core.percent(),
        }),
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::Promoted { from, to } => format!("promoted {from} → {to}"),
        Action::Held(reason) => format!(
            "held: {}",
            match reason {
                HoldReason::TooFewTwinCalls => "too few twin calls",
                HoldReason::NoOriginalCalls => "no original call to compare with",
                HoldReason::AtFull => "at 100%",
                HoldReason::RolledBack => "rolled back earlier",
            }
        ),
        Action::RolledBack { from, breach } => format!(
            "rolled back {from} → 0: {}",
            match breach {
                Breach::ErrorRate => "error rate ≥ 1%",
                Breach::Performance => "performance < 90%",
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::timings::side_timing;

    /// The committed gate baseline, its first pair reshaped: one kernel of
    /// the monitoring domain whose sizes are `sizes` (agrees?, twin ns,
    /// original ns).
    fn results_with(sizes: &[(bool, f64, f64)]) -> Results {
        let path = crate::workspace::root().join("reports/baseline.json");
        let mut results = crate::results::load(&path).expect("reports/baseline.json");
        let mut pair = results.pairs[0].clone();
        pair.kernel = "k".into();
        pair.domain = Domain::Monitoring;
        let template = pair.sizes[0].clone();
        pair.sizes = sizes
            .iter()
            .enumerate()
            .map(|(i, &(agrees, twin_ns, original_ns))| {
                let mut size = template.clone();
                size.size = 10 + i;
                if !agrees {
                    size.correctness = Correctness::Failed {
                        side: Side::Rust,
                        error: "a twin failure".into(),
                    };
                }
                size.timings = [(Side::Rust, twin_ns), (Side::Python, original_ns)]
                    .into_iter()
                    .map(|(side, ns)| {
                        let samples: Vec<f64> = (0..10)
                            .map(|i| ns * (1.0 + 0.01 * (i % 3) as f64))
                            .collect();
                        side_timing(side, &samples, 10.0)
                    })
                    .collect();
                size
            })
            .collect();
        results.pairs = vec![pair];
        results
    }

    fn outcomes(results: &Results) -> Vec<(f64, RolloutOutcome)> {
        simulate(results)
            .into_iter()
            .map(|r| (r.injected_error_rate, r.outcome))
            .collect()
    }

    #[test]
    fn a_fast_correct_twin_reaches_full_unless_errors_are_injected_over_the_limit() {
        let results = results_with(&[(true, 100.0, 1000.0)]);
        assert_eq!(
            outcomes(&results),
            [
                (0.0, RolloutOutcome::ReachedFull { period: 9 }),
                (0.005, RolloutOutcome::ReachedFull { period: 9 }),
                (0.02, RolloutOutcome::RolledBack { period: 0 }),
            ]
        );
        let timeline: Vec<u8> = simulate(&results)[0]
            .periods
            .iter()
            .map(|p| p.percent)
            .collect();
        assert_eq!(timeline, [5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100, 100]);
    }

    #[test]
    fn a_slow_twin_is_rolled_back_at_the_first_period() {
        let results = results_with(&[(true, 1000.0, 800.0)]);
        assert!(
            outcomes(&results)
                .iter()
                .all(|(_, o)| *o == RolloutOutcome::RolledBack { period: 0 })
        );
        assert!(
            simulate(&results)[0].periods[0]
                .decision
                .contains("performance")
        );
    }

    #[test]
    fn a_kernel_that_failed_a_check_fails_that_share_of_its_calls() {
        let results = results_with(&[(true, 100.0, 1000.0), (false, 100.0, 1000.0)]);
        let first = &simulate(&results)[0];
        assert_eq!(first.measured_error_rate, 0.5);
        assert_eq!(first.outcome, RolloutOutcome::RolledBack { period: 0 });
    }

    #[test]
    fn the_replay_is_exact() {
        let results = results_with(&[(true, 100.0, 1000.0)]);
        assert_eq!(simulate(&results), simulate(&results));
    }
}
