//! twinbench's harness: scenario → seeded inputs → both twins → compare / time
//! → results → report. Each stage is a module named after it.

pub mod bridge;
pub mod compare;
pub mod concurrency;
pub mod defects;
pub mod environment;
pub mod footprint;
pub mod gate;
pub mod inputs;
pub mod instructions;
pub mod ledger;
pub mod memory;
pub mod output;
pub mod overhead;
pub mod pool;
pub mod registry;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod shard;
pub mod timing;
pub mod workspace;
