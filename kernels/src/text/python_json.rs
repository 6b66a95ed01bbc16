//! `json.loads` and `json.dumps` (default arguments) as CPython 3.11 does
//! them, where a kernel's answer is a parsed document or a serialised
//! string: the LLM monitor's JSON extraction (K3.1) returns `json.loads`'
//! dict, and the performance monitor's cache key hashes `json.dumps`
//! bytes.
//!
//! What must match:
//!
//! - **Grammar** (the C scanner): whitespace is only space, tab, newline
//!   and carriage return; `NaN`, `Infinity` and `-Infinity` are values;
//!   numbers are `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?` in ASCII
//!   digits, an integer when there is neither fraction nor exponent
//!   (arbitrary precision, kept as its digits), else `float(text)`
//!   (correctly rounded, `1e400` is `inf`); strings reject raw control
//!   characters below U+0020, decode `\uXXXX` escapes, join an escaped high
//!   surrogate with an escaped low one and keep lone surrogates (so a
//!   string is UTF-16 code units here); nothing but whitespace may follow
//!   the document.
//! - **Objects**: a repeated key keeps its first position and its last
//!   value (`dict(pairs)`).
//! - **Integers of more than 4,300 digits** raise `ValueError`, not
//!   `JSONDecodeError` ([`LoadError::IntegerTooLong`]); nesting deeper
//!   than the interpreter's recursion allows raises `RecursionError`
//!   ([`LoadError::TooDeep`]; the exact depth depends on the caller's
//!   stack, so documents that deep are refused, not reproduced).
//! - **dumps**: `ensure_ascii` (every character outside `' '..='~'`
//!   escaped, `\n`-style for the five short escapes, else `\u` with four
//!   lower-case hex digits, astral characters as surrogate pairs),
//!   separators `", "` and `": "`, floats by `repr` (shortest round trip,
//!   exponent form when the decimal point is more than 16 places right or
//!   4 or more places left of the first digit), `NaN`, `Infinity`,
//!   `-Infinity`; with `sort_keys=True` ([`dumps_sorted`]) each object's
//!   keys by code point, as `sorted()` orders `str`s.

use crate::fast_hash::FastMap;

/// A JSON value as Python holds it after `json.loads`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// An `int`: its decimal digits with an optional leading `-` (never
    /// `-0`: Python's `int("-0")` is `0`).
    Int(String),
    Float(f64),
    /// A `str` as UTF-16 code units (lone surrogates included).
    Str(Vec<u16>),
    List(Vec<Value>),
    /// A `dict` in insertion order, keys unique.
    Dict(Vec<(Vec<u16>, Value)>),
}

/// Why `json.loads` raised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// `json.JSONDecodeError` (a `ValueError` subclass), at this byte
    /// offset (Python reports the character offset; only the class is
    /// compared).
    #[error("JSONDecodeError: {what} at character {at}")]
    Decode { what: &'static str, at: usize },
    /// `ValueError: Exceeds the limit (4300 digits) for integer string
    /// conversion`.
    #[error("ValueError: integer of more than 4300 digits")]
    IntegerTooLong,
    /// `RecursionError`.
    #[error("RecursionError: document nested deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// CPython 3.11's `sys.get_int_max_str_digits()` default.
const MAX_INT_DIGITS: usize = 4_300;
/// Nesting refused as too deep (the interpreter's limit is 1,000 frames,
/// of which the caller uses some).
pub const MAX_DEPTH: usize = 900;

/// `json.loads(text)`.
pub fn loads(text: &str) -> Result<Value, LoadError> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        depth: 0,
    };
    let start = p.skip_ws(0);
    let (value, end) = p.value(start)?;
    let end = p.skip_ws(end);
    if end != text.len() {
        return Err(LoadError::Decode {
            what: "Extra data",
            at: end,
        });
    }
    Ok(value)
}

/// Positions are byte offsets into `text`: every byte the grammar looks at
/// is ASCII, and a non-ASCII character only occurs inside a string, where
/// it is decoded whole.
struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    depth: usize,
}

fn decode(what: &'static str, at: usize) -> LoadError {
    LoadError::Decode { what, at }
}

impl Parser<'_> {
    fn skip_ws(&self, mut i: usize) -> usize {
        while i < self.s.len() && matches!(self.s[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    fn starts_with(&self, i: usize, word: &str) -> bool {
        self.s
            .get(i..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
    }

    /// `scan_once(s, i)`: a value starting exactly at `i`, and where it ends.
    fn value(&mut self, i: usize) -> Result<(Value, usize), LoadError> {
        let Some(&c) = self.s.get(i) else {
            return Err(decode("Expecting value", i));
        };
        match c {
            b'"' => self.string(i + 1).map(|(s, end)| (Value::Str(s), end)),
            b'{' => self.nested(|p| p.object(i + 1)),
            b'[' => self.nested(|p| p.array(i + 1)),
            b'n' if self.starts_with(i, "null") => Ok((Value::Null, i + 4)),
            b't' if self.starts_with(i, "true") => Ok((Value::Bool(true), i + 4)),
            b'f' if self.starts_with(i, "false") => Ok((Value::Bool(false), i + 5)),
            b'N' if self.starts_with(i, "NaN") => Ok((Value::Float(f64::NAN), i + 3)),
            b'I' if self.starts_with(i, "Infinity") => Ok((Value::Float(f64::INFINITY), i + 8)),
            b'-' if self.starts_with(i, "-Infinity") => {
                Ok((Value::Float(f64::NEG_INFINITY), i + 9))
            }
            _ => self.number(i),
        }
    }

    fn nested(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<(Value, usize), LoadError>,
    ) -> Result<(Value, usize), LoadError> {
        if self.depth >= MAX_DEPTH {
            return Err(LoadError::TooDeep);
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn number(&self, start: usize) -> Result<(Value, usize), LoadError> {
        let s = self.s;
        let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
        let mut i = start;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        if s.get(i) == Some(&b'0') {
            i += 1;
        } else if digit(i) {
            while digit(i) {
                i += 1;
            }
        } else {
            return Err(decode("Expecting value", start));
        }
        let integer_end = i;
        if s.get(i) == Some(&b'.') && digit(i + 1) {
            i += 2;
            while digit(i) {
                i += 1;
            }
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(s.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if digit(j) {
                while digit(j) {
                    j += 1;
                }
                i = j;
            }
        }
        let text = &self.text[start..i];
        if i == integer_end {
            let digits = text.trim_start_matches('-');
            if digits.len() > MAX_INT_DIGITS {
                return Err(LoadError::IntegerTooLong);
            }
            let value = if digits == "0" { "0" } else { text }.to_string();
            Ok((Value::Int(value), i))
        } else {
            // The grammar above only admits what Rust's parser accepts.
            let x: f64 = text.parse().map_err(|_| decode("Expecting value", start))?;
            Ok((Value::Float(x), i))
        }
    }

    /// `scanstring`: the string whose opening quote is just before `i`.
    fn string(&self, mut i: usize) -> Result<(Vec<u16>, usize), LoadError> {
        let s = self.s;
        let begin = i.saturating_sub(1);
        let mut out = Vec::new();
        loop {
            let Some(&c) = s.get(i) else {
                return Err(decode("Unterminated string starting at", begin));
            };
            match c {
                b'"' => return Ok((out, i + 1)),
                b'\\' => {
                    let Some(&e) = s.get(i + 1) else {
                        return Err(decode("Unterminated string starting at", begin));
                    };
                    i += 2;
                    match e {
                        b'"' => out.push(u16::from(b'"')),
                        b'\\' => out.push(u16::from(b'\\')),
                        b'/' => out.push(u16::from(b'/')),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(0x0a),
                        b'r' => out.push(0x0d),
                        b't' => out.push(0x09),
                        // An escaped high surrogate followed by an escaped
                        // low one is one character to Python: in UTF-16 it
                        // is these same two units.
                        b'u' => {
                            out.push(self.hex4(i)?);
                            i += 4;
                        }
                        _ => return Err(decode("Invalid \\escape", i - 2)),
                    }
                }
                c if c < 0x20 => return Err(decode("Invalid control character at", i)),
                c if c.is_ascii() => {
                    out.push(u16::from(c));
                    i += 1;
                }
                _ => {
                    let Some(ch) = self.text[i..].chars().next() else {
                        return Err(decode("Unterminated string starting at", begin));
                    };
                    let mut buf = [0u16; 2];
                    out.extend_from_slice(ch.encode_utf16(&mut buf));
                    i += ch.len_utf8();
                }
            }
        }
    }

    fn hex4(&self, i: usize) -> Result<u16, LoadError> {
        let digits = self
            .s
            .get(i..i + 4)
            .ok_or(decode("Invalid \\uXXXX escape", i.saturating_sub(1)))?;
        let mut unit = 0u16;
        for &d in digits {
            let v = char::from(d)
                .to_digit(16)
                .ok_or(decode("Invalid \\uXXXX escape", i - 1))?;
            unit = unit * 16 + v as u16;
        }
        Ok(unit)
    }

    fn array(&mut self, i: usize) -> Result<(Value, usize), LoadError> {
        let mut items = Vec::new();
        let mut i = self.skip_ws(i);
        if self.s.get(i) == Some(&b']') {
            return Ok((Value::List(items), i + 1));
        }
        loop {
            let (v, end) = self.value(i)?;
            items.push(v);
            i = self.skip_ws(end);
            match self.s.get(i) {
                Some(b']') => return Ok((Value::List(items), i + 1)),
                Some(b',') => {
                    i = self.skip_ws(i + 1);
                    if self.s.get(i) == Some(&b']') {
                        return Err(decode("Illegal trailing comma before end of array", i));
                    }
                }
                _ => return Err(decode("Expecting ',' delimiter", i)),
            }
        }
    }

    fn object(&mut self, i: usize) -> Result<(Value, usize), LoadError> {
        let mut pairs: Vec<(Vec<u16>, Value)> = Vec::new();
        let mut index: FastMap<Vec<u16>, usize> = FastMap::default();
        let mut i = self.skip_ws(i);
        if self.s.get(i) == Some(&b'}') {
            return Ok((Value::Dict(pairs), i + 1));
        }
        loop {
            if self.s.get(i) != Some(&b'"') {
                return Err(decode(
                    "Expecting property name enclosed in double quotes",
                    i,
                ));
            }
            let (key, end) = self.string(i + 1)?;
            i = self.skip_ws(end);
            if self.s.get(i) != Some(&b':') {
                return Err(decode("Expecting ':' delimiter", i));
            }
            i = self.skip_ws(i + 1);
            let (value, end) = self.value(i)?;
            match index.get(&key) {
                Some(&at) => pairs[at].1 = value,
                None => {
                    index.insert(key.clone(), pairs.len());
                    pairs.push((key, value));
                }
            }
            i = self.skip_ws(end);
            match self.s.get(i) {
                Some(b'}') => return Ok((Value::Dict(pairs), i + 1)),
                Some(b',') => {
                    i = self.skip_ws(i + 1);
                    if self.s.get(i) == Some(&b'}') {
                        return Err(decode("Illegal trailing comma before end of object", i));
                    }
                }
                _ => return Err(decode("Expecting ',' delimiter", i)),
            }
        }
    }
}

/// `repr(x)` of a Python float.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // Rust's `{:e}` gives a shortest round-trip digit string, but where
    // two strings of that length are equally near it may pick the other
    // one; Python's repr picks the correctly rounded one (half to even),
    // which is what formatting to that many digits gives.
    let shortest = format!("{x:e}");
    let digits = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let sci = format!("{x:.*e}", digits.saturating_sub(1));
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // The value is 0.d1d2… × 10^decpt.
    let decpt = exponent + 1;
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    if !(-4 < decpt && decpt <= 16) {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let e = decpt - 1;
        let esign = if e < 0 { '-' } else { '+' };
        return format!("{sign}{first}{point}e{esign}{:02}", e.unsigned_abs());
    }
    let n = digits.len() as i32;
    if decpt <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(decpt.unsigned_abs() as usize)
        )
    } else if decpt >= n {
        format!("{sign}{digits}{}.0", "0".repeat((decpt - n) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// `json.dumps(value)`.
pub fn dumps(value: &Value) -> String {
    let mut out = String::new();
    dump_into(value, &mut out, false);
    out
}

/// `json.dumps(value, sort_keys=True)`: every object's keys in the order
/// `sorted()` gives Python `str`s, by code point ([`key_order`]).
pub fn dumps_sorted(value: &Value) -> String {
    let mut out = String::new();
    dump_into(value, &mut out, true);
    out
}

/// How Python orders two `str` keys held as UTF-16 units: by code point,
/// so an astral character (a surrogate pair, units from U+D800) sorts
/// after U+E000..U+FFFF, unlike a comparison of the units; a lone
/// surrogate is the code point of its unit.
pub fn key_order(a: &[u16], b: &[u16]) -> std::cmp::Ordering {
    let points = |units: &[u16]| {
        char::decode_utf16(units.iter().copied())
            .map(|r| r.map_or_else(|e| u32::from(e.unpaired_surrogate()), u32::from))
            .collect::<Vec<u32>>()
    };
    if a.iter().chain(b).all(|&u| !(0xd800..0xe000).contains(&u)) {
        return a.cmp(b);
    }
    points(a).cmp(&points(b))
}

fn dump_str(units: &[u16], out: &mut String) {
    out.push('"');
    for &u in units {
        dump_unit(u, out);
    }
    out.push('"');
}

/// One UTF-16 code unit as `json.dumps` (`ensure_ascii`) writes it.
/// Always inlined: it is the body of every string's loop (the contextual
/// manager dumps every analysis; the instruction gate counts this at
/// opt-level 1, where a call per unit cost 3.5%).
#[inline(always)]
fn dump_unit(u: u16, out: &mut String) {
    match u {
        0x22 => out.push_str("\\\""),
        0x5c => out.push_str("\\\\"),
        0x0a => out.push_str("\\n"),
        0x0d => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        0x20..=0x7e => out.push(char::from(u as u8)),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let mut escape = *b"\\u0000";
            for (digit, shift) in escape[2..].iter_mut().zip([12, 8, 4, 0]) {
                *digit = HEX[usize::from((u >> shift) & 0xf)];
            }
            // Six ASCII bytes: always valid UTF-8.
            if let Ok(text) = std::str::from_utf8(&escape) {
                out.push_str(text);
            }
        }
    }
}

/// `json.dumps(s)` of a Python `str` given as UTF-8, appended to `out`:
/// the same text [`dumps`] writes for `Value::Str` of its UTF-16 units
/// (astral characters as surrogate pairs), without building the value.
pub fn dump_str_into(s: &str, out: &mut String) {
    out.push('"');
    let mut units = [0u16; 2];
    for c in s.chars() {
        for &u in c.encode_utf16(&mut units).iter() {
            dump_unit(u, out);
        }
    }
    out.push('"');
}

fn dump_into(value: &Value, out: &mut String, sort_keys: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(digits) => out.push_str(digits),
        Value::Float(x) if x.is_nan() => out.push_str("NaN"),
        Value::Float(x) if x.is_infinite() => {
            out.push_str(if *x > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Value::Float(x) => out.push_str(&float_repr(*x)),
        Value::Str(units) => dump_str(units, out),
        Value::List(items) => {
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                dump_into(item, out, sort_keys);
            }
            out.push(']');
        }
        Value::Dict(pairs) => {
            out.push('{');
            let mut write = |k: usize, (key, item): &(Vec<u16>, Value)| {
                if k > 0 {
                    out.push_str(", ");
                }
                dump_str(key, out);
                out.push_str(": ");
                dump_into(item, out, sort_keys);
            };
            if sort_keys {
                // Sorted through references: the dict itself keeps its
                // insertion order, and unsorted dumps allocate nothing.
                let mut order: Vec<&(Vec<u16>, Value)> = pairs.iter().collect();
                order.sort_by(|a, b| key_order(&a.0, &b.0));
                for (k, pair) in order.into_iter().enumerate() {
                    write(k, pair);
                }
            } else {
                for (k, pair) in pairs.iter().enumerate() {
                    write(k, pair);
                }
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_keys_follow_code_points_not_utf16_units() {
        let key = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        let doc = Value::Dict(vec![
            (key("\u{1f600}"), Value::Int("1".into())),
            (key("\u{ff01}"), Value::Int("2".into())),
            (
                key("b"),
                Value::Dict(vec![(key("z"), Value::Null), (key("a"), Value::Bool(true))]),
            ),
            (key("a"), Value::Float(0.1)),
        ]);
        assert_eq!(
            dumps_sorted(&doc),
            r#"{"a": 0.1, "b": {"a": true, "z": null}, "\uff01": 2, "\ud83d\ude00": 1}"#
        );
        assert!(dumps(&doc).starts_with(r#"{"\ud83d\ude00": 1"#));
    }

    #[test]
    fn floats_print_as_python_repr() {
        for (x, repr) in [
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123.0, "123.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (123456789.125, "123456789.125"),
            (
                f64::from_bits(14_055_834_391_788_527_221),
                "-1150888598144925.2",
            ),
        ] {
            assert_eq!(float_repr(x), repr);
        }
    }

    #[test]
    fn loads_then_dumps_follows_python() {
        let cases = [
            (
                r#"{"a": 1, "b": [true, null, 1.5e3], "a": "x"}"#,
                r#"{"a": "x", "b": [true, null, 1500.0]}"#,
            ),
            (r#"  -0 "#, "0"),
            (r#"[NaN, -Infinity, 1e400]"#, "[NaN, -Infinity, Infinity]"),
            (
                "\"\\ud83d\\ude00 é \\ud800\"",
                "\"\\ud83d\\ude00 \\u00e9 \\ud800\"",
            ),
        ];
        for (text, dumped) in cases {
            assert_eq!(dumps(&loads(text).expect(text)), dumped, "{text}");
        }
        for bad in ["[1,]", "{'a': 1}", "01", "\"a\u{1}\"", "", "[1] x", "1."] {
            assert!(
                matches!(loads(bad), Err(LoadError::Decode { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(loads(&"9".repeat(4_301)), Err(LoadError::IntegerTooLong));
    }
}
