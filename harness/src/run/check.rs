//! Both sides on one input, their answers compared: the correctness half of
//! a run (the timings come from criterion's samples, `measure`).

use crate::compare::{Output, compare};
use crate::inputs::Input;
use crate::pairs::{Implementation, Side};
use crate::results::{AlternativeResult, Correctness};
use crate::scenario::KernelPlan;
use crate::sides::python::Bridge;
use crate::sides::rust::{run_peer, run_rust};

/// Both sides on `input`, compared with the plan's tolerance; the parallel
/// Rust path, where there is one, must agree with the sequential one.
pub fn check(plan: &KernelPlan, bridge: Option<&Bridge>, input: &Input) -> Correctness {
    check_with_output(plan, bridge, input).0
}

/// Each alternative's answer against the baseline's (`None` when the
/// baseline failed: there is nothing to hold it to). An alternative without
/// its own tolerance is held to the plan's (the scenario may override it).
/// A Rust peer runs in process (behind `catch_unwind`, like the twin), a
/// Python one through the bridge.
pub fn check_alternatives(
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    input: &Input,
    baseline: Option<&Output>,
) -> Vec<AlternativeResult> {
    let pair = plan.pair;
    pair.alternatives
        .iter()
        .map(|alt| {
            let correctness = match (bridge, baseline) {
                (None, _) => Correctness::Failed {
                    side: Side::Python,
                    error: "the Python bridge did not start (see problems)".into(),
                },
                (Some(_), None) => Correctness::Failed {
                    side: Side::Python,
                    error: "the baseline failed, nothing to check against".into(),
                },
                (Some(bridge), Some(baseline)) => {
                    let answer = match alt.implementation {
                        Implementation::Python(function) => bridge
                            .compute_with(function, pair.output, input)
                            .map_err(|e| e.to_string()),
                        Implementation::Rust(peer) => run_peer(input, &peer),
                    };
                    match answer {
                        Err(error) => Correctness::Failed {
                            side: alt.side,
                            error,
                        },
                        Ok(answer) => {
                            let tol = alt.tolerance.unwrap_or(plan.tolerance);
                            let mode = alt.comparison.unwrap_or(pair.comparison);
                            match compare(mode, tol, &answer, baseline, input.truth()) {
                                Ok(agreement) => Correctness::Agree { agreement },
                                Err(mut mismatch) => {
                                    mismatch.location =
                                        format!("{} vs baseline, {}", alt.side, mismatch.location);
                                    Correctness::Disagree { mismatch }
                                }
                            }
                        }
                    }
                }
            };
            AlternativeResult {
                side: alt.side,
                correctness,
                rust_speedup: None,
                speedup_over_python: None,
                memory: None,
            }
        })
        .collect()
}

/// [`check`], also returning the baseline's answer for the alternatives.
pub fn check_with_output(
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    input: &Input,
) -> (Correctness, Option<Output>) {
    let python = match bridge {
        Some(b) => b.compute(plan.pair, input).map_err(|e| e.to_string()),
        None => Err("the Python bridge did not start (see problems)".into()),
    };
    check_against(plan, python, input)
}

/// [`check_with_output`] given the baseline's answer (or why there is
/// none), computed elsewhere (the report takes it from the memory
/// measurement's untraced call, [`crate::sides::python::Bridge::answer_and_memory`]).
pub fn check_against(
    plan: &KernelPlan,
    python: Result<Output, String>,
    input: &Input,
) -> (Correctness, Option<Output>) {
    let pair = plan.pair;
    let rust = run_rust(input, pair, false).unwrap_or_else(|| Err("no Rust twin".into()));
    let (rust, python) = match (rust, python) {
        (Ok(r), Ok(p)) => (r, p),
        (Err(rust), Err(python)) => return (Correctness::BothFailed { rust, python }, None),
        (Err(error), Ok(python)) => {
            let failed = Correctness::Failed {
                side: Side::Rust,
                error,
            };
            return (failed, Some(python));
        }
        (Ok(_), Err(error)) => {
            let failed = Correctness::Failed {
                side: Side::Python,
                error,
            };
            return (failed, None);
        }
    };
    let agreement = match compare(
        pair.comparison,
        plan.tolerance,
        &rust,
        &python,
        input.truth(),
    ) {
        Ok(a) => a,
        Err(mismatch) => return (Correctness::Disagree { mismatch }, Some(python)),
    };
    let correctness = match run_rust(input, pair, true) {
        None => Correctness::Agree { agreement },
        Some(Err(error)) => Correctness::Failed {
            side: Side::RustParallel,
            error,
        },
        Some(Ok(parallel)) => match compare(
            pair.comparison,
            plan.tolerance,
            &parallel,
            &rust,
            input.truth(),
        ) {
            Ok(_) => Correctness::Agree { agreement },
            Err(mut mismatch) => {
                mismatch.location =
                    format!("parallel vs single-thread Rust, {}", mismatch.location);
                Correctness::Disagree { mismatch }
            }
        },
    };
    (correctness, Some(python))
}
