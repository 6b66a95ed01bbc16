//! Which library versions a baseline runs under, and how a process picks its
//! set.
//!
//! The original service pins two sets: the server's (the root
//! `requirements.txt`, which the production image installs) and its
//! `monitoring/` package's (`monitoring/requirements.txt`: pandas 2.2.0,
//! numpy 1.26.3, scikit-learn 1.4.0). Issue 14 measured where the difference
//! is material (any change in the answer, or over 10% in time): the kernels
//! found so are run under the monitoring pins. One process embeds one
//! interpreter and imports one numpy, so each set has its own venv and a
//! process serves exactly one set: `TWINBENCH_PINS` names it, and the bench
//! and the report start a second process of themselves for the pairs of the
//! other set ([`PinSet::child_env`]). No twinbench types besides the
//! workspace's: pairs, results and the bridge all use it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::workspace;

/// Environment variable naming the process's pin set (`server`, the
/// default, or `monitoring`).
pub const PINS_ENV: &str = "TWINBENCH_PINS";

/// Environment variable naming another venv than `<workspace>/.venv` for
/// the server's pins (shared with the HTTP servers' launcher).
pub use twinbench_service::workspace::VENV_ENV;

/// Environment variable naming another venv for the monitoring pins than
/// `<workspace>/.venv-monitoring`.
pub const MONITORING_VENV_ENV: &str = "TWINBENCH_MONITORING_VENV";

/// One set of library pins, each with its requirements file and venv.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PinSet {
    /// The root `requirements.txt`: what the production image installs.
    #[default]
    Server,
    /// `monitoring/requirements.txt`, for the kernels whose answer or time
    /// moves with it.
    Monitoring,
}

/// `TWINBENCH_PINS` holds something other than a pin set's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{PINS_ENV}={value:?}: expected `server` or `monitoring` (unset means server)")]
pub struct PinSetError {
    pub value: String,
}

impl PinSet {
    pub const ALL: [PinSet; 2] = [PinSet::Server, PinSet::Monitoring];

    /// The set this process serves: `$TWINBENCH_PINS`, else the server's.
    pub fn current() -> Result<PinSet, PinSetError> {
        match std::env::var(PINS_ENV) {
            Err(_) => Ok(PinSet::Server),
            Ok(value) => value.parse(),
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            PinSet::Server => "server",
            PinSet::Monitoring => "monitoring",
        }
    }

    /// Where the original declares these pins, for the report.
    pub fn origin(self) -> &'static str {
        match self {
            PinSet::Server => "the root requirements.txt (installed by the production image)",
            PinSet::Monitoring => "monitoring/requirements.txt (the monitoring package's own pins)",
        }
    }

    /// The file holding the pins, `python_baselines/requirements*.txt`.
    pub fn requirements_file(self) -> PathBuf {
        match self {
            PinSet::Server => workspace::requirements_file(),
            PinSet::Monitoring => workspace::baselines_dir().join("requirements-monitoring.txt"),
        }
    }

    /// The venv built from [`Self::requirements_file`] (`make setup` builds
    /// both), unless its environment variable names another.
    pub fn venv_dir(self) -> PathBuf {
        let (variable, default) = match self {
            PinSet::Server => (VENV_ENV, ".venv"),
            PinSet::Monitoring => (MONITORING_VENV_ENV, ".venv-monitoring"),
        };
        std::env::var_os(variable)
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace::root().join(default))
    }

    /// The environment a process serving this set is started with.
    pub fn child_env(self) -> (&'static str, &'static str) {
        (PINS_ENV, self.id())
    }
}

impl std::str::FromStr for PinSet {
    type Err = PinSetError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        PinSet::ALL
            .into_iter()
            .find(|p| p.id() == value.trim())
            .ok_or_else(|| PinSetError {
                value: value.to_string(),
            })
    }
}

impl std::fmt::Display for PinSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_a_typo_is_an_error_naming_the_variable() {
        for pins in PinSet::ALL {
            assert_eq!(pins.id().parse::<PinSet>(), Ok(pins));
            assert_eq!(
                serde_json::to_string(&pins).expect("json"),
                format!("\"{}\"", pins.id())
            );
        }
        let err = "monitor".parse::<PinSet>().expect_err("typo");
        assert!(err.to_string().contains(PINS_ENV), "{err}");
    }

    #[test]
    fn each_set_has_its_own_file_and_venv() {
        assert_ne!(
            PinSet::Server.requirements_file(),
            PinSet::Monitoring.requirements_file()
        );
        assert!(PinSet::Monitoring.requirements_file().is_file());
        assert_ne!(PinSet::Server.venv_dir(), PinSet::Monitoring.venv_dir());
    }
}
