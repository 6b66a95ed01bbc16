//! What the measuring stages record beside the timings: memory per call,
//! graph footprints, locking overhead. Data only; `measure` fills it.

use serde::{Deserialize, Serialize};
use twinbench_checks::Component;

use crate::stats::Estimate;

/// One side's figures for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CallMemory {
    /// Bytes allocated at the call's peak, beyond what was held before it.
    pub peak_bytes: u64,
    /// Bytes still held after the result was dropped (0: nothing leaked).
    pub retained_bytes: i64,
}

/// Both sides at one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemoryResult {
    pub rust: Option<CallMemory>,
    pub python: Option<CallMemory>,
    /// Why a side's figure is missing.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// One graph, every library's footprint.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GraphFootprint {
    pub nodes: usize,
    /// Distinct undirected edges (what a simple graph keeps).
    pub edges: usize,
    /// The twin's CSR graph, exact (capacity of its three arrays).
    pub rust_csr_bytes: usize,
    pub libraries: Vec<LibraryFootprint>,
}

/// A Python library's graph, measured around its construction with the
/// temporaries freed; see `twinbench_baselines/footprint.py` for the method.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LibraryFootprint {
    pub library: String,
    /// Python objects it keeps (tracemalloc).
    pub python_object_bytes: f64,
    /// Bytes in use from malloc (glibc mallinfo2); NaN where unavailable.
    /// Python allocations over 512 bytes appear here as well.
    pub c_heap_bytes: f64,
}

impl GraphFootprint {
    pub fn rust_bytes_per_edge(&self) -> f64 {
        self.rust_csr_bytes as f64 / self.edges.max(1) as f64
    }
}

/// One component's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OverheadResult {
    pub component: Component,
    /// Nanoseconds per operation, unsynchronised core.
    pub unsynchronized_ns: Estimate,
    /// Nanoseconds per operation, shared component, one thread.
    pub synchronized_ns: Estimate,
    /// Wall nanoseconds per operation, shared component, two threads.
    pub two_threads_ns: Option<Estimate>,
    /// synchronized ÷ unsynchronized (1.2 = 20% overhead).
    pub overhead_ratio: Estimate,
    /// one thread ÷ two threads (above 1: two threads get more done).
    pub two_thread_speedup: Option<Estimate>,
}
