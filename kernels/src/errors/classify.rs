//! K10.1 `ErrorClassifier.classify_error`: the first of 20 class-name
//! patterns, type-major, that is a substring of the lower-cased class name
//! or of the lower-cased `str(error)` decides the type; none → UNKNOWN.
//!
//! Lower-casing is Python's full Unicode `str.lower` (a Kelvin sign lowers
//! to `k`, so `NETWOR\u{212A}ERROR` in a message is TRANSIENT), and a
//! substring of code points is a substring of UTF-8 bytes, so `str::contains`
//! tests what `in` tests. The original lower-cases pattern and name inside
//! its loop; the twin does it once (same answer).

use super::ErrorType;
use crate::text::python_str;

/// The classifier's table in its dict order: (type, patterns).
pub const PATTERNS: [(ErrorType, &[&str]); 5] = [
    (
        ErrorType::Transient,
        &[
            "ConnectionError",
            "TimeoutError",
            "TemporaryFailure",
            "NetworkError",
            "ServiceUnavailable",
            "RequestTimeout",
        ],
    ),
    (
        ErrorType::RateLimit,
        &["RateLimitError", "TooManyRequests", "QuotaExceeded"],
    ),
    (
        ErrorType::Authentication,
        &[
            "AuthenticationError",
            "PermissionError",
            "Unauthorized",
            "Forbidden",
        ],
    ),
    (
        ErrorType::DataValidation,
        &["ValidationError", "DataError", "FormatError", "ParseError"],
    ),
    (
        ErrorType::Permanent,
        &["NotImplementedError", "ConfigurationError", "ImportError"],
    ),
];

/// The 20 patterns lower-cased (all ASCII), with their type, in table order.
const LOWER: [(ErrorType, &str); 20] = [
    (ErrorType::Transient, "connectionerror"),
    (ErrorType::Transient, "timeouterror"),
    (ErrorType::Transient, "temporaryfailure"),
    (ErrorType::Transient, "networkerror"),
    (ErrorType::Transient, "serviceunavailable"),
    (ErrorType::Transient, "requesttimeout"),
    (ErrorType::RateLimit, "ratelimiterror"),
    (ErrorType::RateLimit, "toomanyrequests"),
    (ErrorType::RateLimit, "quotaexceeded"),
    (ErrorType::Authentication, "authenticationerror"),
    (ErrorType::Authentication, "permissionerror"),
    (ErrorType::Authentication, "unauthorized"),
    (ErrorType::Authentication, "forbidden"),
    (ErrorType::DataValidation, "validationerror"),
    (ErrorType::DataValidation, "dataerror"),
    (ErrorType::DataValidation, "formaterror"),
    (ErrorType::DataValidation, "parseerror"),
    (ErrorType::Permanent, "notimplementederror"),
    (ErrorType::Permanent, "configurationerror"),
    (ErrorType::Permanent, "importerror"),
];

/// `classify_error(error)` for an exception of class `class_name` whose
/// `str()` is `text`.
pub fn classify(class_name: &str, text: &str) -> ErrorType {
    let name = python_str::lower(class_name);
    let message = python_str::lower(text);
    LOWER
        .iter()
        .find(|(_, pattern)| name.contains(pattern) || message.contains(pattern))
        .map_or(ErrorType::Unknown, |&(error_type, _)| error_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowered_table_is_the_table() {
        let flat: Vec<(ErrorType, String)> = PATTERNS
            .iter()
            .flat_map(|(t, ps)| ps.iter().map(move |p| (*t, p.to_lowercase())))
            .collect();
        let lower: Vec<(ErrorType, String)> =
            LOWER.iter().map(|(t, p)| (*t, p.to_string())).collect();
        assert_eq!(flat, lower);
    }

    /// Each of the 20 patterns classifies its own name, in any case, as a
    /// class name and as a message, with a prefix and a suffix.
    #[test]
    fn every_pattern_classifies_as_its_type() {
        for (error_type, patterns) in PATTERNS {
            for pattern in patterns {
                assert_eq!(classify(pattern, ""), error_type, "{pattern}");
                assert_eq!(
                    classify(&format!("My{}Ex", pattern.to_uppercase()), ""),
                    error_type
                );
                assert_eq!(
                    classify("Exception", &format!("got a {pattern} here")),
                    error_type
                );
            }
        }
    }

    #[test]
    fn catalog_cases() {
        // Order decides: AUTHENTICATION is tried before DATA_VALIDATION.
        assert_eq!(
            classify("DataError", "forbidden"),
            ErrorType::Authentication
        );
        assert_eq!(classify("MetadataError", ""), ErrorType::DataValidation);
        assert_eq!(classify("RequestTimeoutError", ""), ErrorType::Transient);
        for miss in [
            "ConnectionRefusedError",
            "ConnectionResetError",
            "BrokenPipeError",
            "ModuleNotFoundError",
            "ValueError",
            "KeyError",
            "FileNotFoundError",
        ] {
            assert_eq!(classify(miss, "x"), ErrorType::Unknown, "{miss}");
        }
        assert_eq!(classify("TimeoutError", ""), ErrorType::Transient);
        assert_eq!(classify("PermissionError", ""), ErrorType::Authentication);
        assert_eq!(
            classify("ValueError", "connection refused"),
            ErrorType::Unknown
        );
        // Kelvin sign lowers to "k".
        assert_eq!(
            classify("ValueError", "NETWOR\u{212A}ERROR"),
            ErrorType::Transient
        );
    }
}
