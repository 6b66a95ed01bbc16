//! Any text as a scenario file: refused with a located error or accepted,
//! never a panic (and no size that cannot fit in memory accepted: the
//! loader bounds them before anything is allocated).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scenario) = twinbench::scenario::parse(Path::new("fuzz.toml"), text) {
        for plan in &scenario.kernels {
            assert!(!plan.sizes.is_empty(), "a kernel with no sizes was accepted");
        }
    }
});
