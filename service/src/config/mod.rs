//! The three rule files of seed 004 (`sla_rules.yaml`, `routing_rules.yaml`,
//! `queries.yaml`) as typed structs, with the environment and local
//! overrides deep-merged over the base (docs/service.md, "Rule files").
//!
//! The files are read as YAML values, merged, then checked field by field,
//! so a mistake is reported with the file that made it, the key path, the
//! expected type, what was found and the fix.

mod error;
mod merge;
mod query;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::{ConfigError, QueryError};
pub use query::{BuiltQuery, ParamValue};

use merge::Merged;

/// The variable naming the override environment when the caller names none.
pub const ENV_VARIABLE: &str = "TWINBENCH_SERVICE_ENV";

/// One task type's SLA. Invariant: `target_minutes > 0`,
/// `1 <= warning_percent <= 100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTarget {
    pub target_minutes: i64,
    pub warning_percent: i64,
}

/// `sla_targets`. Invariant: `default` is always present (loading fails
/// without it), so every task type has a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaRules {
    pub targets: BTreeMap<String, SlaTarget>,
    pub default: SlaTarget,
}

impl SlaRules {
    /// The target of `task_type`, or the default's.
    pub fn target_for(&self, task_type: &str) -> SlaTarget {
        self.targets.get(task_type).copied().unwrap_or(self.default)
    }
}

/// One environment's routing rule. Invariant: `timeout_minutes > 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRule {
    pub requires_env: bool,
    pub preferred_sessions: Vec<String>,
    pub excluded_sessions: Vec<String>,
    pub priority: i64,
    pub timeout_minutes: i64,
}

/// `environment_routing` and `session_health`. Invariant: `default` is
/// always present; `heartbeat_timeout_seconds > 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRules {
    pub environments: BTreeMap<String, RouteRule>,
    pub default: RouteRule,
    pub heartbeat_timeout_seconds: i64,
}

impl RoutingRules {
    /// The rule of `environment`, or the default.
    pub fn rule_for(&self, environment: &str) -> &RouteRule {
        self.environments.get(environment).unwrap_or(&self.default)
    }
}

/// A template parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Integer,
    String,
    /// Expands to one placeholder per element (`IN (:names)`).
    StringList,
}

/// One declared parameter of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub kind: ParamType,
    /// Used when the caller passes no value; of `kind`'s type.
    pub default: Option<ParamValue>,
}

/// One query template of `queries.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTemplate {
    pub description: String,
    pub sql: String,
    pub params: Vec<ParamSpec>,
}

/// Every rule the service reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub sla: SlaRules,
    pub routing: RoutingRules,
    pub queries: BTreeMap<String, QueryTemplate>,
}

/// The rule files of the repository: `service/config`.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// Loads `<dir>/base/*.yaml`, then `<dir>/environments/<env>.yaml` (when
/// `env`, or else `$TWINBENCH_SERVICE_ENV`, names one and it exists), then
/// `<dir>/local/*.yaml` in name order, each merged over what came before.
pub fn load(dir: &Path, env: Option<&str>) -> Result<Config, ConfigError> {
    let mut merged = Merged::default();
    for name in ["sla_rules.yaml", "routing_rules.yaml", "queries.yaml"] {
        merged.merge_file(&dir.join("base").join(name))?;
    }
    let env = env
        .map(str::to_string)
        .or_else(|| std::env::var(ENV_VARIABLE).ok())
        .filter(|e| !e.is_empty());
    if let Some(env) = env {
        let file = dir.join("environments").join(format!("{env}.yaml"));
        if file.is_file() {
            merged.merge_file(&file)?;
        }
    }
    for file in local_files(&dir.join("local"))? {
        merged.merge_file(&file)?;
    }
    validate::config(&merged)
}

/// `*.yaml` files of `dir` in name order; none when it does not exist.
fn local_files(dir: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| ConfigError::ListDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests;
