//! The text twins against the embedded CPython itself: difflib's
//! `SequenceMatcher` on ten thousand random string pairs, and the `str`
//! whitespace, `split()` and the alert correlator's normalisation over every
//! code point, and `re.IGNORECASE`'s letter equivalents. The alert kernels'
//! answers rest on these being exact.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use twinbench::pairs::PythonFunction;
use twinbench::sides::python as bridge;
use twinbench_kernels::alerting::correlator::semantic::normalize;
use twinbench_kernels::text::difflib::SequenceMatcher;
use twinbench_kernels::text::python_json::{self, LoadError};
use twinbench_kernels::text::python_re;
use twinbench_kernels::text::python_str;

fn checks(function: &'static str) -> PythonFunction {
    PythonFunction {
        module: "twinbench_baselines.text_checks",
        function,
    }
}

fn ask(function: &'static str, args: &[String]) -> String {
    bridge::bridge()
        .expect("bridge starts")
        .call_with_strings(checks(function), args)
        .expect("the check runs")
}

/// The twin's answer in `text_checks.matching_blocks`' format.
fn rust_blocks(a: &str, b: &str) -> String {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut matcher = SequenceMatcher::<char>::new();
    let ratio = matcher.ratio(&a, &b);
    let blocks: Vec<String> = matcher
        .matching_blocks(&a, &b)
        .iter()
        .map(|m| format!("{},{},{}", m.a, m.b, m.size))
        .collect();
    format!("{} {}", ratio.to_bits(), blocks.join(" "))
}

/// Alphabets from two letters (long runs, the autojunk regime from 200
/// characters) to mixed scripts with combining marks, emoji and Python's
/// extra whitespace.
const ALPHABETS: [&str; 6] = [
    "ab",
    "ab c",
    "abcdefghijklmnopqrstuvwxyz ",
    "The quick brown fox: 0123456789, db-01 timeout!",
    "aé ëΣσςД日本語😀\u{301}\u{1c}\u{130}\u{212a}",
    "\u{0}\u{7f}\u{80}\u{ffff}\u{10ffff}a",
];

fn text(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 0..=max)
        .prop_map(|v| v.into_iter().collect())
}

/// `b` from `a` by a few edits (so the two share long runs, as alert texts
/// do), or drawn on its own.
fn string_pair() -> impl Strategy<Value = (String, String)> {
    (0..ALPHABETS.len(), any::<bool>()).prop_flat_map(|(k, related)| {
        let alphabet = ALPHABETS[k];
        let a = text(alphabet, 400);
        if related {
            (
                a,
                proptest::collection::vec((0usize..400, text(alphabet, 6)), 0..8),
            )
                .prop_map(|(a, edits)| {
                    let mut b: Vec<char> = a.chars().collect();
                    for (at, insert) in edits {
                        let at = at.min(b.len());
                        let end = (at + insert.chars().count() / 2).min(b.len());
                        b.splice(at..end, insert.chars());
                    }
                    let b: String = b.into_iter().collect();
                    (a, b)
                })
                .boxed()
        } else {
            (a, text(alphabet, 400)).boxed()
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/proptest-regressions/text.txt"
        )))),
        ..ProptestConfig::default()
    })]

    /// Ratio bits and every matching block, both argument orders (autojunk
    /// looks only at the second string).
    #[test]
    fn sequence_matcher_agrees_with_cpython_bit_for_bit((a, b) in string_pair()) {
        let python = ask("matching_blocks", &[a.clone(), b.clone()]);
        prop_assert_eq!(rust_blocks(&a, &b), python, "a = {:?}, b = {:?}", a, b);
        let python = ask("matching_blocks", &[b.clone(), a.clone()]);
        prop_assert_eq!(rust_blocks(&b, &a), python, "a = {:?}, b = {:?}", b, a);
    }
}

fn every_code_point() -> impl Iterator<Item = char> {
    (0..=u32::from(char::MAX)).filter_map(char::from_u32)
}

fn joined_with_x() -> String {
    let mut s = String::new();
    for (i, c) in every_code_point().enumerate() {
        if i > 0 {
            s.push('x');
        }
        s.push(c);
    }
    s
}

/// Where two long strings first differ, with some context.
fn first_difference(rust: &str, python: &str) -> String {
    let at = rust
        .chars()
        .zip(python.chars())
        .position(|(r, p)| r != p)
        .unwrap_or(rust.chars().count().min(python.chars().count()));
    let around = |s: &str| {
        s.chars()
            .skip(at.saturating_sub(20))
            .take(40)
            .collect::<String>()
    };
    format!(
        "first difference at char {at}: rust {:?} vs python {:?}",
        around(rust),
        around(python)
    )
}

#[test]
fn python_whitespace_is_cpythons_on_every_code_point() {
    let rust: Vec<String> = every_code_point()
        .filter(|&c| python_str::is_space(c))
        .map(|c| u32::from(c).to_string())
        .collect();
    assert_eq!(rust.join(","), ask("python_spaces", &[]));
    let joined = joined_with_x();
    let rust = python_str::split(&joined).collect::<Vec<_>>().join("|");
    let python = ask("split_every_code_point", &[]);
    assert!(rust == python, "{}", first_difference(&rust, &python));
}

#[test]
fn normalisation_is_the_originals_on_every_code_point() {
    let mut bytes = Vec::new();
    normalize(&joined_with_x(), &mut bytes);
    let rust = String::from_utf8(bytes).expect("normalised text is ASCII");
    let python = ask("normalize_every_code_point", &[]);
    assert!(rust == python, "{}", first_difference(&rust, &python));
    // Contexts the per-character pass cannot show: final sigma, İ then a
    // letter, runs of separators.
    for sample in [
        "ΟΔΟΣ ΣΑ",
        "İİx",
        "a\u{1c}\u{1f}  \u{3000}b",
        "",
        "  ",
        "DIS\u{212a}",
    ] {
        let mut bytes = Vec::new();
        normalize(sample, &mut bytes);
        let rust = String::from_utf8(bytes).expect("ASCII");
        assert_eq!(rust, ask("normalize", &[sample.to_string()]), "{sample:?}");
    }
}

/// The rule engine's patterns are ASCII words searched with IGNORECASE:
/// for every letter, the code points Python matches are exactly those the
/// twin folds to it (İ, ı, the Kelvin sign and the long s included).
#[test]
fn ignorecase_letters_match_what_cpython_matches_on_every_code_point() {
    let rust: Vec<String> = ('a'..='z')
        .map(|letter| {
            let matched: Vec<String> = every_code_point()
                .filter(|&c| python_re::fold(c) == letter)
                .map(|c| u32::from(c).to_string())
                .collect();
            format!("{letter}:{}", matched.join(","))
        })
        .collect();
    assert_eq!(rust.join(" "), ask("ignorecase_letters", &[]));
}

/// A JSON-ish document: valid values in Python's own extensions (NaN,
/// Infinity, big integers, escapes, surrogates, repeated keys), laid out
/// with random whitespace, then sometimes damaged by an edit.
fn json_text() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("NaN".to_string()),
        Just("-Infinity".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "-?[0-9]{1,40}".prop_map(|s| s.trim_start_matches('0').to_string()),
        any::<f64>().prop_map(|x| format!("{x:e}")),
        "-?(0|[1-9][0-9]{0,5})\\.[0-9]{1,20}([eE][-+]?[0-9]{1,3})?",
        "\"([a-z é\\\\/\\\"]|\\\\u[0-9a-fA-F]{4}|\\\\[nrtbf]|😀|\u{1}){0,12}\"",
        Just("\"\\ud83d\\ude00\\udc00\"".to_string()),
    ];
    let value = scalar.prop_recursive(4, 40, 6, |inner| {
        let key = prop_oneof![Just("\"a\""), Just("\"b\""), Just("\"ключ\"")];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            proptest::collection::vec((key, inner), 0..6).prop_map(|pairs| {
                let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{ {} }}", body.join(",\n"))
            }),
        ]
    });
    (value, 0usize..200, 0usize..4, "[ \t\n,:\\]\\[{}\"x0.-]").prop_map(|(text, at, edit, c)| {
        let mut chars: Vec<char> = text.chars().collect();
        let at = at.min(chars.len());
        match edit {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 => chars.splice(at..at, c.chars()).for_each(drop),
            _ => {}
        }
        chars.into_iter().collect()
    })
}

fn rust_roundtrip(text: &str) -> String {
    match python_json::loads(text) {
        Ok(value) => format!("ok {}", python_json::dumps(&value)),
        Err(LoadError::Decode { .. }) => "decode".to_string(),
        Err(LoadError::IntegerTooLong) => "value".to_string(),
        Err(LoadError::TooDeep) => "recursion".to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/proptest-regressions/text.txt"
        )))),
        ..ProptestConfig::default()
    })]

    /// `json.dumps(json.loads(text))` byte for byte, or the same exception
    /// class.
    #[test]
    fn json_loads_and_dumps_agree_with_cpython(text in json_text()) {
        let python = ask("json_roundtrip", std::slice::from_ref(&text));
        prop_assert_eq!(rust_roundtrip(&text), python, "text = {:?}", text);
    }

    /// `repr(x)` and `f"{x:.2f}"` on random bit patterns and on ties.
    #[test]
    fn float_repr_and_fixed_agree_with_cpython(
        bits in proptest::collection::vec(any::<u64>(), 1..40),
        ties in proptest::collection::vec(-4_000i64..4_000, 1..40),
    ) {
        let mut xs: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
        xs.extend(ties.iter().map(|&k| k as f64 / 8.0));
        xs.extend([0.0, -0.0, 1e16, 1e-5, f64::INFINITY, f64::NAN]);
        let joined: Vec<String> = xs.iter().map(|x| x.to_bits().to_string()).collect();
        let joined = joined.join(" ");
        let rust: Vec<String> = xs.iter().map(|&x| python_json::float_repr(x)).collect();
        prop_assert_eq!(rust.join(" "), ask("float_reprs", std::slice::from_ref(&joined)));
        let rust: Vec<String> = xs.iter().map(|&x| python_str::fixed(x, 2)).collect();
        prop_assert_eq!(rust.join(" "), ask("fixed_formats", &[joined]));
    }
}

#[test]
fn json_edge_cases_agree_with_cpython() {
    let deep = format!("{}1{}", "[".repeat(50), "]".repeat(50));
    let long_int = "7".repeat(4_301);
    for text in [
        "",
        " ",
        "{}",
        "[]",
        "-0",
        "-0.0",
        "1e400",
        "-1e400",
        "0.1e-400",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "\"\\ud800\\udc00\"",
        "\"\\uD83D\"",
        "\"\\u12\"",
        "nul",
        "[1 2]",
        "\u{a0}1",
        "1\u{3000}",
        "٣",
        "\"\u{7f}\"",
        &deep,
        &long_int,
        "9999999999999999999999",
        "{\"a\": 1, \"a\": 2, \"b\": 3}",
        "1E5",
        "1e-7",
        "123456789012345678.5",
    ] {
        let python = ask("json_roundtrip", &[text.to_string()]);
        assert_eq!(rust_roundtrip(text), python, "{text:?}");
    }
}
