//! Defects found in the original service (`python_baselines/defects.toml`):
//! what breaks there and what the baseline does about it. Data, so the report
//! and results.json carry them and a test keeps them tied to real pairs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{find, names};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defect {
    /// Stable id, `D` and three digits.
    pub id: String,
    /// The kernel pair it concerns.
    pub kernel: String,
    /// Where in the catalog (and the original) it is described.
    pub catalog: String,
    /// What goes wrong in the original.
    pub breaks: String,
    /// What the baseline does about it.
    pub baseline: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct DefectsFile {
    defect: Vec<Defect>,
}

#[derive(Debug, Error)]
pub enum DefectsError {
    #[error("{path}: {message}", path = path.display())]
    Invalid { path: PathBuf, message: String },
}

/// Reads and checks the defects list: ids unique, every kernel registered.
pub fn load(path: &Path) -> Result<Vec<Defect>, DefectsError> {
    let invalid = |message: String| DefectsError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(format!("cannot read: {e}")))?;
    let file: DefectsFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let mut seen = std::collections::BTreeSet::new();
    for d in &file.defect {
        if !seen.insert(d.id.as_str()) {
            return Err(invalid(format!("defect id {} is used twice", d.id)));
        }
        if find(&d.kernel).is_none() {
            return Err(invalid(format!(
                "defect {} names kernel `{}`; expected one of: {}",
                d.id,
                d.kernel,
                names().join(", ")
            )));
        }
    }
    Ok(file.defect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_loads_and_names_real_pairs() {
        let defects = load(&crate::workspace::defects_file()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!defects.is_empty());
    }

    #[test]
    fn an_unknown_kernel_is_rejected_with_the_known_ones() {
        let dir = std::env::temp_dir().join(format!("twinbench-defects-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("defects.toml");
        std::fs::write(
            &path,
            "[[defect]]\nid = \"D001\"\nkernel = \"nope\"\ncatalog = \"c\"\nbreaks = \"b\"\nbaseline = \"x\"\n",
        )
        .expect("write");
        let message = load(&path).expect_err("unknown kernel").to_string();
        assert!(
            message.contains("`nope`") && message.contains("pagerank"),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
