//! `:name` placeholders (the query templates' form, `docs/service.md`) to
//! PostgreSQL's `$n`, with the values in `$n` order.
//!
//! Invariants: text inside string literals (`'...'`), quoted identifiers
//! (`"..."`) and comments (`--`, `/* */`) is never rewritten; a `::type`
//! cast is not a placeholder; a name used twice reuses its numbers; a list
//! expands to one number per element (`IN (:names)` → `IN ($1, $2, $3)`).
//! Not handled (the templates use none): `E'...'` backslash escapes and
//! dollar-quoted strings.

use std::collections::HashMap;

use super::value::SqlValue;

/// A parameter's value: one value, or a `string_list` expanded in place.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    One(SqlValue),
    List(Vec<SqlValue>),
}

/// SQL with `$n` placeholders and the values they stand for, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub sql: String,
    pub values: Vec<SqlValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    #[error(
        "the query uses :{name}, and no parameter of that name was given: pass it (or give it a default in queries.yaml)"
    )]
    Missing { name: String },
    #[error(
        "the list parameter :{name} is empty, and PostgreSQL has no `IN ()`: skip the query (it \
         matches no row) rather than run it"
    )]
    EmptyList { name: String },
}

/// Translates `sql`; parameters the SQL does not use are ignored (a
/// template's defaults may cover more than one query).
pub fn bind(sql: &str, params: &[(&str, Param)]) -> Result<Bound, PlaceholderError> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut values = Vec::new();
    let mut numbered: HashMap<&str, String> = HashMap::new();
    // Start of the text not yet copied to `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                i = skip_past(bytes, i + 1, &[quote]);
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = skip_past(bytes, i + 2, b"\n");
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_past(bytes, i + 2, b"*/");
            }
            b':' if bytes.get(i + 1) == Some(&b':') => i += 2,
            b':' if bytes.get(i + 1).is_some_and(|&b| is_name_start(b)) => {
                let start = i + 1;
                let mut end = start + 1;
                while end < bytes.len() && is_name_byte(bytes[end]) {
                    end += 1;
                }
                // Placeholder names are ASCII, so these are char boundaries.
                let name = &sql[start..end];
                out.push_str(&sql[copied..i]);
                let text = match numbered.get(name) {
                    Some(text) => text.clone(),
                    None => {
                        let text = number(name, params, &mut values)?;
                        numbered.insert(name, text.clone());
                        text
                    }
                };
                out.push_str(&text);
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    Ok(Bound { sql: out, values })
}

/// Appends `name`'s value(s) to `values`; returns the `$n` text for them.
fn number(
    name: &str,
    params: &[(&str, Param)],
    values: &mut Vec<SqlValue>,
) -> Result<String, PlaceholderError> {
    let Some((_, param)) = params.iter().find(|(n, _)| *n == name) else {
        return Err(PlaceholderError::Missing {
            name: name.to_string(),
        });
    };
    match param {
        Param::One(value) => {
            values.push(value.clone());
            Ok(format!("${}", values.len()))
        }
        Param::List(list) if list.is_empty() => Err(PlaceholderError::EmptyList {
            name: name.to_string(),
        }),
        Param::List(list) => {
            let numbers: Vec<String> = list
                .iter()
                .map(|value| {
                    values.push(value.clone());
                    format!("${}", values.len())
                })
                .collect();
            Ok(numbers.join(", "))
        }
    }
}

/// The index just past the first `end` at or after `from` (the end of the
/// text when there is none: an unterminated literal is the server's error).
fn skip_past(bytes: &[u8], from: usize, end: &[u8]) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.windows(end.len()).position(|w| w == end))
        .map_or(bytes.len(), |at| from + at + end.len())
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> SqlValue {
        SqlValue::Text(s.to_string())
    }

    #[test]
    fn scalars_are_numbered_in_order_of_first_use_and_reused() {
        let bound = bind(
            "SELECT id FROM tasks WHERE status = :status AND priority >= :p OR status = :status LIMIT :limit",
            &[
                ("limit", Param::One(SqlValue::Int(5))),
                ("status", Param::One(text("pending"))),
                ("p", Param::One(SqlValue::Int(3))),
            ],
        )
        .expect("bind");
        assert_eq!(
            bound.sql,
            "SELECT id FROM tasks WHERE status = $1 AND priority >= $2 OR status = $1 LIMIT $3"
        );
        assert_eq!(
            bound.values,
            [text("pending"), SqlValue::Int(3), SqlValue::Int(5)]
        );
    }

    #[test]
    fn a_list_expands_to_one_number_per_element() {
        let bound = bind(
            "SELECT * FROM sessions WHERE name IN (:names) AND status = :s",
            &[
                ("names", Param::List(vec![text("a"), text("b"), text("c")])),
                ("s", Param::One(text("idle"))),
            ],
        )
        .expect("bind");
        assert_eq!(
            bound.sql,
            "SELECT * FROM sessions WHERE name IN ($1, $2, $3) AND status = $4"
        );
        assert_eq!(bound.values.len(), 4);
    }

    #[test]
    fn literals_comments_and_casts_are_left_alone() {
        let sql = "SELECT ':no', \"a:b\", x::text, '' || 'it''s :no' -- :no\n/* :no */ FROM t WHERE y = :yes";
        let bound = bind(sql, &[("yes", Param::One(SqlValue::Null))]).expect("bind");
        assert_eq!(
            bound.sql,
            "SELECT ':no', \"a:b\", x::text, '' || 'it''s :no' -- :no\n/* :no */ FROM t WHERE y = $1"
        );
    }

    #[test]
    fn a_missing_or_empty_parameter_is_named() {
        let missing = bind("SELECT :a", &[]).expect_err("missing");
        assert_eq!(missing, PlaceholderError::Missing { name: "a".into() });
        assert!(missing.to_string().contains(":a"));
        let empty =
            bind("WHERE n IN (:names)", &[("names", Param::List(vec![]))]).expect_err("empty");
        assert!(empty.to_string().contains(":names"), "{empty}");
    }
}
