//! `QueryManager.build_query`: a template and the caller's parameters to
//! SQL with named placeholders and their values, a `string_list` expanded
//! to one placeholder per element (`:names` → `:names_0, :names_1`).

use std::collections::BTreeMap;

use super::error::QueryError;
use super::{Config, ParamType};

/// A parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Integer(i64),
    String(String),
    StringList(Vec<String>),
}

impl ParamValue {
    fn kind(&self) -> &'static str {
        match self {
            ParamValue::Integer(_) => "an integer",
            ParamValue::String(_) => "a string",
            ParamValue::StringList(_) => "a list of strings",
        }
    }
}

/// SQL ready to run: `:name` placeholders (never a list) and their values,
/// in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltQuery {
    pub sql: String,
    pub params: Vec<(String, ParamValue)>,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Config {
    /// Builds template `name` with `given` (missing ones take their
    /// defaults). An empty list expands to `NULL`, so `IN (NULL)` matches
    /// nothing on SQLite and PostgreSQL alike (PostgreSQL rejects `IN ()`).
    pub fn build_query(
        &self,
        name: &str,
        given: &BTreeMap<&str, ParamValue>,
    ) -> Result<BuiltQuery, QueryError> {
        let template = self
            .queries
            .get(name)
            .ok_or_else(|| QueryError::UnknownQuery {
                name: name.into(),
                known: self.queries.keys().cloned().collect::<Vec<_>>().join(", "),
            })?;
        let mut values: BTreeMap<&str, ParamValue> = BTreeMap::new();
        for spec in &template.params {
            let value = given
                .get(spec.name.as_str())
                .or(spec.default.as_ref())
                .ok_or_else(|| QueryError::MissingParam {
                    query: name.into(),
                    param: spec.name.clone(),
                })?;
            let (ok, expected) = match (spec.kind, value) {
                (ParamType::Integer, ParamValue::Integer(_)) => (true, "an integer"),
                (ParamType::String, ParamValue::String(_)) => (true, "a string"),
                (ParamType::StringList, ParamValue::StringList(_)) => (true, "a list of strings"),
                (ParamType::Integer, _) => (false, "an integer"),
                (ParamType::String, _) => (false, "a string"),
                (ParamType::StringList, _) => (false, "a list of strings"),
            };
            if !ok {
                return Err(QueryError::WrongParam {
                    query: name.into(),
                    param: spec.name.clone(),
                    expected,
                    found: value.kind(),
                });
            }
            values.insert(spec.name.as_str(), value.clone());
        }
        let mut sql = String::with_capacity(template.sql.len());
        let mut params = Vec::new();
        let mut rest = template.sql.as_str();
        while let Some(at) = rest.find(':') {
            sql.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            // `::` is a PostgreSQL cast, not a placeholder.
            if let Some(stripped) = after.strip_prefix(':') {
                sql.push_str("::");
                rest = stripped;
                continue;
            }
            let end = after.find(|c| !is_ident(c)).unwrap_or(after.len());
            let ident = &after[..end];
            match values.get(ident) {
                Some(ParamValue::StringList(items)) if items.is_empty() => sql.push_str("NULL"),
                Some(ParamValue::StringList(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        let key = format!("{ident}_{i}");
                        sql.push(':');
                        sql.push_str(&key);
                        params.push((key, ParamValue::String(item.clone())));
                    }
                }
                Some(value) => {
                    sql.push(':');
                    sql.push_str(ident);
                    if !params.iter().any(|(k, _)| k == ident) {
                        params.push((ident.to_string(), value.clone()));
                    }
                }
                None => {
                    sql.push(':');
                    sql.push_str(ident);
                }
            }
            rest = &after[end..];
        }
        sql.push_str(rest);
        Ok(BuiltQuery { sql, params })
    }
}
