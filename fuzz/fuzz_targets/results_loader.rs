//! Any bytes as a results.json (a run, a shard, a pool or a gate baseline):
//! the loader refuses or accepts, never panics; whatever it accepts, the
//! gate (both ways), its Markdown and JUnit, merge and pool read without
//! panicking either.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(results) = twinbench::results::parse(Path::new("fuzz.json"), data) else {
        return;
    };
    let options = twinbench::gate::GateOptions::default();
    let report = twinbench::gate::judge(&results, &results, &options);
    let _ = twinbench::gate::markdown(&report);
    let _ = twinbench::gate::junit(&report);
    let _ = twinbench::run::merge(vec![results.clone()]);
    let _ = twinbench::run::pool_runs(vec![results.clone(), results]);
});
