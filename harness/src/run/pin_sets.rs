//! The pairs of another pin set than the process's, run in a process of
//! their own (crate::pins: one interpreter and one numpy per process).
//!
//! The report's process serves the server's pins. For the pairs of each
//! other set it starts `twinbench run-pairs` with that set's
//! `TWINBENCH_PINS`, which checks, measures and reads the samples of exactly
//! those pairs as the report would, and prints a [`PinSetRun`] as JSON on
//! stdout (its progress goes to stderr, as the report's does). Nothing is
//! lost when it fails: each of its pairs becomes a recorded problem.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::environment::Pin;
use crate::pins::PinSet;
use crate::results::PairResult;

/// What a process serving one pin set sends back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PinSetRun {
    pub pins: PinSet,
    /// `sys.version` of its interpreter; `None` when its bridge did not start.
    pub python: Option<String>,
    pub python_packages: Vec<Pin>,
    /// In the order of the kernels it was given.
    pub pairs: Vec<PairResult>,
    pub problems: Vec<String>,
}

/// How to start a process for another pin set.
#[derive(Debug, Clone)]
pub struct PinSetRunner {
    /// The `twinbench` binary (it has the hidden `run-pairs` command).
    pub exe: PathBuf,
}

impl PinSetRunner {
    /// Runs `kernels` of `scenario` in a process serving `pins`, timings
    /// read from `criterion_dir`.
    pub fn run(
        &self,
        pins: PinSet,
        scenario: &Path,
        criterion_dir: &Path,
        kernels: &[&str],
    ) -> Result<PinSetRun, String> {
        let (variable, value) = pins.child_env();
        let output = Command::new(&self.exe)
            .arg("run-pairs")
            .arg("--scenario")
            .arg(scenario)
            .arg("--criterion-dir")
            .arg(criterion_dir)
            .arg("--kernels")
            .arg(kernels.join(","))
            .env(variable, value)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot start {}: {e}", self.exe.display()))?;
        if !output.status.success() {
            return Err(format!(
                "`{} run-pairs` for the {pins} pins failed: {}",
                self.exe.display(),
                output.status
            ));
        }
        let run: PinSetRun = serde_json::from_slice(&output.stdout).map_err(|e| {
            format!("`run-pairs` for the {pins} pins printed unreadable results: {e}")
        })?;
        if run.pins != pins {
            return Err(format!(
                "`run-pairs` served the {} pins, not the {pins} ones",
                run.pins
            ));
        }
        let got: Vec<&str> = run.pairs.iter().map(|p| p.kernel.as_str()).collect();
        if got != kernels {
            return Err(format!(
                "`run-pairs` for the {pins} pins returned {got:?}, expected {kernels:?}"
            ));
        }
        Ok(run)
    }
}
