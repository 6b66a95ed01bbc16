//! The Rust side's checked call: a twin's error or panic becomes a message,
//! never the end of the run.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::compare::Output;
use crate::inputs::Input;
use crate::pairs::{KernelPair, Prepare, Run, RustPeer};

pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".into())
}

/// Runs a Rust side of the twin, turning an error or a panic into a message
/// (`None`: the twin has no parallel path).
pub fn run_rust(
    input: &Input,
    pair: &KernelPair,
    parallel: bool,
) -> Option<Result<Output, String>> {
    let run = if parallel {
        pair.rust.run_parallel?
    } else {
        pair.rust.run
    };
    Some(run_checked(input, pair.rust.prepare, run))
}

/// Runs a Rust peer (a crate timed as an alternative) the same way.
pub fn run_peer(input: &Input, peer: &RustPeer) -> Result<Output, String> {
    run_checked(input, peer.prepare, peer.run)
}

fn run_checked(input: &Input, prepare: Prepare, run: Run) -> Result<Output, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let prepared = prepare(input)?;
        run(&prepared)
    }));
    match outcome {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(e)) => Err(e.to_string()),
        Err(payload) => Err(format!("panicked: {}", panic_message(payload))),
    }
}
