//! Peak memory per call, both sides, in runs separate from timing: the Rust
//! twin under a counting global allocator (`peak_alloc`, installed by the
//! `twinbench` binary), the Python baseline under `tracemalloc` and, for
//! what C code allocates out of tracemalloc's sight, the C heap its result
//! holds and its peak resident growth (`CallMemory::result_c_heap_bytes`,
//! `resident_growth_bytes`).
//!
//! Each figure is what the call itself allocates on top of its prepared
//! input (built before measuring), at its peak, and what it still holds once
//! its result is dropped (a leak if not zero).

use crate::inputs::Input;
use crate::pairs::{KernelPair, Prepare, Run};
use crate::results::{CallMemory, MemoryResult};
use crate::sides::python::{Bridge, MemoryFigures};

/// Reads the process's allocation counters (the binary's global allocator).
#[derive(Debug, Clone, Copy)]
pub struct AllocationMeter {
    /// Bytes currently allocated.
    pub current: fn() -> usize,
    /// Highest `current` since the last reset.
    pub peak: fn() -> usize,
    /// Sets the peak to the current figure.
    pub reset_peak: fn(),
}

/// Runs the Rust twin once on `input` under `meter`.
pub fn rust_call(
    meter: &AllocationMeter,
    pair: &KernelPair,
    input: &Input,
) -> Result<CallMemory, String> {
    rust_side_call(meter, pair.rust.prepare, pair.rust.run, input)
}

/// Runs one Rust side (the twin, or a Rust peer) on `input` under `meter`;
/// only `run` is measured, its input is prepared before. The counting
/// allocator is process-wide, so another thread's one-off allocation can
/// land inside a measured call (fresh-clone test runs saw ensemble_detector
/// "retain" the same 3,800 bytes every time, never reproduced alone): the
/// call runs once unmeasured (one-time initialisation), then twice
/// measured: the peak is the smaller of the two, the retained bytes the
/// one nearer zero. A real leak or a real peak repeats on every call; a
/// one-off does not.
pub fn rust_side_call(
    meter: &AllocationMeter,
    prepare: Prepare,
    run: Run,
    input: &Input,
) -> Result<CallMemory, String> {
    let prepared = prepare(input).map_err(|e| format!("Rust prepare failed: {e}"))?;
    drop(run(&prepared));
    let measure = || {
        (meter.reset_peak)();
        let before = (meter.current)();
        let result = run(&prepared);
        let peak = (meter.peak)();
        drop(result);
        let after = (meter.current)();
        (
            u64::try_from(peak.saturating_sub(before)).unwrap_or(u64::MAX),
            i64::try_from(after).unwrap_or(i64::MAX) - i64::try_from(before).unwrap_or(i64::MAX),
        )
    };
    let (peak_a, retained_a) = measure();
    let (peak_b, retained_b) = measure();
    Ok(CallMemory {
        peak_bytes: peak_a.min(peak_b),
        retained_bytes: if retained_a.abs() <= retained_b.abs() {
            retained_a
        } else {
            retained_b
        },
        result_c_heap_bytes: None,
        resident_growth_bytes: None,
    })
}

/// Runs the Python baseline on `input` twice: untraced for the C heap its
/// result holds and its resident growth, then under tracemalloc.
pub fn python_call(
    bridge: &Bridge,
    pair: &KernelPair,
    input: &Input,
) -> Result<CallMemory, String> {
    bridge
        .peak_memory(pair.python, input)
        .map(python_figures)
        .map_err(|e| e.to_string())
}

/// [`Bridge::peak_memory`]'s figures (tracemalloc peak and retained bytes,
/// the C heap the result holds, resident growth; -1: not measurable) as a
/// [`CallMemory`].
pub fn python_figures((peak, retained, c_heap, resident): MemoryFigures) -> CallMemory {
    CallMemory {
        peak_bytes: u64::try_from(peak.max(0)).unwrap_or(0),
        retained_bytes: retained,
        result_c_heap_bytes: u64::try_from(c_heap).ok(),
        resident_growth_bytes: u64::try_from(resident).ok(),
    }
}

/// Both sides, each failure recorded rather than raised.
pub fn measure(
    meter: Option<&AllocationMeter>,
    bridge: Option<&Bridge>,
    pair: &KernelPair,
    input: &Input,
) -> MemoryResult {
    let python = bridge.map(|b| python_call(b, pair, input));
    with_python(meter, python, pair, input)
}

/// Both sides, the baseline's figures given (measured already, as by
/// [`Bridge::answer_and_memory`]; `None`: no bridge), the twin's measured
/// here; each failure recorded rather than raised.
pub fn with_python(
    meter: Option<&AllocationMeter>,
    python: Option<Result<CallMemory, String>>,
    pair: &KernelPair,
    input: &Input,
) -> MemoryResult {
    let mut problems = Vec::new();
    let rust = match meter {
        Some(m) => rust_call(m, pair, input).map_err(|e| problems.push(e)).ok(),
        None => {
            problems.push("no counting allocator in this process".into());
            None
        }
    };
    let python = python.and_then(|p| {
        p.map_err(|e| problems.push(format!("Python memory: {e}")))
            .ok()
    });
    MemoryResult {
        rust,
        python,
        problems,
    }
}
