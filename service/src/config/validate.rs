//! The merged YAML document checked field by field into [`Config`]: every
//! mismatch is a [`ConfigError`] naming the file that set the key.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::error::ConfigError;
use super::merge::{Merged, describe};
use super::{
    Config, ParamSpec, ParamType, ParamValue, QueryTemplate, RouteRule, RoutingRules, SlaRules,
    SlaTarget,
};

/// Walks the document with the key path it is at.
struct Check<'a> {
    merged: &'a Merged,
}

impl Check<'_> {
    fn wrong(&self, key: &str, expected: &'static str, found: &Value, fix: &str) -> ConfigError {
        ConfigError::WrongType {
            file: self.merged.file_of(key),
            key: key.into(),
            expected,
            found: describe(found),
            fix: fix.into(),
        }
    }

    fn missing(&self, key: &str, fix: &str) -> ConfigError {
        ConfigError::Missing {
            file: self.merged.file_of(key),
            key: key.into(),
            fix: fix.into(),
        }
    }

    fn field<'v>(&self, map: &'v Value, parent: &str, key: &str) -> Result<&'v Value, ConfigError> {
        map.get(key).ok_or_else(|| {
            self.missing(
                &join(parent, key),
                &format!("add `{key}:` under `{parent}`"),
            )
        })
    }

    fn mapping<'v>(
        &self,
        value: &'v Value,
        key: &str,
    ) -> Result<&'v serde_norway::Mapping, ConfigError> {
        value.as_mapping().ok_or_else(|| {
            self.wrong(
                key,
                "a mapping",
                value,
                "indent `name: value` lines under it",
            )
        })
    }

    fn int(&self, value: &Value, key: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
        match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(self.wrong(
                key,
                if min > i64::MIN {
                    "an integer in range"
                } else {
                    "an integer"
                },
                value,
                &format!("write a whole number from {min} to {max}"),
            )),
        }
    }

    fn boolean(&self, value: &Value, key: &str) -> Result<bool, ConfigError> {
        value
            .as_bool()
            .ok_or_else(|| self.wrong(key, "a boolean", value, "write true or false"))
    }

    fn string(&self, value: &Value, key: &str) -> Result<String, ConfigError> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.wrong(key, "a string", value, "quote the text"))
    }

    fn strings(&self, value: &Value, key: &str) -> Result<Vec<String>, ConfigError> {
        let items = value.as_sequence().ok_or_else(|| {
            self.wrong(
                key,
                "a list of strings",
                value,
                "write [\"name\", ...] or [] for none",
            )
        })?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.string(item, &format!("{key}[{i}]")))
            .collect()
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn key_name(check: &Check<'_>, key: &Value, parent: &str) -> Result<String, ConfigError> {
    key.as_str()
        .map(str::to_string)
        .ok_or_else(|| check.wrong(parent, "a mapping with string keys", key, "quote the key"))
}

pub fn config(merged: &Merged) -> Result<Config, ConfigError> {
    let check = Check { merged };
    let root = &merged.value;
    Ok(Config {
        sla: sla(&check, root)?,
        routing: routing(&check, root)?,
        queries: queries(&check, root)?,
    })
}

fn sla_target(check: &Check<'_>, value: &Value, key: &str) -> Result<SlaTarget, ConfigError> {
    check.mapping(value, key)?;
    Ok(SlaTarget {
        target_minutes: check.int(
            check.field(value, key, "target_minutes")?,
            &join(key, "target_minutes"),
            1,
            i64::from(i32::MAX),
        )?,
        warning_percent: check.int(
            check.field(value, key, "warning_percent")?,
            &join(key, "warning_percent"),
            1,
            100,
        )?,
    })
}

fn sla(check: &Check<'_>, root: &Value) -> Result<SlaRules, ConfigError> {
    let section = check.field(root, "", "sla_targets")?;
    let map = check.mapping(section, "sla_targets")?;
    let mut targets = BTreeMap::new();
    let mut default = None;
    for (k, v) in map {
        let name = key_name(check, k, "sla_targets")?;
        let target = sla_target(check, v, &join("sla_targets", &name))?;
        if name == "default" {
            default = Some(target);
        } else {
            targets.insert(name, target);
        }
    }
    let default = default.ok_or_else(|| {
        check.missing(
            "sla_targets.default",
            "add `default: {target_minutes: 30, warning_percent: 80}` under sla_targets: \
             task types without an entry use it",
        )
    })?;
    Ok(SlaRules { targets, default })
}

fn route_rule(check: &Check<'_>, value: &Value, key: &str) -> Result<RouteRule, ConfigError> {
    check.mapping(value, key)?;
    let optional_list = |field: &str| -> Result<Vec<String>, ConfigError> {
        match value.get(field) {
            None => Ok(Vec::new()),
            Some(v) => check.strings(v, &join(key, field)),
        }
    };
    Ok(RouteRule {
        requires_env: check.boolean(
            check.field(value, key, "requires_env")?,
            &join(key, "requires_env"),
        )?,
        preferred_sessions: optional_list("preferred_sessions")?,
        excluded_sessions: optional_list("excluded_sessions")?,
        priority: match value.get("priority") {
            None => 0,
            Some(v) => check.int(v, &join(key, "priority"), i64::MIN, i64::MAX)?,
        },
        timeout_minutes: check.int(
            check.field(value, key, "timeout_minutes")?,
            &join(key, "timeout_minutes"),
            1,
            i64::from(i32::MAX),
        )?,
    })
}

fn routing(check: &Check<'_>, root: &Value) -> Result<RoutingRules, ConfigError> {
    let section = check.field(root, "", "environment_routing")?;
    let map = check.mapping(section, "environment_routing")?;
    let mut environments = BTreeMap::new();
    let mut default = None;
    for (k, v) in map {
        let name = key_name(check, k, "environment_routing")?;
        let rule = route_rule(check, v, &join("environment_routing", &name))?;
        if name == "default" {
            default = Some(rule);
        } else {
            environments.insert(name, rule);
        }
    }
    let default = default.ok_or_else(|| {
        check.missing(
            "environment_routing.default",
            "add a `default:` rule under environment_routing (requires_env: false, \
             timeout_minutes: 120): environments without an entry use it",
        )
    })?;
    let health = check.field(root, "", "session_health")?;
    check.mapping(health, "session_health")?;
    let timeout = check.int(
        check.field(health, "session_health", "heartbeat_timeout_seconds")?,
        "session_health.heartbeat_timeout_seconds",
        1,
        i64::from(i32::MAX),
    )?;
    Ok(RoutingRules {
        environments,
        default,
        heartbeat_timeout_seconds: timeout,
    })
}

fn param(check: &Check<'_>, value: &Value, key: &str) -> Result<ParamSpec, ConfigError> {
    check.mapping(value, key)?;
    let name = check.string(check.field(value, key, "name")?, &join(key, "name"))?;
    let type_key = join(key, "type");
    let type_value = check.field(value, key, "type")?;
    let kind = match type_value.as_str() {
        Some("integer") => ParamType::Integer,
        Some("string") => ParamType::String,
        Some("string_list") => ParamType::StringList,
        _ => {
            return Err(check.wrong(
                &type_key,
                "one of integer, string, string_list",
                type_value,
                "write integer, string or string_list",
            ));
        }
    };
    let default_key = join(key, "default");
    let default = match value.get("default") {
        None => None,
        Some(v) => Some(match kind {
            ParamType::Integer => {
                ParamValue::Integer(check.int(v, &default_key, i64::MIN, i64::MAX)?)
            }
            ParamType::String => ParamValue::String(check.string(v, &default_key)?),
            ParamType::StringList => ParamValue::StringList(check.strings(v, &default_key)?),
        }),
    };
    Ok(ParamSpec {
        name,
        kind,
        default,
    })
}

fn queries(
    check: &Check<'_>,
    root: &Value,
) -> Result<BTreeMap<String, QueryTemplate>, ConfigError> {
    let section = check.field(root, "", "queries")?;
    let map = check.mapping(section, "queries")?;
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let name = key_name(check, k, "queries")?;
        let key = join("queries", &name);
        check.mapping(v, &key)?;
        let description = match v.get("description") {
            None => String::new(),
            Some(d) => check.string(d, &join(&key, "description"))?,
        };
        let sql = check.string(check.field(v, &key, "sql")?, &join(&key, "sql"))?;
        let params_key = join(&key, "params");
        let empty_list = Value::Sequence(Vec::new());
        let params_value = v.get("params").unwrap_or(&empty_list);
        let items = params_value.as_sequence().ok_or_else(|| {
            check.wrong(
                &params_key,
                "a list of {name, type} mappings",
                params_value,
                "write `- name: x` / `  type: integer` items, or [] for none",
            )
        })?;
        let params = items
            .iter()
            .enumerate()
            .map(|(i, p)| param(check, p, &format!("{params_key}[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        out.insert(
            name,
            QueryTemplate {
                description,
                sql,
                params,
            },
        );
    }
    Ok(out)
}
