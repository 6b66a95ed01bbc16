//! Reading YAML files and deep-merging overrides over the base, remembering
//! which file last set each key path so a later error can name it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_norway::Value;

use super::error::ConfigError;

/// A merged YAML document and, per dotted key path, the file that set it.
/// Invariant: every path present in `value` has an entry in `origin`
/// (a path absent from the map falls back to the nearest ancestor's file).
#[derive(Debug, Default)]
pub struct Merged {
    pub value: Value,
    origin: HashMap<String, PathBuf>,
}

impl Merged {
    /// The file that set `path`, or its nearest ancestor's.
    pub fn file_of(&self, path: &str) -> PathBuf {
        let mut key = path;
        loop {
            if let Some(file) = self.origin.get(key) {
                return file.clone();
            }
            match key.rfind('.') {
                Some(dot) => key = &key[..dot],
                None => return self.origin.get("").cloned().unwrap_or_default(),
            }
        }
    }

    /// Merges `file` over what is there: mappings key by key, anything else
    /// replaces. An empty file merges nothing.
    pub fn merge_file(&mut self, file: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
            file: file.to_path_buf(),
            source,
        })?;
        let value: Value = serde_norway::from_str(&text).map_err(|e| ConfigError::Syntax {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?;
        match value {
            Value::Null => Ok(()),
            Value::Mapping(_) => {
                if self.origin.is_empty() {
                    self.origin.insert(String::new(), file.to_path_buf());
                }
                let base = std::mem::replace(&mut self.value, Value::Null);
                self.value = merge(base, value, "", file, &mut self.origin);
                Ok(())
            }
            other => Err(ConfigError::WrongType {
                file: file.to_path_buf(),
                key: "(top level)".into(),
                expected: "a mapping",
                found: describe(&other),
                fix: "start the file with `key:` lines, as in config/base".into(),
            }),
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => serde_norway::to_string(other)
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
    }
}

fn mark(value: &Value, path: &str, file: &Path, origin: &mut HashMap<String, PathBuf>) {
    origin.insert(path.to_string(), file.to_path_buf());
    if let Value::Mapping(map) = value {
        for (k, v) in map {
            mark(v, &join(path, &key_text(k)), file, origin);
        }
    }
}

fn merge(
    base: Value,
    over: Value,
    path: &str,
    file: &Path,
    origin: &mut HashMap<String, PathBuf>,
) -> Value {
    match (base, over) {
        (Value::Mapping(mut base), Value::Mapping(over)) => {
            for (k, v) in over {
                let child = join(path, &key_text(&k));
                let merged = match base.remove(&k) {
                    Some(old) => merge(old, v, &child, file, origin),
                    None => {
                        mark(&v, &child, file, origin);
                        v
                    }
                };
                base.insert(k, merged);
            }
            Value::Mapping(base)
        }
        (_, over) => {
            mark(&over, path, file, origin);
            over
        }
    }
}

/// What a YAML value is, for "found …" in messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}
