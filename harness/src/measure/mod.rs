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
pub mod shadow;
pub mod stream;
pub mod timings;

pub use bench_id::{BenchId, PairBenchId};
