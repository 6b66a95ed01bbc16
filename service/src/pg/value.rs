//! One column value, independent of any row struct, so rows can be loaded
//! and read back before (and without) the service's typed models.

use std::error::Error;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// A value as the schema stores it: every integer column is an `i64` here
/// (ids and timestamps are `BIGINT`, `priority` `INTEGER`), every string
/// `TEXT`. `Float` is for computed columns only (no table has one).
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Int(i64),
    Float(f64),
    Text(String),
    Null,
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(v)
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(SqlValue::Null, Into::into)
    }
}

/// Encoded as the type the server inferred for the placeholder: an `Int`
/// bound to an `INTEGER` column's comparison is sent as `int4` (an error
/// when it does not fit, never a silent wrap).
impl ToSql for SqlValue {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            SqlValue::Null => Ok(IsNull::Yes),
            SqlValue::Int(v) => match *ty {
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT8 => v.to_sql(ty, out),
                // A float parameter given an integer: exact up to 2^53.
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                _ => Err(format!("integer {v} given where the query expects {ty}").into()),
            },
            SqlValue::Float(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => Err(format!("float {v} given where the query expects {ty}").into()),
            },
            SqlValue::Text(v) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    v.as_str().to_sql(ty, out)
                }
                _ => Err(format!("text {v:?} given where the query expects {ty}").into()),
            },
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT2
                | Type::INT4
                | Type::INT8
                | Type::FLOAT4
                | Type::FLOAT8
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
        )
    }

    to_sql_checked!();
}

/// Column `idx` of `row` as a [`SqlValue`]; `None` for a type the schema
/// never produces (the caller names the column).
pub(crate) fn read_column(
    row: &postgres::Row,
    idx: usize,
) -> Option<Result<SqlValue, postgres::Error>> {
    let ty = row.columns().get(idx)?.type_().clone();
    let value = match ty {
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)
            .map(|v| v.map(i64::from).into()),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)
            .map(|v| v.map(i64::from).into()),
        Type::INT8 => row.try_get::<_, Option<i64>>(idx).map(Into::into),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)
            .map(|v| v.map(i64::from).into()),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)
            .map(|v| v.map_or(SqlValue::Null, |f| SqlValue::Float(f64::from(f)))),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)
            .map(|v| v.map_or(SqlValue::Null, SqlValue::Float)),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            row.try_get::<_, Option<String>>(idx).map(Into::into)
        }
        _ => return None,
    };
    Some(value)
}

/// `value` in COPY's text format: `\N` for NULL, backslash escapes for the
/// characters COPY reads specially.
pub(super) fn write_copy_text(value: &SqlValue, out: &mut String) {
    use std::fmt::Write;
    match value {
        SqlValue::Null => out.push_str("\\N"),
        SqlValue::Int(v) => {
            let _ = write!(out, "{v}");
        }
        // Rust's shortest round-trip form; PostgreSQL reads it exactly.
        SqlValue::Float(v) => {
            let _ = write!(out, "{v}");
        }
        SqlValue::Text(s) => {
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    _ => out.push(c),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut out = String::new();
        for v in [
            SqlValue::Text("a\tb\\c\nd\re".into()),
            SqlValue::Null,
            SqlValue::Int(-7),
            SqlValue::Text(r"\N".into()),
        ] {
            write_copy_text(&v, &mut out);
            out.push('|');
        }
        assert_eq!(out, "a\\tb\\\\c\\nd\\re|\\N|-7|\\\\N|");
    }
}
