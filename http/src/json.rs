//! JSON bodies byte-identical to Flask's `jsonify` (Flask 3's default
//! provider: `json.dumps` with `ensure_ascii=True`, `sort_keys=True`,
//! separators `(",", ":")`, then a newline).
//!
//! serde_json already writes the compact form and Python's escapes for
//! `"`, `\`, and control characters (`\n`, `\u001f`, lowercase hex). What
//! differs, and is done here: every character from U+007F up is written as
//! `\uXXXX` (UTF-16 code units, so astral characters become surrogate
//! pairs), and floats are written as Python's `repr` writes them.
//!
//! Key order is the caller's invariant: every type serialised here declares
//! its fields in sorted (byte) order, as `sort_keys` would emit them; the
//! reply types' tests pin that order.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// The formatter writing Python's `ensure_ascii` strings and `repr` floats.
#[derive(Debug, Clone, Copy, Default)]
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if u32::from(c) < 0x7f {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = at + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_repr(value).as_bytes())
    }
}

/// `repr(value)` of a finite Python float: the shortest digits that round
/// trip, positional for decimal exponents -4..=15, else `d.ddde±XX`.
pub fn python_repr(value: f64) -> String {
    // `{:e}` gives the shortest round-trip digits as `d.ddde<exp>`.
    let sci = format!("{value:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        // Display is positional with the same shortest digits.
        let positional = format!("{value}");
        if positional.contains('.') {
            positional
        } else {
            format!("{positional}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// `value` as Flask's `jsonify` writes it, trailing newline included.
pub fn to_body<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let mut serializer = Serializer::with_formatter(&mut out, PythonFormatter);
    // Serialising the reply types (strings, integers, finite floats,
    // options, vectors) into memory cannot fail; should a future type add
    // a map with non-string keys, the error is visible, not a panic.
    if let Err(err) = value.serialize(&mut serializer) {
        out =
            format!("{{\"error\":\"cannot encode the reply: {err}\",\"field\":null}}").into_bytes();
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python: `json.dumps("h\u00e9\U0001F600\x7f\n\"", ensure_ascii=True)`.
    #[test]
    fn strings_escape_as_ensure_ascii_does() {
        let body = to_body("hé😀\u{7f}\n\"~");
        assert_eq!(
            String::from_utf8_lossy(&body),
            "\"h\\u00e9\\ud83d\\ude00\\u007f\\n\\\"~\"\n"
        );
        assert_eq!(to_body("\u{1f}"), b"\"\\u001f\"\n");
    }

    /// Each expected string is CPython 3.11's `repr` of the same float.
    #[test]
    fn floats_format_as_python_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (5.0, "5.0"),
            (20.0 / 3.0, "6.666666666666667"),
            (1.0 / 60.0, "0.016666666666666666"),
            (-1.5, "-1.5"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789012.25, "123456789012.25"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (value, python) in cases {
            assert_eq!(python_repr(value), python, "{value:?}");
        }
    }
}
