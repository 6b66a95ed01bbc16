//! Marks the loom and shuttle builds of the component sources, so the
//! components' own std unit tests stay out of them (they would run outside
//! any model). Declared in the workspace's `unexpected_cfgs` list too, so a
//! misspelling cannot silently compile anything away.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(twinbench_model_check)");
    println!("cargo::rustc-cfg=twinbench_model_check");
}
