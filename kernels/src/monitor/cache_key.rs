//! K25: the analytics cache's key (`server/analytics/cache.py`
//! `AnalyticsCache._generate_cache_key` L52-57):
//! `"analytics:<type>:" + md5(json.dumps(parameters, sort_keys=True)
//! .encode()).hexdigest()`, with json's default separators and
//! `ensure_ascii`, so the JSON text is ASCII and its UTF-8 bytes are the
//! text itself.
//!
//! Sharing keys with the Python service needs the same bytes: that is
//! [`python_json::dumps_sorted`]'s job; the digest is RustCrypto's MD5.

use md5::{Digest, Md5};

use crate::text::python_json::{self, Value};

/// `_generate_cache_key(analytics_type, parameters)`.
pub fn cache_key(analytics_type: &str, parameters: &Value) -> String {
    let text = python_json::dumps_sorted(parameters);
    let digest = Md5::digest(text.as_bytes());
    let mut key = String::with_capacity(11 + analytics_type.len() + 33);
    key.push_str("analytics:");
    key.push_str(analytics_type);
    key.push(':');
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &byte in digest.iter() {
        key.push(char::from(HEX[usize::from(byte >> 4)]));
        key.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn keys_match_pythons() {
        // hashlib.md5(json.dumps({}, sort_keys=True).encode()).hexdigest()
        assert_eq!(
            cache_key("centrality", &Value::Dict(Vec::new())),
            "analytics:centrality:99914b932bd37a50b983c5e7c90ae93b"
        );
        // json.dumps({"b": 1, "a": [True, None, 0.5]}, sort_keys=True)
        // == '{"a": [true, null, 0.5], "b": 1}'
        let doc = Value::Dict(vec![
            (key("b"), Value::Int("1".into())),
            (
                key("a"),
                Value::List(vec![Value::Bool(true), Value::Null, Value::Float(0.5)]),
            ),
        ]);
        assert_eq!(
            cache_key("paths", &doc),
            "analytics:paths:1fcc8c447c8a0689d7c70dcbec5f70da"
        );
    }
}
