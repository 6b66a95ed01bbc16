//! Other formats read from results.json, for the tools a team already runs
//! in CI: the Bencher Metric Format ([`bmf`], for `bencher run --adapter
//! json`) and github-action-benchmark's `customSmallerIsBetter` ([`gab`]).
//!
//! Exports only read: every figure is one results.json (and, where given,
//! the instruction-count run) already holds. Nothing is re-measured.

pub mod bmf;
pub mod gab;

pub use bmf::Bmf;
pub use gab::Gab;

use crate::format::Format;
use crate::instructions::InstructionRun;
use crate::pairs::Side;
use crate::results::{Results, SizeResult};
use crate::stats::Estimate;

/// What an export reads: a run's results and, optionally, the instruction
/// counts of the same commit (`reports/instructions.json`).
#[derive(Debug, Clone, Copy)]
pub struct Exported<'a> {
    pub results: &'a Results,
    pub instructions: Option<&'a InstructionRun>,
}

/// Every export format, by its `--format` name.
pub fn formats() -> [&'static dyn for<'a> Format<Exported<'a>>; 2] {
    [&Bmf, &Gab]
}

/// The benchmark name of one side of a pair at one size: `kernel/size/side`
/// (the form the gate's checks and `TWINBENCH_ONLY` use).
pub fn benchmark_name(kernel: &str, size: usize, side: Side) -> String {
    format!("{kernel}/{size}/{side}")
}

/// One row of an export: a side of a pair at one size with every figure
/// results.json holds for it.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    /// Mean time per call with its 95% interval, nanoseconds.
    pub latency_ns: Estimate,
    /// Python baseline time ÷ this side's time (absent for the baseline
    /// itself and for the input copy).
    pub speedup: Option<Estimate>,
    /// Peak bytes one call allocates (Rust twin, Python baseline and Rust
    /// peers; other alternatives are not measured).
    pub peak_bytes: Option<u64>,
}

/// Every timed side of every size, in results order.
pub fn rows(results: &Results) -> Vec<Row> {
    let mut rows = Vec::new();
    for pair in &results.pairs {
        for size in &pair.sizes {
            for timing in &size.timings {
                rows.push(Row {
                    name: benchmark_name(&pair.kernel, size.size, timing.side),
                    latency_ns: timing.mean_ns,
                    speedup: speedup(size, timing.side),
                    peak_bytes: peak_bytes(size, timing.side),
                });
            }
        }
    }
    rows
}

/// The speedup over the baseline results.json holds for `side`.
fn speedup(size: &SizeResult, side: Side) -> Option<Estimate> {
    match side {
        Side::Rust => size.speedup,
        Side::Python | Side::CopyInput | Side::RustParallel => None,
        alternative => size
            .alternatives
            .iter()
            .find(|a| a.side == alternative)
            .and_then(|a| a.speedup_over_python),
    }
}

fn peak_bytes(size: &SizeResult, side: Side) -> Option<u64> {
    let memory = size.memory.as_ref();
    match side {
        Side::Rust => memory?.rust.map(|m| m.peak_bytes),
        Side::Python => memory?.python.map(|m| m.peak_bytes),
        Side::RustParallel | Side::CopyInput => None,
        alternative => size
            .alternatives
            .iter()
            .find(|a| a.side == alternative)
            .and_then(|a| a.memory)
            .map(|m| m.peak_bytes),
    }
}

/// An export with no figure at all is refused: an empty file would read as
/// "nothing regressed" to the tool that ingests it.
fn nothing_to_export() -> crate::format::FormatError {
    crate::format::FormatError::Invalid(
        "nothing to export: the results hold no timing and no instruction count".into(),
    )
}

/// `(benchmark name, instructions)` of every count, single-threaded twin.
pub fn instruction_rows(run: &InstructionRun) -> Vec<(String, u64)> {
    run.records
        .iter()
        .map(|r| {
            (
                benchmark_name(&r.kernel, r.size, Side::Rust),
                r.instructions,
            )
        })
        .collect()
}
