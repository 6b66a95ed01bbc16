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
    /// Python only: bytes the call's result holds on the C heap (glibc
    /// `mallinfo2` in use with the result alive, minus after it is dropped,
    /// from a second, untraced call). tracemalloc does not see what C, C++
    /// or Cython code takes from `malloc` (scikit-learn's tree nodes), so
    /// without this a baseline's peak can read lower than the memory it
    /// holds. `None`: not measured (off glibc, or a Rust side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_c_heap_bytes: Option<u64>,
    /// Python only: how far the process's peak resident size (Linux
    /// `VmHWM`, reset just before) rose above its resident size during that
    /// untraced call: what native code allocates and frees within the call
    /// (libsvm's kernel cache) shows nowhere else. Page-grained and blind to
    /// memory reused without growing: a lower bound. `None`: not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_growth_bytes: Option<u64>,
}

impl CallMemory {
    /// What the sides are compared on: the peak, or for Python the largest
    /// of its tracemalloc peak, the C heap its result holds and its resident
    /// growth. Each is a lower bound of the call's true peak; they overlap
    /// (large Python objects come from `malloc` too, and every allocation
    /// that touches new pages is resident growth), so they are never added.
    pub fn compared_bytes(&self) -> u64 {
        self.peak_bytes
            .max(self.result_c_heap_bytes.unwrap_or(0))
            .max(self.resident_growth_bytes.unwrap_or(0))
    }
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
