//! twinbench's harness. The modules read as the data flow, and each depends
//! only on those listed before it:
//!
//! - [`workspace`], [`environment`], [`stats`]: paths and atomic writes, the
//!   machine and toolchain, pure statistics;
//! - [`inputs`] → [`compare`] → [`pairs`] → [`scenario`]: seeded inputs, how
//!   two answers are compared, the kernel-pair table, the run plan;
//! - [`sides`]: the Python bridge and the Rust side's checked call;
//! - [`results`]: the types of results.json (verdicts included), load, schema;
//! - [`measure`]: criterion samples, memory, footprint, locking overhead,
//!   model checks, each filling a results type;
//! - [`verdicts`]: the claims ledger and readiness, attached to a result;
//! - [`run`]: one run, the merge of shards, a pooled gate baseline;
//! - [`report`], [`gate`], [`export`]: read results, never measure;
//! - [`instructions`]: the callgrind instruction-count gate.

pub mod compare;
pub mod environment;
pub mod export;
pub mod format;
pub mod gate;
pub mod inputs;
pub mod instructions;
pub mod measure;
pub mod pairs;
pub mod pins;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod sides;
pub mod stats;
pub mod verdicts;
pub mod workspace;
