//! Measuring: criterion's samples read back into timings and ratios, memory
//! per call, graph footprints, locking overhead, and the model checks run as
//! a stage. Everything here fills a type of `results`.

pub mod bench_id;
pub mod bench_run;
pub mod calibration;
pub mod criterion_samples;
pub mod eta;
pub mod footprint;
pub mod http;
pub mod latency;
pub mod memory;
pub mod model_checks;
pub mod overhead;
pub mod record;
pub mod shadow;
pub mod stream;
pub mod timings;

pub use bench_id::{BenchId, PairBenchId};

/// A file path in a per-process scratch folder of the system temp dir, for
/// the record readers' tests (`measure/http.rs`, `shadow.rs`, `stream.rs`).
#[cfg(test)]
pub(crate) fn scratch_file(prefix: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("twinbench-{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}
