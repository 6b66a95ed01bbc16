//! Seed 000's feature flags, and who decides a component's percentage.
//!
//! Seed 000 ("Feature Flag System") switches each migrated component with an
//! environment variable (`ENABLE_CONDON_ANALYTICS=true`, …) and with a Redis
//! key of the same name (`feature_flag:ENABLE_CONDON_ANALYTICS`, set with an
//! expiry). Here either one *forces* the component: `true` sends every call
//! to the twin (100%), `false` none (0%), whatever the rollout controller
//! decided. Precedence, highest first:
//!
//! 1. the environment variable (the process's own configuration: an
//!    operator who pins a worker means it);
//! 2. the Redis key `feature_flag:<NAME>` while it exists (shared by every
//!    worker; it expires, and the controller's percentage applies again);
//! 3. the rollout controller's percentage.
//!
//! A force changes only the routing: samples are still reported to the
//! controller, which keeps counting and deciding periods underneath.

use std::fmt;

/// Seed 000's four flags, which are also the components' names.
pub const SEED_FLAGS: [&str; 4] = [
    "ENABLE_CONDON_ANALYTICS",
    "ENABLE_CONDON_AI_DETECTION",
    "ENABLE_CONDON_MONITORING",
    "ENABLE_HYBRID_COLLABORATION",
];

/// The values a flag accepts, as the error messages list them.
pub const ACCEPTED: &str = "true, false, 1 or 0 (any case)";

/// Why a flag or component name could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    #[error("{source_name} is {value:?}: a feature flag must be {ACCEPTED}")]
    BadValue {
        /// The variable or Redis key that held the value.
        source_name: String,
        value: String,
    },
    #[error("environment variable {name} is not valid UTF-8: a feature flag must be {ACCEPTED}")]
    NotUnicode { name: String },
    #[error(
        "component name {0:?} is not a flag name: use 1 to 100 of A-Z, 0-9 and _ (such as \
         ENABLE_CONDON_ANALYTICS), as it names an environment variable and a Redis key"
    )]
    BadComponent(String),
}

/// A component's name: its flag's name, `[A-Z0-9_]{1,100}`, so it is a valid
/// environment variable name and a Redis key part without quoting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Component(String);

impl Component {
    pub fn new(name: &str) -> Result<Self, FlagError> {
        let ok = !name.is_empty()
            && name.len() <= 100
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(name.to_string()))
        } else {
            Err(FlagError::BadComponent(name.to_string()))
        }
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// The seed's Redis key for this component's flag.
    pub fn flag_key(&self) -> String {
        format!("feature_flag:{}", self.0)
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a flag's value: `true`/`1` on, `false`/`0` off, any case, spaces
/// around ignored; anything else is an error naming `source_name` (the
/// variable or key) and the accepted values, never a silent "off".
pub fn parse_flag(source_name: &str, value: &str) -> Result<bool, FlagError> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("true") || v == "1" {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") || v == "0" {
        Ok(false)
    } else {
        Err(FlagError::BadValue {
            source_name: source_name.to_string(),
            value: value.to_string(),
        })
    }
}

/// A component's environment flag from `lookup` (the variable's value, if
/// set): `None` when unset.
pub fn env_flag_from(
    component: &Component,
    lookup: impl FnOnce(&str) -> Option<std::ffi::OsString>,
) -> Result<Option<bool>, FlagError> {
    let name = component.name();
    match lookup(name) {
        None => Ok(None),
        Some(raw) => {
            let value = raw.into_string().map_err(|_| FlagError::NotUnicode {
                name: name.to_string(),
            })?;
            parse_flag(name, &value).map(Some)
        }
    }
}

/// A component's environment flag from this process's environment.
pub fn env_flag(component: &Component) -> Result<Option<bool>, FlagError> {
    env_flag_from(component, |name| std::env::var_os(name))
}

/// Who set the percentage a call is routed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The component's environment variable.
    Env,
    /// The Redis key `feature_flag:<NAME>`.
    RedisFlag,
    /// The rollout controller.
    Controller,
}

/// The percentage a component's calls are routed by, and who set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routing {
    /// 0..=100.
    pub percent: u8,
    pub source: Source,
}

/// The precedence (module doc): the environment flag, else the Redis flag,
/// else the controller's percentage. A flag forces 100 (on) or 0 (off).
pub fn effective(env: Option<bool>, redis: Option<bool>, controller_percent: u8) -> Routing {
    let forced = |on: bool| if on { 100 } else { 0 };
    match (env, redis) {
        (Some(on), _) => Routing {
            percent: forced(on),
            source: Source::Env,
        },
        (None, Some(on)) => Routing {
            percent: forced(on),
            source: Source::RedisFlag,
        },
        (None, None) => Routing {
            percent: controller_percent.min(100),
            source: Source::Controller,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    #[test]
    fn flag_values_true_false_one_zero_any_case() {
        for v in ["true", "TRUE", "True", "1", " true\n"] {
            assert_eq!(parse_flag("X", v), Ok(true), "{v:?}");
        }
        for v in ["false", "FALSE", "fAlSe", "0", "0 "] {
            assert_eq!(parse_flag("X", v), Ok(false), "{v:?}");
        }
    }

    #[test]
    fn other_flag_values_are_errors_naming_the_variable_and_the_accepted_values() {
        for v in ["", "yes", "on", "2", "truee", "-1"] {
            let e = parse_flag("ENABLE_CONDON_ANALYTICS", v).expect_err(v);
            let text = e.to_string();
            assert!(text.contains("ENABLE_CONDON_ANALYTICS"), "{text}");
            assert!(text.contains(ACCEPTED), "{text}");
        }
    }

    #[test]
    fn env_flags_read_the_components_variable() {
        let c = Component::new("ENABLE_CONDON_MONITORING").expect("valid");
        let env = |value: Option<&str>| {
            env_flag_from(&c, |name| {
                assert_eq!(name, "ENABLE_CONDON_MONITORING");
                value.map(OsString::from)
            })
        };
        assert_eq!(env(None), Ok(None));
        assert_eq!(env(Some("true")), Ok(Some(true)));
        assert_eq!(env(Some("0")), Ok(Some(false)));
        assert!(matches!(
            env(Some("maybe")),
            Err(FlagError::BadValue { source_name, .. }) if source_name == "ENABLE_CONDON_MONITORING"
        ));
    }

    #[test]
    fn env_beats_the_redis_flag_which_beats_the_controller() {
        let r = |percent, source| Routing { percent, source };
        assert_eq!(effective(None, None, 15), r(15, Source::Controller));
        assert_eq!(effective(None, Some(true), 15), r(100, Source::RedisFlag));
        assert_eq!(effective(None, Some(false), 15), r(0, Source::RedisFlag));
        assert_eq!(effective(Some(false), Some(true), 15), r(0, Source::Env));
        assert_eq!(effective(Some(true), Some(false), 0), r(100, Source::Env));
        assert_eq!(effective(Some(true), None, 5), r(100, Source::Env));
    }

    #[test]
    fn component_names_are_flag_names() {
        for name in SEED_FLAGS {
            let c = Component::new(name).expect(name);
            assert_eq!(c.flag_key(), format!("feature_flag:{name}"));
        }
        for bad in ["", "lower", "A B", "A:B", "É"] {
            assert_eq!(
                Component::new(bad),
                Err(FlagError::BadComponent(bad.to_string()))
            );
        }
    }
}
