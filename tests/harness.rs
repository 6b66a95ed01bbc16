//! Every integration test of the harness, in one test binary: each file is a
//! module named after what it guards (`cargo test --test harness gate::`).
//! One binary links once; seven took a minute of linking on 2 cores.

mod bridge_errors;
mod common;
mod differential;
mod differential_errors;
mod differential_monitoring;
mod differential_service;
mod differential_service_pg;
mod exports;
mod gate;
mod instructions;
mod module_graph;
mod report_end_to_end;
mod scenario_errors;
mod service_pg;
mod text;
mod untrusted;
