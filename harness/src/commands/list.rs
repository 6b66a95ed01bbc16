//! `twinbench list`: the registered kernel pairs.

use std::process::ExitCode;

use twinbench::pairs::PAIRS;

pub fn run() -> ExitCode {
    for pair in PAIRS {
        println!(
            "{:<16} {:<10} sizes {:?}  claims {}\n    {}",
            pair.name,
            format!("{:?}", pair.domain).to_lowercase(),
            pair.sizes,
            pair.claims.join(","),
            pair.summary
        );
    }
    ExitCode::SUCCESS
}
