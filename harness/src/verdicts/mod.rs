//! The reviewer's two verdicts, computed from a run's results in one place:
//! the claims ledger ([`claims`]) and a ready / not-ready verdict per
//! migrated component ([`readiness`]), and the gradual rollout replayed
//! on the run's measurements ([`rollout`], claim C13). Run, merge and pool all call
//! [`attach`], so the three can never disagree on how a verdict is reached.

mod claims;
mod error_rate_claim;
mod http_claims;
mod readiness;
mod rollout;
mod stream_claim;

pub use claims::ledger;
pub use readiness::verdicts;

use crate::pairs::Side;

use crate::results::{Results, SizeResult};

/// Computes the verdicts and the ledger of `results` from everything else
/// in it, replacing any it held. Call it last: both read the whole result.
pub fn attach(results: &mut Results) {
    results.rollouts = rollout::simulate(results);
    results.verdicts = verdicts(results);
    results.claims = ledger(results);
}

/// The largest size of a kernel with both sides timed.
fn largest_timed(sizes: &[SizeResult]) -> Option<&SizeResult> {
    sizes
        .iter()
        .filter(|s| s.samples(Side::Python).is_some() && s.samples(Side::Rust).is_some())
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
