//! `twinbench calibrate`: the host calibration every measuring bench run
//! records, timed now and printed, with the fingerprint the gate compares:
//! what to look at when the gate says a run's machine is not the baseline's.

use std::process::ExitCode;

use twinbench::environment::Machine;
use twinbench::measure::calibration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many calibrations to time (each is the fastest of several
    /// repetitions of both loops).
    #[arg(long, default_value_t = 1)]
    pub times: u32,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let machine = Machine::current();
    println!("machine: {}", machine.hardware());
    if let Some(f) = &machine.fingerprint {
        println!("cpu id:  {}", f.cpu_id);
        println!("caches:  {}", f.caches.join(", "));
        println!("flags:   {} flags", f.cpu_flags.len());
    }
    for _ in 0..args.times.max(1) {
        let c = calibration::measure();
        println!("{}", serde_json::to_string(&c)?);
    }
    Ok(ExitCode::SUCCESS)
}
