//! Is the current run's host the baseline's? The CPU record
//! ([`crate::environment::Machine::same_hardware`]) cannot always tell: a
//! VM's processor may read "AMD EPYC" on hosts of several generations, and
//! another host slows each kernel by its own factor (on one such pair the
//! whole run was +92% and three kernels +145% to +164%), so a run-wide
//! drift cannot stand in for it and kernels judged against that drift are
//! false regressions.
//!
//! Two measurements answer it, each held to the noise the baseline's own
//! runs show:
//! - the host calibration (`measure::calibration`), timed at the start of
//!   every bench run: the fastest of several repetitions of two fixed
//!   loops, which outside load barely moves;
//! - the run-wide drift of the single-threaded Rust timings against the
//!   spread of the pooled baseline runs' own drifts.
//!
//! When either is far beyond that noise, the timings are not judged at all
//! ("cannot judge", never a pass). A slowdown of the code itself is still
//! caught by the deterministic instruction-count gate.

use crate::results::{Calibration, Results};
use crate::stats::percent_change;

/// How far beyond the baseline runs' own calibration range each loop (in
/// [`Calibration::loops`] order) may be before the host is taken for
/// another one. Measured on the 2-vCPU VM: the integer chain's fastest
/// repetition stays within ±0.5% idle and with both cores busy; the
/// pointer chase moves ±20% idle and up to 7× with both cores busy, so it
/// only catches a grossly different (or grossly busier) host.
pub const CALIBRATION_TOLERANCES: [f64; 2] = [0.10, 0.50];

/// How many times the baseline runs' largest drift from their pool the
/// current run's drift may reach before the host is taken for another one.
pub const DRIFT_NOISE_FACTOR: f64 = 3.0;

/// Why the current run's host cannot be the baseline's, or `None` when
/// nothing says so. `drift` is the median current ÷ baseline ratio of the
/// single-threaded Rust timings, where there were enough.
pub fn other_host(
    baseline: &Results,
    current: &Results,
    drift: Option<f64>,
    threshold: f64,
) -> Option<String> {
    let mut why = calibration_differences(baseline, current);
    if let Some(d) = drift {
        let limit = drift_limit(baseline, threshold);
        if d.ln().abs() > limit.ln() {
            why.push(format!(
                "every single-threaded Rust timing moved by {:+.1}% (median), beyond the \
                 ±{:.1}% {}",
                percent_change(d),
                percent_change(limit),
                noise_words(baseline)
            ));
        }
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The largest run-wide drift (as a ratio ≥ 1, either way) a run on the
/// baseline's host is expected to show: [`DRIFT_NOISE_FACTOR`] times the
/// furthest pooled run's drift (in log terms), and never below twice the
/// threshold, the noise a single-run baseline is allowed.
pub fn drift_limit(baseline: &Results, threshold: f64) -> f64 {
    let floor = (1.0 + 2.0 * threshold).ln();
    let noise = baseline
        .pool_spread
        .iter()
        .flat_map(|s| &s.run_drifts)
        .map(|d| d.ln().abs())
        .fold(0.0, f64::max);
    (DRIFT_NOISE_FACTOR * noise).max(floor).exp()
}

fn noise_words(baseline: &Results) -> String {
    match &baseline.pool_spread {
        Some(s) if !s.run_drifts.is_empty() => format!(
            "that {}× the spread of the baseline's {} pooled runs allows",
            DRIFT_NOISE_FACTOR,
            s.run_drifts.len()
        ),
        _ => "a run on the baseline's host is expected to stay within".into(),
    }
}

/// The baseline's calibrations: every pooled run's, else its own run's.
fn reference(baseline: &Results) -> Vec<Calibration> {
    match &baseline.pool_spread {
        Some(s) if !s.calibrations.is_empty() => s.calibrations.clone(),
        _ => baseline
            .bench_run
            .iter()
            .filter_map(|r| r.calibration)
            .collect(),
    }
}

/// Each calibration loop whose current time lies beyond the baseline's
/// range by more than its [`CALIBRATION_TOLERANCES`] entry, in words. Empty when either
/// side recorded no calibration (older files): the drift rule still holds.
fn calibration_differences(baseline: &Results, current: &Results) -> Vec<String> {
    let reference = reference(baseline);
    let Some(now) = current.bench_run.as_ref().and_then(|r| r.calibration) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, (name, ns, steps)) in now.loops().into_iter().enumerate() {
        let same_work: Vec<f64> = reference
            .iter()
            .map(|c| c.loops()[i])
            .filter(|(_, _, s)| *s == steps)
            .map(|(_, t, _)| t)
            .collect();
        let (Some(low), Some(high)) = (
            same_work.iter().copied().reduce(f64::min),
            same_work.iter().copied().reduce(f64::max),
        ) else {
            continue;
        };
        let tolerance = CALIBRATION_TOLERANCES[i];
        let band = 1.0 + tolerance;
        if ns > high * band || ns < low / band {
            let ratio = if ns > high { ns / high } else { ns / low };
            out.push(format!(
                "the {name} calibration loop took {:.2} ms against the baseline's {:.2}–{:.2} ms \
                 ({:+.1}%, beyond the ±{:.0}% a run on one host stays within)",
                ns / 1e6,
                low / 1e6,
                high / 1e6,
                percent_change(ratio),
                tolerance * 100.0
            ));
        }
    }
    out
}
